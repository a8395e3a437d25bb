/* Exporter handles' common lifecycle (see hooks.h). */
#include "common/hooks.h"

void *otelc__hooks_wrapper_new(size_t size, bool valid,
                               const otelc__hooks *hooks, otelc_status *st) {
  void *w = valid ? otelc__calloc(1, size) : NULL;
  if (!w) {
    otelc__hooks_destroy(hooks);
    *st = valid ? OTELC_ERR_NOMEM : OTELC_ERR_INVALID_ARG;
  }
  return w;
}

otelc_status otelc__exporter_base_flush(otelc__exporter_base *b,
                                        uint32_t timeout_ms) {
  if (atomic_load(&b->shut))
    return OTELC_ERR_SHUTDOWN;
  return otelc__hooks_flush(&b->hooks, timeout_ms);
}

otelc_status otelc__exporter_base_shutdown(otelc__exporter_base *b,
                                           uint32_t timeout_ms) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&b->shut, &expected, 1))
    return OTELC_ERR_SHUTDOWN;
  return otelc__hooks_shutdown(&b->hooks, timeout_ms);
}

void otelc__exporter_base_free(otelc__exporter_base *b, uint32_t shutdown_ms) {
  if (!b)
    return;
  if (!atomic_load(&b->shut))
    otelc__exporter_base_shutdown(b, shutdown_ms);
  otelc__hooks_destroy(&b->hooks);
  otelc__free(b);
}

otelc_status otelc__exporter_base_flush_cb(void *exporter,
                                           uint32_t timeout_ms) {
  return otelc__exporter_base_flush(exporter, timeout_ms);
}

otelc_status otelc__exporter_base_shutdown_cb(void *exporter,
                                              uint32_t timeout_ms) {
  return otelc__exporter_base_shutdown(exporter, timeout_ms);
}

void otelc__exporter_base_free_cb(void *exporter) {
  otelc__exporter_base_free(exporter, OTELC__EXPORTER_FREE_SHUTDOWN_MS);
}
