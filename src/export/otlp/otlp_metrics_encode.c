/*
 * Metrics collections before encoding: the structural check both OTLP
 * metrics encoders rely on, and the count of data points. The public
 * entry point, otelc_otlp_encode_metrics, is in otlp_encode.c.
 *
 * Thread safety: read-only on the collection; safe from any thread.
 */
#include "export/otlp/otlp_internal.h"

static bool check_buckets(const otelc_exp_buckets *b) {
  return !b->n || b->counts;
}

static bool check_metric(const otelc_metric *m) {
  if (m->n_points && !m->points.numbers)
    return false;
  switch (m->type) {
  case OTELC_METRIC_GAUGE:
  case OTELC_METRIC_SUM:
    return true;
  case OTELC_METRIC_HISTOGRAM:
    for (size_t i = 0; i < m->n_points; i++) {
      const otelc_histogram_point *p = &m->points.histograms[i];
      /* Bounds need counts (n_bounds + 1 of them); counts alone (one
       * bucket) need no bounds. */
      if (p->bucket_counts && p->n_bounds && !p->bounds)
        return false;
      if (!p->bucket_counts && p->n_bounds)
        return false;
    }
    return true;
  case OTELC_METRIC_EXP_HISTOGRAM:
    for (size_t i = 0; i < m->n_points; i++) {
      const otelc_exp_histogram_point *p = &m->points.exp_histograms[i];
      if (!check_buckets(&p->positive) || !check_buckets(&p->negative))
        return false;
    }
    return true;
  }
  return false;
}

otelc_status otelc__otlp_metrics_check(const otelc_resource_metrics *d) {
  if (!d || (d->n_scopes && !d->scopes))
    return OTELC_ERR_INVALID_ARG;
  for (size_t s = 0; s < d->n_scopes; s++) {
    const otelc_scope_metrics *sm = &d->scopes[s];
    if (sm->n_metrics && !sm->metrics)
      return OTELC_ERR_INVALID_ARG;
    for (size_t k = 0; k < sm->n_metrics; k++)
      if (!check_metric(&sm->metrics[k]))
        return OTELC_ERR_INVALID_ARG;
  }
  return OTELC_OK;
}

size_t otelc__otlp_metrics_points(const otelc_resource_metrics *d) {
  size_t n = 0;
  for (size_t s = 0; d && s < d->n_scopes; s++)
    for (size_t k = 0; k < d->scopes[s].n_metrics; k++)
      n += d->scopes[s].metrics[k].n_points;
  return n;
}
