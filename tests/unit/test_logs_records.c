/* What a record holds: its fields, every kind of body (deep-copied), the
 * attribute limits and dropped counts, the depth limit, exception
 * attributes, and the record pool. */
#include <stdlib.h>

#include "common/internal.h"
#include "logs_fixture.h"
#include "test_helpers.h"

static void init_limited(lfix *f, uint32_t count, uint32_t length) {
  otelc_logger_provider_opts o = {0};
  otelc_log_limits lim = {count, length};
  o.limits = &lim;
  lfix_init_opts(f, &o);
}

static void test_fields_are_copied(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  char text[] = "Informational", event[] = "app.started";
  otelc_log_emit e = {0};
  e.timestamp = 1700000000000000001ull;
  e.observed_timestamp = 1700000000000000002ull;
  e.severity = OTELC_SEVERITY_INFO + 1;
  e.severity_text = text;
  e.body_str = "started";
  e.event_name = event;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  memset(text, 'x', sizeof text - 1);
  memset(event, 'x', sizeof event - 1);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_int_equal(d->timestamp, 1700000000000000001ull);
  assert_int_equal(d->observed_timestamp, 1700000000000000002ull);
  assert_int_equal(d->severity, 10);
  assert_string_equal(d->severity_text, "Informational");
  assert_string_equal(d->event_name, "app.started");
  assert_int_equal(d->body.type, OTELC_VALUE_STRING);
  assert_int_equal(d->body.len, 7);
  assert_string_equal(d->scope->name, "test.logs");
  assert_string_equal(d->scope->version, "1.0");
  const otelc_value *svc = otelc_resource_get(d->resource, "service.name");
  assert_non_null(svc);
  assert_string_equal(svc->u.str, "logs-test");
  lfix_free(&f);
}

static void test_observed_timestamp_defaults_to_now(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  uint64_t before = otelc_time_now();
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_INFO, NULL), OTELC_OK);
  uint64_t after = otelc_time_now();
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_int_equal(d->timestamp, 0);
  assert_true(d->observed_timestamp >= before);
  assert_true(d->observed_timestamp <= after);
  assert_null(d->severity_text);
  assert_null(d->event_name);
  assert_int_equal(d->body.type, OTELC_VALUE_EMPTY);
  assert_int_equal(d->n_attrs, 0);
  lfix_free(&f);
}

static void emit_body(lfix *f, const otelc_value *v) {
  otelc_log_emit e = {.severity = OTELC_SEVERITY_INFO, .body = v};
  assert_int_equal(otelc_logger_emit(f->logger, &e), OTELC_OK);
}

static void test_body_of_every_kind_deep_copied(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  char str[] = "hello world";
  char s1[] = "a", s2[] = "bc";
  const char *strs[] = {s1, s2};
  bool bools[] = {true, false, true};
  int64_t ints[] = {-1, 0, 42};
  double doubles[] = {0.5, -2.25};
  uint8_t bytes[] = {0, 1, 0xfe, 0xff};
  char mk[] = "k";
  otelc_value inner[] = {{OTELC_VALUE_INT, 0, {.i = 7}},
                         {OTELC_VALUE_STRING, OTELC_NTS, {.str = str}}};
  otelc_attr kvs[] = {{mk, {OTELC_VALUE_ARRAY, 2, {.values = inner}}},
                      {"b", {OTELC_VALUE_BOOL, 0, {.b = true}}}};
  const otelc_value bodies[] = {
      {OTELC_VALUE_STRING, 5, {.str = str}}, /* explicit length */
      {OTELC_VALUE_STRING, OTELC_NTS, {.str = str}},
      {OTELC_VALUE_BOOL, 0, {.b = true}},
      {OTELC_VALUE_INT, 0, {.i = INT64_MIN}},
      {OTELC_VALUE_DOUBLE, 0, {.d = 3.5}},
      {OTELC_VALUE_BYTES, sizeof bytes, {.bytes = bytes}},
      {OTELC_VALUE_STRING_ARRAY, 2, {.strs = strs}},
      {OTELC_VALUE_BOOL_ARRAY, 3, {.bools = bools}},
      {OTELC_VALUE_INT_ARRAY, 3, {.ints = ints}},
      {OTELC_VALUE_DOUBLE_ARRAY, 2, {.doubles = doubles}},
      {OTELC_VALUE_ARRAY, 2, {.values = inner}},
      {OTELC_VALUE_MAP, 2, {.kvs = kvs}},
      {OTELC_VALUE_EMPTY, 0, {.i = 0}},
  };
  size_t n = sizeof bodies / sizeof bodies[0];
  for (size_t i = 0; i < n; i++)
    emit_body(&f, &bodies[i]);
  /* Change every source: the records must not notice. */
  memset(str, 'z', sizeof str - 1);
  s1[0] = s2[0] = 'z';
  bools[0] = false;
  ints[2] = 0;
  doubles[0] = 9;
  bytes[0] = 9;
  mk[0] = 'z';
  inner[0].u.i = 0;
  assert_int_equal(lfix_count(&f), n);

  const otelc_log_data *d = lfix_get(&f, 0);
  assert_int_equal(d->body.len, 5);
  assert_string_equal(d->body.u.str, "hello");
  d = lfix_get(&f, 1);
  assert_int_equal(d->body.len, 11); /* measured, never OTELC_NTS */
  assert_string_equal(d->body.u.str, "hello world");
  assert_true(lfix_get(&f, 2)->body.u.b);
  assert_true(lfix_get(&f, 3)->body.u.i == INT64_MIN);
  assert_true(lfix_get(&f, 4)->body.u.d == 3.5);
  d = lfix_get(&f, 5);
  assert_int_equal(d->body.type, OTELC_VALUE_BYTES);
  assert_memory_equal(d->body.u.bytes, "\x00\x01\xfe\xff", 4);
  d = lfix_get(&f, 6);
  assert_int_equal(d->body.len, 2);
  assert_string_equal(d->body.u.strs[0], "a");
  assert_string_equal(d->body.u.strs[1], "bc");
  d = lfix_get(&f, 7);
  assert_true(d->body.u.bools[0] && !d->body.u.bools[1]);
  d = lfix_get(&f, 8);
  assert_true(d->body.u.ints[2] == 42);
  d = lfix_get(&f, 9);
  assert_true(d->body.u.doubles[0] == 0.5);
  d = lfix_get(&f, 10);
  assert_int_equal(d->body.type, OTELC_VALUE_ARRAY);
  assert_true(d->body.u.values[0].u.i == 7);
  assert_string_equal(d->body.u.values[1].u.str, "hello world");
  d = lfix_get(&f, 11);
  assert_int_equal(d->body.type, OTELC_VALUE_MAP);
  assert_string_equal(d->body.u.kvs[0].key, "k");
  assert_int_equal(d->body.u.kvs[0].value.type, OTELC_VALUE_ARRAY);
  assert_true(d->body.u.kvs[0].value.u.values[0].u.i == 7);
  assert_true(d->body.u.kvs[1].value.u.b);
  assert_int_equal(lfix_get(&f, 12)->body.type, OTELC_VALUE_EMPTY);
  lfix_free(&f);
}

static void test_body_str_shorthand_and_precedence(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_value v = {OTELC_VALUE_INT, 0, {.i = 5}};
  otelc_log_emit e = {.body = &v, .body_str = "ignored"};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  e.body = NULL;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  assert_int_equal(lfix_get(&f, 0)->body.type, OTELC_VALUE_INT);
  assert_int_equal(lfix_get(&f, 1)->body.type, OTELC_VALUE_STRING);
  assert_string_equal(lfix_get(&f, 1)->body.u.str, "ignored");
  /* A body of unknown type is rejected and nothing is emitted. */
  otelc_value bad = {(otelc_value_type)99, 0, {.i = 0}};
  e.body = &bad;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_ERR_INVALID_ARG);
  assert_int_equal(lfix_count(&f), 2);
  lfix_free(&f);
}

static void test_body_depth_limit(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  /* 70 arrays nested in each other around an int. */
  enum { DEPTH = 70 };
  otelc_value levels[DEPTH + 1];
  levels[DEPTH] = (otelc_value){OTELC_VALUE_INT, 0, {.i = 1}};
  for (int i = DEPTH - 1; i >= 0; i--)
    levels[i] = (otelc_value){OTELC_VALUE_ARRAY, 1, {.values = &levels[i + 1]}};
  emit_body(&f, &levels[0]);
  const otelc_value *v = &lfix_get(&f, 0)->body;
  int depth = 0;
  while (v->type == OTELC_VALUE_ARRAY) {
    v = &v->u.values[0];
    depth++;
  }
  /* The innermost levels beyond 64 became empty. */
  assert_int_equal(depth, 64);
  assert_int_equal(v->type, OTELC_VALUE_EMPTY);
  lfix_free(&f);
}

static void test_attribute_count_limit_and_dropped(void **state) {
  (void)state;
  lfix f;
  init_limited(&f, 3, UINT32_MAX);
  otelc_attr attrs[] = {OTELC_INT("a", 1),  OTELC_INT("b", 2),
                        OTELC_INT("a", 10), /* replaces: not dropped */
                        OTELC_INT("c", 3),  OTELC_INT("d", 4),
                        OTELC_STR("e", "5")};
  otelc_log_emit e = {.attrs = attrs, .n_attrs = 6};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_int_equal(d->n_attrs, 3);
  assert_int_equal(d->dropped_attrs, 2);
  assert_true(lfix_attr(d, "a")->u.i == 10);
  assert_non_null(lfix_attr(d, "b"));
  assert_non_null(lfix_attr(d, "c"));
  assert_null(lfix_attr(d, "d"));
  lfix_free(&f);
}

static void test_attribute_value_length_limit(void **state) {
  (void)state;
  lfix f;
  init_limited(&f, 128, 3);
  const char *arr[] = {"abcdef", "xy"};
  /* "é" is 2 bytes: 3 characters of "aéééé" are 5 bytes. */
  otelc_attr attrs[] = {OTELC_STR("s", "abcdef"),
                        OTELC_STR("u", "a\xc3\xa9\xc3\xa9\xc3\xa9"),
                        OTELC_STR_ARRAY("arr", arr, 2),
                        OTELC_BYTES("b", "12345", 5), OTELC_INT("i", 123456)};
  otelc_log_emit e = {.attrs = attrs, .n_attrs = 5, .body_str = "long body"};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_string_equal(lfix_attr(d, "s")->u.str, "abc");
  assert_int_equal(lfix_attr(d, "s")->len, 3);
  assert_string_equal(lfix_attr(d, "u")->u.str, "a\xc3\xa9\xc3\xa9");
  assert_string_equal(lfix_attr(d, "arr")->u.strs[0], "abc");
  assert_string_equal(lfix_attr(d, "arr")->u.strs[1], "xy");
  assert_int_equal(lfix_attr(d, "b")->len, 3);
  assert_true(lfix_attr(d, "i")->u.i == 123456);
  assert_int_equal(d->dropped_attrs, 0);
  /* Limits do not apply to the body. */
  assert_string_equal(d->body.u.str, "long body");
  lfix_free(&f);
}

static void test_limits_from_env(void **state) {
  (void)state;
  otelc_log_limits l;
  unsetenv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT");
  unsetenv("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT");
  unsetenv("OTEL_ATTRIBUTE_COUNT_LIMIT");
  unsetenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT");
  otelc_log_limits_from_env(&l);
  assert_int_equal(l.attr_count, 128);
  assert_int_equal(l.attr_value_length, UINT32_MAX);

  setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "7", 1);
  setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20", 1);
  otelc_log_limits_from_env(&l);
  assert_int_equal(l.attr_count, 7);
  assert_int_equal(l.attr_value_length, 20);

  setenv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "5", 1);
  setenv("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0", 1);
  otelc_log_limits_from_env(&l);
  assert_int_equal(l.attr_count, 5);
  assert_int_equal(l.attr_value_length, 0);

  /* An invalid specific value is reported and the general one used. */
  test_diag_capture();
  setenv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "-1", 1);
  otelc_log_limits_from_env(&l);
  assert_int_equal(l.attr_count, 7);
  assert_true(test_diag_seen.count >= 1);
  assert_non_null(strstr(test_diag_seen.last, "OTEL_LOGRECORD_ATTRIBUTE"));
  test_diag_release();

  /* A provider without limits reads them from the environment. */
  setenv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "1", 1);
  lfix f;
  otelc_logger_provider_opts o = {0};
  lfix_init_opts(&f, &o);
  otelc_attr attrs[] = {OTELC_INT("a", 1), OTELC_INT("b", 2)};
  otelc_log_emit e = {.attrs = attrs, .n_attrs = 2};
  otelc_logger_emit(f.logger, &e);
  assert_int_equal(lfix_get(&f, 0)->n_attrs, 1);
  assert_int_equal(lfix_get(&f, 0)->dropped_attrs, 1);
  lfix_free(&f);
  unsetenv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT");
  unsetenv("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT");
  unsetenv("OTEL_ATTRIBUTE_COUNT_LIMIT");
  unsetenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT");
}

static void test_many_attributes_and_big_body_use_heap(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  enum { N = 40 };
  otelc_attr attrs[N];
  char keys[N][8];
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    attrs[i] = OTELC_INT(keys[i], i);
  }
  char *big = malloc(10000);
  memset(big, 'b', 9999);
  big[9999] = '\0';
  otelc_log_emit e = {.attrs = attrs, .n_attrs = N, .body_str = big};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  free(big);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_int_equal(d->n_attrs, N);
  assert_true(lfix_attr(d, "k39")->u.i == 39);
  assert_int_equal(d->body.len, 9999);
  assert_int_equal(d->body.u.str[9998], 'b');
  lfix_free(&f); /* leak checkers verify the heap parts are freed */
}

static void test_exception_attributes(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_log_emit e = {.severity = OTELC_SEVERITY_ERROR,
                      .body_str = "failed",
                      .exception_type = "IOError",
                      .exception_message = "disk full",
                      .exception_stacktrace = "at main()"};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  /* The caller's own exception.type wins; the others are still set. */
  otelc_attr mine[] = {OTELC_STR("exception.type", "MyError"),
                       OTELC_INT("n", 1)};
  e.attrs = mine;
  e.n_attrs = 2;
  e.exception_stacktrace = NULL;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);

  const otelc_log_data *d = lfix_get(&f, 0);
  assert_int_equal(d->n_attrs, 3);
  assert_string_equal(lfix_attr(d, "exception.type")->u.str, "IOError");
  assert_string_equal(lfix_attr(d, "exception.message")->u.str, "disk full");
  assert_string_equal(lfix_attr(d, "exception.stacktrace")->u.str, "at main()");
  d = lfix_get(&f, 1);
  assert_int_equal(d->n_attrs, 3);
  assert_string_equal(lfix_attr(d, "exception.type")->u.str, "MyError");
  assert_string_equal(lfix_attr(d, "exception.message")->u.str, "disk full");
  assert_null(lfix_attr(d, "exception.stacktrace"));
  lfix_free(&f);
}

static void test_invalid_arguments(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_log_emit e = {.severity = 25};
  assert_int_equal(otelc_logger_emit(NULL, &e), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_logger_emit(f.logger, NULL), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_ERR_INVALID_ARG);
  e.severity = -1;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_ERR_INVALID_ARG);
  e.severity = 0;
  e.n_attrs = 1;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_ERR_INVALID_ARG);
  /* An attribute with an empty key is skipped; the record is kept. */
  otelc_attr attrs[] = {OTELC_INT("", 1), OTELC_INT("ok", 2)};
  e.attrs = attrs;
  e.n_attrs = 2;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  assert_int_equal(lfix_count(&f), 1);
  assert_int_equal(lfix_get(&f, 0)->n_attrs, 1);
  assert_null(otelc_log_record_data(NULL));
  lfix_free(&f);
}

static void test_out_of_memory_emits_nothing(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  char *big = malloc(5000);
  memset(big, 'm', 4999);
  big[4999] = '\0';
  otelc_log_emit e = {.body_str = big};
  /* Warm the pool so that only the body's arena chunk allocates. */
  assert_int_equal(otelc_logger_emit(f.logger, &(otelc_log_emit){0}), OTELC_OK);
  otelc_memory_log_exporter_clear(f.mem);
  otelc__alloc_fail_after(0);
  otelc_status st = otelc_logger_emit(f.logger, &e);
  otelc__alloc_fail_after(-1);
  assert_int_equal(st, OTELC_ERR_NOMEM);
  assert_int_equal(lfix_count(&f), 0);
  free(big);
  lfix_free(&f);
}

/* A processor that does nothing, to measure the emitting path alone. */
static void nothing(void *self, otelc_log_record *r, const otelc_context *c) {
  (void)self;
  (void)r;
  (void)c;
}

static void test_steady_state_allocates_nothing(void **state) {
  (void)state;
  static const otelc_log_processor_ops ops = {nothing, NULL, NULL, NULL};
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_log_processor_new(&ops, NULL, &p), OTELC_OK);
  otelc_log_limits lim = {128, UINT32_MAX};
  otelc_logger_provider_opts o = {
      .processors = &p, .n_processors = 1, .limits = &lim};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  otelc_logger *l = otelc_logger_provider_get_logger(
      lp, &(otelc_scope_info){.name = "steady"});
  otelc_attr attrs[] = {OTELC_STR("http.route", "/api/v1/users/{id}"),
                        OTELC_INT("http.status_code", 200)};
  otelc_log_emit e = {.severity = OTELC_SEVERITY_INFO,
                      .body_str = "request handled",
                      .attrs = attrs,
                      .n_attrs = 2};
  for (int i = 0; i < 100; i++)
    assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
  unsigned long before = otelc__alloc_calls();
  for (int i = 0; i < 10000; i++)
    otelc_logger_emit(l, &e);
  assert_int_equal(otelc__alloc_calls(), before);
  otelc_logger_provider_free(lp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields_are_copied),
      cmocka_unit_test(test_observed_timestamp_defaults_to_now),
      cmocka_unit_test(test_body_of_every_kind_deep_copied),
      cmocka_unit_test(test_body_str_shorthand_and_precedence),
      cmocka_unit_test(test_body_depth_limit),
      cmocka_unit_test(test_attribute_count_limit_and_dropped),
      cmocka_unit_test(test_attribute_value_length_limit),
      cmocka_unit_test(test_limits_from_env),
      cmocka_unit_test(test_many_attributes_and_big_body_use_heap),
      cmocka_unit_test(test_exception_attributes),
      cmocka_unit_test(test_invalid_arguments),
      cmocka_unit_test(test_out_of_memory_emits_nothing),
      cmocka_unit_test(test_steady_state_allocates_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
