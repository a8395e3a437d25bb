/* The exporter wrapper, custom processors and the simple processor. */
#include "trace/trace_internal.h"

#define DEFAULT_SHUTDOWN_MS 5000

/* ------------------------------------------------------------ exporter -- */

otelc_status otelc_span_exporter_new(const otelc_span_exporter_ops *ops,
                                     void *self, otelc_span_exporter **out) {
  if (!ops)
    return OTELC_ERR_INVALID_ARG;
  otelc__hooks hooks = {self, ops->force_flush, ops->shutdown, ops->destroy};
  otelc_status st = OTELC_OK;
  otelc_span_exporter *e = otelc__hooks_wrapper_new(
      sizeof *e, ops->export_spans && out, &hooks, &st);
  if (!e)
    return st;
  e->base.hooks = hooks;
  e->export_spans = ops->export_spans;
  *out = e;
  return OTELC_OK;
}

otelc_status otelc__exporter_export(otelc_span_exporter *e,
                                    otelc_span *const *spans, size_t n,
                                    uint32_t timeout_ms) {
  if (otelc__exporter_base_is_shut(&e->base))
    return OTELC_ERR_SHUTDOWN;
  return e->export_spans(e->base.hooks.self, spans, n, timeout_ms);
}

otelc_status otelc__exporter_flush(otelc_span_exporter *e,
                                   uint32_t timeout_ms) {
  return otelc__exporter_base_flush(&e->base, timeout_ms);
}

otelc_status otelc__exporter_shutdown(otelc_span_exporter *e,
                                      uint32_t timeout_ms) {
  return otelc__exporter_base_shutdown(&e->base, timeout_ms);
}

void otelc_span_exporter_free(otelc_span_exporter *e) {
  otelc__exporter_base_free(e ? &e->base : NULL,
                            OTELC__EXPORTER_FREE_SHUTDOWN_MS);
}

/* --------------------------------------------------- processor common -- */

void otelc_span_processor_get_stats(const otelc_span_processor *p,
                                    otelc_span_processor_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (p && p->vt->stats)
    p->vt->stats(p, out);
}

otelc_status otelc_span_processor_force_flush(otelc_span_processor *p,
                                              uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  return p->vt->force_flush ? p->vt->force_flush(p, timeout_ms) : OTELC_OK;
}

otelc_status otelc_span_processor_shutdown(otelc_span_processor *p,
                                           uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&p->shut, &expected, 1))
    return OTELC_ERR_SHUTDOWN;
  return p->vt->shutdown ? p->vt->shutdown(p, timeout_ms) : OTELC_OK;
}

otelc_status otelc_span_processor_tick(otelc_span_processor *p) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  return p->vt->tick ? p->vt->tick(p) : OTELC_OK;
}

void otelc_span_processor_free(otelc_span_processor *p) {
  if (!p)
    return;
  if (!atomic_load(&p->shut))
    otelc_span_processor_shutdown(p, DEFAULT_SHUTDOWN_MS);
  p->vt->destroy(p);
}

/* ----------------------------------------------------- custom wrapper -- */

typedef struct custom {
  otelc_span_processor base;
  otelc__hooks hooks;
  void (*on_start)(void *self, otelc_span *span, const otelc_context *parent);
  void (*on_end)(void *self, otelc_span *span);
} custom;

static void custom_on_start(otelc_span_processor *p, otelc_span *s,
                            const otelc_context *parent) {
  custom *c = (custom *)p;
  c->on_start(c->hooks.self, s, parent);
}

static void custom_on_end(otelc_span_processor *p, otelc_span *s) {
  custom *c = (custom *)p;
  if (c->on_end && !atomic_load_explicit(&p->shut, memory_order_relaxed))
    c->on_end(c->hooks.self, s);
  otelc__span_unref(s);
}

static otelc_status custom_flush(otelc_span_processor *p, uint32_t ms) {
  return otelc__hooks_flush(&((custom *)p)->hooks, ms);
}

static otelc_status custom_shutdown(otelc_span_processor *p, uint32_t ms) {
  return otelc__hooks_shutdown(&((custom *)p)->hooks, ms);
}

static void custom_destroy(otelc_span_processor *p) {
  otelc__hooks_destroy(&((custom *)p)->hooks);
  otelc__free(p);
}

static const otelc__processor_vtbl custom_vt = {
    custom_on_start, custom_on_end, custom_flush, custom_shutdown, NULL, NULL,
    custom_destroy,  NULL};

otelc_status otelc_span_processor_new(const otelc_span_processor_ops *ops,
                                      void *self, otelc_span_processor **out) {
  if (!ops)
    return OTELC_ERR_INVALID_ARG;
  otelc__hooks hooks = {self, ops->force_flush, ops->shutdown, ops->destroy};
  otelc_status st = OTELC_OK;
  custom *c = otelc__hooks_wrapper_new(sizeof *c, out != NULL, &hooks, &st);
  if (!c)
    return st;
  c->base.vt = &custom_vt;
  c->base.wants_on_start = ops->on_start != NULL;
  c->hooks = hooks;
  c->on_start = ops->on_start;
  c->on_end = ops->on_end;
  *out = &c->base;
  return OTELC_OK;
}

/* ------------------------------------------------------------- simple -- */

typedef struct simple {
  otelc_span_processor base;
  otelc_span_exporter *exporter;
  pthread_mutex_t mu; /* serialises export calls */
  _Atomic uint64_t received, exported, failed, dropped_shutdown;
} simple;

static void simple_on_end(otelc_span_processor *p, otelc_span *s) {
  simple *sp = (simple *)p;
  if (s->flags & OTELC__SPAN_SAMPLED) {
    atomic_fetch_add_explicit(&sp->received, 1, memory_order_relaxed);
    if (atomic_load_explicit(&p->shut, memory_order_acquire)) {
      atomic_fetch_add_explicit(&sp->dropped_shutdown, 1, memory_order_relaxed);
    } else {
      pthread_mutex_lock(&sp->mu);
      otelc_status st = otelc__exporter_export(sp->exporter, &s, 1, 30000);
      pthread_mutex_unlock(&sp->mu);
      atomic_fetch_add_explicit(st == OTELC_OK ? &sp->exported : &sp->failed, 1,
                                memory_order_relaxed);
    }
  }
  otelc__span_unref(s);
}

static otelc_status simple_flush(otelc_span_processor *p, uint32_t ms) {
  simple *sp = (simple *)p;
  pthread_mutex_lock(&sp->mu);
  otelc_status st = otelc__exporter_flush(sp->exporter, ms);
  pthread_mutex_unlock(&sp->mu);
  return st;
}

static otelc_status simple_shutdown(otelc_span_processor *p, uint32_t ms) {
  simple *sp = (simple *)p;
  pthread_mutex_lock(&sp->mu);
  otelc_status st = otelc__exporter_shutdown(sp->exporter, ms);
  pthread_mutex_unlock(&sp->mu);
  return st;
}

static void simple_stats(const otelc_span_processor *p,
                         otelc_span_processor_stats *out) {
  simple *sp = (simple *)p;
  out->received = atomic_load(&sp->received);
  out->exported = atomic_load(&sp->exported);
  out->export_failed = atomic_load(&sp->failed);
  out->dropped_shutdown = atomic_load(&sp->dropped_shutdown);
}

static void simple_destroy(otelc_span_processor *p) {
  simple *sp = (simple *)p;
  otelc_span_exporter_free(sp->exporter);
  pthread_mutex_destroy(&sp->mu);
  otelc__free(sp);
}

static const otelc__processor_vtbl simple_vt = {
    NULL, simple_on_end, simple_flush,   simple_shutdown,
    NULL, simple_stats,  simple_destroy, "simple_span_processor"};

otelc_status otelc_simple_span_processor_new(otelc_span_exporter *exporter,
                                             otelc_span_processor **out) {
  if (!exporter || !out) {
    otelc_span_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  simple *sp = otelc__calloc(1, sizeof *sp);
  if (!sp) {
    otelc_span_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  sp->base.vt = &simple_vt;
  sp->exporter = exporter;
  pthread_mutex_init(&sp->mu, NULL);
  *out = &sp->base;
  return OTELC_OK;
}
