/*
 * Exporters for the tests of otelc_setup, registered under names that
 * OTEL_*_EXPORTER (and otelc_setup_opts.exporters) can use:
 *
 *   "rec"   keeps a copy of what it is given (spans, metric points, log
 *           records) in the rec_* arrays below;
 *   "hang"  blocks in every export, ignoring its timeout, until
 *           hang_release() (or 30 s): an unreachable collector at its
 *           worst.
 */
#ifndef OTELC_TEST_SETUP_FIXTURE_H
#define OTELC_TEST_SETUP_FIXTURE_H

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "otelc/otelc.h"
#include "otelc/setup.h"

#define REC_MAX 64

typedef struct rec_span {
  char name[64];
  otelc_span_context sc;
  otelc_span_context parent; /* zeros for a root */
  uint64_t end_time;
  otelc_status_code status;
  char status_desc[64];
  char event[32];          /* name of the first event */
  char exception_type[32]; /* exception.type of the first event */
  char exception_message[64];
} rec_span;

typedef struct rec_point {
  char metric[64];
  char unit[16];
  char error_type[32]; /* the point's error.type attribute, if any */
  bool is_int;
  int64_t i;
  double d;
  bool histogram;
  uint64_t count;
  size_t n_bounds; /* explicit histograms */
  double first_bound;
} rec_point;

typedef struct rec_log {
  char body[128];
  size_t body_len;
  bool body_ends_whole; /* the last byte ends a UTF-8 sequence */
  int severity;
  char scope[64];
  uint8_t trace_id[16];
  uint8_t span_id[8];
} rec_log;

static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static rec_span rec_spans[REC_MAX];
static size_t rec_n_spans;
static rec_point rec_points[REC_MAX];
static size_t rec_n_points;
static rec_log rec_logs[REC_MAX];
static size_t rec_n_logs;

static inline void rec_reset(void) {
  pthread_mutex_lock(&rec_mu);
  rec_n_spans = rec_n_points = rec_n_logs = 0;
  pthread_mutex_unlock(&rec_mu);
}

static inline void copy_str(char *dst, size_t cap, const otelc_value *v) {
  dst[0] = '\0';
  if (v && v->type == OTELC_VALUE_STRING)
    snprintf(dst, cap, "%.*s",
             (int)(v->len == OTELC_NTS ? strlen(v->u.str) : v->len), v->u.str);
}

/* ------------------------------------------------------------- spans -- */

static otelc_status rec_export_spans(void *self, otelc_span *const *spans,
                                     size_t n, uint32_t timeout_ms) {
  (void)self;
  (void)timeout_ms;
  pthread_mutex_lock(&rec_mu);
  for (size_t i = 0; i < n && rec_n_spans < REC_MAX; i++) {
    rec_span *r = &rec_spans[rec_n_spans++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", otelc_span_get_name(spans[i]));
    r->sc = otelc_span_get_context(spans[i]);
    otelc_span_get_parent(spans[i], &r->parent);
    r->end_time = otelc_span_get_end_time(spans[i]);
    const char *desc = NULL;
    r->status = otelc_span_get_status(spans[i], &desc);
    snprintf(r->status_desc, sizeof r->status_desc, "%s", desc ? desc : "");
    if (otelc_span_get_event_count(spans[i]) > 0) {
      const otelc_span_event *ev = otelc_span_get_event(spans[i], 0);
      snprintf(r->event, sizeof r->event, "%s", ev->name);
      for (size_t a = 0; a < ev->n_attrs; a++) {
        if (strcmp(ev->attrs[a].key, "exception.type") == 0)
          copy_str(r->exception_type, sizeof r->exception_type,
                   &ev->attrs[a].value);
        if (strcmp(ev->attrs[a].key, "exception.message") == 0)
          copy_str(r->exception_message, sizeof r->exception_message,
                   &ev->attrs[a].value);
      }
    }
  }
  pthread_mutex_unlock(&rec_mu);
  return OTELC_OK;
}

static otelc_status rec_span_factory(otelc_span_exporter **out) {
  static const otelc_span_exporter_ops ops = {rec_export_spans, NULL, NULL,
                                              NULL};
  return otelc_span_exporter_new(&ops, NULL, out);
}

/* The recorded span named @p name (the last one), or NULL. */
static inline const rec_span *rec_find_span(const char *name) {
  const rec_span *found = NULL;
  pthread_mutex_lock(&rec_mu);
  for (size_t i = 0; i < rec_n_spans; i++)
    if (strcmp(rec_spans[i].name, name) == 0)
      found = &rec_spans[i];
  pthread_mutex_unlock(&rec_mu);
  return found;
}

/* ----------------------------------------------------------- metrics -- */

static otelc_status rec_export_metrics(void *self,
                                       const otelc_resource_metrics *data,
                                       uint32_t timeout_ms) {
  (void)self;
  (void)timeout_ms;
  pthread_mutex_lock(&rec_mu);
  for (size_t s = 0; s < data->n_scopes; s++) {
    const otelc_scope_metrics *sm = &data->scopes[s];
    for (size_t m = 0; m < sm->n_metrics; m++) {
      const otelc_metric *mt = &sm->metrics[m];
      for (size_t p = 0; p < mt->n_points && rec_n_points < REC_MAX; p++) {
        rec_point *r = &rec_points[rec_n_points++];
        memset(r, 0, sizeof *r);
        snprintf(r->metric, sizeof r->metric, "%s", mt->name);
        snprintf(r->unit, sizeof r->unit, "%s", mt->unit);
        const otelc_attr *attrs;
        size_t n_attrs;
        if (mt->type == OTELC_METRIC_HISTOGRAM) {
          r->histogram = true;
          r->count = mt->points.histograms[p].count;
          r->d = mt->points.histograms[p].sum;
          r->n_bounds = mt->points.histograms[p].n_bounds;
          if (r->n_bounds)
            r->first_bound = mt->points.histograms[p].bounds[0];
          attrs = mt->points.histograms[p].attrs;
          n_attrs = mt->points.histograms[p].n_attrs;
        } else if (mt->type == OTELC_METRIC_EXP_HISTOGRAM) {
          r->histogram = true;
          r->count = mt->points.exp_histograms[p].count;
          attrs = mt->points.exp_histograms[p].attrs;
          n_attrs = mt->points.exp_histograms[p].n_attrs;
        } else {
          const otelc_number_point *np = &mt->points.numbers[p];
          r->is_int = np->is_int;
          if (np->is_int)
            r->i = np->value.i;
          else
            r->d = np->value.d;
          attrs = np->attrs;
          n_attrs = np->n_attrs;
        }
        for (size_t a = 0; a < n_attrs; a++)
          if (strcmp(attrs[a].key, "error.type") == 0)
            copy_str(r->error_type, sizeof r->error_type, &attrs[a].value);
      }
    }
  }
  pthread_mutex_unlock(&rec_mu);
  return OTELC_OK;
}

static otelc_status rec_reader_factory(otelc_metric_reader **out) {
  static const otelc_metric_exporter_ops ops = {rec_export_metrics, NULL, NULL,
                                                NULL};
  otelc_metric_exporter *e = NULL;
  otelc_status st = otelc_metric_exporter_new(&ops, NULL, NULL, &e);
  if (st != OTELC_OK)
    return st;
  return otelc_periodic_reader_new(e, NULL, out);
}

/* The last recorded point of @p metric, or NULL. */
static inline const rec_point *rec_find_point(const char *metric) {
  const rec_point *found = NULL;
  pthread_mutex_lock(&rec_mu);
  for (size_t i = 0; i < rec_n_points; i++)
    if (strcmp(rec_points[i].metric, metric) == 0)
      found = &rec_points[i];
  pthread_mutex_unlock(&rec_mu);
  return found;
}

/* -------------------------------------------------------------- logs -- */

static otelc_status rec_export_logs(void *self,
                                    otelc_log_record *const *records, size_t n,
                                    uint32_t timeout_ms) {
  (void)self;
  (void)timeout_ms;
  pthread_mutex_lock(&rec_mu);
  for (size_t i = 0; i < n && rec_n_logs < REC_MAX; i++) {
    const otelc_log_data *d = otelc_log_record_data(records[i]);
    rec_log *r = &rec_logs[rec_n_logs++];
    memset(r, 0, sizeof *r);
    copy_str(r->body, sizeof r->body, &d->body);
    if (d->body.type == OTELC_VALUE_STRING) {
      const unsigned char *b = (const unsigned char *)d->body.u.str;
      size_t len =
          d->body.len == OTELC_NTS ? strlen(d->body.u.str) : d->body.len;
      r->body_len = len;
      /* Whole when the last lead byte has all its continuation bytes. */
      size_t k = len;
      while (k > 0 && (b[k - 1] & 0xc0) == 0x80)
        k--;
      size_t need = k == 0             ? 0
                    : b[k - 1] >= 0xf0 ? 4
                    : b[k - 1] >= 0xe0 ? 3
                    : b[k - 1] >= 0xc0 ? 2
                                       : 1;
      r->body_ends_whole = k == 0 ? len == 0 : len - (k - 1) == need;
    }
    r->severity = d->severity;
    snprintf(r->scope, sizeof r->scope, "%s",
             d->scope && d->scope->name ? d->scope->name : "");
    memcpy(r->trace_id, d->trace_id, 16);
    memcpy(r->span_id, d->span_id, 8);
  }
  pthread_mutex_unlock(&rec_mu);
  return OTELC_OK;
}

static otelc_status rec_log_factory(otelc_log_exporter **out) {
  static const otelc_log_exporter_ops ops = {rec_export_logs, NULL, NULL, NULL};
  return otelc_log_exporter_new(&ops, NULL, out);
}

/* The recorded log whose body is @p body, or NULL. */
static inline const rec_log *rec_find_log(const char *body) {
  const rec_log *found = NULL;
  pthread_mutex_lock(&rec_mu);
  for (size_t i = 0; i < rec_n_logs; i++)
    if (strcmp(rec_logs[i].body, body) == 0)
      found = &rec_logs[i];
  pthread_mutex_unlock(&rec_mu);
  return found;
}

/* ------------------------------------------------------------- hang -- */

static pthread_mutex_t hang_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hang_cv = PTHREAD_COND_INITIALIZER;
static bool hang_released;
static int hang_calls; /* exports entered */

static inline void hang_reset(void) {
  pthread_mutex_lock(&hang_mu);
  hang_released = false;
  hang_calls = 0;
  pthread_mutex_unlock(&hang_mu);
}

static inline void hang_release(void) {
  pthread_mutex_lock(&hang_mu);
  hang_released = true;
  pthread_cond_broadcast(&hang_cv);
  pthread_mutex_unlock(&hang_mu);
}

static inline void hang_wait(void) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  pthread_mutex_lock(&hang_mu);
  hang_calls++;
  while (!hang_released)
    if (pthread_cond_timedwait(&hang_cv, &hang_mu, &until) != 0)
      break;
  pthread_mutex_unlock(&hang_mu);
}

static otelc_status hang_export_spans(void *self, otelc_span *const *spans,
                                      size_t n, uint32_t timeout_ms) {
  (void)self, (void)spans, (void)n, (void)timeout_ms;
  hang_wait();
  return OTELC_ERR_EXPORT;
}

static otelc_status hang_export_metrics(void *self,
                                        const otelc_resource_metrics *data,
                                        uint32_t timeout_ms) {
  (void)self, (void)data, (void)timeout_ms;
  hang_wait();
  return OTELC_ERR_EXPORT;
}

static otelc_status hang_export_logs(void *self,
                                     otelc_log_record *const *records, size_t n,
                                     uint32_t timeout_ms) {
  (void)self, (void)records, (void)n, (void)timeout_ms;
  hang_wait();
  return OTELC_ERR_EXPORT;
}

static otelc_status hang_span_factory(otelc_span_exporter **out) {
  static const otelc_span_exporter_ops ops = {hang_export_spans, NULL, NULL,
                                              NULL};
  return otelc_span_exporter_new(&ops, NULL, out);
}

static otelc_status hang_reader_factory(otelc_metric_reader **out) {
  static const otelc_metric_exporter_ops ops = {hang_export_metrics, NULL, NULL,
                                                NULL};
  otelc_metric_exporter *e = NULL;
  otelc_status st = otelc_metric_exporter_new(&ops, NULL, NULL, &e);
  if (st != OTELC_OK)
    return st;
  return otelc_periodic_reader_new(e, NULL, out);
}

static otelc_status hang_log_factory(otelc_log_exporter **out) {
  static const otelc_log_exporter_ops ops = {hang_export_logs, NULL, NULL,
                                             NULL};
  return otelc_log_exporter_new(&ops, NULL, out);
}

/* Register "rec" and "hang" for the three signals. Logs may not be
 * available in every build state; the other two must be. */
static inline bool setup_fixture_register(void) {
  bool ok =
      otelc_span_exporter_register("rec", rec_span_factory) == OTELC_OK &&
      otelc_span_exporter_register("hang", hang_span_factory) == OTELC_OK &&
      otelc_metric_reader_register("rec", rec_reader_factory) == OTELC_OK &&
      otelc_metric_reader_register("hang", hang_reader_factory) == OTELC_OK;
  otelc_log_exporter_register("rec", rec_log_factory);
  otelc_log_exporter_register("hang", hang_log_factory);
  return ok;
}

/* Unset every variable otelc_setup maps a field to, and the others the
 * tests touch. */
static inline void setup_fixture_clear_env(void) {
  static const char *const vars[] = {"OTEL_SERVICE_NAME",
                                     "OTEL_RESOURCE_ATTRIBUTES",
                                     "OTEL_TRACES_EXPORTER",
                                     "OTEL_METRICS_EXPORTER",
                                     "OTEL_LOGS_EXPORTER",
                                     "OTEL_EXPORTER_OTLP_ENDPOINT",
                                     "OTEL_EXPORTER_OTLP_PROTOCOL",
                                     "OTEL_EXPORTER_OTLP_HEADERS",
                                     "OTEL_TRACES_SAMPLER",
                                     "OTEL_TRACES_SAMPLER_ARG",
                                     "OTEL_EXPORTER_PROMETHEUS_PORT",
                                     "OTEL_SDK_DISABLED",
                                     "OTEL_PROPAGATORS",
                                     "OTEL_BSP_SCHEDULE_DELAY",
                                     "OTEL_BLRP_SCHEDULE_DELAY",
                                     "OTEL_METRIC_EXPORT_INTERVAL"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
    unsetenv(vars[i]);
}

/* Milliseconds between two CLOCK_MONOTONIC readings. */
static inline double ms_between(const struct timespec *a,
                                const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) * 1e3 +
         (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

#endif /* OTELC_TEST_SETUP_FIXTURE_H */
