/*
 * The OTLP metric exporter: ExportMetricsServiceRequest
 * (otelc_otlp_encode_metrics) over the module's transport
 * (otlp_transport.c), with the OTEL_EXPORTER_OTLP_METRICS_* settings, the
 * reader preferences the OTLP exporter specification defines
 * (temporality preference, default histogram aggregation), and the
 * "otlp" name of OTEL_METRICS_EXPORTER: a periodic reader configured by
 * OTEL_METRIC_EXPORT_INTERVAL/_TIMEOUT around an exporter configured by
 * the environment.
 *
 * Both metric variables are read once, when the exporter is created; an
 * invalid value is reported then (once per exporter) and ignored.
 *
 * Thread safety: the reader never calls export concurrently; shutdown may
 * come from any thread and ends a wait between retries at once; the stats
 * are readable from any thread.
 */
#include "common/env.h"
#include "common/internal.h"
#include "otelc/otlp_encode.h"
#include "otlp_module.h"

#define ENV_TEMPORALITY "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
#define ENV_HISTOGRAM "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"

/* Data points of a collection: what the counters and log lines count. */
static size_t count_points(const otelc_resource_metrics *d) {
  size_t n = 0;
  for (size_t s = 0; d->scopes && s < d->n_scopes; s++) {
    const otelc_scope_metrics *sm = &d->scopes[s];
    for (size_t k = 0; sm->metrics && k < sm->n_metrics; k++)
      n += sm->metrics[k].n_points;
  }
  return n;
}

static otelc_status encode_metrics(const void *items, bool json,
                                   otelc_otlp_buffer *body) {
  return otelc_otlp_encode_metrics(
      items, json ? OTELC_OTLP_JSON : OTELC_OTLP_PROTOBUF, body);
}

static otelc_status metric_export(void *self, const otelc_resource_metrics *d,
                                  uint32_t timeout_ms) {
  if (!d)
    return OTELC_ERR_INVALID_ARG;
  /* A collection without points sends nothing (OTLP asks senders not to
   * send empty envelopes) and succeeds. */
  return otelc__otlp_transport_export(self, encode_metrics, d, count_points(d),
                                      timeout_ms);
}

static otelc_status metric_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms; /* nothing is waited for */
  otelc__otlp_transport_shutdown(self);
  return OTELC_OK;
}

static void metric_destroy(void *self) {
  otelc__otlp_transport_free(self);
}

const otelc_metric_exporter_ops otelc__otlp_metric_ops = {
    .export_metrics = metric_export,
    .force_flush = NULL, /* exports are synchronous: nothing is pending */
    .shutdown = metric_shutdown,
    .destroy = metric_destroy,
};

/* ------------------------------------------------------- preferences -- */

/* @p pref, or for PREF_DEFAULT the environment's (cumulative when unset
 * or invalid; an invalid value is reported). */
static otelc_temporality_preference
resolve_temporality(otelc_temporality_preference pref) {
  static const char *const names[] = {"cumulative", "delta", "lowmemory"};
  static const otelc_temporality_preference values[] = {
      OTELC_TEMPORALITY_PREF_CUMULATIVE, OTELC_TEMPORALITY_PREF_DELTA,
      OTELC_TEMPORALITY_PREF_LOWMEMORY};
  if (pref != OTELC_TEMPORALITY_PREF_DEFAULT)
    return pref;
  return values[otelc__env_enum(ENV_TEMPORALITY, names, 3, 0)];
}

/* The histogram aggregation the environment asks for: EXPLICIT_HISTOGRAM,
 * EXP_HISTOGRAM, or DEFAULT (explicit) when unset or invalid (reported). */
static otelc_aggregation_kind env_histogram_aggregation(void) {
  static const char *const names[] = {"explicit_bucket_histogram",
                                      "base2_exponential_bucket_histogram"};
  switch (otelc__env_enum(ENV_HISTOGRAM, names, 2, -1)) {
  case 0:
    return OTELC_AGGREGATION_EXPLICIT_HISTOGRAM;
  case 1:
    return OTELC_AGGREGATION_EXP_HISTOGRAM;
  default:
    return OTELC_AGGREGATION_DEFAULT;
  }
}

otelc_status otelc__otlp_metric_create(const otelc_otlp_opts *opts,
                                       otelc_temporality_preference temporality,
                                       otelc_metric_reader_prefs *prefs,
                                       void **state) {
  *state = NULL;
  memset(prefs, 0, sizeof *prefs);
  if ((unsigned)temporality > OTELC_TEMPORALITY_PREF_LOWMEMORY) {
    otelc__warn("otelc_otlp_metric_exporter_new: unknown temporality "
                "preference %d",
                (int)temporality);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc__otlp_transport *t = NULL;
  otelc_status st = otelc__otlp_transport_new(&otelc__otlp_metrics, opts, &t);
  if (st != OTELC_OK)
    return st;
  /* The concrete preference is handed over, so that the variable is read
   * (and an invalid value reported) here only. */
  otelc_metric_reader_prefs_init(prefs, resolve_temporality(temporality));
  prefs->histogram_aggregation = env_histogram_aggregation();
  *state = t;
  return OTELC_OK;
}

/* ------------------------------------------------------------ public -- */

void *otelc__otlp_metric_state(otelc_metric_exporter *e) {
  return otelc__otlp_registry_find(e, &otelc__otlp_metrics);
}

void otelc_otlp_metric_exporter_get_stats(otelc_metric_exporter *e,
                                          otelc_otlp_stats *out) {
  otelc__otlp_registry_stats(e, &otelc__otlp_metrics, out);
}

otelc_status
otelc_otlp_metric_exporter_new(const otelc_otlp_opts *opts,
                               otelc_temporality_preference temporality,
                               otelc_metric_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  otelc_metric_reader_prefs prefs;
  void *state = NULL;
  otelc_status st =
      otelc__otlp_metric_create(opts, temporality, &prefs, &state);
  if (st != OTELC_OK)
    return st;
  otelc_metric_exporter *e = NULL;
  /* Destroys the state on failure. */
  st = otelc_metric_exporter_new(&otelc__otlp_metric_ops, state, &prefs, &e);
  if (st != OTELC_OK)
    return st;
  otelc__otlp_registry_add(state, e);
  *out = e;
  return OTELC_OK;
}

/* ------------------------------------------------------- registration -- */

/* OTEL_METRICS_EXPORTER=otlp: the exporter from the environment in a
 * periodic reader from the environment. */
static otelc_status metric_factory(otelc_metric_reader **out) {
  otelc_metric_exporter *e = NULL;
  otelc_status st =
      otelc_otlp_metric_exporter_new(NULL, OTELC_TEMPORALITY_PREF_DEFAULT, &e);
  if (st != OTELC_OK)
    return st;
  otelc_periodic_reader_opts ro;
  memset(&ro, 0, sizeof ro);
  otelc_periodic_reader_opts_from_env(&ro);
  return otelc_periodic_reader_new(e, &ro, out); /* owns e, even on failure */
}

/* Loading the library makes "otlp" usable in OTEL_METRICS_EXPORTER.
 * libotelc, which this library links, is initialised first. */
__attribute__((constructor)) static void otlp_metric_register(void) {
  otelc_metric_reader_register("otlp", metric_factory);
}
