/* Bound instruments, and exact results under concurrency: several threads
 * on one series (int, double, histogram, bound), new series created from
 * several threads, and delta collections racing with measurements. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "test_metrics_fixture.h"
#include "trace_fixture.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif

/* Adds per thread: 1M, fewer under sanitizers or OTELC_TEST_SHORT. */
static long adds(void) {
#ifdef SLOW_BUILD
  return 100000;
#else
  return getenv("OTELC_TEST_UNDER_VALGRIND") || getenv("OTELC_TEST_SHORT")
             ? 50000
             : 1000000;
#endif
}

enum { THREADS = 4 };

typedef struct job {
  otelc_counter *c;
  otelc_histogram *h;
  otelc_bound *b;
  long n;
  int id;
  int mode;
} job;

enum { M_INT, M_DOUBLE, M_HIST, M_BOUND, M_NEWSETS };

static void *worker(void *arg) {
  job *j = arg;
  const otelc_attr a[] = {OTELC_STR("route", "/api"), OTELC_INT("code", 200)};
  for (long i = 0; i < j->n; i++) {
    switch (j->mode) {
    case M_INT:
      otelc_counter_add(j->c, 1, a, 2);
      break;
    case M_DOUBLE:
      otelc_counter_add_double(j->c, 1.0, a, 2);
      break;
    case M_HIST:
      otelc_histogram_record_int(j->h, (i & 1) ? 7 : 700, a, 2);
      break;
    case M_BOUND:
      otelc_bound_add(j->b, 1);
      break;
    default: {
      /* Every thread walks the same 500 sets: creation races. */
      otelc_counter_add(j->c, 1,
                        OTELC_ATTRS(OTELC_INT("set", (i + j->id) % 500)));
      break;
    }
    }
  }
  return NULL;
}

static void run(job *proto) {
  pthread_t th[THREADS];
  job jobs[THREADS];
  for (int i = 0; i < THREADS; i++) {
    jobs[i] = *proto;
    jobs[i].id = i;
    pthread_create(&th[i], NULL, worker, &jobs[i]);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
}

static void test_exact_sums_one_series(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  long n = adds();
  job j = {
      .c = otelc_meter_counter(f.meter, "int", NULL), .n = n, .mode = M_INT};
  run(&j);
  j.c = otelc_meter_counter(f.meter, "dbl",
                            &(otelc_instrument_opts){.is_double = true});
  j.mode = M_DOUBLE;
  run(&j);
  j.h = otelc_meter_histogram(f.meter, "hist", NULL);
  j.mode = M_HIST;
  run(&j);
  j.c = otelc_meter_counter(f.meter, "bound", NULL);
  j.b = otelc_counter_bind(j.c, NULL, 0);
  j.mode = M_BOUND;
  run(&j);
  otelc_bound_free(j.b);
  mfix_collect(&f);
  const char *attrs = "code=200,route=/api";
  assert_int_equal(mc_get(&f.c, "int", attrs)->i, THREADS * n);
  assert_true(mc_get(&f.c, "dbl", attrs)->d == (double)(THREADS * n));
  mpoint *h = mc_get(&f.c, "hist", attrs);
  assert_int_equal(h->count, (uint64_t)(THREADS * n));
  assert_int_equal(h->buckets[2] + h->buckets[9], (uint64_t)(THREADS * n));
  assert_int_equal(h->buckets[2], (uint64_t)(THREADS * n / 2));
  assert_true(h->sum == 707.0 * (double)(THREADS * n / 2));
  assert_true(h->min == 7 && h->max == 700);
  assert_int_equal(mc_get(&f.c, "bound", "")->i, THREADS * n);
  mfix_free(&f);
}

static void test_concurrent_series_creation(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  long n = adds() / 10;
  n -= n % 500;
  job j = {.c = otelc_meter_counter(f.meter, "sets", NULL),
           .n = n,
           .mode = M_NEWSETS};
  run(&j);
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "sets"), 500);
  for (size_t i = 0; i < f.c.n; i++)
    assert_int_equal(f.c.pts[i].i, THREADS * n / 500);
  mfix_free(&f);
}

typedef struct racer {
  otelc_metric_reader *r;
  _Atomic bool stop;
  int64_t sum;
  uint64_t hist;
  int rounds;
} racer;

static void sum_cb(const otelc_resource_metrics *rm, void *ud) {
  racer *r = ud;
  for (size_t s = 0; s < rm->n_scopes; s++)
    for (size_t k = 0; k < rm->scopes[s].n_metrics; k++) {
      const otelc_metric *m = &rm->scopes[s].metrics[k];
      for (size_t p = 0; p < m->n_points; p++) {
        if (m->type == OTELC_METRIC_SUM)
          r->sum += m->points.numbers[p].value.i;
        else if (m->type == OTELC_METRIC_HISTOGRAM)
          r->hist += m->points.histograms[p].count;
      }
    }
}

static void *collector(void *arg) {
  racer *r = arg;
  while (!atomic_load(&r->stop)) {
    otelc_metric_reader_collect(r->r, sum_cb, r, 1000);
    r->rounds++;
  }
  return NULL;
}

static void test_delta_collect_races_measurements(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  racer r = {.r = f.r[0]};
  pthread_t col;
  pthread_create(&col, NULL, collector, &r);
  long n = adds() / 4;
  job j = {.c = otelc_meter_counter(f.meter, "c", NULL), .n = n, .mode = M_INT};
  run(&j);
  j.h = otelc_meter_histogram(f.meter, "h", NULL);
  j.mode = M_HIST;
  run(&j);
  atomic_store(&r.stop, true);
  pthread_join(col, NULL);
  otelc_metric_reader_collect(r.r, sum_cb, &r, 1000);
  assert_true(r.rounds > 1);
  /* Nothing lost, nothing counted twice. */
  assert_int_equal(r.sum, THREADS * n);
  assert_int_equal(r.hist, (uint64_t)(THREADS * n));
  mfix_free(&f);
}

/* ---------------------------------------------------------------- bound -- */

static void test_bound_instruments(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_bound *b = otelc_counter_bind(
      c, OTELC_ATTRS(OTELC_STR("b", "2"), OTELC_STR("a", "1")));
  otelc_bound_add(b, 5);
  otelc_bound_add_double(b, 2.7); /* truncated */
  otelc_counter_add(c, 1,
                    OTELC_ATTRS(OTELC_STR("a", "1"), OTELC_STR("b", "2")));
  otelc_up_down_counter *u = otelc_meter_up_down_counter(
      f.meter, "u", &(otelc_instrument_opts){.is_double = true});
  otelc_bound *bu = otelc_up_down_counter_bind(u, NULL, 0);
  otelc_bound_add_double(bu, -1.5);
  otelc_bound_add(bu, 3);
  otelc_histogram *h = otelc_meter_histogram(f.meter, "h", NULL);
  otelc_bound *bh = otelc_histogram_bind(h, OTELC_ATTRS(OTELC_INT("x", 1)));
  otelc_bound_record(bh, 3.5);
  otelc_bound_record_int(bh, 30);
  otelc_gauge *g = otelc_meter_gauge(f.meter, "g", NULL);
  otelc_bound *bg = otelc_gauge_bind(g, NULL, 0);
  otelc_counter *z = otelc_meter_counter(f.meter, "zero", NULL);
  otelc_bound *bz = otelc_counter_bind(z, OTELC_ATTRS(OTELC_INT("k", 1)));
  mfix_collect(&f);
  /* A gauge bound but never set has nothing to report; a bound counter
   * is reported at zero. */
  assert_null(mc_find(&f.c, "g", ""));
  assert_int_equal(mc_get(&f.c, "zero", "k=1")->i, 0);
  otelc_bound_free(bz);
  otelc_bound_record_int(bg, 9);
  otelc_bound_record_int(bg, 8);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "a=1,b=2")->i, 8);
  assert_true(mc_get(&f.c, "u", "")->d == 1.5);
  mpoint *p = mc_get(&f.c, "h", "x=1");
  assert_int_equal(p->count, 2);
  assert_true(p->sum == 33 && p->min == 3 && p->max == 30);
  assert_int_equal(mc_get(&f.c, "g", "")->i, 8);
  otelc_bound_free(b);
  otelc_bound_free(bu);
  otelc_bound_free(bh);
  /* bg is left for the provider to free. */
  mfix_free(&f);
}

static void test_bound_past_limit_and_delta(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DELTA);
  p.cardinality_limit = 2;
  mfix f;
  mfix_init_full(&f, 1, &p, NULL, 0, 0);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_bound *b[3];
  for (int i = 0; i < 3; i++)
    b[i] = otelc_counter_bind(c, OTELC_ATTRS(OTELC_INT("i", i)));
  for (int i = 0; i < 3; i++)
    otelc_bound_add(b[i], 10 + i);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "i=0")->i, 10);
  assert_int_equal(mc_get(&f.c, "c", "i=1")->i, 11);
  assert_int_equal(mc_get(&f.c, "c", "otel.metric.overflow=true")->i, 12);
  /* Delta: a bound series without measurements is not reported. */
  otelc_bound_add(b[1], 1);
  mfix_collect(&f);
  assert_int_equal(f.c.n, 1);
  assert_int_equal(mc_get(&f.c, "c", "i=1")->i, 1);
  for (int i = 0; i < 3; i++)
    otelc_bound_free(b[i]);
  mfix_free(&f);
}

static void test_bound_after_shutdown_and_noop(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_bound *b = otelc_counter_bind(c, NULL, 0);
  otelc_bound_add(b, 1);
  otelc_bound *nb =
      otelc_counter_bind(otelc_meter_counter(f.meter, "9bad", NULL), NULL, 0);
  assert_non_null(nb);
  otelc_bound_add(nb, 1);
  otelc_bound_free(nb);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "")->i, 1);
  otelc_meter_provider_shutdown(f.mp, 100);
  otelc_bound_add(b, 1); /* ignored */
  assert_int_equal(mc_get(&f.c, "c", "")->i, 1);
  otelc_bound_free(b);
  mfix_free(&f);
}

static void test_bound_exemplars(void **state) {
  (void)state;
  fixture tf;
  fixture_init(&tf, NULL, NULL);
  const char *keep[] = {"a"};
  const otelc_view v = {.instrument_name = "c",
                        .attribute_keys = keep,
                        .n_attribute_keys = 1,
                        .keep_only_listed = true};
  mfix f;
  mfix_init_full(&f, 1, NULL, &v, 1, OTELC_EXEMPLAR_FILTER_TRACE_BASED);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_bound *b = otelc_counter_bind(
      c, OTELC_ATTRS(OTELC_INT("a", 1), OTELC_STR("secret", "s")));
  otelc_bound_add(b, 1); /* no span */
  otelc_span *s = otelc_span_start(tf.tracer, "op", NULL);
  otelc_scope sc = otelc_span_activate(s);
  otelc_bound_add(b, 2);
  otelc_context_detach(sc);
  otelc_span_end(s);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "c", "a=1");
  assert_int_equal(p->i, 3);
  assert_int_equal(p->n_ex, 1);
  assert_int_equal(p->ex[0].i, 2);
  assert_true(p->ex[0].has_span);
  assert_string_equal(p->ex[0].fattrs, "secret=s");
  otelc_bound_free(b);
  mfix_free(&f);
  fixture_free(&tf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_sums_one_series),
      cmocka_unit_test(test_concurrent_series_creation),
      cmocka_unit_test(test_delta_collect_races_measurements),
      cmocka_unit_test(test_bound_instruments),
      cmocka_unit_test(test_bound_past_limit_and_delta),
      cmocka_unit_test(test_bound_after_shutdown_and_noop),
      cmocka_unit_test(test_bound_exemplars),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
