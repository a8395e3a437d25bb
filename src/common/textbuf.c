/* Growable text buffer and human-readable value forms. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/textbuf.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */

bool otelc__tbuf_grow(otelc__tbuf *b, size_t more) {
  if (b->oom)
    return false;
  if (b->len + more + 1 <= b->cap)
    return true;
  if (more > SIZE_MAX / 4 - b->len) {
    b->oom = true;
    return false;
  }
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *p = otelc__realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

void otelc__tbuf_free(otelc__tbuf *b) {
  otelc__free(b->p);
  memset(b, 0, sizeof *b);
}

otelc_status otelc__tbuf_write(otelc__tbuf *b, FILE *out, size_t keep) {
  otelc_status st = OTELC_OK;
  if (b->oom) {
    st = OTELC_ERR_NOMEM;
  } else if (b->len > 0) {
    if (fwrite(b->p, 1, b->len, out) != b->len)
      st = OTELC_ERR_IO;
    if (fflush(out) != 0)
      st = OTELC_ERR_IO;
    if (st != OTELC_OK)
      clearerr(out);
  }
  b->len = 0;
  b->oom = false;
  if (b->cap > keep)
    otelc__tbuf_free(b);
  return st;
}

void otelc__tbuf_printf(otelc__tbuf *b, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof tmp) {
    otelc__tbuf_put(b, tmp, (size_t)n);
    return;
  }
  if (!otelc__tbuf_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static const char digits[] = "0123456789abcdef";

void otelc__tbuf_hex(otelc__tbuf *b, const uint8_t *in, size_t n) {
  if (!otelc__tbuf_reserve(b, 2 * n))
    return;
  for (size_t i = 0; i < n; i++) {
    b->p[b->len++] = digits[in[i] >> 4];
    b->p[b->len++] = digits[in[i] & 15];
  }
}

/* Length of the well-formed UTF-8 sequence at s[0..len) (len > 0), or 0
 * when it is not one (overlong forms, surrogates and values above
 * U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t len) {
  unsigned char c = s[0], lo = 0x80, hi = 0xbf;
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  if (len < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k < n; k++)
    if ((s[k] & 0xc0) != 0x80)
      return 0;
  return n;
}

static void put_xnn(otelc__tbuf *b, unsigned char c) {
  char esc[4] = {'\\', 'x', digits[c >> 4], digits[c & 15]};
  otelc__tbuf_put(b, esc, 4);
}

/* Shared by the quoted and the free-text forms: @p all escapes quotes
 * (when quoting), backslashes and tabs as well. At most @p max characters
 * (0: no limit); returns the bytes of @p str consumed. */
static size_t put_chars(otelc__tbuf *b, const char *str, size_t len, bool all,
                        bool quote, size_t max) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, left = max ? max : SIZE_MAX;
  while (i < len && left > 0 && !b->oom) {
    /* Runs of plain printable ASCII are copied at once. */
    size_t run = i, end = len - i > left ? i + left : len;
    while (run < end && s[run] >= 0x20 && s[run] < 0x7f &&
           !(all && (s[run] == '\\' || (quote && s[run] == '"'))))
      run++;
    if (run > i) {
      otelc__tbuf_put(b, str + i, run - i);
      left -= run - i;
      i = run;
      continue;
    }
    unsigned char c = s[i];
    size_t n = 1;
    if (all && c == '"') {
      otelc__tbuf_put(b, "\\\"", 2);
    } else if (all && c == '\\') {
      otelc__tbuf_put(b, "\\\\", 2);
    } else if (c == '\n') {
      otelc__tbuf_put(b, "\\n", 2);
    } else if (c == '\r') {
      otelc__tbuf_put(b, "\\r", 2);
    } else if (c == '\t') {
      otelc__tbuf_put(b, all ? "\\t" : "\t", all ? 2 : 1);
    } else if (c < 0x20 || c == 0x7f || (n = utf8_seq(s + i, len - i)) == 0) {
      put_xnn(b, c);
      n = 1;
    } else {
      otelc__tbuf_put(b, str + i, n);
    }
    left--;
    i += n;
  }
  return i;
}

/* The quoted or bare escaped form of at most @p max characters (0: all),
 * followed by an ellipsis when cut. */
static void put_escaped(otelc__tbuf *b, const char *s, size_t len, size_t max,
                        bool quote) {
  if (quote)
    otelc__tbuf_putc(b, '"');
  size_t done = put_chars(b, s, len, true, quote, max);
  if (quote)
    otelc__tbuf_putc(b, '"');
  if (done < len)
    otelc__tbuf_puts(b, ELLIPSIS);
}

void otelc__tbuf_escaped(otelc__tbuf *b, const char *s, size_t len,
                         bool quote) {
  put_escaped(b, s, len, 0, quote);
}

void otelc__tbuf_text(otelc__tbuf *b, const char *s, size_t len) {
  put_chars(b, s, len, false, false, 0);
}

void otelc__tbuf_word(otelc__tbuf *b, const char *s) {
  if (!s)
    s = "";
  size_t len = strlen(s);
  bool bare = len > 0;
  for (size_t i = 0; i < len && bare; i++) {
    unsigned char c = (unsigned char)s[i];
    bare = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
  }
  if (bare)
    otelc__tbuf_put(b, s, len);
  else
    otelc__tbuf_escaped(b, s, len, true);
}

void otelc__tbuf_double(otelc__tbuf *b, double d) {
  char tmp[40];
  snprintf(tmp, sizeof tmp, "%.15g", d);
  if (strtod(tmp, NULL) != d)
    snprintf(tmp, sizeof tmp, "%.17g", d);
  otelc__tbuf_puts(b, tmp);
}

void otelc__tbuf_time(otelc__tbuf *b, uint64_t ns) {
  if (ns == 0) {
    otelc__tbuf_putc(b, '-');
    return;
  }
  time_t secs = (time_t)(ns / 1000000000u);
  struct tm tm;
  if (!gmtime_r(&secs, &tm)) {
    otelc__tbuf_printf(b, "%" PRIu64, ns);
    return;
  }
  otelc__tbuf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, (unsigned)(ns % 1000000000u));
}

/* -------------------------------------------------------------- values -- */

const otelc__tbuf_style otelc__tbuf_plain = {.max_depth = 16};

static void put_value(otelc__tbuf *b, const otelc_value *v, int depth,
                      const otelc__tbuf_style *st);

static void put_kvs(otelc__tbuf *b, const otelc_attr *kvs, size_t n, int depth,
                    const otelc__tbuf_style *st) {
  for (size_t i = 0; i < n; i++) {
    if (i)
      otelc__tbuf_puts(b, ", ");
    otelc__tbuf_word(b, kvs[i].key);
    otelc__tbuf_putc(b, '=');
    put_value(b, &kvs[i].value, depth, st);
  }
}

static void put_number(otelc__tbuf *b, double d, const otelc__tbuf_style *st) {
  if (st->exact)
    otelc__tbuf_double(b, d);
  else
    otelc__tbuf_printf(b, "%g", d);
}

static void put_element(otelc__tbuf *b, const otelc_value *v, size_t i,
                        int depth, const otelc__tbuf_style *st) {
  switch (v->type) {
  case OTELC_VALUE_STRING_ARRAY: {
    const char *s = v->u.strs[i];
    if (s)
      put_escaped(b, s, strlen(s), st->str_max, true);
    else
      otelc__tbuf_puts(b, "null");
    break;
  }
  case OTELC_VALUE_BOOL_ARRAY:
    otelc__tbuf_puts(b, v->u.bools[i] ? "true" : "false");
    break;
  case OTELC_VALUE_INT_ARRAY:
    otelc__tbuf_printf(b, "%" PRId64, v->u.ints[i]);
    break;
  case OTELC_VALUE_DOUBLE_ARRAY:
    put_number(b, v->u.doubles[i], st);
    break;
  default:
    put_value(b, &v->u.values[i], depth + 1, st);
    break;
  }
}

/* Whether @p v is drawn abbreviated at @p depth. */
static bool too_deep(const otelc_value *v, int depth,
                     const otelc__tbuf_style *st) {
  if (depth < st->max_depth)
    return false;
  switch (v->type) {
  case OTELC_VALUE_MAP:
  case OTELC_VALUE_ARRAY:
    return true;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
    return st->cut_typed;
  default:
    return false;
  }
}

static void put_value(otelc__tbuf *b, const otelc_value *v, int depth,
                      const otelc__tbuf_style *st) {
  size_t n = v->len;
  if (too_deep(v, depth, st)) {
    otelc__tbuf_puts(b, v->type == OTELC_VALUE_MAP ? "{" ELLIPSIS "}"
                                                   : "[" ELLIPSIS "]");
    return;
  }
  switch (v->type) {
  case OTELC_VALUE_STRING:
    if (v->u.str)
      put_escaped(b, v->u.str, otelc__value_strlen(v), st->str_max, true);
    else
      otelc__tbuf_puts(b, "\"\"");
    return;
  case OTELC_VALUE_BOOL:
    otelc__tbuf_puts(b, v->u.b ? "true" : "false");
    return;
  case OTELC_VALUE_INT:
    otelc__tbuf_printf(b, "%" PRId64, v->u.i);
    return;
  case OTELC_VALUE_DOUBLE:
    put_number(b, v->u.d, st);
    return;
  case OTELC_VALUE_BYTES: {
    size_t shown = st->bytes_max && n > st->bytes_max ? st->bytes_max : n;
    otelc__tbuf_puts(b, "0x");
    if (v->u.bytes)
      otelc__tbuf_hex(b, v->u.bytes, shown);
    if (shown < n)
      otelc__tbuf_puts(b, ELLIPSIS);
    return;
  }
  case OTELC_VALUE_MAP:
    otelc__tbuf_putc(b, '{');
    if (v->u.kvs)
      put_kvs(b, v->u.kvs, n, depth + 1, st);
    otelc__tbuf_putc(b, '}');
    return;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
    otelc__tbuf_putc(b, '[');
    for (size_t i = 0; i < n && v->u.bytes; i++) {
      if (i)
        otelc__tbuf_puts(b, ", ");
      put_element(b, v, i, depth, st);
    }
    otelc__tbuf_putc(b, ']');
    return;
  case OTELC_VALUE_EMPTY:
  default:
    otelc__tbuf_puts(b, "null");
    return;
  }
}

void otelc__tbuf_value_as(otelc__tbuf *b, const otelc_value *v,
                          const otelc__tbuf_style *st) {
  put_value(b, v, 0, st);
}

void otelc__tbuf_attrs_as(otelc__tbuf *b, const otelc_attr *attrs, size_t n,
                          const otelc__tbuf_style *st) {
  for (size_t i = 0; attrs && i < n; i++) {
    otelc__tbuf_putc(b, ' ');
    otelc__tbuf_word(b, attrs[i].key);
    otelc__tbuf_putc(b, '=');
    put_value(b, &attrs[i].value, 0, st);
  }
}
