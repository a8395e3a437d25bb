/*
 * W3C tracestate: validation, normalisation and the immutable operations
 * get, set and delete, all on caller-provided buffers.
 *
 * Grammar (Trace Context Level 2):
 *   list    = member *( OWS "," OWS member ), empty members allowed
 *   member  = key "=" value
 *   key     = ( lcalpha / DIGIT ) 0*255( keychar )
 *   keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
 *   value   = 0*255( chr ) nblk-chr
 *   chr     = %x20 / nblk-chr
 *   nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
 *
 * Spaces and tabs around a member are optional whitespace; spaces at the
 * start of a value belong to it. A list with more than 32 members or a
 * key that repeats is invalid as a whole.
 *
 * Every function here reads each input byte a bounded number of times,
 * never reads past the given length, never writes past the given
 * capacity, and allocates nothing: members are described by offsets into
 * the input (at most 32 of them, on the stack).
 */
#include "propagation/propagation_internal.h"

#include <stdint.h>

#define TS_MAX_MEMBERS 32
#define TS_MAX_KEY 256
#define TS_MAX_VALUE 256
/* Members longer than this are the first to go when truncating. */
#define TS_LONG_MEMBER 128

/* Character classes. */
enum {
  C_KEY_FIRST = 1u << 0, /* a-z 0-9 */
  C_KEY = 1u << 1,       /* a-z 0-9 _ - * / @ */
  C_VALUE = 1u << 2      /* 0x20-0x7e except ',' and '=' */
};

#define KF (C_KEY_FIRST | C_KEY | C_VALUE)
#define K (C_KEY | C_VALUE)
#define V C_VALUE

/* clang-format off */
static const uint8_t ts_class[256] = {
    /* 0x20 ' ' .. 0x2f '/' */
    [' '] = V, ['!'] = V, ['"'] = V, ['#'] = V, ['$'] = V, ['%'] = V,
    ['&'] = V, ['\''] = V, ['('] = V, [')'] = V, ['*'] = K, ['+'] = V,
    ['-'] = K, ['.'] = V, ['/'] = K,
    /* digits */
    ['0'] = KF, ['1'] = KF, ['2'] = KF, ['3'] = KF, ['4'] = KF,
    ['5'] = KF, ['6'] = KF, ['7'] = KF, ['8'] = KF, ['9'] = KF,
    /* 0x3a ':' .. 0x40 '@', without '=' */
    [':'] = V, [';'] = V, ['<'] = V, ['>'] = V, ['?'] = V, ['@'] = K,
    /* uppercase and 0x5b .. 0x60 */
    ['A'] = V, ['B'] = V, ['C'] = V, ['D'] = V, ['E'] = V, ['F'] = V,
    ['G'] = V, ['H'] = V, ['I'] = V, ['J'] = V, ['K'] = V, ['L'] = V,
    ['M'] = V, ['N'] = V, ['O'] = V, ['P'] = V, ['Q'] = V, ['R'] = V,
    ['S'] = V, ['T'] = V, ['U'] = V, ['V'] = V, ['W'] = V, ['X'] = V,
    ['Y'] = V, ['Z'] = V, ['['] = V, ['\\'] = V, [']'] = V, ['^'] = V,
    ['_'] = K, ['`'] = V,
    /* lowercase */
    ['a'] = KF, ['b'] = KF, ['c'] = KF, ['d'] = KF, ['e'] = KF,
    ['f'] = KF, ['g'] = KF, ['h'] = KF, ['i'] = KF, ['j'] = KF,
    ['k'] = KF, ['l'] = KF, ['m'] = KF, ['n'] = KF, ['o'] = KF,
    ['p'] = KF, ['q'] = KF, ['r'] = KF, ['s'] = KF, ['t'] = KF,
    ['u'] = KF, ['v'] = KF, ['w'] = KF, ['x'] = KF, ['y'] = KF,
    ['z'] = KF,
    /* 0x7b .. 0x7e */
    ['{'] = V, ['|'] = V, ['}'] = V, ['~'] = V};
/* clang-format on */

#undef KF
#undef K
#undef V

/* One member of a parsed list: "key=value" at in[off, off + len). */
typedef struct ts_member {
  size_t off;
  uint16_t len;  /* at most 256 + 1 + 256 */
  uint16_t klen; /* 1 .. 256 */
} ts_member;

static inline bool ts_ows(uint8_t ch) {
  return ch == ' ' || ch == '\t';
}

static bool ts_key_valid(const char *key, size_t len) {
  const uint8_t *k = (const uint8_t *)key;
  if (len == 0 || len > TS_MAX_KEY || !(ts_class[k[0]] & C_KEY_FIRST))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!(ts_class[k[i]] & C_KEY))
      return false;
  return true;
}

static bool ts_value_valid(const char *value, size_t len) {
  const uint8_t *v = (const uint8_t *)value;
  if (len == 0 || len > TS_MAX_VALUE || v[len - 1] == ' ')
    return false;
  for (size_t i = 0; i < len; i++)
    if (!(ts_class[v[i]] & C_VALUE))
      return false;
  return true;
}

/* Whether member @p m of @p in has the key @p key of @p klen bytes. */
static inline bool ts_key_is(const char *in, const ts_member *m,
                             const char *key, size_t klen) {
  return m->klen == klen && memcmp(in + m->off, key, klen) == 0;
}

/* Runs of key and value characters are found sixteen bytes at a time
 * with SSE2 where it is available (every x86-64), else one byte at a
 * time. A block is never loaded from beyond the input: the last, partial
 * one comes from a copy padded with zeros, which are neither key nor value
 * characters and so end any run at the end of the input. */
#if defined(__SSE2__) && !defined(OTELC_NO_SIMD)
#define TS_SIMD 1
#include <emmintrin.h>
#else
#define TS_SIMD 0
#endif

typedef struct ts_input {
  const uint8_t *s;
  size_t len;
#if TS_SIMD
  /* [16 - k, 16): the last k = min(len, 16) bytes; [16, 32): zeros */
  uint8_t pad[32];
#endif
} ts_input;

static inline void ts_input_init(ts_input *in, const char *s, size_t len) {
  in->s = (const uint8_t *)s;
  in->len = len;
#if TS_SIMD
  memset(in->pad + 16, 0, 16);
  if (len >= 16)
    memcpy(in->pad, s + len - 16, 16);
  else if (len)
    memcpy(in->pad + 16 - len, s, len);
#endif
}

#if TS_SIMD
/* The 16 bytes from @p pos (< len), zero-padded past the end. */
static inline __m128i ts_block(const ts_input *in, size_t pos) {
  if (in->len - pos >= 16)
    return _mm_loadu_si128((const __m128i *)(const void *)(in->s + pos));
  return _mm_loadu_si128(
      (const __m128i *)(const void *)(in->pad + 16 - (in->len - pos)));
}

static inline __m128i ts_eq(__m128i x, char c) {
  return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}

/* Bytes in [lo, hi], both in 0 .. 0x7e (bytes >= 0x80 compare negative
 * and never match). */
static inline __m128i ts_range(__m128i x, char lo, char hi) {
  return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8((char)(lo - 1))),
                       _mm_cmplt_epi8(x, _mm_set1_epi8((char)(hi + 1))));
}

static inline unsigned ts_value_mask(__m128i x) {
  __m128i ok = ts_range(x, 0x20, 0x7e);
  __m128i sep = _mm_or_si128(ts_eq(x, ','), ts_eq(x, '='));
  return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(sep, ok));
}

static inline unsigned ts_key_mask(__m128i x) {
  /* '-' '.' '/' '0'-'9' without '.', then a-z, '*', '@', '_' */
  __m128i ok = _mm_andnot_si128(ts_eq(x, '.'), ts_range(x, '-', '9'));
  ok = _mm_or_si128(ok, ts_range(x, 'a', 'z'));
  ok = _mm_or_si128(ok, _mm_or_si128(ts_eq(x, '*'), ts_eq(x, '@')));
  ok = _mm_or_si128(ok, ts_eq(x, '_'));
  return (unsigned)_mm_movemask_epi8(ok);
}
#endif

/* End of the run of value characters from @p pos. */
static inline size_t ts_value_end(const ts_input *in, size_t pos) {
#if TS_SIMD
  while (pos < in->len) {
    unsigned stop = ~ts_value_mask(ts_block(in, pos)) & 0xffffu;
    if (stop)
      return pos + (unsigned)__builtin_ctz(stop);
    pos += 16;
  }
  return in->len;
#else
  while (pos < in->len && (ts_class[in->s[pos]] & C_VALUE))
    pos++;
  return pos;
#endif
}

/* End of the run of key characters from @p pos. */
static inline size_t ts_key_end(const ts_input *in, size_t pos) {
#if TS_SIMD
  while (pos < in->len) {
    unsigned stop = ~ts_key_mask(ts_block(in, pos)) & 0xffffu;
    if (stop)
      return pos + (unsigned)__builtin_ctz(stop);
    pos += 16;
  }
  return in->len;
#else
  while (pos < in->len && (ts_class[in->s[pos]] & C_KEY))
    pos++;
  return pos;
#endif
}

/*
 * Split and validate in[0, len) into @p m. Returns the number of
 * non-empty members (0 .. 32), or -1 when a member is malformed, a key
 * repeats or there are more than 32 members. Stops at the first error, so
 * the work is linear in the bytes looked at.
 */
static int ts_parse(const char *str, size_t len, ts_member m[TS_MAX_MEMBERS]) {
  ts_input in;
  ts_input_init(&in, str, len);
  const uint8_t *s = in.s;
  size_t i = 0;
  int n = 0;
  for (;;) {
    while (i < len && ts_ows(s[i]))
      i++;
    if (i == len)
      return n;
    if (s[i] == ',') { /* empty member */
      i++;
      continue;
    }
    size_t start = i;
    if (!(ts_class[s[i]] & C_KEY_FIRST))
      return -1;
    i = ts_key_end(&in, i + 1);
    size_t klen = i - start;
    if (klen > TS_MAX_KEY || i == len || s[i] != '=')
      return -1;
    size_t vstart = ++i;
    i = ts_value_end(&in, i);
    size_t vend = i;
    while (vend > vstart && s[vend - 1] == ' ') /* trailing OWS */
      vend--;
    while (i < len && ts_ows(s[i]))
      i++;
    if (i < len && s[i] != ',')
      return -1; /* '=' in the value, a control character, ... */
    if (vend == vstart || vend - vstart > TS_MAX_VALUE)
      return -1;
    if (n == TS_MAX_MEMBERS)
      return -1;
    for (int j = 0; j < n; j++)
      if (ts_key_is(str, &m[j], str + start, klen))
        return -1;
    m[n].off = start;
    m[n].len = (uint16_t)(vend - start);
    m[n].klen = (uint16_t)klen;
    n++;
    if (i < len)
      i++; /* the ',' */
  }
}

/* The longest result that fits @p cap bytes with its NUL. */
static inline size_t ts_limit(size_t cap) {
  if (cap == 0)
    return 0;
  return cap - 1 < OTELC_TRACESTATE_MAX ? cap - 1 : OTELC_TRACESTATE_MAX;
}

/* Write the members of @p in whose @p keep flag is set, comma-joined, to
 * @p out (which may be @p in itself: the output never overtakes the
 * input). Returns the length; the caller checked that it fits. */
static size_t ts_write(const char *in, const ts_member *m, int n,
                       const bool *keep, char *out) {
  size_t o = 0;
  for (int j = 0; j < n; j++) {
    if (keep && !keep[j])
      continue;
    if (o)
      out[o++] = ',';
    memmove(out + o, in + m[j].off, m[j].len);
    o += m[j].len;
  }
  return o;
}

long otelc_tracestate_normalize(const char *in, size_t len, char *out,
                                size_t cap) {
  ts_member m[TS_MAX_MEMBERS];
  if (!in) {
    if (len)
      return -1;
    in = "";
  }
  if (cap && !out)
    return -1;
  int n = ts_parse(in, len, m);
  if (n < 0)
    return -1;

  /* Total length with the commas, then drop whole members by the W3C rule
   * until it fits: long ones from the right first, then any from the
   * right. */
  size_t limit = ts_limit(cap);
  size_t total = 0;
  bool keep[TS_MAX_MEMBERS];
  int kept = n;
  for (int j = 0; j < n; j++) {
    total += m[j].len + (j ? 1u : 0u);
    keep[j] = true;
  }
  for (int j = n - 1; j >= 0 && total > limit; j--) {
    if (m[j].len > TS_LONG_MEMBER) {
      keep[j] = false;
      total -= m[j].len + (--kept ? 1u : 0u);
    }
  }
  for (int j = n - 1; j >= 0 && total > limit; j--) {
    if (keep[j]) {
      keep[j] = false;
      total -= m[j].len + (--kept ? 1u : 0u);
    }
  }
  if (cap == 0)
    return 0;
  size_t o;
  if (kept == n && total == len) { /* already normalised */
    memmove(out, in, len);
    o = len;
  } else {
    o = ts_write(in, m, n, keep, out);
  }
  out[o] = '\0';
  return (long)o;
}

bool otelc_tracestate_get(const char *ts, const char *key, const char **value,
                          size_t *len) {
  if (!ts || !key)
    return false;
  size_t klen = strnlen(key, TS_MAX_KEY + 1);
  if (!ts_key_valid(key, klen))
    return false;
  const char *p = ts;
  while (*p) {
    const char *end = strchr(p, ',');
    if (!end)
      end = p + strlen(p);
    size_t mlen = (size_t)(end - p);
    if (mlen > klen && p[klen] == '=' && memcmp(p, key, klen) == 0) {
      if (value)
        *value = p + klen + 1;
      if (len)
        *len = mlen - klen - 1;
      return true;
    }
    p = *end ? end + 1 : end;
  }
  return false;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte. */
static bool ts_overlap(const char *a, size_t alen, const char *b, size_t blen) {
  uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
  return pa < pb + blen && pb < pa + alen;
}

/* Parse a NUL-terminated tracestate (NULL: empty) for set and delete. */
static int ts_parse_cstr(const char *ts, ts_member m[TS_MAX_MEMBERS]) {
  if (!ts)
    return 0;
  return ts_parse(ts, strlen(ts), m);
}

long otelc_tracestate_set(const char *ts, const char *key, const char *value,
                          char *out, size_t cap) {
  ts_member m[TS_MAX_MEMBERS];
  if (!key || !value || !out)
    return -1;
  size_t klen = strnlen(key, TS_MAX_KEY + 1);
  size_t vlen = strnlen(value, TS_MAX_VALUE + 1);
  if (!ts_key_valid(key, klen) || !ts_value_valid(value, vlen))
    return -1;
  int n = ts_parse_cstr(ts, m);
  if (n < 0)
    return -1;

  /* The new member first, then the others in order, without the old
   * member of that key, and at most 32 in all (the right-most go). */
  bool keep[TS_MAX_MEMBERS];
  size_t total = klen + 1 + vlen;
  int count = 1;
  for (int j = 0; j < n; j++) {
    keep[j] = count < TS_MAX_MEMBERS && !ts_key_is(ts, &m[j], key, klen);
    if (keep[j]) {
      total += 1u + m[j].len;
      count++;
    }
  }
  if (total > ts_limit(cap))
    return -1;
  /* The new member goes first, so the output must not overlap the
   * input. */
  if (ts && ts_overlap(out, total + 1, ts, strlen(ts) + 1))
    return -1;
  memcpy(out, key, klen);
  out[klen] = '=';
  memcpy(out + klen + 1, value, vlen);
  size_t o = klen + 1 + vlen;
  if (count > 1) {
    out[o++] = ',';
    o += ts_write(ts, m, n, keep, out + o);
  }
  out[o] = '\0';
  return (long)o;
}

long otelc_tracestate_delete(const char *ts, const char *key, char *out,
                             size_t cap) {
  ts_member m[TS_MAX_MEMBERS];
  if (!key || !out || cap == 0)
    return -1;
  size_t klen = strnlen(key, TS_MAX_KEY + 1);
  if (!ts_key_valid(key, klen))
    return -1;
  int n = ts_parse_cstr(ts, m);
  if (n < 0)
    return -1;
  bool keep[TS_MAX_MEMBERS];
  size_t total = 0;
  int count = 0;
  for (int j = 0; j < n; j++) {
    keep[j] = !ts_key_is(ts, &m[j], key, klen);
    if (keep[j]) {
      total += m[j].len + (count ? 1u : 0u);
      count++;
    }
  }
  if (total > ts_limit(cap))
    return -1;
  size_t o = n ? ts_write(ts, m, n, keep, out) : 0;
  out[o] = '\0';
  return (long)o;
}
