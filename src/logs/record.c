/* Log records: the per-thread pool they come from and the functions that
 * processors and exporters use on them. The pool is a per-thread cache in
 * front of a global stack of batches, so that the steady state takes no
 * lock per record and calls malloc for none. */
#include "common/tls.h"
#include "logs/logs_internal.h"

#define CACHE_MAX 128     /* records a thread keeps for itself */
#define CACHE_MOVE 64     /* records per batch moved to/from the global pool */
#define GLOBAL_BATCHES 64 /* batches kept globally; beyond that: free() */

__thread otelc__log_cache otelc__log_cache_data
    __attribute__((tls_model("initial-exec")));

/* Each batch is a list linked through next_free whose first record holds
 * the length, so that moving one in or out is O(1) under the spinlock. */
static atomic_flag global_lock = ATOMIC_FLAG_INIT;
static otelc_log_record *global_batches[GLOBAL_BATCHES];
static uint32_t global_n;

static inline void lock_pool(void) {
  while (atomic_flag_test_and_set_explicit(&global_lock, memory_order_acquire))
    ; /* held for a few instructions only */
}

static inline void unlock_pool(void) {
  atomic_flag_clear_explicit(&global_lock, memory_order_release);
}

static void free_list(otelc_log_record *head) {
  while (head) {
    otelc_log_record *next = head->next_free;
    otelc__free(head);
    head = next;
  }
}

/* Hand a list of @p n records to the global pool (or to the system when
 * the pool is full). Any thread. */
static void give_back(otelc_log_record *head, uint32_t n) {
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

/* Thread exit: the thread's cache goes back to the global pool, and the
 * convenience functions' buffers are freed. */
static void thread_exit(otelc__tls *t) {
  (void)t;
  otelc__log_cache *c = &otelc__log_cache_data;
  give_back(c->head, c->count);
  c->head = NULL;
  c->count = 0;
  otelc__logf_thread_exit();
}

/* fork(): the spinlock could be held by a thread that does not exist in
 * the child; holding it across fork() keeps the pool consistent. */
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

/* Make sure the calling thread's logs state is released when it exits. */
void otelc__log_thread_register(void) {
  pthread_once(&init_once, init_pool);
  otelc__tls *t = &otelc__tls_data;
  if (!t->registered)
    otelc__tls_register(t);
}

otelc_log_record *otelc__log_record_alloc_slow(void) {
  otelc__log_cache *c = &otelc__log_cache_data;
  otelc__log_thread_register();
  lock_pool();
  otelc_log_record *batch = global_n ? global_batches[--global_n] : NULL;
  unlock_pool();
  if (batch) {
    c->head = batch->next_free;
    c->count = batch->pool_count - 1;
    return batch;
  }
  otelc_log_record *r =
      otelc__malloc_aligned(_Alignof(otelc_log_record), sizeof *r);
  if (r) /* owned-resource fields start empty, as a released record's */
    memset(r, 0, offsetof(otelc_log_record, inline_attrs));
  return r;
}

void otelc__log_record_free(otelc_log_record *r) {
  /* Most records own nothing on the heap: only the first cache line is
   * read then. */
  if (OTELC__UNLIKELY(r->owns_heap)) {
    otelc__attr_list_free(&r->attrs);
    otelc__arena_reset(&r->arena, NULL, 0);
    r->owns_heap = false;
  }
  otelc__log_cache *c = &otelc__log_cache_data;
  /* A thread that only ever frees records (an export thread) must still
   * hand its cache back when it exits. */
  if (OTELC__UNLIKELY(c->head == NULL))
    otelc__log_thread_register();
  r->next_free = c->head;
  c->head = r;
  if (OTELC__UNLIKELY(++c->count > CACHE_MAX)) {
    /* The most recently freed records (likely in this core's cache) stay;
     * the older ones go to the global pool as one batch. */
    otelc_log_record *keep = c->head;
    for (uint32_t i = 1; i < CACHE_MAX - CACHE_MOVE; i++)
      keep = keep->next_free;
    otelc_log_record *move = keep->next_free;
    keep->next_free = NULL;
    uint32_t n = c->count - (CACHE_MAX - CACHE_MOVE);
    c->count = CACHE_MAX - CACHE_MOVE;
    give_back(move, n);
  }
}

/* ------------------------------------------------------------ accessors -- */

const otelc_log_data *otelc_log_record_data(const otelc_log_record *r) {
  return r ? &r->data : NULL;
}

otelc_status otelc__log_record_set(otelc_log_record *r, const otelc_attr *a) {
  otelc_status st =
      otelc__attr_list_set(&r->attrs, &r->arena, a, r->max_attrs, r->max_chars);
  if (OTELC__UNLIKELY(st == OTELC_ERR_LIMIT) && !r->warned) {
    r->warned = true;
    otelc__debug("log record: attribute '%s' dropped or truncated by a "
                 "limit",
                 a->key);
  }
  return st;
}

/* The common case of the caller's attributes, made fast: a new key whose
 * value is a scalar or a string within the length limit, with room in the
 * list. Key and value are copied with one arena reservation. Returns
 * false when the general path must decide (duplicate key, a limit, a
 * value to copy deeply or cut, a full list, an empty key). */
static inline bool append_simple(otelc_log_record *r, const otelc_attr *a,
                                 otelc_status *st) {
  otelc__attr_list *l = &r->attrs;
  const char *key = a->key;
  if (!key || !key[0] || l->count >= l->cap || l->count >= r->max_attrs)
    return false;
  size_t klen = strlen(key), vlen = 0;
  const otelc_value *v = &a->value;
  switch (v->type) {
  case OTELC_VALUE_INT:
  case OTELC_VALUE_DOUBLE:
  case OTELC_VALUE_BOOL:
    break;
  case OTELC_VALUE_STRING:
    if (!v->u.str)
      return false;
    vlen = v->len == OTELC_NTS ? strlen(v->u.str) : v->len;
    if (vlen > r->max_chars)
      return false;
    break;
  default:
    return false;
  }
  uint32_t h = otelc__key_hash(key, klen);
  for (uint32_t i = 0; i < l->count; i++)
    if (l->hashes[i] == h)
      return false; /* perhaps the same key: replaced by the general path */
  bool str = v->type == OTELC_VALUE_STRING;
  char *k = otelc__arena_bytes(&r->arena, klen + 1 + (str ? vlen + 1 : 0));
  if (OTELC__UNLIKELY(!k)) {
    *st = OTELC_ERR_NOMEM;
    return true;
  }
  memcpy(k, key, klen + 1);
  otelc_attr *slot = &l->items[l->count];
  slot->key = k;
  if (str) {
    char *s = k + klen + 1;
    memcpy(s, v->u.str, vlen);
    s[vlen] = '\0';
    slot->value = (otelc_value){OTELC_VALUE_STRING, vlen, {.str = s}};
  } else {
    slot->value = *v;
    slot->value.len = 0;
  }
  l->hashes[l->count++] = h;
  return true;
}

otelc_status otelc__log_record_add_attrs(otelc_log_record *r,
                                         const otelc_attr *attrs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    otelc_status st = OTELC_OK;
    if (!append_simple(r, &attrs[i], &st))
      st = otelc__log_record_set(r, &attrs[i]);
    /* Invalid keys are skipped; limits drop and count. */
    if (OTELC__UNLIKELY(st == OTELC_ERR_NOMEM))
      return st;
  }
  return OTELC_OK;
}

otelc_status otelc_log_record_set_attr(otelc_log_record *r,
                                       const otelc_attr *attr) {
  if (!r || !attr)
    return OTELC_ERR_INVALID_ARG;
  if (r->frozen)
    return OTELC_ERR_STATE;
  otelc_status st = otelc__log_record_set(r, attr);
  otelc__log_record_sync(r);
  return st;
}

void otelc_log_record_retain(otelc_log_record *r) {
  if (!r)
    return;
  /* A kept record may be read by another thread from now on. */
  if (!r->frozen)
    r->frozen = true;
  otelc__log_record_ref(r);
}

void otelc_log_record_release(otelc_log_record *r) {
  if (r)
    otelc__log_record_unref(r);
}
