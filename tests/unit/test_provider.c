/* Tracer provider: tracers per scope, the global provider, shutdown,
 * OTEL_SDK_DISABLED, allocation behaviour and allocation failures. */
#include <stdlib.h>

#include "common/internal.h"
#include "test_helpers.h"
#include "trace_fixture.h"

static otelc_status count_export(void *self, otelc_span *const *spans,
                                 size_t n, uint32_t timeout_ms) {
  (void)spans;
  (void)timeout_ms;
  *(size_t *)self += n;
  return OTELC_OK;
}

static otelc_tracer_provider *counting_provider(size_t *count,
                                                bool batch) {
  static const otelc_span_exporter_ops ops = {count_export, NULL, NULL,
                                              NULL};
  otelc_span_exporter *e;
  assert_int_equal(otelc_span_exporter_new(&ops, count, &e), OTELC_OK);
  otelc_span_processor *p;
  if (batch)
    assert_int_equal(otelc_batch_span_processor_new(e, NULL, &p), OTELC_OK);
  else
    assert_int_equal(otelc_simple_span_processor_new(e, &p), OTELC_OK);
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &p,
                                  .n_processors = 1};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  return tp;
}

static void test_tracer_identity_per_scope(void **state) {
  (void)state;
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, false);
  otelc_scope_info a = {"lib", "1.0", NULL, NULL, 0};
  otelc_scope_info a2 = {"lib", "1.0", NULL, NULL, 0};
  otelc_scope_info b = {"lib", "2.0", NULL, NULL, 0};
  otelc_scope_info c = {"lib", "1.0", "https://opentelemetry.io/schemas/1.44.0",
                        OTELC_ATTRS(OTELC_STR("scope.attr", "x"))};
  otelc_tracer *ta = otelc_tracer_provider_get_tracer(tp, &a);
  assert_ptr_equal(ta, otelc_tracer_provider_get_tracer(tp, &a2));
  assert_ptr_not_equal(ta, otelc_tracer_provider_get_tracer(tp, &b));
  otelc_tracer *tc = otelc_tracer_provider_get_tracer(tp, &c);
  assert_ptr_not_equal(ta, tc);
  const otelc_scope_info *si = otelc_tracer_scope(tc);
  assert_string_equal(si->schema_url,
                      "https://opentelemetry.io/schemas/1.44.0");
  assert_int_equal(si->n_attrs, 1);
  assert_string_equal(si->attrs[0].key, "scope.attr");
  assert_true(otelc_tracer_enabled(ta));
  otelc_tracer_provider_free(tp);
}

static void test_empty_tracer_name_warns_but_works(void **state) {
  (void)state;
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, false);
  test_diag_capture();
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, NULL);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
  otelc_span_end(otelc_span_start(t, "x", NULL));
  assert_int_equal(n, 1);
  otelc_tracer_provider_free(tp);
}

static void test_global_provider_and_proxy_tracers(void **state) {
  (void)state;
  assert_null(otelc_tracer_provider_global());
  /* Obtained before any provider is installed: a no-op for now. */
  otelc_tracer *t = otelc_tracer_get("early", "1");
  assert_false(otelc_tracer_enabled(t));
  otelc_span *s = otelc_span_start(t, "x", NULL);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, false);
  otelc_tracer_provider_set_global(tp);
  assert_ptr_equal(otelc_tracer_provider_global(), tp);
  /* The same tracer now records through the new provider. */
  assert_true(otelc_tracer_enabled(t));
  assert_ptr_equal(otelc_tracer_get("early", "1"), t);
  s = otelc_span_start(t, "x", NULL);
  assert_true(otelc_span_is_recording(s));
  otelc_span_end(s);
  assert_int_equal(n, 1);
  assert_string_equal(otelc_span_get_scope(s) ? "early" : "", "early");
  otelc_tracer_provider_set_global(NULL);
  s = otelc_span_start(t, "x", NULL);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);
  otelc_tracer_provider_free(tp);
}

static void test_after_shutdown_spans_are_noops(void **state) {
  (void)state;
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, true);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, NULL);
  otelc_span_end(otelc_span_start(t, "before", NULL));
  assert_int_equal(otelc_tracer_provider_shutdown(tp, 5000), OTELC_OK);
  assert_int_equal(n, 1); /* shutdown flushed */
  otelc_span *s = otelc_span_start(t, "after", NULL);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);
  assert_false(otelc_tracer_enabled(t));
  assert_int_equal(otelc_tracer_provider_force_flush(tp, 100),
                   OTELC_ERR_SHUTDOWN);
  otelc_tracer *late = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "late"});
  assert_false(otelc_tracer_enabled(late));
  otelc_tracer_provider_free(tp);
  assert_int_equal(n, 1);
}

static void test_sdk_disabled_allocates_nothing(void **state) {
  (void)state;
  setenv("OTEL_SDK_DISABLED", "true", 1);
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, true);
  unsetenv("OTEL_SDK_DISABLED");
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "x"});
  assert_false(otelc_tracer_enabled(t));
  unsigned long before = otelc__alloc_calls();
  for (int i = 0; i < 1000; i++) {
    otelc_span *s = otelc_span_start(t, "x", NULL);
    otelc_span_set_int(s, "k", i);
    otelc_span_add_event(s, "e", 0, NULL, 0);
    otelc_scope sc = otelc_span_activate(s);
    otelc_context_detach(sc);
    otelc_span_end(s);
  }
  assert_int_equal(otelc__alloc_calls(), before);
  assert_int_equal(n, 0);
  otelc_tracer_provider_free(tp);
}

static void test_sdk_disabled_other_values(void **state) {
  (void)state;
  /* Only "true" (any case) disables; "1" is not true and warns. */
  const char *values[] = {"TRUE", "True"};
  for (size_t i = 0; i < 2; i++) {
    setenv("OTEL_SDK_DISABLED", values[i], 1);
    size_t n = 0;
    otelc_tracer_provider *tp = counting_provider(&n, false);
    otelc_tracer *t = otelc_tracer_provider_get_tracer(
        tp, &(otelc_scope_info){.name = "x"});
    assert_false(otelc_tracer_enabled(t));
    otelc_tracer_provider_free(tp);
  }
  test_diag_capture();
  setenv("OTEL_SDK_DISABLED", "1", 1);
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, false);
  unsetenv("OTEL_SDK_DISABLED");
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "OTEL_SDK_DISABLED"));
  test_diag_release();
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "x"});
  assert_true(otelc_tracer_enabled(t));
  otelc_tracer_provider_free(tp);
}

static void test_steady_state_allocates_nothing(void **state) {
  (void)state;
  size_t n = 0;
  otelc_tracer_provider *tp = counting_provider(&n, false);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "x"});
  for (int round = 0; round < 2; round++) {
    unsigned long before = otelc__alloc_calls();
    for (int i = 0; i < 10000; i++) {
      otelc_span *s = otelc_span_start(t, "GET /api/v1/users/{id}", NULL);
      otelc_span_set_str(s, "http.method", "GET");
      otelc_span_set_str(s, "http.route", "/api/v1/users/{id}");
      otelc_span_set_int(s, "http.status_code", 200);
      otelc_span_set_double(s, "http.duration_ratio", 0.25);
      otelc_scope sc = otelc_span_activate(s);
      otelc_context_detach(sc);
      otelc_span_end(s);
    }
    if (round == 1) /* round 0 warms the pool */
      assert_int_equal(otelc__alloc_calls(), before);
  }
  assert_int_equal(n, 20000);
  otelc_tracer_provider_free(tp);
}

static void test_no_processors_means_disabled(void **state) {
  (void)state;
  otelc_tracer_provider *tp;
  otelc_tracer_provider_opts o = {0};
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "x"});
  assert_false(otelc_tracer_enabled(t));
  otelc_tracer_provider_free(tp);
  assert_int_equal(otelc_tracer_provider_new(NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
}

/* Every allocation, failed in turn: nothing crashes or leaks, and every
 * failure is a clean status or a no-op span. */
static void test_allocation_failures(void **state) {
  (void)state;
  for (long k = 0; k < 120; k++) {
    otelc__alloc_fail_after(k);
    otelc_span_exporter *mem = NULL;
    otelc_span_processor *proc = NULL;
    otelc_tracer_provider *tp = NULL;
    if (otelc_memory_exporter_new(&mem) != OTELC_OK)
      goto next;
    if (otelc_batch_span_processor_new(mem, NULL, &proc) != OTELC_OK)
      goto next;
    otelc_tracer_provider_opts o = {.processors = &proc, .n_processors = 1};
    if (otelc_tracer_provider_new(&o, &tp) != OTELC_OK)
      goto next;
    otelc_tracer *t = otelc_tracer_provider_get_tracer(
        tp, &(otelc_scope_info){.name = "x"});
    otelc_span *root = otelc_span_start(t, "root", NULL);
    otelc_scope sc = otelc_span_activate(root);
    for (int i = 0; i < 3; i++) {
      otelc_span *s = otelc_span_start(t, "child", NULL);
      otelc_span_set_str(s, "k", "v");
      otelc_span_add_event(s, "e", 0, OTELC_ATTRS(OTELC_INT("n", i)));
      otelc_link l = {otelc_span_get_context(root), "a=b",
                      OTELC_ATTRS(OTELC_BOOL("x", true))};
      otelc_span_add_link(s, &l);
      otelc_span_set_status(s, OTELC_STATUS_ERROR, "bad");
      otelc_context *ctx = otelc_context_current();
      otelc_context_release(ctx);
      otelc_span_end(s);
    }
    otelc_context_detach(sc);
    otelc_span_end(root);
    otelc_tracer_provider_force_flush(tp, 1000);
  next:
    otelc__alloc_fail_after(-1);
    otelc_tracer_provider_free(tp);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tracer_identity_per_scope),
      cmocka_unit_test(test_empty_tracer_name_warns_but_works),
      cmocka_unit_test(test_global_provider_and_proxy_tracers),
      cmocka_unit_test(test_after_shutdown_spans_are_noops),
      cmocka_unit_test(test_sdk_disabled_allocates_nothing),
      cmocka_unit_test(test_sdk_disabled_other_values),
      cmocka_unit_test(test_steady_state_allocates_nothing),
      cmocka_unit_test(test_no_processors_means_disabled),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
