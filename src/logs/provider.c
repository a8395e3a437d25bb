/* Logger provider, loggers per scope, the global provider with the
 * proxies that follow it, record limits, flush and shutdown. */
#include "common/env.h"
#include "logs/logs_internal.h"

/* The provider given when OTEL_SDK_DISABLED is true, and the logger of
 * every provider that keeps nothing: shared, never freed, no processors,
 * so that nothing done with them allocates. */
static otelc_logger_provider noop_provider = {.disabled = true};
static otelc_logger noop_logger = {.provider = &noop_provider,
                                   .scope = {.name = ""}};

/* ---------------------------------------------------------------- limits -- */

void otelc_log_limits_from_env(otelc_log_limits *out) {
  if (!out)
    return;
  out->attr_count = 128;
  out->attr_value_length = UINT32_MAX;
  otelc__env_limit("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
                   otelc__env_general_limit("OTEL_ATTRIBUTE_COUNT_LIMIT"),
                   &out->attr_count);
  otelc__env_limit(
      "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
      otelc__env_general_limit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"),
      &out->attr_value_length);
}

/* -------------------------------------------------------------- create -- */

static void free_processors(otelc_log_processor *const *procs, size_t n) {
  for (size_t i = 0; procs && i < n; i++)
    otelc_log_processor_free(procs[i]);
}

otelc_status otelc_logger_provider_new(const otelc_logger_provider_opts *opts,
                                       otelc_logger_provider **out) {
  static const otelc_logger_provider_opts none = {0};
  if (!opts)
    opts = &none;
  if (!out) {
    free_processors(opts->processors, opts->n_processors);
    return OTELC_ERR_INVALID_ARG;
  }
  *out = NULL;
  if (otelc__env_bool("OTEL_SDK_DISABLED", false)) {
    free_processors(opts->processors, opts->n_processors);
    *out = &noop_provider;
    return OTELC_OK;
  }
  otelc_logger_provider *p = otelc__calloc(1, sizeof *p);
  if (!p) {
    free_processors(opts->processors, opts->n_processors);
    return OTELC_ERR_NOMEM;
  }
  pthread_mutex_init(&p->mu, NULL);
  p->min_severity = opts->min_severity;
  p->trace_based = opts->trace_based;
  if (opts->limits)
    p->limits = *opts->limits;
  else
    otelc_log_limits_from_env(&p->limits);
  otelc_status st = OTELC_OK;
  if (opts->processors && opts->n_processors) {
    p->procs = otelc__calloc(opts->n_processors, sizeof *p->procs);
    if (!p->procs) {
      free_processors(opts->processors, opts->n_processors);
      st = OTELC_ERR_NOMEM;
    } else {
      for (size_t i = 0; i < opts->n_processors; i++)
        if (opts->processors[i])
          p->procs[p->n_procs++] = opts->processors[i];
    }
  }
  if (st == OTELC_OK) {
    if (opts->resource)
      p->resource = otelc_resource_ref(opts->resource);
    else
      st = otelc_resource_create(NULL, &p->resource);
  }
  if (st != OTELC_OK) {
    otelc_logger_provider_free(p);
    return st;
  }
  *out = p;
  return OTELC_OK;
}

/* ------------------------------------------------------------- loggers -- */

static bool scope_eq(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "") == 0;
}

static otelc_logger *logger_new(otelc_logger_provider *p,
                                const otelc_scope_info *scope) {
  otelc_logger *l = otelc__calloc(1, sizeof *l);
  if (!l)
    return NULL;
  l->provider = p;
  otelc__arena_init(&l->arena, NULL, 0);
  const char *name = scope->name ? scope->name : "";
  l->scope.name = otelc__arena_strndup(&l->arena, name, strlen(name));
  if (scope->version)
    l->scope.version =
        otelc__arena_strndup(&l->arena, scope->version, strlen(scope->version));
  if (scope->schema_url)
    l->scope.schema_url = otelc__arena_strndup(&l->arena, scope->schema_url,
                                               strlen(scope->schema_url));
  uint32_t dropped;
  otelc_status st = otelc__attrs_copy(&l->arena, scope->attrs, scope->n_attrs,
                                      UINT32_MAX, UINT32_MAX, &l->scope.attrs,
                                      &l->scope.n_attrs, &dropped);
  if (!l->scope.name || (scope->version && !l->scope.version) ||
      (scope->schema_url && !l->scope.schema_url) || st == OTELC_ERR_NOMEM) {
    otelc__arena_reset(&l->arena, NULL, 0);
    otelc__free(l);
    return NULL;
  }
  return l;
}

static void logger_free(otelc_logger *l) {
  otelc__arena_reset(&l->arena, NULL, 0);
  otelc__free(l);
}

/* The logger of @p scope in @p list, made if missing (caller holds the
 * list's lock). NULL when memory ran out. */
static otelc_logger *find_or_add(otelc_logger_provider *p, otelc_logger **list,
                                 const otelc_scope_info *scope) {
  for (otelc_logger *l = *list; l; l = l->next)
    if (scope_eq(l->scope.name, scope->name) &&
        scope_eq(l->scope.version, scope->version) &&
        scope_eq(l->scope.schema_url, scope->schema_url))
      return l;
  otelc_logger *l = logger_new(p, scope);
  if (!l)
    return NULL;
  l->next = *list;
  *list = l;
  return l;
}

otelc_logger *otelc_logger_provider_get_logger(otelc_logger_provider *p,
                                               const otelc_scope_info *scope) {
  static const otelc_scope_info empty = {0};
  if (!scope)
    scope = &empty;
  if (!p || p->disabled || atomic_load(&p->shut))
    return &noop_logger;
  if (!scope->name || !scope->name[0])
    otelc__warn("a logger was requested with an empty name");
  pthread_mutex_lock(&p->mu);
  otelc_logger *l = find_or_add(p, &p->loggers, scope);
  pthread_mutex_unlock(&p->mu);
  return l ? l : &noop_logger;
}

/* -------------------------------------------------------------- global -- */

static _Atomic(otelc_logger_provider *) global_provider;
static _Atomic unsigned global_gen = 1;
static pthread_mutex_t proxies_mu = PTHREAD_MUTEX_INITIALIZER;
static otelc_logger *proxies;

/* fork(): a thread that vanished may hold the lock; hold it across. */
static void proxies_prepare(void *arg) {
  (void)arg;
  pthread_mutex_lock(&proxies_mu);
}
static void proxies_parent(void *arg) {
  (void)arg;
  pthread_mutex_unlock(&proxies_mu);
}
static void proxies_child(void *arg) {
  (void)arg;
  pthread_mutex_init(&proxies_mu, NULL);
}

static pthread_once_t proxies_once = PTHREAD_ONCE_INIT;
static void proxies_init(void) {
  static const otelc__fork_hooks hooks = {proxies_prepare, proxies_parent,
                                          proxies_child};
  otelc__fork_register(&hooks, &proxies_mu);
}

void otelc_logger_provider_set_global(otelc_logger_provider *p) {
  pthread_once(&proxies_once, proxies_init);
  pthread_mutex_lock(&proxies_mu);
  atomic_store(&global_provider, p);
  atomic_fetch_add(&global_gen, 1);
  pthread_mutex_unlock(&proxies_mu);
}

otelc_logger_provider *otelc_logger_provider_global(void) {
  return atomic_load(&global_provider);
}

otelc_logger *otelc__logger_resolve(otelc_logger *proxy) {
  unsigned gen = atomic_load_explicit(&global_gen, memory_order_acquire);
  if (OTELC__LIKELY(atomic_load_explicit(&proxy->resolved_gen,
                                         memory_order_acquire) == gen))
    return atomic_load_explicit(&proxy->resolved, memory_order_relaxed);
  pthread_mutex_lock(&proxies_mu);
  gen = atomic_load(&global_gen);
  otelc_logger_provider *p = atomic_load(&global_provider);
  otelc_logger *real = NULL;
  if (p)
    real = otelc_logger_provider_get_logger(p, &proxy->scope);
  atomic_store_explicit(&proxy->resolved, real, memory_order_relaxed);
  atomic_store_explicit(&proxy->resolved_gen, gen, memory_order_release);
  pthread_mutex_unlock(&proxies_mu);
  return real;
}

otelc_logger *otelc_logger_get(const char *name, const char *version) {
  otelc_scope_info scope = {name, version, NULL, NULL, 0};
  if (!name || !name[0])
    otelc__warn("a logger was requested with an empty name");
  pthread_once(&proxies_once, proxies_init);
  pthread_mutex_lock(&proxies_mu);
  otelc_logger *l = find_or_add(NULL, &proxies, &scope);
  pthread_mutex_unlock(&proxies_mu);
  return l ? l : &noop_logger;
}

/* ------------------------------------------------------ flush/shutdown -- */

static uint64_t deadline_after(uint32_t ms) {
  return otelc__mono_ns() + (uint64_t)ms * 1000000ull;
}

static uint32_t ms_left(uint64_t deadline) {
  uint64_t now = otelc__mono_ns();
  return now >= deadline ? 0 : (uint32_t)((deadline - now) / 1000000ull);
}

static otelc_status worse(otelc_status a, otelc_status b) {
  return a != OTELC_OK ? a : b;
}

otelc_status otelc_logger_provider_force_flush(otelc_logger_provider *p,
                                               uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  uint64_t deadline = deadline_after(timeout_ms);
  otelc_status rc = OTELC_OK;
  for (size_t i = 0; i < p->n_procs; i++)
    rc = worse(rc,
               otelc_log_processor_force_flush(p->procs[i], ms_left(deadline)));
  return rc;
}

otelc_status otelc_logger_provider_shutdown(otelc_logger_provider *p,
                                            uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (p->disabled)
    return OTELC_OK; /* shared and stateless */
  int expected = 0;
  if (!atomic_compare_exchange_strong(&p->shut, &expected, 1))
    return OTELC_ERR_SHUTDOWN;
  uint64_t deadline = deadline_after(timeout_ms);
  otelc_status rc = OTELC_OK;
  for (size_t i = 0; i < p->n_procs; i++)
    rc =
        worse(rc, otelc_log_processor_shutdown(p->procs[i], ms_left(deadline)));
  return rc;
}

/* Free what records point at (loggers, resource) and the provider, once
 * nobody can read a record any more. */
static void provider_release(void *arg) {
  otelc_logger_provider *p = arg;
  if (atomic_fetch_sub(&p->holds, 1) != 1)
    return;
  otelc_logger *l = p->loggers;
  while (l) {
    otelc_logger *next = l->next;
    logger_free(l);
    l = next;
  }
  otelc_resource_release(p->resource);
  pthread_mutex_destroy(&p->mu);
  otelc__free(p);
}

void otelc_logger_provider_free(otelc_logger_provider *p) {
  if (!p || p == &noop_provider)
    return;
  if (atomic_load(&global_provider) == p) {
    otelc__warn("the global logger provider is being freed; unset first");
    otelc_logger_provider_set_global(NULL);
  }
  if (!atomic_load(&p->shut))
    otelc_logger_provider_shutdown(p, OTELC__LOG_DEFAULT_SHUTDOWN_MS);
  /* Export threads that shutdown abandoned keep the loggers and the
   * resource alive until they finish. */
  atomic_store(&p->holds, 1);
  for (size_t i = 0; i < p->n_procs; i++) {
    const otelc__log_proc_vtbl *vt = p->procs[i]->vt;
    atomic_fetch_add(&p->holds, 1);
    if (!vt->hold || !vt->hold(p->procs[i], provider_release, p))
      atomic_fetch_sub(&p->holds, 1);
  }
  free_processors(p->procs, p->n_procs);
  otelc__free(p->procs);
  p->procs = NULL;
  p->n_procs = 0;
  provider_release(p);
}
