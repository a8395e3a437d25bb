/*
 * Metrics hot paths: counter add and histogram record with two
 * attributes, the same counter from several threads, a bound counter, and
 * the collection of 2000 series. One pull reader, cumulative, default
 * exemplar filter (trace_based) with no span current.
 *
 *   bench_metrics [mode] [ops] [threads]
 *     mode     counter (default), hist, bound, collect, or all
 *     ops      operations per thread (default 20000000; collect: 2000)
 *     threads  recording threads (default 1; counter, hist and bound)
 *
 * Prints one line per run: ns/op (wall time of the recording threads;
 * for collect, per collection) and otelc allocations per operation after
 * a fixed warm-up, so that bench/run.sh can subtract two callgrind runs
 * of different lengths.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/internal.h"
#include "otelc/metrics.h"

typedef struct job {
  const char *mode;
  otelc_counter *c;
  otelc_histogram *h;
  otelc_bound *b;
  long n;
} job;

static const otelc_attr attrs[] = {OTELC_STR("http.request.method", "GET"),
                                   OTELC_INT("http.response.status_code", 200)};

static void *produce(void *arg) {
  job *j = arg;
  if (strcmp(j->mode, "hist") == 0) {
    for (long i = 0; i < j->n; i++)
      otelc_histogram_record(j->h, (double)(i & 1023), attrs, 2);
  } else if (strcmp(j->mode, "bound") == 0) {
    for (long i = 0; i < j->n; i++)
      otelc_bound_add(j->b, 1);
  } else {
    for (long i = 0; i < j->n; i++)
      otelc_counter_add(j->c, 1, attrs, 2);
  }
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void count_points(const otelc_resource_metrics *rm, void *ud) {
  size_t *n = ud;
  for (size_t s = 0; s < rm->n_scopes; s++)
    for (size_t m = 0; m < rm->scopes[s].n_metrics; m++)
      *n += rm->scopes[s].metrics[m].n_points;
}

static int run(const char *mode, long n, int threads) {
  otelc_metric_reader *r;
  otelc_meter_provider *mp;
  if (otelc_pull_reader_new(NULL, NULL, NULL, &r) != OTELC_OK)
    return 1;
  otelc_meter_provider_opts o = {.readers = &r, .n_readers = 1};
  if (otelc_meter_provider_new(&o, &mp) != OTELC_OK)
    return 1;
  otelc_meter *m = otelc_meter_provider_get_meter(
      mp, &(otelc_scope_info){.name = "bench", .version = "1.0"});
  job j = {mode, otelc_meter_counter(m, "http.server.requests", NULL),
           otelc_meter_histogram(
               m, "http.server.request.duration",
               &(otelc_instrument_opts){.unit = "ms", .is_double = true}),
           NULL, n};
  j.b = otelc_counter_bind(j.c, attrs, 2);

  if (strcmp(mode, "collect") == 0) {
    /* 2000 series, then n collections of them. */
    for (int i = 0; i < 2000; i++)
      otelc_counter_add(j.c, 1,
                        OTELC_ATTRS(OTELC_INT("user.id", i),
                                    OTELC_STR("http.request.method", "GET")));
    size_t points = 0;
    for (int i = 0; i < 20; i++) /* fixed warm-up */
      otelc_metric_reader_collect(r, count_points, &points, 1000);
    unsigned long allocs = otelc__alloc_calls();
    points = 0;
    double t0 = now_s();
    for (long i = 0; i < n; i++)
      otelc_metric_reader_collect(r, count_points, &points, 1000);
    double el = now_s() - t0;
    printf("mode=collect series=2001 collections=%ld us/collect=%.1f "
           "ns/series=%.1f points=%zu allocs/collect=%.3f\n",
           n, el * 1e6 / (double)n, el * 1e9 / (double)n / 2001.0,
           points / (size_t)(n ? n : 1),
           (double)(otelc__alloc_calls() - allocs) / (double)(n ? n : 1));
    otelc_bound_free(j.b);
    otelc_meter_provider_free(mp);
    return 0;
  }

  /* A fixed warm-up, so that runs of different lengths differ only by
   * the measured operations (bench/run.sh subtracts two callgrind runs). */
  job warm = j;
  warm.n = 100000;
  produce(&warm);
  unsigned long allocs = otelc__alloc_calls();
  pthread_t th[64];
  double t0 = now_s();
  for (int i = 0; i < threads; i++)
    pthread_create(&th[i], NULL, produce, &j);
  for (int i = 0; i < threads; i++)
    pthread_join(th[i], NULL);
  double el = now_s() - t0;
  double total = (double)n * threads;
  printf("mode=%s threads=%d ops/thread=%ld ns/op=%.2f "
         "allocs/op=%.6f\n",
         mode, threads, n, el * 1e9 / (double)n,
         (double)(otelc__alloc_calls() - allocs) / total);
  otelc_bound_free(j.b);
  otelc_meter_provider_free(mp);
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "counter";
  bool collect = strcmp(mode, "collect") == 0;
  long n = argc > 2 ? atol(argv[2]) : collect ? 2000 : 20000000;
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  if (n < 0 || threads < 1 || threads > 64) {
    fprintf(stderr, "usage: bench_metrics [counter|hist|bound|collect|all] "
                    "[ops] [threads]\n");
    return 2;
  }
  if (strcmp(mode, "all") == 0) {
    long k = argc > 2 ? n : 20000000;
    return run("counter", k, 1) || run("counter", k, 2) || run("hist", k, 1) ||
           run("bound", k, 1) || run("bound", k, 2) || run("collect", 2000, 1);
  }
  return run(mode, n, threads);
}
