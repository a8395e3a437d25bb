/* The pieces of the Prometheus text writer: unit words, metric and label
 * names, number formatting, escapes and attribute values. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/prometheus/prom_internal.h"

/* ---------------------------------------------------------------- units -- */

static const char *suffix(const char *unit) {
  static char out[256];
  size_t n = otelc__prom_unit_suffix(unit, out, sizeof out);
  assert_int_not_equal(n, (size_t)-1);
  assert_int_equal(n, strlen(out));
  return out;
}

static void test_unit_table(void **state) {
  (void)state;
  static const char *const table[][2] = {
      {"d", "days"},         {"h", "hours"},         {"min", "minutes"},
      {"s", "seconds"},      {"ms", "milliseconds"}, {"us", "microseconds"},
      {"ns", "nanoseconds"}, {"By", "bytes"},        {"KiBy", "kibibytes"},
      {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"},  {"TiBy", "tebibytes"},
      {"kBy", "kilobytes"},  {"MBy", "megabytes"},   {"GBy", "gigabytes"},
      {"TBy", "terabytes"},  {"m", "meters"},        {"V", "volts"},
      {"A", "amperes"},      {"J", "joules"},        {"W", "watts"},
      {"g", "grams"},        {"Cel", "celsius"},     {"Hz", "hertz"},
      {"%", "percent"},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    assert_string_equal(suffix(table[i][0]), table[i][1]);
}

static void test_unit_braces_and_dimensionless(void **state) {
  (void)state;
  assert_string_equal(suffix("{request}"), "");
  assert_string_equal(suffix("{packet}"), "");
  assert_string_equal(suffix("{token}"), "");
  assert_string_equal(suffix("1"), "");
  assert_string_equal(suffix(""), "");
  assert_string_equal(suffix(NULL), "");
  assert_string_equal(suffix("By{compressed}"), "bytes");
  assert_string_equal(suffix("{a}s{b}"), "seconds");
  assert_string_equal(suffix("{unclosed"), "");
}

static void test_unit_rates(void **state) {
  (void)state;
  assert_string_equal(suffix("m/s"), "meters_per_second");
  assert_string_equal(suffix("By/s"), "bytes_per_second");
  assert_string_equal(suffix("{request}/s"), "per_second");
  assert_string_equal(suffix("1/s"), "per_second");
  assert_string_equal(suffix("{packet}/min"), "per_minute");
  assert_string_equal(suffix("By/ms"), "bytes_per_ms");
  assert_string_equal(suffix("km/h"), "km_per_hour");
  assert_string_equal(suffix("By/d"), "bytes_per_day");
  assert_string_equal(suffix("J/w"), "joules_per_week");
  assert_string_equal(suffix("By/mo"), "bytes_per_month");
  assert_string_equal(suffix("By/y"), "bytes_per_year");
  assert_string_equal(suffix("m/m"), "meters_per_minute");
  assert_string_equal(suffix("By/{x}"), "bytes");
}

static void test_unit_unknown_sanitised(void **state) {
  (void)state;
  assert_string_equal(suffix("kg"), "kg");
  assert_string_equal(suffix("m2"), "m2");
  assert_string_equal(suffix("mm[Hg]"), "mm_Hg");
  assert_string_equal(suffix("a..b"), "a_b");
  assert_string_equal(suffix("__x__"), "x");
  assert_string_equal(suffix("W.h"), "W_h");
  assert_string_equal(suffix("\xc2\xb5s"), "s"); /* µs: non-ASCII -> '_' */
}

static void test_unit_too_long(void **state) {
  (void)state;
  char unit[400];
  memset(unit, 'x', sizeof unit - 1);
  unit[sizeof unit - 1] = '\0';
  char out[256];
  assert_int_equal(otelc__prom_unit_suffix(unit, out, sizeof out), (size_t)-1);
  assert_int_equal(otelc__prom_unit_suffix("seconds", out, 4), (size_t)-1);
}

/* ---------------------------------------------------------------- names -- */

static const char *mname(const char *name, const char *unit,
                         otelc__prom_kind kind, bool suffixes) {
  static char out[OTELC__PROM_NAME_MAX + 1];
  size_t n =
      otelc__prom_metric_name(name, unit, kind, suffixes, out, sizeof out);
  if (n == 0)
    return NULL;
  assert_int_equal(n, strlen(out));
  return out;
}

static void test_name_sanitised(void **state) {
  (void)state;
  assert_string_equal(
      mname("http.server.duration", "", OTELC__PROM_GAUGE, true),
      "http_server_duration");
  assert_string_equal(mname("a-b/c", NULL, OTELC__PROM_GAUGE, true), "a_b_c");
  assert_string_equal(mname("a..b__c", NULL, OTELC__PROM_GAUGE, true), "a_b_c");
  assert_string_equal(mname("ns:sub.x", NULL, OTELC__PROM_GAUGE, true),
                      "ns:sub_x");
  assert_string_equal(mname("2xx.count", NULL, OTELC__PROM_GAUGE, true),
                      "_2xx_count");
  assert_string_equal(mname("caf\xc3\xa9.x", NULL, OTELC__PROM_GAUGE, true),
                      "caf_x");
  assert_string_equal(mname("...", NULL, OTELC__PROM_GAUGE, true), "_");
  assert_null(mname("", NULL, OTELC__PROM_GAUGE, true));
  assert_null(mname(NULL, NULL, OTELC__PROM_GAUGE, true));
}

static void test_name_unit_suffix(void **state) {
  (void)state;
  assert_string_equal(
      mname("http.server.request.duration", "s", OTELC__PROM_HISTOGRAM, true),
      "http_server_request_duration_seconds");
  assert_string_equal(mname("queue.size", "By", OTELC__PROM_GAUGE, true),
                      "queue_size_bytes");
  /* Not doubled when the name ends with it already. */
  assert_string_equal(mname("rx.bytes", "By", OTELC__PROM_GAUGE, true),
                      "rx_bytes");
  assert_string_equal(mname("latency_seconds", "s", OTELC__PROM_GAUGE, true),
                      "latency_seconds");
  assert_string_equal(mname("seconds", "s", OTELC__PROM_GAUGE, true),
                      "seconds");
  /* Only a whole trailing token counts. */
  assert_string_equal(mname("microseconds", "s", OTELC__PROM_GAUGE, true),
                      "microseconds_seconds");
  assert_string_equal(mname("speed", "m/s", OTELC__PROM_GAUGE, true),
                      "speed_meters_per_second");
  assert_string_equal(mname("requests", "{request}", OTELC__PROM_GAUGE, true),
                      "requests");
  assert_string_equal(mname("cpu.utilization", "1", OTELC__PROM_GAUGE, true),
                      "cpu_utilization");
  assert_string_equal(mname("trailing.", "s", OTELC__PROM_GAUGE, true),
                      "trailing_seconds");
}

static void test_name_total(void **state) {
  (void)state;
  assert_string_equal(
      mname("http.requests", "{request}", OTELC__PROM_COUNTER, true),
      "http_requests_total");
  assert_string_equal(mname("requests_total", "", OTELC__PROM_COUNTER, true),
                      "requests_total");
  assert_string_equal(mname("requests.total", "", OTELC__PROM_COUNTER, true),
                      "requests_total");
  assert_string_equal(mname("io", "By", OTELC__PROM_COUNTER, true),
                      "io_bytes_total");
  /* "_total" goes after the unit, and neither is doubled. */
  assert_string_equal(mname("io_total", "By", OTELC__PROM_COUNTER, true),
                      "io_bytes_total");
  assert_string_equal(mname("io_bytes_total", "By", OTELC__PROM_COUNTER, true),
                      "io_bytes_total");
  assert_string_equal(mname("total", "", OTELC__PROM_COUNTER, true), "total");
  /* Gauges and histograms get no "_total". */
  assert_string_equal(mname("x", "", OTELC__PROM_GAUGE, true), "x");
  assert_string_equal(mname("x", "", OTELC__PROM_HISTOGRAM, true), "x");
}

static void test_name_without_suffixes(void **state) {
  (void)state;
  assert_string_equal(mname("io.read", "By", OTELC__PROM_COUNTER, false),
                      "io_read");
  assert_string_equal(mname("d", "s", OTELC__PROM_HISTOGRAM, false), "d");
}

static void test_name_too_long(void **state) {
  (void)state;
  char name[OTELC__PROM_NAME_MAX + 2];
  memset(name, 'a', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  assert_null(mname(name, "", OTELC__PROM_GAUGE, true));
  name[OTELC__PROM_NAME_MAX] = '\0'; /* exactly the limit */
  assert_non_null(mname(name, "", OTELC__PROM_GAUGE, true));
  assert_null(mname(name, "s", OTELC__PROM_GAUGE, true));
}

/* The buffer the functions below write into (freed by the teardown). */
static otelc__pw W;

static int free_buffer(void **state) {
  (void)state;
  otelc__free(W.data);
  memset(&W, 0, sizeof W);
  return 0;
}

static const char *label(const char *pfx, const char *key) {
  W.len = 0;
  bool any = otelc__pw_label_name(&W, pfx, key);
  otelc__pw_char(&W, '\0');
  assert_false(W.failed);
  return any ? (const char *)W.data : NULL;
}

static void test_label_names(void **state) {
  (void)state;
  assert_string_equal(label(NULL, "http.request.method"),
                      "http_request_method");
  assert_string_equal(label("", "a..b"), "a_b");
  assert_string_equal(label("", "a:b"), "a_b"); /* no ':' in labels */
  assert_string_equal(label("", "1st"), "_1st");
  assert_string_equal(label("", "__name__"), "_name_");
  assert_string_equal(label("", "\xc3\xa9t\xc3\xa9"), "_t_");
  assert_string_equal(label("otel_scope_", "lib.kind"), "otel_scope_lib_kind");
  assert_string_equal(label("otel_scope_", "_x"), "otel_scope_x");
  assert_string_equal(label("otel_scope_", "9"), "otel_scope_9");
  assert_null(label("", ""));
  assert_true(otelc__prom_label_eq("", "a.b", "", "a_b"));
  assert_true(otelc__prom_label_eq("", "a/b", "", "a__b"));
  assert_false(otelc__prom_label_eq("", "a.b", "", "a.bc"));
  assert_false(otelc__prom_label_eq("", "ab", "", "a_b"));
  assert_true(
      otelc__prom_label_eq("otel_scope_", "name", "", "otel.scope.name"));
  assert_true(otelc__prom_label_is("otel_scope_", "name", "otel_scope_name"));
  assert_true(otelc__prom_label_is("", "le", "le"));
  assert_false(otelc__prom_label_is("", "lex", "le"));
  assert_false(otelc__prom_label_is("", "l", "le"));
}

/* -------------------------------------------------------------- numbers -- */

static const char *num(double d) {
  static char out[OTELC__PROM_NUM_MAX];
  size_t n = otelc__prom_fmt_double(d, out);
  assert_int_equal(n, strlen(out));
  return out;
}

static void test_double_format(void **state) {
  (void)state;
  assert_string_equal(num(0.005), "0.005");
  assert_string_equal(num(5), "5");
  assert_string_equal(num(0), "0");
  assert_string_equal(num(-0.0), "-0");
  assert_string_equal(num(2.5), "2.5");
  assert_string_equal(num(-7.25), "-7.25");
  assert_string_equal(num(0.1), "0.1");
  assert_string_equal(num(1e-7), "1e-07");
  assert_string_equal(num(1e21), "1e+21");
  assert_string_equal(num(1e15), "1e+15");
  assert_string_equal(num(999999999999999.0), "999999999999999");
  assert_string_equal(num(0.1 + 0.2), "0.30000000000000004");
  assert_string_equal(num(1.0 / 3.0), "0.3333333333333333");
  assert_string_equal(num(NAN), "NaN");
  assert_string_equal(num(INFINITY), "+Inf");
  assert_string_equal(num(-INFINITY), "-Inf");
  assert_string_equal(num(5e-324), "5e-324");
  assert_string_equal(num(1.7976931348623157e308), "1.7976931348623157e+308");
  /* Every output reads back as the same double. */
  const double samples[] = {0.005,
                            0.3,
                            123.456,
                            1e-300,
                            6.02214076e23,
                            4503599627370497.0,
                            2.2250738585072014e-308};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
    assert_true(strtod(num(samples[i]), NULL) == samples[i]);
}

/* Switch LC_NUMERIC to a locale with a decimal comma, compiled into a
 * temporary directory when the system has none installed. Returns the
 * directory to remove (or "" when none was made); skips the test when no
 * such locale can be had. */
static const char *comma_locale(char dir[64]) {
  dir[0] = '\0';
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") ||
      setlocale(LC_NUMERIC, "de_DE.utf8"))
    return dir;
  snprintf(dir, 64, "/tmp/otelc-locale-XXXXXX");
  if (!mkdtemp(dir)) {
    dir[0] = '\0';
    skip();
  }
  char cmd[256];
  snprintf(cmd, sizeof cmd,
           "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
  int rc = system(cmd);
  setenv("LOCPATH", dir, 1);
  if (rc != 0 || !setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
    unsetenv("LOCPATH");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
      fprintf(stderr, "could not remove %s\n", dir);
    skip();
  }
  return dir;
}

static void test_double_format_locale(void **state) {
  (void)state;
  char dir[64];
  comma_locale(dir);
  char check[16];
  snprintf(check, sizeof check, "%g", 0.5);
  assert_string_equal(check, "0,5"); /* the locale is in effect */
  assert_string_equal(num(0.005), "0.005");
  assert_string_equal(num(1234.5), "1234.5");
  assert_string_equal(num(1.0 / 3.0), "0.3333333333333333");
  assert_string_equal(num(2.5e-10), "2.5e-10");
  setlocale(LC_NUMERIC, "C");
  if (dir[0]) {
    unsetenv("LOCPATH");
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
  }
}

static void test_int_format(void **state) {
  (void)state;
  char out[OTELC__PROM_NUM_MAX];
  assert_int_equal(otelc__prom_fmt_int(INT64_MIN, out), 20);
  assert_string_equal(out, "-9223372036854775808");
  otelc__prom_fmt_int(INT64_MAX, out);
  assert_string_equal(out, "9223372036854775807");
  otelc__prom_fmt_int(0, out);
  assert_string_equal(out, "0");
  otelc__prom_fmt_int(-42, out);
  assert_string_equal(out, "-42");
  otelc__prom_fmt_uint(UINT64_MAX, out);
  assert_string_equal(out, "18446744073709551615");
}

/* -------------------------------------------------------------- escapes -- */

typedef void (*text_fn)(otelc__pw *, const char *, size_t);

static char *escaped(text_fn fn, const char *s, size_t n) {
  W.len = 0;
  fn(&W, s, n);
  otelc__pw_char(&W, '\0');
  assert_false(W.failed);
  return (char *)W.data;
}

static void test_label_value_escapes(void **state) {
  (void)state;
  const char in[] = "a\\b\"c\nd\te";
  assert_string_equal(escaped(otelc__pw_label_text, in, sizeof in - 1),
                      "a\\\\b\\\"c\\nd\te");
  /* HELP keeps '"' as it is. */
  assert_string_equal(escaped(otelc__pw_help_text, in, sizeof in - 1),
                      "a\\\\b\"c\\nd\te");
  /* Well-formed UTF-8 passes, ill-formed bytes become U+FFFD. */
  const char utf[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  assert_string_equal(escaped(otelc__pw_label_text, utf, sizeof utf - 1), utf);
  assert_string_equal(escaped(otelc__pw_label_text,
                              "a\xff"
                              "b",
                              3),
                      "a\xef\xbf\xbd"
                      "b");
  assert_string_equal(escaped(otelc__pw_label_text, "\xc3", 1), "\xef\xbf\xbd");
  assert_string_equal(escaped(otelc__pw_label_text, "\xc0\xaf", 2),
                      "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong '/' */
  assert_string_equal(escaped(otelc__pw_help_text, "\xed\xa0\x80", 3),
                      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
}

static void test_utf8_len(void **state) {
  (void)state;
  assert_int_equal(otelc__prom_utf8_len((const unsigned char *)"a", 1), 1);
  assert_int_equal(otelc__prom_utf8_len((const unsigned char *)"\xc3\xa9", 2),
                   2);
  assert_int_equal(otelc__prom_utf8_len((const unsigned char *)"\xc3\xa9", 1),
                   0);
  assert_int_equal(
      otelc__prom_utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4);
  assert_int_equal(
      otelc__prom_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
  assert_int_equal(
      otelc__prom_utf8_len((const unsigned char *)"\xe0\x80\x80", 3), 0);
  assert_int_equal(otelc__prom_utf8_len((const unsigned char *)"\x80", 1), 0);
}

static const char *value(otelc_value v) {
  W.len = 0;
  otelc__pw_attr_value(&W, &v);
  otelc__pw_char(&W, '\0');
  assert_false(W.failed);
  return (const char *)W.data;
}

static void test_attr_values(void **state) {
  (void)state;
  assert_string_equal(value(OTELC_STR("k", "plain \"q\"").value),
                      "plain \\\"q\\\"");
  assert_string_equal(value(OTELC_STRN("k", "abc", 2).value), "ab");
  assert_string_equal(value(OTELC_BOOL("k", true).value), "true");
  assert_string_equal(value(OTELC_BOOL("k", false).value), "false");
  assert_string_equal(value(OTELC_INT("k", -12).value), "-12");
  assert_string_equal(value(OTELC_DOUBLE("k", 1.5).value), "1.5");
  assert_string_equal(value(OTELC_DOUBLE("k", NAN).value), "NaN");
  assert_string_equal(value(OTELC_DOUBLE("k", INFINITY).value), "Infinity");
  assert_string_equal(value(OTELC_DOUBLE("k", -INFINITY).value), "-Infinity");
  assert_string_equal(value(OTELC_BYTES("k", "hello world", 11).value),
                      "aGVsbG8gd29ybGQ=");
  assert_string_equal(value(OTELC_BYTES("k", "ab", 2).value), "YWI=");
  assert_string_equal(value(OTELC_BYTES("k", "abc", 3).value), "YWJj");
  assert_string_equal(value(OTELC_BYTES("k", "", 0).value), "");
  otelc_value empty = {OTELC_VALUE_EMPTY, 0, {.str = NULL}};
  assert_string_equal(value(empty), "");

  const char *strs[] = {"a", "q\"x", NULL};
  assert_string_equal(value(OTELC_STR_ARRAY("k", strs, 3).value),
                      "[\\\"a\\\",\\\"q\\\\\\\"x\\\",null]");
  const int64_t ints[] = {1, -2};
  assert_string_equal(value(OTELC_INT_ARRAY("k", ints, 2).value), "[1,-2]");
  const double dbl[] = {0.5, NAN, -INFINITY};
  assert_string_equal(value(OTELC_DOUBLE_ARRAY("k", dbl, 3).value),
                      "[0.5,\\\"NaN\\\",\\\"-Infinity\\\"]");
  const bool bools[] = {true, false};
  assert_string_equal(value(OTELC_BOOL_ARRAY("k", bools, 2).value),
                      "[true,false]");
  assert_string_equal(value(OTELC_INT_ARRAY("k", ints, 0).value), "[]");

  /* A heterogeneous array holding a map, bytes, an empty value and a
   * string with a newline. */
  const otelc_attr kv[] = {OTELC_STR("nested", "v"), OTELC_INT("n", 3)};
  const otelc_value mixed[] = {
      {OTELC_VALUE_INT, 0, {.i = 1}},
      {OTELC_VALUE_MAP, 2, {.kvs = kv}},
      {OTELC_VALUE_BYTES, 5, {.bytes = "hello"}},
      {OTELC_VALUE_EMPTY, 0, {.str = NULL}},
      {OTELC_VALUE_STRING, OTELC_NTS, {.str = "a\nb"}},
  };
  otelc_value arr = {OTELC_VALUE_ARRAY, 5, {.values = mixed}};
  assert_string_equal(value(arr), "[1,{\\\"nested\\\":\\\"v\\\",\\\"n\\\":3},"
                                  "\\\"aGVsbG8=\\\",null,\\\"a\\\\nb\\\"]");
  otelc_value map = {OTELC_VALUE_MAP, 0, {.kvs = kv}};
  assert_string_equal(value(map), "{}");
}

static void test_attr_value_depth(void **state) {
  (void)state;
  /* 100 nested arrays: the levels past 64 become null. */
  otelc_value levels[100];
  for (int i = 0; i < 100; i++) {
    levels[i].type = OTELC_VALUE_ARRAY;
    levels[i].len = i == 99 ? 0 : 1;
    levels[i].u.values = i == 99 ? NULL : &levels[i + 1];
  }
  const char *out = value(levels[0]);
  size_t opens = 0;
  for (const char *p = out; *p; p++)
    opens += *p == '[';
  assert_int_equal(opens, 65);
  assert_non_null(strstr(out, "null"));
}

static void test_buffer_growth_failure(void **state) {
  (void)state;
  otelc__pw w = {0};
  otelc__alloc_fail_after(0);
  otelc__pw_str(&w, "abc");
  otelc__alloc_fail_after(-1);
  assert_true(w.failed);
  assert_int_equal(w.len, 0);
  otelc__pw_str(&w, "abc"); /* stays failed */
  assert_int_equal(w.len, 0);
  otelc__free(w.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unit_table),
      cmocka_unit_test(test_unit_braces_and_dimensionless),
      cmocka_unit_test(test_unit_rates),
      cmocka_unit_test(test_unit_unknown_sanitised),
      cmocka_unit_test(test_unit_too_long),
      cmocka_unit_test(test_name_sanitised),
      cmocka_unit_test(test_name_unit_suffix),
      cmocka_unit_test(test_name_total),
      cmocka_unit_test(test_name_without_suffixes),
      cmocka_unit_test(test_name_too_long),
      cmocka_unit_test(test_label_names),
      cmocka_unit_test(test_double_format),
      cmocka_unit_test(test_double_format_locale),
      cmocka_unit_test(test_int_format),
      cmocka_unit_test(test_label_value_escapes),
      cmocka_unit_test(test_utf8_len),
      cmocka_unit_test(test_attr_values),
      cmocka_unit_test(test_attr_value_depth),
      cmocka_unit_test(test_buffer_growth_failure),
  };
  return cmocka_run_group_tests(tests, NULL, free_buffer);
}
