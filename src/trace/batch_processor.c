/* The batch span processor: a bounded lock-free queue filled by the
 * threads that end spans, drained in batches by one export thread (or by
 * the host's own loop through otelc_span_processor_tick). */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "common/env.h"
#include "trace/trace_internal.h"

typedef struct slot {
  _Atomic uint64_t seq;
  otelc_span *span;
} slot;

/* Values of batch.sleeping. */
enum { SLEEP_NONE = 0, SLEEP_EARLY = 1, SLEEP_FULL = 2 };

typedef struct batch {
  otelc_span_processor base;
  otelc_span_exporter *exporter;
  otelc_batch_opts o;

  /* Bounded multi-producer queue (sequence number per slot). */
  slot *slots;
  uint32_t cap;
  uint64_t mask; /* cap - 1 when cap is a power of two, else 0 */
  _Alignas(64) _Atomic uint64_t tail;
  _Alignas(64) _Atomic uint64_t head;
  _Alignas(64) _Atomic int sleeping; /* SLEEP_*: worker waits on wake */
  uint32_t early_wake; /* queue length that wakes an armed worker */

  pthread_mutex_t mu;      /* worker state below */
  pthread_cond_t wake;     /* to the worker */
  pthread_cond_t done;     /* to flushers and shutdown */
  pthread_mutex_t export_mu; /* one consumer at a time */
  bool stop;
  bool thread_running;
  bool worker_exited;
  bool orphaned;  /* shutdown gave up waiting on the worker */
  bool destroyed; /* destroy ran while the orphaned worker still ran */
  uint64_t flush_req, flush_done;
  _Atomic bool flush_pending; /* flush_req != flush_done, without mu */
  uint64_t stop_deadline; /* monotonic ns */
  uint64_t next_export;   /* monotonic ns, manual mode */
  unsigned fork_gen;
  pthread_t thread;
  otelc_span **buf; /* one batch being exported */

  _Atomic uint64_t exported, failed, dropped_full, dropped_shutdown;
  uint64_t received_base; /* spans queued before a fork reset the queue */
  _Atomic int warned_full;
} batch;

/* ---------------------------------------------------------------- queue -- */

static inline uint64_t idx(const batch *b, uint64_t pos) {
  return b->mask ? (pos & b->mask) : (pos % b->cap);
}

/* Producers: any thread. Returns false when full; *pos receives the
 * position taken. Touches only the tail and the slot, never the
 * consumer's head, so producer and consumer do not share a cache line
 * per span. */
static inline bool enqueue(batch *b, otelc_span *s, uint64_t *taken) {
  uint64_t pos = atomic_load_explicit(&b->tail, memory_order_relaxed);
  for (;;) {
    slot *sl = &b->slots[idx(b, pos)];
    uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    int64_t dif = (int64_t)(seq - pos);
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&b->tail, &pos, pos + 1,
                                                memory_order_seq_cst,
                                                memory_order_relaxed)) {
        sl->span = s;
        atomic_store_explicit(&sl->seq, pos + 1, memory_order_release);
        *taken = pos;
        return true;
      }
    } else if (dif < 0) {
      return false; /* full */
    } else {
      pos = atomic_load_explicit(&b->tail, memory_order_relaxed);
    }
  }
}

/* The single consumer (the export thread, or a caller holding export_mu)
 * takes up to @p max spans. head is published once per call. */
static size_t dequeue_many(batch *b, otelc_span **out, size_t max) {
  uint64_t pos = atomic_load_explicit(&b->head, memory_order_relaxed);
  size_t n = 0;
  while (n < max) {
    slot *sl = &b->slots[idx(b, pos)];
    uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    if (seq != pos + 1)
      break; /* empty, or a producer is still writing this slot */
    out[n++] = sl->span;
    atomic_store_explicit(&sl->seq, pos + b->cap, memory_order_release);
    pos++;
  }
  if (n)
    atomic_store_explicit(&b->head, pos, memory_order_release);
  return n;
}

static otelc_span *dequeue(batch *b) {
  otelc_span *s = NULL;
  return dequeue_many(b, &s, 1) ? s : NULL;
}

static uint64_t queued(batch *b) {
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

/* Export up to one batch; returns how many spans were taken. The caller
 * holds export_mu (or is the export thread). */
static size_t export_batch(batch *b, uint32_t timeout_ms) {
  size_t n = dequeue_many(b, b->buf, b->o.max_export_batch_size);
  if (n == 0)
    return 0;
  otelc_status st = timeout_ms
                        ? otelc__exporter_export(b->exporter, b->buf, n,
                                                 timeout_ms)
                        : OTELC_ERR_TIMEOUT;
  atomic_fetch_add_explicit(st == OTELC_OK ? &b->exported : &b->failed, n,
                            memory_order_relaxed);
  /* Releasing reads and writes the first cache line of each span, which
   * usually sits in the producing core's cache: ask for a few ahead so
   * that the transfers overlap. */
  enum { AHEAD = 8 };
  for (size_t i = 0; i < n && i < AHEAD; i++)
    __builtin_prefetch(b->buf[i], 1);
  for (size_t i = 0; i < n; i++) {
    if (i + AHEAD < n)
      __builtin_prefetch(b->buf[i + AHEAD], 1);
    otelc__span_unref(b->buf[i]);
  }
  return n;
}

/* Export everything queued until empty or @p deadline; what is left when
 * time runs out is dropped and counted as failed. */
static void drain(batch *b, uint64_t deadline) {
  for (;;) {
    uint32_t left = ms_until(deadline);
    uint32_t t = left < b->o.export_timeout_ms ? left : b->o.export_timeout_ms;
    if (export_batch(b, t) == 0)
      break;
  }
}

/* --------------------------------------------------------------- worker -- */

static void free_batch(batch *b);

/* Returns true when woken before the deadline. */
static bool timed_wait(pthread_cond_t *c, pthread_mutex_t *m,
                       uint64_t deadline) {
  struct timespec ts = {(time_t)(deadline / 1000000000ull),
                        (long)(deadline % 1000000000ull)};
  return pthread_cond_timedwait(c, m, &ts) == 0;
}

/* Whether a full batch is queued, read from the one slot whose
 * publication completes it. Polling the queue length instead would read
 * the tail, which producers write for every span, and pull that cache
 * line away from them each time. */
static bool batch_ready(batch *b) {
  uint64_t last = atomic_load_explicit(&b->head, memory_order_relaxed) +
                  b->o.max_export_batch_size - 1;
  return atomic_load_explicit(&b->slots[idx(b, last)].seq,
                              memory_order_acquire) == last + 1;
}

/* Under sustained load (a full batch was just exported) the next batch
 * is usually a few hundred microseconds away. Waiting for it by yielding
 * the processor costs no system call on either side, where sleeping on
 * the condition variable would cost the producer a futex wake and the
 * queue the scheduler's wake-up latency (long enough on a busy machine to
 * fill it). Gives up after about a millisecond. */
static void await_next_batch(batch *b) {
  uint64_t until = otelc__mono_ns() + 1000000ull;
  while (!batch_ready(b) && otelc__mono_ns() < until &&
         !atomic_load_explicit(&b->flush_pending, memory_order_relaxed) &&
         !atomic_load_explicit(&b->base.shut, memory_order_relaxed))
    sched_yield();
}

static void *worker(void *arg) {
  batch *b = arg;
  const uint64_t delay = (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  pthread_mutex_lock(&b->mu);
  uint64_t next = otelc__mono_ns() + delay;
  bool early_armed = true;
  while (!b->stop) {
    uint64_t now = otelc__mono_ns();
    bool flush = b->flush_req != b->flush_done;
    uint64_t n = queued(b);
    if (flush || n >= b->o.max_export_batch_size || (n > 0 && now >= next)) {
      uint64_t target = b->flush_req;
      pthread_mutex_unlock(&b->mu);
      pthread_mutex_lock(&b->export_mu);
      size_t taken = 0;
      if (flush) {
        drain(b, otelc__mono_ns() +
                     (uint64_t)b->o.export_timeout_ms * 1000000ull);
        otelc__exporter_flush(b->exporter, b->o.export_timeout_ms);
      } else {
        taken = export_batch(b, b->o.export_timeout_ms);
      }
      pthread_mutex_unlock(&b->export_mu);
      if (taken == b->o.max_export_batch_size)
        await_next_batch(b);
      pthread_mutex_lock(&b->mu);
      if (flush) {
        b->flush_done = target;
        atomic_store(&b->flush_pending, b->flush_req != b->flush_done);
        pthread_cond_broadcast(&b->done);
      }
      next = otelc__mono_ns() + delay;
      early_armed = true;
      continue;
    }
    if (now >= next)
      next = now + delay;
    /* Announce the wait, then look again: a producer that saw sleeping==0
     * has made its span visible before this second look. An armed worker
     * asks to be woken early (a quarter batch) so that it is already
     * running when the batch fills; waking a sleeping thread can take
     * longer than filling the rest of the queue. */
    atomic_store(&b->sleeping, early_armed ? SLEEP_EARLY : SLEEP_FULL);
    bool woke = false;
    if (queued(b) < b->o.max_export_batch_size &&
        b->flush_req == b->flush_done && !b->stop)
      woke = timed_wait(&b->wake, &b->mu, next);
    atomic_store(&b->sleeping, 0);
    if (woke && early_armed && !b->stop && b->flush_req == b->flush_done &&
        queued(b) < b->o.max_export_batch_size) {
      pthread_mutex_unlock(&b->mu);
      await_next_batch(b);
      pthread_mutex_lock(&b->mu);
      /* Spans arrive too slowly to fill a batch soon: until the next
       * export, only a full batch wakes the worker. */
      if (queued(b) < b->o.max_export_batch_size)
        early_armed = false;
    }
  }
  uint64_t deadline = b->stop_deadline;
  pthread_mutex_unlock(&b->mu);

  pthread_mutex_lock(&b->export_mu);
  drain(b, deadline);
  otelc__exporter_shutdown(b->exporter, ms_until(deadline));
  pthread_mutex_unlock(&b->export_mu);

  /* Whichever of this exit and batch_destroy comes second frees. */
  pthread_mutex_lock(&b->mu);
  b->worker_exited = true;
  bool free_now = b->orphaned && b->destroyed;
  pthread_cond_broadcast(&b->done);
  pthread_mutex_unlock(&b->mu);
  if (free_now)
    free_batch(b);
  return NULL;
}

static otelc_status start_worker(batch *b) {
  b->fork_gen = atomic_load(&otelc__fork_generation);
  if (b->o.manual_tick)
    return OTELC_OK;
  b->worker_exited = false;
  b->stop = false;
  if (pthread_create(&b->thread, NULL, worker, b) != 0) {
    otelc__error("could not start the span export thread");
    return OTELC_ERR_IO;
  }
  b->thread_running = true;
  return OTELC_OK;
}

/* After fork(): restart the export thread in the child on first use. */
static void restart_after_fork(batch *b) {
  pthread_mutex_lock(&b->mu);
  if (b->fork_gen != atomic_load(&otelc__fork_generation) && !b->stop)
    start_worker(b);
  pthread_mutex_unlock(&b->mu);
}

/* ----------------------------------------------------------- processor -- */

static void wake_worker(batch *b) {
  pthread_mutex_lock(&b->mu);
  pthread_cond_signal(&b->wake);
  pthread_mutex_unlock(&b->mu);
}

static void batch_on_end(otelc_span_processor *p, otelc_span *s) {
  batch *b = (batch *)p;
  if (!(s->flags & OTELC__SPAN_SAMPLED)) {
    otelc__span_unref(s);
    return;
  }
  if (OTELC__UNLIKELY(atomic_load_explicit(&p->shut, memory_order_relaxed))) {
    atomic_fetch_add_explicit(&b->dropped_shutdown, 1, memory_order_relaxed);
    otelc__span_unref(s);
    return;
  }
  if (OTELC__UNLIKELY(b->fork_gen != atomic_load_explicit(
                                         &otelc__fork_generation,
                                         memory_order_relaxed)))
    restart_after_fork(b);
  uint64_t pos;
  if (OTELC__UNLIKELY(!enqueue(b, s, &pos))) {
    atomic_fetch_add_explicit(&b->dropped_full, 1, memory_order_relaxed);
    if (!atomic_exchange_explicit(&b->warned_full, 1, memory_order_relaxed))
      otelc__warn("span queue full (%u); spans are being dropped",
                  b->cap);
    otelc__span_unref(s);
    return;
  }
  /* Only a sleeping worker needs a nudge; only then is the consumer's
   * position worth reading. */
  int sleeping = atomic_load_explicit(&b->sleeping, memory_order_seq_cst);
  if (OTELC__UNLIKELY(sleeping)) {
    uint64_t want = sleeping == SLEEP_EARLY ? b->early_wake
                                            : b->o.max_export_batch_size;
    /* One producer wakes the worker; the others must not keep taking
     * the mutex the woken worker needs to return from its wait. */
    if (pos + 1 - atomic_load_explicit(&b->head, memory_order_relaxed) >=
            want &&
        atomic_compare_exchange_strong(&b->sleeping, &sleeping, SLEEP_NONE))
      wake_worker(b);
  }
}

static otelc_status batch_flush(otelc_span_processor *p, uint32_t ms) {
  batch *b = (batch *)p;
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000ull;
  if (b->o.manual_tick) {
    /* The caller's thread does the work, bounded by the deadline. */
    pthread_mutex_lock(&b->export_mu);
    drain(b, deadline);
    otelc_status st = otelc__exporter_flush(b->exporter, ms_until(deadline));
    pthread_mutex_unlock(&b->export_mu);
    return queued(b) ? OTELC_ERR_TIMEOUT : st;
  }
  if (b->fork_gen != atomic_load(&otelc__fork_generation))
    restart_after_fork(b);
  pthread_mutex_lock(&b->mu);
  uint64_t mine = ++b->flush_req;
  atomic_store(&b->flush_pending, true);
  pthread_cond_signal(&b->wake);
  while (b->flush_done < mine && !b->worker_exited &&
         otelc__mono_ns() < deadline)
    timed_wait(&b->done, &b->mu, deadline);
  bool ok = b->flush_done >= mine;
  pthread_mutex_unlock(&b->mu);
  return ok ? OTELC_OK : OTELC_ERR_TIMEOUT;
}

static otelc_status batch_tick(otelc_span_processor *p) {
  batch *b = (batch *)p;
  if (!b->o.manual_tick)
    return OTELC_OK;
  uint64_t now = otelc__mono_ns();
  if (pthread_mutex_trylock(&b->export_mu) != 0)
    return OTELC_OK; /* another thread is exporting */
  uint64_t n = queued(b);
  uint64_t before = atomic_load(&b->failed);
  if (n >= b->o.max_export_batch_size || (n > 0 && now >= b->next_export)) {
    export_batch(b, b->o.export_timeout_ms);
    b->next_export = otelc__mono_ns() +
                     (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  } else if (n == 0) {
    b->next_export = now + (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  }
  pthread_mutex_unlock(&b->export_mu);
  return atomic_load(&b->failed) != before ? OTELC_ERR_EXPORT : OTELC_OK;
}

static otelc_status batch_shutdown(otelc_span_processor *p, uint32_t ms) {
  batch *b = (batch *)p;
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000ull;
  if (b->o.manual_tick) {
    pthread_mutex_lock(&b->export_mu);
    drain(b, deadline);
    otelc_status st =
        otelc__exporter_shutdown(b->exporter, ms_until(deadline));
    pthread_mutex_unlock(&b->export_mu);
    return queued(b) ? OTELC_ERR_TIMEOUT : st;
  }
  pthread_mutex_lock(&b->mu);
  if (!b->thread_running) {
    pthread_mutex_unlock(&b->mu);
    return otelc__exporter_shutdown(b->exporter, ms);
  }
  b->stop = true;
  b->stop_deadline = deadline;
  pthread_cond_signal(&b->wake);
  while (!b->worker_exited && otelc__mono_ns() < deadline)
    timed_wait(&b->done, &b->mu, deadline);
  bool exited = b->worker_exited;
  if (!exited)
    b->orphaned = true;
  b->thread_running = false;
  pthread_mutex_unlock(&b->mu);
  if (exited) {
    pthread_join(b->thread, NULL);
    return OTELC_OK;
  }
  otelc__warn("span exporter did not finish within %u ms; abandoned", ms);
  pthread_detach(b->thread);
  return OTELC_ERR_TIMEOUT;
}

static void batch_stats(const otelc_span_processor *p,
                        otelc_span_processor_stats *out) {
  batch *b = (batch *)p;
  out->exported = atomic_load(&b->exported);
  out->export_failed = atomic_load(&b->failed);
  out->dropped_queue_full = atomic_load(&b->dropped_full);
  out->dropped_shutdown = atomic_load(&b->dropped_shutdown);
  out->received = b->received_base + atomic_load(&b->tail) +
                  out->dropped_queue_full +
                  out->dropped_shutdown;
  out->queue_size = (uint32_t)queued(b);
  out->queue_capacity = b->cap;
}

static void free_batch(batch *b) {
  otelc_span *s;
  while (b->slots && (s = dequeue(b)))
    otelc__span_unref(s);
  otelc_span_exporter_free(b->exporter);
  pthread_mutex_destroy(&b->mu);
  pthread_mutex_destroy(&b->export_mu);
  pthread_cond_destroy(&b->wake);
  pthread_cond_destroy(&b->done);
  otelc__free(b->slots);
  otelc__free(b->buf);
  otelc__free(b);
}

static void batch_destroy(otelc_span_processor *p) {
  batch *b = (batch *)p;
  otelc__fork_unregister(b);
  pthread_mutex_lock(&b->mu);
  bool worker_running = b->orphaned && !b->worker_exited;
  b->destroyed = true;
  pthread_mutex_unlock(&b->mu);
  if (!worker_running)
    free_batch(b);
  /* else the abandoned export thread frees everything when it returns */
}

/* ------------------------------------------------------------------ fork -- */

static void fork_prepare(void *arg) {
  batch *b = arg;
  pthread_mutex_lock(&b->export_mu);
  pthread_mutex_lock(&b->mu);
}

static void fork_parent(void *arg) {
  batch *b = arg;
  pthread_mutex_unlock(&b->mu);
  pthread_mutex_unlock(&b->export_mu);
}

static void init_sync(batch *b) {
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
  batch *b = arg;
  /* The export thread does not exist here. Start clean: fresh locks, an
   * empty queue, and a thread started again on first use. */
  init_sync(b);
  /* A producer thread that vanished in the fork may have claimed a slot
   * without filling it; rebuild the queue instead of draining it. */
  uint64_t head = atomic_load(&b->head), tail = atomic_load(&b->tail);
  for (uint64_t pos = head; pos != tail; pos++) {
    slot *sl = &b->slots[idx(b, pos)];
    if (atomic_load(&sl->seq) == pos + 1)
      otelc__span_unref(sl->span);
  }
  for (uint32_t i = 0; i < b->cap; i++)
    atomic_store(&b->slots[i].seq, i);
  b->received_base += tail;
  atomic_store(&b->head, 0);
  atomic_store(&b->tail, 0);
  b->thread_running = false;
  b->worker_exited = false;
  b->flush_done = b->flush_req;
  atomic_store(&b->sleeping, 0);
}

/* --------------------------------------------------------------- create -- */

void otelc_batch_opts_from_env(otelc_batch_opts *o) {
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->schedule_delay_ms = otelc__env_duration_ms("OTEL_BSP_SCHEDULE_DELAY",
                                                5000);
  o->export_timeout_ms = otelc__env_timeout_ms("OTEL_BSP_EXPORT_TIMEOUT",
                                               30000);
  o->max_queue_size = otelc__env_uint("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1,
                                      INT32_MAX);
  o->max_export_batch_size = otelc__env_uint(
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, INT32_MAX);
  if (o->max_export_batch_size > o->max_queue_size) {
    otelc__warn("OTEL_BSP_MAX_EXPORT_BATCH_SIZE (%u) exceeds the queue size "
                "(%u); using %u",
                o->max_export_batch_size, o->max_queue_size,
                o->max_queue_size);
    o->max_export_batch_size = o->max_queue_size;
  }
}

static const otelc__processor_vtbl batch_vt = {
    NULL,       batch_on_end, batch_flush,  batch_shutdown,
    batch_tick, batch_stats,  batch_destroy, "batching_span_processor"};

otelc_status otelc_batch_span_processor_new(otelc_span_exporter *exporter,
                                            const otelc_batch_opts *opts,
                                            otelc_span_processor **out) {
  if (!exporter || !out) {
    otelc_span_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc_batch_opts o = opts ? *opts : (otelc_batch_opts){0};
  if (!o.max_queue_size)
    o.max_queue_size = 2048;
  if (!o.max_export_batch_size)
    o.max_export_batch_size = 512;
  if (o.max_export_batch_size > o.max_queue_size)
    o.max_export_batch_size = o.max_queue_size;
  if (!o.schedule_delay_ms)
    o.schedule_delay_ms = 5000;
  if (!o.export_timeout_ms)
    o.export_timeout_ms = 30000;

  batch *b = otelc__calloc(1, sizeof *b);
  if (!b) {
    otelc_span_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  b->base.vt = &batch_vt;
  b->exporter = exporter;
  b->o = o;
  b->cap = o.max_queue_size;
  b->early_wake = o.max_export_batch_size / 4 ? o.max_export_batch_size / 4
                                              : 1;
  b->mask = (b->cap & (b->cap - 1)) == 0 ? b->cap - 1 : 0;
  b->slots = otelc__calloc(b->cap, sizeof *b->slots);
  b->buf = otelc__calloc(o.max_export_batch_size, sizeof *b->buf);
  init_sync(b);
  if (!b->slots || !b->buf) {
    free_batch(b);
    return OTELC_ERR_NOMEM;
  }
  for (uint32_t i = 0; i < b->cap; i++)
    atomic_init(&b->slots[i].seq, i);
  b->next_export = otelc__mono_ns() +
                   (uint64_t)o.schedule_delay_ms * 1000000ull;
  otelc_status st = start_worker(b);
  if (st != OTELC_OK) {
    free_batch(b);
    return st;
  }
  static const otelc__fork_hooks hooks = {fork_prepare, fork_parent,
                                          fork_child};
  otelc__fork_register(&hooks, b);
  *out = &b->base;
  return OTELC_OK;
}
