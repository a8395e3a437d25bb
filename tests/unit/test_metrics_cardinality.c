/* The cardinality limit: the overflow series, preserved totals, bounded
 * memory, the limit of a view and of a reader, and series kept across
 * collections. */
#include "common/internal.h"
#include "test_metrics_fixture.h"

static void add_distinct(otelc_counter *c, int from, int to) {
  for (int i = from; i < to; i++)
    otelc_counter_add(c, 1,
                      OTELC_ATTRS(OTELC_INT("id", i), OTELC_STR("kind", "x")));
}

static int64_t total_of(mcollect *c, const char *metric, size_t *points,
                        mpoint **overflow) {
  int64_t total = 0;
  *points = 0;
  *overflow = NULL;
  for (size_t i = 0; i < c->n; i++) {
    if (strcmp(c->pts[i].metric, metric) != 0)
      continue;
    (*points)++;
    total += c->pts[i].i;
    if (strcmp(c->pts[i].attrs, "otel.metric.overflow=true") == 0)
      *overflow = &c->pts[i];
  }
  return total;
}

static void test_default_limit_and_overflow(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  add_distinct(c, 0, 3000);
  /* Past the limit nothing is allocated any more, whatever the values. */
  unsigned long before = otelc__alloc_calls();
  add_distinct(c, 3000, 10000);
  assert_int_equal(otelc__alloc_calls(), before);
  mfix_collect(&f);
  size_t points;
  mpoint *ovf;
  int64_t total = total_of(&f.c, "n", &points, &ovf);
  assert_int_equal(points, 2001);
  assert_int_equal(total, 10000);
  assert_non_null(ovf);
  assert_int_equal(ovf->i, 8000);
  assert_int_equal(ovf->n_attrs, 1);
  /* The first 2000 sets kept their own series. */
  assert_int_equal(mc_get(&f.c, "n", "id=0,kind=x")->i, 1);
  assert_int_equal(mc_get(&f.c, "n", "id=1999,kind=x")->i, 1);
  assert_null(mc_find(&f.c, "n", "id=2000,kind=x"));
  /* Cumulative: series seen before the overflow keep being updated and
   * exported. */
  otelc_counter_add(c, 5,
                    OTELC_ATTRS(OTELC_STR("kind", "x"), OTELC_INT("id", 7)));
  otelc_counter_add(
      c, 5, OTELC_ATTRS(OTELC_INT("id", 123456), OTELC_STR("kind", "x")));
  mfix_collect(&f);
  total = total_of(&f.c, "n", &points, &ovf);
  assert_int_equal(points, 2001);
  assert_int_equal(total, 10010);
  assert_int_equal(mc_get(&f.c, "n", "id=7,kind=x")->i, 6);
  assert_int_equal(ovf->i, 8005);
  mfix_free(&f);
}

static void test_limit_exact_no_overflow(void **state) {
  (void)state;
  /* Exactly `limit` distinct sets: no overflow point at all. */
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  p.cardinality_limit = 10;
  mfix f;
  mfix_init_full(&f, 1, &p, NULL, 0, 0);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  add_distinct(c, 0, 10);
  add_distinct(c, 0, 10);
  mfix_collect(&f);
  size_t points;
  mpoint *ovf;
  assert_int_equal(total_of(&f.c, "n", &points, &ovf), 20);
  assert_int_equal(points, 10);
  assert_null(ovf);
  add_distinct(c, 10, 11);
  mfix_collect(&f);
  assert_int_equal(total_of(&f.c, "n", &points, &ovf), 21);
  assert_int_equal(points, 11);
  assert_non_null(ovf);
  assert_int_equal(ovf->i, 1);
  mfix_free(&f);
}

static void test_view_limit_wins(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  p.cardinality_limit = 50;
  const otelc_view v = {.instrument_name = "limited", .cardinality_limit = 3};
  mfix f;
  mfix_init_full(&f, 1, &p, &v, 1, 0);
  otelc_counter *c = otelc_meter_counter(f.meter, "limited", NULL);
  otelc_counter *other = otelc_meter_counter(f.meter, "other", NULL);
  add_distinct(c, 0, 20);
  add_distinct(other, 0, 60);
  mfix_collect(&f);
  size_t points;
  mpoint *ovf;
  assert_int_equal(total_of(&f.c, "limited", &points, &ovf), 20);
  assert_int_equal(points, 4);
  assert_int_equal(ovf->i, 17);
  assert_int_equal(total_of(&f.c, "other", &points, &ovf), 60);
  assert_int_equal(points, 51); /* the reader's limit */
  assert_int_equal(ovf->i, 10);
  mfix_free(&f);
}

static void test_limit_after_filtering(void **state) {
  (void)state;
  /* Enforced after the view's attribute filter: many raw sets, two
   * filtered ones, no overflow. */
  const char *keep[] = {"kind"};
  const otelc_view v = {.instrument_name = "n",
                        .attribute_keys = keep,
                        .n_attribute_keys = 1,
                        .keep_only_listed = true,
                        .cardinality_limit = 2};
  mfix f;
  mfix_init_full(&f, 1, NULL, &v, 1, 0);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  add_distinct(c, 0, 100);
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_STR("kind", "y")));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "n"), 2);
  assert_int_equal(mc_get(&f.c, "n", "kind=x")->i, 100);
  assert_int_equal(mc_get(&f.c, "n", "kind=y")->i, 1);
  mfix_free(&f);
}

static void test_histogram_overflow_counts(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DELTA);
  p.cardinality_limit = 5;
  mfix f;
  mfix_init_full(&f, 1, &p, NULL, 0, 0);
  otelc_histogram *h = otelc_meter_histogram(f.meter, "h", NULL);
  for (int i = 0; i < 100; i++)
    otelc_histogram_record_int(h, i, OTELC_ATTRS(OTELC_INT("i", i)));
  mfix_collect(&f);
  uint64_t count = 0;
  size_t points = 0;
  for (size_t i = 0; i < f.c.n; i++) {
    count += f.c.pts[i].count;
    points++;
  }
  assert_int_equal(points, 6);
  assert_int_equal(count, 100);
  mpoint *ovf = mc_get(&f.c, "h", "otel.metric.overflow=true");
  assert_int_equal(ovf->count, 95);
  assert_true(ovf->min == 5 && ovf->max == 99);
  /* Delta: the next interval only shows what was measured. */
  otelc_histogram_record_int(h, 1, OTELC_ATTRS(OTELC_INT("i", 1)));
  otelc_histogram_record_int(h, 1, OTELC_ATTRS(OTELC_INT("i", 1000)));
  mfix_collect(&f);
  assert_int_equal(f.c.n, 2);
  assert_int_equal(mc_get(&f.c, "h", "otel.metric.overflow=true")->count, 1);
  mfix_free(&f);
}

static void test_memory_stops_growing(void **state) {
  (void)state;
  /* Long string values: memory must not follow them past the limit. */
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DELTA);
  p.cardinality_limit = 100;
  mfix f;
  mfix_init_full(&f, 1, &p, NULL, 0, 0);
  otelc_histogram *h = otelc_meter_histogram(f.meter, "h", NULL);
  char buf[300];
  memset(buf, 'v', sizeof buf - 1);
  buf[sizeof buf - 1] = '\0';
  for (int i = 0; i < 200; i++) {
    snprintf(buf, 16, "%08d", i);
    buf[8] = 'v';
    otelc_histogram_record_int(h, i, OTELC_ATTRS(OTELC_STR("user", buf)));
  }
  mfix_collect(&f);
  mfix_collect(&f); /* settle the reader's buffers */
  unsigned long before = otelc__alloc_calls();
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 2000; i++) {
      snprintf(buf, 16, "%08d", 1000 + round * 2000 + i);
      buf[8] = 'v';
      otelc_histogram_record_int(h, i, OTELC_ATTRS(OTELC_STR("user", buf)));
    }
    mc_free(&f.c);
    assert_int_equal(
        otelc_metric_reader_collect(f.r[0], mc_callback, &f.c, 1000), OTELC_OK);
    assert_int_equal(f.c.n, 1); /* only the overflow series had data */
  }
  assert_int_equal(otelc__alloc_calls(), before);
  mfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_limit_and_overflow),
      cmocka_unit_test(test_limit_exact_no_overflow),
      cmocka_unit_test(test_view_limit_wins),
      cmocka_unit_test(test_limit_after_filtering),
      cmocka_unit_test(test_histogram_overflow_counts),
      cmocka_unit_test(test_memory_stops_growing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
