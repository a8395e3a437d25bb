/* The log exporter wrapper, the functions common to every processor,
 * custom processors and the simple processor. */
#include "logs/logs_internal.h"

/* ------------------------------------------------------------ exporter -- */

otelc_status otelc_log_exporter_new(const otelc_log_exporter_ops *ops,
                                    void *self, otelc_log_exporter **out) {
  if (!ops)
    return OTELC_ERR_INVALID_ARG;
  otelc__hooks hooks = {self, ops->force_flush, ops->shutdown, ops->destroy};
  otelc_status st = OTELC_OK;
  otelc_log_exporter *e =
      otelc__hooks_wrapper_new(sizeof *e, ops->export_logs && out, &hooks, &st);
  if (!e)
    return st;
  e->base.hooks = hooks;
  e->export_logs = ops->export_logs;
  *out = e;
  return OTELC_OK;
}

otelc_status otelc__log_exporter_export(otelc_log_exporter *e,
                                        otelc_log_record *const *records,
                                        size_t n, uint32_t timeout_ms) {
  if (otelc__exporter_base_is_shut(&e->base))
    return OTELC_ERR_SHUTDOWN;
  return e->export_logs(e->base.hooks.self, records, n, timeout_ms);
}

otelc_status otelc__log_exporter_flush(otelc_log_exporter *e,
                                       uint32_t timeout_ms) {
  return otelc__exporter_base_flush(&e->base, timeout_ms);
}

otelc_status otelc__log_exporter_shutdown(otelc_log_exporter *e,
                                          uint32_t timeout_ms) {
  return otelc__exporter_base_shutdown(&e->base, timeout_ms);
}

void otelc_log_exporter_free(otelc_log_exporter *e) {
  otelc__exporter_base_free(e ? &e->base : NULL,
                            OTELC__EXPORTER_FREE_SHUTDOWN_MS);
}

/* --------------------------------------------------- processor common -- */

void otelc_log_processor_get_stats(const otelc_log_processor *p,
                                   otelc_log_processor_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (p && p->vt->stats)
    p->vt->stats(p, out);
}

otelc_status otelc_log_processor_force_flush(otelc_log_processor *p,
                                             uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  return p->vt->force_flush ? p->vt->force_flush(p, timeout_ms) : OTELC_OK;
}

otelc_status otelc_log_processor_shutdown(otelc_log_processor *p,
                                          uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&p->shut, &expected, 1))
    return OTELC_ERR_SHUTDOWN;
  return p->vt->shutdown ? p->vt->shutdown(p, timeout_ms) : OTELC_OK;
}

otelc_status otelc_log_processor_tick(otelc_log_processor *p) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  return p->vt->tick ? p->vt->tick(p) : OTELC_OK;
}

void otelc_log_processor_free(otelc_log_processor *p) {
  if (!p)
    return;
  if (!atomic_load(&p->shut))
    otelc_log_processor_shutdown(p, OTELC__LOG_DEFAULT_SHUTDOWN_MS);
  p->vt->destroy(p);
}

/* ------------------------------------------------------ custom wrapper -- */

typedef struct custom {
  otelc_log_processor base;
  otelc__hooks hooks;
  void (*on_emit)(void *self, otelc_log_record *r, const otelc_context *ctx);
  _Atomic uint64_t received, dropped_shutdown;
} custom;

static void custom_on_emit(otelc_log_processor *p, otelc_log_record *r,
                           const otelc_context *ctx) {
  custom *c = (custom *)p;
  atomic_fetch_add_explicit(&c->received, 1, memory_order_relaxed);
  if (atomic_load_explicit(&p->shut, memory_order_relaxed))
    atomic_fetch_add_explicit(&c->dropped_shutdown, 1, memory_order_relaxed);
  else if (c->on_emit)
    c->on_emit(c->hooks.self, r, ctx);
  otelc__log_record_unref(r);
}

static otelc_status custom_flush(otelc_log_processor *p, uint32_t ms) {
  return otelc__hooks_flush(&((custom *)p)->hooks, ms);
}

static otelc_status custom_shutdown(otelc_log_processor *p, uint32_t ms) {
  return otelc__hooks_shutdown(&((custom *)p)->hooks, ms);
}

static void custom_stats(const otelc_log_processor *p,
                         otelc_log_processor_stats *out) {
  const custom *c = (const custom *)p;
  out->received = atomic_load(&c->received);
  out->dropped_shutdown = atomic_load(&c->dropped_shutdown);
}

static void custom_destroy(otelc_log_processor *p) {
  otelc__hooks_destroy(&((custom *)p)->hooks);
  otelc__free(p);
}

static const otelc__log_proc_vtbl custom_vt = {
    .on_emit = custom_on_emit,
    .force_flush = custom_flush,
    .shutdown = custom_shutdown,
    .stats = custom_stats,
    .destroy = custom_destroy,
};

otelc_status otelc_log_processor_new(const otelc_log_processor_ops *ops,
                                     void *self, otelc_log_processor **out) {
  if (!ops)
    return OTELC_ERR_INVALID_ARG;
  otelc__hooks hooks = {self, ops->force_flush, ops->shutdown, ops->destroy};
  otelc_status st = OTELC_OK;
  custom *c = otelc__hooks_wrapper_new(sizeof *c, out != NULL, &hooks, &st);
  if (!c)
    return st;
  c->base.vt = &custom_vt;
  c->hooks = hooks;
  c->on_emit = ops->on_emit;
  *out = &c->base;
  return OTELC_OK;
}

/* -------------------------------------------------------------- simple -- */

typedef struct simple {
  otelc_log_processor base;
  otelc_log_exporter *exporter;
  pthread_mutex_t mu; /* serialises export calls */
  _Atomic uint64_t received, exported, failed, dropped_shutdown;
} simple;

#define SIMPLE_EXPORT_TIMEOUT_MS 30000

static void simple_on_emit(otelc_log_processor *p, otelc_log_record *r,
                           const otelc_context *ctx) {
  (void)ctx;
  simple *sp = (simple *)p;
  atomic_fetch_add_explicit(&sp->received, 1, memory_order_relaxed);
  if (atomic_load_explicit(&p->shut, memory_order_acquire)) {
    atomic_fetch_add_explicit(&sp->dropped_shutdown, 1, memory_order_relaxed);
  } else {
    pthread_mutex_lock(&sp->mu);
    otelc_status st = otelc__log_exporter_export(sp->exporter, &r, 1,
                                                 SIMPLE_EXPORT_TIMEOUT_MS);
    pthread_mutex_unlock(&sp->mu);
    atomic_fetch_add_explicit(st == OTELC_OK ? &sp->exported : &sp->failed, 1,
                              memory_order_relaxed);
  }
  otelc__log_record_unref(r);
}

static otelc_status simple_flush(otelc_log_processor *p, uint32_t ms) {
  simple *sp = (simple *)p;
  pthread_mutex_lock(&sp->mu);
  otelc_status st = otelc__log_exporter_flush(sp->exporter, ms);
  pthread_mutex_unlock(&sp->mu);
  return st;
}

static otelc_status simple_shutdown(otelc_log_processor *p, uint32_t ms) {
  simple *sp = (simple *)p;
  pthread_mutex_lock(&sp->mu);
  otelc_status st = otelc__log_exporter_shutdown(sp->exporter, ms);
  pthread_mutex_unlock(&sp->mu);
  return st;
}

static void simple_stats(const otelc_log_processor *p,
                         otelc_log_processor_stats *out) {
  const simple *sp = (const simple *)p;
  out->received = atomic_load(&sp->received);
  out->exported = atomic_load(&sp->exported);
  out->export_failed = atomic_load(&sp->failed);
  out->dropped_shutdown = atomic_load(&sp->dropped_shutdown);
}

static void simple_destroy(otelc_log_processor *p) {
  simple *sp = (simple *)p;
  otelc_log_exporter_free(sp->exporter);
  pthread_mutex_destroy(&sp->mu);
  otelc__free(sp);
}

static const otelc__log_proc_vtbl simple_vt = {
    .component_type = "simple_log_processor",
    .on_emit = simple_on_emit,
    .force_flush = simple_flush,
    .shutdown = simple_shutdown,
    .stats = simple_stats,
    .destroy = simple_destroy,
};

otelc_status otelc_simple_log_processor_new(otelc_log_exporter *exporter,
                                            otelc_log_processor **out) {
  if (!exporter || !out) {
    otelc_log_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  simple *sp = otelc__calloc(1, sizeof *sp);
  if (!sp) {
    otelc_log_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  sp->base.vt = &simple_vt;
  sp->exporter = exporter;
  pthread_mutex_init(&sp->mu, NULL);
  *out = &sp->base;
  return OTELC_OK;
}
