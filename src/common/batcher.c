/* The batching engine of the batch span and log processors (see
 * batcher.h). */
#include "common/batcher.h"

#include <sched.h>
#include <time.h>

/* ---------------------------------------------------------------- queue -- */

/* The single consumer (the export thread, or a caller holding export_mu)
 * takes up to @p max items; head is published once per call. */
static size_t dequeue_many(otelc__batcher *b, void **out, size_t max) {
  uint64_t pos = atomic_load_explicit(&b->head, memory_order_relaxed);
  size_t n = 0;
  while (n < max) {
    otelc__batcher_slot *sl = &b->slots[otelc__batcher_idx(b, pos)];
    uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    if (seq != pos + 1)
      break; /* empty, or a producer is still writing this slot */
    out[n++] = sl->item;
    atomic_store_explicit(&sl->seq, pos + b->cap, memory_order_release);
    pos++;
  }
  if (n)
    atomic_store_explicit(&b->head, pos, memory_order_release);
  return n;
}

static uint64_t queued(otelc__batcher *b) {
  uint64_t t = atomic_load(&b->tail), h = atomic_load(&b->head);
  return t > h ? t - h : 0;
}

/* --------------------------------------------------------------- export -- */

static uint32_t ms_until(uint64_t deadline) {
  uint64_t now = otelc__mono_ns();
  if (now >= deadline)
    return 0;
  uint64_t ms = (deadline - now) / 1000000ull;
  return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* Export up to one batch; returns how many items were taken. The caller
 * holds export_mu (or is the export thread). A zero timeout fails the
 * batch without calling the exporter. */
static size_t export_batch(otelc__batcher *b, uint32_t timeout_ms) {
  size_t n = dequeue_many(b, b->buf, b->o.max_export_batch_size);
  if (n == 0)
    return 0;
  otelc_status st =
      timeout_ms ? b->ops->export_items(b->exporter, b->buf, n, timeout_ms)
                 : OTELC_ERR_TIMEOUT;
  atomic_fetch_add_explicit(st == OTELC_OK ? &b->exported : &b->failed, n,
                            memory_order_relaxed);
  b->ops->release(b->buf, n);
  return n;
}

/* Export everything queued until empty or @p deadline; what is left when
 * time runs out is dropped and counted as failed. */
static void drain(otelc__batcher *b, uint64_t deadline) {
  for (;;) {
    uint32_t left = ms_until(deadline);
    uint32_t t = left < b->o.export_timeout_ms ? left : b->o.export_timeout_ms;
    if (export_batch(b, t) == 0)
      break;
  }
}

/* The caller's thread drains and then flushes or shuts the exporter
 * down, bounded by @p deadline. */
static otelc_status drain_then(otelc__batcher *b, uint64_t deadline,
                               otelc_status (*then)(void *, uint32_t)) {
  pthread_mutex_lock(&b->export_mu);
  drain(b, deadline);
  otelc_status st = then(b->exporter, ms_until(deadline));
  pthread_mutex_unlock(&b->export_mu);
  return st;
}

/* --------------------------------------------------------------- worker -- */

static void free_batcher(otelc__batcher *b);

/* True when woken before the deadline (monotonic ns). */
static bool timed_wait(pthread_cond_t *c, pthread_mutex_t *m,
                       uint64_t deadline) {
  struct timespec ts = {(time_t)(deadline / 1000000000ull),
                        (long)(deadline % 1000000000ull)};
  return pthread_cond_timedwait(c, m, &ts) == 0;
}

/* Whether a full batch is queued, read from the one slot whose
 * publication completes it (reading the tail instead would pull that
 * cache line away from the producers). */
static bool batch_ready(otelc__batcher *b) {
  uint64_t last = atomic_load_explicit(&b->head, memory_order_relaxed) +
                  b->o.max_export_batch_size - 1;
  return atomic_load_explicit(&b->slots[otelc__batcher_idx(b, last)].seq,
                              memory_order_acquire) == last + 1;
}

/* Under sustained load the next batch is usually a few hundred
 * microseconds away: yield instead of sleeping (no futex wake for the
 * producer, no scheduler latency). Gives up after about a millisecond. */
static void await_next_batch(otelc__batcher *b) {
  uint64_t until = otelc__mono_ns() + 1000000ull;
  while (!batch_ready(b) && otelc__mono_ns() < until &&
         !atomic_load_explicit(&b->flush_pending, memory_order_relaxed) &&
         !atomic_load_explicit(b->shut, memory_order_relaxed))
    sched_yield();
}

/* The queue counts a slot as soon as a producer claims it, a moment
 * before the item is written into it. When a full batch is counted, wait
 * for the last of its slots to be filled, so that the batch leaves whole
 * instead of split in two. A claimed slot is always filled (its producer
 * is between two stores, and a fork rebuilds the queue), so the wait is
 * short unless that producer was preempted; it is bounded all the same. */
static void await_claimed(otelc__batcher *b) {
  uint64_t until = otelc__mono_ns() + 100000000ull;
  while (!batch_ready(b) && otelc__mono_ns() < until)
    sched_yield();
}

/* One round of the worker with b->mu held: export what is due. Returns
 * false when there was nothing to do. */
static bool worker_export(otelc__batcher *b, uint64_t now, uint64_t *next) {
  bool flush = b->flush_req != b->flush_done;
  uint64_t n = queued(b);
  if (!flush && n < b->o.max_export_batch_size && (n == 0 || now < *next))
    return false;
  uint64_t target = b->flush_req;
  pthread_mutex_unlock(&b->mu);
  if (!flush && n >= b->o.max_export_batch_size)
    await_claimed(b);
  pthread_mutex_lock(&b->export_mu);
  size_t taken = 0;
  otelc_status outcome = OTELC_OK;
  if (flush) {
    uint64_t failed = atomic_load(&b->failed);
    drain(b, otelc__mono_ns() + (uint64_t)b->o.export_timeout_ms * 1000000ull);
    otelc_status st = b->ops->flush(b->exporter, b->o.export_timeout_ms);
    outcome = atomic_load(&b->failed) != failed ? OTELC_ERR_EXPORT : st;
  } else {
    taken = export_batch(b, b->o.export_timeout_ms);
  }
  pthread_mutex_unlock(&b->export_mu);
  if (taken == b->o.max_export_batch_size)
    await_next_batch(b);
  pthread_mutex_lock(&b->mu);
  if (flush) {
    b->flush_done = target;
    b->flush_outcome = outcome;
    atomic_store(&b->flush_pending, b->flush_req != b->flush_done);
    pthread_cond_broadcast(&b->done);
  }
  *next = otelc__mono_ns() + (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  return true;
}

static void *worker(void *arg) {
  otelc__batcher *b = arg;
  const uint64_t delay = (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  pthread_mutex_lock(&b->mu);
  uint64_t next = otelc__mono_ns() + delay;
  bool early_armed = true;
  while (!b->stop) {
    uint64_t now = otelc__mono_ns();
    if (worker_export(b, now, &next)) {
      early_armed = true;
      continue;
    }
    if (now >= next)
      next = now + delay;
    /* Announce the wait, then look again: a producer that saw the worker
     * awake made its item visible before this second look. An armed
     * worker asks to be woken at a quarter batch, so that it is running
     * by the time the batch is full. */
    atomic_store(&b->sleeping, early_armed ? OTELC__BATCHER_SLEEP_EARLY
                                           : OTELC__BATCHER_SLEEP_FULL);
    bool woke = false;
    if (queued(b) < b->o.max_export_batch_size &&
        b->flush_req == b->flush_done && !b->stop)
      woke = timed_wait(&b->wake, &b->mu, next);
    atomic_store(&b->sleeping, OTELC__BATCHER_AWAKE);
    if (woke && early_armed && !b->stop && b->flush_req == b->flush_done &&
        queued(b) < b->o.max_export_batch_size) {
      pthread_mutex_unlock(&b->mu);
      await_next_batch(b);
      pthread_mutex_lock(&b->mu);
      /* Items arrive too slowly to fill a batch soon: until the next
       * export, only a full batch wakes the worker. */
      if (queued(b) < b->o.max_export_batch_size)
        early_armed = false;
    }
  }
  uint64_t deadline = b->stop_deadline;
  pthread_mutex_unlock(&b->mu);

  drain_then(b, deadline, b->ops->shutdown);

  pthread_mutex_lock(&b->mu);
  b->worker_exited = true;
  /* Abandoned by shutdown and already destroyed by its owner: the last
   * one out frees. */
  bool last = b->detached && b->destroyed;
  void (*release)(void *) = b->hold_release;
  void *release_arg = b->hold_arg;
  pthread_cond_broadcast(&b->done);
  pthread_mutex_unlock(&b->mu);
  if (last)
    free_batcher(b);
  if (release) /* no item is read any more */
    release(release_arg);
  return NULL;
}

static otelc_status start_worker(otelc__batcher *b) {
  b->fork_gen = atomic_load(&otelc__fork_generation);
  if (b->o.manual_tick)
    return OTELC_OK;
  b->worker_exited = false;
  b->stop = false;
  if (pthread_create(&b->thread, NULL, worker, b) != 0) {
    otelc__error("%s", b->ops->thread_error);
    return OTELC_ERR_IO;
  }
  b->thread_running = true;
  return OTELC_OK;
}

/* After fork(): restart the export thread in the child on first use. */
void otelc__batcher_restart_after_fork(otelc__batcher *b) {
  pthread_mutex_lock(&b->mu);
  if (b->fork_gen != atomic_load(&otelc__fork_generation) && !b->stop)
    start_worker(b);
  pthread_mutex_unlock(&b->mu);
}

/* ------------------------------------------------------------- producer -- */

void otelc__batcher_wake(otelc__batcher *b) {
  pthread_mutex_lock(&b->mu);
  pthread_cond_signal(&b->wake);
  pthread_mutex_unlock(&b->mu);
}

/* The diagnostics' formats are the caller's constants. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void warn_u(const char *fmt, unsigned v) { otelc__warn(fmt, v); }
#pragma GCC diagnostic pop

void otelc__batcher_reject(otelc__batcher *b, void *item) {
  atomic_fetch_add_explicit(&b->dropped_full, 1, memory_order_relaxed);
  if (!atomic_exchange_explicit(&b->warned_full, 1, memory_order_relaxed))
    warn_u(b->ops->full_warning, b->cap);
  b->ops->release(&item, 1);
}

void otelc__batcher_drop_shutdown(otelc__batcher *b, void *item) {
  atomic_fetch_add_explicit(&b->dropped_shutdown, 1, memory_order_relaxed);
  b->ops->release(&item, 1);
}

/* ------------------------------------------------------------- consumer -- */

otelc_status otelc__batcher_flush(otelc__batcher *b, uint32_t ms) {
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000ull;
  if (b->o.manual_tick) {
    /* The caller's thread does the work, bounded by the deadline. */
    uint64_t failed = atomic_load(&b->failed);
    otelc_status st = drain_then(b, deadline, b->ops->flush);
    if (queued(b))
      return OTELC_ERR_TIMEOUT;
    return atomic_load(&b->failed) != failed ? OTELC_ERR_EXPORT : st;
  }
  if (b->fork_gen != atomic_load(&otelc__fork_generation))
    otelc__batcher_restart_after_fork(b);
  pthread_mutex_lock(&b->mu);
  uint64_t mine = ++b->flush_req;
  atomic_store(&b->flush_pending, true);
  pthread_cond_signal(&b->wake);
  while (b->flush_done < mine && !b->worker_exited &&
         otelc__mono_ns() < deadline)
    timed_wait(&b->done, &b->mu, deadline);
  /* The outcome of the round that covered this request (a later one
   * when several flushes overlap). */
  otelc_status st =
      b->flush_done >= mine ? b->flush_outcome : OTELC_ERR_TIMEOUT;
  pthread_mutex_unlock(&b->mu);
  return st;
}

otelc_status otelc__batcher_tick(otelc__batcher *b) {
  if (!b->o.manual_tick)
    return OTELC_OK;
  uint64_t now = otelc__mono_ns();
  if (pthread_mutex_trylock(&b->export_mu) != 0)
    return OTELC_OK; /* another thread is exporting */
  uint64_t n = queued(b);
  uint64_t before = atomic_load(&b->failed);
  uint64_t delay = (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  if (n >= b->o.max_export_batch_size || (n > 0 && now >= b->next_export)) {
    if (n >= b->o.max_export_batch_size)
      await_claimed(b);
    export_batch(b, b->o.export_timeout_ms);
    b->next_export = otelc__mono_ns() + delay;
  } else if (n == 0) {
    b->next_export = now + delay;
  }
  pthread_mutex_unlock(&b->export_mu);
  return atomic_load(&b->failed) != before ? OTELC_ERR_EXPORT : OTELC_OK;
}

otelc_status otelc__batcher_shutdown(otelc__batcher *b, uint32_t ms) {
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000ull;
  if (b->o.manual_tick) {
    otelc_status st = drain_then(b, deadline, b->ops->shutdown);
    return queued(b) ? OTELC_ERR_TIMEOUT : st;
  }
  pthread_mutex_lock(&b->mu);
  if (!b->thread_running) {
    /* Never started in this process (a forked child that queued nothing
     * since): shut down here. */
    pthread_mutex_unlock(&b->mu);
    return drain_then(b, deadline, b->ops->shutdown);
  }
  b->stop = true;
  b->stop_deadline = deadline;
  pthread_cond_signal(&b->wake);
  while (!b->worker_exited && otelc__mono_ns() < deadline)
    timed_wait(&b->done, &b->mu, deadline);
  bool exited = b->worker_exited;
  if (!exited)
    b->detached = true;
  b->thread_running = false;
  pthread_mutex_unlock(&b->mu);
  if (exited) {
    pthread_join(b->thread, NULL);
    return OTELC_OK;
  }
  warn_u(b->ops->abandoned_warning, ms);
  pthread_detach(b->thread);
  return OTELC_ERR_TIMEOUT;
}

void otelc__batcher_get_stats(const otelc__batcher *cb,
                              otelc__batcher_stats *out) {
  otelc__batcher *b = (otelc__batcher *)cb;
  out->exported = atomic_load(&b->exported);
  out->export_failed = atomic_load(&b->failed);
  out->dropped_queue_full = atomic_load(&b->dropped_full);
  out->dropped_shutdown = atomic_load(&b->dropped_shutdown);
  out->received = b->received_base + atomic_load(&b->tail) +
                  out->dropped_queue_full + out->dropped_shutdown;
  out->queue_size = (uint32_t)queued(b);
  out->queue_capacity = b->cap;
}

/* ------------------------------------------------------------- lifetime -- */

static void free_batcher(otelc__batcher *b) {
  void *item;
  while (b->slots && dequeue_many(b, &item, 1))
    b->ops->release(&item, 1);
  b->ops->free_exporter(b->exporter);
  pthread_mutex_destroy(&b->mu);
  pthread_mutex_destroy(&b->export_mu);
  pthread_cond_destroy(&b->wake);
  pthread_cond_destroy(&b->done);
  otelc__free(b->slots);
  otelc__free(b->buf);
  otelc__free(b->owner);
}

void otelc__batcher_destroy(otelc__batcher *b) {
  otelc__fork_unregister(b);
  pthread_mutex_lock(&b->mu);
  b->destroyed = true;
  /* A detached worker that has not exited yet frees on its way out. */
  bool worker_frees = b->detached && !b->worker_exited;
  pthread_mutex_unlock(&b->mu);
  if (!worker_frees)
    free_batcher(b);
}

bool otelc__batcher_hold(otelc__batcher *b, void (*release)(void *),
                         void *arg) {
  pthread_mutex_lock(&b->mu);
  bool running = b->detached && !b->worker_exited && !b->hold_release;
  if (running) {
    b->hold_release = release;
    b->hold_arg = arg;
  }
  pthread_mutex_unlock(&b->mu);
  return running;
}

/* ------------------------------------------------------------------ fork -- */

/* Around fork() no export is in progress, so that the exporter's state
 * is consistent in the child; except behind an export thread that
 * shutdown abandoned, which may never return (the child re-creates the
 * locks either way). No path takes mu while holding export_mu. */
static void fork_prepare(void *arg) {
  otelc__batcher *b = arg;
  pthread_mutex_lock(&b->mu);
  b->fork_locked_export = !(b->detached && !b->worker_exited);
  if (b->fork_locked_export)
    pthread_mutex_lock(&b->export_mu);
}

static void fork_parent(void *arg) {
  otelc__batcher *b = arg;
  if (b->fork_locked_export)
    pthread_mutex_unlock(&b->export_mu);
  pthread_mutex_unlock(&b->mu);
}

static void init_sync(otelc__batcher *b) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->wake, &ca);
  pthread_cond_init(&b->done, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&b->mu, NULL);
  pthread_mutex_init(&b->export_mu, NULL);
}

static void fork_child(void *arg) {
  otelc__batcher *b = arg;
  /* The export thread does not exist here: fresh locks, an empty queue,
   * and a thread started again on first use. */
  init_sync(b);
  /* A producer that vanished in the fork may have claimed a slot without
   * filling it: rebuild the queue instead of draining it. */
  uint64_t head = atomic_load(&b->head), tail = atomic_load(&b->tail);
  for (uint64_t pos = head; pos != tail; pos++) {
    otelc__batcher_slot *sl = &b->slots[otelc__batcher_idx(b, pos)];
    if (atomic_load(&sl->seq) == pos + 1)
      b->ops->release(&sl->item, 1);
  }
  for (uint32_t i = 0; i < b->cap; i++)
    atomic_store(&b->slots[i].seq, i);
  b->received_base += tail;
  atomic_store(&b->head, 0);
  atomic_store(&b->tail, 0);
  b->thread_running = false;
  b->worker_exited = false;
  b->detached = false; /* an abandoned worker did not survive the fork */
  b->hold_release = NULL;
  b->flush_done = b->flush_req;
  atomic_store(&b->flush_pending, false);
  atomic_store(&b->sleeping, OTELC__BATCHER_AWAKE);
}

/* --------------------------------------------------------------- create -- */

otelc_status otelc__batcher_init(otelc__batcher *b, void *owner,
                                 const _Atomic int *shut,
                                 const otelc__batcher_ops *ops,
                                 void *exporter,
                                 const otelc__batcher_opts *o) {
  b->ops = ops;
  b->exporter = exporter;
  b->owner = owner;
  b->shut = shut;
  b->o = *o;
  b->cap = o->max_queue_size;
  b->early_wake = o->max_export_batch_size / 4 ? o->max_export_batch_size / 4
                                               : 1;
  b->mask = (b->cap & (b->cap - 1)) == 0 ? b->cap - 1 : 0;
  b->slots = otelc__calloc(b->cap, sizeof *b->slots);
  b->buf = otelc__calloc(o->max_export_batch_size, sizeof *b->buf);
  init_sync(b);
  if (!b->slots || !b->buf) {
    free_batcher(b);
    return OTELC_ERR_NOMEM;
  }
  for (uint32_t i = 0; i < b->cap; i++)
    atomic_init(&b->slots[i].seq, i);
  b->next_export =
      otelc__mono_ns() + (uint64_t)o->schedule_delay_ms * 1000000ull;
  otelc_status st = start_worker(b);
  if (st != OTELC_OK) {
    free_batcher(b);
    return st;
  }
  static const otelc__fork_hooks hooks = {fork_prepare, fork_parent,
                                          fork_child};
  otelc__fork_register(&hooks, b);
  return OTELC_OK;
}
