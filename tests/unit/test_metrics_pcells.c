/* Cells owned by one thread: totals survive the thread, more threads
 * than a series gives cells to still count exactly, delta readers see
 * each increment once, and histogram snapshots taken while threads record
 * are consistent. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_metrics_fixture.h"

typedef struct job {
  otelc_counter *c;
  otelc_histogram *h;
  otelc_bound *b;
  long n;
  int id;
} job;

static const otelc_attr kAttrs[] = {OTELC_STR("route", "/chat"),
                                    OTELC_INT("code", 200)};

static void *add_n(void *arg) {
  job *j = arg;
  for (long i = 0; i < j->n; i++)
    otelc_counter_add(j->c, 1, kAttrs, 2);
  return NULL;
}

static void *bound_n(void *arg) {
  job *j = arg;
  for (long i = 0; i < j->n; i++)
    otelc_bound_add(j->b, 2);
  return NULL;
}

static void run_threads(int n, void *(*fn)(void *), job *jobs) {
  pthread_t t[64];
  for (int i = 0; i < n; i++)
    assert_int_equal(pthread_create(&t[i], NULL, fn, &jobs[i]), 0);
  for (int i = 0; i < n; i++)
    pthread_join(t[i], NULL);
}

/* Threads that have exited still count, in every later collection. */
static void test_exited_threads_still_count(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "requests", NULL);
  job jobs[3] = {{.c = c, .n = 1000}, {.c = c, .n = 2000}, {.c = c, .n = 3000}};
  run_threads(3, add_n, jobs);
  for (int round = 0; round < 2; round++) {
    mfix_collect(&f);
    assert_int_equal(mc_get(&f.c, "requests", "code=200,route=/chat")->i, 6000);
  }
  mfix_free(&f);
}

/* A series gives out a bounded number of cells; 40 threads at once
 * still sum exactly (the later ones use the shared cell). */
static void test_more_threads_than_cells(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "requests", NULL);
  enum { N = 40 };
  job jobs[N];
  for (int i = 0; i < N; i++)
    jobs[i] = (job){.c = c, .n = 5000};
  run_threads(N, add_n, jobs);
  otelc_counter_add(c, 7, kAttrs, 2); /* and the main thread */
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "requests", "code=200,route=/chat")->i,
                   N * 5000 + 7);
  mfix_free(&f);
}

/* A delta reader reports each thread's increments once. */
static void test_delta_reports_each_increment_once(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  otelc_counter *c = otelc_meter_counter(f.meter, "requests", NULL);
  job jobs[2] = {{.c = c, .n = 300}, {.c = c, .n = 400}};
  run_threads(2, add_n, jobs);
  otelc_counter_add(c, 5, kAttrs, 2);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "requests", "code=200,route=/chat")->i, 705);
  /* Nothing since: the series is not reported. */
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "requests"), 0);
  otelc_counter_add(c, 11, kAttrs, 2);
  run_threads(1, add_n, jobs);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "requests", "code=200,route=/chat")->i, 311);
  mfix_free(&f);
}

/* A bound handle shared by several threads, and the main thread. */
static void test_bound_handle_across_threads(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "tokens", NULL);
  otelc_bound *b = otelc_counter_bind(c, kAttrs, 2);
  otelc_bound_add(b, 1);
  job jobs[4];
  for (int i = 0; i < 4; i++)
    jobs[i] = (job){.b = b, .n = 10000};
  run_threads(4, bound_n, jobs);
  otelc_counter_add(c, 3, kAttrs, 2);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "tokens", "code=200,route=/chat")->i,
                   1 + 4 * 10000 * 2 + 3);
  otelc_bound_free(b);
  mfix_free(&f);
}

/* Collections while threads record: every histogram point is
 * consistent (the count is the sum of the buckets), and the last one,
 * after the threads stop, has everything. */
typedef struct hjob {
  otelc_histogram *h;
  long n;
  _Atomic int *running;
} hjob;

static void *record_hist(void *arg) {
  hjob *j = arg;
  for (long i = 0; i < j->n; i++)
    otelc_histogram_record(j->h, (double)(i % 200), kAttrs, 2);
  atomic_fetch_sub(j->running, 1);
  return NULL;
}

static void check_point(const mpoint *p) {
  uint64_t total = 0;
  for (size_t i = 0; i <= p->n_bounds; i++)
    total += p->buckets[i];
  assert_int_equal(total, p->count);
  if (p->count) {
    assert_true(p->min >= 0 && p->max <= 199 && p->min <= p->max);
    assert_true(p->sum >= 0);
  }
}

static void test_histogram_snapshots_consistent(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "latency", &(otelc_instrument_opts){.is_double = true});
  enum { T = 3, PER = 20000 };
  _Atomic int running = T;
  hjob jobs[T];
  pthread_t t[T];
  for (int i = 0; i < T; i++) {
    jobs[i] = (hjob){h, PER, &running};
    assert_int_equal(pthread_create(&t[i], NULL, record_hist, &jobs[i]), 0);
  }
  int snapshots = 0;
  while (atomic_load(&running) > 0 || snapshots < 3) {
    mfix_collect(&f);
    mpoint *p = mc_find(&f.c, "latency", "code=200,route=/chat");
    if (p)
      check_point(p);
    snapshots++;
  }
  for (int i = 0; i < T; i++)
    pthread_join(t[i], NULL);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "latency", "code=200,route=/chat");
  check_point(p);
  assert_int_equal(p->count, (uint64_t)T * PER);
  /* Each thread recorded 0..199 a hundred times: sum 19900 * 100. */
  assert_true(p->sum == (double)T * 19900.0 * (PER / 200));
  assert_true(p->min == 0 && p->max == 199);
  mfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exited_threads_still_count),
      cmocka_unit_test(test_more_threads_than_cells),
      cmocka_unit_test(test_delta_reports_each_increment_once),
      cmocka_unit_test(test_bound_handle_across_threads),
      cmocka_unit_test(test_histogram_snapshots_consistent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
