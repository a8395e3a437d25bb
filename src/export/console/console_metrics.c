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
#include <time.h>

#include "metrics/exp_histogram.h"
#include "otelc/resource.h"

#define KEEP_BUF 1048576  /* larger buffers are freed after writing */
#define MAX_VALUE_DEPTH 8 /* nested arrays and maps drawn */

/* ------------------------------------------------------------- buffer -- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  bool oom; /* an append failed: the content is incomplete */
} sbuf;

/* Make room for @p more bytes and a NUL. */
static bool sb_reserve(sbuf *b, size_t more) {
  if (b->oom)
    return false;
  if (b->len + more + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *p = otelc__realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

static void sb_put(sbuf *b, const char *s, size_t n) {
  if (!sb_reserve(b, n))
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) {
  sb_put(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c) {
  sb_put(b, &c, 1);
}

static void sb_printf(sbuf *b, const char *fmt, ...) OTELC_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof tmp)
    sb_put(b, tmp, (size_t)n);
}

static void sb_hex(sbuf *b, const uint8_t *in, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    char two[2] = {digits[in[i] >> 4], digits[in[i] & 15]};
    sb_put(b, two, 2);
  }
}

/* ------------------------------------------------------------ strings -- */

/* Length of the well-formed UTF-8 sequence at s[0..len) (len > 0), or 0
 * for a byte that does not start one (overlong forms, surrogates and
 * code points above U+10FFFF are not well-formed). */
static size_t utf8_len(const unsigned char *s, size_t len) {
  unsigned char c = s[0], lo = 0x80, hi = 0xbf;
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    lo = c == 0xe0 ? 0xa0 : 0x80;
    hi = c == 0xed ? 0x9f : 0xbf;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    lo = c == 0xf0 ? 0x90 : 0x80;
    hi = c == 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }
  if (len < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k < n; k++)
    if ((s[k] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* Append s[0..len) in double quotes with '"', '\', control characters
 * and invalid UTF-8 bytes escaped. */
static void put_quoted(sbuf *b, const char *str, size_t len) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  sb_putc(b, '"');
  for (size_t i = 0, n; i < len && !b->oom; i += n) {
    unsigned char c = s[i];
    n = 1;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      sb_put(b, esc, 2);
    } else if (c == '\n') {
      sb_puts(b, "\\n");
    } else if (c == '\r') {
      sb_puts(b, "\\r");
    } else if (c == '\t') {
      sb_puts(b, "\\t");
    } else if (c < 0x20 || c == 0x7f || (n = utf8_len(s + i, len - i)) == 0) {
      char esc[4] = {'\\', 'x', digits[c >> 4], digits[c & 15]};
      sb_put(b, esc, 4);
      n = 1;
    } else {
      sb_put(b, str + i, n);
    }
  }
  sb_putc(b, '"');
}

/* A name or key: bare when made of printable ASCII other than space,
 * '"', '\\' and '=', else quoted. */
static void put_word(sbuf *b, const char *s) {
  if (!s)
    s = "";
  size_t len = strlen(s);
  bool bare = len > 0;
  for (size_t i = 0; i < len && bare; i++) {
    unsigned char c = (unsigned char)s[i];
    bare = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
  }
  if (bare)
    sb_put(b, s, len);
  else
    put_quoted(b, s, len);
}

/* A double in the shortest of %.15g and %.17g that reads back exactly. */
static void put_num(sbuf *b, double d) {
  char tmp[40];
  snprintf(tmp, sizeof tmp, "%.15g", d);
  if (strtod(tmp, NULL) != d)
    snprintf(tmp, sizeof tmp, "%.17g", d);
  sb_puts(b, tmp);
}

/* -------------------------------------------------------------- values -- */

static void put_value(sbuf *b, const otelc_value *v, int depth);

/* " key=value" for each attribute (@p sep before each but the first). */
static void put_attrs(sbuf *b, const otelc_attr *attrs, size_t n,
                      const char *sep, bool lead, int depth) {
  for (size_t i = 0; attrs && i < n; i++) {
    if (i || lead)
      sb_puts(b, sep);
    put_word(b, attrs[i].key);
    sb_putc(b, '=');
    put_value(b, &attrs[i].value, depth);
  }
}

/* Element @p i of array value @p v. */
static void put_element(sbuf *b, const otelc_value *v, size_t i, int depth) {
  switch (v->type) {
  case OTELC_VALUE_STRING_ARRAY:
    if (v->u.strs[i])
      put_quoted(b, v->u.strs[i], strlen(v->u.strs[i]));
    else
      sb_puts(b, "null");
    break;
  case OTELC_VALUE_BOOL_ARRAY:
    sb_puts(b, v->u.bools[i] ? "true" : "false");
    break;
  case OTELC_VALUE_INT_ARRAY:
    sb_printf(b, "%" PRId64, v->u.ints[i]);
    break;
  case OTELC_VALUE_DOUBLE_ARRAY:
    put_num(b, v->u.doubles[i]);
    break;
  default:
    put_value(b, &v->u.values[i], depth + 1);
    break;
  }
}

static void put_value(sbuf *b, const otelc_value *v, int depth) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    put_quoted(b, v->u.str ? v->u.str : "",
               v->u.str ? otelc__value_strlen(v) : 0);
    return;
  case OTELC_VALUE_BOOL:
    sb_puts(b, v->u.b ? "true" : "false");
    return;
  case OTELC_VALUE_INT:
    sb_printf(b, "%" PRId64, v->u.i);
    return;
  case OTELC_VALUE_DOUBLE:
    put_num(b, v->u.d);
    return;
  case OTELC_VALUE_BYTES:
    sb_puts(b, "0x");
    if (v->u.bytes)
      sb_hex(b, v->u.bytes, v->len);
    return;
  case OTELC_VALUE_MAP:
    if (depth >= MAX_VALUE_DEPTH) {
      sb_puts(b, "{\xe2\x80\xa6}"); /* "{…}" */
      return;
    }
    sb_putc(b, '{');
    put_attrs(b, v->u.kvs, v->len, ", ", false, depth + 1);
    sb_putc(b, '}');
    return;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
    if (depth >= MAX_VALUE_DEPTH) {
      sb_puts(b, "[\xe2\x80\xa6]"); /* "[…]" */
      return;
    }
    sb_putc(b, '[');
    for (size_t i = 0; i < v->len && v->u.bytes; i++) {
      if (i)
        sb_puts(b, ", ");
      put_element(b, v, i, depth);
    }
    sb_putc(b, ']');
    return;
  case OTELC_VALUE_EMPTY:
  default:
    sb_puts(b, "null");
    return;
  }
}

/* UTC ISO 8601 with nanoseconds, or "-" for 0. */
static void put_time(sbuf *b, uint64_t ns) {
  if (ns == 0) {
    sb_putc(b, '-');
    return;
  }
  time_t secs = (time_t)(ns / 1000000000u);
  struct tm tm;
  if (!gmtime_r(&secs, &tm)) {
    sb_printf(b, "%" PRIu64, ns);
    return;
  }
  sb_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            (unsigned)(ns % 1000000000u));
}

/* -------------------------------------------------------------- points -- */

/* The start of a point line: its attributes. */
static void put_point_head(sbuf *b, const otelc_attr *attrs, size_t n) {
  sb_puts(b, "  point");
  put_attrs(b, attrs, n, " ", true, 0);
}

/* The end of a point line: times, flags, exemplars and the newline. */
static void put_point_tail(sbuf *b, uint64_t start, uint64_t end,
                           uint32_t flags, const otelc_exemplar *ex,
                           size_t n_ex) {
  sb_puts(b, " start=");
  put_time(b, start);
  sb_puts(b, " end=");
  put_time(b, end);
  if (flags & OTELC_POINT_FLAG_NO_RECORDED_VALUE)
    sb_puts(b, " no_recorded_value");
  if (ex && n_ex) {
    sb_puts(b, " exemplars=[");
    for (size_t i = 0; i < n_ex; i++) {
      const otelc_exemplar *e = &ex[i];
      sb_puts(b, i ? " {value=" : "{value=");
      if (e->is_int)
        sb_printf(b, "%" PRId64, e->value.i);
      else
        put_num(b, e->value.d);
      sb_puts(b, " time=");
      put_time(b, e->time_unix_nano);
      if (e->has_span) {
        sb_puts(b, " trace=");
        sb_hex(b, e->trace_id, 16);
        sb_puts(b, " span=");
        sb_hex(b, e->span_id, 8);
      }
      put_attrs(b, e->filtered_attrs, e->n_filtered_attrs, " ", true, 0);
      sb_putc(b, '}');
    }
    sb_putc(b, ']');
  }
  sb_putc(b, '\n');
}

static void put_number_point(sbuf *b, const otelc_number_point *p) {
  put_point_head(b, p->attrs, p->n_attrs);
  sb_puts(b, " value=");
  if (p->is_int)
    sb_printf(b, "%" PRId64, p->value.i);
  else
    put_num(b, p->value.d);
  put_point_tail(b, p->start_time_unix_nano, p->time_unix_nano, p->flags,
                 p->exemplars, p->n_exemplars);
}

/* count=, sum= and min=/max= of a histogram point. */
static void put_stats(sbuf *b, uint64_t count, bool has_sum, double sum,
                      bool has_min_max, double min, double max) {
  sb_printf(b, " count=%" PRIu64, count);
  if (has_sum) {
    sb_puts(b, " sum=");
    put_num(b, sum);
  }
  if (has_min_max) {
    sb_puts(b, " min=");
    put_num(b, min);
    sb_puts(b, " max=");
    put_num(b, max);
  }
}

/* One bucket "(lo,hi]:n" (")" when hi is infinite), after a space
 * unless it is the first. */
static void put_bucket(sbuf *b, bool *first, double lo, double hi, uint64_t n) {
  sb_puts(b, *first ? "(" : " (");
  *first = false;
  if (lo == -HUGE_VAL)
    sb_puts(b, "-inf");
  else
    put_num(b, lo);
  sb_putc(b, ',');
  if (hi == HUGE_VAL)
    sb_puts(b, "+inf)");
  else {
    put_num(b, hi);
    sb_putc(b, ']');
  }
  sb_printf(b, ":%" PRIu64, n);
}

static void put_histogram_point(sbuf *b, const otelc_histogram_point *p) {
  put_point_head(b, p->attrs, p->n_attrs);
  put_stats(b, p->count, p->has_sum, p->sum, p->has_min_max, p->min, p->max);
  sb_puts(b, " buckets=[");
  bool first = true;
  for (size_t i = 0; p->bucket_counts && i <= p->n_bounds; i++) {
    if (!p->bucket_counts[i])
      continue;
    double lo = i == 0 || !p->bounds ? -HUGE_VAL : p->bounds[i - 1];
    double hi = i == p->n_bounds || !p->bounds ? HUGE_VAL : p->bounds[i];
    put_bucket(b, &first, lo, hi, p->bucket_counts[i]);
  }
  sb_putc(b, ']');
  put_point_tail(b, p->start_time_unix_nano, p->time_unix_nano, p->flags,
                 p->exemplars, p->n_exemplars);
}

/* The bounds of exponential bucket @p index at @p scale. */
static void exp_bounds(int32_t index, int32_t scale, double *lo, double *hi) {
  *lo = otelc__exph_lower_bound(index, scale);
  *hi =
      index == INT32_MAX ? HUGE_VAL : otelc__exph_lower_bound(index + 1, scale);
}

static void put_exp_histogram_point(sbuf *b,
                                    const otelc_exp_histogram_point *p) {
  put_point_head(b, p->attrs, p->n_attrs);
  put_stats(b, p->count, p->has_sum, p->sum, p->has_min_max, p->min, p->max);
  sb_printf(b, " scale=%" PRId32 " zero_count=%" PRIu64, p->scale,
            p->zero_count);
  if (p->zero_threshold != 0) {
    sb_puts(b, " zero_threshold=");
    put_num(b, p->zero_threshold);
  }
  sb_puts(b, " buckets=[");
  bool first = true;
  const otelc_exp_buckets *neg = &p->negative, *pos = &p->positive;
  /* Negative values first, from the most negative: [-hi,-lo). */
  for (size_t i = neg->counts ? neg->n : 0; i-- > 0;) {
    if (!neg->counts[i])
      continue;
    double lo, hi;
    exp_bounds((int32_t)(neg->offset + (int64_t)i), p->scale, &lo, &hi);
    sb_puts(b, first ? "[" : " [");
    first = false;
    if (hi == HUGE_VAL)
      sb_puts(b, "-inf");
    else
      put_num(b, -hi);
    sb_putc(b, ',');
    put_num(b, -lo);
    sb_printf(b, "):%" PRIu64, neg->counts[i]);
  }
  for (size_t i = 0; pos->counts && i < pos->n; i++) {
    if (!pos->counts[i])
      continue;
    double lo, hi;
    exp_bounds((int32_t)(pos->offset + (int64_t)i), p->scale, &lo, &hi);
    put_bucket(b, &first, lo, hi, pos->counts[i]);
  }
  sb_putc(b, ']');
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
static void put_metric(sbuf *b, const otelc_metric *m) {
  sb_puts(b, "metric ");
  put_word(b, m->name);
  sb_printf(b, " %s unit=", type_name(m->type));
  put_word(b, m->unit);
  sb_printf(b, " temporality=%s monotonic=%s ",
            temporality_name(m->temporality),
            m->is_monotonic ? "true" : "false");
  const char *desc = m->description ? m->description : "";
  put_quoted(b, desc, strlen(desc));
  sb_putc(b, '\n');
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

static void put_scope(sbuf *b, const otelc_scope_info *s) {
  sb_puts(b, "scope ");
  put_word(b, s ? s->name : NULL);
  if (s && s->version && *s->version) {
    sb_puts(b, " version=");
    put_word(b, s->version);
  }
  if (s && s->schema_url && *s->schema_url) {
    sb_puts(b, " schema_url=");
    put_word(b, s->schema_url);
  }
  if (s)
    put_attrs(b, s->attrs, s->n_attrs, " ", true, 0);
  sb_putc(b, '\n');
}

/* The whole collection. */
static void put_collection(sbuf *b, const otelc_resource_metrics *d) {
  size_t n_metrics = 0, n_points = 0;
  for (size_t i = 0; d->scopes && i < d->n_scopes; i++) {
    const otelc_scope_metrics *sm = &d->scopes[i];
    for (size_t k = 0; sm->metrics && k < sm->n_metrics; k++)
      n_points += sm->metrics[k].n_points;
    if (sm->metrics)
      n_metrics += sm->n_metrics;
  }
  sb_puts(b, "collection service=");
  const otelc_value *svc =
      d->resource ? otelc_resource_get(d->resource, "service.name") : NULL;
  if (svc)
    put_value(b, svc, 0);
  else
    sb_putc(b, '-');
  sb_printf(b, " scopes=%zu metrics=%zu points=%zu\n",
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
  sbuf b = {0};
  put_collection(&b, data);
  if (b.oom) {
    otelc__free(b.p);
    return OTELC_ERR_NOMEM;
  }
  if (!b.p && !sb_reserve(&b, 0))
    return OTELC_ERR_NOMEM;
  b.p[b.len] = '\0';
  *out = b.p;
  *len = b.len;
  return OTELC_OK;
}

/* ------------------------------------------------------------ exporter -- */

typedef struct cmexp {
  FILE *out;
  sbuf buf; /* exports never overlap */
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
  sbuf *b = &c->buf;
  b->len = 0;
  b->oom = false;
  put_collection(b, data);
  otelc_status st = OTELC_ERR_NOMEM;
  if (!b->oom) {
    bool ok = fwrite(b->p, 1, b->len, c->out) == b->len;
    ok = fflush(c->out) == 0 && ok;
    st = wrote(c, ok, true);
  }
  if (b->cap > KEEP_BUF) {
    otelc__free(b->p);
    *b = (sbuf){0};
  }
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
  otelc__free(c->buf.p);
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
