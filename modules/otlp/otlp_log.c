/*
 * The OTLP log exporter: ExportLogsServiceRequest (otelc_otlp_encode_logs)
 * over the module's transport (otlp_transport.c) with the
 * OTEL_EXPORTER_OTLP_LOGS_* settings (endpoint path "v1/logs", gRPC method
 * LogsService/Export), and the "otlp" name of OTEL_LOGS_EXPORTER.
 *
 * Everything else comes from the transport: gzip, TLS, headers, retries
 * with backoff and Retry-After, the partial success (its
 * rejected_log_records counted and logged once), the counters.
 *
 * Thread safety: the exporter is called by one processor at a time (log
 * processors serialise their exports); shutdown may come from any thread
 * and ends a wait between retries at once; the stats are readable from
 * any thread.
 */
#include "common/internal.h"
#include "otelc/otlp_encode.h"
#include "otlp_module.h"

typedef struct log_batch {
  otelc_log_record *const *records;
  size_t n;
} log_batch;

static otelc_status encode_logs(const void *items, bool json,
                                otelc_otlp_buffer *body) {
  const log_batch *b = items;
  return otelc_otlp_encode_logs(
      b->records, b->n, json ? OTELC_OTLP_JSON : OTELC_OTLP_PROTOBUF, body);
}

/* A batch of no records sends nothing and succeeds; records the encoder
 * refuses (NULL ones) fail the export before anything is sent. */
static otelc_status log_export(void *self, otelc_log_record *const *records,
                               size_t n, uint32_t timeout_ms) {
  log_batch b = {records, n};
  return otelc__otlp_transport_export(self, encode_logs, &b, n, timeout_ms);
}

static otelc_status log_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms; /* nothing is waited for */
  otelc__otlp_transport_shutdown(self);
  return OTELC_OK;
}

static void log_destroy(void *self) {
  otelc__otlp_transport_free(self);
}

const otelc_log_exporter_ops otelc__otlp_log_ops = {
    .export_logs = log_export,
    .force_flush = NULL, /* exports are synchronous: nothing is pending */
    .shutdown = log_shutdown,
    .destroy = log_destroy,
};

otelc_status otelc__otlp_log_create(const otelc_otlp_opts *opts, void **state) {
  otelc__otlp_transport *t = NULL;
  otelc_status st = otelc__otlp_transport_new(&otelc__otlp_logs, opts, &t);
  *state = t;
  return st;
}

void *otelc__otlp_log_state(otelc_log_exporter *e) {
  return otelc__otlp_registry_find(e, &otelc__otlp_logs);
}

void otelc_otlp_log_exporter_get_stats(otelc_log_exporter *e,
                                       otelc_otlp_stats *out) {
  otelc__otlp_registry_stats(e, &otelc__otlp_logs, out);
}

otelc_status otelc_otlp_log_exporter_new(const otelc_otlp_opts *opts,
                                         otelc_log_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  void *t = NULL;
  otelc_status st = otelc__otlp_log_create(opts, &t);
  if (st != OTELC_OK)
    return st;
  otelc_log_exporter *e = NULL;
  /* Destroys t on failure. */
  st = otelc_log_exporter_new(&otelc__otlp_log_ops, t, &e);
  if (st != OTELC_OK)
    return st;
  otelc__otlp_registry_add(t, e);
  *out = e;
  return OTELC_OK;
}

/* ------------------------------------------------------- registration -- */

/* OTEL_LOGS_EXPORTER=otlp: the exporter configured by the environment
 * (the SDK wraps it in a batch processor configured by OTEL_BLRP_*). */
static otelc_status log_factory(otelc_log_exporter **out) {
  return otelc_otlp_log_exporter_new(NULL, out);
}

/* Loading the library makes "otlp" usable in OTEL_LOGS_EXPORTER.
 * libotelc, which this library links, is initialised first. */
__attribute__((constructor)) static void otlp_log_register(void) {
  otelc_log_exporter_register("otlp", log_factory);
}
