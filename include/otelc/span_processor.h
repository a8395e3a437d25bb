/*
 * otelc/span_processor.h - what happens to spans after they end: span
 * processors (simple, batch, custom), the exporter interface, and
 * read access to ended spans for exporters.
 */
#ifndef OTELC_SPAN_PROCESSOR_H
#define OTELC_SPAN_PROCESSOR_H

#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Reading a span (processors and exporters)                                 */
/* ------------------------------------------------------------------------ */

/** One event of a span, as stored (all pointers borrowed from the span). */
typedef struct otelc_span_event {
  const char *name;
  uint64_t time;
  const otelc_attr *attrs;
  size_t n_attrs;
  uint32_t dropped_attrs;
} otelc_span_event;

/** One link of a span, as stored (all pointers borrowed from the span). */
typedef struct otelc_span_link {
  otelc_span_context context;
  const char *tracestate; /**< NULL if none */
  const otelc_attr *attrs;
  size_t n_attrs;
  uint32_t dropped_attrs;
} otelc_span_link;

/**
 * @brief Keep @p s alive past the call that handed it over (a processor's
 * on_end, an exporter's export). Pair with otelc_span_release.
 * Thread safety: safe from any thread.
 */
OTELC_API void otelc_span_retain(otelc_span *s);

/** @brief Drop a reference taken with otelc_span_retain. */
OTELC_API void otelc_span_release(otelc_span *s);

/* Accessors. Strings and arrays are borrowed from the span. A span handed
 * to on_end or export is immutable, so these may be called from any
 * thread that holds a reference. */
OTELC_API const char *otelc_span_get_name(const otelc_span *s);
OTELC_API otelc_span_kind otelc_span_get_kind(const otelc_span *s);
/** @return true and the parent's context if the span has a parent. */
OTELC_API bool otelc_span_get_parent(const otelc_span *s,
                                     otelc_span_context *out);
OTELC_API const char *otelc_span_get_tracestate(const otelc_span *s);
OTELC_API uint64_t otelc_span_get_start_time(const otelc_span *s);
/** @return 0 while the span has not ended. */
OTELC_API uint64_t otelc_span_get_end_time(const otelc_span *s);
OTELC_API otelc_status_code otelc_span_get_status(const otelc_span *s,
                                                  const char **description);
OTELC_API size_t otelc_span_get_attr_count(const otelc_span *s);
OTELC_API const otelc_attr *otelc_span_get_attr(const otelc_span *s,
                                                size_t i);
/** @brief The value of attribute @p key, or NULL. */
OTELC_API const otelc_value *otelc_span_find_attr(const otelc_span *s,
                                                  const char *key);
OTELC_API size_t otelc_span_get_event_count(const otelc_span *s);
OTELC_API const otelc_span_event *otelc_span_get_event(const otelc_span *s,
                                                       size_t i);
OTELC_API size_t otelc_span_get_link_count(const otelc_span *s);
OTELC_API const otelc_span_link *otelc_span_get_link(const otelc_span *s,
                                                     size_t i);
/** Dropped attribute, event and link counts (any pointer may be NULL). */
OTELC_API void otelc_span_get_dropped(const otelc_span *s, uint32_t *attrs,
                                      uint32_t *events, uint32_t *links);
OTELC_API const otelc_scope_info *otelc_span_get_scope(const otelc_span *s);
OTELC_API const otelc_resource *otelc_span_get_resource(const otelc_span *s);

/* ------------------------------------------------------------------------ */
/* Exporters                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct otelc_span_exporter otelc_span_exporter;

/**
 * What an exporter implements. otelc never calls export_spans concurrently
 * on one exporter. Every function must return within about its timeout.
 */
typedef struct otelc_span_exporter_ops {
  /** Send @p n ended spans. They are valid during the call only (retain
   *  the ones you keep). Return OTELC_OK or an error; failed batches are
   *  dropped and counted, never retried by the processor. */
  otelc_status (*export_spans)(void *self, otelc_span *const *spans,
                               size_t n, uint32_t timeout_ms);
  /** Optional (NULL = nothing to flush). */
  otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
  /** Optional. Called once; later exports must fail. */
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
  /** Optional: frees @p self. Called once, last. */
  void (*destroy)(void *self);
} otelc_span_exporter_ops;

/**
 * @brief Wrap an implementation into an exporter. @p ops is copied;
 * @p self is owned by the exporter from now on (destroy is called with it
 * on free, and also when this function fails).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status
otelc_span_exporter_new(const otelc_span_exporter_ops *ops, void *self,
                        otelc_span_exporter **out);

/** @brief Free an exporter not handed to a processor. NULL is ignored. */
OTELC_API void otelc_span_exporter_free(otelc_span_exporter *e);

/** Makes an exporter configured from the environment. */
typedef otelc_status (*otelc_span_exporter_factory)(otelc_span_exporter **out);

/**
 * @brief Make @p name (copied; at most 31 characters) usable in
 * OTEL_TRACES_EXPORTER. Optional exporter libraries (otelc_otlp) register
 * themselves when loaded. A later registration of the same name replaces
 * the earlier one.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_LIMIT (16 names).
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status
otelc_span_exporter_register(const char *name, otelc_span_exporter_factory make);

/* ------------------------------------------------------------------------ */
/* Processors                                                                */
/* ------------------------------------------------------------------------ */

/** What a custom processor implements. Every callback must be safe to
 *  call from several threads at once. */
typedef struct otelc_span_processor_ops {
  /** Optional. The span is writable; @p parent may be NULL. */
  void (*on_start)(void *self, otelc_span *span, const otelc_context *parent);
  /** Optional. Only sampled *or* record-only spans arrive here; retain the
   *  span to keep it. */
  void (*on_end)(void *self, otelc_span *span);
  otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
  void (*destroy)(void *self);
} otelc_span_processor_ops;

/** @brief Wrap a custom processor; ownership as otelc_span_exporter_new. */
OTELC_API otelc_status
otelc_span_processor_new(const otelc_span_processor_ops *ops, void *self,
                         otelc_span_processor **out);

/**
 * @brief A processor that exports each sampled span as it ends, on the
 * thread that ends it (calls serialised by a mutex). Takes ownership of
 * @p exporter (even on failure). Meant for tests and debugging.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status
otelc_simple_span_processor_new(otelc_span_exporter *exporter,
                                otelc_span_processor **out);

/** Batch processor settings. Zero fields take the defaults. */
typedef struct otelc_batch_opts {
  uint32_t max_queue_size;        /**< default 2048 */
  uint32_t max_export_batch_size; /**< default 512, at most the queue */
  uint32_t schedule_delay_ms;     /**< default 5000 */
  uint32_t export_timeout_ms;     /**< default 30000 */
  /** No background thread: the host calls otelc_span_processor_tick from
   *  its own loop. */
  bool manual_tick;
} otelc_batch_opts;

/**
 * @brief Defaults overridden by OTEL_BSP_SCHEDULE_DELAY,
 * OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_QUEUE_SIZE and
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE; invalid values are reported and ignored.
 */
OTELC_API void otelc_batch_opts_from_env(otelc_batch_opts *out);

/**
 * @brief A processor that queues sampled spans (bounded; a full queue
 * drops and counts, never blocks) and exports them in batches from a
 * background thread, or from otelc_span_processor_tick in manual mode.
 * Takes ownership of @p exporter (even on failure). After fork() the
 * child's queue is emptied and its thread restarted on first use.
 * @param opts may be NULL for the defaults.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM, OTELC_ERR_IO
 * (thread creation failed).
 */
OTELC_API otelc_status
otelc_batch_span_processor_new(otelc_span_exporter *exporter,
                               const otelc_batch_opts *opts,
                               otelc_span_processor **out);

/**
 * @brief For a manual-tick batch processor: export whatever is due (a full
 * batch, or the schedule delay elapsed) on the calling thread, at most
 * one batch per call. Does nothing for other processors.
 * @return OTELC_OK, OTELC_ERR_EXPORT, OTELC_ERR_SHUTDOWN.
 */
OTELC_API otelc_status otelc_span_processor_tick(otelc_span_processor *p);

/** Counters of a processor since creation. */
typedef struct otelc_span_processor_stats {
  uint64_t received;           /**< spans handed to on_end */
  uint64_t exported;           /**< spans in batches that succeeded */
  uint64_t export_failed;      /**< spans in batches that failed */
  uint64_t dropped_queue_full; /**< error.type=queue_full */
  uint64_t dropped_shutdown;   /**< error.type=already_shutdown */
  uint32_t queue_size;
  uint32_t queue_capacity;
} otelc_span_processor_stats;

/** @brief Read the counters (zeros for custom processors). Thread-safe. */
OTELC_API void otelc_span_processor_get_stats(const otelc_span_processor *p,
                                              otelc_span_processor_stats *out);

/** @brief Export what the processor holds and flush its exporter, bounded
 *  by @p timeout_ms. Thread-safe.
 *  @return OTELC_OK; OTELC_ERR_TIMEOUT when time ran out; OTELC_ERR_EXPORT
 *  when an export made by this flush failed (the spans are counted in
 *  export_failed); the exporter's own flush status otherwise. */
OTELC_API otelc_status
otelc_span_processor_force_flush(otelc_span_processor *p, uint32_t timeout_ms);

/** @brief Shut down (first call only), bounded by @p timeout_ms. */
OTELC_API otelc_status
otelc_span_processor_shutdown(otelc_span_processor *p, uint32_t timeout_ms);

/** @brief Free a processor not handed to a provider (shuts it down first
 *  with a 5 s bound). NULL is ignored. */
OTELC_API void otelc_span_processor_free(otelc_span_processor *p);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SPAN_PROCESSOR_H */
