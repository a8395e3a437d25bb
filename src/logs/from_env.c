/* A logger provider configured by the OTEL_* environment variables, and
 * the registry of exporter factories behind OTEL_LOGS_EXPORTER. */
#include "common/registry.h"
#include "logs/logs_internal.h"
#include "otelc/exporters.h"

static otelc_status console_factory(otelc_log_exporter **out) {
  return otelc_console_log_exporter_new(NULL, out);
}

/* "otlp/stdout": OTLP/JSON lines on stdout. */
static otelc_status stdout_factory(otelc_log_exporter **out) {
  return otelc_file_log_exporter_new(NULL, out);
}

static otelc__registry registry = {
    PTHREAD_MUTEX_INITIALIZER,
    {{"console", (otelc__factory)console_factory},
     {"otlp/stdout", (otelc__factory)stdout_factory}}};

static atomic_bool otlp_reported;
static const otelc__exporter_list exporters = {
    "OTEL_LOGS_EXPORTER", "log records", &registry, &otlp_reported};

otelc_status otelc_log_exporter_register(const char *name,
                                         otelc_log_exporter_factory make) {
  return otelc__registry_add(&registry, name, (otelc__factory)make);
}

typedef struct {
  otelc_log_processor *procs[OTELC__EXPORTER_LIST_MAX];
  size_t n;
} processors;

/* Add the processor for the exporter @p make creates: a simple processor
 * for "console" (lines appear as records are emitted), a batch processor
 * configured by OTEL_BLRP_* for the others. */
static void add_exporter(void *ctx, otelc__token name, otelc__factory make) {
  processors *p = ctx;
  otelc_log_exporter *e = NULL;
  otelc_status st = ((otelc_log_exporter_factory)make)(&e);
  if (st != OTELC_OK || !e) {
    otelc__exporter_list_skipped(&exporters, name, st);
    return;
  }
  if (otelc__token_eq(name, "console")) {
    st = otelc_simple_log_processor_new(e, &p->procs[p->n]);
  } else {
    otelc_log_batch_opts o;
    otelc_log_batch_opts_from_env(&o);
    st = otelc_batch_log_processor_new(e, &o, &p->procs[p->n]);
  }
  if (st == OTELC_OK)
    p->n++;
}

otelc_status otelc_logger_provider_new_from_env(const char *default_exporter,
                                                otelc_logger_provider **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  processors p = {.n = 0};
  otelc__exporter_list_walk(&exporters, default_exporter, add_exporter, &p);
  otelc_logger_provider_opts opts = {0};
  opts.processors = p.procs;
  opts.n_processors = p.n;
  return otelc_logger_provider_new(&opts, out);
}
