/* Meter provider and meters: creation, the global provider, flush,
 * shutdown, freeing, and fork handling. */
#include "common/env.h"
#include "metrics/metrics_internal.h"

static otelc_meter noop_meter = {.scope = {.name = ""}};

/* Index + 1 is the otelc_exemplar_filter. */
static const char *const filter_names[] = {"always_on", "always_off",
                                           "trace_based"};

static otelc_exemplar_filter filter_from_env(void) {
  int v = otelc__env_enum("OTEL_METRICS_EXEMPLAR_FILTER", filter_names,
                          OTELC__ARRAY_LEN(filter_names), 2);
  return (otelc_exemplar_filter)(v + 1);
}

static void free_readers(otelc_metric_reader *const *rs, size_t n) {
  for (size_t i = 0; i < n; i++)
    otelc_metric_reader_free(rs[i]);
}

/* ----------------------------------------------------------------- fork -- */

static void fork_prepare(void *arg) {
  otelc_meter_provider *p = arg;
  pthread_mutex_lock(&p->mu);
  pthread_mutex_lock(&p->cb_mu);
}

static void fork_parent(void *arg) {
  otelc_meter_provider *p = arg;
  pthread_mutex_unlock(&p->cb_mu);
  pthread_mutex_unlock(&p->mu);
}

static void init_cb_sync(otelc_meter_provider *p) {
  pthread_mutex_init(&p->cb_mu, NULL);
  pthread_cond_init(&p->cb_cv, NULL);
}

static void fork_child(void *arg) {
  otelc_meter_provider *p = arg;
  pthread_mutex_init(&p->mu, NULL);
  init_cb_sync(p);
  /* Callbacks that were running belong to threads that are gone. */
  for (otelc_callback_registration *r = p->cbs; r; r = r->next)
    r->running = 0;
  /* Locks of cells held by vanished threads. */
  for (otelc_meter *m = atomic_load(&p->meters); m; m = atomic_load(&m->next))
    for (otelc__inst *in = atomic_load(&m->insts); in;
         in = atomic_load(&in->next))
      for (uint32_t i = 0; i < in->n_stores; i++)
        otelc__store_after_fork(in->stores[i]);
}

void otelc__mp_after_fork(otelc_meter_provider *p) {
  pthread_mutex_lock(&p->mu);
  unsigned gen = atomic_load(&otelc__fork_generation);
  bool first = atomic_load(&p->fork_gen) != gen;
  atomic_store(&p->fork_gen, gen);
  pthread_mutex_unlock(&p->mu);
  if (!first)
    return;
  for (uint32_t i = 0; i < p->n_readers; i++)
    if (p->readers[i]->vt->after_fork)
      p->readers[i]->vt->after_fork(p->readers[i]);
}

/* --------------------------------------------------------------- create -- */

static otelc_status attach_readers(otelc_meter_provider *p,
                                   const otelc_meter_provider_opts *o) {
  size_t n = o->readers ? o->n_readers : 0;
  if (!n)
    return OTELC_OK;
  p->readers = otelc__calloc(n, sizeof *p->readers);
  otelc_status st = p->readers ? OTELC_OK : OTELC_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    otelc_metric_reader *r = o->readers[i];
    if (!r)
      continue;
    otelc_meter_provider *none = NULL;
    if (!atomic_compare_exchange_strong(&r->prov, &none, p)) {
      /* Not ours to free: it belongs to the other provider. */
      otelc__error("a metric reader can belong to one meter provider "
                   "only; it is already attached to another");
      st = OTELC_ERR_INVALID_ARG;
      continue;
    }
    if (st != OTELC_OK) {
      atomic_store(&r->prov, NULL);
      otelc_metric_reader_free(r);
      continue;
    }
    r->idx = p->n_readers;
    p->readers[p->n_readers++] = r;
  }
  return st;
}

otelc_status otelc_meter_provider_new(const otelc_meter_provider_opts *opts,
                                      otelc_meter_provider **out) {
  static const otelc_meter_provider_opts none = {0};
  const otelc_meter_provider_opts *o = opts ? opts : &none;
  if (!out) {
    free_readers(o->readers, o->readers ? o->n_readers : 0);
    return OTELC_ERR_INVALID_ARG;
  }
  *out = NULL;
  otelc_meter_provider *p = otelc__calloc(1, sizeof *p);
  if (!p) {
    free_readers(o->readers, o->readers ? o->n_readers : 0);
    return OTELC_ERR_NOMEM;
  }
  pthread_mutex_init(&p->mu, NULL);
  init_cb_sync(p);
  otelc__arena_init(&p->view_arena, NULL, 0);
  atomic_init(&p->refs, 1);
  atomic_init(&p->fork_gen, atomic_load(&otelc__fork_generation));
  p->disabled = otelc__env_bool("OTEL_SDK_DISABLED", false);
  if (p->disabled) {
    for (size_t i = 0; o->readers && i < o->n_readers; i++) {
      otelc_metric_reader_shutdown(o->readers[i], OTELC__DEFAULT_SHUTDOWN_MS);
      otelc_metric_reader_free(o->readers[i]);
    }
    *out = p;
    return OTELC_OK;
  }
  otelc_status st = attach_readers(p, o);
  if (st == OTELC_OK)
    st = otelc__views_copy(p, o->views, o->n_views);
  if (st == OTELC_OK) {
    otelc_exemplar_filter f = o->exemplar_filter;
    if ((unsigned)f > OTELC_EXEMPLAR_FILTER_TRACE_BASED) {
      otelc__warn("unknown exemplar filter %d; using trace_based", (int)f);
      f = OTELC_EXEMPLAR_FILTER_TRACE_BASED;
    } else if (f == OTELC_EXEMPLAR_FILTER_DEFAULT) {
      f = filter_from_env();
    }
    p->exemplar_filter = (uint8_t)f;
    if (o->resource)
      p->resource = otelc_resource_ref(o->resource);
    else
      st = otelc_resource_create(NULL, &p->resource);
  }
  if (st != OTELC_OK) {
    otelc_meter_provider_free(p);
    return st;
  }
  static const otelc__fork_hooks hooks = {fork_prepare, fork_parent,
                                          fork_child};
  otelc__fork_register(&hooks, p);
  *out = p;
  return OTELC_OK;
}

/* --------------------------------------------------------------- meters -- */

static bool scope_eq(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

static otelc_meter *meter_new(otelc_meter_provider *p,
                              const otelc_scope_info *scope) {
  otelc_meter *m = otelc__calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->prov = p;
  otelc__arena_init(&m->arena, NULL, 0);
  const char *name = scope->name ? scope->name : "";
  m->scope.name = otelc__arena_strndup(&m->arena, name, strlen(name));
  if (scope->version)
    m->scope.version =
        otelc__arena_strndup(&m->arena, scope->version, strlen(scope->version));
  if (scope->schema_url)
    m->scope.schema_url = otelc__arena_strndup(&m->arena, scope->schema_url,
                                               strlen(scope->schema_url));
  uint32_t dropped;
  otelc_status st = otelc__attrs_copy(&m->arena, scope->attrs, scope->n_attrs,
                                      UINT32_MAX, UINT32_MAX, &m->scope.attrs,
                                      &m->scope.n_attrs, &dropped);
  if (!m->scope.name || (scope->version && !m->scope.version) ||
      (scope->schema_url && !m->scope.schema_url) || st == OTELC_ERR_NOMEM) {
    otelc__arena_reset(&m->arena, NULL, 0);
    otelc__free(m);
    return NULL;
  }
  return m;
}

static void meter_free(otelc_meter *m) {
  otelc__inst *in = atomic_load(&m->insts);
  while (in) {
    otelc__inst *next = atomic_load(&in->next);
    otelc__inst_free(in);
    in = next;
  }
  otelc__arena_reset(&m->arena, NULL, 0);
  otelc__free(m);
}

otelc_meter *otelc_meter_provider_get_meter(otelc_meter_provider *p,
                                            const otelc_scope_info *scope) {
  static const otelc_scope_info empty = {0};
  if (!scope)
    scope = &empty;
  if (!scope->name || !scope->name[0])
    otelc__warn("a meter was requested with an empty name");
  if (!p || p->disabled || atomic_load(&p->shut))
    return &noop_meter;
  pthread_mutex_lock(&p->mu);
  otelc_meter *m = atomic_load(&p->meters);
  for (; m; m = atomic_load(&m->next))
    if (scope_eq(m->scope.name, scope->name) &&
        scope_eq(m->scope.version, scope->version) &&
        scope_eq(m->scope.schema_url, scope->schema_url))
      break;
  if (!m && (m = meter_new(p, scope)) != NULL) {
    if (p->meters_tail)
      atomic_store(&p->meters_tail->next, m);
    else
      atomic_store(&p->meters, m);
    p->meters_tail = m;
  }
  pthread_mutex_unlock(&p->mu);
  return m ? m : &noop_meter;
}

/* --------------------------------------------------------------- global -- */

static _Atomic(otelc_meter_provider *) global_provider;

void otelc_meter_provider_set_global(otelc_meter_provider *p) {
  atomic_store(&global_provider, p);
}

otelc_meter_provider *otelc_meter_provider_global(void) {
  return atomic_load(&global_provider);
}

otelc_meter *otelc_meter_get(const char *name, const char *version) {
  otelc_scope_info scope = {name, version, NULL, NULL, 0};
  otelc_meter_provider *p = atomic_load(&global_provider);
  if (!p) {
    if (!name || !name[0])
      otelc__warn("a meter was requested with an empty name");
    return &noop_meter;
  }
  return otelc_meter_provider_get_meter(p, &scope);
}

struct otelc_metric_reader *const *
otelc__meter_provider_readers(const otelc_meter_provider *p, size_t *n) {
  *n = p && !p->disabled ? p->n_readers : 0;
  return *n ? p->readers : NULL;
}

/* ------------------------------------------------------ flush/shutdown -- */

static uint32_t ms_left(uint64_t deadline) {
  uint64_t now = otelc__mono_ns();
  return now >= deadline ? 0 : (uint32_t)((deadline - now) / 1000000ull);
}

static otelc_status worse(otelc_status a, otelc_status b) {
  return a != OTELC_OK ? a : b;
}

otelc_status otelc_meter_provider_force_flush(otelc_meter_provider *p,
                                              uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  uint64_t deadline = otelc__mono_ns() + otelc__ms_to_ns(timeout_ms);
  otelc_status rc = OTELC_OK;
  for (uint32_t i = 0; i < p->n_readers; i++)
    rc = worse(
        rc, otelc_metric_reader_force_flush(p->readers[i], ms_left(deadline)));
  return rc;
}

otelc_status otelc_meter_provider_shutdown(otelc_meter_provider *p,
                                           uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  bool expected = false;
  if (!atomic_compare_exchange_strong(&p->shut, &expected, true))
    return OTELC_ERR_SHUTDOWN;
  uint64_t deadline = otelc__mono_ns() + otelc__ms_to_ns(timeout_ms);
  otelc_status rc = OTELC_OK;
  for (uint32_t i = 0; i < p->n_readers; i++)
    rc = worse(rc,
               otelc_metric_reader_shutdown(p->readers[i], ms_left(deadline)));
  return rc;
}

/* Free everything; the last reference is gone. */
static void provider_destroy(otelc_meter_provider *p) {
  otelc__fork_unregister(p);
  otelc__callbacks_free(p);
  otelc_bound *b = p->bounds;
  while (b) {
    otelc_bound *next = b->next;
    otelc__bound_destroy(b);
    b = next;
  }
  otelc_meter *m = atomic_load(&p->meters);
  while (m) {
    otelc_meter *next = atomic_load(&m->next);
    meter_free(m);
    m = next;
  }
  for (uint32_t i = 0; i < p->n_readers; i++) {
    otelc_metric_reader *r = p->readers[i];
    atomic_store(&r->prov, NULL);
    r->vt->destroy(r);
  }
  otelc__free(p->readers);
  otelc__free(p->views);
  otelc__arena_reset(&p->view_arena, NULL, 0);
  otelc_resource_release(p->resource);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->cb_mu);
  pthread_cond_destroy(&p->cb_cv);
  otelc__free(p);
}

void otelc__mp_release(otelc_meter_provider *p) {
  if (atomic_fetch_sub(&p->refs, 1) == 1)
    provider_destroy(p);
}

void otelc_meter_provider_free(otelc_meter_provider *p) {
  if (!p)
    return;
  if (atomic_load(&global_provider) == p) {
    otelc__warn("the global meter provider is being freed; unset first");
    otelc_meter_provider_set_global(NULL);
  }
  if (!p->disabled && !atomic_load(&p->shut))
    otelc_meter_provider_shutdown(p, OTELC__DEFAULT_SHUTDOWN_MS);
  otelc__mp_release(p);
}
