/*
 * The OTLP span exporter: ExportTraceServiceRequest (otelc_otlp_encode_spans)
 * over the module's transport (otlp_transport.c), and the "otlp" name of
 * OTEL_TRACES_EXPORTER.
 *
 * Thread safety: the exporter is called by one processor at a time; its
 * shutdown may come from any thread and ends a wait between retries at
 * once; the stats are readable from any thread.
 */
#include "common/internal.h"
#include "otelc/otlp_encode.h"
#include "otlp_module.h"

typedef struct span_batch {
  otelc_span *const *spans;
  size_t n;
} span_batch;

static otelc_status encode_spans(const void *items, bool json,
                                 otelc_otlp_buffer *body) {
  const span_batch *b = items;
  return otelc_otlp_encode_spans(
      b->spans, b->n, json ? OTELC_OTLP_JSON : OTELC_OTLP_PROTOBUF, body);
}

static otelc_status span_export(void *self, otelc_span *const *spans, size_t n,
                                uint32_t timeout_ms) {
  span_batch b = {spans, n};
  return otelc__otlp_transport_export(self, encode_spans, &b, n, timeout_ms);
}

static otelc_status span_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms; /* nothing is waited for */
  otelc__otlp_transport_shutdown(self);
  return OTELC_OK;
}

static void span_destroy(void *self) {
  otelc__otlp_transport_free(self);
}

const otelc_span_exporter_ops otelc__otlp_ops = {
    .export_spans = span_export,
    .force_flush = NULL, /* exports are synchronous: nothing is pending */
    .shutdown = span_shutdown,
    .destroy = span_destroy,
};

void *otelc__otlp_state(otelc_span_exporter *e) {
  return otelc__otlp_registry_find(e, &otelc__otlp_traces);
}

void otelc_otlp_exporter_get_stats(otelc_span_exporter *e,
                                   otelc_otlp_stats *out) {
  otelc__otlp_registry_stats(e, &otelc__otlp_traces, out);
}

otelc_status otelc_otlp_span_exporter_new(const otelc_otlp_opts *opts,
                                          otelc_span_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  otelc__otlp_transport *t = NULL;
  otelc_status st = otelc__otlp_transport_new(&otelc__otlp_traces, opts, &t);
  if (st != OTELC_OK)
    return st;
  otelc_span_exporter *e = NULL;
  /* Destroys t on failure. */
  st = otelc_span_exporter_new(&otelc__otlp_ops, t, &e);
  if (st != OTELC_OK)
    return st;
  otelc__otlp_registry_add(t, e);
  *out = e;
  return OTELC_OK;
}

/* ------------------------------------------------------- registration -- */

static otelc_status span_factory(otelc_span_exporter **out) {
  return otelc_otlp_span_exporter_new(NULL, out);
}

/* Loading the library makes "otlp" usable in OTEL_TRACES_EXPORTER.
 * libotelc, which this library links, is initialised first. */
__attribute__((constructor)) static void otlp_span_register(void) {
  otelc_span_exporter_register("otlp", span_factory);
}
