/* OTEL_* environment variables, parsed with the specification's rules. */
#include <locale.h>
#include <stdio.h>
#include <strings.h>

#include "common/env.h"
#include "common/internal.h"
#include "otelc/setup.h"

static bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* Trim spaces and tabs from both ends of s[0..*len); returns the start. */
static const char *trim(const char *s, size_t *len) {
  size_t n = *len;
  while (n > 0 && is_blank(*s)) {
    s++;
    n--;
  }
  while (n > 0 && is_blank(s[n - 1]))
    n--;
  *len = n;
  return s;
}

const char *otelc__env_quote(const char *v, char out[OTELC__QUOTE_BUF]) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (; *v && o < OTELC__QUOTE_BUF - 8; v++) {
    unsigned char c = (unsigned char)*v;
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      out[o++] = '\\';
      out[o++] = 'x';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    } else {
      out[o++] = (char)c;
    }
  }
  if (*v) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = '\0';
  return out;
}

/* The one place where a setting is read: the environment variable, else
 * the default otelc_setup gave it (otelc_config_get, in libotelc; this
 * file is also compiled into otelc's optional libraries, which reach it
 * there). */
const char *otelc__env_get(const char *name) {
  return name ? otelc_config_get(name) : NULL;
}

/* Booleans --------------------------------------------------------------- */

static bool word_eq(const char *v, const char *word) {
  size_t len = strlen(v);
  const char *p = trim(v, &len);
  return len == strlen(word) && strncasecmp(p, word, len) == 0;
}

bool otelc__env_bool(const char *name, bool def) {
  const char *v = otelc__env_get(name);
  if (!v)
    return def;
  if (word_eq(v, "true"))
    return true;
  if (word_eq(v, "false"))
    return false;
  char q[OTELC__QUOTE_BUF];
  otelc__warn("invalid value '%s' for %s (expected true or false); "
              "using false",
              otelc__env_quote(v, q), name);
  return false;
}

/* Integers ---------------------------------------------------------------- */

/* Parse a whole value as a decimal integer (optional leading '+',
 * surrounding spaces and tabs). Values above UINT32_MAX are reported as
 * UINT32_MAX, which every caller treats as out of range. */
static bool parse_uint(const char *v, uint32_t *out) {
  size_t len = strlen(v);
  const char *p = trim(v, &len);
  if (len > 0 && *p == '+') {
    p++;
    len--;
  }
  if (len == 0)
    return false;
  uint64_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9')
      return false;
    n = n * 10 + (uint64_t)(p[i] - '0');
    if (n > UINT32_MAX)
      n = (uint64_t)UINT32_MAX + 1; /* saturate; stays out of range */
  }
  *out = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
  return true;
}

uint32_t otelc__env_uint(const char *name, uint32_t def, uint32_t min,
                         uint32_t max) {
  const char *v = otelc__env_get(name);
  if (!v)
    return def;
  if (max > INT32_MAX)
    max = INT32_MAX;
  uint32_t n;
  if (parse_uint(v, &n) && n >= min && n <= max)
    return n;
  char q[OTELC__QUOTE_BUF];
  otelc__warn("invalid value '%s' for %s (expected an integer in [%u, %u]); "
              "using the default %u",
              otelc__env_quote(v, q), name, (unsigned)min, (unsigned)max,
              (unsigned)def);
  return def;
}

bool otelc__env_uint_opt(const char *name, uint32_t *out) {
  const char *v = otelc__env_get(name);
  if (!v)
    return false;
  uint32_t n;
  if (parse_uint(v, &n) && n <= INT32_MAX) {
    if (out)
      *out = n;
    return true;
  }
  char q[OTELC__QUOTE_BUF];
  otelc__warn("invalid value '%s' for %s (expected an integer in [0, %u]); "
              "ignoring it",
              otelc__env_quote(v, q), name, (unsigned)INT32_MAX);
  return false;
}

/* Durations and timeouts ----------------------------------------------- */

/* A non-negative number of milliseconds, or def with a warning. */
static bool parse_ms(const char *name, const char *v, uint32_t def,
                     const char *what, uint32_t *out) {
  uint32_t n;
  if (parse_uint(v, &n) && n <= INT32_MAX) {
    *out = n;
    return true;
  }
  char q[OTELC__QUOTE_BUF];
  otelc__warn("invalid value '%s' for %s (expected %s in milliseconds, "
              "an integer in [0, %u]); using the default %u",
              otelc__env_quote(v, q), name, what, (unsigned)INT32_MAX,
              (unsigned)def);
  *out = def;
  return false;
}

uint32_t otelc__env_duration_ms(const char *name, uint32_t def) {
  const char *v = otelc__env_get(name);
  uint32_t ms = def;
  if (v)
    parse_ms(name, v, def, "a duration", &ms);
  return ms;
}

uint32_t otelc__env_timeout_ms(const char *name, uint32_t def) {
  const char *v = otelc__env_get(name);
  uint32_t ms = def;
  if (v && parse_ms(name, v, def, "a timeout", &ms) && ms == 0)
    ms = INT32_MAX; /* 0 means no limit */
  return ms;
}

/* Floating point -------------------------------------------------------- */

static size_t skip_digits(const char *p, size_t i, size_t len) {
  while (i < len && p[i] >= '0' && p[i] <= '9')
    i++;
  return i;
}

/* Accept only [+-]digits[.digits][(e|E)[+-]digits] (at least one digit
 * in the mantissa): no hex, no inf or nan, no locale-specific forms. */
static bool decimal_syntax_ok(const char *p, size_t len) {
  size_t i = 0;
  if (i < len && (p[i] == '+' || p[i] == '-'))
    i++;
  size_t start = i;
  i = skip_digits(p, i, len);
  size_t digits = i - start;
  if (i < len && p[i] == '.') {
    size_t frac = ++i;
    i = skip_digits(p, i, len);
    digits += i - frac;
  }
  if (digits == 0)
    return false;
  if (i < len && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < len && (p[i] == '+' || p[i] == '-'))
      i++;
    size_t exp = i;
    i = skip_digits(p, i, len);
    if (i == exp)
      return false;
  }
  return i == len;
}

/* The "C" locale, so that '.' is the decimal point whatever the host
 * program chose with setlocale(). Created once; (locale_t)0 if that
 * fails, in which case the current locale is used. */
static locale_t c_locale(void) {
  static _Atomic(locale_t) cached = (locale_t)0;
  locale_t l = atomic_load(&cached);
  if (l)
    return l;
  locale_t fresh = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (!fresh)
    return (locale_t)0;
  locale_t expected = (locale_t)0;
  if (!atomic_compare_exchange_strong(&cached, &expected, fresh)) {
    freelocale(fresh);
    return expected;
  }
  return fresh;
}

static bool parse_double(const char *v, double *out) {
  size_t len = strlen(v);
  const char *p = trim(v, &len);
  char buf[64];
  if (len == 0 || len >= sizeof buf || !decimal_syntax_ok(p, len))
    return false;
  memcpy(buf, p, len);
  buf[len] = '\0';
  locale_t l = c_locale();
  *out = l ? strtod_l(buf, NULL, l) : strtod(buf, NULL);
  return true;
}

double otelc__env_double(const char *name, double def, double min, double max) {
  const char *v = otelc__env_get(name);
  if (!v)
    return def;
  double d;
  if (parse_double(v, &d) && d >= min && d <= max)
    return d;
  char q[OTELC__QUOTE_BUF];
  otelc__warn("invalid value '%s' for %s (expected a number in [%g, %g]); "
              "using the default %g",
              otelc__env_quote(v, q), name, min, max, def);
  return def;
}

/* Enumerations ------------------------------------------------------------ */

/* "a, b, c" into out (cut if it does not fit). */
static void join_names(const char *const *names, size_t n, char *out,
                       size_t cap) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && o < cap; i++) {
    int w = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", names[i]);
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

int otelc__env_enum(const char *name, const char *const *names, size_t n,
                    int def) {
  const char *v = otelc__env_get(name);
  if (!v)
    return def;
  for (size_t i = 0; i < n; i++)
    if (names[i] && word_eq(v, names[i]))
      return (int)i;
  char q[OTELC__QUOTE_BUF], expected[256];
  join_names(names, n, expected, sizeof expected);
  if (def >= 0 && (size_t)def < n && names[def])
    otelc__warn("invalid value '%s' for %s (expected one of: %s); "
                "using the default '%s'",
                otelc__env_quote(v, q), name, expected, names[def]);
  else
    otelc__warn("invalid value '%s' for %s (expected one of: %s); "
                "ignoring it",
                otelc__env_quote(v, q), name, expected);
  return def;
}

/* Lists and tokens ------------------------------------------------------- */

size_t otelc__split_list(const char *s, otelc__token *out, size_t max) {
  size_t found = 0;
  while (s && *s) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    const char *p = trim(s, &len);
    if (len > 0) {
      if (found < max && out)
        out[found] = (otelc__token){p, len};
      found++;
    }
    if (!comma)
      break;
    s = comma + 1;
  }
  return found;
}

bool otelc__token_eq(otelc__token t, const char *word) {
  if (!word || (!t.p && t.len))
    return false;
  return strlen(word) == t.len && strncasecmp(t.p, word, t.len) == 0;
}

/* Percent-decoding ------------------------------------------------------- */

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

size_t otelc__percent_decode(const char *src, size_t len, char *dst) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (src[i] != '%') {
      dst[o++] = src[i];
      continue;
    }
    int hi = i + 2 < len ? hex_digit(src[i + 1]) : -1;
    int lo = hi >= 0 ? hex_digit(src[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      return (size_t)-1;
    dst[o++] = (char)(hi << 4 | lo);
    i += 2;
  }
  dst[o] = '\0';
  return o;
}

void otelc__env_limit(const char *name, int64_t general, uint32_t *v) {
  uint32_t x;
  if (otelc__env_uint_opt(name, &x))
    *v = x;
  else if (general >= 0)
    *v = (uint32_t)general;
}

int64_t otelc__env_general_limit(const char *name) {
  uint32_t x;
  return otelc__env_uint_opt(name, &x) ? (int64_t)x : -1;
}
