/*
 * The W3C Baggage propagator: the "baggage" header.
 *
 *   baggage-string = list-member 0*179( OWS "," OWS list-member )
 *   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
 *
 * Extraction keeps every valid member and drops invalid ones one by one.
 * Values are percent-decoded, and bytes that do not form valid UTF-8
 * become U+FFFD. Properties are kept as one opaque metadata string. The
 * work is bounded: at most OTELC__BAGGAGE_MAX_HEADER bytes of the header
 * are read, at most OTELC_BAGGAGE_MAX_ENTRIES members kept, and only whole
 * members are kept, so that what was extracted always fits, whole, in the
 * header that injection writes again.
 */
#include <stdint.h>
#include <string.h>

#include "common/env.h"
#include "common/internal.h"
#include "propagation/propagation_internal.h"

#define BG_MAX_HEADER ((size_t)OTELC__BAGGAGE_MAX_HEADER)
#define BG_MAX_MEMBERS ((size_t)OTELC_BAGGAGE_MAX_ENTRIES)
#define BG_SLOTS 512 /* a power of two, well above BG_MAX_MEMBERS */

static const char *const bg_fields[] = {"baggage", NULL};

/* ------------------------------------------------------- character sets */

static bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

/* RFC 7230 tchar. */
static bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z'))
    return true;
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* baggage-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
static bool is_baggage_octet(unsigned char c) {
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' &&
         c != '\\';
}

static bool is_token(const char *s, size_t len) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_tchar((unsigned char)s[i]))
      return false;
  return true;
}

/* Metadata travels unchanged, but it must not end the member (',') or
 * the header line (control characters other than tab). */
static bool metadata_ok(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ',' || (c < 0x20 && c != '\t') || c == 0x7f)
      return false;
  }
  return true;
}

/* Trim OWS from both ends of s[0..*len); returns the new start. */
static const char *trim_ows(const char *s, size_t *len) {
  size_t n = *len;
  while (n > 0 && is_ows(*s)) {
    s++;
    n--;
  }
  while (n > 0 && is_ows(s[n - 1]))
    n--;
  *len = n;
  return s;
}

/* ------------------------------------------------------------- encoding */

/* Whether a value byte is written as it is. */
static bool value_byte_plain(unsigned char c) {
  return is_baggage_octet(c) && c != '%';
}

/* Length of @p v once percent-encoded. */
static size_t value_encoded_len(const char *v) {
  size_t n = 0;
  for (; *v; v++)
    n += value_byte_plain((unsigned char)*v) ? 1 : 3;
  return n;
}

/* Percent-encode @p v into @p out; returns the length written. */
static size_t value_encode(const char *v, char *out) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *v; v++) {
    unsigned char c = (unsigned char)*v;
    if (value_byte_plain(c)) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  return o;
}

/* Header bytes a member takes: name=value[;metadata]. */
static size_t member_len(size_t name_len, size_t value_enc_len,
                         size_t meta_len) {
  return name_len + 1 + value_enc_len + (meta_len ? 1 + meta_len : 0);
}

/* ------------------------------------------------------------- decoding */

/* Copy in[0..n) to @p out replacing each maximal ill-formed subsequence
 * by U+FFFD (EF BF BD); @p out holds up to 3n bytes. Returns the length
 * written. */
static size_t utf8_sanitize(const unsigned char *in, size_t n, char *out) {
  size_t i = 0, o = 0;
  while (i < n) {
    unsigned char c = in[i];
    if (c < 0x80) {
      out[o++] = (char)c;
      i++;
      continue;
    }
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c == 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if (c == 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (c >= 0xe1 && c <= 0xef) {
      need = 2;
    } else if (c == 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (c >= 0xf1 && c <= 0xf3) {
      need = 3;
    } else if (c == 0xf4) {
      need = 3;
      hi = 0x8f;
    }
    size_t j = 1;
    while (need && j <= need && i + j < n) {
      unsigned char b = in[i + j];
      if (j == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
        break;
      j++;
    }
    if (need && j == need + 1) {
      memcpy(out + o, in + i, j);
      o += j;
    } else {
      memcpy(out + o, "\xef\xbf\xbd", 3);
      o += 3;
    }
    i += j;
  }
  return o;
}

/* ----------------------------------------------------------- extraction */

/* Members kept so far, their strings in one scratch buffer. */
typedef struct bg_list {
  const char *names[BG_MAX_MEMBERS];
  const char *values[BG_MAX_MEMBERS];
  const char *metadata[BG_MAX_MEMBERS];
  size_t name_len[BG_MAX_MEMBERS];
  size_t size[BG_MAX_MEMBERS]; /* header bytes once injected again */
  size_t n;
  size_t total; /* header bytes of all members, with separators */
  char *buf;    /* output strings */
  size_t used, cap;
  char *tmp; /* one decoded value */
  /* Open-addressing index of the names: entry + 1, or 0 when free. */
  uint16_t slot[BG_SLOTS];
} bg_list;

/* FNV-1a of a key. */
static uint32_t key_hash(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

/* The slot that holds @p key, or the free slot where it would go. */
static uint16_t *list_find(bg_list *l, const char *key, size_t len) {
  size_t i = key_hash(key, len) & (BG_SLOTS - 1);
  for (;;) {
    uint16_t *sl = &l->slot[i];
    if (*sl == 0)
      return sl;
    size_t e = *sl - 1u;
    if (l->name_len[e] == len && memcmp(l->names[e], key, len) == 0)
      return sl;
    i = (i + 1) & (BG_SLOTS - 1);
  }
}

/* Copy s[0..len) with a NUL into the scratch buffer. */
static char *list_copy(bg_list *l, const char *s, size_t len) {
  char *d = l->buf + l->used;
  memcpy(d, s, len);
  d[len] = '\0';
  l->used += len + 1;
  return d;
}

/* Parse member m[0..len) (already trimmed, non-empty) and keep it when
 * valid and within the limits. */
static void list_member(bg_list *l, const char *m, size_t len) {
  const char *eq = memchr(m, '=', len);
  if (!eq)
    return;
  size_t klen = (size_t)(eq - m);
  const char *key = trim_ows(m, &klen);
  if (!is_token(key, klen))
    return;

  const char *rest = eq + 1;
  size_t rlen = len - (size_t)(rest - m);
  const char *semi = memchr(rest, ';', rlen);
  size_t vlen = semi ? (size_t)(semi - rest) : rlen;
  const char *raw = trim_ows(rest, &vlen);
  for (size_t i = 0; i < vlen; i++)
    if (!is_baggage_octet((unsigned char)raw[i]))
      return;
  size_t mlen = 0;
  const char *meta = NULL;
  if (semi) {
    mlen = rlen - (size_t)(semi + 1 - rest);
    meta = trim_ows(semi + 1, &mlen);
    if (!metadata_ok(meta, mlen))
      return;
  }

  size_t dlen = otelc__percent_decode(raw, vlen, l->tmp);
  if (dlen == (size_t)-1 || memchr(l->tmp, '\0', dlen))
    return; /* malformed escape, or a NUL a C string cannot hold */

  /* An earlier member with the same key is replaced: the later wins. */
  uint16_t *sl = list_find(l, key, klen);
  size_t at = *sl ? *sl - 1u : l->n;
  if (at == l->n && l->n == BG_MAX_MEMBERS)
    return;

  /* Write the value, and check the size it will take in a header. */
  size_t mark = l->used;
  char *value = l->buf + l->used;
  size_t olen = utf8_sanitize((const unsigned char *)l->tmp, dlen, value);
  value[olen] = '\0';
  l->used += olen + 1;
  size_t size = member_len(klen, value_encoded_len(value), mlen);
  size_t total = at < l->n ? l->total - l->size[at] + size
                           : l->total + (l->n ? 1 : 0) + size;
  if (total > BG_MAX_HEADER) {
    l->used = mark;
    return;
  }
  const char *meta_copy = mlen ? list_copy(l, meta, mlen) : NULL;
  if (at == l->n) {
    l->names[at] = list_copy(l, key, klen);
    l->name_len[at] = klen;
    l->n++;
    *sl = (uint16_t)l->n;
  }
  l->values[at] = value;
  l->metadata[at] = meta_copy;
  l->size[at] = size;
  l->total = total;
}

static void bg_extract(otelc__extract_acc *acc, const otelc_carrier *c) {
  if (!acc || !c || !c->get)
    return;
  const char *h = c->get(c->self, "baggage");
  if (!h)
    return;
  /* Read at most the limit; a member cut by it is dropped whole. */
  size_t len = strnlen(h, BG_MAX_HEADER + 1);
  bool cut = len > BG_MAX_HEADER && h[BG_MAX_HEADER] != ',';
  if (len > BG_MAX_HEADER)
    len = BG_MAX_HEADER;
  if (len == 0)
    return;

  /* A kept member needs at most its length plus three NULs (a decoded
   * value is never longer than its raw text: U+FFFD replaces at least
   * one byte that took a three-byte escape), so 3 * (len + 1) bytes hold
   * them all; the decoded value in progress goes after them. */
  bg_list *l = otelc__malloc(sizeof *l + 4 * (len + 1));
  if (!l)
    return;
  l->n = l->total = l->used = 0;
  memset(l->slot, 0, sizeof l->slot);
  l->cap = 3 * (len + 1);
  l->buf = (char *)(l + 1);
  l->tmp = l->buf + l->cap;

  const char *p = h, *end = h + len;
  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    if (!comma && cut)
      break;
    const char *stop = comma ? comma : end;
    size_t mlen = (size_t)(stop - p);
    const char *m = trim_ows(p, &mlen);
    if (mlen > 0)
      list_member(l, m, mlen);
    if (!comma)
      break;
    p = comma + 1;
  }

  if (l->n > 0) {
    otelc_baggage *b =
        otelc__baggage_from(l->names, l->values, l->metadata, l->n);
    if (b)
      otelc__acc_set_baggage(acc, b);
  }
  otelc__free(l);
}

/* ------------------------------------------------------------ injection */

static otelc_status bg_inject(const otelc__ctx_view *v,
                              const otelc_carrier *c) {
  if (!v || !c || !c->set)
    return OTELC_ERR_INVALID_ARG;
  size_t count = otelc_baggage_count(v->baggage);
  if (count == 0)
    return OTELC_OK;

  /* First pass: which members fit, whole, in one header. */
  bool keep[BG_MAX_MEMBERS];
  size_t total = 0, kept = 0;
  for (size_t i = 0; i < count && i < BG_MAX_MEMBERS; i++) {
    const char *name, *value, *meta;
    keep[i] = false;
    if (kept == BG_MAX_MEMBERS ||
        !otelc_baggage_entry(v->baggage, i, &name, &value, &meta))
      continue;
    size_t nlen = strlen(name);
    if (!value || !is_token(name, nlen))
      continue;
    size_t mlen = meta ? strlen(meta) : 0;
    if (mlen && !metadata_ok(meta, mlen))
      mlen = 0;
    size_t add =
        member_len(nlen, value_encoded_len(value), mlen) + (kept ? 1 : 0);
    if (total + add > BG_MAX_HEADER)
      continue;
    keep[i] = true;
    total += add;
    kept++;
  }
  if (kept == 0)
    return OTELC_OK;

  char *hdr = otelc__malloc(total + 1);
  if (!hdr)
    return OTELC_ERR_NOMEM;
  size_t o = 0;
  for (size_t i = 0; i < count && i < BG_MAX_MEMBERS; i++) {
    const char *name, *value, *meta;
    if (!keep[i] || !otelc_baggage_entry(v->baggage, i, &name, &value, &meta))
      continue;
    if (o)
      hdr[o++] = ',';
    size_t nlen = strlen(name);
    memcpy(hdr + o, name, nlen);
    o += nlen;
    hdr[o++] = '=';
    o += value_encode(value, hdr + o);
    size_t mlen = meta ? strlen(meta) : 0;
    if (mlen && metadata_ok(meta, mlen)) {
      hdr[o++] = ';';
      memcpy(hdr + o, meta, mlen);
      o += mlen;
    }
  }
  hdr[o] = '\0';
  otelc_status st = c->set(c->self, "baggage", hdr);
  otelc__free(hdr);
  return st;
}

const otelc__prop_vtbl otelc__baggage_vtbl = {
    .inject = bg_inject,
    .extract = bg_extract,
    .fields = bg_fields,
};
