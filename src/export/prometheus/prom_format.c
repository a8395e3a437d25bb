/*
 * Text pieces of the Prometheus exposition: the output buffer, numbers as
 * Go's ParseFloat reads them, the escapes of label values and HELP lines,
 * and attribute values in the specification's non-OTLP representation.
 * Pure functions; safe from any thread.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "export/prometheus/prom_internal.h"

#define MIN_CAP 4096u

bool otelc__pw_grow(otelc__pw *w, size_t extra) {
  if (w->failed)
    return false;
  if (extra > SIZE_MAX / 4 - w->len) {
    w->failed = true;
    return false;
  }
  size_t need = w->len + extra;
  if (need <= w->cap)
    return true;
  size_t cap = w->cap < MIN_CAP ? MIN_CAP : w->cap;
  while (cap < need)
    cap *= 2;
  uint8_t *p = otelc__realloc(w->data, cap);
  if (!p) {
    w->failed = true;
    return false;
  }
  w->data = p;
  w->cap = cap;
  return true;
}

/* ------------------------------------------------------------ numbers -- */

/* The decimal digits of @p v and a NUL into @p out (at most 21 bytes). */
static size_t digits(uint64_t v, char *out) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return n;
}

size_t otelc__prom_fmt_uint(uint64_t v, char out[OTELC__PROM_NUM_MAX]) {
  return digits(v, out);
}

size_t otelc__prom_fmt_int(int64_t v, char out[OTELC__PROM_NUM_MAX]) {
  if (v >= 0)
    return digits((uint64_t)v, out);
  out[0] = '-';
  /* -(v + 1) + 1 avoids overflowing on INT64_MIN. */
  return 1 + digits((uint64_t)(-(v + 1)) + 1u, out + 1);
}

/* printf's output for a finite number with '.' as the decimal point:
 * whatever the locale put between the digits becomes '.'. */
static size_t c_locale(const char *in, size_t n, char *out) {
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
  out[o] = '\0';
  return o;
}

size_t otelc__prom_fmt_double(double d, char out[OTELC__PROM_NUM_MAX]) {
  if (isnan(d)) {
    memcpy(out, "NaN", 4);
    return 3;
  }
  if (isinf(d)) {
    memcpy(out, d > 0 ? "+Inf" : "-Inf", 5);
    return 4;
  }
  double mag = fabs(d);
  /* Whole numbers below 1e15 print the same as "%.15g" would. */
  if (mag < 1e15 && d == (double)(int64_t)d) {
    if (d == 0 && signbit(d)) {
      memcpy(out, "-0", 3);
      return 2;
    }
    return otelc__prom_fmt_int((int64_t)d, out);
  }
  /* A decimal of at most 15 significant digits survives the round trip
   * through a double (DBL_DIG), so "%.15g" is the shortest form whenever
   * one of 15 digits or fewer exists; otherwise 16, else 17 digits.
   * Subnormals carry fewer digits and try every precision. */
  char tmp[40];
  int len = 0;
  for (int p = mag < DBL_MIN ? 1 : 15; p <= 17; p++) {
    len = snprintf(tmp, sizeof tmp, "%.*g", p, d);
    if (len <= 0 || len >= (int)sizeof tmp) {
      memcpy(out, "NaN", 4); /* not reached: %g of a double fits */
      return 3;
    }
    if (p == 17 || strtod(tmp, NULL) == d)
      break;
  }
  return c_locale(tmp, (size_t)len, out);
}

void otelc__pw_double(otelc__pw *w, double d) {
  char tmp[OTELC__PROM_NUM_MAX];
  otelc__pw_put(w, tmp, otelc__prom_fmt_double(d, tmp));
}

void otelc__pw_int(otelc__pw *w, int64_t v) {
  char tmp[OTELC__PROM_NUM_MAX];
  otelc__pw_put(w, tmp, otelc__prom_fmt_int(v, tmp));
}

void otelc__pw_uint(otelc__pw *w, uint64_t v) {
  char tmp[OTELC__PROM_NUM_MAX];
  otelc__pw_put(w, tmp, otelc__prom_fmt_uint(v, tmp));
}

/* ------------------------------------------------------- escaped text -- */

size_t otelc__prom_utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; /* no overlong forms */
    else if (c == 0xED)
      hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F; /* nothing above U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return len;
}

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Copy s[0..n) escaping '\' and newline, and '"' when @p quote. */
static void put_escaped(otelc__pw *w, const char *s, size_t n, bool quote) {
  const unsigned char *p = (const unsigned char *)s;
  size_t run = 0; /* bytes at p[i - run .. i) to copy as they are */
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    const char *esc = NULL;
    size_t step = 1;
    if (c == '\\')
      esc = "\\\\";
    else if (c == '\n')
      esc = "\\n";
    else if (c == '"' && quote)
      esc = "\\\"";
    else if (c >= 0x80) {
      step = otelc__prom_utf8_len(p + i, n - i);
      if (step == 0) {
        esc = REPLACEMENT;
        step = 1;
      }
    }
    if (!esc) {
      run += step;
      i += step;
      continue;
    }
    otelc__pw_put(w, p + i - run, run);
    run = 0;
    otelc__pw_str(w, esc);
    i += step;
  }
  otelc__pw_put(w, p + i - run, run);
}

void otelc__pw_label_text(otelc__pw *w, const char *s, size_t n) {
  put_escaped(w, s, n, true);
}

void otelc__pw_help_text(otelc__pw *w, const char *s, size_t n) {
  put_escaped(w, s, n, false);
}

/* ---------------------------------------------------- attribute values -- */

#define MAX_DEPTH 64

static void put_base64(otelc__pw *w, const uint8_t *p, size_t n) {
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (n > (SIZE_MAX / 4) * 3 - 3 || !otelc__pw_reserve(w, (n + 2) / 3 * 4))
    return;
  char *o = (char *)w->data + w->len;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = tab[(v >> 6) & 63];
    *o++ = tab[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  w->len = (size_t)((uint8_t *)o - w->data);
}

/* A JSON string holding s[0..n), label-escaped. */
static void json_string(otelc__pw *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  otelc__pw_label_text(w, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    size_t elen = 0;
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      elen = 2;
    } else if (c == '\n') {
      memcpy(esc, "\\n", 2);
      elen = 2;
    } else if (c == '\t') {
      memcpy(esc, "\\t", 2);
      elen = 2;
    } else if (c == '\r') {
      memcpy(esc, "\\r", 2);
      elen = 2;
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      elen = 6;
    } else {
      continue;
    }
    otelc__pw_label_text(w, s + start, i - start);
    otelc__pw_label_text(w, esc, elen);
    start = i + 1;
  }
  otelc__pw_label_text(w, s + start, n - start);
  otelc__pw_label_text(w, "\"", 1);
}

/* A double as a bare value: JSON number, or NaN/Infinity/-Infinity. */
static void bare_double(otelc__pw *w, double d) {
  if (isnan(d))
    otelc__pw_str(w, "NaN");
  else if (isinf(d))
    otelc__pw_str(w, d > 0 ? "Infinity" : "-Infinity");
  else
    otelc__pw_double(w, d);
}

/* A double inside JSON: non-finite values as JSON strings. */
static void json_double(otelc__pw *w, double d) {
  if (isfinite(d)) {
    otelc__pw_double(w, d);
    return;
  }
  otelc__pw_str(w, "\\\""); /* '"' label-escaped */
  bare_double(w, d);
  otelc__pw_str(w, "\\\"");
}

static size_t bytes_len(const otelc_value *v) {
  return v->len == OTELC_NTS ? 0 : v->len;
}

static void json_value(otelc__pw *w, const otelc_value *v, int depth);

static void json_map(otelc__pw *w, const otelc_attr *kvs, size_t n, int depth) {
  otelc__pw_char(w, '{');
  for (size_t i = 0; i < n; i++) {
    if (i)
      otelc__pw_char(w, ',');
    const char *k = kvs[i].key ? kvs[i].key : "";
    json_string(w, k, strlen(k));
    otelc__pw_char(w, ':');
    json_value(w, &kvs[i].value, depth + 1);
  }
  otelc__pw_char(w, '}');
}

/* One value as a JSON value, label-escaped. */
static void json_value(otelc__pw *w, const otelc_value *v, int depth) {
  if (depth > MAX_DEPTH) {
    otelc__pw_str(w, "null");
    return;
  }
  size_t n = v->len;
  switch (v->type) {
  case OTELC_VALUE_STRING:
    if (v->u.str)
      json_string(w, v->u.str, otelc__value_strlen(v));
    else
      otelc__pw_str(w, "null");
    return;
  case OTELC_VALUE_BOOL:
    otelc__pw_str(w, v->u.b ? "true" : "false");
    return;
  case OTELC_VALUE_INT:
    otelc__pw_int(w, v->u.i);
    return;
  case OTELC_VALUE_DOUBLE:
    json_double(w, v->u.d);
    return;
  case OTELC_VALUE_BYTES:
    otelc__pw_str(w, "\\\"");
    if (v->u.bytes)
      put_base64(w, v->u.bytes, bytes_len(v));
    otelc__pw_str(w, "\\\"");
    return;
  case OTELC_VALUE_MAP:
    json_map(w, v->u.kvs, v->u.kvs ? n : 0, depth);
    return;
  case OTELC_VALUE_EMPTY:
  default:
    break;
  }
  bool is_array =
      v->type == OTELC_VALUE_STRING_ARRAY ||
      v->type == OTELC_VALUE_BOOL_ARRAY || v->type == OTELC_VALUE_INT_ARRAY ||
      v->type == OTELC_VALUE_DOUBLE_ARRAY || v->type == OTELC_VALUE_ARRAY;
  if (!is_array) {
    otelc__pw_str(w, "null");
    return;
  }
  if (!v->u.strs) /* every member of the union is a pointer here */
    n = 0;
  otelc__pw_char(w, '[');
  for (size_t i = 0; i < n; i++) {
    if (i)
      otelc__pw_char(w, ',');
    switch (v->type) {
    case OTELC_VALUE_STRING_ARRAY: {
      const char *s = v->u.strs[i];
      if (s)
        json_string(w, s, strlen(s));
      else
        otelc__pw_str(w, "null");
      break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
      otelc__pw_str(w, v->u.bools[i] ? "true" : "false");
      break;
    case OTELC_VALUE_INT_ARRAY:
      otelc__pw_int(w, v->u.ints[i]);
      break;
    case OTELC_VALUE_DOUBLE_ARRAY:
      json_double(w, v->u.doubles[i]);
      break;
    default:
      json_value(w, &v->u.values[i], depth + 1);
      break;
    }
  }
  otelc__pw_char(w, ']');
}

void otelc__pw_attr_value(otelc__pw *w, const otelc_value *v) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    if (v->u.str)
      otelc__pw_label_text(w, v->u.str, otelc__value_strlen(v));
    return;
  case OTELC_VALUE_BOOL:
    otelc__pw_str(w, v->u.b ? "true" : "false");
    return;
  case OTELC_VALUE_INT:
    otelc__pw_int(w, v->u.i);
    return;
  case OTELC_VALUE_DOUBLE:
    bare_double(w, v->u.d);
    return;
  case OTELC_VALUE_BYTES:
    if (v->u.bytes)
      put_base64(w, v->u.bytes, bytes_len(v));
    return;
  case OTELC_VALUE_EMPTY:
    return;
  default:
    json_value(w, v, 0);
    return;
  }
}
