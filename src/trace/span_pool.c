/* Span records are recycled: a per-thread cache in front of a global free
 * list, so that the steady state takes no lock per span and calls malloc
 * for none. */
#include <stddef.h>

#include "trace/trace_internal.h"

#define CACHE_MAX 64     /* spans a thread keeps for itself */
#define CACHE_MOVE 32    /* spans moved to/from the global list at once */
#define GLOBAL_MAX 16384 /* free spans kept globally; beyond that: free() */

static pthread_mutex_t global_mu = PTHREAD_MUTEX_INITIALIZER;
static otelc_span *global_head;
static size_t global_count;

typedef struct cache {
  otelc_span *head;
  uint32_t count;
  bool registered; /* thread-exit destructor installed */
} cache;

static _Thread_local cache tls_cache;
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void give_back(otelc_span *head, uint32_t n) {
  /* Called with a list of n spans; keeps at most GLOBAL_MAX. */
  pthread_mutex_lock(&global_mu);
  while (head && global_count < GLOBAL_MAX) {
    otelc_span *next = head->next_free;
    head->next_free = global_head;
    global_head = head;
    global_count++;
    head = next;
    n--;
  }
  pthread_mutex_unlock(&global_mu);
  while (head) {
    otelc_span *next = head->next_free;
    otelc__free(head);
    head = next;
  }
  (void)n;
}

static void thread_exit(void *arg) {
  (void)arg;
  cache *c = &tls_cache;
  give_back(c->head, c->count);
  c->head = NULL;
  c->count = 0;
}

static void pool_prepare(void *arg) {
  (void)arg;
  pthread_mutex_lock(&global_mu);
}
static void pool_parent(void *arg) {
  (void)arg;
  pthread_mutex_unlock(&global_mu);
}
static void pool_child(void *arg) {
  (void)arg;
  pthread_mutex_unlock(&global_mu);
}

static void make_key(void) {
  pthread_key_create(&exit_key, thread_exit);
  static const otelc__fork_hooks hooks = {pool_prepare, pool_parent,
                                          pool_child};
  otelc__fork_register(&hooks, &global_mu);
}

static void register_thread(cache *c) {
  pthread_once(&key_once, make_key);
  pthread_setspecific(exit_key, c);
  c->registered = true;
}

otelc_span *otelc__span_alloc(void) {
  cache *c = &tls_cache;
  otelc_span *s = c->head;
  if (OTELC__LIKELY(s != NULL)) {
    c->head = s->next_free;
    c->count--;
    return s;
  }
  if (OTELC__UNLIKELY(!c->registered))
    register_thread(c);
  /* Refill from the global list. */
  pthread_mutex_lock(&global_mu);
  uint32_t moved = 0;
  while (global_head && moved < CACHE_MOVE) {
    otelc_span *g = global_head;
    global_head = g->next_free;
    global_count--;
    g->next_free = c->head;
    c->head = g;
    moved++;
  }
  pthread_mutex_unlock(&global_mu);
  if (moved) {
    c->count = moved;
    s = c->head;
    c->head = s->next_free;
    c->count--;
    return s;
  }
  s = otelc__malloc(sizeof *s);
  if (s) /* owned-resource fields start empty, as reset() leaves them */
    memset(s, 0, offsetof(otelc_span, inline_attrs));
  return s;
}

/* Called once the last reference is gone: release what the span owns. */
static void reset(otelc_span *s) {
  otelc__tstate_release(s->tracestate);
  s->tracestate = NULL;
  otelc__attr_list_free(&s->attrs);
  otelc__free(s->events);
  otelc__free(s->links);
  s->events = NULL;
  s->links = NULL;
  otelc__arena_reset(&s->arena, NULL, 0);
}

void otelc__span_free(otelc_span *s) {
  if (OTELC__UNLIKELY(s->flags & OTELC__SPAN_STATIC))
    return;
  reset(s);
  cache *c = &tls_cache;
  if (OTELC__UNLIKELY(!c->registered))
    register_thread(c);
  s->next_free = c->head;
  c->head = s;
  if (++c->count > CACHE_MAX) {
    /* Move the older half to the global list. */
    otelc_span *keep = c->head;
    for (uint32_t i = 1; i < CACHE_MAX - CACHE_MOVE; i++)
      keep = keep->next_free;
    otelc_span *move = keep->next_free;
    keep->next_free = NULL;
    uint32_t n = c->count - (CACHE_MAX - CACHE_MOVE);
    c->count = CACHE_MAX - CACHE_MOVE;
    give_back(move, n);
  }
}

otelc__tstate *otelc__tstate_new(const char *s, size_t len) {
  if (!s || len == 0 || len > UINT32_MAX - 1)
    return NULL;
  otelc__tstate *t = otelc__malloc(sizeof *t + len + 1);
  if (!t)
    return NULL;
  atomic_init(&t->refs, 1);
  t->len = (uint32_t)len;
  memcpy(t->s, s, len);
  t->s[len] = '\0';
  return t;
}

void otelc__tstate_release(otelc__tstate *t) {
  if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
    otelc__free(t);
}
