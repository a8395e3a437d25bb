/* A provider configured by the environment alone: OTEL_TRACES_EXPORTER
 * (lists, none, unknown names), OTEL_BSP_* and OTEL_SDK_DISABLED. */
#include <stdlib.h>

#include "test_helpers.h"
#include "trace/trace_internal.h"
#include "trace_fixture.h"

static void clear_env(void) {
  unsetenv("OTEL_TRACES_EXPORTER");
  unsetenv("OTEL_SDK_DISABLED");
  unsetenv("OTEL_BSP_MAX_QUEUE_SIZE");
  unsetenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  unsetenv("OTEL_BSP_SCHEDULE_DELAY");
  unsetenv("OTEL_BSP_EXPORT_TIMEOUT");
}

static size_t processors(otelc_tracer_provider *tp) { return tp->n_procs; }

static otelc_tracer_provider *from_env(const char *exporters,
                                       const char *default_exporter) {
  if (exporters)
    setenv("OTEL_TRACES_EXPORTER", exporters, 1);
  else
    unsetenv("OTEL_TRACES_EXPORTER");
  otelc_tracer_provider *tp = NULL;
  assert_int_equal(otelc_tracer_provider_new_from_env(default_exporter, &tp),
                   OTELC_OK);
  return tp;
}

static void test_console_and_none(void **state) {
  (void)state;
  clear_env();
  otelc_tracer_provider *tp = from_env("console", NULL);
  assert_int_equal(processors(tp), 1);
  otelc_tracer_provider_free(tp);
  tp = from_env("none", NULL);
  assert_int_equal(processors(tp), 0);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "x"});
  assert_false(otelc_tracer_enabled(t));
  otelc_tracer_provider_free(tp);
}

static void test_lists_are_deduplicated_and_case_insensitive(void **state) {
  (void)state;
  clear_env();
  otelc_tracer_provider *tp = from_env(" Console , CONSOLE,none ", NULL);
  assert_int_equal(processors(tp), 1);
  otelc_tracer_provider_free(tp);
}

static void test_unknown_and_unavailable_exporters_warn(void **state) {
  (void)state;
  clear_env();
  test_diag_capture();
  otelc_tracer_provider *tp = from_env("bogus,console", NULL);
  assert_int_equal(processors(tp), 1);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "OTEL_TRACES_EXPORTER"));
  assert_non_null(strstr(test_diag_seen.last, "bogus"));
  otelc_tracer_provider_free(tp);
  test_diag_capture();
  tp = from_env("otlp", NULL);
  assert_int_equal(processors(tp), 0);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "otlp"));
  otelc_tracer_provider_free(tp);
  test_diag_release();
}

static void test_default_exporter_when_unset(void **state) {
  (void)state;
  clear_env();
  otelc_tracer_provider *tp = from_env(NULL, "console");
  assert_int_equal(processors(tp), 1);
  otelc_tracer_provider_free(tp);
  setenv("OTEL_TRACES_EXPORTER", "", 1); /* empty means unset */
  tp = NULL;
  assert_int_equal(otelc_tracer_provider_new_from_env("none", &tp),
                   OTELC_OK);
  assert_int_equal(processors(tp), 0);
  otelc_tracer_provider_free(tp);
  clear_env();
}

static void test_bsp_settings_reach_the_processor(void **state) {
  (void)state;
  clear_env();
  setenv("OTEL_BSP_MAX_QUEUE_SIZE", "100", 1);
  setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500", 1); /* above the queue */
  test_diag_capture();
  otelc_tracer_provider *tp = from_env("console", NULL);
  assert_int_equal(test_diag_seen.count, 1); /* batch > queue reported */
  test_diag_release();
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(tp->procs[0], &st);
  assert_int_equal(st.queue_capacity, 100);
  otelc_tracer_provider_free(tp);

  otelc_batch_opts o;
  setenv("OTEL_BSP_SCHEDULE_DELAY", "250", 1);
  setenv("OTEL_BSP_EXPORT_TIMEOUT", "0", 1); /* no limit */
  unsetenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  otelc_batch_opts_from_env(&o);
  assert_int_equal(o.schedule_delay_ms, 250);
  assert_int_equal(o.export_timeout_ms, INT32_MAX);
  assert_int_equal(o.max_queue_size, 100);
  assert_int_equal(o.max_export_batch_size, 100);
  test_diag_capture();
  setenv("OTEL_BSP_MAX_QUEUE_SIZE", "0", 1); /* must be > 0 */
  setenv("OTEL_BSP_SCHEDULE_DELAY", "-5", 1);
  otelc_batch_opts_from_env(&o);
  assert_int_equal(test_diag_seen.count, 2);
  assert_int_equal(o.max_queue_size, 2048);
  assert_int_equal(o.schedule_delay_ms, 5000);
  test_diag_release();
  clear_env();
}

static void test_disabled_sdk_from_env(void **state) {
  (void)state;
  clear_env();
  setenv("OTEL_SDK_DISABLED", "true", 1);
  otelc_tracer_provider *tp = from_env("console", NULL);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "x"});
  assert_false(otelc_tracer_enabled(t));
  otelc_tracer_provider_free(tp);
  clear_env();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_console_and_none),
      cmocka_unit_test(test_lists_are_deduplicated_and_case_insensitive),
      cmocka_unit_test(test_unknown_and_unavailable_exporters_warn),
      cmocka_unit_test(test_default_exporter_when_unset),
      cmocka_unit_test(test_bsp_settings_reach_the_processor),
      cmocka_unit_test(test_disabled_sdk_from_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
