/*
 * OTLP encoding cost per span: the 4-attribute span of bench_span, in
 * batches of 512 (the default export batch), encoded again and again into
 * one reused buffer.
 *
 *   bench_otlp_encode [batches] [pb|json|all]     (default 20000 all)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelc/otelc.h"

#define BATCH 512

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(otelc_span *const *spans, long batches,
                  otelc_otlp_format fmt, size_t *bytes) {
  otelc_otlp_buffer buf = {0};
  if (otelc_otlp_encode_spans(spans, BATCH, fmt, &buf) != OTELC_OK)
    exit(1);
  double t0 = now_s();
  for (long i = 0; i < batches; i++)
    if (otelc_otlp_encode_spans(spans, BATCH, fmt, &buf) != OTELC_OK)
      exit(1);
  double dt = now_s() - t0;
  *bytes = buf.len;
  otelc_otlp_buffer_free(&buf);
  return batches ? dt * 1e9 / ((double)batches * BATCH) : 0.0;
}

int main(int argc, char **argv) {
  long batches = argc > 1 ? atol(argv[1]) : 20000;
  const char *which = argc > 2 ? argv[2] : "all";
  bool pb = strcmp(which, "json") != 0, json = strcmp(which, "pb") != 0;

  otelc_span_exporter *mem;
  otelc_span_processor *proc;
  otelc_tracer_provider *tp;
  if (otelc_memory_exporter_new(&mem) != OTELC_OK ||
      otelc_simple_span_processor_new(mem, &proc) != OTELC_OK)
    return 1;
  otelc_resource *res = NULL;
  otelc_resource_create(&(otelc_resource_opts){.service_name = "bench"},
                        &res);
  otelc_tracer_provider_opts o = {.resource = res,
                                  .sampler = otelc_sampler_always_on(),
                                  .processors = &proc,
                                  .n_processors = 1};
  if (otelc_tracer_provider_new(&o, &tp) != OTELC_OK)
    return 1;
  otelc_resource_release(res);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(
      tp, &(otelc_scope_info){.name = "bench", .version = "1.0"});
  for (int i = 0; i < BATCH; i++) {
    otelc_span *s = otelc_span_start(t, "GET /api/v1/users/{id}", NULL);
    otelc_span_set_str(s, "http.method", "GET");
    otelc_span_set_str(s, "http.route", "/api/v1/users/{id}");
    otelc_span_set_int(s, "http.status_code", 200);
    otelc_span_set_double(s, "http.duration_ratio", 0.25);
    otelc_span_end(s);
  }
  otelc_span *spans[BATCH];
  for (int i = 0; i < BATCH; i++)
    spans[i] = otelc_memory_exporter_get(mem, (size_t)i);

  size_t bytes = 0;
  if (pb) {
    double ns = run(spans, batches, OTELC_OTLP_PROTOBUF, &bytes);
    printf("protobuf: %.1f ns/span, %zu bytes per %d-span request\n", ns,
           bytes, BATCH);
  }
  if (json) {
    double ns = run(spans, batches, OTELC_OTLP_JSON, &bytes);
    printf("json: %.1f ns/span, %zu bytes per %d-span request\n", ns, bytes,
           BATCH);
  }
  otelc_tracer_provider_free(tp);
  return 0;
}
