/* Helpers of the metrics tests: a provider with pull readers, and a copy
 * of a collection that outlives the collect callback. */
#ifndef OTELC_TEST_METRICS_FIXTURE_H
#define OTELC_TEST_METRICS_FIXTURE_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otelc/metrics.h"
#include "test_helpers.h"

#define MP_MAX_EX 32
#define MP_MAX_B 64

typedef struct mex {
  uint64_t time;
  bool is_int;
  int64_t i;
  double d;
  bool has_span;
  uint8_t trace_id[16];
  uint8_t span_id[8];
  char fattrs[256];
} mex;

/* One point, with the metric it belongs to. */
typedef struct mpoint {
  char scope[64];
  char metric[128];
  char desc[128];
  char unit[64];
  otelc_metric_type type;
  otelc_temporality temporality;
  bool monotonic;
  otelc_instrument_kind kind;
  char attrs[512]; /* "k=v,k=v" in the order given (sorted by key) */
  size_t n_attrs;
  uint64_t start, time;
  bool is_int;
  int64_t i;
  double d;
  uint64_t count;
  bool has_sum, has_min_max;
  double sum, min, max;
  size_t n_bounds;
  double bounds[MP_MAX_B];
  uint64_t buckets[MP_MAX_B + 1];
  int32_t scale;
  uint64_t zero_count;
  int32_t pos_offset;
  size_t pos_n;
  uint64_t pos[MP_MAX_B * 4];
  size_t n_ex;
  mex ex[MP_MAX_EX];
} mpoint;

typedef struct mcollect {
  size_t n;
  mpoint *pts;
  size_t n_metrics, n_scopes;
  bool called;
  const otelc_resource *resource;
} mcollect;

static inline void mc_value(char *out, size_t cap, const otelc_value *v) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    snprintf(out, cap, "%.*s", (int)v->len, v->u.str);
    break;
  case OTELC_VALUE_INT:
    snprintf(out, cap, "%" PRId64, v->u.i);
    break;
  case OTELC_VALUE_DOUBLE:
    snprintf(out, cap, "%g", v->u.d);
    break;
  case OTELC_VALUE_BOOL:
    snprintf(out, cap, "%s", v->u.b ? "true" : "false");
    break;
  default:
    snprintf(out, cap, "<%d>", (int)v->type);
    break;
  }
}

static inline void mc_attrs(char *out, size_t cap, const otelc_attr *a,
                            size_t n) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && o < cap; i++) {
    char v[256];
    mc_value(v, sizeof v, &a[i].value);
    o += (size_t)snprintf(out + o, cap - o, "%s%s=%s", i ? "," : "", a[i].key,
                          v);
  }
}

static inline void mc_exemplars(mpoint *p, const otelc_exemplar *e, size_t n) {
  p->n_ex = n < MP_MAX_EX ? n : MP_MAX_EX;
  for (size_t i = 0; i < p->n_ex; i++) {
    p->ex[i].time = e[i].time_unix_nano;
    p->ex[i].is_int = e[i].is_int;
    p->ex[i].i = e[i].is_int ? e[i].value.i : 0;
    p->ex[i].d = e[i].is_int ? 0 : e[i].value.d;
    p->ex[i].has_span = e[i].has_span;
    memcpy(p->ex[i].trace_id, e[i].trace_id, 16);
    memcpy(p->ex[i].span_id, e[i].span_id, 8);
    mc_attrs(p->ex[i].fattrs, sizeof p->ex[i].fattrs, e[i].filtered_attrs,
             e[i].n_filtered_attrs);
  }
}

static inline mpoint *mc_add(mcollect *c, const otelc_scope_metrics *sm,
                             const otelc_metric *m) {
  c->pts = realloc(c->pts, (c->n + 1) * sizeof *c->pts);
  mpoint *p = &c->pts[c->n++];
  memset(p, 0, sizeof *p);
  snprintf(p->scope, sizeof p->scope, "%s", sm->scope->name);
  snprintf(p->metric, sizeof p->metric, "%s", m->name);
  snprintf(p->desc, sizeof p->desc, "%s", m->description);
  snprintf(p->unit, sizeof p->unit, "%s", m->unit);
  p->type = m->type;
  p->temporality = m->temporality;
  p->monotonic = m->is_monotonic;
  p->kind = m->instrument_kind;
  return p;
}

static inline void mc_callback(const otelc_resource_metrics *rm, void *ud) {
  mcollect *c = ud;
  c->called = true;
  c->resource = rm->resource;
  c->n_scopes = rm->n_scopes;
  for (size_t s = 0; s < rm->n_scopes; s++) {
    const otelc_scope_metrics *sm = &rm->scopes[s];
    c->n_metrics += sm->n_metrics;
    for (size_t k = 0; k < sm->n_metrics; k++) {
      const otelc_metric *m = &sm->metrics[k];
      for (size_t j = 0; j < m->n_points; j++) {
        mpoint *p = mc_add(c, sm, m);
        if (m->type == OTELC_METRIC_SUM || m->type == OTELC_METRIC_GAUGE) {
          const otelc_number_point *np = &m->points.numbers[j];
          mc_attrs(p->attrs, sizeof p->attrs, np->attrs, np->n_attrs);
          p->n_attrs = np->n_attrs;
          p->start = np->start_time_unix_nano;
          p->time = np->time_unix_nano;
          p->is_int = np->is_int;
          if (np->is_int)
            p->i = np->value.i;
          else
            p->d = np->value.d;
          mc_exemplars(p, np->exemplars, np->n_exemplars);
        } else if (m->type == OTELC_METRIC_HISTOGRAM) {
          const otelc_histogram_point *hp = &m->points.histograms[j];
          mc_attrs(p->attrs, sizeof p->attrs, hp->attrs, hp->n_attrs);
          p->n_attrs = hp->n_attrs;
          p->start = hp->start_time_unix_nano;
          p->time = hp->time_unix_nano;
          p->count = hp->count;
          p->has_sum = hp->has_sum;
          p->sum = hp->sum;
          p->has_min_max = hp->has_min_max;
          p->min = hp->min;
          p->max = hp->max;
          p->n_bounds = hp->n_bounds < MP_MAX_B ? hp->n_bounds : MP_MAX_B;
          memcpy(p->bounds, hp->bounds, p->n_bounds * sizeof(double));
          memcpy(p->buckets, hp->bucket_counts,
                 (p->n_bounds + 1) * sizeof(uint64_t));
          mc_exemplars(p, hp->exemplars, hp->n_exemplars);
        } else {
          const otelc_exp_histogram_point *ep = &m->points.exp_histograms[j];
          mc_attrs(p->attrs, sizeof p->attrs, ep->attrs, ep->n_attrs);
          p->n_attrs = ep->n_attrs;
          p->start = ep->start_time_unix_nano;
          p->time = ep->time_unix_nano;
          p->count = ep->count;
          p->has_sum = ep->has_sum;
          p->sum = ep->sum;
          p->has_min_max = ep->has_min_max;
          p->min = ep->min;
          p->max = ep->max;
          p->scale = ep->scale;
          p->zero_count = ep->zero_count;
          p->pos_offset = ep->positive.offset;
          p->pos_n =
              ep->positive.n < MP_MAX_B * 4 ? ep->positive.n : MP_MAX_B * 4;
          if (p->pos_n)
            memcpy(p->pos, ep->positive.counts, p->pos_n * sizeof(uint64_t));
          mc_exemplars(p, ep->exemplars, ep->n_exemplars);
        }
      }
    }
  }
}

static inline void mc_free(mcollect *c) {
  free(c->pts);
  memset(c, 0, sizeof *c);
}

/* Collect @p r into @p c (freed first). */
static inline void mc_collect(otelc_metric_reader *r, mcollect *c) {
  mc_free(c);
  assert_int_equal(otelc_metric_reader_collect(r, mc_callback, c, 5000),
                   OTELC_OK);
  assert_true(c->called);
}

/* The point of @p metric with attributes @p attrs ("k=v,..."), or NULL. */
static inline mpoint *mc_find(mcollect *c, const char *metric,
                              const char *attrs) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->pts[i].metric, metric) == 0 &&
        strcmp(c->pts[i].attrs, attrs) == 0)
      return &c->pts[i];
  return NULL;
}

/* Points of @p metric. */
static inline size_t mc_count(mcollect *c, const char *metric) {
  size_t n = 0;
  for (size_t i = 0; i < c->n; i++)
    n += strcmp(c->pts[i].metric, metric) == 0;
  return n;
}

/* The point that must exist. */
static inline mpoint *mc_get(mcollect *c, const char *metric,
                             const char *attrs) {
  mpoint *p = mc_find(c, metric, attrs);
  if (!p)
    fail_msg("no point %s{%s}", metric, attrs);
  return p;
}

/* A provider with @p n pull readers of the given preferences (NULL: all
 * cumulative), @p views, and the always_off exemplar filter unless
 * @p filter says otherwise (MF_DEFAULT_FILTER: the provider's default). */
#define MF_DEFAULT_FILTER ((otelc_exemplar_filter)-1)
typedef struct mfix {
  otelc_meter_provider *mp;
  otelc_metric_reader *r[4];
  otelc_meter *meter;
  mcollect c;
} mfix;

static inline void mfix_init_full(mfix *f, size_t n,
                                  const otelc_metric_reader_prefs *prefs,
                                  const otelc_view *views, size_t n_views,
                                  otelc_exemplar_filter filter) {
  memset(f, 0, sizeof *f);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(
        otelc_pull_reader_new(NULL, NULL, prefs ? &prefs[i] : NULL, &f->r[i]),
        OTELC_OK);
  otelc_resource *res = NULL;
  assert_int_equal(otelc_resource_new(NULL, 0, NULL, &res), OTELC_OK);
  otelc_meter_provider_opts o = {0};
  o.resource = res;
  o.readers = f->r;
  o.n_readers = n;
  o.views = views;
  o.n_views = n_views;
  o.exemplar_filter = filter == MF_DEFAULT_FILTER
                          ? OTELC_EXEMPLAR_FILTER_DEFAULT
                      : filter ? filter
                               : OTELC_EXEMPLAR_FILTER_ALWAYS_OFF;
  assert_int_equal(otelc_meter_provider_new(&o, &f->mp), OTELC_OK);
  otelc_resource_release(res);
  f->meter = otelc_meter_provider_get_meter(
      f->mp, &(otelc_scope_info){.name = "test", .version = "1.0"});
}

static inline void mfix_init(mfix *f) {
  mfix_init_full(f, 1, NULL, NULL, 0, 0);
}

/* One reader with every kind delta (when @p delta) or cumulative. */
static inline void mfix_init_temporality(mfix *f, bool delta) {
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  for (int k = 0; k < OTELC_INSTRUMENT_KIND_COUNT; k++)
    p.temporality[k] =
        delta ? OTELC_TEMPORALITY_DELTA : OTELC_TEMPORALITY_CUMULATIVE;
  mfix_init_full(f, 1, &p, NULL, 0, 0);
}

static inline void mfix_collect(mfix *f) {
  mc_collect(f->r[0], &f->c);
}

static inline void mfix_free(mfix *f) {
  mc_free(&f->c);
  otelc_meter_provider_free(f->mp);
  f->mp = NULL;
}

#endif /* OTELC_TEST_METRICS_FIXTURE_H */
