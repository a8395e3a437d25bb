/*
 * otelc_prometheus_write: a collection in the Prometheus text format 0.0.4
 * (specification: metrics/sdk_exporters/prometheus and
 * compatibility/prometheus_and_openmetrics).
 *
 * Families: metrics are visited in order; the first metric of each final
 * name opens its family (HELP from its description, TYPE from its kind)
 * and every later metric of the same name, from any scope, is written
 * into it, so each family is one contiguous group. A later metric whose
 * kind differs is dropped with a warning; a differing description keeps
 * the first. To find the members without allocating, the 64-bit hash of
 * each metric's final name is kept in front of the text in the output
 * buffer itself and removed at the end.
 *
 * Thread safety: safe from any thread; one buffer per thread.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "export/prometheus/prom_internal.h"
#include "otelc/resource.h"

static const char SCOPE_PREFIX[] = "otel_scope_";
static const char *const SCOPE_FIXED[] = {
    "otel_scope_name", "otel_scope_version", "otel_scope_schema_url"};

typedef struct wctx {
  otelc__pw w;
  const otelc_resource_metrics *data;
  bool suffixes;
  bool scope_labels;
  bool target_info; /* target_info was written: the name is taken */
} wctx;

/* ------------------------------------------------------------ warnings -- */

static atomic_bool warned_temporality, warned_conflict, warned_help,
    warned_name;

/* Log "Prometheus: <message>" at @p level, with the control characters
 * that names from the program may hold shown as \xNN, so that a report
 * stays one line. */
static void say(otelc_log_level level, const char *fmt, va_list ap)
    OTELC_PRINTF(2, 0);
static void say(otelc_log_level level, const char *fmt, va_list ap) {
  if (!otelc__log_enabled(level))
    return;
  static const char hex[] = "0123456789abcdef";
  char msg[512], clean[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t o = 0;
  for (const char *p = msg; *p && o + 5 < sizeof clean; p++) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20 || c == 0x7f) {
      clean[o++] = '\\';
      clean[o++] = 'x';
      clean[o++] = hex[c >> 4];
      clean[o++] = hex[c & 15];
    } else {
      clean[o++] = (char)c;
    }
  }
  clean[o] = '\0';
  otelc__log(level, "Prometheus: %s", clean);
}

/* The first report of a kind is a warning, later ones (every scrape would
 * repeat them) are debug notes. */
static void report(atomic_bool *once, const char *fmt, ...) OTELC_PRINTF(2, 3);
static void report(atomic_bool *once, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say(atomic_exchange(once, true) ? OTELC_LOG_DEBUG : OTELC_LOG_WARN, fmt, ap);
  va_end(ap);
}

static void note(const char *fmt, ...) OTELC_PRINTF(1, 2);
static void note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say(OTELC_LOG_DEBUG, fmt, ap);
  va_end(ap);
}

static const char *scope_name(const otelc_scope_metrics *s) {
  return s->scope && s->scope->name ? s->scope->name : "";
}

/* ------------------------------------------------------------- metrics -- */

/* What @p m becomes; notes why when it is dropped and @p say. */
static otelc__prom_kind classify(const otelc_metric *m,
                                 const otelc_scope_metrics *s, bool say) {
  switch (m->type) {
  case OTELC_METRIC_GAUGE:
    return OTELC__PROM_GAUGE;
  case OTELC_METRIC_SUM:
  case OTELC_METRIC_HISTOGRAM:
    if (m->temporality == OTELC_TEMPORALITY_DELTA) {
      if (say)
        report(&warned_temporality,
               "metric %s of scope \"%s\" dropped: delta temporality "
               "(the endpoint reads cumulative data)",
               m->name, scope_name(s));
      return OTELC__PROM_DROP;
    }
    if (m->type == OTELC_METRIC_HISTOGRAM)
      return OTELC__PROM_HISTOGRAM;
    return m->is_monotonic ? OTELC__PROM_COUNTER : OTELC__PROM_GAUGE;
  case OTELC_METRIC_EXP_HISTOGRAM:
    if (say)
      note("exponential histogram %s of scope \"%s\" "
           "left out (the text format cannot carry it)",
           m->name, scope_name(s));
    return OTELC__PROM_DROP;
  default:
    return OTELC__PROM_DROP;
  }
}

static bool number_point_ok(const otelc_number_point *p) {
  return !(p->flags & OTELC_POINT_FLAG_NO_RECORDED_VALUE);
}

static bool histogram_point_ok(const otelc_histogram_point *p) {
  return !(p->flags & OTELC_POINT_FLAG_NO_RECORDED_VALUE) &&
         (p->n_bounds == 0 || (p->bounds && p->bucket_counts));
}

static bool has_points(const otelc_metric *m, otelc__prom_kind kind) {
  if (!m->points.numbers)
    return false;
  for (size_t i = 0; i < m->n_points; i++) {
    if (kind == OTELC__PROM_HISTOGRAM
            ? histogram_point_ok(&m->points.histograms[i])
            : number_point_ok(&m->points.numbers[i]))
      return true;
  }
  return false;
}

static size_t metric_name(const wctx *c, const otelc_metric *m,
                          otelc__prom_kind kind,
                          char out[OTELC__PROM_NAME_MAX + 1]) {
  return otelc__prom_metric_name(m->name, m->unit, kind, c->suffixes, out,
                                 OTELC__PROM_NAME_MAX + 1);
}

static uint64_t name_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211u;
  }
  return h ? h : 1;
}

static uint64_t hash_at(const wctx *c, size_t k) {
  uint64_t h;
  memcpy(&h, c->w.data + k * sizeof h, sizeof h);
  return h;
}

/* ------------------------------------------------------------- labels -- */

/* Attributes read through one interface: an array, or a resource. */
typedef struct attr_list {
  const otelc_attr *arr;
  const otelc_resource *res;
  size_t n;
  const char *pfx; /* label prefix ("" or "otel_scope_") */
} attr_list;

static const otelc_attr *at(const attr_list *l, size_t i) {
  return l->arr ? &l->arr[i] : otelc_resource_attr(l->res, i);
}

static const char *key_at(const attr_list *l, size_t i) {
  const otelc_attr *a = at(l, i);
  return a && a->key && a->key[0] ? a->key : NULL;
}

/* Whether entry j sorts before entry i: by key, then by position. */
static bool before(const attr_list *l, size_t j, size_t i) {
  int r = strcmp(key_at(l, j), key_at(l, i));
  return r < 0 || (r == 0 && j < i);
}

static bool same_label(const attr_list *l, size_t i, size_t j) {
  return otelc__prom_label_eq(l->pfx, key_at(l, i), l->pfx, key_at(l, j));
}

/* Whether entry i opens its label: no other key with the same label sorts
 * before it. */
static bool leads(const attr_list *l, size_t i) {
  for (size_t j = 0; j < l->n; j++)
    if (j != i && key_at(l, j) && before(l, j, i) && same_label(l, i, j))
      return false;
  return true;
}

/* Labels being written: whether one is there already (a ',' is due). */
typedef struct label_sink {
  wctx *c;
  bool any;
} label_sink;

/* name="v1;v2;..." for the group that entry i leads, values in the order
 * of their keys. */
static void put_group(label_sink *ls, const attr_list *l, size_t i) {
  otelc__pw *w = &ls->c->w;
  if (ls->any)
    otelc__pw_char(w, ',');
  ls->any = true;
  otelc__pw_label_name(w, l->pfx, key_at(l, i));
  otelc__pw_put(w, "=\"", 2);
  otelc__pw_attr_value(w, &at(l, i)->value);
  for (size_t cur = i;;) {
    size_t next = SIZE_MAX;
    for (size_t j = 0; j < l->n; j++) {
      if (j == cur || !key_at(l, j) || !before(l, cur, j) ||
          !same_label(l, i, j))
        continue;
      if (next == SIZE_MAX || before(l, j, next))
        next = j;
    }
    if (next == SIZE_MAX)
      break;
    otelc__pw_char(w, ';');
    otelc__pw_attr_value(w, &at(l, next)->value);
    cur = next;
  }
  otelc__pw_char(w, '"');
}

/* Whether the label of entry i is one written by the exporter itself. */
static bool reserved(const wctx *c, const attr_list *l, size_t i, bool le) {
  const char *k = key_at(l, i);
  if (le && otelc__prom_label_is(l->pfx, k, "le"))
    return true;
  if (c->scope_labels)
    for (size_t f = 0; f < OTELC__ARRAY_LEN(SCOPE_FIXED); f++)
      if (otelc__prom_label_is(l->pfx, k, SCOPE_FIXED[f]))
        return true;
  return false;
}

/* Every label made from the entries of @p l (colliding keys joined),
 * except the exporter's own labels and, for scope attributes, labels that
 * an entry of @p points (the point's attributes) already gives. */
static void put_list(label_sink *ls, const attr_list *l, bool le,
                     const attr_list *points) {
  for (size_t i = 0; i < l->n; i++) {
    if (!key_at(l, i) || reserved(ls->c, l, i, le) || !leads(l, i))
      continue;
    bool taken = false;
    for (size_t j = 0; points && !taken && j < points->n; j++)
      taken = key_at(points, j) &&
              otelc__prom_label_eq(l->pfx, key_at(l, i), points->pfx,
                                   key_at(points, j));
    if (!taken)
      put_group(ls, l, i);
  }
}

static void put_fixed(label_sink *ls, const char *name, const char *value) {
  if (!value || !value[0])
    return;
  otelc__pw *w = &ls->c->w;
  if (ls->any)
    otelc__pw_char(w, ',');
  ls->any = true;
  otelc__pw_str(w, name);
  otelc__pw_put(w, "=\"", 2);
  otelc__pw_label_text(w, value, strlen(value));
  otelc__pw_char(w, '"');
}

/* The labels of a point, comma-separated without braces: its attributes,
 * then the scope's labels. Returns whether any was written. */
static bool put_point_labels(wctx *c, const otelc_scope_metrics *s,
                             const otelc_attr *attrs, size_t n, bool le) {
  label_sink ls = {c, false};
  attr_list pl = {attrs, NULL, attrs ? n : 0, ""};
  put_list(&ls, &pl, le, NULL);
  if (c->scope_labels && s->scope) {
    put_fixed(&ls, SCOPE_FIXED[0], s->scope->name);
    put_fixed(&ls, SCOPE_FIXED[1], s->scope->version);
    put_fixed(&ls, SCOPE_FIXED[2], s->scope->schema_url);
    attr_list sl = {s->scope->attrs, NULL,
                    s->scope->attrs ? s->scope->n_attrs : 0, SCOPE_PREFIX};
    put_list(&ls, &sl, false, &pl);
  }
  return ls.any;
}

/* ------------------------------------------------------------- points -- */

/* Append a copy of w->data[start..start+n) (already in the buffer). */
static void put_again(otelc__pw *w, size_t start, size_t n) {
  if (n && otelc__pw_reserve(w, n)) {
    memcpy(w->data + w->len, w->data + start, n);
    w->len += n;
  }
}

static void put_number_points(wctx *c, const otelc_scope_metrics *s,
                              const otelc_metric *m, const char *name,
                              size_t name_len) {
  otelc__pw *w = &c->w;
  for (size_t i = 0; i < m->n_points; i++) {
    const otelc_number_point *p = &m->points.numbers[i];
    if (!number_point_ok(p))
      continue;
    otelc__pw_put(w, name, name_len);
    size_t open = w->len;
    otelc__pw_char(w, '{');
    if (put_point_labels(c, s, p->attrs, p->n_attrs, false))
      otelc__pw_char(w, '}');
    else if (!w->failed)
      w->len = open; /* no labels: no braces */
    otelc__pw_char(w, ' ');
    if (p->is_int)
      otelc__pw_int(w, p->value.i);
    else
      otelc__pw_double(w, p->value.d);
    otelc__pw_char(w, '\n');
  }
}

/* name_bucket{labels,le="bound"} count */
static void put_bucket(otelc__pw *w, const char *name, size_t name_len,
                       size_t lab, size_t lab_len, const char *le,
                       uint64_t count) {
  otelc__pw_put(w, name, name_len);
  otelc__pw_put(w, "_bucket{", 8);
  put_again(w, lab, lab_len);
  if (lab_len)
    otelc__pw_char(w, ',');
  otelc__pw_put(w, "le=\"", 4);
  otelc__pw_str(w, le);
  otelc__pw_put(w, "\"} ", 3);
  otelc__pw_uint(w, count);
  otelc__pw_char(w, '\n');
}

/* name_<suffix>{labels} */
static void put_series(otelc__pw *w, const char *name, size_t name_len,
                       const char *suffix, size_t lab, size_t lab_len) {
  otelc__pw_put(w, name, name_len);
  otelc__pw_str(w, suffix);
  if (lab_len) {
    otelc__pw_char(w, '{');
    put_again(w, lab, lab_len);
    otelc__pw_char(w, '}');
  }
  otelc__pw_char(w, ' ');
}

static void put_histogram_points(wctx *c, const otelc_scope_metrics *s,
                                 const otelc_metric *m, const char *name,
                                 size_t name_len) {
  otelc__pw *w = &c->w;
  for (size_t i = 0; i < m->n_points; i++) {
    const otelc_histogram_point *p = &m->points.histograms[i];
    if (!histogram_point_ok(p))
      continue;
    /* The labels are written once, in front of the lines, which copy
     * them; they are cut out when the lines are done. */
    size_t lab = w->len;
    put_point_labels(c, s, p->attrs, p->n_attrs, true);
    if (w->failed)
      return;
    size_t lab_len = w->len - lab;
    uint64_t running = 0;
    char le[OTELC__PROM_NUM_MAX];
    for (size_t b = 0; b < p->n_bounds; b++) {
      running += p->bucket_counts[b];
      double bound = p->bounds[b];
      if (isnan(bound) || (isinf(bound) && bound > 0))
        continue; /* +Inf is the last line */
      otelc__prom_fmt_double(bound, le);
      put_bucket(w, name, name_len, lab, lab_len, le, running);
    }
    put_bucket(w, name, name_len, lab, lab_len, "+Inf", p->count);
    if (p->has_sum) { /* left out when negative values may be in it */
      put_series(w, name, name_len, "_sum", lab, lab_len);
      otelc__pw_double(w, p->sum);
      otelc__pw_char(w, '\n');
    }
    put_series(w, name, name_len, "_count", lab, lab_len);
    otelc__pw_uint(w, p->count);
    otelc__pw_char(w, '\n');
    if (w->failed)
      return;
    size_t from = lab + lab_len;
    memmove(w->data + lab, w->data + from, w->len - from);
    w->len -= lab_len;
  }
}

static void put_points(wctx *c, const otelc_scope_metrics *s,
                       const otelc_metric *m, otelc__prom_kind kind,
                       const char *name, size_t name_len) {
  if (kind == OTELC__PROM_HISTOGRAM)
    put_histogram_points(c, s, m, name, name_len);
  else
    put_number_points(c, s, m, name, name_len);
}

/* ----------------------------------------------------------- families -- */

static const char *type_word(otelc__prom_kind kind) {
  return kind == OTELC__PROM_COUNTER     ? "counter"
         : kind == OTELC__PROM_HISTOGRAM ? "histogram"
                                         : "gauge";
}

static void put_header(otelc__pw *w, const char *name, size_t name_len,
                       const char *help, otelc__prom_kind kind) {
  if (help && help[0]) {
    otelc__pw_put(w, "# HELP ", 7);
    otelc__pw_put(w, name, name_len);
    otelc__pw_char(w, ' ');
    otelc__pw_help_text(w, help, strlen(help));
    otelc__pw_char(w, '\n');
  }
  otelc__pw_put(w, "# TYPE ", 7);
  otelc__pw_put(w, name, name_len);
  otelc__pw_char(w, ' ');
  otelc__pw_str(w, type_word(kind));
  otelc__pw_char(w, '\n');
}

static void put_target_info(wctx *c) {
  const otelc_resource *r = c->data->resource;
  size_t n = r ? otelc_resource_attr_count(r) : 0;
  if (n == 0)
    return;
  otelc__pw *w = &c->w;
  put_header(w, "target_info", 11, "Target metadata", OTELC__PROM_GAUGE);
  otelc__pw_str(w, "target_info");
  size_t open = w->len;
  otelc__pw_char(w, '{');
  label_sink ls = {c, false};
  attr_list l = {NULL, r, n, ""};
  bool scope_labels = c->scope_labels;
  c->scope_labels = false; /* nothing of the resource is reserved */
  put_list(&ls, &l, false, NULL);
  c->scope_labels = scope_labels;
  if (ls.any)
    otelc__pw_char(w, '}');
  else if (!w->failed)
    w->len = open;
  otelc__pw_put(w, " 1\n", 3);
  c->target_info = true;
}

/* Pass 1: the hash of every metric's final name (0: not written). */
static void hash_names(wctx *c) {
  char name[OTELC__PROM_NAME_MAX + 1];
  const otelc_resource_metrics *d = c->data;
  size_t k = 0;
  for (size_t si = 0; si < d->n_scopes; si++) {
    const otelc_scope_metrics *s = &d->scopes[si];
    for (size_t mi = 0; mi < s->n_metrics; mi++, k++) {
      const otelc_metric *m = &s->metrics[mi];
      uint64_t h = 0;
      otelc__prom_kind kind = classify(m, s, true);
      size_t len = 0;
      if (kind != OTELC__PROM_DROP && has_points(m, kind)) {
        len = metric_name(c, m, kind, name);
        if (len == 0)
          report(&warned_name,
                 "a metric of scope \"%s\" dropped: its name cannot be "
                 "made a Prometheus name",
                 scope_name(s));
        else if (c->target_info && strcmp(name, "target_info") == 0)
          report(&warned_conflict,
                 "metric %s of scope \"%s\" dropped: target_info is the "
                 "resource's",
                 m->name, scope_name(s));
        else
          h = name_hash(name, len);
      }
      memcpy(c->w.data + k * sizeof h, &h, sizeof h);
    }
  }
}

/* Pass 1b: a metric that is not a histogram but is named like a series
 * of a histogram family (x_bucket, x_sum, x_count next to histogram x)
 * would mix into that family: it is dropped. */
static void drop_histogram_shadows(wctx *c) {
  static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
  char name[OTELC__PROM_NAME_MAX + 1], other[OTELC__PROM_NAME_MAX + 1];
  const otelc_resource_metrics *d = c->data;
  size_t k = 0;
  for (size_t si = 0; si < d->n_scopes; si++) {
    const otelc_scope_metrics *s = &d->scopes[si];
    for (size_t mi = 0; mi < s->n_metrics; mi++, k++) {
      const otelc_metric *m = &s->metrics[mi];
      otelc__prom_kind kind;
      if (hash_at(c, k) == 0 ||
          (kind = classify(m, s, false)) == OTELC__PROM_HISTOGRAM)
        continue;
      size_t len = metric_name(c, m, kind, name);
      size_t base = 0;
      for (size_t x = 0; x < OTELC__ARRAY_LEN(suffixes) && !base; x++) {
        size_t sl = strlen(suffixes[x]);
        if (len > sl && memcmp(name + len - sl, suffixes[x], sl) == 0)
          base = len - sl;
      }
      if (!base)
        continue;
      uint64_t hb = name_hash(name, base);
      size_t j = 0;
      bool shadowed = false;
      for (size_t sj = 0; sj < d->n_scopes && !shadowed; sj++) {
        const otelc_scope_metrics *t = &d->scopes[sj];
        for (size_t mj = 0; mj < t->n_metrics && !shadowed; mj++, j++) {
          const otelc_metric *o = &t->metrics[mj];
          if (hash_at(c, j) != hb ||
              classify(o, t, false) != OTELC__PROM_HISTOGRAM)
            continue;
          size_t olen = metric_name(c, o, OTELC__PROM_HISTOGRAM, other);
          shadowed = olen == base && memcmp(other, name, base) == 0;
        }
      }
      if (shadowed) {
        uint64_t zero = 0;
        memcpy(c->w.data + k * sizeof zero, &zero, sizeof zero);
        report(&warned_conflict,
               "metric %s of scope \"%s\" dropped: %s is a series of the "
               "histogram %.*s",
               m->name, scope_name(s), name, (int)base, name);
      }
    }
  }
}

/* Pass 2: each family, opened by its first metric. */
static void write_families(wctx *c) {
  char name[OTELC__PROM_NAME_MAX + 1], other[OTELC__PROM_NAME_MAX + 1];
  const otelc_resource_metrics *d = c->data;
  size_t k = 0;
  for (size_t si = 0; si < d->n_scopes; si++) {
    const otelc_scope_metrics *s = &d->scopes[si];
    for (size_t mi = 0; mi < s->n_metrics; mi++, k++) {
      uint64_t h = hash_at(c, k);
      if (h == 0)
        continue;
      const otelc_metric *m = &s->metrics[mi];
      otelc__prom_kind kind = classify(m, s, false);
      size_t len = metric_name(c, m, kind, name);
      /* Written already when an earlier metric has the same name. */
      bool seen = false;
      size_t j = 0;
      for (size_t sj = 0; sj < d->n_scopes && !seen && j < k; sj++) {
        const otelc_scope_metrics *t = &d->scopes[sj];
        for (size_t mj = 0; mj < t->n_metrics && j < k; mj++, j++) {
          if (hash_at(c, j) != h)
            continue;
          const otelc_metric *o = &t->metrics[mj];
          size_t olen = metric_name(c, o, classify(o, t, false), other);
          if (olen == len && memcmp(other, name, len) == 0) {
            seen = true;
            break;
          }
        }
      }
      if (seen)
        continue;

      put_header(&c->w, name, len, m->description, kind);
      put_points(c, s, m, kind, name, len);
      /* The later members of the family. */
      size_t l = 0;
      for (size_t sl = 0; sl < d->n_scopes; sl++) {
        const otelc_scope_metrics *t = &d->scopes[sl];
        for (size_t ml = 0; ml < t->n_metrics; ml++, l++) {
          if (l <= k || hash_at(c, l) != h)
            continue;
          const otelc_metric *o = &t->metrics[ml];
          otelc__prom_kind okind = classify(o, t, false);
          size_t olen = metric_name(c, o, okind, other);
          if (olen != len || memcmp(other, name, len) != 0)
            continue;
          if (okind != kind) {
            report(&warned_conflict,
                   "metric %s of scope \"%s\" dropped: %s is already a %s, "
                   "not a %s",
                   o->name, scope_name(t), name, type_word(kind),
                   type_word(okind));
            continue;
          }
          const char *h1 = m->description ? m->description : "";
          const char *h2 = o->description ? o->description : "";
          if (strcmp(h1, h2) != 0)
            report(&warned_help,
                   "metric %s of scope \"%s\": description differs from "
                   "the one of %s already written; the first is kept",
                   o->name, scope_name(t), name);
          put_points(c, t, o, okind, name, len);
        }
      }
      if (c->w.failed)
        return;
    }
  }
}

otelc_status otelc_prometheus_write(const otelc_resource_metrics *data,
                                    const otelc_prometheus_opts *opts,
                                    otelc_otlp_buffer *buf) {
  if (!data || !buf || (data->n_scopes && !data->scopes))
    return OTELC_ERR_INVALID_ARG;
  size_t n_metrics = 0;
  for (size_t si = 0; si < data->n_scopes; si++) {
    if (data->scopes[si].n_metrics && !data->scopes[si].metrics)
      return OTELC_ERR_INVALID_ARG;
    n_metrics += data->scopes[si].n_metrics;
  }
  if (n_metrics > SIZE_MAX / 16)
    return OTELC_ERR_INVALID_ARG;

  wctx c = {{buf->data, 0, buf->cap, false}, data, true, true, false};
  if (opts) {
    c.suffixes = !opts->without_suffixes;
    c.scope_labels = !opts->without_scope_labels;
  }
  size_t scratch = n_metrics * sizeof(uint64_t);
  if (otelc__pw_reserve(&c.w, scratch))
    c.w.len = scratch;
  if (!c.w.failed && !(opts && opts->without_target_info))
    put_target_info(&c);
  if (!c.w.failed) {
    hash_names(&c);
    drop_histogram_shadows(&c);
    write_families(&c);
  }
  if (!c.w.failed && scratch) {
    memmove(c.w.data, c.w.data + scratch, c.w.len - scratch);
    c.w.len -= scratch;
  }
  buf->data = c.w.data;
  buf->cap = c.w.cap;
  buf->len = c.w.failed ? 0 : c.w.len;
  return c.w.failed ? OTELC_ERR_NOMEM : OTELC_OK;
}
