/* The batch log processor: the shared batching engine (common/batcher.h)
 * fed by the threads that emit records, drained by one export thread (or
 * by the host's own loop through otelc_log_processor_tick).
 *
 * Ownership when shutdown gives up on a hung exporter: the export thread
 * is detached and keeps running; whichever of its exit and
 * otelc_log_processor_free comes second frees the processor. */
#include "common/batcher.h"
#include "common/env.h"
#include "logs/logs_internal.h"

typedef struct batch {
  otelc_log_processor base;
  otelc__batcher q;
} batch;

static otelc_status log_export(void *exporter, void *const *items, size_t n,
                               uint32_t timeout_ms) {
  return otelc__log_exporter_export(exporter, (otelc_log_record *const *)items,
                                    n, timeout_ms);
}

static void log_release(void *const *items, size_t n) {
  otelc_log_record *const *recs = (otelc_log_record *const *)items;
  /* Releasing touches the first cache line of each record, usually in the
   * producing core's cache: ask for a few ahead so transfers overlap. */
  enum { AHEAD = 8 };
  for (size_t i = 0; i < n && i < AHEAD; i++)
    __builtin_prefetch(recs[i], 1);
  for (size_t i = 0; i < n; i++) {
    if (i + AHEAD < n)
      __builtin_prefetch(recs[i + AHEAD], 1);
    otelc__log_record_unref(recs[i]);
  }
}

static const otelc__batcher_ops log_ops = {
    .export_items = log_export,
    .flush = otelc__exporter_base_flush_cb,
    .shutdown = otelc__exporter_base_shutdown_cb,
    .free_exporter = otelc__exporter_base_free_cb,
    .release = log_release,
    .full_warning = "log record queue full (%u); records are being dropped",
    .abandoned_warning = "log exporter did not finish within %u ms; abandoned",
    .thread_error = "could not start the log export thread",
};

static void batch_on_emit(otelc_log_processor *p, otelc_log_record *r,
                          const otelc_context *ctx) {
  (void)ctx;
  batch *b = (batch *)p;
  if (OTELC__UNLIKELY(atomic_load_explicit(&p->shut, memory_order_relaxed))) {
    otelc__batcher_drop_shutdown(&b->q, r);
    return;
  }
  /* From here the export thread may read the record. */
  r->frozen = true;
  otelc__batcher_push(&b->q, r);
}

static otelc_status batch_flush(otelc_log_processor *p, uint32_t ms) {
  return otelc__batcher_flush(&((batch *)p)->q, ms);
}

static otelc_status batch_tick(otelc_log_processor *p) {
  return otelc__batcher_tick(&((batch *)p)->q);
}

static otelc_status batch_shutdown(otelc_log_processor *p, uint32_t ms) {
  return otelc__batcher_shutdown(&((batch *)p)->q, ms);
}

static void batch_stats(const otelc_log_processor *p,
                        otelc_log_processor_stats *out) {
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

static void batch_destroy(otelc_log_processor *p) {
  otelc__batcher_destroy(&((batch *)p)->q);
}

static bool batch_hold(otelc_log_processor *p, void (*release)(void *),
                       void *arg) {
  return otelc__batcher_hold(&((batch *)p)->q, release, arg);
}

/* --------------------------------------------------------------- create -- */

#define DEFAULT_QUEUE 2048
#define DEFAULT_BATCH 512
#define DEFAULT_DELAY_MS 1000
#define DEFAULT_TIMEOUT_MS 30000

void otelc_log_batch_opts_from_env(otelc_log_batch_opts *o) {
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->schedule_delay_ms =
      otelc__env_duration_ms("OTEL_BLRP_SCHEDULE_DELAY", DEFAULT_DELAY_MS);
  o->export_timeout_ms =
      otelc__env_timeout_ms("OTEL_BLRP_EXPORT_TIMEOUT", DEFAULT_TIMEOUT_MS);
  o->max_queue_size =
      otelc__env_uint("OTEL_BLRP_MAX_QUEUE_SIZE", DEFAULT_QUEUE, 1, INT32_MAX);
  o->max_export_batch_size = otelc__env_uint("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
                                             DEFAULT_BATCH, 1, INT32_MAX);
  if (o->max_export_batch_size > o->max_queue_size) {
    otelc__warn("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE (%u) exceeds the queue "
                "size (%u); using %u",
                o->max_export_batch_size, o->max_queue_size, o->max_queue_size);
    o->max_export_batch_size = o->max_queue_size;
  }
}

static const otelc__log_proc_vtbl batch_vt = {
    .component_type = "batching_log_processor",
    .on_emit = batch_on_emit,
    .force_flush = batch_flush,
    .shutdown = batch_shutdown,
    .tick = batch_tick,
    .stats = batch_stats,
    .destroy = batch_destroy,
    .hold = batch_hold,
};

otelc_status otelc_batch_log_processor_new(otelc_log_exporter *exporter,
                                           const otelc_log_batch_opts *opts,
                                           otelc_log_processor **out) {
  if (!exporter || !out) {
    otelc_log_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc_log_batch_opts o = opts ? *opts : (otelc_log_batch_opts){0};
  if (!o.max_queue_size)
    o.max_queue_size = DEFAULT_QUEUE;
  if (!o.max_export_batch_size)
    o.max_export_batch_size = DEFAULT_BATCH;
  if (o.max_export_batch_size > o.max_queue_size)
    o.max_export_batch_size = o.max_queue_size;
  if (!o.schedule_delay_ms)
    o.schedule_delay_ms = DEFAULT_DELAY_MS;
  if (!o.export_timeout_ms)
    o.export_timeout_ms = DEFAULT_TIMEOUT_MS;

  batch *b = otelc__calloc(1, sizeof *b);
  if (!b) {
    otelc_log_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  b->base.vt = &batch_vt;
  otelc__batcher_opts bo = {o.max_queue_size, o.max_export_batch_size,
                            o.schedule_delay_ms, o.export_timeout_ms,
                            o.manual_tick};
  otelc_status st =
      otelc__batcher_init(&b->q, b, &b->base.shut, &log_ops, exporter, &bo);
  if (st != OTELC_OK)
    return st;
  *out = &b->base;
  return OTELC_OK;
}
