/*
 * otelc's own pipeline as metrics (the otel.sdk.* names of the semantic
 * conventions), observed from the counters the span processors and metric
 * readers already keep: nothing is added to the hot paths.
 */
#include <stdio.h>

#include "metrics/metrics_internal.h"
#include "otelc/version.h"
#include "trace/trace_internal.h"

/* Processors and readers observed; more are ignored. */
#define MAX_COMPONENTS 16

typedef struct sdk_metrics {
  otelc_tracer_provider *tp;
  otelc_meter_provider *mp;
  otelc_observable *processed;   /* otel.sdk.processor.span.processed */
  otelc_observable *queue_size;  /* otel.sdk.processor.span.queue.size */
  otelc_observable *queue_cap;   /* otel.sdk.processor.span.queue.capacity */
  otelc_observable *exported;    /* otel.sdk.exporter.span.exported */
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

static void observe_spans(otelc_observer *obs, sdk_metrics *m) {
  otelc_tracer_provider *tp = m->tp;
  size_t n = tp->n_procs < MAX_COMPONENTS ? tp->n_procs : MAX_COMPONENTS;
  for (size_t i = 0; i < n; i++) {
    otelc_span_processor *p = tp->procs[i];
    if (!p->vt->component_type)
      continue; /* a custom processor keeps no counters */
    otelc_span_processor_stats st;
    otelc_span_processor_get_stats(p, &st);
    component c;
    component_init(&c, p->vt->component_type, i);
    /* A span counts as processed once it reached the exporter or was
     * dropped; the ones still queued are not processed yet. */
    uint64_t dropped = st.dropped_queue_full + st.dropped_shutdown;
    uint64_t handed = st.received > dropped + st.queue_size
                          ? st.received - dropped - st.queue_size
                          : 0;
    observe_count(obs, m->processed, &c, NULL, handed);
    observe_count(obs, m->processed, &c, "queue_full", st.dropped_queue_full);
    observe_count(obs, m->processed, &c, "already_shutdown",
                  st.dropped_shutdown);
    if (st.queue_capacity) {
      observe_count(obs, m->queue_size, &c, NULL, st.queue_size);
      observe_count(obs, m->queue_cap, &c, NULL, st.queue_capacity);
    }
    component e;
    component_init(&e, "span_exporter", i);
    observe_count(obs, m->exported, &e, NULL, st.exported);
    observe_count(obs, m->exported, &e, "export_failed", st.export_failed);
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
  observe_readers(obs, m);
}

otelc_status otelc_sdk_metrics_enable(otelc_meter_provider *mp,
                                      otelc_tracer_provider *tp) {
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
  m->tp = tp;
  m->mp = mp;
  otelc_scope_info scope = {.name = "otelc", .version = OTELC_VERSION_STRING};
  otelc_meter *meter = otelc_meter_provider_get_meter(mp, &scope);
  otelc_instrument_opts span = {.unit = "{span}"};
  span.description = "Spans whose processing finished, successfully or not";
  m->processed = otelc_meter_observable_counter(
      meter, "otel.sdk.processor.span.processed", &span, NULL, NULL);
  span.description = "Spans in the processor's queue";
  m->queue_size = otelc_meter_observable_up_down_counter(
      meter, "otel.sdk.processor.span.queue.size", &span, NULL, NULL);
  span.description = "Spans the processor's queue can hold";
  m->queue_cap = otelc_meter_observable_up_down_counter(
      meter, "otel.sdk.processor.span.queue.capacity", &span, NULL, NULL);
  span.description = "Spans whose export finished, successfully or not";
  m->exported = otelc_meter_observable_counter(
      meter, "otel.sdk.exporter.span.exported", &span, NULL, NULL);
  otelc_instrument_opts dp = {
      .unit = "{data_point}",
      .description = "Data points whose export finished, successfully or not"};
  m->points = otelc_meter_observable_counter(
      meter, "otel.sdk.exporter.metric_data_point.exported", &dp, NULL, NULL);
  otelc_observable *all[] = {m->processed, m->queue_size, m->queue_cap,
                             m->exported, m->points};
  if (!otelc_meter_register_callback(meter, observe_all, m, all,
                                     OTELC__ARRAY_LEN(all)))
    return OTELC_ERR_NOMEM;
  return OTELC_OK;
}
