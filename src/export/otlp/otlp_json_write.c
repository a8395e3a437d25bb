/*
 * The OTLP/JSON writer (see otlp_json_write.h): numbers, ids, strings,
 * values and attributes, resource and scope, in the proto3 JSON mapping
 * with OTLP's changes.
 */
#include <float.h>
#include <math.h> /* isnan, isinf, signbit: macros, no libm */
#include <stdio.h>
#include <stdlib.h>

#include "export/otlp/otlp_json_write.h"
#include "otelc/resource.h"

/* ------------------------------------------------------------- writer -- */

bool otelc__jw_grow(otelc__jw *w, size_t k) {
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

void otelc__json_too_big(otelc__jw *w) {
  w->limit = true;
  w->b->failed = true;
}

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

void otelc__json_u64(otelc__jw *w, uint64_t v) {
  char tmp[20];
  char *p = u64_digits(v, tmp + sizeof tmp);
  jw_put(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* A 64-bit integer as proto3 JSON wants it: a quoted decimal. */
void otelc__json_u64_str(otelc__jw *w, uint64_t v) {
  char tmp[22];
  char *end = tmp + sizeof tmp;
  *--end = '"';
  char *p = u64_digits(v, end);
  *--p = '"';
  jw_put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void otelc__json_i64_str(otelc__jw *w, int64_t v) {
  char tmp[23];
  char *end = tmp + sizeof tmp;
  *--end = '"';
  uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  char *p = u64_digits(mag, end);
  if (v < 0)
    *--p = '-';
  *--p = '"';
  jw_put(w, p, (size_t)(tmp + sizeof tmp - p));
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

void otelc__json_double(otelc__jw *w, double d) {
  if (isnan(d)) {
    JW_LIT(w, "\"NaN\"");
    return;
  }
  if (isinf(d)) {
    if (d < 0)
      JW_LIT(w, "\"-Infinity\"");
    else
      JW_LIT(w, "\"Infinity\"");
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
    jw_put(w, p, (size_t)(end - p));
    return;
  }
  char tmp[40];
  /* The short form relies on operations rounded to double precision. */
  size_t n = FLT_EVAL_METHOD == 0 ? fmt_short_decimal(d, tmp) : 0;
  if (n == 0)
    n = fmt_double(d, tmp);
  if (n == 0)
    jw_putc(w, '0');
  else
    jw_put(w, tmp, n);
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
void otelc__json_hex(otelc__jw *w, const uint8_t *id, size_t n) {
  if (!jw_room(w, 2 * n + 2))
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
void otelc__json_b64(otelc__jw *w, const uint8_t *p, size_t n) {
  if (n > OTELC__OTLP_MAX_REQUEST) {
    otelc__json_too_big(w);
    return;
  }
  size_t out_len = (n / 3 + (n % 3 != 0)) * 4;
  if (!jw_room(w, out_len + 2))
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
static void str_slow(otelc__jw *w, const uint8_t *s, size_t n) {
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
      jw_put(w, s + run, i - run);
      JW_LIT(w, "\\ufffd");
      i += bad;
      run = i;
      continue;
    }
    jw_put(w, s + run, i - run);
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
    jw_put(w, esc, len);
    i++;
    run = i;
  }
  jw_put(w, s + run, n - run);
}

/* A JSON string holding @p s[0..n), escaped and made valid UTF-8. */
void otelc__json_str(otelc__jw *w, const char *str, size_t n) {
  const uint8_t *s = (const uint8_t *)str;
  if (!s)
    n = 0;
  if (n > OTELC__OTLP_MAX_REQUEST) {
    otelc__json_too_big(w);
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
    if (!jw_room(w, n + 2))
      return;
    uint8_t *o = w->b->data + w->b->len;
    o[0] = '"';
    if (n)
      memcpy(o + 1, s, n);
    o[n + 1] = '"';
    w->b->len += n + 2;
    return;
  }
  jw_putc(w, '"');
  jw_put(w, s, i);
  str_slow(w, s + i, n - i);
  jw_putc(w, '"');
}

void otelc__json_cstr(otelc__jw *w, const char *s) {
  otelc__json_str(w, s, s ? strlen(s) : 0);
}

/* ------------------------------------------------------------- values -- */

/* The elements of an array value, without the brackets. */
static void put_elements(otelc__jw *w, const otelc_value *v, unsigned depth) {
  size_t n = v->len;
  switch (v->type) {
  case OTELC_VALUE_STRING_ARRAY:
    for (size_t i = 0; v->u.strs && i < n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      JW_LIT(w, "{\"stringValue\":");
      otelc__json_cstr(w, v->u.strs[i]);
      jw_putc(w, '}');
    }
    break;
  case OTELC_VALUE_BOOL_ARRAY:
    for (size_t i = 0; v->u.bools && i < n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      if (v->u.bools[i])
        JW_LIT(w, "{\"boolValue\":true}");
      else
        JW_LIT(w, "{\"boolValue\":false}");
    }
    break;
  case OTELC_VALUE_INT_ARRAY:
    for (size_t i = 0; v->u.ints && i < n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      JW_LIT(w, "{\"intValue\":");
      otelc__json_i64_str(w, v->u.ints[i]);
      jw_putc(w, '}');
    }
    break;
  case OTELC_VALUE_DOUBLE_ARRAY:
    for (size_t i = 0; v->u.doubles && i < n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      JW_LIT(w, "{\"doubleValue\":");
      otelc__json_double(w, v->u.doubles[i]);
      jw_putc(w, '}');
    }
    break;
  default: /* ARRAY */
    for (size_t i = 0; v->u.values && i < n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      if (depth < OTELC__MAX_VALUE_DEPTH)
        otelc__json_value(w, &v->u.values[i], depth + 1);
      else
        JW_LIT(w, "{}");
    }
    break;
  }
}

/* An AnyValue object. */
void otelc__json_value(otelc__jw *w, const otelc_value *v, unsigned depth) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    JW_LIT(w, "{\"stringValue\":");
    otelc__json_str(w, v->u.str, otelc__value_strlen(v));
    break;
  case OTELC_VALUE_BOOL:
    if (v->u.b)
      JW_LIT(w, "{\"boolValue\":true");
    else
      JW_LIT(w, "{\"boolValue\":false");
    break;
  case OTELC_VALUE_INT:
    JW_LIT(w, "{\"intValue\":");
    otelc__json_i64_str(w, v->u.i);
    break;
  case OTELC_VALUE_DOUBLE:
    JW_LIT(w, "{\"doubleValue\":");
    otelc__json_double(w, v->u.d);
    break;
  case OTELC_VALUE_BYTES:
    JW_LIT(w, "{\"bytesValue\":");
    otelc__json_b64(w, v->u.bytes, v->u.bytes ? v->len : 0);
    break;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
    JW_LIT(w, "{\"arrayValue\":{\"values\":[");
    put_elements(w, v, depth);
    JW_LIT(w, "]}");
    break;
  case OTELC_VALUE_MAP:
    JW_LIT(w, "{\"kvlistValue\":{\"values\":[");
    if (depth < OTELC__MAX_VALUE_DEPTH && v->u.kvs)
      otelc__json_attrs(w, v->u.kvs, v->len, depth + 1);
    JW_LIT(w, "]}");
    break;
  default: /* EMPTY, and anything unknown */
    jw_putc(w, '{');
    break;
  }
  jw_putc(w, '}');
}

/* The members of a repeated KeyValue, without the brackets. */
void otelc__json_attrs(otelc__jw *w, const otelc_attr *a, size_t n,
                       unsigned depth) {
  for (size_t i = 0; i < n && !w->b->failed; i++) {
    if (i)
      JW_LIT(w, ",{\"key\":");
    else
      JW_LIT(w, "{\"key\":");
    otelc__json_cstr(w, a[i].key);
    JW_LIT(w, ",\"value\":");
    otelc__json_value(w, &a[i].value, depth);
    jw_putc(w, '}');
  }
}

/* ,"attributes":[...] when there are any, and ,"droppedAttributesCount"
 * when some were dropped. */
void otelc__json_attr_field(otelc__jw *w, const otelc_attr *a, size_t n,
                            uint32_t dropped) {
  if (n && a) {
    JW_LIT(w, ",\"attributes\":[");
    otelc__json_attrs(w, a, n, 0);
    jw_putc(w, ']');
  }
  if (dropped) {
    JW_LIT(w, ",\"droppedAttributesCount\":");
    otelc__json_u64(w, dropped);
  }
}

/* ----------------------------------------------------- resource, scope -- */

void otelc__json_resource(otelc__jw *w, const otelc_resource *r) {
  JW_LIT(w, "\"resource\":{");
  size_t n = otelc_resource_attr_count(r);
  if (n) {
    JW_LIT(w, "\"attributes\":[");
    for (size_t i = 0; i < n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      const otelc_attr *a = otelc_resource_attr(r, i);
      JW_LIT(w, "{\"key\":");
      otelc__json_cstr(w, a->key);
      JW_LIT(w, ",\"value\":");
      otelc__json_value(w, &a->value, 0);
      jw_putc(w, '}');
    }
    jw_putc(w, ']');
  }
  jw_putc(w, '}');
}

void otelc__json_scope(otelc__jw *w, const otelc_scope_info *sc) {
  JW_LIT(w, "\"scope\":{");
  if (sc) {
    JW_LIT(w, "\"name\":");
    otelc__json_cstr(w, sc->name);
    if (sc->version && sc->version[0]) {
      JW_LIT(w, ",\"version\":");
      otelc__json_cstr(w, sc->version);
    }
    otelc__json_attr_field(w, sc->attrs, sc->n_attrs, 0);
  }
  jw_putc(w, '}');
}

void otelc__json_schema_url(otelc__jw *w, const char *url) {
  if (url && url[0]) {
    JW_LIT(w, ",\"schemaUrl\":");
    otelc__json_cstr(w, url);
  }
}
