/*
 * JSON descriptions of recorded data for the OTLP test tools (otlp_tool,
 * otlp_metrics_tool): strings made valid UTF-8 the way an OTLP consumer
 * must see them, doubles with the proto3 JSON names of non-finite values,
 * and attributes as {key, type, value} (see tool_json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tool_json.h"

void tj_hex(const uint8_t *id, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[id[i] >> 4];
    out[2 * i + 1] = digits[id[i] & 15];
  }
  out[2 * n] = '\0';
}

/* ------------------------------------------------------------------------ */
/* JSON output                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Length of the well-formed UTF-8 sequence at @p p (Unicode Table 3-7), or
 * 0 when it is ill-formed; then *bad is the length of its maximal
 * ill-formed subpart (at least 1), which is replaced by one U+FFFD.
 */
static size_t utf8_seq(const uint8_t *p, size_t n, size_t *bad) {
  uint8_t c = p[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    *bad = 1;
    return 0;
  }
  size_t i = 1;
  for (; i < len && i < n; i++) {
    uint8_t b = p[i];
    uint8_t l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xbf;
    if (b < l || b > h)
      break;
  }
  if (i == len)
    return len;
  *bad = i;
  return 0;
}

/* A JSON string from @p len bytes, invalid UTF-8 replaced by U+FFFD. */
void tj_strn(FILE *f, const char *s, size_t len) {
  const uint8_t *p = (const uint8_t *)(s ? s : "");
  if (!s)
    len = 0;
  fputc('"', f);
  size_t i = 0;
  while (i < len) {
    uint8_t c = p[i];
    size_t bad = 0, n = utf8_seq(p + i, len - i, &bad);
    if (n == 0) {
      fputs("\xef\xbf\xbd", f);
      i += bad;
      continue;
    }
    if (n > 1) {
      fwrite(p + i, 1, n, f);
    } else if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
    } else if (c == '\n') {
      fputs("\\n", f);
    } else if (c == '\r') {
      fputs("\\r", f);
    } else if (c == '\t') {
      fputs("\\t", f);
    } else if (c < 0x20) {
      fprintf(f, "\\u%04x", c);
    } else {
      fputc(c, f);
    }
    i += n;
  }
  fputc('"', f);
}

void tj_str(FILE *f, const char *s) {
  tj_strn(f, s, s ? strlen(s) : 0);
}

void tj_double(FILE *f, double d) {
  if (isnan(d))
    fputs("\"NaN\"", f);
  else if (isinf(d))
    fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
  else
    fprintf(f, "%.17g", d);
}

static const char *type_name(otelc_value_type t) {
  switch (t) {
  case OTELC_VALUE_EMPTY:
    return "empty";
  case OTELC_VALUE_STRING:
    return "string";
  case OTELC_VALUE_BOOL:
    return "bool";
  case OTELC_VALUE_INT:
    return "int";
  case OTELC_VALUE_DOUBLE:
    return "double";
  case OTELC_VALUE_STRING_ARRAY:
    return "string_array";
  case OTELC_VALUE_BOOL_ARRAY:
    return "bool_array";
  case OTELC_VALUE_INT_ARRAY:
    return "int_array";
  case OTELC_VALUE_DOUBLE_ARRAY:
    return "double_array";
  case OTELC_VALUE_BYTES:
    return "bytes";
  case OTELC_VALUE_ARRAY:
    return "array";
  case OTELC_VALUE_MAP:
    return "map";
  }
  return "unknown";
}

/* "type":..., "value":... of one value (no braces). */
void tj_typed(FILE *f, const otelc_value *v) {
  fprintf(f, "\"type\":\"%s\"", type_name(v->type));
  if (v->type == OTELC_VALUE_EMPTY)
    return;
  fputs(",\"value\":", f);
  switch (v->type) {
  case OTELC_VALUE_STRING:
    tj_strn(f, v->u.str, v->len == OTELC_NTS ? strlen(v->u.str) : v->len);
    break;
  case OTELC_VALUE_BOOL:
    fputs(v->u.b ? "true" : "false", f);
    break;
  case OTELC_VALUE_INT:
    fprintf(f, "\"%" PRId64 "\"", v->u.i);
    break;
  case OTELC_VALUE_DOUBLE:
    tj_double(f, v->u.d);
    break;
  case OTELC_VALUE_BYTES: {
    fputc('"', f);
    const uint8_t *b = v->u.bytes;
    for (size_t i = 0; i < v->len; i++)
      fprintf(f, "%02x", b[i]);
    fputc('"', f);
    break;
  }
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
    fputc('[', f);
    for (size_t i = 0; i < v->len; i++) {
      if (i)
        fputc(',', f);
      switch (v->type) {
      case OTELC_VALUE_STRING_ARRAY:
        tj_str(f, v->u.strs[i]);
        break;
      case OTELC_VALUE_BOOL_ARRAY:
        fputs(v->u.bools[i] ? "true" : "false", f);
        break;
      case OTELC_VALUE_INT_ARRAY:
        fprintf(f, "\"%" PRId64 "\"", v->u.ints[i]);
        break;
      case OTELC_VALUE_DOUBLE_ARRAY:
        tj_double(f, v->u.doubles[i]);
        break;
      default:
        fputc('{', f);
        tj_typed(f, &v->u.values[i]);
        fputc('}', f);
        break;
      }
    }
    fputc(']', f);
    break;
  case OTELC_VALUE_MAP:
    tj_attrs(f, v->u.kvs, v->len);
    break;
  default:
    fputs("null", f);
    break;
  }
}

void tj_attrs(FILE *f, const otelc_attr *a, size_t n) {
  fputc('[', f);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputc(',', f);
    fputs("{\"key\":", f);
    tj_str(f, a[i].key);
    fputc(',', f);
    tj_typed(f, &a[i].value);
    fputc('}', f);
  }
  fputc(']', f);
}
