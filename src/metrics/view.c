/* Views: validation and copies, instrument selection (with wildcards),
 * the streams of an instrument, and attribute filters. */
#include <ctype.h>
#include <math.h>
#include <strings.h>

#include "metrics/metrics_internal.h"

static const double default_bounds[] = {
    0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
static const double no_bounds[1] = {0};

/* ------------------------------------------------------------ filters -- */

static bool fkey_in(const otelc__fkey *keys, uint32_t n, uint64_t h,
                    uint32_t len, const char *key) {
  for (uint32_t i = 0; i < n; i++)
    if (keys[i].hash == h && keys[i].len == len &&
        memcmp(keys[i].key, key, len) == 0)
      return true;
  return false;
}

void otelc__mattrs_filter(otelc__mattrs *m, const otelc__filter *f) {
  if (m->f_last == f)
    return;
  uint32_t k = 0;
  uint64_t h = 0;
  for (uint32_t i = 0; i < m->n; i++) {
    const otelc__mattr *x = &m->at[i];
    if (f->allow_only &&
        !fkey_in(f->allow, f->n_allow, x->khash, x->klen, x->key))
      continue;
    if (f->n_deny && fkey_in(f->deny, f->n_deny, x->khash, x->klen, x->key))
      continue;
    m->f_idx[k++] = i;
    h += x->pair;
  }
  m->f_n = k;
  m->f_hash = otelc__set_hash_start(k) + h;
  m->f_last = f;
}

static otelc__fkey *fkeys_new(otelc__arena *a, const char *const *keys,
                              size_t n, bool *ok) {
  if (!n)
    return NULL;
  otelc__fkey *out = otelc__arena_alloc(a, n * sizeof *out);
  if (!out) {
    *ok = false;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    const char *k = keys[i] ? keys[i] : "";
    size_t len = strlen(k);
    out[i].key = otelc__arena_strndup(a, k, len);
    out[i].len = (uint32_t)len;
    out[i].hash = otelc__hash_bytes(k, len, OTELC__H1);
    if (!out[i].key)
      *ok = false;
  }
  return out;
}

otelc__filter *otelc__filter_new(otelc__arena *a, const char *const *allow,
                                 size_t n_allow, bool allow_only,
                                 const char *const *deny, size_t n_deny) {
  otelc__filter *f = otelc__arena_alloc(a, sizeof *f);
  if (!f)
    return NULL;
  bool ok = true;
  memset(f, 0, sizeof *f);
  f->allow_only = allow_only;
  if (allow_only) {
    f->allow = fkeys_new(a, allow, n_allow, &ok);
    f->n_allow = (uint32_t)n_allow;
  }
  f->deny = fkeys_new(a, deny, n_deny, &ok);
  f->n_deny = (uint32_t)n_deny;
  return ok ? f : NULL;
}

/* -------------------------------------------------------- validation -- */

bool otelc__bounds_valid(const double *b, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(b[i])) {
      otelc__warn("%s: histogram bounds must be finite (bound %zu is not)",
                  what, i);
      return false;
    }
    if (i > 0 && !(b[i] > b[i - 1])) {
      otelc__warn("%s: histogram bounds must increase strictly (bound %zu "
                  "is %g after %g)",
                  what, i, b[i], b[i - 1]);
      return false;
    }
  }
  return true;
}

static const char *view_label(const otelc_view *v) {
  return v->instrument_name ? v->instrument_name : "*";
}

static bool agg_is_histogram(otelc_aggregation_kind k) {
  return k == OTELC_AGGREGATION_EXPLICIT_HISTOGRAM ||
         k == OTELC_AGGREGATION_EXP_HISTOGRAM;
}

static bool view_valid(const otelc_view *v) {
  const char *lbl = view_label(v);
  if ((unsigned)v->instrument_kind >= OTELC_INSTRUMENT_KIND_COUNT) {
    otelc__warn("view for '%s' ignored: unknown instrument kind %d", lbl,
                (int)v->instrument_kind);
    return false;
  }
  if ((unsigned)v->aggregation.kind > OTELC_AGGREGATION_EXP_HISTOGRAM) {
    otelc__warn("view for '%s' ignored: unknown aggregation %d", lbl,
                (int)v->aggregation.kind);
    return false;
  }
  if ((unsigned)v->reservoir > OTELC_RESERVOIR_ALIGNED_BUCKETS) {
    otelc__warn("view for '%s' ignored: unknown exemplar reservoir %d", lbl,
                (int)v->reservoir);
    return false;
  }
  if (agg_is_histogram(v->aggregation.kind) &&
      otelc__kind_is_async(v->instrument_kind)) {
    otelc__warn("view for '%s' ignored: a histogram aggregation is not "
                "valid for the %s instrument kind",
                lbl, otelc__kind_name(v->instrument_kind));
    return false;
  }
  if (v->aggregation.kind == OTELC_AGGREGATION_EXPLICIT_HISTOGRAM &&
      v->aggregation.boundaries) {
    char what[160];
    snprintf(what, sizeof what, "view for '%s' ignored", lbl);
    if (!otelc__bounds_valid(v->aggregation.boundaries,
                             v->aggregation.n_boundaries, what))
      return false;
  }
  if (v->aggregation.kind == OTELC_AGGREGATION_EXP_HISTOGRAM) {
    if (v->aggregation.max_size == 1) {
      otelc__warn("view for '%s' ignored: an exponential histogram needs "
                  "max_size of at least 2",
                  lbl);
      return false;
    }
    if (v->aggregation.max_scale_set &&
        (v->aggregation.max_scale < OTELC__EXPH_MIN_SCALE ||
         v->aggregation.max_scale > OTELC__EXPH_DEFAULT_MAX_SCALE)) {
      otelc__warn("view for '%s' ignored: max_scale %d is outside -10..20", lbl,
                  (int)v->aggregation.max_scale);
      return false;
    }
  }
  if (v->name && v->instrument_name && strpbrk(v->instrument_name, "*?"))
    otelc__warn("view renames instruments matching '%s' to '%s': if it "
                "selects several instruments their streams will conflict",
                v->instrument_name, v->name);
  return true;
}

static const char *arena_str(otelc__arena *a, const char *s, bool *ok) {
  if (!s)
    return NULL;
  char *d = otelc__arena_strndup(a, s, strlen(s));
  if (!d)
    *ok = false;
  return d;
}

static const char *const *arena_strs(otelc__arena *a, const char *const *s,
                                     size_t n, bool *ok) {
  if (!s || !n)
    return NULL;
  const char **out = otelc__arena_alloc(a, n * sizeof *out);
  if (!out) {
    *ok = false;
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    out[i] = arena_str(a, s[i] ? s[i] : "", ok);
  return out;
}

otelc_status otelc__views_copy(struct otelc_meter_provider *p,
                               const otelc_view *views, size_t n) {
  if (!n || !views)
    return OTELC_OK;
  p->views = otelc__calloc(n, sizeof *p->views);
  if (!p->views)
    return OTELC_ERR_NOMEM;
  otelc__arena *a = &p->view_arena;
  bool ok = true;
  for (size_t i = 0; i < n && ok; i++) {
    const otelc_view *v = &views[i];
    if (!view_valid(v))
      continue;
    otelc_view *c = &p->views[p->n_views++];
    *c = *v;
    c->instrument_name = arena_str(a, v->instrument_name, &ok);
    c->instrument_unit = arena_str(a, v->instrument_unit, &ok);
    c->meter_name = arena_str(a, v->meter_name, &ok);
    c->meter_version = arena_str(a, v->meter_version, &ok);
    c->meter_schema_url = arena_str(a, v->meter_schema_url, &ok);
    c->name = arena_str(a, v->name, &ok);
    c->description = arena_str(a, v->description, &ok);
    c->attribute_keys =
        arena_strs(a, v->attribute_keys, v->n_attribute_keys, &ok);
    if (!v->attribute_keys)
      c->n_attribute_keys = 0;
    c->excluded_keys = arena_strs(a, v->excluded_keys, v->n_excluded_keys, &ok);
    if (!v->excluded_keys)
      c->n_excluded_keys = 0;
    if (v->aggregation.boundaries && v->aggregation.n_boundaries) {
      double *b =
          otelc__arena_alloc(a, v->aggregation.n_boundaries * sizeof(double));
      if (b)
        memcpy(b, v->aggregation.boundaries,
               v->aggregation.n_boundaries * sizeof(double));
      else
        ok = false;
      c->aggregation.boundaries = b;
    } else if (v->aggregation.boundaries) {
      c->aggregation.boundaries = no_bounds;
      c->aggregation.n_boundaries = 0;
    }
  }
  return ok ? OTELC_OK : OTELC_ERR_NOMEM;
}

/* ---------------------------------------------------------- selection -- */

/* Case-insensitive match of @p s against @p pat with '*' and '?'. */
static bool glob_match(const char *pat, const char *s) {
  const char *star = NULL, *resume = NULL;
  while (*s) {
    if (*pat == '*') {
      star = ++pat;
      resume = s;
    } else if (*pat == '?' || (*pat && tolower((unsigned char)*pat) ==
                                           tolower((unsigned char)*s))) {
      pat++;
      s++;
    } else if (star) {
      pat = star;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*pat == '*')
    pat++;
  return *pat == '\0';
}

static bool str_eq(const char *want, const char *have) {
  return !want || strcmp(want, have ? have : "") == 0;
}

bool otelc__view_matches(const otelc_view *v, const otelc__inst *in) {
  const otelc_scope_info *sc = &in->meter->scope;
  if (v->instrument_name && !glob_match(v->instrument_name, in->name))
    return false;
  if (v->instrument_kind != OTELC_INSTRUMENT_ANY &&
      (uint8_t)v->instrument_kind != in->kind)
    return false;
  return str_eq(v->instrument_unit, in->unit) &&
         str_eq(v->meter_name, sc->name) &&
         str_eq(v->meter_version, sc->version) &&
         str_eq(v->meter_schema_url, sc->schema_url);
}

/* ------------------------------------------------------------ streams -- */

static void stream_bounds(otelc__stream *s, const otelc__inst *in,
                          const otelc_aggregation *agg) {
  if (agg->kind == OTELC_AGGREGATION_EXPLICIT_HISTOGRAM && agg->boundaries) {
    s->bounds = agg->boundaries;
    s->n_bounds = agg->n_boundaries;
  } else if (in->has_adv_bounds) {
    s->bounds = in->adv_bounds;
    s->n_bounds = in->n_adv_bounds;
  } else {
    s->bounds = default_bounds;
    s->n_bounds = OTELC__ARRAY_LEN(default_bounds);
  }
}

/* Warn when another instrument of the meter already exports a stream of
 * this name. */
static void check_conflict(const otelc__inst *in, const char *name) {
  for (otelc__inst *o = atomic_load(&in->meter->insts); o;
       o = atomic_load(&o->next)) {
    if (o == in)
      continue;
    for (size_t i = 0; i < o->n_streams; i++)
      if (strcasecmp(o->streams[i].name, name) == 0 &&
          strcasecmp(o->name, in->name) != 0) {
        otelc__warn("metric stream '%s' of instrument '%s' conflicts with "
                    "the stream of instrument '%s' of the same name; give "
                    "one of them another name with a view",
                    name, in->name, o->name);
        return;
      }
  }
}

bool otelc__streams_build(otelc__inst *in) {
  const struct otelc_meter_provider *p = in->prov;
  size_t n = 0;
  bool matched = false;
  otelc__stream *out =
      otelc__arena_alloc(&in->arena, (p->n_views + 1) * sizeof(otelc__stream));
  if (!out)
    return false;
  for (size_t i = 0; i < p->n_views; i++) {
    const otelc_view *v = &p->views[i];
    if (!otelc__view_matches(v, in))
      continue;
    if (agg_is_histogram(v->aggregation.kind) &&
        otelc__kind_is_async(in->kind)) {
      otelc__warn("view for '%s' skipped for instrument '%s': a histogram "
                  "aggregation is not valid for an %s",
                  view_label(v), in->name, otelc__kind_name(in->kind));
      continue;
    }
    matched = true;
    if (v->aggregation.kind == OTELC_AGGREGATION_DROP)
      continue;
    otelc__stream *s = &out[n++];
    memset(s, 0, sizeof *s);
    s->name = v->name ? v->name : in->name;
    s->description = v->description ? v->description : in->description;
    s->agg = v->aggregation;
    stream_bounds(s, in, &v->aggregation);
    if (v->keep_only_listed || v->n_excluded_keys) {
      s->filter = otelc__filter_new(&in->arena, v->attribute_keys,
                                    v->n_attribute_keys, v->keep_only_listed,
                                    v->excluded_keys, v->n_excluded_keys);
      if (!s->filter)
        return false;
    } else {
      s->filter = in->adv_filter;
    }
    s->cardinality_limit = v->cardinality_limit;
    s->reservoir = v->reservoir;
    s->reservoir_size = v->reservoir_size;
    if (v->name)
      check_conflict(in, s->name);
  }
  if (!matched) {
    otelc__stream *s = &out[n++];
    memset(s, 0, sizeof *s);
    s->name = in->name;
    s->description = in->description;
    stream_bounds(s, in, &s->agg);
    s->filter = in->adv_filter;
  }
  in->streams = out;
  in->n_streams = n;
  return true;
}
