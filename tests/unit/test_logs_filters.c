/* The logger's filters: the minimum severity (severity 0 always passes),
 * the trace-based filter, otelc_logger_enabled, and records after
 * shutdown. */
#include "logs_fixture.h"

static void init_filtered(lfix *f, int min_severity, bool trace_based) {
  otelc_logger_provider_opts o = {0};
  otelc_log_limits lim = {128, UINT32_MAX};
  o.limits = &lim;
  o.min_severity = min_severity;
  o.trace_based = trace_based;
  lfix_init_opts(f, &o);
}

static void test_min_severity_drops_lower_keeps_zero(void **state) {
  (void)state;
  lfix f;
  init_filtered(&f, OTELC_SEVERITY_WARN, false);
  /* A filtered record is not an error. */
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_DEBUG, "debug"),
                   OTELC_OK);
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_INFO, "info"), OTELC_OK);
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_WARN - 1, "info4"),
                   OTELC_OK);
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_WARN, "warn"), OTELC_OK);
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_FATAL, "fatal"),
                   OTELC_OK);
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_UNSPECIFIED, "none"),
                   OTELC_OK);
  assert_int_equal(lfix_count(&f), 3);
  assert_string_equal(lfix_get(&f, 0)->body.u.str, "warn");
  assert_string_equal(lfix_get(&f, 1)->body.u.str, "fatal");
  assert_string_equal(lfix_get(&f, 2)->body.u.str, "none");
  assert_int_equal(lfix_get(&f, 2)->severity, 0);
  lfix_free(&f);
}

static void test_enabled_follows_min_severity(void **state) {
  (void)state;
  lfix f;
  init_filtered(&f, OTELC_SEVERITY_ERROR, false);
  assert_false(otelc_logger_enabled(f.logger, OTELC_SEVERITY_WARN, NULL));
  assert_false(otelc_logger_enabled(f.logger, 16, "event"));
  assert_true(otelc_logger_enabled(f.logger, OTELC_SEVERITY_ERROR, NULL));
  assert_true(otelc_logger_enabled(f.logger, 24, NULL));
  assert_true(otelc_logger_enabled(f.logger, 0, NULL));
  assert_false(otelc_logger_enabled(NULL, OTELC_SEVERITY_ERROR, NULL));
  lfix_free(&f);
}

static void test_enabled_false_without_processors(void **state) {
  (void)state;
  otelc_logger_provider *lp = NULL;
  otelc_log_limits lim = {128, UINT32_MAX};
  otelc_logger_provider_opts o = {.limits = &lim};
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  otelc_logger *l =
      otelc_logger_provider_get_logger(lp, &(otelc_scope_info){.name = "x"});
  assert_false(otelc_logger_enabled(l, OTELC_SEVERITY_FATAL, NULL));
  assert_int_equal(lfix_emit(l, OTELC_SEVERITY_FATAL, "dropped"), OTELC_OK);
  otelc_logger_provider_free(lp);
}

static void test_enabled_false_after_shutdown(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  assert_true(otelc_logger_enabled(f.logger, OTELC_SEVERITY_INFO, NULL));
  assert_int_equal(otelc_logger_provider_shutdown(f.lp, 1000), OTELC_OK);
  assert_false(otelc_logger_enabled(f.logger, OTELC_SEVERITY_INFO, NULL));
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_INFO, "late"), OTELC_OK);
  assert_int_equal(lfix_count(&f), 0);
  /* A logger asked for after shutdown is a no-op one. */
  otelc_logger *late = otelc_logger_provider_get_logger(
      f.lp, &(otelc_scope_info){.name = "late"});
  assert_false(otelc_logger_enabled(late, OTELC_SEVERITY_INFO, NULL));
  lfix_free(&f);
}

/* A span of a provider that samples nothing (recorded by nobody). */
static otelc_tracer_provider *unsampled_provider(void) {
  otelc_span_exporter *se = NULL;
  otelc_span_processor *sp = NULL;
  assert_int_equal(otelc_memory_exporter_new(&se), OTELC_OK);
  assert_int_equal(otelc_simple_span_processor_new(se, &sp), OTELC_OK);
  otelc_tracer_provider_opts to = {0};
  to.sampler = otelc_sampler_always_off();
  to.processors = &sp;
  to.n_processors = 1;
  otelc_tracer_provider *tp = NULL;
  assert_int_equal(otelc_tracer_provider_new(&to, &tp), OTELC_OK);
  return tp;
}

static void test_trace_based_drops_unsampled(void **state) {
  (void)state;
  lfix f;
  init_filtered(&f, 0, true);
  otelc_tracer_provider *off = unsampled_provider();
  otelc_span *u = otelc_span_start(
      otelc_tracer_provider_get_tracer(off, &lfix_scope), "u", NULL);
  otelc_span *s = otelc_span_start(f.tracer, "s", NULL);

  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "no span"); /* kept */
  otelc_scope sc = otelc_span_activate(u);
  assert_false(otelc_logger_enabled(f.logger, OTELC_SEVERITY_INFO, NULL));
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "unsampled"); /* dropped */
  otelc_context_detach(sc);
  sc = otelc_span_activate(s);
  assert_true(otelc_logger_enabled(f.logger, OTELC_SEVERITY_INFO, NULL));
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "sampled"); /* kept */
  /* An explicit unsampled context decides, whatever is current. */
  otelc_context *uctx = otelc_context_with_span(NULL, u);
  otelc_log_emit e = {
      .severity = OTELC_SEVERITY_INFO, .body_str = "ctx", .context = uctx};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  otelc_context_detach(sc);

  assert_int_equal(lfix_count(&f), 2);
  assert_string_equal(lfix_get(&f, 0)->body.u.str, "no span");
  assert_string_equal(lfix_get(&f, 1)->body.u.str, "sampled");
  otelc_context_release(uctx);
  otelc_span_end(u);
  otelc_span_end(s);
  otelc_tracer_provider_free(off);
  lfix_free(&f);
}

static void test_without_trace_based_unsampled_kept(void **state) {
  (void)state;
  lfix f;
  init_filtered(&f, 0, false);
  otelc_tracer_provider *off = unsampled_provider();
  otelc_span *u = otelc_span_start(
      otelc_tracer_provider_get_tracer(off, &lfix_scope), "u", NULL);
  otelc_scope sc = otelc_span_activate(u);
  assert_true(otelc_logger_enabled(f.logger, OTELC_SEVERITY_INFO, NULL));
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "unsampled");
  otelc_context_detach(sc);
  assert_int_equal(lfix_count(&f), 1);
  otelc_span_end(u);
  otelc_tracer_provider_free(off);
  lfix_free(&f);
}

static void test_filters_combine(void **state) {
  (void)state;
  lfix f;
  init_filtered(&f, OTELC_SEVERITY_WARN, true);
  otelc_span *s = otelc_span_start(f.tracer, "s", NULL);
  otelc_scope sc = otelc_span_activate(s);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "low");   /* severity drops */
  lfix_emit(f.logger, OTELC_SEVERITY_ERROR, "high"); /* sampled: kept */
  otelc_context_detach(sc);
  assert_int_equal(lfix_count(&f), 1);
  assert_string_equal(lfix_get(&f, 0)->body.u.str, "high");
  otelc_span_end(s);
  lfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_min_severity_drops_lower_keeps_zero),
      cmocka_unit_test(test_enabled_follows_min_severity),
      cmocka_unit_test(test_enabled_false_without_processors),
      cmocka_unit_test(test_enabled_false_after_shutdown),
      cmocka_unit_test(test_trace_based_drops_unsampled),
      cmocka_unit_test(test_without_trace_based_unsampled_kept),
      cmocka_unit_test(test_filters_combine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
