/* What every metric reader shares (collect, stats, shutdown and free),
 * the pull reader, exporters, and temporality preferences. */
#include "common/env.h"
#include "metrics/metrics_internal.h"

/* ------------------------------------------------------ preferences -- */

void otelc_metric_reader_prefs_init(otelc_metric_reader_prefs *out,
                                    otelc_temporality_preference pref) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (pref == OTELC_TEMPORALITY_PREF_DEFAULT) {
    static const char *const names[] = {"cumulative", "delta", "lowmemory"};
    int v = otelc__env_enum("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                            names, OTELC__ARRAY_LEN(names), 0);
    pref = v == 1   ? OTELC_TEMPORALITY_PREF_DELTA
           : v == 2 ? OTELC_TEMPORALITY_PREF_LOWMEMORY
                    : OTELC_TEMPORALITY_PREF_CUMULATIVE;
  }
  for (int k = 0; k < OTELC_INSTRUMENT_KIND_COUNT; k++)
    out->temporality[k] = OTELC_TEMPORALITY_CUMULATIVE;
  if (pref == OTELC_TEMPORALITY_PREF_DELTA ||
      pref == OTELC_TEMPORALITY_PREF_LOWMEMORY) {
    out->temporality[OTELC_INSTRUMENT_COUNTER] = OTELC_TEMPORALITY_DELTA;
    out->temporality[OTELC_INSTRUMENT_HISTOGRAM] = OTELC_TEMPORALITY_DELTA;
  }
  if (pref == OTELC_TEMPORALITY_PREF_DELTA)
    out->temporality[OTELC_INSTRUMENT_OBSERVABLE_COUNTER] =
        OTELC_TEMPORALITY_DELTA;
}

otelc_temporality otelc__reader_temporality(const struct otelc_metric_reader *r,
                                            otelc_instrument_kind k) {
  otelc_temporality t = r->prefs.temporality[k];
  return t == OTELC_TEMPORALITY_DELTA ? OTELC_TEMPORALITY_DELTA
                                      : OTELC_TEMPORALITY_CUMULATIVE;
}

/* ----------------------------------------------------------- exporter -- */

otelc_status otelc_metric_exporter_new(const otelc_metric_exporter_ops *ops,
                                       void *self,
                                       const otelc_metric_reader_prefs *prefs,
                                       otelc_metric_exporter **out) {
  if (!ops || !ops->export_metrics || !out) {
    if (ops && ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_INVALID_ARG;
  }
  *out = NULL;
  otelc_metric_exporter *e = otelc__calloc(1, sizeof *e);
  if (!e) {
    if (ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_NOMEM;
  }
  e->ops = *ops;
  e->self = self;
  if (prefs)
    e->prefs = *prefs;
  *out = e;
  return OTELC_OK;
}

void otelc_metric_exporter_free(otelc_metric_exporter *e) {
  if (!e)
    return;
  if (e->ops.destroy)
    e->ops.destroy(e->self);
  otelc__free(e);
}

/* ------------------------------------------------------------- common -- */

void otelc__reader_init(struct otelc_metric_reader *r,
                        const otelc__reader_vtbl *vt,
                        const otelc_metric_reader_prefs *prefs) {
  r->vt = vt;
  if (prefs)
    r->prefs = *prefs;
  pthread_mutex_init(&r->collect_mu, NULL);
  r->obs.r = r;
}

void otelc__reader_fini(struct otelc_metric_reader *r) {
  otelc__outbuf_free(&r->out);
  otelc__observer_free(&r->obs);
  pthread_mutex_destroy(&r->collect_mu);
}

otelc_status otelc__reader_collect(struct otelc_metric_reader *r,
                                   otelc_metric_collect_fn fn, void *user_data,
                                   uint32_t timeout_ms, size_t *points) {
  otelc_meter_provider *p = atomic_load(&r->prov);
  if (!p)
    return OTELC_ERR_STATE;
  if (atomic_load(&p->fork_gen) != atomic_load(&otelc__fork_generation))
    otelc__mp_after_fork(p);
  pthread_mutex_lock(&r->collect_mu);
  otelc_status st = otelc__collect_locked(r, fn, user_data, timeout_ms, points);
  pthread_mutex_unlock(&r->collect_mu);
  return st;
}

otelc_status otelc_metric_reader_collect(otelc_metric_reader *r,
                                         otelc_metric_collect_fn fn,
                                         void *user_data, uint32_t timeout_ms) {
  if (!r || !fn)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&r->shut))
    return OTELC_ERR_SHUTDOWN;
  return otelc__reader_collect(r, fn, user_data, timeout_ms, NULL);
}

otelc_status otelc_metric_reader_tick(otelc_metric_reader *r) {
  if (!r)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&r->shut))
    return OTELC_ERR_SHUTDOWN;
  return r->vt->tick ? r->vt->tick(r) : OTELC_OK;
}

otelc_status otelc_metric_reader_force_flush(otelc_metric_reader *r,
                                             uint32_t timeout_ms) {
  if (!r)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&r->shut))
    return OTELC_ERR_SHUTDOWN;
  return r->vt->force_flush ? r->vt->force_flush(r, timeout_ms) : OTELC_OK;
}

otelc_status otelc_metric_reader_shutdown(otelc_metric_reader *r,
                                          uint32_t timeout_ms) {
  if (!r)
    return OTELC_ERR_INVALID_ARG;
  bool expected = false;
  if (!atomic_compare_exchange_strong(&r->shut, &expected, true))
    return OTELC_ERR_SHUTDOWN;
  return r->vt->shutdown ? r->vt->shutdown(r, timeout_ms) : OTELC_OK;
}

void otelc_metric_reader_free(otelc_metric_reader *r) {
  if (!r)
    return;
  if (atomic_load(&r->prov)) {
    otelc__warn("a metric reader that belongs to a meter provider is freed "
                "with the provider; otelc_metric_reader_free ignored");
    return;
  }
  if (!atomic_load(&r->shut))
    otelc_metric_reader_shutdown(r, OTELC__DEFAULT_SHUTDOWN_MS);
  r->vt->destroy(r);
}

void otelc_metric_reader_get_stats(const otelc_metric_reader *r,
                                   otelc_metric_reader_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (!r)
    return;
  otelc_metric_reader *w = (otelc_metric_reader *)r;
  out->collections = atomic_load(&w->collections);
  out->exports = atomic_load(&w->exports);
  out->export_failures = atomic_load(&w->export_failures);
  out->points_exported = atomic_load(&w->points_exported);
  out->points_failed = atomic_load(&w->points_failed);
}

/* ---------------------------------------------------------------- pull -- */

typedef struct pull_reader {
  struct otelc_metric_reader base;
  otelc_pull_reader_ops ops;
  void *self;
} pull_reader;

static otelc_status pull_shutdown(struct otelc_metric_reader *r, uint32_t ms) {
  pull_reader *p = (pull_reader *)r;
  return p->ops.shutdown ? p->ops.shutdown(p->self, ms) : OTELC_OK;
}

static void pull_destroy(struct otelc_metric_reader *r) {
  pull_reader *p = (pull_reader *)r;
  if (p->ops.destroy)
    p->ops.destroy(p->self);
  otelc__reader_fini(r);
  otelc__free(p);
}

static const otelc__reader_vtbl pull_vt = {NULL, pull_shutdown, NULL, NULL,
                                           pull_destroy};

otelc_status otelc_pull_reader_new(const otelc_pull_reader_ops *ops, void *self,
                                   const otelc_metric_reader_prefs *prefs,
                                   otelc_metric_reader **out) {
  if (!out) {
    if (ops && ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_INVALID_ARG;
  }
  *out = NULL;
  pull_reader *p = otelc__calloc(1, sizeof *p);
  if (!p) {
    if (ops && ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_NOMEM;
  }
  otelc__reader_init(&p->base, &pull_vt, prefs);
  if (ops)
    p->ops = *ops;
  p->self = self;
  *out = &p->base;
  return OTELC_OK;
}
