/* otelc_sdk_metrics_enable: the pipeline's counters as otel.sdk.* metrics,
 * checked against what the span processors and readers really did. */
#include "test_metrics_fixture.h"

#include "common/internal.h"

#include "otelc/exporters.h"
#include "otelc/logs.h"
#include "otelc/span_processor.h"
#include "otelc/trace.h"

static const char *BATCH =
    "otel.component.name=batching_span_processor/0,"
    "otel.component.type=batching_span_processor";

/* A tracer provider with one manual-tick batch processor of @p queue
 * slots over a memory exporter. */
static otelc_tracer_provider *batch_provider(uint32_t queue) {
  otelc_span_exporter *mem = NULL;
  assert_int_equal(otelc_memory_exporter_new(&mem), OTELC_OK);
  otelc_span_processor *bp = NULL;
  otelc_batch_opts o = {.max_queue_size = queue,
                        .max_export_batch_size = queue,
                        .manual_tick = true};
  assert_int_equal(otelc_batch_span_processor_new(mem, &o, &bp), OTELC_OK);
  otelc_tracer_provider *tp = NULL;
  assert_int_equal(
      otelc_tracer_provider_new(
          &(otelc_tracer_provider_opts){.processors = &bp, .n_processors = 1},
          &tp),
      OTELC_OK);
  return tp;
}

static void end_spans(otelc_tracer_provider *tp, int n) {
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "t"});
  for (int i = 0; i < n; i++)
    otelc_span_end(otelc_span_start(t, "s", NULL));
}

static void test_span_processor_counts(void **state) {
  (void)state;
  otelc_tracer_provider *tp = batch_provider(8);
  mfix f;
  mfix_init(&f);
  assert_int_equal(otelc_sdk_metrics_enable(f.mp, tp, NULL), OTELC_OK);

  end_spans(tp, 5); /* queued, not yet processed */
  mfix_collect(&f);
  char attrs[256];
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.span.queue.size", BATCH)->i,
                   5);
  assert_int_equal(
      mc_get(&f.c, "otel.sdk.processor.span.queue.capacity", BATCH)->i, 8);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.span.processed", BATCH)->i,
                   0);
  mpoint *p = mc_get(&f.c, "otel.sdk.processor.span.processed", BATCH);
  assert_int_equal(p->type, OTELC_METRIC_SUM);
  assert_true(p->monotonic);
  assert_string_equal(p->unit, "{span}");
  assert_string_equal(p->scope, "otelc");

  end_spans(tp, 6); /* 3 fit, 3 dropped: the queue is full */
  assert_int_equal(otelc_tracer_provider_force_flush(tp, 5000), OTELC_OK);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.span.processed", BATCH)->i,
                   8);
  snprintf(attrs, sizeof attrs, "error.type=queue_full,%s", BATCH);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.span.processed", attrs)->i,
                   3);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.span.queue.size", BATCH)->i,
                   0);
  assert_int_equal(
      mc_get(&f.c, "otel.sdk.exporter.span.exported",
             "otel.component.name=span_exporter/0,"
             "otel.component.type=span_exporter")
          ->i,
      8);
  /* No export failed, so there is no failure series. */
  assert_null(mc_find(&f.c, "otel.sdk.exporter.span.exported",
                      "error.type=export_failed,"
                      "otel.component.name=span_exporter/0,"
                      "otel.component.type=span_exporter"));
  mfix_free(&f);
  otelc_tracer_provider_free(tp);
}

/* Log processors: the same four metrics under otel.sdk.*.log.*. */
static void test_log_processor_counts(void **state) {
  (void)state;
  otelc_log_exporter *mem = NULL;
  assert_int_equal(otelc_memory_log_exporter_new(&mem), OTELC_OK);
  otelc_log_processor *bp = NULL;
  otelc_log_batch_opts o = {.max_queue_size = 4, .max_export_batch_size = 4,
                            .manual_tick = true};
  assert_int_equal(otelc_batch_log_processor_new(mem, &o, &bp), OTELC_OK);
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(
                       &(otelc_logger_provider_opts){.processors = &bp,
                                                     .n_processors = 1},
                       &lp),
                   OTELC_OK);
  mfix f;
  mfix_init(&f);
  assert_int_equal(otelc_sdk_metrics_enable(f.mp, NULL, lp), OTELC_OK);
  otelc_logger *l = otelc_logger_provider_get_logger(
      lp, &(otelc_scope_info){.name = "l"});
  for (int i = 0; i < 6; i++) /* 4 fit, 2 dropped */
    assert_int_equal(otelc_logger_emit(l, &(otelc_log_emit){.body_str = "x"}),
                     OTELC_OK);
  static const char *LB = "otel.component.name=batching_log_processor/0,"
                          "otel.component.type=batching_log_processor";
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.log.queue.size", LB)->i, 4);
  assert_int_equal(
      mc_get(&f.c, "otel.sdk.processor.log.queue.capacity", LB)->i, 4);
  char attrs[256];
  snprintf(attrs, sizeof attrs, "error.type=queue_full,%s", LB);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.log.processed", attrs)->i,
                   2);
  assert_string_equal(
      mc_get(&f.c, "otel.sdk.processor.log.processed", attrs)->unit,
      "{log_record}");
  assert_int_equal(otelc_logger_provider_force_flush(lp, 5000), OTELC_OK);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "otel.sdk.processor.log.processed", LB)->i, 4);
  assert_int_equal(mc_get(&f.c, "otel.sdk.exporter.log.exported",
                          "otel.component.name=log_exporter/0,"
                          "otel.component.type=log_exporter")
                       ->i,
                   4);
  /* No span processor was given: no span series. */
  assert_int_equal(mc_count(&f.c, "otel.sdk.processor.span.processed"), 0);
  mfix_free(&f);
  otelc_logger_provider_free(lp);
}

/* A push reader's data points, counted when its exports succeed. */
static int export_calls;
static otelc_status ok_export(void *self, const otelc_resource_metrics *d,
                              uint32_t timeout_ms) {
  (void)self, (void)d, (void)timeout_ms;
  export_calls++;
  return OTELC_OK;
}

static void test_metric_reader_counts(void **state) {
  (void)state;
  otelc_metric_exporter *e = NULL;
  otelc_metric_exporter_ops ops = {.export_metrics = ok_export};
  assert_int_equal(otelc_metric_exporter_new(&ops, NULL, NULL, &e), OTELC_OK);
  otelc_metric_reader *periodic = NULL;
  otelc_periodic_reader_opts po = {.interval_ms = 1, .manual_tick = true};
  assert_int_equal(otelc_periodic_reader_new(e, &po, &periodic), OTELC_OK);
  otelc_metric_reader *pull = NULL;
  assert_int_equal(otelc_pull_reader_new(NULL, NULL, NULL, &pull), OTELC_OK);
  otelc_metric_reader *readers[] = {pull, periodic};
  otelc_meter_provider *mp = NULL;
  assert_int_equal(otelc_meter_provider_new(
                       &(otelc_meter_provider_opts){.readers = readers,
                                                    .n_readers = 2},
                       &mp),
                   OTELC_OK);
  assert_int_equal(otelc_sdk_metrics_enable(mp, NULL, NULL), OTELC_OK);
  otelc_counter *c = otelc_meter_counter(
      otelc_meter_provider_get_meter(mp, &(otelc_scope_info){.name = "m"}),
      "work", NULL);
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_STR("k", "a")));
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_STR("k", "b")));
  otelc_metric_reader_stats st;
  assert_int_equal(otelc_metric_reader_force_flush(periodic, 5000), OTELC_OK);
  otelc_metric_reader_get_stats(periodic, &st);
  assert_int_equal(export_calls, 1);

  mcollect mc = {0};
  mc_collect(pull, &mc);
  /* Only the push reader exports; the series names it by its index. */
  mpoint *p = mc_get(&mc, "otel.sdk.exporter.metric_data_point.exported",
                     "otel.component.name=periodic_metric_reader/1,"
                     "otel.component.type=periodic_metric_reader");
  assert_int_equal(p->i, (int64_t)st.points_exported);
  assert_true(st.points_exported >= 2);
  assert_string_equal(p->unit, "{data_point}");
  assert_int_equal(mc_count(&mc, "otel.sdk.exporter.metric_data_point.exported"),
                   1);
  assert_int_equal(mc_count(&mc, "otel.sdk.processor.span.processed"), 0);
  mc_free(&mc);
  otelc_meter_provider_free(mp);
}

static void test_invalid_and_disabled(void **state) {
  (void)state;
  assert_int_equal(otelc_sdk_metrics_enable(NULL, NULL, NULL), OTELC_ERR_INVALID_ARG);
  setenv("OTEL_SDK_DISABLED", "true", 1);
  otelc_meter_provider *mp = NULL;
  assert_int_equal(otelc_meter_provider_new(NULL, &mp), OTELC_OK);
  unsigned long before = otelc__alloc_calls();
  assert_int_equal(otelc_sdk_metrics_enable(mp, NULL, NULL), OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), before);
  otelc_meter_provider_free(mp);
  unsetenv("OTEL_SDK_DISABLED");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_span_processor_counts),
      cmocka_unit_test(test_log_processor_counts),
      cmocka_unit_test(test_metric_reader_counts),
      cmocka_unit_test(test_invalid_and_disabled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
