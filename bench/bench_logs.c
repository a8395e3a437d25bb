/*
 * Log record throughput: a record with a string body and 2 attributes,
 * emitted while a sampled span is current (so it is correlated), through
 * a batch processor with the default sizes into an exporter that only
 * counts.
 *
 *   bench_logs [mode] [records] [threads]
 *     mode     emit (default): otelc_logger_emit;
 *              logf: otelc_logf through the global provider, console
 *              line off (the message is formatted with vsnprintf);
 *              all: both, one line each
 *     records  records per thread (default 5000000)
 *     threads  emitting threads (default 1)
 *
 * Prints one line per mode: ns/op (wall time of the emitting threads),
 * records dropped by the full queue, and otelc allocations per record
 * after a fixed warm-up, so that bench/run.sh can subtract two callgrind
 * runs of different lengths.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/internal.h"
#include "otelc/logs.h"
#include "otelc/otelc.h"

static _Atomic unsigned long exported;

static otelc_status count_export(void *self, otelc_log_record *const *r,
                                 size_t n, uint32_t timeout_ms) {
  (void)self;
  (void)r;
  (void)timeout_ms;
  atomic_fetch_add_explicit(&exported, n, memory_order_relaxed);
  return OTELC_OK;
}

static const otelc_attr attrs[] = {
    OTELC_STR("http.route", "/api/v1/users/{id}"),
    OTELC_INT("http.response.status_code", 200)};

typedef struct job {
  bool logf;
  otelc_logger *logger;
  otelc_tracer *tracer;
  long n;
} job;

static void emit_loop(const job *j, long n) {
  if (j->logf) {
    for (long i = 0; i < n; i++)
      otelc_logf(OTELC_SEVERITY_INFO, attrs, 2, "request %s handled in %d ms",
                 "GET /api/v1/users/42", 12);
    return;
  }
  otelc_log_emit e = {.severity = OTELC_SEVERITY_INFO,
                      .body_str = "request handled",
                      .attrs = attrs,
                      .n_attrs = 2};
  for (long i = 0; i < n; i++)
    otelc_logger_emit(j->logger, &e);
}

/* Each thread emits inside a span of its own. */
static void *produce(void *arg) {
  job *j = arg;
  otelc_span *s = otelc_span_start(j->tracer, "handle", NULL);
  otelc_scope sc = otelc_span_activate(s);
  emit_loop(j, j->n);
  otelc_context_detach(sc);
  otelc_span_end(s);
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One measured run of @p mode; prints its line. */
static int run(const char *mode, long n, int threads) {
  bool logf = strcmp(mode, "logf") == 0;
  static const otelc_log_exporter_ops ops = {count_export, NULL, NULL, NULL};
  /* Default sizes unless OTEL_BLRP_* say otherwise. */
  otelc_log_batch_opts bo;
  otelc_log_batch_opts_from_env(&bo);
  otelc_log_exporter *e;
  otelc_log_processor *p;
  otelc_logger_provider *lp;
  if (otelc_log_exporter_new(&ops, NULL, &e) != OTELC_OK ||
      otelc_batch_log_processor_new(e, &bo, &p) != OTELC_OK)
    return 1;
  otelc_log_limits lim = {128, UINT32_MAX};
  otelc_logger_provider_opts o = {
      .processors = &p, .n_processors = 1, .limits = &lim};
  if (otelc_logger_provider_new(&o, &lp) != OTELC_OK)
    return 1;
  otelc_logger_provider_set_global(lp);
  otelc_log_configure(&(otelc_log_settings){.no_console_line = true});

  /* Spans are only made current: a processor that does nothing. */
  static const otelc_span_processor_ops sops = {0};
  otelc_span_processor *sp;
  otelc_tracer_provider *tp;
  if (otelc_span_processor_new(&sops, NULL, &sp) != OTELC_OK)
    return 1;
  otelc_tracer_provider_opts to = {0};
  to.sampler = otelc_sampler_always_on();
  to.processors = &sp;
  to.n_processors = 1;
  if (otelc_tracer_provider_new(&to, &tp) != OTELC_OK)
    return 1;
  otelc_scope_info scope = {.name = "bench", .version = "1.0"};
  job j = {logf, otelc_logger_provider_get_logger(lp, &scope),
           otelc_tracer_provider_get_tracer(tp, &scope), n};

  /* A fixed warm-up fills the record pools, so that runs of different
   * lengths differ only by the measured records. */
  job warm = j;
  warm.n = 20000;
  produce(&warm);
  otelc_logger_provider_force_flush(lp, 30000);
  unsigned long allocs_before = otelc__alloc_calls();
  unsigned long exported_before = atomic_load(&exported);
  otelc_log_processor_stats before;
  otelc_log_processor_get_stats(p, &before);

  pthread_t th[64];
  double t0 = now_s();
  for (int i = 0; i < threads; i++)
    pthread_create(&th[i], NULL, produce, &j);
  for (int i = 0; i < threads; i++)
    pthread_join(th[i], NULL);
  double elapsed = now_s() - t0;

  otelc_status shut = otelc_logger_provider_shutdown(lp, 30000);
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(p, &st);
  unsigned long allocs = otelc__alloc_calls() - allocs_before;
  double total = (double)n * threads;
  unsigned long dropped =
      (unsigned long)(st.dropped_queue_full - before.dropped_queue_full);
  printf("mode=%s records=%ld threads=%d ns/op=%.1f dropped=%lu (%.3f%%) "
         "exported=%lu allocs/op=%.4f\n",
         mode, n, threads, n ? elapsed * 1e9 / (double)n : 0.0, dropped,
         total ? 100.0 * (double)dropped / total : 0.0,
         (unsigned long)(atomic_load(&exported) - exported_before),
         total ? (double)allocs / total : 0.0);
  if (shut != OTELC_OK || st.queue_size != 0)
    printf("shutdown: %s, %u records left in the queue\n",
           otelc_status_name(shut), st.queue_size);
  otelc_logger_provider_set_global(NULL);
  otelc_logger_provider_free(lp);
  otelc_tracer_provider_free(tp);
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "emit";
  long n = argc > 2 ? atol(argv[2]) : 5000000;
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  bool all = strcmp(mode, "all") == 0;
  if (n < 0 || threads < 1 || threads > 64 ||
      (!all && strcmp(mode, "emit") != 0 && strcmp(mode, "logf") != 0)) {
    fprintf(stderr, "usage: bench_logs [emit|logf|all] [records] "
                    "[threads]\n");
    return 2;
  }
  if (!all)
    return run(mode, n, threads);
  return run("emit", n, threads) || run("logf", n, threads);
}
