/*
 * End to end: one thread produces 4-attribute spans as fast as it can for
 * a fixed time; the batch processor (default sizes) hands them to the
 * OTLP/HTTP exporter, which sends them to a receiver on 127.0.0.1.
 * Configure the endpoint and protocol with OTEL_EXPORTER_OTLP_*.
 *
 *   bench_otlp_e2e [seconds]    (default 10)
 *
 * Prints spans produced, dropped at the queue, delivered (acknowledged by
 * the receiver) and delivered spans per second.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "otelc/otelc.h"
#include "otelc/otlp.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 10.0;
  otelc_span_exporter *exp;
  otelc_status st = otelc_otlp_span_exporter_new(NULL, &exp);
  if (st != OTELC_OK) {
    fprintf(stderr, "exporter: %s\n", otelc_strerror(st));
    return 1;
  }
  otelc_batch_opts bo;
  otelc_batch_opts_from_env(&bo);
  otelc_span_processor *proc;
  if (otelc_batch_span_processor_new(exp, &bo, &proc) != OTELC_OK)
    return 1;
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &proc,
                                  .n_processors = 1};
  otelc_tracer_provider *tp;
  if (otelc_tracer_provider_new(&o, &tp) != OTELC_OK)
    return 1;
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "bench", .version = "1.0"});

  long produced = 0;
  double t0 = now_s(), end = t0 + seconds;
  while (now_s() < end) {
    for (int i = 0; i < 1000; i++) {
      otelc_span *s = otelc_span_start(t, "GET /api/v1/users/{id}", NULL);
      otelc_span_set_str(s, "http.method", "GET");
      otelc_span_set_str(s, "http.route", "/api/v1/users/{id}");
      otelc_span_set_int(s, "http.status_code", 200);
      otelc_span_set_double(s, "http.duration_ratio", 0.25);
      otelc_span_end(s);
    }
    produced += 1000;
  }
  otelc_tracer_provider_shutdown(tp, 60000);
  double elapsed = now_s() - t0;
  otelc_span_processor_stats ps;
  otelc_span_processor_get_stats(proc, &ps);
  otelc_otlp_stats os;
  otelc_otlp_exporter_get_stats(exp, &os);
  printf("seconds=%.1f produced=%ld dropped_at_queue=%llu delivered=%llu "
         "failed_exports=%llu http_requests=%llu delivered_spans/s=%.0f\n",
         elapsed, produced, (unsigned long long)ps.dropped_queue_full,
         (unsigned long long)ps.exported, (unsigned long long)os.failed,
         (unsigned long long)os.attempts, (double)ps.exported / elapsed);
  otelc_tracer_provider_free(tp);
  return 0;
}
