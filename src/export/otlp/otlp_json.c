/*
 * OTLP/JSON: the ExportTraceServiceRequest written straight from span
 * records in the proto3 JSON mapping with OTLP's changes (hex ids,
 * integer enums). The reader of responses is otlp_json_read.c.
 *
 * Writing allocates nothing but the output buffer's growth. A batch from
 * one tracer is written as it comes; otherwise the grouping of spans by
 * resource and scope (otelc__otlp_group) is computed into the head of the
 * output buffer itself and the JSON text is moved over it once complete
 * (the scratch area then counts towards OTELC__OTLP_MAX_REQUEST).
 *
 * Every string is escaped for JSON and made valid UTF-8: each ill-formed
 * sequence (stray continuation bytes, overlong forms, UTF-16 surrogates,
 * code points past U+10FFFF, truncated sequences) becomes one U+FFFD per
 * maximal invalid subpart, as the Unicode standard recommends, so that a
 * receiver never rejects the request for its strings.
 */
#include <float.h>
#include <math.h> /* isnan, isinf, signbit: macros, no libm */
#include <stdio.h>
#include <stdlib.h>

#include "export/otlp/otlp_internal.h"
#include "trace/trace_internal.h"

/* ------------------------------------------------------------- writer -- */

typedef struct jw {
  otelc__buf *b;
  bool limit; /* a reservation failed because of the size limit */
} jw;

static bool jw_grow(jw *w, size_t k) {
  otelc__buf *b = w->b;
  if (b->failed)
    return false;
  if (otelc__buf_grow(b, k))
    return true;
  if (b->len > OTELC__OTLP_MAX_REQUEST || k > OTELC__OTLP_MAX_REQUEST - b->len)
    w->limit = true;
  b->failed = true;
  return false;
}

/* A single item larger than any request: refused as the limit. */
static void too_big(jw *w) {
  w->limit = true;
  w->b->failed = true;
}

/* Room for @p k more bytes. */
static inline bool room(jw *w, size_t k) {
  return OTELC__LIKELY(w->b->cap - w->b->len >= k) || jw_grow(w, k);
}

static inline void put(jw *w, const void *p, size_t k) {
  if (room(w, k)) {
    memcpy(w->b->data + w->b->len, p, k);
    w->b->len += k;
  }
}

static inline void put_c(jw *w, char c) {
  if (room(w, 1))
    w->b->data[w->b->len++] = (uint8_t)c;
}

/* A string literal (keys and punctuation). */
#define LIT(w, s) put((w), (s), sizeof(s) - 1)

/* ------------------------------------------------------------ numbers -- */

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

/* Decimal digits of @p v written backwards ending at @p end; returns the
 * first character. Eight digits at a time in 32-bit arithmetic, which
 * matters for the 19-digit timestamps. */
static char *u64_digits(uint64_t v, char *end) {
  char *p = end;
  while (v >= 100000000) {
    uint32_t lo = (uint32_t)(v % 100000000);
    v /= 100000000;
    for (int i = 0; i < 4; i++) {
      p -= 2;
      memcpy(p, digit_pairs + 2 * (lo % 100), 2);
      lo /= 100;
    }
  }
  uint32_t x = (uint32_t)v;
  while (x >= 100) {
    p -= 2;
    memcpy(p, digit_pairs + 2 * (x % 100), 2);
    x /= 100;
  }
  if (x >= 10) {
    p -= 2;
    memcpy(p, digit_pairs + 2 * x, 2);
  } else {
    *--p = (char)('0' + x);
  }
  return p;
}

static void put_u64(jw *w, uint64_t v) {
  char tmp[20];
  char *p = u64_digits(v, tmp + sizeof tmp);
  put(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* A 64-bit integer as proto3 JSON wants it: a quoted decimal. */
static void put_u64_str(jw *w, uint64_t v) {
  char tmp[22];
  char *end = tmp + sizeof tmp;
  *--end = '"';
  char *p = u64_digits(v, end);
  *--p = '"';
  put(w, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_i64_str(jw *w, int64_t v) {
  char tmp[23];
  char *end = tmp + sizeof tmp;
  *--end = '"';
  uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  char *p = u64_digits(mag, end);
  if (v < 0)
    *--p = '-';
  *--p = '"';
  put(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* printf output of a finite double made locale-independent: whatever the
 * locale uses as its decimal point becomes '.'. */
static size_t c_locale_number(const char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    char c = in[i];
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e') {
      out[o++] = c;
      i++;
      continue;
    }
    out[o++] = '.';
    while (i < n && !((in[i] >= '0' && in[i] <= '9') || in[i] == 'e'))
      i++;
  }
  return o;
}

/* The shortest "%.<p>g" form of a finite @p d that reads back as @p d.
 * For normal numbers the 15-digit form is the shortest whenever a form of
 * at most 15 digits exists (DBL_DIG), so only 15, 16 and 17 digits are
 * tried; subnormals, which hold fewer digits, try every precision. */
static size_t fmt_double(double d, char out[40]) {
  char tmp[40];
  int len = 0;
  double mag = d < 0 ? -d : d;
  int first = mag < DBL_MIN ? 1 : 15;
  for (int p = first; p <= 17; p++) {
    len = snprintf(tmp, sizeof tmp, "%.*g", p, d);
    if (len <= 0 || len >= (int)sizeof tmp)
      return 0;
    if (p == 17 || strtod(tmp, NULL) == d)
      break;
  }
  return c_locale_number(tmp, (size_t)len, out);
}

/* A finite @p d that is exactly the double nearest m / 10^k for some
 * integer m and k <= 9, written "[-]i.f" with the fewest decimals; most
 * measured values (durations, ratios, prices) are of this kind. m / 10^k
 * is correctly rounded from exact operands, so when it equals d the text
 * reads back as d. Returns 0 for other values. */
static size_t fmt_short_decimal(double d, char out[40]) {
  static const double p10[10] = {1e0, 1e1, 1e2, 1e3, 1e4,
                                 1e5, 1e6, 1e7, 1e8, 1e9};
  bool neg = d < 0;
  double a = neg ? -d : d;
  if (!(a >= 1e-4 && a < 1e6)) /* so that a * 1e9 < 2^50 */
    return 0;
  /* Cheap filter: a * 1e9 is then within rounding of an integer. */
  double x = a * 1e9;
  double diff = x - (double)(uint64_t)(x + 0.5);
  if ((diff < 0 ? -diff : diff) > x * 0x1p-50)
    return 0;
  for (int k = 1; k <= 9; k++) {
    uint64_t m = (uint64_t)(a * p10[k] + 0.5);
    if ((double)m / p10[k] != a)
      continue;
    char tmp[24];
    char *end = tmp + sizeof tmp;
    char *p = u64_digits(m, end);
    size_t nd = (size_t)(end - p), o = 0;
    if (neg)
      out[o++] = '-';
    if (nd <= (size_t)k) {
      out[o++] = '0';
      out[o++] = '.';
      for (size_t z = nd; z < (size_t)k; z++)
        out[o++] = '0';
      memcpy(out + o, p, nd);
      o += nd;
    } else {
      memcpy(out + o, p, nd - (size_t)k);
      o += nd - (size_t)k;
      out[o++] = '.';
      memcpy(out + o, p + nd - (size_t)k, (size_t)k);
      o += (size_t)k;
    }
    return o;
  }
  return 0;
}

static void put_double(jw *w, double d) {
  if (isnan(d)) {
    LIT(w, "\"NaN\"");
    return;
  }
  if (isinf(d)) {
    if (d < 0)
      LIT(w, "\"-Infinity\"");
    else
      LIT(w, "\"Infinity\"");
    return;
  }
  /* Integral values below 10^15 print as integers, which is also what
   * %.15g writes for them, without its cost. */
  if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d &&
      !(d == 0 && signbit(d))) {
    int64_t i = (int64_t)d;
    char tmp[24];
    char *end = tmp + sizeof tmp;
    char *p = u64_digits(i < 0 ? 0 - (uint64_t)i : (uint64_t)i, end);
    if (i < 0)
      *--p = '-';
    put(w, p, (size_t)(end - p));
    return;
  }
  char tmp[40];
  /* The short form relies on operations rounded to double precision. */
  size_t n = FLT_EVAL_METHOD == 0 ? fmt_short_decimal(d, tmp) : 0;
  if (n == 0)
    n = fmt_double(d, tmp);
  if (n == 0)
    put_c(w, '0');
  else
    put(w, tmp, n);
}

/* ---------------------------------------------------------- hex, b64 -- */

static const char hex_digits[16] = "0123456789abcdef";

/* Eight lowercase hex digits of four bytes, all at once: each nibble is
 * spread into a byte of its own, then turned into its digit. */
static void hex4(const uint8_t *in, uint8_t *out) {
  uint64_t x = (uint64_t)in[0] << 24 | (uint64_t)in[1] << 16 |
               (uint64_t)in[2] << 8 | in[3];
  x = (x | x << 16) & 0x0000FFFF0000FFFFull;
  x = (x | x << 8) & 0x00FF00FF00FF00FFull;
  x = (x | x << 4) & 0x0F0F0F0F0F0F0F0Full;
  /* 0x30 + n, plus 0x27 more for n >= 10 ('a' - '0' - 10). */
  uint64_t ge10 = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  x += 0x3030303030303030ull + ge10 * 0x27;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  x = __builtin_bswap64(x);
  memcpy(out, &x, 8);
#else
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)(x >> (56 - 8 * i));
#endif
}

/* "<lowercase hex>" of an id of @p n bytes (a multiple of four). */
static void put_hex_str(jw *w, const uint8_t *id, size_t n) {
  if (!room(w, 2 * n + 2))
    return;
  uint8_t *o = w->b->data + w->b->len;
  *o++ = '"';
  for (size_t i = 0; i < n; i += 4, o += 8)
    hex4(id + i, o);
  *o = '"';
  w->b->len += 2 * n + 2;
}

static const char b64_digits[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* "<standard base64 with padding>" of @p n bytes. */
static void put_b64_str(jw *w, const uint8_t *p, size_t n) {
  if (n > OTELC__OTLP_MAX_REQUEST) {
    too_big(w);
    return;
  }
  size_t out_len = (n / 3 + (n % 3 != 0)) * 4;
  if (!room(w, out_len + 2))
    return;
  uint8_t *o = w->b->data + w->b->len;
  *o++ = '"';
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = (uint8_t)b64_digits[v >> 18];
    *o++ = (uint8_t)b64_digits[(v >> 12) & 63];
    *o++ = (uint8_t)b64_digits[(v >> 6) & 63];
    *o++ = (uint8_t)b64_digits[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    *o++ = (uint8_t)b64_digits[v >> 18];
    *o++ = (uint8_t)b64_digits[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    *o++ = (uint8_t)b64_digits[v >> 18];
    *o++ = (uint8_t)b64_digits[(v >> 12) & 63];
    *o++ = (uint8_t)b64_digits[(v >> 6) & 63];
    *o++ = '=';
  }
  *o = '"';
  w->b->len += out_len + 2;
}

/* ------------------------------------------------------------ strings -- */

/* A byte that goes out as it is: printable ASCII but '"' and '\\'. */
static inline bool plain_byte(uint8_t c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Whether all eight bytes of @p v are plain. Each test below is exact
 * about whether some byte matches, which is all that is needed. */
static inline bool plain_word(uint64_t v) {
  const uint64_t ones = 0x0101010101010101ull;
  const uint64_t high = 0x8080808080808080ull;
  uint64_t q = v ^ (ones * '"');
  uint64_t bs = v ^ (ones * '\\');
  uint64_t hit =
      ((v - ones * 0x20) & ~v) | v | ((q - ones) & ~q) | ((bs - ones) & ~bs);
  return (hit & high) == 0;
}

/* Length of the well-formed UTF-8 sequence that starts at @p s (2 to 4
 * bytes; s[0] >= 0x80), or 0 when there is none; *bad then receives the
 * length of the maximal subpart to replace (at least 1). */
static size_t utf8_seq(const uint8_t *s, size_t n, size_t *bad) {
  uint8_t c = s[0];
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0)
      lo = 0xA0; /* overlong below */
    else if (c == 0xED)
      hi = 0x9F; /* surrogates above */
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0)
      lo = 0x90; /* overlong below */
    else if (c == 0xF4)
      hi = 0x8F; /* past U+10FFFF above */
  } else {
    *bad = 1;
    return 0;
  }
  if (n < 2 || s[1] < lo || s[1] > hi) {
    *bad = 1;
    return 0;
  }
  for (size_t i = 2; i <= need; i++) {
    if (i >= n || (s[i] & 0xC0) != 0x80) {
      *bad = i;
      return 0;
    }
  }
  return need + 1;
}

/* The rest of a string from its first byte that is not plain. */
static void put_str_slow(jw *w, const uint8_t *s, size_t n) {
  size_t i = 0, run = 0; /* s[run..i) is pending, to copy as it is */
  while (i < n) {
    uint8_t c = s[i];
    if (plain_byte(c)) {
      i++;
      continue;
    }
    if (c >= 0x80) {
      size_t bad;
      size_t k = utf8_seq(s + i, n - i, &bad);
      if (k) {
        i += k;
        continue;
      }
      put(w, s + run, i - run);
      LIT(w, "\\ufffd");
      i += bad;
      run = i;
      continue;
    }
    put(w, s + run, i - run);
    char esc[6] = {'\\', 0, '0', '0', 0, 0};
    size_t len = 2;
    switch (c) {
    case '"':
      esc[1] = '"';
      break;
    case '\\':
      esc[1] = '\\';
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    default:
      esc[1] = 'u';
      esc[4] = hex_digits[c >> 4];
      esc[5] = hex_digits[c & 15];
      len = 6;
      break;
    }
    put(w, esc, len);
    i++;
    run = i;
  }
  put(w, s + run, n - run);
}

/* A JSON string holding @p s[0..n), escaped and made valid UTF-8. */
static void put_str(jw *w, const char *str, size_t n) {
  const uint8_t *s = (const uint8_t *)str;
  if (!s)
    n = 0;
  if (n > OTELC__OTLP_MAX_REQUEST) {
    too_big(w);
    return;
  }
  size_t i = 0;
  while (i + 8 <= n) {
    uint64_t v;
    memcpy(&v, s + i, 8);
    if (!plain_word(v))
      break;
    i += 8;
  }
  while (i < n && plain_byte(s[i]))
    i++;
  if (OTELC__LIKELY(i == n)) {
    if (!room(w, n + 2))
      return;
    uint8_t *o = w->b->data + w->b->len;
    o[0] = '"';
    if (n)
      memcpy(o + 1, s, n);
    o[n + 1] = '"';
    w->b->len += n + 2;
    return;
  }
  put_c(w, '"');
  put(w, s, i);
  put_str_slow(w, s + i, n - i);
  put_c(w, '"');
}

static void put_cstr(jw *w, const char *s) {
  put_str(w, s, s ? strlen(s) : 0);
}

/* ------------------------------------------------------------- values -- */

static void put_attrs(jw *w, const otelc_attr *a, size_t n, unsigned depth);
static void put_value(jw *w, const otelc_value *v, unsigned depth);

/* The elements of an array value, without the brackets. */
static void put_elements(jw *w, const otelc_value *v, unsigned depth) {
  size_t n = v->len;
  switch (v->type) {
  case OTELC_VALUE_STRING_ARRAY:
    for (size_t i = 0; v->u.strs && i < n && !w->b->failed; i++) {
      if (i)
        put_c(w, ',');
      LIT(w, "{\"stringValue\":");
      put_cstr(w, v->u.strs[i]);
      put_c(w, '}');
    }
    break;
  case OTELC_VALUE_BOOL_ARRAY:
    for (size_t i = 0; v->u.bools && i < n && !w->b->failed; i++) {
      if (i)
        put_c(w, ',');
      if (v->u.bools[i])
        LIT(w, "{\"boolValue\":true}");
      else
        LIT(w, "{\"boolValue\":false}");
    }
    break;
  case OTELC_VALUE_INT_ARRAY:
    for (size_t i = 0; v->u.ints && i < n && !w->b->failed; i++) {
      if (i)
        put_c(w, ',');
      LIT(w, "{\"intValue\":");
      put_i64_str(w, v->u.ints[i]);
      put_c(w, '}');
    }
    break;
  case OTELC_VALUE_DOUBLE_ARRAY:
    for (size_t i = 0; v->u.doubles && i < n && !w->b->failed; i++) {
      if (i)
        put_c(w, ',');
      LIT(w, "{\"doubleValue\":");
      put_double(w, v->u.doubles[i]);
      put_c(w, '}');
    }
    break;
  default: /* ARRAY */
    for (size_t i = 0; v->u.values && i < n && !w->b->failed; i++) {
      if (i)
        put_c(w, ',');
      if (depth < OTELC__MAX_VALUE_DEPTH)
        put_value(w, &v->u.values[i], depth + 1);
      else
        LIT(w, "{}");
    }
    break;
  }
}

/* An AnyValue object. */
static void put_value(jw *w, const otelc_value *v, unsigned depth) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    LIT(w, "{\"stringValue\":");
    put_str(w, v->u.str, otelc__value_strlen(v));
    break;
  case OTELC_VALUE_BOOL:
    if (v->u.b)
      LIT(w, "{\"boolValue\":true");
    else
      LIT(w, "{\"boolValue\":false");
    break;
  case OTELC_VALUE_INT:
    LIT(w, "{\"intValue\":");
    put_i64_str(w, v->u.i);
    break;
  case OTELC_VALUE_DOUBLE:
    LIT(w, "{\"doubleValue\":");
    put_double(w, v->u.d);
    break;
  case OTELC_VALUE_BYTES:
    LIT(w, "{\"bytesValue\":");
    put_b64_str(w, v->u.bytes, v->u.bytes ? v->len : 0);
    break;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
    LIT(w, "{\"arrayValue\":{\"values\":[");
    put_elements(w, v, depth);
    LIT(w, "]}");
    break;
  case OTELC_VALUE_MAP:
    LIT(w, "{\"kvlistValue\":{\"values\":[");
    if (depth < OTELC__MAX_VALUE_DEPTH && v->u.kvs)
      put_attrs(w, v->u.kvs, v->len, depth + 1);
    LIT(w, "]}");
    break;
  default: /* EMPTY, and anything unknown */
    put_c(w, '{');
    break;
  }
  put_c(w, '}');
}

/* The members of a repeated KeyValue, without the brackets. */
static void put_attrs(jw *w, const otelc_attr *a, size_t n, unsigned depth) {
  for (size_t i = 0; i < n && !w->b->failed; i++) {
    if (i)
      LIT(w, ",{\"key\":");
    else
      LIT(w, "{\"key\":");
    put_cstr(w, a[i].key);
    LIT(w, ",\"value\":");
    put_value(w, &a[i].value, depth);
    put_c(w, '}');
  }
}

/* ,"attributes":[...] when there are any, and ,"droppedAttributesCount"
 * when some were dropped. */
static void put_attr_field(jw *w, const otelc_attr *a, size_t n,
                           uint32_t dropped) {
  if (n && a) {
    LIT(w, ",\"attributes\":[");
    put_attrs(w, a, n, 0);
    put_c(w, ']');
  }
  if (dropped) {
    LIT(w, ",\"droppedAttributesCount\":");
    put_u64(w, dropped);
  }
}

/* -------------------------------------------------------------- spans -- */

static void put_event(jw *w, const otelc_span_event *e) {
  LIT(w, "{\"timeUnixNano\":");
  put_u64_str(w, e->time);
  LIT(w, ",\"name\":");
  put_cstr(w, e->name);
  put_attr_field(w, e->attrs, e->n_attrs, e->dropped_attrs);
  put_c(w, '}');
}

static void put_link(jw *w, const otelc_span_link *l) {
  LIT(w, "{\"traceId\":");
  put_hex_str(w, l->context.trace_id, 16);
  LIT(w, ",\"spanId\":");
  put_hex_str(w, l->context.span_id, 8);
  if (l->tracestate && l->tracestate[0]) {
    LIT(w, ",\"traceState\":");
    put_cstr(w, l->tracestate);
  }
  put_attr_field(w, l->attrs, l->n_attrs, l->dropped_attrs);
  LIT(w, ",\"flags\":");
  put_u64(w, l->context.trace_flags | OTELC__OTLP_FLAG_HAS_IS_REMOTE |
                 (l->context.is_remote ? OTELC__OTLP_FLAG_IS_REMOTE : 0));
  put_c(w, '}');
}

static void put_span(jw *w, const otelc_span *s) {
  bool has_parent = (s->flags & OTELC__SPAN_HAS_PARENT) != 0;
  LIT(w, "{\"traceId\":");
  put_hex_str(w, s->ctx.trace_id, 16);
  LIT(w, ",\"spanId\":");
  put_hex_str(w, s->ctx.span_id, 8);
  if (s->tracestate && s->tracestate->len) {
    LIT(w, ",\"traceState\":");
    put_str(w, s->tracestate->s, s->tracestate->len);
  }
  if (has_parent) {
    LIT(w, ",\"parentSpanId\":");
    put_hex_str(w, s->parent.span_id, 8);
  }
  LIT(w, ",\"flags\":");
  put_u64(w, s->ctx.trace_flags | OTELC__OTLP_FLAG_HAS_IS_REMOTE |
                 (has_parent && s->parent.is_remote ? OTELC__OTLP_FLAG_IS_REMOTE
                                                    : 0));
  LIT(w, ",\"name\":");
  put_cstr(w, s->name);
  LIT(w, ",\"kind\":");
  put_u64(w, s->kind ? (uint64_t)s->kind : OTELC_SPAN_KIND_INTERNAL);
  LIT(w, ",\"startTimeUnixNano\":");
  put_u64_str(w, s->start_time);
  LIT(w, ",\"endTimeUnixNano\":");
  put_u64_str(w, s->end_time);
  put_attr_field(w, s->attrs.items, s->attrs.count, s->attrs.dropped);
  if (s->n_events && s->events) {
    LIT(w, ",\"events\":[");
    for (uint32_t i = 0; i < s->n_events; i++) {
      if (i)
        put_c(w, ',');
      put_event(w, &s->events[i]);
    }
    put_c(w, ']');
  }
  if (s->dropped_events) {
    LIT(w, ",\"droppedEventsCount\":");
    put_u64(w, s->dropped_events);
  }
  if (s->n_links && s->links) {
    LIT(w, ",\"links\":[");
    for (uint32_t i = 0; i < s->n_links; i++) {
      if (i)
        put_c(w, ',');
      put_link(w, &s->links[i]);
    }
    put_c(w, ']');
  }
  if (s->dropped_links) {
    LIT(w, ",\"droppedLinksCount\":");
    put_u64(w, s->dropped_links);
  }
  if (s->status == OTELC_STATUS_OK) {
    LIT(w, ",\"status\":{\"code\":1}");
  } else if (s->status == OTELC_STATUS_ERROR) {
    LIT(w, ",\"status\":{\"code\":2");
    if (s->status_desc && s->status_desc[0]) {
      LIT(w, ",\"message\":");
      put_cstr(w, s->status_desc);
    }
    put_c(w, '}');
  }
  put_c(w, '}');
}

/* ----------------------------------------------------- resource, scope -- */

static void put_resource(jw *w, const otelc_resource *r) {
  LIT(w, "{\"resource\":{");
  size_t n = otelc_resource_attr_count(r);
  if (n) {
    LIT(w, "\"attributes\":[");
    for (size_t i = 0; i < n && !w->b->failed; i++) {
      if (i)
        put_c(w, ',');
      const otelc_attr *a = otelc_resource_attr(r, i);
      LIT(w, "{\"key\":");
      put_cstr(w, a->key);
      LIT(w, ",\"value\":");
      put_value(w, &a->value, 0);
      put_c(w, '}');
    }
    put_c(w, ']');
  }
  LIT(w, "},\"scopeSpans\":[");
}

static void put_scope(jw *w, const otelc_scope_info *sc) {
  LIT(w, "{\"scope\":{");
  if (sc) {
    LIT(w, "\"name\":");
    put_cstr(w, sc->name);
    if (sc->version && sc->version[0]) {
      LIT(w, ",\"version\":");
      put_cstr(w, sc->version);
    }
    put_attr_field(w, sc->attrs, sc->n_attrs, 0);
  }
  LIT(w, "},\"spans\":[");
}

static void put_schema_url(jw *w, const char *url) {
  if (url && url[0]) {
    LIT(w, ",\"schemaUrl\":");
    put_cstr(w, url);
  }
}

/* ------------------------------------------------------------ request -- */

static otelc_status failure(const jw *w) {
  return w->limit ? OTELC_ERR_LIMIT : OTELC_ERR_NOMEM;
}

/* A request being written: the spans, and either one group (a batch from
 * one tracer) or the grouping in the scratch area at the head of the
 * buffer, addressed by offset since writing may move the buffer. */
typedef struct req {
  jw w;
  otelc_span *const *spans;
  size_t n;
  size_t scratch; /* bytes of scratch; 0: one group */
  otelc__span_group one;
} req;

static inline otelc_span *sorted_at(const req *q, size_t k) {
  if (!q->scratch)
    return q->spans[k];
  otelc_span *s;
  memcpy(&s, q->w.b->data + k * sizeof s, sizeof s);
  return s;
}

static inline otelc__span_group group_at(const req *q, size_t g) {
  if (!q->scratch)
    return q->one;
  otelc__span_group grp;
  memcpy(&grp, q->w.b->data + q->n * sizeof(otelc_span *) + g * sizeof grp,
         sizeof grp);
  return grp;
}

static inline const otelc_resource *span_resource(const otelc_span *s) {
  return s->tracer && s->tracer->provider ? s->tracer->provider->resource
                                          : NULL;
}

static inline const otelc_scope_info *span_scope(const otelc_span *s) {
  return s->tracer ? &s->tracer->scope : NULL;
}

/* Every group; each run of groups of one resource is one ResourceSpans. */
static void put_request(req *q, size_t ng) {
  jw *w = &q->w;
  LIT(w, "{\"resourceSpans\":[");
  size_t g = 0;
  while (g < ng && !w->b->failed) {
    otelc__span_group grp = group_at(q, g);
    const otelc_resource *r = grp.resource;
    if (g)
      put_c(w, ',');
    put_resource(w, r);
    for (bool first = true;; first = false) {
      if (!first)
        put_c(w, ',');
      put_scope(w, grp.scope);
      for (size_t i = 0; i < grp.count && !w->b->failed; i++) {
        if (i)
          put_c(w, ',');
        put_span(w, sorted_at(q, grp.first + i));
      }
      put_c(w, ']');
      put_schema_url(w, grp.scope ? grp.scope->schema_url : NULL);
      put_c(w, '}');
      if (++g == ng || w->b->failed)
        break;
      grp = group_at(q, g);
      if (grp.resource != r)
        break;
    }
    put_c(w, ']');
    put_schema_url(w, otelc_resource_schema_url(r));
    put_c(w, '}');
  }
  LIT(w, "]}");
}

otelc_status otelc__otlp_traces_json(otelc__buf *out, otelc_span *const *spans,
                                     size_t n) {
  if (!out || (n && !spans))
    return OTELC_ERR_INVALID_ARG;
  otelc__buf_reset(out);
  req q = {{out, false}, spans, n, 0, {0}};
  size_t ng = 0;
  if (n) {
    /* One tracer (the usual batch): no grouping, no scratch. */
    const otelc_resource *r0 = span_resource(spans[0]);
    const otelc_scope_info *sc0 = span_scope(spans[0]);
    size_t same = 1;
    while (same < n && span_scope(spans[same]) == sc0 &&
           span_resource(spans[same]) == r0)
      same++;
    ng = 1;
    q.one = (otelc__span_group){r0, sc0, 0, n};
    if (same < n) {
      size_t per = sizeof(otelc_span *) + sizeof(otelc__span_group);
      if (n > OTELC__OTLP_MAX_REQUEST / per) {
        out->failed = true;
        return OTELC_ERR_LIMIT;
      }
      if (!room(&q.w, n * per))
        return failure(&q.w);
      q.scratch = n * per;
      otelc_span **sorted = (otelc_span **)(void *)out->data;
      ng = otelc__otlp_group(spans, n, sorted,
                             (otelc__span_group *)(void *)(sorted + n));
      out->len = q.scratch;
    }
  }
  put_request(&q, ng);
  if (out->failed) {
    out->len = 0;
    return failure(&q.w);
  }
  if (q.scratch) {
    memmove(out->data, out->data + q.scratch, out->len - q.scratch);
    out->len -= q.scratch;
  }
  return OTELC_OK;
}
