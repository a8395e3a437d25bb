/*
 * otelc's own pipeline as metrics (the otel.sdk.* names of the semantic
 * conventions), observed from the counters the span and log processors and
 * the metric readers already keep: nothing is added to the hot paths.
 */
#include <stdio.h>

#include "logs/logs_internal.h"
#include "metrics/metrics_internal.h"
#include "otelc/version.h"
#include "trace/trace_internal.h"

/* Processors and readers observed; more are ignored. */
#define MAX_COMPONENTS 16

/* The instruments of one signal's processors and exporters. */
typedef struct pipeline_insts {
  otelc_observable *processed;  /* otel.sdk.processor.<x>.processed */
  otelc_observable *queue_size; /* otel.sdk.processor.<x>.queue.size */
  otelc_observable *queue_cap;  /* otel.sdk.processor.<x>.queue.capacity */
  otelc_observable *exported;   /* otel.sdk.exporter.<x>.exported */
} pipeline_insts;

typedef struct sdk_metrics {
  otelc_tracer_provider *tp;
  otelc_logger_provider *lp;
  otelc_meter_provider *mp;
  pipeline_insts spans, logs;
  otelc_observable *points; /* otel.sdk.exporter.metric_data_point.exported */
} sdk_metrics;

/* The two attributes that name a component: its type and "<type>/<n>". */
typedef struct component {
  const char *type;
  char name[64];
} component;

static void component_init(component *c, const char *type, size_t index) {
  c->type = type;
  snprintf(c->name, sizeof c->name, "%s/%zu", type, index);
}

static void observe_count(otelc_observer *obs, otelc_observable *inst,
                          const component *c, const char *error_type,
                          uint64_t value) {
  if (error_type && value == 0)
    return; /* a failure kind that never happened is not a series */
  otelc_attr attrs[3] = {OTELC_STR("otel.component.type", c->type),
                         OTELC_STR("otel.component.name", c->name),
                         OTELC_STR("error.type", error_type)};
  otelc_observe(obs, inst, (int64_t)value, attrs, error_type ? 3 : 2);
}

/* The counters span and log processors both keep. */
typedef struct proc_counts {
  uint64_t received, exported, export_failed, dropped_queue_full,
      dropped_shutdown;
  uint32_t queue_size, queue_capacity;
} proc_counts;

/* One processor's series; @p exporter_type names its exporter's kind. */
static void observe_processor(otelc_observer *obs, const pipeline_insts *in,
                              const char *type, const char *exporter_type,
                              size_t i, const proc_counts *st) {
  component c;
  component_init(&c, type, i);
  /* An item counts as processed once it reached the exporter or was
   * dropped; the ones still queued are not processed yet. */
  uint64_t dropped = st->dropped_queue_full + st->dropped_shutdown;
  uint64_t handed = st->received > dropped + st->queue_size
                        ? st->received - dropped - st->queue_size
                        : 0;
  observe_count(obs, in->processed, &c, NULL, handed);
  observe_count(obs, in->processed, &c, "queue_full", st->dropped_queue_full);
  observe_count(obs, in->processed, &c, "already_shutdown",
                st->dropped_shutdown);
  if (st->queue_capacity) {
    observe_count(obs, in->queue_size, &c, NULL, st->queue_size);
    observe_count(obs, in->queue_cap, &c, NULL, st->queue_capacity);
  }
  component e;
  component_init(&e, exporter_type, i);
  observe_count(obs, in->exported, &e, NULL, st->exported);
  observe_count(obs, in->exported, &e, "export_failed", st->export_failed);
}

static void observe_logs(otelc_observer *obs, sdk_metrics *m) {
  otelc_logger_provider *lp = m->lp;
  size_t n = lp->n_procs < MAX_COMPONENTS ? lp->n_procs : MAX_COMPONENTS;
  for (size_t i = 0; i < n; i++) {
    otelc_log_processor *p = lp->procs[i];
    if (!p->vt->component_type)
      continue; /* a custom processor keeps no counters of its own */
    otelc_log_processor_stats st;
    otelc_log_processor_get_stats(p, &st);
    proc_counts pc = {st.received,           st.exported,
                      st.export_failed,      st.dropped_queue_full,
                      st.dropped_shutdown,   st.queue_size,
                      st.queue_capacity};
    observe_processor(obs, &m->logs, p->vt->component_type, "log_exporter", i,
                      &pc);
  }
}

static void observe_spans(otelc_observer *obs, sdk_metrics *m) {
  otelc_tracer_provider *tp = m->tp;
  size_t n = tp->n_procs < MAX_COMPONENTS ? tp->n_procs : MAX_COMPONENTS;
  for (size_t i = 0; i < n; i++) {
    otelc_span_processor *p = tp->procs[i];
    if (!p->vt->component_type)
      continue; /* a custom processor keeps no counters */
    otelc_span_processor_stats st;
    otelc_span_processor_get_stats(p, &st);
    proc_counts pc = {st.received,           st.exported,
                      st.export_failed,      st.dropped_queue_full,
                      st.dropped_shutdown,   st.queue_size,
                      st.queue_capacity};
    observe_processor(obs, &m->spans, p->vt->component_type, "span_exporter",
                      i, &pc);
  }
}

static void observe_readers(otelc_observer *obs, sdk_metrics *m) {
  /* The provider's reader list is fixed at creation. */
  size_t n = m->mp->n_readers;
  for (size_t i = 0; i < n && i < MAX_COMPONENTS; i++) {
    otelc_metric_reader_stats st;
    otelc_metric_reader_get_stats(m->mp->readers[i], &st);
    if (st.exports == 0 && st.export_failures == 0)
      continue; /* a pull reader exports nothing itself */
    component c;
    component_init(&c, "periodic_metric_reader", i);
    observe_count(obs, m->points, &c, NULL, st.points_exported);
    observe_count(obs, m->points, &c, "export_failed", st.points_failed);
  }
}

static void observe_all(otelc_observer *obs, void *user) {
  sdk_metrics *m = user;
  if (m->tp)
    observe_spans(obs, m);
  if (m->lp)
    observe_logs(obs, m);
  observe_readers(obs, m);
}

/* The four instruments of signal @p what ("span" or "log"), counted in
 * @p unit. */
static void make_pipeline(otelc_meter *meter, const char *what,
                          const char *unit, pipeline_insts *out) {
  char name[64], desc[96];
  otelc_instrument_opts o = {.unit = unit, .description = desc};
  snprintf(name, sizeof name, "otel.sdk.processor.%s.processed", what);
  snprintf(desc, sizeof desc, "Items whose processing finished, successfully "
                              "or not");
  out->processed = otelc_meter_observable_counter(meter, name, &o, NULL, NULL);
  snprintf(name, sizeof name, "otel.sdk.processor.%s.queue.size", what);
  snprintf(desc, sizeof desc, "Items in the processor's queue");
  out->queue_size =
      otelc_meter_observable_up_down_counter(meter, name, &o, NULL, NULL);
  snprintf(name, sizeof name, "otel.sdk.processor.%s.queue.capacity", what);
  snprintf(desc, sizeof desc, "Items the processor's queue can hold");
  out->queue_cap =
      otelc_meter_observable_up_down_counter(meter, name, &o, NULL, NULL);
  snprintf(name, sizeof name, "otel.sdk.exporter.%s.exported", what);
  snprintf(desc, sizeof desc, "Items whose export finished, successfully "
                              "or not");
  out->exported = otelc_meter_observable_counter(meter, name, &o, NULL, NULL);
}

otelc_status otelc_sdk_metrics_enable(otelc_meter_provider *mp,
                                      otelc_tracer_provider *tp,
                                      otelc_logger_provider *lp) {
  if (!mp)
    return OTELC_ERR_INVALID_ARG;
  if (mp->disabled)
    return OTELC_OK;
  /* The state lives as long as the provider: in its arena, which is
   * otherwise only written while the provider is built. */
  pthread_mutex_lock(&mp->mu);
  sdk_metrics *m = otelc__arena_alloc(&mp->view_arena, sizeof *m);
  pthread_mutex_unlock(&mp->mu);
  if (!m)
    return OTELC_ERR_NOMEM;
  memset(m, 0, sizeof *m);
  m->tp = tp && !tp->disabled ? tp : NULL;
  m->lp = lp && !lp->disabled ? lp : NULL;
  m->mp = mp;
  otelc_scope_info scope = {.name = "otelc", .version = OTELC_VERSION_STRING};
  otelc_meter *meter = otelc_meter_provider_get_meter(mp, &scope);
  make_pipeline(meter, "span", "{span}", &m->spans);
  make_pipeline(meter, "log", "{log_record}", &m->logs);
  otelc_instrument_opts dp = {
      .unit = "{data_point}",
      .description = "Data points whose export finished, successfully or not"};
  m->points = otelc_meter_observable_counter(
      meter, "otel.sdk.exporter.metric_data_point.exported", &dp, NULL, NULL);
  otelc_observable *all[] = {m->spans.processed, m->spans.queue_size,
                             m->spans.queue_cap, m->spans.exported,
                             m->logs.processed,  m->logs.queue_size,
                             m->logs.queue_cap,  m->logs.exported,
                             m->points};
  if (!otelc_meter_register_callback(meter, observe_all, m, all,
                                     OTELC__ARRAY_LEN(all)))
    return OTELC_ERR_NOMEM;
  return OTELC_OK;
}
