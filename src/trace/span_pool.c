/* Span records are recycled: a per-thread cache in front of a global free
 * list, so that the steady state takes no lock per span and calls malloc
 * for none. */
#include <stdatomic.h>
#include <stddef.h>

#include "common/blocks.h"
#include "common/tls.h"
#include "trace/trace_internal.h"

#define CACHE_MAX 128    /* spans a thread keeps for itself */
#define CACHE_MOVE 64    /* spans per batch moved to/from the global pool */
#define GLOBAL_BATCHES 64 /* batches kept globally (4096 spans, ~5 MB);
                            beyond that: free() */

/* The global pool is a stack of batches. Each batch is a list of spans
 * linked through next_free whose first span records the length, so that
 * moving a batch in or out is O(1) under a spinlock: nothing is walked
 * while it is held. */
static atomic_flag global_lock = ATOMIC_FLAG_INIT;
static otelc_span *global_batches[GLOBAL_BATCHES];
static uint32_t global_n;

static inline void lock_pool(void) {
  while (atomic_flag_test_and_set_explicit(&global_lock,
                                           memory_order_acquire))
    ; /* held for a few instructions only */
}

static inline void unlock_pool(void) {
  atomic_flag_clear_explicit(&global_lock, memory_order_release);
}

static void free_list(otelc_span *head) {
  while (head) {
    otelc_span *next = head->next_free;
    otelc__free(head);
    head = next;
  }
}

/* Hand a list of @p n spans to the global pool (or to the system when it
 * is full). */
static void give_back(otelc_span *head, uint32_t n) {
  if (!head)
    return;
  head->pool_count = n;
  lock_pool();
  bool kept = global_n < GLOBAL_BATCHES;
  if (kept)
    global_batches[global_n++] = head;
  unlock_pool();
  if (!kept)
    free_list(head);
}

static void thread_exit(otelc__tls *t) {
  give_back(t->cache_head, t->cache_count);
  t->cache_head = NULL;
  t->cache_count = 0;
}

/* fork(): the lock could be held by a thread that does not exist in the
 * child; taking it around fork() keeps the pool consistent. */
static void pool_prepare(void *arg) {
  (void)arg;
  lock_pool();
}
static void pool_unlock(void *arg) {
  (void)arg;
  unlock_pool();
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_pool(void) {
  otelc__tls_on_exit(thread_exit);
  static const otelc__fork_hooks hooks = {pool_prepare, pool_unlock,
                                          pool_unlock};
  otelc__fork_register(&hooks, &global_lock);
}

static void register_thread(otelc__tls *t) {
  pthread_once(&init_once, init_pool);
  otelc__tls_register(t);
}

/* Slow path of otelc__span_alloc: take a batch, else malloc. */
otelc_span *otelc__span_alloc_slow(void) {
  otelc__tls *c = &otelc__tls_data;
  if (OTELC__UNLIKELY(!c->registered))
    register_thread(c);
  lock_pool();
  otelc_span *batch = global_n ? global_batches[--global_n] : NULL;
  unlock_pool();
  if (batch) {
    c->cache_head = batch->next_free;
    c->cache_count = batch->pool_count - 1;
    return batch;
  }
  otelc_span *s = otelc__malloc_aligned(_Alignof(otelc_span), sizeof *s);
  if (s) /* owned-resource fields start empty, as reset() leaves them */
    memset(s, 0, offsetof(otelc_span, inline_attrs));
  return s;
}

/* Called once the last reference is gone: release what the span owns.
 * Only non-empty fields are touched; most spans own nothing on the heap. */
static inline void reset(otelc_span *s) {
  if (s->tracestate) {
    otelc__tstate_release(s->tracestate);
    s->tracestate = NULL;
  }
  /* Only the first cache line is read unless the span used the heap. */
  if (OTELC__UNLIKELY(s->owns_heap)) {
    otelc__attr_list_free(&s->attrs);
    otelc__free(s->events);
    otelc__free(s->links);
    s->events = NULL;
    s->links = NULL;
    otelc__arena_reset(&s->arena, NULL, 0);
    s->owns_heap = false;
  }
}

void otelc__span_free(otelc_span *s) {
  if (OTELC__UNLIKELY(s->flags & OTELC__SPAN_STATIC))
    return;
  reset(s);
  otelc__tls *c = &otelc__tls_data;
  /* A thread may only ever free spans (an export thread does): its cache
   * must still go back to the pool when it exits. */
  if (OTELC__UNLIKELY(!c->registered))
    register_thread(c);
  s->next_free = c->cache_head;
  c->cache_head = s;
  if (OTELC__UNLIKELY(++c->cache_count > CACHE_MAX)) {
    /* The most recently freed spans (still in this core's cache) stay;
     * the older ones go to the global pool as one batch. */
    otelc_span *keep = c->cache_head;
    for (uint32_t i = 1; i < CACHE_MAX - CACHE_MOVE; i++)
      keep = keep->next_free;
    otelc_span *move = keep->next_free;
    keep->next_free = NULL;
    uint32_t n = c->cache_count - (CACHE_MAX - CACHE_MOVE);
    c->cache_count = CACHE_MAX - CACHE_MOVE;
    give_back(move, n);
  }
}

/* Short tracestates (the usual case) live in a small block. */
static inline bool tstate_small(size_t len) {
  return sizeof(otelc__tstate) + len + 1 <= OTELC__BLOCK_SIZE(OTELC__BLOCK_128);
}

otelc__tstate *otelc__tstate_new(const char *s, size_t len) {
  if (!s || len == 0 || len > UINT32_MAX - 1)
    return NULL;
  otelc__tstate *t = tstate_small(len)
                         ? otelc__block_alloc(OTELC__BLOCK_128)
                         : otelc__malloc(sizeof *t + len + 1);
  if (!t)
    return NULL;
  atomic_init(&t->refs, 1);
  t->len = (uint32_t)len;
  memcpy(t->s, s, len);
  t->s[len] = '\0';
  return t;
}

void otelc__tstate_release(otelc__tstate *t) {
  if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (tstate_small(t->len))
    otelc__block_free(t, OTELC__BLOCK_128);
  else
    otelc__free(t);
}
