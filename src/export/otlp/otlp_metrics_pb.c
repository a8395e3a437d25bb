/*
 * OTLP protobuf: ExportMetricsServiceRequest written straight from a
 * collection (otelc_resource_metrics) with the backwards writer of
 * otlp_pb_write.h: every message is written from its last field to its
 * first, repeated elements last first, so that the bytes read forwards are
 * in field-number order and every length is known when it is written.
 *
 * Fields holding their proto3 default (0, "", false) are left out, except
 * the members of the value oneof (as_int, as_double), which are written
 * even when zero, and the optional sum, min and max, which are written
 * when present. Explicit bounds, histogram bucket counts and exponential
 * bucket counts are packed. Metrics without points (and scopes left
 * without metrics) are not written.
 *
 * No allocation once the buffer has grown to the size of the request.
 *
 * Thread safety: reads the collection only; one buffer per call.
 */
#include "export/otlp/otlp_pb_write.h"
#include "otelc/resource.h"

#define EST_POINT_BYTES 96u  /* first guess of the size of one point */
#define EST_METRIC_BYTES 64u /* and of a metric's own fields */

/* Tags (field number << 3 | wire type). */
enum {
  /* ExportMetricsServiceRequest, ResourceMetrics, ScopeMetrics; Metric
   * name, description, unit; the containers' data_points. */
  T_LEN1 = OTELC__PB_LEN1,
  T_LEN2 = OTELC__PB_LEN2,
  T_LEN3 = OTELC__PB_LEN3,
  /* Metric */
  T_GAUGE = 0x2A,
  T_SUM = 0x3A,
  T_HISTOGRAM = 0x4A,
  T_EXP_HISTOGRAM = 0x52,
  /* Sum, Histogram, ExponentialHistogram */
  T_TEMPORALITY = 0x10,
  T_MONOTONIC = 0x18,
  /* Every data point */
  T_START = 0x11,
  T_TIME = 0x19,
  /* NumberDataPoint */
  T_N_DOUBLE = 0x21,
  T_N_EXEMPLARS = 0x2A,
  T_N_INT = 0x31,
  T_N_ATTRS = 0x3A,
  T_N_FLAGS = 0x40,
  /* HistogramDataPoint */
  T_H_COUNT = 0x21,
  T_H_SUM = 0x29,
  T_H_COUNTS = 0x32,
  T_H_BOUNDS = 0x3A,
  T_H_EXEMPLARS = 0x42,
  T_H_ATTRS = 0x4A,
  T_H_FLAGS = 0x50,
  T_H_MIN = 0x59,
  T_H_MAX = 0x61,
  /* ExponentialHistogramDataPoint */
  T_E_ATTRS = 0x0A,
  T_E_COUNT = 0x21,
  T_E_SUM = 0x29,
  T_E_SCALE = 0x30,
  T_E_ZERO_COUNT = 0x39,
  T_E_POSITIVE = 0x42,
  T_E_NEGATIVE = 0x4A,
  T_E_FLAGS = 0x50,
  T_E_EXEMPLARS = 0x5A,
  T_E_MIN = 0x61,
  T_E_MAX = 0x69,
  T_E_ZERO_THRESHOLD = 0x71,
  /* ExponentialHistogramDataPoint.Buckets */
  T_B_OFFSET = 0x08,
  T_B_COUNTS = 0x12,
  /* Exemplar */
  T_X_TIME = 0x11,
  T_X_DOUBLE = 0x19,
  T_X_SPAN_ID = 0x22,
  T_X_TRACE_ID = 0x2A,
  T_X_INT = 0x31,
  T_X_ATTRS = 0x3A
};

/* sint32 as its zig-zag varint value. */
static inline uint32_t zigzag32(int32_t v) {
  return v < 0 ? ((uint32_t)(-(v + 1)) << 1) | 1u : (uint32_t)v << 1;
}

/* A request larger than the limit, found before reserving room. */
static bool too_big(otelc__pbw *w) {
  w->err = OTELC_ERR_LIMIT;
  w->b->failed = true;
  return false;
}

/* start_time_unix_nano and time_unix_nano (fields 2 and 3 of every
 * point), each when not zero. */
static bool times(otelc__pbw *w, uint64_t start, uint64_t time) {
  return (!time || pbw_fixed64(w, T_TIME, time)) &&
         (!start || pbw_fixed64(w, T_START, start));
}

/* @p n 8-byte values (uint64_t or double) as a packed repeated field. */
static bool packed_fixed64(otelc__pbw *w, uint8_t tag, const void *vals,
                           size_t n) {
  if (n > OTELC__OTLP_MAX_REQUEST / 8)
    return too_big(w);
  size_t len = n * 8;
  if (!pbw_need(w, len + 11))
    return false;
  uint8_t *p = w->p - len;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, vals, len);
#else
  for (size_t k = 0; k < n; k++) {
    uint64_t v;
    memcpy(&v, (const uint8_t *)vals + 8 * k, 8);
    pb_wr_fixed64(p + 8 * (k + 1), v);
  }
#endif
  w->p = pb_wr_tag_varint(p, tag, len);
  return true;
}

static bool exemplar(otelc__pbw *w, uint8_t tag, const otelc_exemplar *e) {
  size_t mark = pbw_used(w);
  if (!otelc__pbw_attrs(w, T_X_ATTRS, e->filtered_attrs, e->n_filtered_attrs))
    return false;
  /* 6 as_int, 5 trace_id, 4 span_id, 3 as_double, 2 time. */
  if (!pbw_need(w, 9 + 18 + 10 + 9 + 9))
    return false;
  uint8_t *p = w->p;
  if (e->is_int) {
    p = pb_wr_fixed64(p, (uint64_t)e->value.i);
    *--p = T_X_INT;
  }
  if (e->has_span) {
    p -= 16;
    memcpy(p, e->trace_id, 16);
    *--p = 16;
    *--p = T_X_TRACE_ID;
    p -= 8;
    memcpy(p, e->span_id, 8);
    *--p = 8;
    *--p = T_X_SPAN_ID;
  }
  if (!e->is_int) {
    p = pb_wr_fixed64(p, pb_double_bits(e->value.d));
    *--p = T_X_DOUBLE;
  }
  if (e->time_unix_nano) {
    p = pb_wr_fixed64(p, e->time_unix_nano);
    *--p = T_X_TIME;
  }
  w->p = p;
  return pbw_close(w, mark, tag);
}

static bool exemplars(otelc__pbw *w, uint8_t tag, const otelc_exemplar *e,
                      size_t n) {
  for (size_t k = e ? n : 0; k-- > 0;)
    if (!exemplar(w, tag, &e[k]))
      return false;
  return true;
}

/* ------------------------------------------------------------------ */
/* Data points                                                         */
/* ------------------------------------------------------------------ */

static bool number_point(otelc__pbw *w, const otelc_number_point *pt) {
  size_t mark = pbw_used(w);
  if (pt->flags && !pbw_varint(w, T_N_FLAGS, pt->flags))
    return false;
  if (!otelc__pbw_attrs(w, T_N_ATTRS, pt->attrs, pt->n_attrs))
    return false;
  if (pt->is_int && !pbw_fixed64(w, T_N_INT, (uint64_t)pt->value.i))
    return false;
  if (!exemplars(w, T_N_EXEMPLARS, pt->exemplars, pt->n_exemplars))
    return false;
  if (!pt->is_int && !pbw_fixed64(w, T_N_DOUBLE, pb_double_bits(pt->value.d)))
    return false;
  return times(w, pt->start_time_unix_nano, pt->time_unix_nano) &&
         pbw_close(w, mark, T_LEN1);
}

static bool histogram_point(otelc__pbw *w, const otelc_histogram_point *pt) {
  size_t mark = pbw_used(w);
  if (pt->has_min_max && (!pbw_fixed64(w, T_H_MAX, pb_double_bits(pt->max)) ||
                          !pbw_fixed64(w, T_H_MIN, pb_double_bits(pt->min))))
    return false;
  if (pt->flags && !pbw_varint(w, T_H_FLAGS, pt->flags))
    return false;
  if (!otelc__pbw_attrs(w, T_H_ATTRS, pt->attrs, pt->n_attrs) ||
      !exemplars(w, T_H_EXEMPLARS, pt->exemplars, pt->n_exemplars))
    return false;
  if (pt->bucket_counts) {
    if (pt->n_bounds &&
        !packed_fixed64(w, T_H_BOUNDS, pt->bounds, pt->n_bounds))
      return false;
    if (!packed_fixed64(w, T_H_COUNTS, pt->bucket_counts, pt->n_bounds + 1))
      return false;
  }
  if (pt->has_sum && !pbw_fixed64(w, T_H_SUM, pb_double_bits(pt->sum)))
    return false;
  if (pt->count && !pbw_fixed64(w, T_H_COUNT, pt->count))
    return false;
  return times(w, pt->start_time_unix_nano, pt->time_unix_nano) &&
         pbw_close(w, mark, T_LEN1);
}

/* Buckets as field @p tag: offset (sint32) and packed varint counts. */
static bool buckets(otelc__pbw *w, uint8_t tag, const otelc_exp_buckets *b) {
  size_t mark = pbw_used(w);
  if (b->n) {
    if (b->n > OTELC__OTLP_MAX_REQUEST / 10)
      return too_big(w);
    if (!pbw_need(w, b->n * 10))
      return false;
    size_t inner = pbw_used(w);
    uint8_t *p = w->p;
    for (size_t k = b->n; k-- > 0;)
      p = pb_wr_varint(p, b->counts[k]);
    w->p = p;
    if (!pbw_close(w, inner, T_B_COUNTS))
      return false;
  }
  if (b->offset && !pbw_varint(w, T_B_OFFSET, zigzag32(b->offset)))
    return false;
  return pbw_close(w, mark, tag);
}

static bool exp_histogram_point(otelc__pbw *w,
                                const otelc_exp_histogram_point *pt) {
  size_t mark = pbw_used(w);
  uint64_t zt = pb_double_bits(pt->zero_threshold);
  if (zt && !pbw_fixed64(w, T_E_ZERO_THRESHOLD, zt))
    return false;
  if (pt->has_min_max && (!pbw_fixed64(w, T_E_MAX, pb_double_bits(pt->max)) ||
                          !pbw_fixed64(w, T_E_MIN, pb_double_bits(pt->min))))
    return false;
  if (!exemplars(w, T_E_EXEMPLARS, pt->exemplars, pt->n_exemplars))
    return false;
  if (pt->flags && !pbw_varint(w, T_E_FLAGS, pt->flags))
    return false;
  if (!buckets(w, T_E_NEGATIVE, &pt->negative) ||
      !buckets(w, T_E_POSITIVE, &pt->positive))
    return false;
  if (pt->zero_count && !pbw_fixed64(w, T_E_ZERO_COUNT, pt->zero_count))
    return false;
  if (pt->scale && !pbw_varint(w, T_E_SCALE, zigzag32(pt->scale)))
    return false;
  if (pt->has_sum && !pbw_fixed64(w, T_E_SUM, pb_double_bits(pt->sum)))
    return false;
  if (pt->count && !pbw_fixed64(w, T_E_COUNT, pt->count))
    return false;
  return times(w, pt->start_time_unix_nano, pt->time_unix_nano) &&
         otelc__pbw_attrs(w, T_E_ATTRS, pt->attrs, pt->n_attrs) &&
         pbw_close(w, mark, T_LEN1);
}

/* ------------------------------------------------------------------ */
/* Metrics, scopes, the request                                        */
/* ------------------------------------------------------------------ */

/* The data points of @p m (field 1 of its container), last first. */
static bool points(otelc__pbw *w, const otelc_metric *m) {
  size_t k = m->n_points;
  switch (m->type) {
  case OTELC_METRIC_GAUGE:
  case OTELC_METRIC_SUM:
    while (k-- > 0)
      if (!number_point(w, &m->points.numbers[k]))
        return false;
    return true;
  case OTELC_METRIC_HISTOGRAM:
    while (k-- > 0)
      if (!histogram_point(w, &m->points.histograms[k]))
        return false;
    return true;
  default: /* OTELC_METRIC_EXP_HISTOGRAM (checked before) */
    while (k-- > 0)
      if (!exp_histogram_point(w, &m->points.exp_histograms[k]))
        return false;
    return true;
  }
}

/* A Metric as ScopeMetrics.metrics (field 2). */
static bool metric(otelc__pbw *w, const otelc_metric *m) {
  size_t mark = pbw_used(w);
  uint8_t tag = T_GAUGE;
  if (m->type == OTELC_METRIC_SUM) {
    tag = T_SUM;
    if (m->is_monotonic && !pbw_varint(w, T_MONOTONIC, 1))
      return false;
  } else if (m->type == OTELC_METRIC_HISTOGRAM) {
    tag = T_HISTOGRAM;
  } else if (m->type == OTELC_METRIC_EXP_HISTOGRAM) {
    tag = T_EXP_HISTOGRAM;
  }
  if (m->type != OTELC_METRIC_GAUGE && m->temporality &&
      !pbw_varint(w, T_TEMPORALITY, (uint64_t)m->temporality))
    return false;
  const char *name = m->name ? m->name : "";
  return points(w, m) && pbw_close(w, mark, tag) &&
         pbw_opt_str(w, T_LEN3, m->unit) &&
         pbw_opt_str(w, T_LEN2, m->description) &&
         pbw_str(w, T_LEN1, name, strlen(name)) && pbw_close(w, mark, T_LEN2);
}

/* A ScopeMetrics as ResourceMetrics.scope_metrics (field 2). */
static bool scope_metrics(otelc__pbw *w, const otelc_scope_metrics *s) {
  size_t mark = pbw_used(w);
  if (s->scope && !pbw_opt_str(w, T_LEN3, s->scope->schema_url))
    return false;
  for (size_t k = s->n_metrics; k-- > 0;)
    if (s->metrics[k].n_points && !metric(w, &s->metrics[k]))
      return false;
  return otelc__pbw_scope(w, s->scope) && pbw_close(w, mark, T_LEN2);
}

static bool request(otelc__pbw *w, const otelc_resource_metrics *d) {
  size_t mark = pbw_used(w);
  if (!pbw_opt_str(w, T_LEN3, otelc_resource_schema_url(d->resource)))
    return false;
  for (size_t k = d->n_scopes; k-- > 0;)
    if (otelc__otlp_scope_has_points(&d->scopes[k]) &&
        !scope_metrics(w, &d->scopes[k]))
      return false;
  return otelc__pbw_resource(w, d->resource) && pbw_close(w, mark, T_LEN1);
}

otelc_status otelc__otlp_metrics_pb(otelc__buf *out,
                                    const otelc_resource_metrics *d) {
  otelc__buf_reset(out);
  size_t n_points = 0, n_metrics = 0;
  for (size_t s = 0; s < d->n_scopes; s++) {
    n_metrics += d->scopes[s].n_metrics;
    for (size_t k = 0; k < d->scopes[s].n_metrics; k++)
      n_points += d->scopes[s].metrics[k].n_points;
  }
  if (n_points == 0)
    return OTELC_OK; /* an empty request */
  size_t max = OTELC__OTLP_MAX_REQUEST;
  size_t guess =
      n_points < max / EST_POINT_BYTES ? n_points * EST_POINT_BYTES : max;
  if (n_metrics < (max - guess) / EST_METRIC_BYTES)
    guess += n_metrics * EST_METRIC_BYTES;
  otelc__pbw w;
  otelc_status st = otelc__pbw_start(&w, out, 0, guess);
  if (st != OTELC_OK)
    return st;
  if (!request(&w, d)) {
    out->len = 0;
    out->failed = true;
    return w.err != OTELC_OK ? w.err : OTELC_ERR_NOMEM;
  }
  otelc__pbw_finish(&w);
  return OTELC_OK;
}
