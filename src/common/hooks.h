/*
 * What every exporter and custom processor supplied by a user has,
 * whatever its signal: an object and the optional force_flush, shutdown
 * and destroy callbacks that act on it (same signatures for spans, logs
 * and metrics). The exporter wrappers add the rule that an exporter
 * refuses work after shutdown and shuts down once.
 */
#ifndef OTELC_SRC_COMMON_HOOKS_H
#define OTELC_SRC_COMMON_HOOKS_H

#include <stdint.h>

#include "common/internal.h"

typedef struct otelc__hooks {
  void *self;
  otelc_status (*force_flush)(void *self, uint32_t timeout_ms); /* or NULL */
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);    /* or NULL */
  void (*destroy)(void *self);                                  /* or NULL */
} otelc__hooks;

static inline otelc_status otelc__hooks_flush(const otelc__hooks *h,
                                              uint32_t timeout_ms) {
  return h->force_flush ? h->force_flush(h->self, timeout_ms) : OTELC_OK;
}

static inline otelc_status otelc__hooks_shutdown(const otelc__hooks *h,
                                                 uint32_t timeout_ms) {
  return h->shutdown ? h->shutdown(h->self, timeout_ms) : OTELC_OK;
}

static inline void otelc__hooks_destroy(const otelc__hooks *h) {
  if (h->destroy)
    h->destroy(h->self);
}

/* Zeroed memory of @p size for a handle that wraps the object of
 * @p hooks. When @p valid is false (a required callback or argument is
 * missing) or memory is short, that object is destroyed, NULL returned
 * and *st set to OTELC_ERR_INVALID_ARG or OTELC_ERR_NOMEM. */
void *otelc__hooks_wrapper_new(size_t size, bool valid,
                               const otelc__hooks *hooks, otelc_status *st);

/* The head of a span or log exporter handle. */
typedef struct otelc__exporter_base {
  otelc__hooks hooks;
  _Atomic int shut;
} otelc__exporter_base;

static inline bool otelc__exporter_base_is_shut(otelc__exporter_base *b) {
  return atomic_load_explicit(&b->shut, memory_order_acquire) != 0;
}

/* OTELC_ERR_SHUTDOWN after shutdown, else the exporter's flush. */
otelc_status otelc__exporter_base_flush(otelc__exporter_base *b,
                                        uint32_t timeout_ms);
/* The first call shuts the exporter down; later ones return
 * OTELC_ERR_SHUTDOWN. */
otelc_status otelc__exporter_base_shutdown(otelc__exporter_base *b,
                                           uint32_t timeout_ms);
/* Shut down (bounded by @p shutdown_ms) unless done, destroy the object
 * and free the handle. NULL is ignored. */
void otelc__exporter_base_free(otelc__exporter_base *b, uint32_t shutdown_ms);

/* The same, as the batch engine's untyped exporter callbacks, for any
 * handle that starts with an otelc__exporter_base (the free shuts down
 * within OTELC__EXPORTER_FREE_SHUTDOWN_MS). */
#define OTELC__EXPORTER_FREE_SHUTDOWN_MS 5000u
otelc_status otelc__exporter_base_flush_cb(void *exporter, uint32_t timeout_ms);
otelc_status otelc__exporter_base_shutdown_cb(void *exporter,
                                              uint32_t timeout_ms);
void otelc__exporter_base_free_cb(void *exporter);

#endif /* OTELC_SRC_COMMON_HOOKS_H */
