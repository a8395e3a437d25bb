/*
 * Span throughput: start a span, set 4 attributes, end it, through a batch
 * processor with default sizes into an exporter that only counts.
 *
 *   bench_span [spans] [threads] [sampler]
 *     spans    total spans per thread (default 5000000)
 *     threads  producer threads (default 1)
 *     sampler  "on" (default) or "off" (always_off: unsampled spans)
 *
 * Prints one line: ns/span (wall time of the producers), spans dropped,
 * and otelc allocations per span after a warm-up.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/internal.h"
#include "otelc/otelc.h"

static _Atomic unsigned long exported;

static otelc_status count_export(void *self, otelc_span *const *spans,
                                 size_t n, uint32_t timeout_ms) {
  (void)self;
  (void)spans;
  (void)timeout_ms;
  atomic_fetch_add_explicit(&exported, n, memory_order_relaxed);
  return OTELC_OK;
}

typedef struct job {
  otelc_tracer *tracer;
  long n;
} job;

static void one_span(otelc_tracer *t) {
  otelc_span *s = otelc_span_start(t, "GET /api/v1/users/{id}", NULL);
  otelc_span_set_str(s, "http.method", "GET");
  otelc_span_set_str(s, "http.route", "/api/v1/users/{id}");
  otelc_span_set_int(s, "http.status_code", 200);
  otelc_span_set_double(s, "http.duration_ratio", 0.25);
  otelc_span_end(s);
}

static void *produce(void *arg) {
  job *j = arg;
  for (long i = 0; i < j->n; i++)
    one_span(j->tracer);
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 5000000;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  bool off = argc > 3 && strcmp(argv[3], "off") == 0;
  if (n < 0 || threads < 1 || threads > 64) {
    fprintf(stderr, "usage: bench_span [spans] [threads] [on|off]\n");
    return 2;
  }

  static const otelc_span_exporter_ops ops = {count_export, NULL, NULL,
                                              NULL};
  /* Default sizes unless OTEL_BSP_* say otherwise. */
  otelc_batch_opts bo;
  otelc_batch_opts_from_env(&bo);
  otelc_span_exporter *e;
  otelc_span_processor *p;
  otelc_tracer_provider *tp;
  if (otelc_span_exporter_new(&ops, NULL, &e) != OTELC_OK ||
      otelc_batch_span_processor_new(e, &bo, &p) != OTELC_OK)
    return 1;
  otelc_tracer_provider_opts o = {0};
  o.sampler = off ? otelc_sampler_always_off()
                  : otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL);
  o.processors = &p;
  o.n_processors = 1;
  if (otelc_tracer_provider_new(&o, &tp) != OTELC_OK)
    return 1;
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "bench", .version = "1.0"});

  /* Warm-up: fill the span pools, then measure. */
  /* A fixed warm-up, so that runs of different lengths differ only by
   * the measured spans (bench/run.sh subtracts two callgrind runs). */
  long warm = 20000;
  for (long i = 0; i < warm; i++)
    one_span(t);
  otelc_tracer_provider_force_flush(tp, 30000);
  unsigned long allocs_before = otelc__alloc_calls();
  unsigned long exported_before = atomic_load(&exported);
  otelc_span_processor_stats before;
  otelc_span_processor_get_stats(p, &before);

  pthread_t th[64];
  job j = {t, n};
  double t0 = now_s();
  for (int i = 0; i < threads; i++)
    pthread_create(&th[i], NULL, produce, &j);
  for (int i = 0; i < threads; i++)
    pthread_join(th[i], NULL);
  double elapsed = now_s() - t0;

  otelc_status shut = otelc_tracer_provider_shutdown(tp, 30000);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(p, &st);
  unsigned long allocs = otelc__alloc_calls() - allocs_before;
  double total = (double)n * threads;
  unsigned long dropped = (unsigned long)(st.dropped_queue_full -
                                          before.dropped_queue_full);
  /* Counts cover the measured spans only, not the warm-up. */
  printf("spans=%ld threads=%d sampler=%s ns/span=%.1f dropped=%lu "
         "(%.3f%%) exported=%lu failed=%lu allocs/span=%.4f\n",
         n, threads, off ? "always_off" : "parentbased_always_on",
         total ? elapsed * 1e9 / (double)n : 0.0, dropped,
         total ? 100.0 * (double)dropped / total : 0.0,
         (unsigned long)(atomic_load(&exported) - exported_before),
         (unsigned long)(st.export_failed - before.export_failed),
         total ? (double)allocs / total : 0.0);
  if (shut != OTELC_OK || st.queue_size != 0)
    printf("shutdown: %s, %u spans left in the queue\n",
           otelc_status_name(shut), st.queue_size);
  otelc_tracer_provider_free(tp);
  return 0;
}
