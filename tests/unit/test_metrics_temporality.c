/* Temporality: delta and cumulative for every aggregation across several
 * collections (values, start and end times, which series appear), the
 * preference table, and several readers with independent state. */
#include <math.h>
#include <stdlib.h>

#include "test_metrics_fixture.h"

static void test_delta_counter(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  uint64_t created = otelc_time_now();
  otelc_counter_add(c, 2, OTELC_ATTRS(OTELC_STR("k", "a")));
  otelc_counter_add(c, 3, OTELC_ATTRS(OTELC_STR("k", "a")));
  otelc_counter_add(c, 7, OTELC_ATTRS(OTELC_STR("k", "b")));
  mfix_collect(&f);
  mpoint *a = mc_get(&f.c, "n", "k=a");
  assert_int_equal(a->temporality, OTELC_TEMPORALITY_DELTA);
  assert_int_equal(a->i, 5);
  assert_int_equal(mc_get(&f.c, "n", "k=b")->i, 7);
  /* The first delta starts at the instrument's creation. */
  assert_true(a->start <= created);
  assert_int_equal(mc_get(&f.c, "n", "k=b")->start, a->start);
  uint64_t t1 = a->time;

  /* Only series measured since the last collection appear. */
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_STR("k", "a")));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "n"), 1);
  a = mc_get(&f.c, "n", "k=a");
  assert_int_equal(a->i, 1);
  assert_int_equal(a->start, t1); /* the previous collection */
  uint64_t t2 = a->time;
  assert_true(t2 >= t1);

  /* Nothing measured: no point at all. */
  mfix_collect(&f);
  assert_int_equal(f.c.n, 0);
  assert_int_equal(f.c.n_scopes, 0);

  /* A zero add is a measurement. */
  otelc_counter_add(c, 0, OTELC_ATTRS(OTELC_STR("k", "b")));
  mfix_collect(&f);
  mpoint *b = mc_get(&f.c, "n", "k=b");
  assert_int_equal(b->i, 0);
  assert_true(b->start >= t2);
  mfix_free(&f);
}

static void test_delta_double_updown(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  otelc_up_down_counter *u = otelc_meter_up_down_counter(
      f.meter, "u", &(otelc_instrument_opts){.is_double = true});
  otelc_up_down_counter_add_double(u, 1.5, NULL, 0);
  otelc_up_down_counter_add_double(u, -4, NULL, 0);
  mfix_collect(&f);
  assert_true(mc_get(&f.c, "u", "")->d == -2.5);
  otelc_up_down_counter_add_double(u, 0.25, NULL, 0);
  mfix_collect(&f);
  assert_true(mc_get(&f.c, "u", "")->d == 0.25);
  mfix_free(&f);
}

static void test_delta_histogram(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  const double b[] = {10, 20};
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "h",
      &(otelc_instrument_opts){.advisory_boundaries = b,
                               .n_advisory_boundaries = 2});
  otelc_histogram_record_int(h, 5, NULL, 0);
  otelc_histogram_record_int(h, 15, NULL, 0);
  otelc_histogram_record_int(h, 25, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "h", "");
  assert_int_equal(p->temporality, OTELC_TEMPORALITY_DELTA);
  assert_int_equal(p->count, 3);
  assert_true(p->sum == 45 && p->min == 5 && p->max == 25);
  otelc_histogram_record_int(h, 12, NULL, 0);
  mfix_collect(&f);
  p = mc_get(&f.c, "h", "");
  assert_int_equal(p->count, 1);
  assert_int_equal(p->buckets[0], 0);
  assert_int_equal(p->buckets[1], 1);
  assert_int_equal(p->buckets[2], 0);
  assert_true(p->sum == 12 && p->min == 12 && p->max == 12);
  mfix_collect(&f);
  assert_int_equal(f.c.n, 0);
  mfix_free(&f);
}

static void test_cumulative_histogram_accumulates(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_histogram *h = otelc_meter_histogram(f.meter, "h", NULL);
  otelc_histogram_record_int(h, 3, NULL, 0);
  mfix_collect(&f);
  uint64_t start = mc_get(&f.c, "h", "")->start;
  otelc_histogram_record_int(h, 300, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "h", "");
  assert_int_equal(p->count, 2);
  assert_true(p->sum == 303 && p->min == 3 && p->max == 300);
  assert_int_equal(p->start, start);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "h", "")->count, 2);
  mfix_free(&f);
}

static void test_delta_gauge(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  otelc_gauge *g = otelc_meter_gauge(f.meter, "g", NULL);
  otelc_gauge_record_int(g, 4, OTELC_ATTRS(OTELC_INT("x", 1)));
  otelc_gauge_record_int(g, 5, OTELC_ATTRS(OTELC_INT("x", 2)));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "g"), 2);
  otelc_gauge_record_int(g, 6, OTELC_ATTRS(OTELC_INT("x", 2)));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "g"), 1);
  assert_int_equal(mc_get(&f.c, "g", "x=2")->i, 6);
  mfix_free(&f);
}

static void test_prefs_table(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  const otelc_temporality C = OTELC_TEMPORALITY_CUMULATIVE,
                          D = OTELC_TEMPORALITY_DELTA;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  for (int k = 1; k < OTELC_INSTRUMENT_KIND_COUNT; k++)
    assert_int_equal(p.temporality[k], C);
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DELTA);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_COUNTER], D);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_OBSERVABLE_COUNTER], D);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_HISTOGRAM], D);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_UP_DOWN_COUNTER], C);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_OBSERVABLE_UP_DOWN_COUNTER],
                   C);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_GAUGE], C);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_OBSERVABLE_GAUGE], C);
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_LOWMEMORY);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_COUNTER], D);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_OBSERVABLE_COUNTER], C);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_HISTOGRAM], D);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_UP_DOWN_COUNTER], C);
  assert_int_equal(p.cardinality_limit, 0);
  assert_int_equal(p.histogram_aggregation, OTELC_AGGREGATION_DEFAULT);
}

static void test_prefs_from_env(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta", 1);
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DEFAULT);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_OBSERVABLE_COUNTER],
                   OTELC_TEMPORALITY_DELTA);
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "lowmemory", 1);
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DEFAULT);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_COUNTER],
                   OTELC_TEMPORALITY_DELTA);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_OBSERVABLE_COUNTER],
                   OTELC_TEMPORALITY_CUMULATIVE);
  /* An explicit preference ignores the environment. */
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_COUNTER],
                   OTELC_TEMPORALITY_CUMULATIVE);
  test_diag_capture();
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes", 1);
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DEFAULT);
  assert_int_equal(p.temporality[OTELC_INSTRUMENT_COUNTER],
                   OTELC_TEMPORALITY_CUMULATIVE);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "sometimes"));
  test_diag_release();
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
}

static void test_two_readers_independent(void **state) {
  (void)state;
  otelc_metric_reader_prefs prefs[2];
  otelc_metric_reader_prefs_init(&prefs[0], OTELC_TEMPORALITY_PREF_DELTA);
  otelc_metric_reader_prefs_init(&prefs[1], OTELC_TEMPORALITY_PREF_CUMULATIVE);
  mfix f;
  mfix_init_full(&f, 2, prefs, NULL, 0, 0);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  otelc_histogram *h = otelc_meter_histogram(f.meter, "h", NULL);
  mcollect d = {0}, cu = {0};
  otelc_counter_add(c, 5, NULL, 0);
  otelc_histogram_record_int(h, 1, NULL, 0);
  mc_collect(f.r[0], &d);
  otelc_counter_add(c, 2, NULL, 0);
  otelc_histogram_record_int(h, 1, NULL, 0);
  mc_collect(f.r[0], &d);
  assert_int_equal(mc_get(&d, "n", "")->i, 2);
  assert_int_equal(mc_get(&d, "h", "")->count, 1);
  /* The cumulative reader has seen nothing reset. */
  mc_collect(f.r[1], &cu);
  assert_int_equal(mc_get(&cu, "n", "")->i, 7);
  assert_int_equal(mc_get(&cu, "h", "")->count, 2);
  assert_int_equal(mc_get(&cu, "n", "")->temporality,
                   OTELC_TEMPORALITY_CUMULATIVE);
  otelc_counter_add(c, 1, NULL, 0);
  mc_collect(f.r[1], &cu);
  assert_int_equal(mc_get(&cu, "n", "")->i, 8);
  mc_collect(f.r[0], &d);
  assert_int_equal(mc_get(&d, "n", "")->i, 1);
  assert_null(mc_find(&d, "h", ""));
  otelc_metric_reader_stats st;
  otelc_metric_reader_get_stats(f.r[0], &st);
  assert_int_equal(st.collections, 3);
  mc_free(&d);
  mc_free(&cu);
  mfix_free(&f);
}

static void test_reader_histogram_preference(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  p.histogram_aggregation = OTELC_AGGREGATION_EXP_HISTOGRAM;
  mfix f;
  mfix_init_full(&f, 1, &p, NULL, 0, 0);
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "h", &(otelc_instrument_opts){.is_double = true});
  otelc_histogram_record(h, 1.5, NULL, 0);
  otelc_histogram_record(h, 3, NULL, 0);
  mfix_collect(&f);
  mpoint *pt = mc_get(&f.c, "h", "");
  assert_int_equal(pt->type, OTELC_METRIC_EXP_HISTOGRAM);
  assert_int_equal(pt->temporality, OTELC_TEMPORALITY_CUMULATIVE);
  mfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_delta_counter),
      cmocka_unit_test(test_delta_double_updown),
      cmocka_unit_test(test_delta_histogram),
      cmocka_unit_test(test_cumulative_histogram_accumulates),
      cmocka_unit_test(test_delta_gauge),
      cmocka_unit_test(test_prefs_table),
      cmocka_unit_test(test_prefs_from_env),
      cmocka_unit_test(test_two_readers_independent),
      cmocka_unit_test(test_reader_histogram_preference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
