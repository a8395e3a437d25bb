/*
 * The console metric exporter: each collection as readable lines (the
 * format is described in console_metrics.h).
 *
 * A collection is assembled in a buffer kept between exports and written
 * with one fwrite and one fflush, so that lines of other writers of the
 * same stream are not cut in the middle. Write errors fail the export
 * (reported once until a write succeeds again); they never stop the
 * program.
 */
#include "export/console/console_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "common/textbuf.h"
#include "metrics/exp_histogram.h"
#include "otelc/resource.h"

#define KEEP_BUF 1048576 /* larger buffers are freed after writing */

/* Values as the format describes them: doubles read back exactly,
 * nesting drawn 8 levels deep. */
static const otelc__tbuf_style value_style = {
    .max_depth = 8, .cut_typed = true, .exact = true};

/* -------------------------------------------------------------- points -- */

/* The start of a point line: its attributes. */
static void put_point_head(otelc__tbuf *b, const otelc_attr *attrs, size_t n) {
  otelc__tbuf_puts(b, "  point");
  otelc__tbuf_attrs_as(b, attrs, n, &value_style);
}

/* The end of a point line: times, flags, exemplars and the newline. */
static void put_point_tail(otelc__tbuf *b, uint64_t start, uint64_t end,
                           uint32_t flags, const otelc_exemplar *ex,
                           size_t n_ex) {
  otelc__tbuf_puts(b, " start=");
  otelc__tbuf_time(b, start);
  otelc__tbuf_puts(b, " end=");
  otelc__tbuf_time(b, end);
  if (flags & OTELC_POINT_FLAG_NO_RECORDED_VALUE)
    otelc__tbuf_puts(b, " no_recorded_value");
  if (ex && n_ex) {
    otelc__tbuf_puts(b, " exemplars=[");
    for (size_t i = 0; i < n_ex; i++) {
      const otelc_exemplar *e = &ex[i];
      otelc__tbuf_puts(b, i ? " {value=" : "{value=");
      if (e->is_int)
        otelc__tbuf_printf(b, "%" PRId64, e->value.i);
      else
        otelc__tbuf_double(b, e->value.d);
      otelc__tbuf_puts(b, " time=");
      otelc__tbuf_time(b, e->time_unix_nano);
      if (e->has_span) {
        otelc__tbuf_puts(b, " trace=");
        otelc__tbuf_hex(b, e->trace_id, 16);
        otelc__tbuf_puts(b, " span=");
        otelc__tbuf_hex(b, e->span_id, 8);
      }
      otelc__tbuf_attrs_as(b, e->filtered_attrs, e->n_filtered_attrs,
                           &value_style);
      otelc__tbuf_putc(b, '}');
    }
    otelc__tbuf_putc(b, ']');
  }
  otelc__tbuf_putc(b, '\n');
}

static void put_number_point(otelc__tbuf *b, const otelc_number_point *p) {
  put_point_head(b, p->attrs, p->n_attrs);
  otelc__tbuf_puts(b, " value=");
  if (p->is_int)
    otelc__tbuf_printf(b, "%" PRId64, p->value.i);
  else
    otelc__tbuf_double(b, p->value.d);
  put_point_tail(b, p->start_time_unix_nano, p->time_unix_nano, p->flags,
                 p->exemplars, p->n_exemplars);
}

/* count=, sum= and min=/max= of a histogram point. */
static void put_stats(otelc__tbuf *b, uint64_t count, bool has_sum, double sum,
                      bool has_min_max, double min, double max) {
  otelc__tbuf_printf(b, " count=%" PRIu64, count);
  if (has_sum) {
    otelc__tbuf_puts(b, " sum=");
    otelc__tbuf_double(b, sum);
  }
  if (has_min_max) {
    otelc__tbuf_puts(b, " min=");
    otelc__tbuf_double(b, min);
    otelc__tbuf_puts(b, " max=");
    otelc__tbuf_double(b, max);
  }
}

/* One bucket "(lo,hi]:n" (")" when hi is infinite), after a space
 * unless it is the first. */
static void put_bucket(otelc__tbuf *b, bool *first, double lo, double hi,
                       uint64_t n) {
  otelc__tbuf_puts(b, *first ? "(" : " (");
  *first = false;
  if (lo == -HUGE_VAL)
    otelc__tbuf_puts(b, "-inf");
  else
    otelc__tbuf_double(b, lo);
  otelc__tbuf_putc(b, ',');
  if (hi == HUGE_VAL)
    otelc__tbuf_puts(b, "+inf)");
  else {
    otelc__tbuf_double(b, hi);
    otelc__tbuf_putc(b, ']');
  }
  otelc__tbuf_printf(b, ":%" PRIu64, n);
}

static void put_histogram_point(otelc__tbuf *b,
                                const otelc_histogram_point *p) {
  put_point_head(b, p->attrs, p->n_attrs);
  put_stats(b, p->count, p->has_sum, p->sum, p->has_min_max, p->min, p->max);
  otelc__tbuf_puts(b, " buckets=[");
  bool first = true;
  for (size_t i = 0; p->bucket_counts && i <= p->n_bounds; i++) {
    if (!p->bucket_counts[i])
      continue;
    double lo = i == 0 || !p->bounds ? -HUGE_VAL : p->bounds[i - 1];
    double hi = i == p->n_bounds || !p->bounds ? HUGE_VAL : p->bounds[i];
    put_bucket(b, &first, lo, hi, p->bucket_counts[i]);
  }
  otelc__tbuf_putc(b, ']');
  put_point_tail(b, p->start_time_unix_nano, p->time_unix_nano, p->flags,
                 p->exemplars, p->n_exemplars);
}

/* The bounds of exponential bucket @p index at @p scale. */
static void exp_bounds(int32_t index, int32_t scale, double *lo, double *hi) {
  *lo = otelc__exph_lower_bound(index, scale);
  *hi =
      index == INT32_MAX ? HUGE_VAL : otelc__exph_lower_bound(index + 1, scale);
}

static void put_exp_histogram_point(otelc__tbuf *b,
                                    const otelc_exp_histogram_point *p) {
  put_point_head(b, p->attrs, p->n_attrs);
  put_stats(b, p->count, p->has_sum, p->sum, p->has_min_max, p->min, p->max);
  otelc__tbuf_printf(b, " scale=%" PRId32 " zero_count=%" PRIu64, p->scale,
                     p->zero_count);
  if (p->zero_threshold != 0) {
    otelc__tbuf_puts(b, " zero_threshold=");
    otelc__tbuf_double(b, p->zero_threshold);
  }
  otelc__tbuf_puts(b, " buckets=[");
  bool first = true;
  const otelc_exp_buckets *neg = &p->negative, *pos = &p->positive;
  /* Negative values first, from the most negative: [-hi,-lo). */
  for (size_t i = neg->counts ? neg->n : 0; i-- > 0;) {
    if (!neg->counts[i])
      continue;
    double lo, hi;
    exp_bounds((int32_t)(neg->offset + (int64_t)i), p->scale, &lo, &hi);
    otelc__tbuf_puts(b, first ? "[" : " [");
    first = false;
    if (hi == HUGE_VAL)
      otelc__tbuf_puts(b, "-inf");
    else
      otelc__tbuf_double(b, -hi);
    otelc__tbuf_putc(b, ',');
    otelc__tbuf_double(b, -lo);
    otelc__tbuf_printf(b, "):%" PRIu64, neg->counts[i]);
  }
  for (size_t i = 0; pos->counts && i < pos->n; i++) {
    if (!pos->counts[i])
      continue;
    double lo, hi;
    exp_bounds((int32_t)(pos->offset + (int64_t)i), p->scale, &lo, &hi);
    put_bucket(b, &first, lo, hi, pos->counts[i]);
  }
  otelc__tbuf_putc(b, ']');
  put_point_tail(b, p->start_time_unix_nano, p->time_unix_nano, p->flags,
                 p->exemplars, p->n_exemplars);
}

/* ------------------------------------------------------------- metrics -- */

static const char *type_name(otelc_metric_type t) {
  switch (t) {
  case OTELC_METRIC_GAUGE:
    return "gauge";
  case OTELC_METRIC_SUM:
    return "sum";
  case OTELC_METRIC_HISTOGRAM:
    return "histogram";
  case OTELC_METRIC_EXP_HISTOGRAM:
    return "exp_histogram";
  }
  return "unknown";
}

static const char *temporality_name(otelc_temporality t) {
  switch (t) {
  case OTELC_TEMPORALITY_DELTA:
    return "delta";
  case OTELC_TEMPORALITY_CUMULATIVE:
    return "cumulative";
  case OTELC_TEMPORALITY_UNSPECIFIED:
    break;
  }
  return "unspecified";
}

/* The metric line and its point lines. */
static void put_metric(otelc__tbuf *b, const otelc_metric *m) {
  otelc__tbuf_puts(b, "metric ");
  otelc__tbuf_word(b, m->name);
  otelc__tbuf_printf(b, " %s unit=", type_name(m->type));
  otelc__tbuf_word(b, m->unit);
  otelc__tbuf_printf(b, " temporality=%s monotonic=%s ",
                     temporality_name(m->temporality),
                     m->is_monotonic ? "true" : "false");
  const char *desc = m->description ? m->description : "";
  otelc__tbuf_escaped(b, desc, strlen(desc), true);
  otelc__tbuf_putc(b, '\n');
  for (size_t i = 0; i < m->n_points && !b->oom; i++) {
    switch (m->type) {
    case OTELC_METRIC_GAUGE:
    case OTELC_METRIC_SUM:
      if (m->points.numbers)
        put_number_point(b, &m->points.numbers[i]);
      break;
    case OTELC_METRIC_HISTOGRAM:
      if (m->points.histograms)
        put_histogram_point(b, &m->points.histograms[i]);
      break;
    case OTELC_METRIC_EXP_HISTOGRAM:
      if (m->points.exp_histograms)
        put_exp_histogram_point(b, &m->points.exp_histograms[i]);
      break;
    }
  }
}

static void put_scope(otelc__tbuf *b, const otelc_scope_info *s) {
  otelc__tbuf_puts(b, "scope ");
  otelc__tbuf_word(b, s ? s->name : NULL);
  if (s && s->version && *s->version) {
    otelc__tbuf_puts(b, " version=");
    otelc__tbuf_word(b, s->version);
  }
  if (s && s->schema_url && *s->schema_url) {
    otelc__tbuf_puts(b, " schema_url=");
    otelc__tbuf_word(b, s->schema_url);
  }
  if (s)
    otelc__tbuf_attrs_as(b, s->attrs, s->n_attrs, &value_style);
  otelc__tbuf_putc(b, '\n');
}

/* The whole collection. */
static void put_collection(otelc__tbuf *b, const otelc_resource_metrics *d) {
  size_t n_metrics = 0, n_points = 0;
  for (size_t i = 0; d->scopes && i < d->n_scopes; i++) {
    const otelc_scope_metrics *sm = &d->scopes[i];
    for (size_t k = 0; sm->metrics && k < sm->n_metrics; k++)
      n_points += sm->metrics[k].n_points;
    if (sm->metrics)
      n_metrics += sm->n_metrics;
  }
  otelc__tbuf_puts(b, "collection service=");
  const otelc_value *svc =
      d->resource ? otelc_resource_get(d->resource, "service.name") : NULL;
  if (svc)
    otelc__tbuf_value_as(b, svc, &value_style);
  else
    otelc__tbuf_putc(b, '-');
  otelc__tbuf_printf(b, " scopes=%zu metrics=%zu points=%zu\n",
                     d->scopes ? d->n_scopes : 0, n_metrics, n_points);
  for (size_t i = 0; d->scopes && i < d->n_scopes && !b->oom; i++) {
    const otelc_scope_metrics *sm = &d->scopes[i];
    put_scope(b, sm->scope);
    for (size_t k = 0; sm->metrics && k < sm->n_metrics && !b->oom; k++)
      put_metric(b, &sm->metrics[k]);
  }
}

otelc_status otelc__console_metrics_format(const otelc_resource_metrics *data,
                                           char **out, size_t *len) {
  if (!out || !len)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  *len = 0;
  if (!data)
    return OTELC_ERR_INVALID_ARG;
  otelc__tbuf b = {0};
  put_collection(&b, data);
  if (b.oom || !otelc__tbuf_reserve(&b, 0)) {
    otelc__tbuf_free(&b);
    return OTELC_ERR_NOMEM;
  }
  b.p[b.len] = '\0';
  *out = b.p;
  *len = b.len;
  return OTELC_OK;
}

/* ------------------------------------------------------------ exporter -- */

typedef struct cmexp {
  FILE *out;
  otelc__tbuf buf; /* exports never overlap */
  _Atomic bool shut;
  _Atomic bool failing; /* the last write failed (reported) */
} cmexp;

/* Note the outcome of a write: report the first failure of a run. Only
 * a collection written out ends a run (a flush may have had nothing to
 * write). */
static otelc_status wrote(cmexp *c, bool ok, bool wrote_data) {
  if (ok) {
    if (wrote_data)
      atomic_store(&c->failing, false);
    return OTELC_OK;
  }
  clearerr(c->out);
  if (!atomic_exchange(&c->failing, true))
    otelc__warn("console metric exporter: writing failed");
  return OTELC_ERR_IO;
}

static otelc_status cm_export(void *self, const otelc_resource_metrics *data,
                              uint32_t timeout_ms) {
  (void)timeout_ms;
  cmexp *c = self;
  if (atomic_load(&c->shut))
    return OTELC_ERR_SHUTDOWN;
  if (!data)
    return OTELC_ERR_INVALID_ARG;
  otelc__tbuf *b = &c->buf;
  b->len = 0;
  b->oom = false;
  put_collection(b, data);
  otelc_status st = OTELC_ERR_NOMEM;
  if (!b->oom) {
    bool ok = fwrite(b->p, 1, b->len, c->out) == b->len;
    ok = fflush(c->out) == 0 && ok;
    st = wrote(c, ok, true);
  }
  if (b->cap > KEEP_BUF)
    otelc__tbuf_free(b);
  return st;
}

static otelc_status cm_flush(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  cmexp *c = self;
  if (atomic_load(&c->shut))
    return OTELC_ERR_SHUTDOWN;
  return wrote(c, fflush(c->out) == 0, false);
}

static otelc_status cm_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  cmexp *c = self;
  if (atomic_exchange(&c->shut, true))
    return OTELC_ERR_SHUTDOWN;
  return wrote(c, fflush(c->out) == 0, false);
}

static void cm_destroy(void *self) {
  cmexp *c = self;
  otelc__tbuf_free(&c->buf);
  otelc__free(c);
}

otelc_status
otelc_console_metric_exporter_new(const otelc_console_metric_opts *opts,
                                  otelc_metric_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  cmexp *c = otelc__calloc(1, sizeof *c);
  if (!c)
    return OTELC_ERR_NOMEM;
  c->out = opts && opts->out ? opts->out : stderr;
  /* PREF_DEFAULT means cumulative here: the environment is not read. */
  otelc_temporality_preference pref =
      opts ? opts->temporality : OTELC_TEMPORALITY_PREF_DEFAULT;
  if (pref == OTELC_TEMPORALITY_PREF_DEFAULT)
    pref = OTELC_TEMPORALITY_PREF_CUMULATIVE;
  otelc_metric_reader_prefs prefs;
  otelc_metric_reader_prefs_init(&prefs, pref);
  static const otelc_metric_exporter_ops ops = {cm_export, cm_flush,
                                                cm_shutdown, cm_destroy};
  return otelc_metric_exporter_new(&ops, c, &prefs, out);
}
