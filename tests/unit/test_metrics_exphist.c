/* The base-2 exponential histogram aggregation as the SDK uses it: views
 * and reader preferences selecting it, its parameters, cumulative and
 * delta collections, and its default exemplar reservoir. */
#include <math.h>

#include "test_metrics_fixture.h"

static uint64_t bucket_total(const mpoint *p) {
  uint64_t n = 0;
  for (size_t i = 0; i < p->pos_n; i++)
    n += p->pos[i];
  return n;
}

static const otelc_view exp_view = {
    .instrument_name = "*",
    .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM}};

static void test_values_and_scale(void **state) {
  (void)state;
  mfix f;
  mfix_init_full(&f, 1, NULL, &exp_view, 1, 0);
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "h", &(otelc_instrument_opts){.is_double = true});
  otelc_histogram_record(h, 1, NULL, 0);
  otelc_histogram_record(h, 2, NULL, 0);
  otelc_histogram_record(h, 4, NULL, 0);
  otelc_histogram_record(h, 0, NULL, 0);
  otelc_histogram_record(h, NAN, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "h", "");
  assert_int_equal(p->type, OTELC_METRIC_EXP_HISTOGRAM);
  assert_int_equal(p->count, 4);
  assert_int_equal(p->zero_count, 1);
  assert_true(p->has_sum && p->sum == 7);
  assert_true(p->has_min_max && p->min == 0 && p->max == 4);
  /* The highest scale at which indexes -1 .. 2^(s+1)-1 fit 160 buckets. */
  assert_int_equal(p->scale, 6);
  assert_int_equal(bucket_total(p), 3);
  mfix_free(&f);
}

static void test_cumulative_and_delta(void **state) {
  (void)state;
  otelc_metric_reader_prefs prefs[2];
  otelc_metric_reader_prefs_init(&prefs[0], OTELC_TEMPORALITY_PREF_DELTA);
  otelc_metric_reader_prefs_init(&prefs[1], OTELC_TEMPORALITY_PREF_CUMULATIVE);
  prefs[0].histogram_aggregation = OTELC_AGGREGATION_EXP_HISTOGRAM;
  prefs[1].histogram_aggregation = OTELC_AGGREGATION_EXP_HISTOGRAM;
  mfix f;
  mfix_init_full(&f, 2, prefs, NULL, 0, 0);
  otelc_histogram *h = otelc_meter_histogram(f.meter, "h", NULL);
  mcollect d = {0}, c = {0};
  otelc_histogram_record_int(h, 10, NULL, 0);
  otelc_histogram_record_int(h, 20, NULL, 0);
  mc_collect(f.r[0], &d);
  assert_int_equal(mc_get(&d, "h", "")->count, 2);
  otelc_histogram_record_int(h, 30, NULL, 0);
  mc_collect(f.r[0], &d);
  mpoint *p = mc_get(&d, "h", "");
  assert_int_equal(p->temporality, OTELC_TEMPORALITY_DELTA);
  assert_int_equal(p->count, 1);
  assert_true(p->sum == 30 && p->min == 30 && p->max == 30);
  assert_int_equal(bucket_total(p), 1);
  mc_collect(f.r[1], &c);
  mc_collect(f.r[1], &c);
  p = mc_get(&c, "h", "");
  assert_int_equal(p->temporality, OTELC_TEMPORALITY_CUMULATIVE);
  assert_int_equal(p->count, 3);
  assert_true(p->sum == 60 && p->min == 10 && p->max == 30);
  assert_int_equal(bucket_total(p), 3);
  mc_free(&d);
  mc_free(&c);
  mfix_free(&f);
}

static void test_view_parameters(void **state) {
  (void)state;
  const otelc_view v[] = {
      {.instrument_name = "small",
       .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM, .max_size = 4}},
      {.instrument_name = "coarse",
       .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM,
                       .max_scale = 0,
                       .max_scale_set = true,
                       .no_min_max = true}}};
  mfix f;
  mfix_init_full(&f, 1, NULL, v, 2, 0);
  otelc_histogram *s = otelc_meter_histogram(f.meter, "small", NULL);
  otelc_histogram *c = otelc_meter_histogram(f.meter, "coarse", NULL);
  otelc_histogram_record_int(c, 3, NULL, 0);
  for (int i = 1; i <= 1000; i *= 2)
    otelc_histogram_record_int(s, i + 1, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "small", "");
  assert_true(p->pos_n <= 4);
  assert_int_equal(bucket_total(p), 10);
  p = mc_get(&f.c, "coarse", "");
  assert_true(p->scale <= 0);
  assert_false(p->has_min_max);
  mfix_free(&f);
}

static void test_negative_values_no_sum(void **state) {
  (void)state;
  /* A gauge can record negatives: the histogram has no sum. */
  mfix f;
  mfix_init_full(&f, 1, NULL, &exp_view, 1, 0);
  otelc_gauge *g = otelc_meter_gauge(
      f.meter, "g", &(otelc_instrument_opts){.is_double = true});
  otelc_gauge_record(g, -2.5, NULL, 0);
  otelc_gauge_record(g, 4, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "g", "");
  assert_int_equal(p->count, 2);
  assert_false(p->has_sum);
  assert_true(p->min == -2.5 && p->max == 4);
  assert_int_equal(bucket_total(p), 1); /* the other is negative */
  mfix_free(&f);
}

static void test_default_reservoir_size(void **state) {
  (void)state;
  const otelc_view v[] = {
      {.instrument_name = "big",
       .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM}},
      {.instrument_name = "tiny",
       .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM,
                       .max_size = 4}}};
  mfix f;
  mfix_init_full(&f, 1, NULL, v, 2, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  otelc_histogram *big = otelc_meter_histogram(f.meter, "big", NULL);
  otelc_histogram *tiny = otelc_meter_histogram(f.meter, "tiny", NULL);
  for (int i = 1; i <= 50; i++) {
    otelc_histogram_record_int(big, i, NULL, 0);
    otelc_histogram_record_int(tiny, i, NULL, 0);
  }
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "big", "")->n_ex, 20); /* min(20, 160) */
  assert_int_equal(mc_get(&f.c, "tiny", "")->n_ex, 4); /* min(20, 4) */
  mfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values_and_scale),
      cmocka_unit_test(test_cumulative_and_delta),
      cmocka_unit_test(test_view_parameters),
      cmocka_unit_test(test_negative_values_no_sum),
      cmocka_unit_test(test_default_reservoir_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
