/* A meter provider configured by the OTEL_* environment variables, and
 * the registry of reader factories behind OTEL_METRICS_EXPORTER. */
#include "common/registry.h"
#include "metrics/metrics_internal.h"

/* "console": readable lines on stderr, exported periodically. */
static otelc_status console_factory(otelc_metric_reader **out) {
  otelc_metric_exporter *e = NULL;
  otelc_status st = otelc_console_metric_exporter_new(NULL, &e);
  if (st != OTELC_OK)
    return st;
  otelc_periodic_reader_opts o;
  otelc_periodic_reader_opts_from_env(&o);
  return otelc_periodic_reader_new(e, &o, out);
}

static otelc__registry registry = {
    PTHREAD_MUTEX_INITIALIZER, {{"console", (otelc__factory)console_factory}}};

static atomic_bool otlp_reported;
static const otelc__exporter_list exporters = {
    "OTEL_METRICS_EXPORTER", "metrics", &registry, &otlp_reported};

otelc_status otelc_metric_reader_register(const char *name,
                                          otelc_metric_reader_factory make) {
  return otelc__registry_add(&registry, name, (otelc__factory)make);
}

typedef struct {
  otelc_metric_reader *readers[OTELC__EXPORTER_LIST_MAX];
  size_t n;
} readers;

/* Add the reader @p make creates. */
static void add_reader(void *ctx, otelc__token name, otelc__factory make) {
  readers *rs = ctx;
  otelc_metric_reader *r = NULL;
  otelc_status st = ((otelc_metric_reader_factory)make)(&r);
  if (st == OTELC_OK && r)
    rs->readers[rs->n++] = r;
  else
    otelc__exporter_list_skipped(&exporters, name, st);
}

otelc_status otelc_meter_provider_new_from_env(const char *default_exporter,
                                               otelc_meter_provider **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  readers rs = {.n = 0};
  otelc__exporter_list_walk(&exporters, default_exporter, add_reader, &rs);
  otelc_meter_provider_opts opts = {0};
  opts.readers = rs.readers;
  opts.n_readers = rs.n;
  return otelc_meter_provider_new(&opts, out);
}
