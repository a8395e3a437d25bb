/* The log exporter wrapper, the functions common to every processor,
 * custom processors and the simple processor. */
#include "logs/logs_internal.h"

/* ------------------------------------------------------------ exporter -- */

otelc_status otelc_log_exporter_new(const otelc_log_exporter_ops *ops,
                                    void *self, otelc_log_exporter **out) {
  if (!ops || !ops->export_logs || !out) {
    if (ops && ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc_log_exporter *e = otelc__calloc(1, sizeof *e);
  if (!e) {
    if (ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_NOMEM;
  }
  e->ops = *ops;
  e->self = self;
  *out = e;
  return OTELC_OK;
}

otelc_status otelc__log_exporter_export(otelc_log_exporter *e,
                                        otelc_log_record *const *records,
                                        size_t n, uint32_t timeout_ms) {
  if (atomic_load_explicit(&e->shut, memory_order_acquire))
    return OTELC_ERR_SHUTDOWN;
  return e->ops.export_logs(e->self, records, n, timeout_ms);
}

otelc_status otelc__log_exporter_flush(otelc_log_exporter *e,
                                       uint32_t timeout_ms) {
  if (atomic_load(&e->shut))
    return OTELC_ERR_SHUTDOWN;
  return e->ops.force_flush ? e->ops.force_flush(e->self, timeout_ms)
                            : OTELC_OK;
}

otelc_status otelc__log_exporter_shutdown(otelc_log_exporter *e,
                                          uint32_t timeout_ms) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&e->shut, &expected, 1))
    return OTELC_ERR_SHUTDOWN;
  return e->ops.shutdown ? e->ops.shutdown(e->self, timeout_ms) : OTELC_OK;
}

void otelc_log_exporter_free(otelc_log_exporter *e) {
  if (!e)
    return;
  if (!atomic_load(&e->shut))
    otelc__log_exporter_shutdown(e, OTELC__LOG_DEFAULT_SHUTDOWN_MS);
  if (e->ops.destroy)
    e->ops.destroy(e->self);
  otelc__free(e);
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
  otelc_log_processor_ops ops;
  void *self;
  _Atomic uint64_t received, dropped_shutdown;
} custom;

static void custom_on_emit(otelc_log_processor *p, otelc_log_record *r,
                           const otelc_context *ctx) {
  custom *c = (custom *)p;
  atomic_fetch_add_explicit(&c->received, 1, memory_order_relaxed);
  if (atomic_load_explicit(&p->shut, memory_order_relaxed))
    atomic_fetch_add_explicit(&c->dropped_shutdown, 1, memory_order_relaxed);
  else if (c->ops.on_emit)
    c->ops.on_emit(c->self, r, ctx);
  otelc__log_record_unref(r);
}

static otelc_status custom_flush(otelc_log_processor *p, uint32_t ms) {
  custom *c = (custom *)p;
  return c->ops.force_flush ? c->ops.force_flush(c->self, ms) : OTELC_OK;
}

static otelc_status custom_shutdown(otelc_log_processor *p, uint32_t ms) {
  custom *c = (custom *)p;
  return c->ops.shutdown ? c->ops.shutdown(c->self, ms) : OTELC_OK;
}

static void custom_stats(const otelc_log_processor *p,
                         otelc_log_processor_stats *out) {
  const custom *c = (const custom *)p;
  out->received = atomic_load(&c->received);
  out->dropped_shutdown = atomic_load(&c->dropped_shutdown);
}

static void custom_destroy(otelc_log_processor *p) {
  custom *c = (custom *)p;
  if (c->ops.destroy)
    c->ops.destroy(c->self);
  otelc__free(c);
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
  if (!ops || !out) {
    if (ops && ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_INVALID_ARG;
  }
  custom *c = otelc__calloc(1, sizeof *c);
  if (!c) {
    if (ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_NOMEM;
  }
  c->base.vt = &custom_vt;
  c->ops = *ops;
  c->self = self;
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
