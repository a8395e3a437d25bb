/*
 * The facade's cost over the plain API it is built on.
 *
 *   bench_setup [iterations] [plain|scoped|counter|counter_by_name|all]
 *     (default 5000000 all)
 *
 *   plain            otelc_span_start, otelc_span_activate, one attribute,
 *                    otelc_context_detach, otelc_span_end
 *   scoped           the same through OTELC_WITH_SPAN
 *   counter          otelc_counter_add on a counter held in a variable
 *   counter_by_name  otelc_counter_add(otelc_telemetry_counter(t, name,
 *                    unit), ...): the instrument looked up every time
 *
 * Spans are sampled and recorded; a processor that does nothing receives
 * them, so that only the span's own cost (and the context switch) is
 * measured. The counter has a
 * pull reader (nothing is exported). Prints ns/op per mode; bench/run.sh
 * adds instructions/op from callgrind.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelc/otelc.h"
#include "otelc/setup.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static otelc_status pull_factory(otelc_metric_reader **out) {
  return otelc_pull_reader_new(NULL, NULL, NULL, out);
}

/* A tracer whose sampled spans go to a processor that does nothing. */
static otelc_tracer *span_tracer(otelc_tracer_provider **tp) {
  static const otelc_span_processor_ops ops = {0};
  otelc_span_processor *proc = NULL;
  if (otelc_span_processor_new(&ops, NULL, &proc) != OTELC_OK ||
      otelc_tracer_provider_new(
          &(otelc_tracer_provider_opts){.processors = &proc, .n_processors = 1},
          tp) != OTELC_OK)
    return NULL;
  return otelc_tracer_provider_get_tracer(*tp,
                                          &(otelc_scope_info){.name = "bench"});
}

static void plain(otelc_tracer *tr, long n) {
  for (long i = 0; i < n; i++) {
    otelc_span *s = otelc_span_start(tr, "op", NULL);
    otelc_scope sc = otelc_span_activate(s);
    otelc_span_set_int(s, "i", i);
    otelc_context_detach(sc);
    otelc_span_end(s);
  }
}

static void scoped(otelc_tracer *tr, long n) {
  for (long i = 0; i < n; i++) {
    OTELC_WITH_SPAN(tr, "op", s) {
      otelc_span_set_int(s, "i", i);
    }
  }
}

static void counter_held(otelc_counter *c, long n) {
  for (long i = 0; i < n; i++)
    otelc_counter_add(c, 1, NULL, 0);
}

static void counter_by_name(otelc_telemetry *t, long n) {
  for (long i = 0; i < n; i++)
    otelc_counter_add(otelc_telemetry_counter(t, "bench.requests", "{req}"), 1,
                      NULL, 0);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 5000000;
  const char *only = argc > 2 ? argv[2] : "all";
  bool all = strcmp(only, "all") == 0;
  otelc_metric_reader_register("pull", pull_factory);
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  setenv("OTEL_METRICS_EXPORTER", "pull", 1);
  setenv("OTEL_LOGS_EXPORTER", "none", 1);
  if (otelc_setup(&(otelc_setup_opts){.service_name = "bench"}) != OTELC_OK)
    return 1;
  otelc_telemetry *t = otelc_telemetry_get("bench");
  otelc_counter *c = otelc_telemetry_counter(t, "bench.requests", "{req}");
  otelc_tracer_provider *tp = NULL;
  otelc_tracer *tr = span_tracer(&tp);
  if (!tr || !otelc_tracer_enabled(tr))
    return 1;

  /* Warm the span pool and the caches. */
  plain(tr, 20000);
  scoped(tr, 20000);
  counter_by_name(t, 1000);

  struct {
    const char *name;
    int kind;
  } modes[] = {
      {"plain", 0}, {"scoped", 1}, {"counter", 2}, {"counter_by_name", 3}};
  for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
    if (!all && strcmp(only, modes[m].name) != 0)
      continue;
    double t0 = now_s();
    switch (modes[m].kind) {
    case 0:
      plain(tr, n);
      break;
    case 1:
      scoped(tr, n);
      break;
    case 2:
      counter_held(c, n);
      break;
    default:
      counter_by_name(t, n);
    }
    double dt = now_s() - t0;
    printf("mode=%s ops=%ld ns/op=%.1f\n", modes[m].name, n, dt * 1e9 / n);
  }
  otelc_tracer_provider_free(tp);
  otelc_shutdown();
  return 0;
}
