/* The logger provider: loggers per scope, OTEL_SDK_DISABLED (allocates
 * nothing), the OTEL_LOGS_EXPORTER registry, the global provider and the
 * proxies that follow it, and freeing. */
#include <stdlib.h>

#include "common/internal.h"
#include "logs_fixture.h"
#include "test_helpers.h"

static void test_same_scope_same_logger(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_scope_info a = {"lib", "1.0", NULL, NULL, 0};
  otelc_scope_info a2 = {"lib", "1.0", NULL, NULL, 0};
  otelc_scope_info b = {"lib", "2.0", NULL, NULL, 0};
  otelc_scope_info c = {"lib", "1.0", "https://schema", NULL, 0};
  otelc_logger *la = otelc_logger_provider_get_logger(f.lp, &a);
  assert_ptr_equal(la, otelc_logger_provider_get_logger(f.lp, &a2));
  assert_ptr_not_equal(la, otelc_logger_provider_get_logger(f.lp, &b));
  assert_ptr_not_equal(la, otelc_logger_provider_get_logger(f.lp, &c));
  /* Scope strings and attributes are copied. */
  char name[] = "scoped";
  otelc_attr sa = OTELC_STR("scope.attr", "v");
  otelc_scope_info d = {name, NULL, NULL, &sa, 1};
  otelc_logger *ld = otelc_logger_provider_get_logger(f.lp, &d);
  name[0] = 'X';
  lfix_emit(ld, 9, "x");
  const otelc_log_data *rd = lfix_get(&f, 0);
  assert_string_equal(rd->scope->name, "scoped");
  assert_int_equal(rd->scope->n_attrs, 1);
  assert_string_equal(rd->scope->attrs[0].key, "scope.attr");
  lfix_free(&f);
}

static void test_sdk_disabled_allocates_nothing(void **state) {
  (void)state;
  setenv("OTEL_SDK_DISABLED", "true", 1);
  setenv("OTEL_LOGS_EXPORTER", "console", 1);
  unsigned long before = otelc__alloc_calls();
  otelc_logger_provider *lp = NULL, *lp2 = NULL;
  assert_int_equal(otelc_logger_provider_new(NULL, &lp), OTELC_OK);
  assert_non_null(lp);
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp2), OTELC_OK);
  assert_non_null(lp2);
  otelc_logger *l = otelc_logger_provider_get_logger(
      lp, &(otelc_scope_info){.name = "disabled"});
  assert_non_null(l);
  assert_false(otelc_logger_enabled(l, OTELC_SEVERITY_FATAL, NULL));
  otelc_attr a = OTELC_STR("k", "v");
  otelc_log_emit e = {
      .severity = 9, .body_str = "x", .attrs = &a, .n_attrs = 1};
  for (int i = 0; i < 100; i++)
    assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
  assert_int_equal(otelc_logger_provider_force_flush(lp, 100), OTELC_OK);
  assert_int_equal(otelc_logger_provider_shutdown(lp, 100), OTELC_OK);
  otelc_logger_provider_free(lp);
  otelc_logger_provider_free(lp2);
  assert_int_equal(otelc__alloc_calls(), before);
  unsetenv("OTEL_SDK_DISABLED");
  unsetenv("OTEL_LOGS_EXPORTER");
}

static void test_sdk_disabled_frees_given_processors(void **state) {
  (void)state;
  otelc_log_exporter *mem = NULL;
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_memory_log_exporter_new(&mem), OTELC_OK);
  assert_int_equal(otelc_simple_log_processor_new(mem, &p), OTELC_OK);
  setenv("OTEL_SDK_DISABLED", "TRUE", 1);
  otelc_logger_provider_opts o = {.processors = &p, .n_processors = 1};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  unsetenv("OTEL_SDK_DISABLED");
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  assert_false(otelc_logger_enabled(l, 9, NULL));
  otelc_logger_provider_free(lp); /* leak checkers verify p was freed */
}

/* ----------------------------------------------------------- registry -- */

static int factory_calls;
static otelc_log_exporter *made; /* the last exporter the factory made */

static otelc_status test_factory(otelc_log_exporter **out) {
  factory_calls++;
  otelc_status st = otelc_memory_log_exporter_new(out);
  made = *out;
  return st;
}

static otelc_status failing_factory(otelc_log_exporter **out) {
  *out = NULL;
  return OTELC_ERR_IO;
}

static void test_env_registry(void **state) {
  (void)state;
  assert_int_equal(otelc_log_exporter_register("test-mem", test_factory),
                   OTELC_OK);
  assert_int_equal(otelc_log_exporter_register("broken", failing_factory),
                   OTELC_OK);
  assert_int_equal(otelc_log_exporter_register(NULL, test_factory),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_log_exporter_register("", test_factory),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_log_exporter_register("x", NULL),
                   OTELC_ERR_INVALID_ARG);

  /* A list: duplicates made once (names match case-insensitively),
   * "none" ignored, unknown and failing names reported. */
  setenv("OTEL_LOGS_EXPORTER", " test-mem , none, bogus,TEST-MEM,broken", 1);
  factory_calls = 0;
  test_diag_capture();
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new_from_env("console", &lp),
                   OTELC_OK);
  assert_int_equal(factory_calls, 1);
  assert_int_equal(test_diag_seen.count, 2);
  assert_non_null(strstr(test_diag_seen.last, "broken"));
  test_diag_release();
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  assert_true(otelc_logger_enabled(l, 9, NULL));
  lfix_emit(l, 9, "through the env");
  assert_int_equal(otelc_logger_provider_force_flush(lp, 5000), OTELC_OK);
  assert_int_equal(otelc_memory_log_exporter_count(made), 1);
  otelc_logger_provider_free(lp);

  /* "none" alone: nothing is kept. */
  setenv("OTEL_LOGS_EXPORTER", "none", 1);
  assert_int_equal(otelc_logger_provider_new_from_env("test-mem", &lp),
                   OTELC_OK);
  assert_false(otelc_logger_enabled(
      otelc_logger_provider_get_logger(lp, &lfix_scope), 9, NULL));
  otelc_logger_provider_free(lp);

  /* Unset: the default given. */
  unsetenv("OTEL_LOGS_EXPORTER");
  factory_calls = 0;
  assert_int_equal(otelc_logger_provider_new_from_env("test-mem", &lp),
                   OTELC_OK);
  assert_int_equal(factory_calls, 1);
  otelc_logger_provider_free(lp);

  /* A factory registered again replaces the first. */
  assert_int_equal(otelc_log_exporter_register("Test-Mem", failing_factory),
                   OTELC_OK);
  setenv("OTEL_LOGS_EXPORTER", "test-mem", 1);
  factory_calls = 0;
  test_diag_capture();
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp), OTELC_OK);
  assert_int_equal(factory_calls, 0);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
  otelc_logger_provider_free(lp);
  unsetenv("OTEL_LOGS_EXPORTER");
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
}

static void test_env_default_otlp_missing_warns_once(void **state) {
  (void)state;
  unsetenv("OTEL_LOGS_EXPORTER");
  test_diag_capture();
  otelc_logger_provider *lp = NULL;
  /* NULL default means "otlp", which only otelc_otlp registers. */
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp), OTELC_OK);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "otlp"));
  assert_false(otelc_logger_enabled(
      otelc_logger_provider_get_logger(lp, &lfix_scope), 9, NULL));
  otelc_logger_provider_free(lp);
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp), OTELC_OK);
  assert_int_equal(test_diag_seen.count, 1); /* once only */
  otelc_logger_provider_free(lp);
  test_diag_release();
}

static void test_env_builtin_exporters(void **state) {
  (void)state;
  /* "console" and "otlp/stdout" are there without registering. */
  setenv("OTEL_LOGS_EXPORTER", "console,otlp/stdout", 1);
  test_diag_capture();
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp), OTELC_OK);
  assert_int_equal(test_diag_seen.count, 0);
  test_diag_release();
  assert_true(otelc_logger_enabled(
      otelc_logger_provider_get_logger(lp, &lfix_scope), 9, NULL));
  otelc_logger_provider_free(lp);
  unsetenv("OTEL_LOGS_EXPORTER");
}

/* -------------------------------------------------------------- global -- */

static void test_global_provider_switching(void **state) {
  (void)state;
  lfix a, b;
  lfix_init(&a);
  lfix_init(&b);
  otelc_logger_provider_set_global(NULL);
  otelc_logger *proxy = otelc_logger_get("global.lib", "3.1");
  assert_non_null(proxy);
  assert_ptr_equal(proxy, otelc_logger_get("global.lib", "3.1"));
  assert_null(otelc_logger_provider_global());
  assert_false(otelc_logger_enabled(proxy, 9, NULL));
  assert_int_equal(lfix_emit(proxy, 9, "nowhere"), OTELC_OK);

  otelc_logger_provider_set_global(a.lp);
  assert_ptr_equal(otelc_logger_provider_global(), a.lp);
  assert_true(otelc_logger_enabled(proxy, 9, NULL));
  lfix_emit(proxy, 9, "to a");
  otelc_logger_provider_set_global(b.lp);
  lfix_emit(proxy, 9, "to b");
  otelc_logger_provider_set_global(NULL);
  lfix_emit(proxy, 9, "nowhere again");

  assert_int_equal(lfix_count(&a), 1);
  assert_int_equal(lfix_count(&b), 1);
  const otelc_log_data *d = lfix_get(&a, 0);
  assert_string_equal(d->body.u.str, "to a");
  assert_string_equal(d->scope->name, "global.lib");
  assert_string_equal(d->scope->version, "3.1");
  assert_string_equal(lfix_get(&b, 0)->body.u.str, "to b");
  lfix_free(&a);
  lfix_free(&b);
}

static void test_freeing_the_global_provider_unsets_it(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_logger_provider_set_global(f.lp);
  test_diag_capture();
  otelc_logger_provider_free(f.lp);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
  assert_null(otelc_logger_provider_global());
  otelc_tracer_provider_free(f.tp);
  /* A proxy now has nowhere to go and keeps nothing. */
  assert_int_equal(lfix_emit(otelc_logger_get("after", NULL), 9, "x"),
                   OTELC_OK);
}

static void test_provider_without_resource_makes_one(void **state) {
  (void)state;
  otelc_log_exporter *mem = NULL;
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_memory_log_exporter_new(&mem), OTELC_OK);
  assert_int_equal(otelc_simple_log_processor_new(mem, &p), OTELC_OK);
  otelc_logger_provider_opts o = {.processors = &p, .n_processors = 1};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  lfix_emit(otelc_logger_provider_get_logger(lp, &lfix_scope), 9, "x");
  const otelc_log_data *d =
      otelc_log_record_data(otelc_memory_log_exporter_get(mem, 0));
  const otelc_value *sdk =
      otelc_resource_get(d->resource, "telemetry.sdk.name");
  assert_non_null(sdk);
  otelc_logger_provider_free(lp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_scope_same_logger),
      cmocka_unit_test(test_sdk_disabled_allocates_nothing),
      cmocka_unit_test(test_sdk_disabled_frees_given_processors),
      cmocka_unit_test(test_env_registry),
      cmocka_unit_test(test_env_default_otlp_missing_warns_once),
      cmocka_unit_test(test_env_builtin_exporters),
      cmocka_unit_test(test_global_provider_switching),
      cmocka_unit_test(test_freeing_the_global_provider_unsets_it),
      cmocka_unit_test(test_provider_without_resource_makes_one),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
