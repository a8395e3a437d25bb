/* Environment variable parsing: every parser, valid and invalid forms. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/env.h"
#include "common/internal.h"
#include "test_helpers.h"

#define VAR "OTELC_TEST_VAR"

/* NULL value: unset the variable. */
static void set_var(const char *value) {
  if (value)
    setenv(VAR, value, 1);
  else
    unsetenv(VAR);
  test_diag_capture();
}

static void expect_no_warning(void) {
  assert_int_equal(test_diag_seen.count, 0);
}

/* Exactly one warning, on one line, naming VAR and 'value'. */
static void expect_one_warning(const char *value, const char *also) {
  char quoted[512];
  snprintf(quoted, sizeof quoted, "'%s'", value);
  assert_int_equal(test_diag_seen.count, 1);
  assert_int_equal(test_diag_seen.level, OTELC_LOG_WARN);
  assert_non_null(strstr(test_diag_seen.last, VAR));
  assert_non_null(strstr(test_diag_seen.last, quoted));
  assert_null(strchr(test_diag_seen.last, '\n'));
  if (also)
    assert_non_null(strstr(test_diag_seen.last, also));
}

static int teardown(void **state) {
  (void)state;
  unsetenv(VAR);
  test_diag_release();
  return 0;
}

/* ------------------------------------------------------------ env_get -- */

static void test_get(void **state) {
  (void)state;
  set_var(NULL);
  assert_null(otelc__env_get(VAR));
  set_var("");
  assert_null(otelc__env_get(VAR));
  set_var(" ");
  assert_string_equal(otelc__env_get(VAR), " ");
  set_var("x");
  assert_string_equal(otelc__env_get(VAR), "x");
  assert_null(otelc__env_get(NULL));
  expect_no_warning();
}

/* ------------------------------------------------------------ booleans -- */

typedef struct bool_case {
  const char *value;
  bool def;
  bool want;
  bool warns;
} bool_case;

static void test_bool(void **state) {
  (void)state;
  static const bool_case cases[] = {
      {NULL, false, false, false},     {NULL, true, true, false},
      {"", false, false, false},       {"", true, true, false},
      {"true", false, true, false},    {"TRUE", false, true, false},
      {"True", false, true, false},    {"tRuE", false, true, false},
      {" true\t", false, true, false}, {"false", true, false, false},
      {"FALSE", true, false, false},   {"False", true, false, false},
      {"1", false, false, true},       {"1", true, false, true},
      {"yes", true, false, true},      {"on", true, false, true},
      {"y", false, false, true},       {"t", false, false, true},
      {"0", true, false, true},        {"no", true, false, true},
      {"truee", false, false, true},   {"true false", true, false, true},
      {" ", true, false, true},        {"tru", false, false, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const bool_case *c = &cases[i];
    set_var(c->value);
    bool got = otelc__env_bool(VAR, c->def);
    if (got != c->want)
      fail_msg("value '%s' def %d: got %d", c->value ? c->value : "(unset)",
               c->def, got);
    if (c->warns)
      expect_one_warning(c->value, "using false");
    else
      expect_no_warning();
  }
}

/* ------------------------------------------------------------ integers -- */

typedef struct uint_case {
  const char *value;
  uint32_t min, max;
  uint32_t want;
  bool warns;
} uint_case;

#define DEF 2048u
#define IMAX 2147483647u

static void test_uint(void **state) {
  (void)state;
  static const uint_case cases[] = {
      {NULL, 1, IMAX, DEF, false},
      {"", 1, IMAX, DEF, false},
      {"42", 1, IMAX, 42, false},
      {" 42", 1, IMAX, 42, false},
      {"42 ", 1, IMAX, 42, false},
      {"\t 42 \t", 1, IMAX, 42, false},
      {"+42", 1, IMAX, 42, false},
      {"007", 1, IMAX, 7, false},
      {"0", 0, IMAX, 0, false},
      {"2147483647", 1, IMAX, IMAX, false},
      {"1", 1, 1, 1, false},
      {" ", 1, IMAX, DEF, true},
      {"\t", 1, IMAX, DEF, true},
      {"abc", 1, IMAX, DEF, true},
      {"12abc", 1, IMAX, DEF, true},
      {"abc12", 1, IMAX, DEF, true},
      {"4 2", 1, IMAX, DEF, true},
      {"-1", 1, IMAX, DEF, true},
      {"-0", 0, IMAX, DEF, true},
      {"+", 1, IMAX, DEF, true},
      {"++1", 1, IMAX, DEF, true},
      {"+-1", 1, IMAX, DEF, true},
      {"+ 1", 1, IMAX, DEF, true},
      {"0x10", 1, IMAX, DEF, true},
      {"1.5", 1, IMAX, DEF, true},
      {"1e3", 1, IMAX, DEF, true},
      {"1,000", 1, IMAX, DEF, true},
      {"2147483648", 1, IMAX, DEF, true},
      {"4294967295", 1, IMAX, DEF, true},
      {"4294967296", 1, IMAX, DEF, true},
      {"99999999999999999999999999", 1, IMAX, DEF, true},
      {"0", 1, IMAX, DEF, true},
      {"9", 10, 20, DEF, true},
      {"21", 10, 20, DEF, true},
      {"10", 10, 20, 10, false},
      {"20", 10, 20, 20, false},
      /* max above INT32_MAX is capped at INT32_MAX */
      {"3000000000", 0, UINT32_MAX, DEF, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const uint_case *c = &cases[i];
    set_var(c->value);
    uint32_t got = otelc__env_uint(VAR, DEF, c->min, c->max);
    if (got != c->want)
      fail_msg("value '%s' in [%u, %u]: got %u",
               c->value ? c->value : "(unset)", c->min, c->max, got);
    if (c->warns)
      expect_one_warning(c->value, "using the default 2048");
    else
      expect_no_warning();
  }
}

static void test_uint_message(void **state) {
  (void)state;
  set_var("abc");
  otelc__env_uint(VAR, 2048, 1, IMAX);
  assert_string_equal(test_diag_seen.last,
                      "invalid value 'abc' for " VAR
                      " (expected an integer in [1, 2147483647]); using the "
                      "default 2048");
}

static void test_uint_opt(void **state) {
  (void)state;
  static const uint_case cases[] = {
      {NULL, 0, 0, 0, false},
      {"", 0, 0, 0, false},
      {"0", 0, 0, 0, false},
      {" 5 ", 0, 0, 5, false},
      {"2147483647", 0, 0, IMAX, false},
      {"x", 0, 0, 0, true},
      {"-1", 0, 0, 0, true},
      {"2147483648", 0, 0, 0, true},
      {"5x", 0, 0, 0, true},
      {" ", 0, 0, 0, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const uint_case *c = &cases[i];
    set_var(c->value);
    uint32_t got = 12345;
    bool ok = otelc__env_uint_opt(VAR, &got);
    bool want_ok = c->value && *c->value && !c->warns;
    assert_int_equal(ok, want_ok);
    assert_int_equal(got, want_ok ? c->want : 12345);
    if (c->warns)
      expect_one_warning(c->value, NULL);
    else
      expect_no_warning();
  }
}

/* ------------------------------------------------- durations, timeouts -- */

typedef struct ms_case {
  const char *value;
  uint32_t want;
  bool warns;
} ms_case;

static void test_duration(void **state) {
  (void)state;
  static const ms_case cases[] = {
      {NULL, 5000, false},
      {"", 5000, false},
      {"0", 0, false},
      {"1", 1, false},
      {" 250 ", 250, false},
      {"2147483647", IMAX, false},
      {"-1", 5000, true},
      {"-0", 5000, true},
      {"1s", 5000, true},
      {"1.5", 5000, true},
      {"abc", 5000, true},
      {"2147483648", 5000, true},
      {"99999999999", 5000, true},
      {" ", 5000, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const ms_case *c = &cases[i];
    set_var(c->value);
    uint32_t got = otelc__env_duration_ms(VAR, 5000);
    if (got != c->want)
      fail_msg("value '%s': got %u", c->value ? c->value : "(unset)", got);
    if (c->warns)
      expect_one_warning(c->value, "using the default 5000");
    else
      expect_no_warning();
  }
}

static void test_timeout(void **state) {
  (void)state;
  static const ms_case cases[] = {
      {NULL, 30000, false},        {"", 30000, false},
      {"0", IMAX, false},          {" 0 ", IMAX, false},
      {"10", 10, false},           {"2147483647", IMAX, false},
      {"-1", 30000, true},         {"-5", 30000, true},
      {"10ms", 30000, true},       {"abc", 30000, true},
      {"2147483648", 30000, true}, {" ", 30000, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const ms_case *c = &cases[i];
    set_var(c->value);
    uint32_t got = otelc__env_timeout_ms(VAR, 30000);
    if (got != c->want)
      fail_msg("value '%s': got %u", c->value ? c->value : "(unset)", got);
    if (c->warns)
      expect_one_warning(c->value, "using the default 30000");
    else
      expect_no_warning();
  }
}

/* --------------------------------------------------------------- double -- */

typedef struct double_case {
  const char *value;
  double want;
  bool warns;
} double_case;

static void run_double_cases(void) {
  static const double_case cases[] = {
      {NULL, 0.25, false},    {"", 0.25, false},      {"0", 0.0, false},
      {"1", 1.0, false},      {"0.5", 0.5, false},    {" .5 ", 0.5, false},
      {"1.", 1.0, false},     {"+0.75", 0.75, false}, {"1e-1", 0.1, false},
      {"5E-1", 0.5, false},   {"-0", 0.0, false},     {"0.0001", 0.0001, false},
      {"-0.1", 0.25, true},   {"1.01", 0.25, true},   {"2", 0.25, true},
      {"abc", 0.25, true},    {"nan", 0.25, true},    {"inf", 0.25, true},
      {"0x1p-1", 0.25, true}, {"1.5.2", 0.25, true},  {"0,5", 0.25, true},
      {".", 0.25, true},      {"1e", 0.25, true},     {"e1", 0.25, true},
      {" ", 0.25, true},      {"0.5x", 0.25, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const double_case *c = &cases[i];
    set_var(c->value);
    double got = otelc__env_double(VAR, 0.25, 0.0, 1.0);
    if (got != c->want)
      fail_msg("value '%s': got %g", c->value ? c->value : "(unset)", got);
    if (c->warns)
      expect_one_warning(c->value, "using the default 0.25");
    else
      expect_no_warning();
  }
}

static void test_double(void **state) {
  (void)state;
  run_double_cases();
}

/* A host program's locale must not change how "0.5" is read. */
static void test_double_locale(void **state) {
  (void)state;
  static const char *const locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE",
                                        "C.UTF-8"};
  const char *old = setlocale(LC_NUMERIC, NULL);
  char saved[64];
  snprintf(saved, sizeof saved, "%s", old ? old : "C");
  for (size_t i = 0; i < OTELC__ARRAY_LEN(locales); i++)
    if (setlocale(LC_NUMERIC, locales[i]))
      break;
  run_double_cases();
  setlocale(LC_NUMERIC, saved);
}

/* ----------------------------------------------------------------- enum -- */

static const char *const samplers[] = {"always_on", "always_off",
                                       "traceidratio"};

typedef struct enum_case {
  const char *value;
  int def;
  int want;
  bool warns;
} enum_case;

static void test_enum(void **state) {
  (void)state;
  static const enum_case cases[] = {
      {NULL, 0, 0, false},
      {NULL, -1, -1, false},
      {"", 2, 2, false},
      {"always_on", 2, 0, false},
      {"ALWAYS_OFF", 0, 1, false},
      {"Always_On", 2, 0, false},
      {"TraceIdRatio", 0, 2, false},
      {" always_off ", 0, 1, false},
      {"bogus", 0, 0, true},
      {"bogus", -1, -1, true},
      {"always", 2, 2, true},
      {"always_onx", 1, 1, true},
      {"always on", 1, 1, true},
      {" ", 1, 1, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const enum_case *c = &cases[i];
    set_var(c->value);
    int got =
        otelc__env_enum(VAR, samplers, OTELC__ARRAY_LEN(samplers), c->def);
    if (got != c->want)
      fail_msg("value '%s': got %d", c->value ? c->value : "(unset)", got);
    if (c->warns)
      expect_one_warning(c->value,
                         c->def >= 0 ? samplers[c->def] : "ignoring it");
    else
      expect_no_warning();
  }
}

static void test_enum_message(void **state) {
  (void)state;
  set_var("Bogus");
  otelc__env_enum(VAR, samplers, OTELC__ARRAY_LEN(samplers), 0);
  assert_string_equal(test_diag_seen.last,
                      "invalid value 'Bogus' for " VAR
                      " (expected one of: always_on, always_off, "
                      "traceidratio); using the default 'always_on'");
}

/* A value with control characters is still reported on one line. */
static void test_warning_one_line(void **state) {
  (void)state;
  set_var("12\n34");
  assert_int_equal(otelc__env_uint(VAR, 7, 0, 100), 7);
  assert_int_equal(test_diag_seen.count, 1);
  assert_null(strchr(test_diag_seen.last, '\n'));
  assert_non_null(strstr(test_diag_seen.last, "'12\\x0a34'"));

  /* A very long value is cut, and the message still names the variable. */
  char big[4096];
  memset(big, '9', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  set_var(big);
  assert_int_equal(otelc__env_uint(VAR, 7, 0, 100), 7);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, VAR));
  assert_non_null(strstr(test_diag_seen.last, "using the default 7"));
}

/* ---------------------------------------------------------- split_list -- */

static void expect_tokens(const char *s, size_t max, size_t want_count,
                          const char *const *want) {
  otelc__token toks[8];
  memset(toks, 0, sizeof toks);
  size_t n = otelc__split_list(s, toks, max);
  assert_int_equal(n, want_count);
  for (size_t i = 0; i < n && i < max; i++) {
    assert_int_equal(toks[i].len, strlen(want[i]));
    assert_memory_equal(toks[i].p, want[i], toks[i].len);
  }
}

static void test_split_list(void **state) {
  (void)state;
  static const char *const abc[] = {"a", "bb", "c c"};
  expect_tokens("a,bb,c c", 8, 3, abc);
  expect_tokens(" a , bb ,,\t c c\t, ,", 8, 3, abc);
  expect_tokens(",,a,,bb,,c c,,", 8, 3, abc);
  expect_tokens("a,bb,c c", 2, 3, abc); /* only two stored */
  expect_tokens("a,bb,c c", 0, 3, abc);
  expect_tokens("", 8, 0, NULL);
  expect_tokens(" , \t ,", 8, 0, NULL);
  expect_tokens(NULL, 8, 0, NULL);
  static const char *const one[] = {"tracecontext"};
  expect_tokens("tracecontext", 8, 1, one);
  assert_int_equal(otelc__split_list("a,b", NULL, 0), 2);
}

static void test_token_eq(void **state) {
  (void)state;
  otelc__token t = {"Baggage,xyz", 7};
  assert_true(otelc__token_eq(t, "baggage"));
  assert_true(otelc__token_eq(t, "BAGGAGE"));
  assert_false(otelc__token_eq(t, "bagga"));
  assert_false(otelc__token_eq(t, "baggage,"));
  assert_false(otelc__token_eq(t, "baggagex"));
  assert_false(otelc__token_eq(t, NULL));
  otelc__token empty = {"", 0};
  assert_true(otelc__token_eq(empty, ""));
  assert_false(otelc__token_eq(empty, "a"));
}

/* ------------------------------------------------------ percent_decode -- */

typedef struct pct_case {
  const char *src;
  size_t len;       /* 0: strlen(src) */
  const char *want; /* NULL: malformed */
  size_t want_len;
} pct_case;

static void test_percent_decode(void **state) {
  (void)state;
  static const pct_case cases[] = {
      {"", 0, "", 0},
      {"abc", 0, "abc", 3},
      {"a%2Cb", 0, "a,b", 3},
      {"a%2cb", 0, "a,b", 3},
      {"%3D", 0, "=", 1},
      {"%20x%20", 0, " x ", 3},
      {"%41%62%7a", 0, "Abz", 3},
      {"%25", 0, "%", 1},
      {"%2525", 0, "%25", 3},
      {"a+b", 0, "a+b", 3},
      {"%C3%A9", 0, "\xc3\xa9", 2},
      {"%00x", 0, "\0x", 2},
      {"a%2Cb", 2, NULL, 0}, /* "a%" */
      {"%", 0, NULL, 0},
      {"%2", 0, NULL, 0},
      {"%zz", 0, NULL, 0},
      {"%g0", 0, NULL, 0},
      {"%0g", 0, NULL, 0},
      {"100%", 0, NULL, 0},
      {"a%2Cb", 3, NULL, 0},
      {"%%41", 0, NULL, 0},
      {"% 41", 0, NULL, 0},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const pct_case *c = &cases[i];
    size_t len = c->len ? c->len : strlen(c->src);
    char dst[64];
    memset(dst, 'X', sizeof dst);
    size_t n = otelc__percent_decode(c->src, len, dst);
    if (!c->want) {
      if (n != (size_t)-1)
        fail_msg("'%s' (%zu bytes) should be malformed", c->src, len);
      continue;
    }
    if (n != c->want_len)
      fail_msg("'%s': got length %zu", c->src, n);
    assert_memory_equal(dst, c->want, n);
    assert_int_equal(dst[n], '\0');
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_get, teardown),
      cmocka_unit_test_teardown(test_bool, teardown),
      cmocka_unit_test_teardown(test_uint, teardown),
      cmocka_unit_test_teardown(test_uint_message, teardown),
      cmocka_unit_test_teardown(test_uint_opt, teardown),
      cmocka_unit_test_teardown(test_duration, teardown),
      cmocka_unit_test_teardown(test_timeout, teardown),
      cmocka_unit_test_teardown(test_double, teardown),
      cmocka_unit_test_teardown(test_double_locale, teardown),
      cmocka_unit_test_teardown(test_enum, teardown),
      cmocka_unit_test_teardown(test_enum_message, teardown),
      cmocka_unit_test_teardown(test_warning_one_line, teardown),
      cmocka_unit_test(test_split_list),
      cmocka_unit_test(test_token_eq),
      cmocka_unit_test(test_percent_decode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
