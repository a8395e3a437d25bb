/* Trace correlation of log records: the current span, no span, an
 * explicit context, a remote context, an unsampled span, and a context
 * attached on another thread. */
#include <pthread.h>

#include "logs_fixture.h"

static void assert_correlated(const otelc_log_data *d, const otelc_span *s) {
  otelc_span_context sc = otelc_span_get_context(s);
  assert_memory_equal(d->trace_id, sc.trace_id, 16);
  assert_memory_equal(d->span_id, sc.span_id, 8);
  assert_int_equal(d->trace_flags, sc.trace_flags);
}

static void test_record_in_span_carries_its_context(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_span *s = otelc_span_start(f.tracer, "op", NULL);
  otelc_scope sc = otelc_span_activate(s);
  assert_int_equal(lfix_emit(f.logger, OTELC_SEVERITY_INFO, "inside"),
                   OTELC_OK);
  otelc_context_detach(sc);
  assert_int_equal(lfix_count(&f), 1);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_correlated(d, s);
  assert_true(d->trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  otelc_span_end(s);
  lfix_free(&f);
}

static void test_record_in_nested_span_takes_innermost(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_span *outer = otelc_span_start(f.tracer, "outer", NULL);
  otelc_scope s1 = otelc_span_activate(outer);
  otelc_span *inner = otelc_span_start(f.tracer, "inner", NULL);
  otelc_scope s2 = otelc_span_activate(inner);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "inner");
  otelc_context_detach(s2);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "outer");
  otelc_context_detach(s1);
  assert_int_equal(lfix_count(&f), 2);
  assert_correlated(lfix_get(&f, 0), inner);
  assert_correlated(lfix_get(&f, 1), outer);
  otelc_span_end(inner);
  otelc_span_end(outer);
  lfix_free(&f);
}

static void test_record_outside_span_has_none(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  /* A span that existed and ended before must not leak into the record. */
  otelc_span *s = otelc_span_start(f.tracer, "before", NULL);
  otelc_scope sc = otelc_span_activate(s);
  otelc_context_detach(sc);
  otelc_span_end(s);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "outside");
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_true(lfix_zero(d->trace_id, 16));
  assert_true(lfix_zero(d->span_id, 8));
  assert_int_equal(d->trace_flags, 0);
  lfix_free(&f);
}

static void test_explicit_context_wins_over_current(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_span *b =
      otelc_span_start(f.tracer, "b", &(otelc_span_start_opts){.root = true});
  otelc_context *ctx_a = otelc_context_with_span(NULL, a);
  assert_non_null(ctx_a);
  otelc_scope sc = otelc_span_activate(b);
  otelc_log_emit e = {
      .severity = OTELC_SEVERITY_WARN, .body_str = "x", .context = ctx_a};
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  /* A context without a span: the record has none, even with b current. */
  otelc_context *empty = otelc_context_with_span(NULL, NULL);
  assert_non_null(empty);
  e.context = empty;
  assert_int_equal(otelc_logger_emit(f.logger, &e), OTELC_OK);
  otelc_context_detach(sc);
  assert_int_equal(lfix_count(&f), 2);
  assert_correlated(lfix_get(&f, 0), a);
  const otelc_log_data *d = lfix_get(&f, 1);
  assert_true(lfix_zero(d->span_id, 8));
  assert_true(lfix_zero(d->trace_id, 16));
  otelc_context_release(ctx_a);
  otelc_context_release(empty);
  otelc_span_end(a);
  otelc_span_end(b);
  lfix_free(&f);
}

static void test_remote_context_correlates(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_span_context rsc = {.trace_flags = OTELC_TRACE_FLAG_SAMPLED,
                            .is_remote = true};
  for (int i = 0; i < 16; i++)
    rsc.trace_id[i] = (uint8_t)(0xa0 + i);
  for (int i = 0; i < 8; i++)
    rsc.span_id[i] = (uint8_t)(0x10 + i);
  otelc_context *ctx = otelc_context_with_remote(NULL, &rsc, NULL);
  assert_non_null(ctx);
  otelc_scope sc = otelc_context_attach(ctx);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "remote");
  otelc_context_detach(sc);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_memory_equal(d->trace_id, rsc.trace_id, 16);
  assert_memory_equal(d->span_id, rsc.span_id, 8);
  assert_int_equal(d->trace_flags, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(ctx);
  lfix_free(&f);
}

static void test_unsampled_span_correlates_with_flags_clear(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  /* A second tracer provider that samples nothing. */
  otelc_span_exporter *se = NULL;
  otelc_span_processor *sp = NULL;
  assert_int_equal(otelc_memory_exporter_new(&se), OTELC_OK);
  assert_int_equal(otelc_simple_span_processor_new(se, &sp), OTELC_OK);
  otelc_tracer_provider_opts to = {0};
  to.sampler = otelc_sampler_always_off();
  to.processors = &sp;
  to.n_processors = 1;
  otelc_tracer_provider *off = NULL;
  assert_int_equal(otelc_tracer_provider_new(&to, &off), OTELC_OK);
  otelc_span *s = otelc_span_start(
      otelc_tracer_provider_get_tracer(off, &lfix_scope), "u", NULL);
  otelc_scope sc = otelc_span_activate(s);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "unsampled");
  otelc_context_detach(sc);
  const otelc_log_data *d = lfix_get(&f, 0);
  assert_correlated(d, s);
  assert_false(d->trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  assert_false(lfix_zero(d->span_id, 8));
  otelc_span_end(s);
  otelc_tracer_provider_free(off);
  lfix_free(&f);
}

typedef struct thread_arg {
  otelc_logger *logger;
  otelc_context *ctx; /* attached by the thread when not NULL */
} thread_arg;

static void *emit_on_thread(void *p) {
  thread_arg *a = p;
  otelc_scope sc = {0, 0};
  if (a->ctx)
    sc = otelc_context_attach(a->ctx);
  lfix_emit(a->logger, OTELC_SEVERITY_INFO, "thread");
  if (a->ctx)
    otelc_context_detach(sc);
  return NULL;
}

static void test_other_thread_with_attached_context(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  otelc_span *s = otelc_span_start(f.tracer, "parent", NULL);
  otelc_scope main_sc = otelc_span_activate(s);
  otelc_context *ctx = otelc_context_current();
  assert_non_null(ctx);
  /* With the context attached the thread's record joins the span; a
   * thread that attached nothing has no span even though this one
   * does. */
  pthread_t th;
  thread_arg with = {f.logger, ctx}, without = {f.logger, NULL};
  pthread_create(&th, NULL, emit_on_thread, &with);
  pthread_join(th, NULL);
  pthread_create(&th, NULL, emit_on_thread, &without);
  pthread_join(th, NULL);
  otelc_context_detach(main_sc);
  assert_int_equal(lfix_count(&f), 2);
  assert_correlated(lfix_get(&f, 0), s);
  assert_true(lfix_zero(lfix_get(&f, 1)->span_id, 8));
  otelc_context_release(ctx);
  otelc_span_end(s);
  lfix_free(&f);
}

static void test_noop_span_is_transparent(void **state) {
  (void)state;
  lfix f;
  lfix_init(&f);
  /* A tracer provider without processors gives the no-op span, which is
   * never current: the outer span stays the record's. */
  otelc_tracer_provider *none = NULL;
  assert_int_equal(otelc_tracer_provider_new(NULL, &none), OTELC_OK);
  otelc_span *outer = otelc_span_start(f.tracer, "outer", NULL);
  otelc_scope s1 = otelc_span_activate(outer);
  otelc_span *noop = otelc_span_start(
      otelc_tracer_provider_get_tracer(none, &lfix_scope), "n", NULL);
  otelc_scope s2 = otelc_span_activate(noop);
  lfix_emit(f.logger, OTELC_SEVERITY_INFO, "x");
  otelc_context_detach(s2);
  otelc_context_detach(s1);
  assert_correlated(lfix_get(&f, 0), outer);
  otelc_span_end(noop);
  otelc_span_end(outer);
  otelc_tracer_provider_free(none);
  lfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_in_span_carries_its_context),
      cmocka_unit_test(test_record_in_nested_span_takes_innermost),
      cmocka_unit_test(test_record_outside_span_has_none),
      cmocka_unit_test(test_explicit_context_wins_over_current),
      cmocka_unit_test(test_remote_context_correlates),
      cmocka_unit_test(test_unsampled_span_correlates_with_flags_clear),
      cmocka_unit_test(test_other_thread_with_attached_context),
      cmocka_unit_test(test_noop_span_is_transparent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
