/*
 * W3C trace context propagation: extract and inject of a traceparent and
 * tracestate pair through a carrier, the way an HTTP server and client
 * use it.
 *
 *   bench_propagation [iterations] [parse|extract|inject|all]
 *     (default 5000000 all)
 *
 * Prints ns/op for: parsing a traceparent alone; extract into a new
 * context (and releasing it); inject of the current context. A single
 * operation can be chosen so that bench/run.sh measures its instructions
 * under callgrind.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "otelc/otelc.h"

/* A fixed two-header carrier: what a server sees on a request. */
typedef struct fixed {
  const char *traceparent, *tracestate;
  char out_tp[64], out_ts[256];
} fixed;

static const char *fixed_get(void *self, const char *key) {
  fixed *f = self;
  if (key[5] == 'p') /* "tracepar(ent)" vs "traces(tate)" */
    return f->traceparent;
  if (key[5] == 's')
    return f->tracestate;
  return NULL;
}

static otelc_status fixed_set(void *self, const char *key,
                              const char *value) {
  fixed *f = self;
  char *dst = key[5] == 'p' ? f->out_tp : f->out_ts;
  size_t cap = key[5] == 'p' ? sizeof f->out_tp : sizeof f->out_ts;
  size_t n = strlen(value);
  if (n >= cap)
    return OTELC_ERR_LIMIT;
  memcpy(dst, value, n + 1);
  return OTELC_OK;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 5000000;
  const char *only = argc > 2 ? argv[2] : "all";
  bool all = strcmp(only, "all") == 0;
  long np = all || strcmp(only, "parse") == 0 ? n : 0;
  long ne = all || strcmp(only, "extract") == 0 ? n : 0;
  long ni = all || strcmp(only, "inject") == 0 ? n : 0;
  fixed f = {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
             "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", "", ""};
  otelc_carrier c = {fixed_get, fixed_set, NULL, &f};
  otelc_propagator *tc = otelc_propagator_tracecontext();
  if (!tc)
    return 1;

  otelc_span_context sc;
  double t0 = now_s();
  for (long i = 0; i < np; i++)
    if (otelc_traceparent_parse(f.traceparent, OTELC_TRACEPARENT_LEN,
                                &sc) != OTELC_OK)
      return 1;
  double parse = now_s() - t0;

  t0 = now_s();
  for (long i = 0; i < ne; i++) {
    otelc_context *ctx = otelc_propagator_extract(tc, NULL, &c);
    if (!ctx)
      return 1;
    otelc_context_release(ctx);
  }
  double extract = now_s() - t0;

  /* Inject the context of a remote parent made current, as a client
   * forwarding the incoming trace does. */
  otelc_context *ctx = otelc_propagator_extract(tc, NULL, &c);
  otelc_scope scope = otelc_context_attach(ctx);
  /* Once outside the timing, so the round-trip check below always has
   * output to compare. */
  if (otelc_propagator_inject(tc, NULL, &c) != OTELC_OK)
    return 1;
  t0 = now_s();
  for (long i = 0; i < ni; i++)
    if (otelc_propagator_inject(tc, NULL, &c) != OTELC_OK)
      return 1;
  double inject = now_s() - t0;
  otelc_context_detach(scope);
  otelc_context_release(ctx);
  if (strcmp(f.out_tp, f.traceparent) != 0 ||
      strcmp(f.out_ts, f.tracestate) != 0) {
    fprintf(stderr, "round trip differs: %s / %s\n", f.out_tp, f.out_ts);
    return 1;
  }
  printf("iterations=%ld traceparent_parse ns/op=%.1f "
         "extract(traceparent+tracestate) ns/op=%.1f "
         "inject(traceparent+tracestate) ns/op=%.1f\n",
         n, np ? parse * 1e9 / (double)np : 0.0,
         ne ? extract * 1e9 / (double)ne : 0.0,
         ni ? inject * 1e9 / (double)ni : 0.0);
  otelc_propagator_free(tc);
  return 0;
}
