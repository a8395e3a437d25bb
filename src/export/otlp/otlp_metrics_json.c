/*
 * OTLP/JSON: the ExportMetricsServiceRequest written straight from a
 * collection (otelc_resource_metrics) with the writer of
 * otlp_json_write.h: lowerCamelCase names, 64-bit integers (times,
 * counts, bucket counts, as_int) as quoted decimals, enums
 * (aggregationTemporality) as numbers, exemplar ids as lowercase hex,
 * NaN and infinities as "NaN", "Infinity", "-Infinity".
 *
 * What the protobuf encoder leaves out is left out here too: fields
 * holding their default (but the value oneof, written even when zero,
 * and sum/min/max, written when present), metrics without points and
 * scopes left without metrics.
 *
 * Thread safety: reads the collection only; one buffer per call.
 */
#include "export/otlp/otlp_json_write.h"
#include "otelc/resource.h"

/* An object being written: a comma goes before every member but the
 * first. */
typedef struct obj {
  otelc__jw *w;
  bool first;
} obj;

static obj obj_open(otelc__jw *w) {
  jw_putc(w, '{');
  return (obj){w, true};
}

/* Start member @p key ("\"name\":"). */
static void member(obj *o, const char *key, size_t n) {
  if (!o->first)
    jw_putc(o->w, ',');
  o->first = false;
  jw_put(o->w, key, n);
}

#define MEMBER(o, k) member((o), "\"" k "\":", sizeof(k) + 2)

static void obj_close(obj *o) {
  jw_putc(o->w, '}');
}

static void attrs_member(obj *o, const char *key, size_t n, const otelc_attr *a,
                         size_t count) {
  if (!a || !count)
    return;
  member(o, key, n);
  jw_putc(o->w, '[');
  otelc__json_attrs(o->w, a, count, 0);
  jw_putc(o->w, ']');
}

#define ATTRS(o, k, a, n) attrs_member((o), "\"" k "\":", sizeof(k) + 2, a, n)

/* startTimeUnixNano and timeUnixNano, each when not zero. */
static void times(obj *o, uint64_t start, uint64_t time) {
  if (start) {
    MEMBER(o, "startTimeUnixNano");
    otelc__json_u64_str(o->w, start);
  }
  if (time) {
    MEMBER(o, "timeUnixNano");
    otelc__json_u64_str(o->w, time);
  }
}

static void flags(obj *o, uint32_t f) {
  if (f) {
    MEMBER(o, "flags");
    otelc__json_u64(o->w, f);
  }
}

static void exemplars(obj *o, const otelc_exemplar *e, size_t n) {
  if (!e || !n)
    return;
  otelc__jw *w = o->w;
  MEMBER(o, "exemplars");
  jw_putc(w, '[');
  for (size_t i = 0; i < n && !w->b->failed; i++) {
    if (i)
      jw_putc(w, ',');
    obj x = obj_open(w);
    ATTRS(&x, "filteredAttributes", e[i].filtered_attrs, e[i].n_filtered_attrs);
    times(&x, 0, e[i].time_unix_nano);
    if (e[i].is_int) {
      MEMBER(&x, "asInt");
      otelc__json_i64_str(w, e[i].value.i);
    } else {
      MEMBER(&x, "asDouble");
      otelc__json_double(w, e[i].value.d);
    }
    if (e[i].has_span) {
      MEMBER(&x, "spanId");
      otelc__json_hex(w, e[i].span_id, 8);
      MEMBER(&x, "traceId");
      otelc__json_hex(w, e[i].trace_id, 16);
    }
    obj_close(&x);
  }
  jw_putc(w, ']');
}

/* An optional double: written when present, even when zero. */
static void opt_double(obj *o, const char *key, size_t n, bool has, double d) {
  if (has) {
    member(o, key, n);
    otelc__json_double(o->w, d);
  }
}

#define OPT_DOUBLE(o, k, has, d)                                               \
  opt_double((o), "\"" k "\":", sizeof(k) + 2, has, d)

/* ------------------------------------------------------------------ */
/* Data points                                                         */
/* ------------------------------------------------------------------ */

static void number_point(otelc__jw *w, const otelc_number_point *pt) {
  obj o = obj_open(w);
  ATTRS(&o, "attributes", pt->attrs, pt->n_attrs);
  times(&o, pt->start_time_unix_nano, pt->time_unix_nano);
  if (pt->is_int) {
    MEMBER(&o, "asInt");
    otelc__json_i64_str(w, pt->value.i);
  } else {
    MEMBER(&o, "asDouble");
    otelc__json_double(w, pt->value.d);
  }
  exemplars(&o, pt->exemplars, pt->n_exemplars);
  flags(&o, pt->flags);
  obj_close(&o);
}

static void histogram_point(otelc__jw *w, const otelc_histogram_point *pt) {
  obj o = obj_open(w);
  ATTRS(&o, "attributes", pt->attrs, pt->n_attrs);
  times(&o, pt->start_time_unix_nano, pt->time_unix_nano);
  if (pt->count) {
    MEMBER(&o, "count");
    otelc__json_u64_str(w, pt->count);
  }
  OPT_DOUBLE(&o, "sum", pt->has_sum, pt->sum);
  if (pt->bucket_counts) {
    MEMBER(&o, "bucketCounts");
    jw_putc(w, '[');
    for (size_t i = 0; i <= pt->n_bounds && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      otelc__json_u64_str(w, pt->bucket_counts[i]);
    }
    jw_putc(w, ']');
    if (pt->n_bounds) {
      MEMBER(&o, "explicitBounds");
      jw_putc(w, '[');
      for (size_t i = 0; i < pt->n_bounds && !w->b->failed; i++) {
        if (i)
          jw_putc(w, ',');
        otelc__json_double(w, pt->bounds[i]);
      }
      jw_putc(w, ']');
    }
  }
  exemplars(&o, pt->exemplars, pt->n_exemplars);
  flags(&o, pt->flags);
  OPT_DOUBLE(&o, "min", pt->has_min_max, pt->min);
  OPT_DOUBLE(&o, "max", pt->has_min_max, pt->max);
  obj_close(&o);
}

static void buckets(otelc__jw *w, const otelc_exp_buckets *b) {
  obj o = obj_open(w);
  if (b->offset) {
    MEMBER(&o, "offset");
    if (b->offset < 0)
      jw_putc(w, '-');
    otelc__json_u64(w, b->offset < 0 ? (uint64_t)(-(int64_t)b->offset)
                                     : (uint64_t)b->offset);
  }
  if (b->n) {
    MEMBER(&o, "bucketCounts");
    jw_putc(w, '[');
    for (size_t i = 0; i < b->n && !w->b->failed; i++) {
      if (i)
        jw_putc(w, ',');
      otelc__json_u64_str(w, b->counts[i]);
    }
    jw_putc(w, ']');
  }
  obj_close(&o);
}

static void exp_histogram_point(otelc__jw *w,
                                const otelc_exp_histogram_point *pt) {
  obj o = obj_open(w);
  ATTRS(&o, "attributes", pt->attrs, pt->n_attrs);
  times(&o, pt->start_time_unix_nano, pt->time_unix_nano);
  if (pt->count) {
    MEMBER(&o, "count");
    otelc__json_u64_str(w, pt->count);
  }
  OPT_DOUBLE(&o, "sum", pt->has_sum, pt->sum);
  if (pt->scale) {
    MEMBER(&o, "scale");
    if (pt->scale < 0)
      jw_putc(w, '-');
    otelc__json_u64(w, pt->scale < 0 ? (uint64_t)(-(int64_t)pt->scale)
                                     : (uint64_t)pt->scale);
  }
  if (pt->zero_count) {
    MEMBER(&o, "zeroCount");
    otelc__json_u64_str(w, pt->zero_count);
  }
  MEMBER(&o, "positive");
  buckets(w, &pt->positive);
  MEMBER(&o, "negative");
  buckets(w, &pt->negative);
  flags(&o, pt->flags);
  exemplars(&o, pt->exemplars, pt->n_exemplars);
  OPT_DOUBLE(&o, "min", pt->has_min_max, pt->min);
  OPT_DOUBLE(&o, "max", pt->has_min_max, pt->max);
  uint64_t zt;
  memcpy(&zt, &pt->zero_threshold, sizeof zt);
  OPT_DOUBLE(&o, "zeroThreshold", zt != 0, pt->zero_threshold);
  obj_close(&o);
}

/* ------------------------------------------------------------------ */
/* Metrics, scopes, the request                                        */
/* ------------------------------------------------------------------ */

/* The container object of @p m: its data points and settings. */
static void container(otelc__jw *w, const otelc_metric *m) {
  obj o = obj_open(w);
  MEMBER(&o, "dataPoints");
  jw_putc(w, '[');
  for (size_t i = 0; i < m->n_points && !w->b->failed; i++) {
    if (i)
      jw_putc(w, ',');
    switch (m->type) {
    case OTELC_METRIC_GAUGE:
    case OTELC_METRIC_SUM:
      number_point(w, &m->points.numbers[i]);
      break;
    case OTELC_METRIC_HISTOGRAM:
      histogram_point(w, &m->points.histograms[i]);
      break;
    default: /* OTELC_METRIC_EXP_HISTOGRAM (checked before) */
      exp_histogram_point(w, &m->points.exp_histograms[i]);
      break;
    }
  }
  jw_putc(w, ']');
  if (m->type != OTELC_METRIC_GAUGE && m->temporality) {
    MEMBER(&o, "aggregationTemporality");
    otelc__json_u64(w, (uint64_t)m->temporality);
  }
  if (m->type == OTELC_METRIC_SUM && m->is_monotonic) {
    MEMBER(&o, "isMonotonic");
    JW_LIT(w, "true");
  }
  obj_close(&o);
}

static void metric(otelc__jw *w, const otelc_metric *m) {
  obj o = obj_open(w);
  MEMBER(&o, "name");
  otelc__json_cstr(w, m->name);
  if (m->description && m->description[0]) {
    MEMBER(&o, "description");
    otelc__json_cstr(w, m->description);
  }
  if (m->unit && m->unit[0]) {
    MEMBER(&o, "unit");
    otelc__json_cstr(w, m->unit);
  }
  switch (m->type) {
  case OTELC_METRIC_GAUGE:
    MEMBER(&o, "gauge");
    break;
  case OTELC_METRIC_SUM:
    MEMBER(&o, "sum");
    break;
  case OTELC_METRIC_HISTOGRAM:
    MEMBER(&o, "histogram");
    break;
  default:
    MEMBER(&o, "exponentialHistogram");
    break;
  }
  container(w, m);
  obj_close(&o);
}

static void scope_metrics(otelc__jw *w, const otelc_scope_metrics *s) {
  jw_putc(w, '{');
  otelc__json_scope(w, s->scope);
  JW_LIT(w, ",\"metrics\":[");
  bool first = true;
  for (size_t k = 0; k < s->n_metrics && !w->b->failed; k++) {
    if (!s->metrics[k].n_points)
      continue;
    if (!first)
      jw_putc(w, ',');
    first = false;
    metric(w, &s->metrics[k]);
  }
  jw_putc(w, ']');
  otelc__json_schema_url(w, s->scope ? s->scope->schema_url : NULL);
  jw_putc(w, '}');
}

otelc_status otelc__otlp_metrics_json(otelc__buf *out,
                                      const otelc_resource_metrics *d) {
  otelc__buf_reset(out);
  otelc__jw w = {out, false};
  JW_LIT(&w, "{\"resourceMetrics\":[");
  bool any = false;
  for (size_t k = 0; k < d->n_scopes && !any; k++)
    any = otelc__otlp_scope_has_points(&d->scopes[k]);
  if (any) {
    jw_putc(&w, '{');
    otelc__json_resource(&w, d->resource);
    JW_LIT(&w, ",\"scopeMetrics\":[");
    bool first = true;
    for (size_t k = 0; k < d->n_scopes && !out->failed; k++) {
      if (!otelc__otlp_scope_has_points(&d->scopes[k]))
        continue;
      if (!first)
        jw_putc(&w, ',');
      first = false;
      scope_metrics(&w, &d->scopes[k]);
    }
    jw_putc(&w, ']');
    otelc__json_schema_url(&w, otelc_resource_schema_url(d->resource));
    jw_putc(&w, '}');
  }
  JW_LIT(&w, "]}");
  if (out->failed) {
    out->len = 0;
    return jw_failure(&w);
  }
  return OTELC_OK;
}
