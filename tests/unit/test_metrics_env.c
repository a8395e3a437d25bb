/* Configuration from the environment: OTEL_SDK_DISABLED (a no-op provider
 * that allocates nothing), OTEL_METRICS_EXEMPLAR_FILTER, and
 * OTEL_METRICS_EXPORTER with the reader registry. */
#include <stdlib.h>

#include "common/internal.h"
#include "metrics/metrics_internal.h"
#include "test_metrics_fixture.h"

static int pull_shutdowns, pull_destroys;
static otelc_status count_shutdown(void *self, uint32_t ms) {
  (void)self;
  (void)ms;
  pull_shutdowns++;
  return OTELC_OK;
}
static void count_destroy(void *self) {
  (void)self;
  pull_destroys++;
}
static const otelc_pull_reader_ops counted = {count_shutdown, count_destroy};

static void test_sdk_disabled_is_noop(void **state) {
  (void)state;
  pull_shutdowns = pull_destroys = 0;
  otelc_metric_reader *r = NULL;
  assert_int_equal(otelc_pull_reader_new(&counted, NULL, NULL, &r), OTELC_OK);
  setenv("OTEL_SDK_DISABLED", "true", 1);
  otelc_meter_provider *mp = NULL;
  assert_int_equal(
      otelc_meter_provider_new(
          &(otelc_meter_provider_opts){.readers = &r, .n_readers = 1}, &mp),
      OTELC_OK);
  unsetenv("OTEL_SDK_DISABLED");
  assert_non_null(mp);
  /* The readers handed over were shut down and freed. */
  assert_int_equal(pull_shutdowns, 1);
  assert_int_equal(pull_destroys, 1);
  unsigned long before = otelc__alloc_calls();
  otelc_meter *m =
      otelc_meter_provider_get_meter(mp, &(otelc_scope_info){.name = "x"});
  otelc_counter *c = otelc_meter_counter(m, "c", NULL);
  otelc_histogram *h = otelc_meter_histogram(m, "h", NULL);
  otelc_gauge *g = otelc_meter_gauge(m, "g", NULL);
  otelc_up_down_counter *u = otelc_meter_up_down_counter(m, "u", NULL);
  otelc_observable *o = otelc_meter_observable_gauge(m, "o", NULL, NULL, NULL);
  assert_null(otelc_meter_register_callback(m, NULL, NULL, &o, 1));
  assert_false(otelc_counter_enabled(c));
  assert_false(otelc_histogram_enabled(h));
  assert_false(otelc_gauge_enabled(g));
  assert_false(otelc_up_down_counter_enabled(u));
  for (int i = 0; i < 1000; i++) {
    otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_INT("i", i)));
    otelc_histogram_record(h, i, OTELC_ATTRS(OTELC_INT("i", i)));
    otelc_gauge_record(g, i, NULL, 0);
    otelc_up_down_counter_add(u, -1, NULL, 0);
    otelc_bound *b = otelc_counter_bind(c, OTELC_ATTRS(OTELC_INT("i", i)));
    otelc_bound_add(b, 1);
    otelc_bound_free(b);
  }
  assert_int_equal(otelc__alloc_calls(), before);
  assert_int_equal(otelc_meter_provider_force_flush(mp, 100), OTELC_OK);
  otelc_meter_provider_free(mp);
}

static void test_disabled_other_values(void **state) {
  (void)state;
  setenv("OTEL_SDK_DISABLED", "false", 1);
  mfix f;
  mfix_init(&f);
  assert_true(otelc_counter_enabled(otelc_meter_counter(f.meter, "c", NULL)));
  mfix_free(&f);
  unsetenv("OTEL_SDK_DISABLED");
}

/* Whether a measurement without any span gets an exemplar. */
static bool exemplar_without_span(otelc_exemplar_filter filter) {
  mfix f;
  mfix_init_full(&f, 1, NULL, NULL, 0, filter);
  otelc_counter_add(otelc_meter_counter(f.meter, "c", NULL), 1, NULL, 0);
  mfix_collect(&f);
  bool has = mc_get(&f.c, "c", "")->n_ex > 0;
  mfix_free(&f);
  return has;
}

static void test_exemplar_filter_env(void **state) {
  (void)state;
  unsetenv("OTEL_METRICS_EXEMPLAR_FILTER");
  assert_false(exemplar_without_span(MF_DEFAULT_FILTER));
  setenv("OTEL_METRICS_EXEMPLAR_FILTER", "ALWAYS_ON", 1);
  assert_true(exemplar_without_span(MF_DEFAULT_FILTER));
  /* Options win over the environment. */
  assert_false(exemplar_without_span(OTELC_EXEMPLAR_FILTER_TRACE_BASED));
  setenv("OTEL_METRICS_EXEMPLAR_FILTER", "always_off", 1);
  assert_false(exemplar_without_span(MF_DEFAULT_FILTER));
  assert_true(exemplar_without_span(OTELC_EXEMPLAR_FILTER_ALWAYS_ON));
  test_diag_capture();
  setenv("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes", 1);
  assert_false(exemplar_without_span(MF_DEFAULT_FILTER));
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "'sometimes'"));
  assert_non_null(strstr(test_diag_seen.last, "trace_based"));
  test_diag_release();
  unsetenv("OTEL_METRICS_EXEMPLAR_FILTER");
}

/* ------------------------------------------------------------ exporters -- */

static int made;
static otelc_status test_factory(otelc_metric_reader **out) {
  made++;
  return otelc_pull_reader_new(NULL, NULL, NULL, out);
}
static otelc_status failing_factory(otelc_metric_reader **out) {
  (void)out;
  return OTELC_ERR_IO;
}

static size_t readers_from_env(const char *value, const char *def) {
  if (value)
    setenv("OTEL_METRICS_EXPORTER", value, 1);
  else
    unsetenv("OTEL_METRICS_EXPORTER");
  otelc_meter_provider *mp = NULL;
  assert_int_equal(otelc_meter_provider_new_from_env(def, &mp), OTELC_OK);
  size_t n = 0;
  otelc__meter_provider_readers(mp, &n);
  otelc_meter_provider_free(mp);
  unsetenv("OTEL_METRICS_EXPORTER");
  return n;
}

static void test_exporter_registry(void **state) {
  (void)state;
  assert_int_equal(otelc_metric_reader_register("testexp", test_factory),
                   OTELC_OK);
  assert_int_equal(otelc_metric_reader_register("failing", failing_factory),
                   OTELC_OK);
  made = 0;
  assert_int_equal(readers_from_env("testexp", NULL), 1);
  assert_int_equal(made, 1);
  /* Lists, case, duplicates and "none". */
  made = 0;
  assert_int_equal(readers_from_env(" testexp , none,TESTEXP", NULL), 1);
  assert_int_equal(made, 1);
  assert_int_equal(readers_from_env("none", "testexp"), 0);
  /* Unset: the default. */
  made = 0;
  assert_int_equal(readers_from_env(NULL, "testexp"), 1);
  assert_int_equal(made, 1);
  test_diag_capture();
  assert_int_equal(readers_from_env("bogus,testexp", NULL), 1);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "unknown exporter 'bogus'"));
  assert_int_equal(readers_from_env("failing", NULL), 0);
  assert_int_equal(test_diag_seen.count, 2);
  assert_non_null(strstr(test_diag_seen.last, "'failing'"));
  test_diag_release();
}

static void test_otlp_default_not_linked(void **state) {
  (void)state;
  /* The OTLP library is not linked into this test: "otlp" (also the
   * default of a NULL default) is reported, once. */
  test_diag_capture();
  assert_int_equal(readers_from_env(NULL, NULL), 0);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "'otlp'"));
  assert_int_equal(readers_from_env("otlp", NULL), 0);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
}

static void test_console_built_in(void **state) {
  (void)state;
  otelc_metric_exporter *probe = NULL;
  otelc_status st = otelc_console_metric_exporter_new(NULL, &probe);
  otelc_metric_exporter_free(probe);
  test_diag_capture();
  size_t n = readers_from_env("console", NULL);
  if (st == OTELC_OK) {
    assert_int_equal(n, 1);
    assert_int_equal(test_diag_seen.count, 0);
  } else {
    /* Not available in this build: reported and skipped. */
    assert_int_equal(n, 0);
    assert_int_equal(test_diag_seen.count, 1);
    assert_non_null(strstr(test_diag_seen.last, "'console'"));
  }
  test_diag_release();
}

static void test_register_arguments(void **state) {
  (void)state;
  assert_int_equal(otelc_metric_reader_register(NULL, test_factory),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_metric_reader_register("", test_factory),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_metric_reader_register("x", NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_metric_reader_register(
                       "a-name-that-is-longer-than-31-chars", test_factory),
                   OTELC_ERR_INVALID_ARG);
  /* A later registration replaces the earlier one. */
  assert_int_equal(otelc_metric_reader_register("swap", failing_factory),
                   OTELC_OK);
  assert_int_equal(otelc_metric_reader_register("SWAP", test_factory),
                   OTELC_OK);
  made = 0;
  assert_int_equal(readers_from_env("swap", NULL), 1);
  assert_int_equal(made, 1);
  /* At most 16 names. */
  otelc_status last = OTELC_OK;
  for (int i = 0; i < 20 && last == OTELC_OK; i++) {
    char name[16];
    snprintf(name, sizeof name, "extra%d", i);
    last = otelc_metric_reader_register(name, test_factory);
  }
  assert_int_equal(last, OTELC_ERR_LIMIT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sdk_disabled_is_noop),
      cmocka_unit_test(test_disabled_other_values),
      cmocka_unit_test(test_exemplar_filter_env),
      cmocka_unit_test(test_exporter_registry),
      cmocka_unit_test(test_otlp_default_not_linked),
      cmocka_unit_test(test_console_built_in),
      cmocka_unit_test(test_register_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
