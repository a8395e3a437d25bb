/* The Prometheus text writer fed collections built from arbitrary bytes
 * (names, units, descriptions, attribute keys and values of every type,
 * scopes, point values): it must not crash or leak, and its output must
 * be text Prometheus accepts: valid UTF-8, every line a HELP or TYPE
 * comment or a sample whose metric and label names match the grammar,
 * one TYPE per family, ending with a newline. */
#include <math.h>
#include <stdio.h>

#include "export/prometheus/prom_internal.h"
#include <stdlib.h>
#include <string.h>
#include "otelc/resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Diagnostics must be single, bounded lines whatever the input. */
static void quiet(otelc_log_level level, const char *msg, void *ud) {
  (void)level;
  (void)ud;
  if (strchr(msg, '\n') || strlen(msg) >= 1024)
    abort();
}

/* Input reader: bytes, and strings cut at a separator byte. */
typedef struct in {
  const uint8_t *p;
  size_t n;
} in;

static uint8_t byte(in *r) {
  if (!r->n)
    return 0;
  r->n--;
  return *r->p++;
}

/* A NUL-terminated string copied into @p pool: the bytes up to 0xFF. */
static const char *str(in *r, char **pool, size_t *left) {
  char *s = *pool;
  size_t i = 0;
  while (r->n && *r->p != 0xFF && i + 1 < *left) {
    uint8_t c = byte(r);
    s[i++] = c ? (char)c : 'x';
  }
  byte(r);
  s[i] = '\0';
  *pool += i + 1;
  *left -= i + 1;
  return s;
}

static double number(in *r) {
  static const double special[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0,
                                   5e-324, 1e300, 0.005};
  uint8_t k = byte(r);
  if (k < 16)
    return special[k % 8];
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++)
    bits = bits << 8 | byte(r);
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

enum { MAX_ATTRS = 6, MAX_POINTS = 4, MAX_METRICS = 6, MAX_SCOPES = 3 };

typedef struct world {
  char pool[8192];
  otelc_attr attrs[MAX_SCOPES * MAX_METRICS * MAX_POINTS + MAX_SCOPES][MAX_ATTRS];
  otelc_value elems[64];
  const char *strs[16];
  double dbl[16];
  uint64_t counts[MAX_SCOPES * MAX_METRICS * MAX_POINTS][6];
  double bounds[5];
  otelc_number_point num[MAX_SCOPES * MAX_METRICS][MAX_POINTS];
  otelc_histogram_point hist[MAX_SCOPES * MAX_METRICS][MAX_POINTS];
  otelc_metric metrics[MAX_SCOPES][MAX_METRICS];
  otelc_scope_info scopes[MAX_SCOPES];
  otelc_scope_metrics sm[MAX_SCOPES];
} world;

static void value(in *r, world *w, size_t *ne, otelc_value *v, char **pool,
                  size_t *left) {
  uint8_t t = byte(r) % 12;
  v->type = (otelc_value_type)t;
  v->len = 0;
  switch (t) {
  case OTELC_VALUE_STRING:
    v->u.str = str(r, pool, left);
    v->len = byte(r) & 1 ? OTELC_NTS : strlen(v->u.str);
    break;
  case OTELC_VALUE_BOOL:
    v->u.b = byte(r) & 1;
    break;
  case OTELC_VALUE_INT:
    v->u.i = (int64_t)((uint64_t)byte(r) << 56 | byte(r));
    break;
  case OTELC_VALUE_DOUBLE:
    v->u.d = number(r);
    break;
  case OTELC_VALUE_BYTES:
    v->u.bytes = str(r, pool, left);
    v->len = strlen(v->u.bytes);
    break;
  case OTELC_VALUE_STRING_ARRAY:
    v->len = byte(r) % 4;
    for (size_t i = 0; i < v->len; i++)
      w->strs[i] = byte(r) & 1 ? str(r, pool, left) : NULL;
    v->u.strs = w->strs;
    break;
  case OTELC_VALUE_DOUBLE_ARRAY:
    v->len = byte(r) % 4;
    for (size_t i = 0; i < v->len; i++)
      w->dbl[i] = number(r);
    v->u.doubles = w->dbl;
    break;
  case OTELC_VALUE_ARRAY: {
    size_t n = byte(r) % 3;
    if (*ne + n > 64)
      n = 0;
    otelc_value *e = &w->elems[*ne];
    *ne += n;
    for (size_t i = 0; i < n; i++)
      value(r, w, ne, &e[i], pool, left);
    v->len = n;
    v->u.values = e;
    break;
  }
  default: /* empty, and kinds the above cover already */
    v->type = OTELC_VALUE_EMPTY;
    break;
  }
}

static size_t attrs(in *r, world *w, size_t *ne, otelc_attr *a, char **pool,
                    size_t *left) {
  size_t n = byte(r) % (MAX_ATTRS + 1);
  for (size_t i = 0; i < n; i++) {
    a[i].key = str(r, pool, left);
    value(r, w, ne, &a[i].value, pool, left);
  }
  return n;
}

static bool name_ok(const char *p, size_t n, bool colon) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

/* Check one sample line: name, optional {labels} with distinct names,
 * space, value. */
static void check_sample(const char *p, size_t n) {
  const char *seen[128];
  size_t seen_len[128], n_seen = 0;
  size_t i = 0;
  while (i < n && p[i] != '{' && p[i] != ' ')
    i++;
  if (!name_ok(p, i, true) || i == n)
    abort();
  if (p[i] == '{') {
    i++;
    for (;;) {
      size_t s = i;
      while (i < n && p[i] != '=')
        i++;
      if (i == n || !name_ok(p + s, i - s, false) || p[i + 1] != '"')
        abort();
      for (size_t k = 0; k < n_seen; k++)
        if (seen_len[k] == i - s && memcmp(seen[k], p + s, i - s) == 0)
          abort(); /* a label name twice */
      if (n_seen < 128) {
        seen[n_seen] = p + s;
        seen_len[n_seen++] = i - s;
      }
      i += 2;
      while (i < n && p[i] != '"')
        i += p[i] == '\\' ? 2 : 1;
      if (i >= n)
        abort();
      i++;
      if (i < n && p[i] == ',') {
        i++;
        continue;
      }
      if (i >= n || p[i] != '}')
        abort();
      i++;
      break;
    }
  }
  if (i >= n || p[i] != ' ' || i + 1 == n)
    abort();
}

static void check_output(const uint8_t *out, size_t len) {
  if (len == 0)
    return;
  if (out[len - 1] != '\n')
    abort();
  for (size_t i = 0; i < len;) {
    size_t k = otelc__prom_utf8_len(out + i, len - i);
    if (k == 0)
      abort();
    i += k;
  }
  const char *types[256];
  size_t n_types = 0;
  for (size_t i = 0; i < len;) {
    const char *line = (const char *)out + i;
    const char *nl = memchr(line, '\n', len - i);
    size_t n = (size_t)(nl - line);
    if (n >= 7 && memcmp(line, "# TYPE ", 7) == 0) {
      for (size_t t = 0; t < n_types; t++) {
        size_t tl = strcspn(types[t], " ");
        if (strncmp(types[t], line + 7, tl) == 0 && line[7 + tl] == ' ')
          abort(); /* a second TYPE for one name */
      }
      if (n_types < 256)
        types[n_types++] = line + 7;
    } else if (!(n >= 7 && memcmp(line, "# HELP ", 7) == 0)) {
      check_sample(line, n);
    }
    i += n + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(quiet, NULL);
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  static world w;
  memset(&w, 0, sizeof w);
  in r = {data, size};
  char *pool = w.pool;
  size_t left = sizeof w.pool;
  size_t ne = 0, na = 0, nc = 0;
  for (int b = 0; b < 5; b++)
    w.bounds[b] = number(&r);

  size_t n_scopes = 1 + byte(&r) % MAX_SCOPES;
  for (size_t s = 0; s < n_scopes; s++) {
    otelc_scope_info *sc = &w.scopes[s];
    sc->name = str(&r, &pool, &left);
    sc->version = byte(&r) & 1 ? str(&r, &pool, &left) : NULL;
    sc->attrs = w.attrs[na];
    sc->n_attrs = attrs(&r, &w, &ne, w.attrs[na++], &pool, &left);
    size_t n_metrics = byte(&r) % (MAX_METRICS + 1);
    for (size_t m = 0; m < n_metrics; m++) {
      otelc_metric *mt = &w.metrics[s][m];
      size_t idx = s * MAX_METRICS + m;
      mt->name = str(&r, &pool, &left);
      mt->unit = str(&r, &pool, &left);
      mt->description = str(&r, &pool, &left);
      uint8_t k = byte(&r);
      mt->type = (otelc_metric_type)(1 + k % 3);
      mt->is_monotonic = k & 4;
      mt->temporality = k & 8 ? OTELC_TEMPORALITY_DELTA
                              : OTELC_TEMPORALITY_CUMULATIVE;
      mt->n_points = byte(&r) % (MAX_POINTS + 1);
      for (size_t p = 0; p < mt->n_points; p++) {
        otelc_attr *a = w.attrs[na++];
        size_t n = attrs(&r, &w, &ne, a, &pool, &left);
        uint8_t f = byte(&r);
        if (mt->type == OTELC_METRIC_HISTOGRAM) {
          otelc_histogram_point *h = &w.hist[idx][p];
          h->attrs = a;
          h->n_attrs = n;
          h->n_bounds = f % 6;
          h->bounds = w.bounds;
          for (size_t c = 0; c <= h->n_bounds; c++)
            w.counts[nc][c] = byte(&r);
          h->bucket_counts = w.counts[nc++];
          h->count = byte(&r);
          h->has_sum = f & 8;
          h->sum = number(&r);
          h->flags = f & 16 ? OTELC_POINT_FLAG_NO_RECORDED_VALUE : 0;
        } else {
          otelc_number_point *q = &w.num[idx][p];
          q->attrs = a;
          q->n_attrs = n;
          q->is_int = f & 1;
          if (q->is_int)
            q->value.i = (int64_t)((uint64_t)byte(&r) << 40) - 7;
          else
            q->value.d = number(&r);
          q->flags = f & 16 ? OTELC_POINT_FLAG_NO_RECORDED_VALUE : 0;
        }
      }
      if (mt->type == OTELC_METRIC_HISTOGRAM)
        mt->points.histograms = w.hist[idx];
      else
        mt->points.numbers = w.num[idx];
    }
    w.sm[s] = (otelc_scope_metrics){sc, w.metrics[s], n_metrics};
  }

  otelc_resource *res = NULL;
  otelc_attr ra[MAX_ATTRS];
  size_t nra = attrs(&r, &w, &ne, ra, &pool, &left);
  if (otelc_resource_new(ra, nra, NULL, &res) != OTELC_OK)
    res = NULL;
  otelc_resource_metrics d = {res, w.sm, n_scopes};
  uint8_t o = byte(&r);
  otelc_prometheus_opts opts = {.without_scope_labels = o & 1,
                                .without_target_info = o & 2,
                                .without_suffixes = o & 4};
  otelc_otlp_buffer buf = {0};
  if (otelc_prometheus_write(&d, &opts, &buf) == OTELC_OK)
    check_output(buf.data, buf.len);
  otelc_otlp_buffer_free(&buf);
  otelc_resource_release(res);
  return 0;
}
