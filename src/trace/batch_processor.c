/* The batch span processor: the shared batching engine (common/batcher.h)
 * fed by the threads that end spans, drained by one export thread (or by
 * the host's own loop through otelc_span_processor_tick).
 *
 * Ownership when shutdown gives up on a hung exporter: the export thread
 * is detached and keeps running; whichever of its exit and
 * otelc_span_processor_free comes second frees the processor. */
#include "common/batcher.h"
#include "common/env.h"
#include "trace/trace_internal.h"

typedef struct batch {
  otelc_span_processor base;
  otelc__batcher q;
} batch;

static otelc_status span_export(void *exporter, void *const *items, size_t n,
                                uint32_t timeout_ms) {
  return otelc__exporter_export(exporter, (otelc_span *const *)items, n,
                                timeout_ms);
}

static void span_release(void *const *items, size_t n) {
  otelc_span *const *spans = (otelc_span *const *)items;
  /* Releasing reads and writes the first cache line of each span, which
   * usually sits in the producing core's cache: ask for a few ahead so
   * that the transfers overlap. */
  enum { AHEAD = 8 };
  for (size_t i = 0; i < n && i < AHEAD; i++)
    __builtin_prefetch(spans[i], 1);
  for (size_t i = 0; i < n; i++) {
    if (i + AHEAD < n)
      __builtin_prefetch(spans[i + AHEAD], 1);
    otelc__span_unref(spans[i]);
  }
}

static const otelc__batcher_ops span_ops = {
    .export_items = span_export,
    .flush = otelc__exporter_base_flush_cb,
    .shutdown = otelc__exporter_base_shutdown_cb,
    .free_exporter = otelc__exporter_base_free_cb,
    .release = span_release,
    .full_warning = "span queue full (%u); spans are being dropped",
    .abandoned_warning = "span exporter did not finish within %u ms; abandoned",
    .thread_error = "could not start the span export thread",
};

static void batch_on_end(otelc_span_processor *p, otelc_span *s) {
  batch *b = (batch *)p;
  if (!(s->flags & OTELC__SPAN_SAMPLED)) {
    otelc__span_unref(s);
    return;
  }
  if (OTELC__UNLIKELY(atomic_load_explicit(&p->shut, memory_order_relaxed))) {
    otelc__batcher_drop_shutdown(&b->q, s);
    return;
  }
  otelc__batcher_push(&b->q, s);
}

static otelc_status batch_flush(otelc_span_processor *p, uint32_t ms) {
  return otelc__batcher_flush(&((batch *)p)->q, ms);
}

static otelc_status batch_tick(otelc_span_processor *p) {
  return otelc__batcher_tick(&((batch *)p)->q);
}

static otelc_status batch_shutdown(otelc_span_processor *p, uint32_t ms) {
  return otelc__batcher_shutdown(&((batch *)p)->q, ms);
}

static void batch_stats(const otelc_span_processor *p,
                        otelc_span_processor_stats *out) {
  otelc__batcher_stats st;
  otelc__batcher_get_stats(&((const batch *)p)->q, &st);
  out->received = st.received;
  out->exported = st.exported;
  out->export_failed = st.export_failed;
  out->dropped_queue_full = st.dropped_queue_full;
  out->dropped_shutdown = st.dropped_shutdown;
  out->queue_size = st.queue_size;
  out->queue_capacity = st.queue_capacity;
}

static void batch_destroy(otelc_span_processor *p) {
  otelc__batcher_destroy(&((batch *)p)->q);
}

static bool batch_hold(otelc_span_processor *p, void (*release)(void *),
                       void *arg) {
  return otelc__batcher_hold(&((batch *)p)->q, release, arg);
}

/* --------------------------------------------------------------- create -- */

void otelc_batch_opts_from_env(otelc_batch_opts *o) {
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->schedule_delay_ms = otelc__env_duration_ms("OTEL_BSP_SCHEDULE_DELAY",
                                                5000);
  o->export_timeout_ms = otelc__env_timeout_ms("OTEL_BSP_EXPORT_TIMEOUT",
                                               30000);
  o->max_queue_size = otelc__env_uint("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1,
                                      INT32_MAX);
  o->max_export_batch_size = otelc__env_uint(
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, INT32_MAX);
  if (o->max_export_batch_size > o->max_queue_size) {
    otelc__warn("OTEL_BSP_MAX_EXPORT_BATCH_SIZE (%u) exceeds the queue size "
                "(%u); using %u",
                o->max_export_batch_size, o->max_queue_size,
                o->max_queue_size);
    o->max_export_batch_size = o->max_queue_size;
  }
}

static const otelc__processor_vtbl batch_vt = {
    .on_end = batch_on_end,
    .force_flush = batch_flush,
    .shutdown = batch_shutdown,
    .tick = batch_tick,
    .stats = batch_stats,
    .destroy = batch_destroy,
    .component_type = "batching_span_processor",
};

otelc_status otelc_batch_span_processor_new(otelc_span_exporter *exporter,
                                            const otelc_batch_opts *opts,
                                            otelc_span_processor **out) {
  if (!exporter || !out) {
    otelc_span_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc_batch_opts o = opts ? *opts : (otelc_batch_opts){0};
  if (!o.max_queue_size)
    o.max_queue_size = 2048;
  if (!o.max_export_batch_size)
    o.max_export_batch_size = 512;
  if (o.max_export_batch_size > o.max_queue_size)
    o.max_export_batch_size = o.max_queue_size;
  if (!o.schedule_delay_ms)
    o.schedule_delay_ms = 5000;
  if (!o.export_timeout_ms)
    o.export_timeout_ms = 30000;

  batch *b = otelc__calloc(1, sizeof *b);
  if (!b) {
    otelc_span_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  b->base.vt = &batch_vt;
  b->base.hold = batch_hold;
  otelc__batcher_opts bo = {o.max_queue_size, o.max_export_batch_size,
                            o.schedule_delay_ms, o.export_timeout_ms,
                            o.manual_tick};
  otelc_status st =
      otelc__batcher_init(&b->q, b, &b->base.shut, &span_ops, exporter, &bo);
  if (st != OTELC_OK)
    return st;
  *out = &b->base;
  return OTELC_OK;
}
