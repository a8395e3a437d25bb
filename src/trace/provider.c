/* Tracer provider, tracers, the global provider and span limits. */
#include "common/env.h"
#include "trace/trace_internal.h"

#define DEFAULT_SHUTDOWN_MS 5000

void otelc_span_limits_default(otelc_span_limits *out) {
  if (!out)
    return;
  out->attr_count = 128;
  out->attr_value_length = OTELC_NO_LIMIT;
  out->event_count = 128;
  out->link_count = 128;
  out->event_attr_count = 128;
  out->link_attr_count = 128;
}

void otelc_span_limits_from_env(otelc_span_limits *out) {
  if (!out)
    return;
  otelc_span_limits_default(out);
  /* Each general variable is read (and reported) once. */
  int64_t count = otelc__env_general_limit("OTEL_ATTRIBUTE_COUNT_LIMIT");
  int64_t length =
      otelc__env_general_limit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT");
  otelc__env_limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", count, &out->attr_count);
  otelc__env_limit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", length,
                   &out->attr_value_length);
  otelc__env_limit("OTEL_SPAN_EVENT_COUNT_LIMIT", -1, &out->event_count);
  otelc__env_limit("OTEL_SPAN_LINK_COUNT_LIMIT", -1, &out->link_count);
  otelc__env_limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", count,
                   &out->event_attr_count);
  otelc__env_limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", count,
                   &out->link_attr_count);
}

/* The decision a sampler always gives, or -1 if it depends on more. */
static int constant_decision(const otelc_sampler *s) {
  if (s->kind == OTELC__SAMPLER_ALWAYS_ON)
    return OTELC_SAMPLING_RECORD_AND_SAMPLE;
  if (s->kind == OTELC__SAMPLER_ALWAYS_OFF)
    return OTELC_SAMPLING_DROP;
  return -1;
}

static void precompute_decisions(otelc_tracer_provider *p) {
  const otelc_sampler *s = p->sampler;
  for (int i = 0; i < 5; i++)
    p->fast_decision[i] = (int8_t)(s->kind == OTELC__SAMPLER_PARENT_BASED
                                       ? constant_decision(s->d[i])
                                       : constant_decision(s));
}

static void free_processors(otelc_span_processor *const *procs, size_t n) {
  for (size_t i = 0; i < n; i++)
    otelc_span_processor_free(procs[i]);
}

otelc_status otelc_tracer_provider_new(const otelc_tracer_provider_opts *opts,
                                       otelc_tracer_provider **out) {
  static const otelc_tracer_provider_opts none = {0};
  if (!opts)
    opts = &none;
  if (!out) {
    otelc_sampler_free(opts->sampler);
    free_processors(opts->processors, opts->n_processors);
    return OTELC_ERR_INVALID_ARG;
  }
  *out = NULL;
  otelc_tracer_provider *p = otelc__calloc(1, sizeof *p);
  if (!p) {
    otelc_sampler_free(opts->sampler);
    free_processors(opts->processors, opts->n_processors);
    return OTELC_ERR_NOMEM;
  }
  pthread_mutex_init(&p->mu, NULL);
  p->disabled = otelc__env_bool("OTEL_SDK_DISABLED", false);
  p->sampler = opts->sampler;
  otelc_status st = OTELC_OK;
  if (p->disabled) {
    otelc_sampler_free(p->sampler);
    p->sampler = NULL;
    free_processors(opts->processors, opts->n_processors);
  } else {
    if (!p->sampler && !(p->sampler = otelc_sampler_from_env()))
      st = OTELC_ERR_NOMEM;
    else
      precompute_decisions(p);
    if (opts->limits)
      p->limits = *opts->limits;
    else
      otelc_span_limits_from_env(&p->limits);
    if (opts->id_generator && opts->id_generator->trace_id &&
        opts->id_generator->span_id) {
      p->idgen = *opts->id_generator;
      p->has_idgen = true;
    }
    if (opts->n_processors) {
      p->procs = otelc__calloc(opts->n_processors, sizeof *p->procs);
      if (!p->procs) {
        free_processors(opts->processors, opts->n_processors);
        st = OTELC_ERR_NOMEM;
      } else {
        for (size_t i = 0; i < opts->n_processors; i++) {
          if (!opts->processors[i])
            continue;
          p->procs[p->n_procs++] = opts->processors[i];
          if (opts->processors[i]->wants_on_start)
            p->any_on_start = true;
        }
      }
    }
    if (st == OTELC_OK) {
      if (opts->resource)
        p->resource = otelc_resource_ref(opts->resource);
      else
        st = otelc_resource_create(NULL, &p->resource);
    }
  }
  if (st != OTELC_OK) {
    otelc_tracer_provider_free(p);
    return st;
  }
  *out = p;
  return OTELC_OK;
}

static bool scope_eq(const char *a, const char *b) {
  if (!a || !b)
    return a == b || (!a && b && !b[0]) || (!b && a && !a[0]);
  return strcmp(a, b) == 0;
}

static otelc_tracer *tracer_new(otelc_tracer_provider *p,
                                const otelc_scope_info *scope) {
  otelc_tracer *t = otelc__calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->provider = p;
  otelc__arena_init(&t->arena, NULL, 0);
  const char *name = scope->name ? scope->name : "";
  t->scope.name = otelc__arena_strndup(&t->arena, name, strlen(name));
  if (scope->version)
    t->scope.version =
        otelc__arena_strndup(&t->arena, scope->version, strlen(scope->version));
  if (scope->schema_url)
    t->scope.schema_url = otelc__arena_strndup(&t->arena, scope->schema_url,
                                               strlen(scope->schema_url));
  uint32_t dropped;
  otelc_status st = otelc__attrs_copy(&t->arena, scope->attrs, scope->n_attrs,
                                      UINT32_MAX, UINT32_MAX, &t->scope.attrs,
                                      &t->scope.n_attrs, &dropped);
  if (!t->scope.name || (scope->version && !t->scope.version) ||
      (scope->schema_url && !t->scope.schema_url) || st == OTELC_ERR_NOMEM) {
    otelc__arena_reset(&t->arena, NULL, 0);
    otelc__free(t);
    return NULL;
  }
  return t;
}

static void tracer_free(otelc_tracer *t) {
  otelc__arena_reset(&t->arena, NULL, 0);
  otelc__free(t);
}

/* A tracer that records nothing: used after shutdown, when disabled, and
 * when memory runs out. Its provider has no processors. */
static otelc_tracer_provider noop_provider = {.disabled = true};
static otelc_tracer noop_tracer = {.provider = &noop_provider,
                                   .scope = {.name = ""}};

static otelc_tracer *find_or_add(otelc_tracer_provider *p, otelc_tracer **list,
                                 const otelc_scope_info *scope) {
  for (otelc_tracer *t = *list; t; t = t->next)
    if (scope_eq(t->scope.name, scope->name) &&
        scope_eq(t->scope.version, scope->version) &&
        scope_eq(t->scope.schema_url, scope->schema_url))
      return t;
  otelc_tracer *t = tracer_new(p, scope);
  if (!t)
    return NULL;
  t->next = *list;
  *list = t;
  return t;
}

otelc_tracer *otelc_tracer_provider_get_tracer(otelc_tracer_provider *p,
                                               const otelc_scope_info *scope) {
  static const otelc_scope_info empty = {0};
  if (!scope)
    scope = &empty;
  if (!scope->name || !scope->name[0])
    otelc__warn("a tracer was requested with an empty name");
  if (!p || p->disabled || atomic_load(&p->shut))
    return &noop_tracer;
  pthread_mutex_lock(&p->mu);
  otelc_tracer *t = find_or_add(p, &p->tracers, scope);
  pthread_mutex_unlock(&p->mu);
  return t ? t : &noop_tracer;
}

bool otelc_tracer_enabled(const otelc_tracer *t) {
  if (!t)
    return false;
  if (!t->provider)
    t = otelc__tracer_resolve((otelc_tracer *)t);
  if (!t)
    return false;
  const otelc_tracer_provider *p = t->provider;
  return !p->disabled && p->n_procs > 0 && !atomic_load(&p->shut);
}

const otelc_scope_info *otelc_tracer_scope(const otelc_tracer *t) {
  return t ? &t->scope : NULL;
}

const otelc_resource *
otelc_tracer_provider_resource(const otelc_tracer_provider *p) {
  return p ? p->resource : NULL;
}

/* ------------------------------------------------------------- global -- */

static _Atomic(otelc_tracer_provider *) global_provider;
static _Atomic unsigned global_gen = 1;
static pthread_mutex_t proxies_mu = PTHREAD_MUTEX_INITIALIZER;
static otelc_tracer *proxies;

void otelc_tracer_provider_set_global(otelc_tracer_provider *p) {
  pthread_mutex_lock(&proxies_mu);
  atomic_store(&global_provider, p);
  atomic_fetch_add(&global_gen, 1);
  pthread_mutex_unlock(&proxies_mu);
}

otelc_tracer_provider *otelc_tracer_provider_global(void) {
  return atomic_load(&global_provider);
}

otelc_tracer *otelc__tracer_resolve(otelc_tracer *proxy) {
  unsigned gen = atomic_load_explicit(&global_gen, memory_order_acquire);
  if (OTELC__LIKELY(atomic_load_explicit(&proxy->resolved_gen,
                                         memory_order_acquire) == gen))
    return atomic_load_explicit(&proxy->resolved, memory_order_relaxed);
  pthread_mutex_lock(&proxies_mu);
  gen = atomic_load(&global_gen);
  otelc_tracer_provider *p = atomic_load(&global_provider);
  otelc_tracer *real = NULL;
  if (p)
    real = otelc_tracer_provider_get_tracer(p, &proxy->scope);
  atomic_store_explicit(&proxy->resolved, real, memory_order_relaxed);
  atomic_store_explicit(&proxy->resolved_gen, gen, memory_order_release);
  pthread_mutex_unlock(&proxies_mu);
  return real;
}

otelc_tracer *otelc_tracer_get(const char *name, const char *version) {
  otelc_scope_info scope = {name, version, NULL, NULL, 0};
  if (!name || !name[0])
    otelc__warn("a tracer was requested with an empty name");
  pthread_mutex_lock(&proxies_mu);
  otelc_tracer *t = find_or_add(NULL, &proxies, &scope);
  pthread_mutex_unlock(&proxies_mu);
  return t ? t : &noop_tracer;
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

otelc_status otelc_tracer_provider_force_flush(otelc_tracer_provider *p,
                                               uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  if (atomic_load(&p->shut))
    return OTELC_ERR_SHUTDOWN;
  uint64_t deadline = deadline_after(timeout_ms);
  otelc_status rc = OTELC_OK;
  for (size_t i = 0; i < p->n_procs; i++)
    rc = worse(
        rc, otelc_span_processor_force_flush(p->procs[i], ms_left(deadline)));
  return rc;
}

otelc_status otelc_tracer_provider_shutdown(otelc_tracer_provider *p,
                                            uint32_t timeout_ms) {
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&p->shut, &expected, 1))
    return OTELC_ERR_SHUTDOWN;
  uint64_t deadline = deadline_after(timeout_ms);
  otelc_status rc = OTELC_OK;
  for (size_t i = 0; i < p->n_procs; i++)
    rc = worse(rc,
               otelc_span_processor_shutdown(p->procs[i], ms_left(deadline)));
  return rc;
}

/* Free what spans point at (tracers, resource) and the provider, once
 * nobody can read a span any more. */
static void provider_release(void *arg) {
  otelc_tracer_provider *p = arg;
  if (atomic_fetch_sub(&p->holds, 1) != 1)
    return;
  otelc_tracer *t = p->tracers;
  while (t) {
    otelc_tracer *next = t->next;
    tracer_free(t);
    t = next;
  }
  otelc_resource_release(p->resource);
  pthread_mutex_destroy(&p->mu);
  otelc__free(p);
}

void otelc_tracer_provider_free(otelc_tracer_provider *p) {
  if (!p || p == &noop_provider)
    return;
  if (atomic_load(&global_provider) == p) {
    otelc__warn("the global tracer provider is being freed; unset first");
    otelc_tracer_provider_set_global(NULL);
  }
  if (!atomic_load(&p->shut))
    otelc_tracer_provider_shutdown(p, DEFAULT_SHUTDOWN_MS);
  /* Export threads that shutdown abandoned keep the tracers and the
   * resource alive until they finish. */
  atomic_store(&p->holds, 1);
  for (size_t i = 0; i < p->n_procs; i++) {
    otelc_span_processor *sp = p->procs[i];
    atomic_fetch_add(&p->holds, 1);
    if (!sp->hold || !sp->hold(sp, provider_release, p))
      atomic_fetch_sub(&p->holds, 1);
  }
  free_processors(p->procs, p->n_procs);
  otelc__free(p->procs);
  p->procs = NULL;
  p->n_procs = 0;
  otelc_sampler_free(p->sampler);
  p->sampler = NULL;
  provider_release(p);
}
