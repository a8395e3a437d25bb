/* A tracer provider configured by the OTEL_* environment variables, and
 * the registry of exporter factories behind OTEL_TRACES_EXPORTER. */
#include "common/registry.h"
#include "otelc/exporters.h"
#include "trace/trace_internal.h"

static otelc_status console_factory(otelc_span_exporter **out) {
  return otelc_console_exporter_new(NULL, out);
}

/* "otlp/stdout": OTLP/JSON lines on stdout. */
static otelc_status stdout_factory(otelc_span_exporter **out) {
  return otelc_file_exporter_new(NULL, out);
}

static otelc__registry registry = {
    PTHREAD_MUTEX_INITIALIZER,
    {{"console", (otelc__factory)console_factory},
     {"otlp/stdout", (otelc__factory)stdout_factory}}};

static const otelc__exporter_list exporters = {"OTEL_TRACES_EXPORTER",
                                               "spans", &registry, NULL};

otelc_status otelc_span_exporter_register(const char *name,
                                          otelc_span_exporter_factory make) {
  return otelc__registry_add(&registry, name, (otelc__factory)make);
}

typedef struct {
  otelc_span_processor *procs[OTELC__EXPORTER_LIST_MAX];
  size_t n;
} processors;

/* Add a batch processor for the exporter @p make creates. */
static void add_exporter(void *ctx, otelc__token name, otelc__factory make) {
  (void)name;
  processors *p = ctx;
  otelc_span_exporter *e = NULL;
  if (((otelc_span_exporter_factory)make)(&e) != OTELC_OK)
    return;
  otelc_batch_opts o;
  otelc_batch_opts_from_env(&o);
  if (otelc_batch_span_processor_new(e, &o, &p->procs[p->n]) == OTELC_OK)
    p->n++;
}

otelc_status otelc_tracer_provider_new_from_env(const char *default_exporter,
                                                otelc_tracer_provider **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  processors p = {.n = 0};
  otelc__exporter_list_walk(&exporters, default_exporter, add_exporter, &p);
  otelc_tracer_provider_opts opts = {0};
  opts.processors = p.procs;
  opts.n_processors = p.n;
  return otelc_tracer_provider_new(&opts, out);
}
