/* The batch log processor: a bounded lock-free queue filled by the
 * threads that emit records, drained in batches by one export thread (or
 * by the host's own loop through otelc_log_processor_tick).
 *
 * Ownership when shutdown gives up on a hung exporter: the export thread
 * is detached and keeps running; whichever of its exit and
 * otelc_log_processor_free comes second frees the processor. */
#include <sched.h>
#include <time.h>

#include "common/env.h"
#include "logs/logs_internal.h"

typedef struct slot {
  _Atomic uint64_t seq;
  otelc_log_record *rec;
} slot;

/* Values of batch.sleeping. */
enum { SLEEP_NONE = 0, SLEEP_EARLY = 1, SLEEP_FULL = 2 };

typedef struct batch {
  otelc_log_processor base;
  otelc_log_exporter *exporter;
  otelc_log_batch_opts o;

  /* Bounded multi-producer queue (a sequence number per slot). */
  slot *slots;
  uint32_t cap;
  uint64_t mask; /* cap - 1 when cap is a power of two, else 0 */
  _Alignas(64) _Atomic uint64_t tail;
  _Alignas(64) _Atomic uint64_t head;
  _Alignas(64) _Atomic int sleeping; /* SLEEP_*: the worker waits on wake */
  uint32_t early_wake; /* queue length that wakes an armed worker */

  pthread_mutex_t mu;        /* worker state below */
  pthread_cond_t wake;       /* to the worker */
  pthread_cond_t done;       /* to flushers and shutdown */
  pthread_mutex_t export_mu; /* one consumer at a time */
  bool stop;
  bool thread_running;
  bool worker_exited;
  bool detached;  /* shutdown gave up waiting for the worker */
  bool destroyed; /* otelc_log_processor_free has run */
  /* Set by batch_hold: called by a detached worker once it is done. */
  void (*release)(void *arg);
  void *release_arg;
  bool fork_locked_export; /* fork_prepare took export_mu */
  uint64_t flush_req, flush_done;
  _Atomic bool flush_pending; /* flush_req != flush_done, without mu */
  uint64_t stop_deadline;     /* monotonic ns */
  uint64_t next_export;       /* monotonic ns, manual mode */
  unsigned fork_gen;
  pthread_t thread;
  otelc_log_record **buf; /* the batch being exported */

  _Atomic uint64_t exported, failed, dropped_full, dropped_shutdown;
  uint64_t received_base; /* records queued before a fork reset the queue */
  _Atomic int warned_full;
} batch;

/* ---------------------------------------------------------------- queue -- */

static inline uint64_t idx(const batch *b, uint64_t pos) {
  return b->mask ? (pos & b->mask) : (pos % b->cap);
}

/* Producers: any thread. False when full; *taken receives the position.
 * Touches only the tail and the slot, never the consumer's head. */
static inline bool enqueue(batch *b, otelc_log_record *r, uint64_t *taken) {
  uint64_t pos = atomic_load_explicit(&b->tail, memory_order_relaxed);
  for (;;) {
    slot *sl = &b->slots[idx(b, pos)];
    uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    int64_t dif = (int64_t)(seq - pos);
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&b->tail, &pos, pos + 1,
                                                memory_order_seq_cst,
                                                memory_order_relaxed)) {
        sl->rec = r;
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
 * takes up to @p max records; head is published once per call. */
static size_t dequeue_many(batch *b, otelc_log_record **out, size_t max) {
  uint64_t pos = atomic_load_explicit(&b->head, memory_order_relaxed);
  size_t n = 0;
  while (n < max) {
    slot *sl = &b->slots[idx(b, pos)];
    uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    if (seq != pos + 1)
      break; /* empty, or a producer is still writing this slot */
    out[n++] = sl->rec;
    atomic_store_explicit(&sl->seq, pos + b->cap, memory_order_release);
    pos++;
  }
  if (n)
    atomic_store_explicit(&b->head, pos, memory_order_release);
  return n;
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

/* Export up to one batch; returns how many records were taken. The
 * caller holds export_mu (or is the export thread). A zero timeout fails
 * the batch without calling the exporter. */
static size_t export_batch(batch *b, uint32_t timeout_ms) {
  size_t n = dequeue_many(b, b->buf, b->o.max_export_batch_size);
  if (n == 0)
    return 0;
  otelc_status st = timeout_ms ? otelc__log_exporter_export(b->exporter, b->buf,
                                                            n, timeout_ms)
                               : OTELC_ERR_TIMEOUT;
  atomic_fetch_add_explicit(st == OTELC_OK ? &b->exported : &b->failed, n,
                            memory_order_relaxed);
  /* Releasing touches the first cache line of each record, usually in the
   * producing core's cache: ask for a few ahead so transfers overlap. */
  enum { AHEAD = 8 };
  for (size_t i = 0; i < n && i < AHEAD; i++)
    __builtin_prefetch(b->buf[i], 1);
  for (size_t i = 0; i < n; i++) {
    if (i + AHEAD < n)
      __builtin_prefetch(b->buf[i + AHEAD], 1);
    otelc__log_record_unref(b->buf[i]);
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
static bool batch_ready(batch *b) {
  uint64_t last = atomic_load_explicit(&b->head, memory_order_relaxed) +
                  b->o.max_export_batch_size - 1;
  return atomic_load_explicit(&b->slots[idx(b, last)].seq,
                              memory_order_acquire) == last + 1;
}

/* Under sustained load the next batch is usually a few hundred
 * microseconds away: yield instead of sleeping (no futex wake for the
 * producer, no scheduler latency). Gives up after about a millisecond. */
static void await_next_batch(batch *b) {
  uint64_t until = otelc__mono_ns() + 1000000ull;
  while (!batch_ready(b) && otelc__mono_ns() < until &&
         !atomic_load_explicit(&b->flush_pending, memory_order_relaxed) &&
         !atomic_load_explicit(&b->base.shut, memory_order_relaxed))
    sched_yield();
}

/* One round of the worker with b->mu held: export what is due. Returns
 * false when there was nothing to do. */
static bool worker_export(batch *b, uint64_t now, uint64_t *next) {
  bool flush = b->flush_req != b->flush_done;
  uint64_t n = queued(b);
  if (!flush && n < b->o.max_export_batch_size && (n == 0 || now < *next))
    return false;
  uint64_t target = b->flush_req;
  pthread_mutex_unlock(&b->mu);
  pthread_mutex_lock(&b->export_mu);
  size_t taken = 0;
  if (flush) {
    drain(b, otelc__mono_ns() + (uint64_t)b->o.export_timeout_ms * 1000000ull);
    otelc__log_exporter_flush(b->exporter, b->o.export_timeout_ms);
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
  *next = otelc__mono_ns() + (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  return true;
}

static void *worker(void *arg) {
  batch *b = arg;
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
    /* Announce the wait, then look again: a producer that saw sleeping==0
     * made its record visible before this second look. An armed worker
     * asks to be woken at a quarter batch, so that it is running by the
     * time the batch is full. */
    atomic_store(&b->sleeping, early_armed ? SLEEP_EARLY : SLEEP_FULL);
    bool woke = false;
    if (queued(b) < b->o.max_export_batch_size &&
        b->flush_req == b->flush_done && !b->stop)
      woke = timed_wait(&b->wake, &b->mu, next);
    atomic_store(&b->sleeping, SLEEP_NONE);
    if (woke && early_armed && !b->stop && b->flush_req == b->flush_done &&
        queued(b) < b->o.max_export_batch_size) {
      pthread_mutex_unlock(&b->mu);
      await_next_batch(b);
      pthread_mutex_lock(&b->mu);
      /* Records arrive too slowly to fill a batch soon: until the next
       * export, only a full batch wakes the worker. */
      if (queued(b) < b->o.max_export_batch_size)
        early_armed = false;
    }
  }
  uint64_t deadline = b->stop_deadline;
  pthread_mutex_unlock(&b->mu);

  pthread_mutex_lock(&b->export_mu);
  drain(b, deadline);
  otelc__log_exporter_shutdown(b->exporter, ms_until(deadline));
  pthread_mutex_unlock(&b->export_mu);

  pthread_mutex_lock(&b->mu);
  b->worker_exited = true;
  /* Abandoned by shutdown and already freed by its owner: the last one
   * out frees. */
  bool last = b->detached && b->destroyed;
  void (*release)(void *) = b->release;
  void *release_arg = b->release_arg;
  pthread_cond_broadcast(&b->done);
  pthread_mutex_unlock(&b->mu);
  if (last)
    free_batch(b);
  if (release) /* no record is read any more */
    release(release_arg);
  return NULL;
}

static otelc_status start_worker(batch *b) {
  b->fork_gen = atomic_load(&otelc__fork_generation);
  if (b->o.manual_tick)
    return OTELC_OK;
  b->worker_exited = false;
  b->stop = false;
  if (pthread_create(&b->thread, NULL, worker, b) != 0) {
    otelc__error("could not start the log export thread");
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

static void batch_on_emit(otelc_log_processor *p, otelc_log_record *r,
                          const otelc_context *ctx) {
  (void)ctx;
  batch *b = (batch *)p;
  if (OTELC__UNLIKELY(atomic_load_explicit(&p->shut, memory_order_relaxed))) {
    atomic_fetch_add_explicit(&b->dropped_shutdown, 1, memory_order_relaxed);
    otelc__log_record_unref(r);
    return;
  }
  if (OTELC__UNLIKELY(
          b->fork_gen !=
          atomic_load_explicit(&otelc__fork_generation, memory_order_relaxed)))
    restart_after_fork(b);
  /* From here the export thread may read the record. */
  r->frozen = true;
  uint64_t pos;
  if (OTELC__UNLIKELY(!enqueue(b, r, &pos))) {
    atomic_fetch_add_explicit(&b->dropped_full, 1, memory_order_relaxed);
    if (!atomic_exchange_explicit(&b->warned_full, 1, memory_order_relaxed))
      otelc__warn("log record queue full (%u); records are being dropped",
                  b->cap);
    otelc__log_record_unref(r);
    return;
  }
  /* Only a sleeping worker needs a nudge; only then is the consumer's
   * position worth reading. */
  int sleeping = atomic_load_explicit(&b->sleeping, memory_order_seq_cst);
  if (OTELC__UNLIKELY(sleeping)) {
    uint64_t want =
        sleeping == SLEEP_EARLY ? b->early_wake : b->o.max_export_batch_size;
    /* One producer wakes the worker; the others must not keep taking the
     * mutex the woken worker needs to return from its wait. */
    if (pos + 1 - atomic_load_explicit(&b->head, memory_order_relaxed) >=
            want &&
        atomic_compare_exchange_strong(&b->sleeping, &sleeping, SLEEP_NONE))
      wake_worker(b);
  }
}

static otelc_status batch_flush(otelc_log_processor *p, uint32_t ms) {
  batch *b = (batch *)p;
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000ull;
  if (b->o.manual_tick) {
    /* The caller's thread does the work, bounded by the deadline. */
    pthread_mutex_lock(&b->export_mu);
    drain(b, deadline);
    otelc_status st =
        otelc__log_exporter_flush(b->exporter, ms_until(deadline));
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

static otelc_status batch_tick(otelc_log_processor *p) {
  batch *b = (batch *)p;
  if (!b->o.manual_tick)
    return OTELC_OK;
  uint64_t now = otelc__mono_ns();
  if (pthread_mutex_trylock(&b->export_mu) != 0)
    return OTELC_OK; /* another thread is exporting */
  uint64_t n = queued(b);
  uint64_t before = atomic_load(&b->failed);
  uint64_t delay = (uint64_t)b->o.schedule_delay_ms * 1000000ull;
  if (n >= b->o.max_export_batch_size || (n > 0 && now >= b->next_export)) {
    export_batch(b, b->o.export_timeout_ms);
    b->next_export = otelc__mono_ns() + delay;
  } else if (n == 0) {
    b->next_export = now + delay;
  }
  pthread_mutex_unlock(&b->export_mu);
  return atomic_load(&b->failed) != before ? OTELC_ERR_EXPORT : OTELC_OK;
}

static otelc_status batch_shutdown(otelc_log_processor *p, uint32_t ms) {
  batch *b = (batch *)p;
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000ull;
  if (b->o.manual_tick) {
    pthread_mutex_lock(&b->export_mu);
    drain(b, deadline);
    otelc_status st =
        otelc__log_exporter_shutdown(b->exporter, ms_until(deadline));
    pthread_mutex_unlock(&b->export_mu);
    return queued(b) ? OTELC_ERR_TIMEOUT : st;
  }
  pthread_mutex_lock(&b->mu);
  if (!b->thread_running) {
    /* Never started in this process (a forked child that emitted nothing
     * since): shut down here. */
    pthread_mutex_unlock(&b->mu);
    pthread_mutex_lock(&b->export_mu);
    drain(b, deadline);
    otelc_status st =
        otelc__log_exporter_shutdown(b->exporter, ms_until(deadline));
    pthread_mutex_unlock(&b->export_mu);
    return st;
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
  otelc__warn("log exporter did not finish within %u ms; abandoned", ms);
  pthread_detach(b->thread);
  return OTELC_ERR_TIMEOUT;
}

static void batch_stats(const otelc_log_processor *p,
                        otelc_log_processor_stats *out) {
  batch *b = (batch *)p;
  out->exported = atomic_load(&b->exported);
  out->export_failed = atomic_load(&b->failed);
  out->dropped_queue_full = atomic_load(&b->dropped_full);
  out->dropped_shutdown = atomic_load(&b->dropped_shutdown);
  out->received = b->received_base + atomic_load(&b->tail) +
                  out->dropped_queue_full + out->dropped_shutdown;
  out->queue_size = (uint32_t)queued(b);
  out->queue_capacity = b->cap;
}

static void free_batch(batch *b) {
  otelc_log_record *r;
  while (b->slots && dequeue_many(b, &r, 1))
    otelc__log_record_unref(r);
  otelc_log_exporter_free(b->exporter);
  pthread_mutex_destroy(&b->mu);
  pthread_mutex_destroy(&b->export_mu);
  pthread_cond_destroy(&b->wake);
  pthread_cond_destroy(&b->done);
  otelc__free(b->slots);
  otelc__free(b->buf);
  otelc__free(b);
}

static void batch_destroy(otelc_log_processor *p) {
  batch *b = (batch *)p;
  otelc__fork_unregister(b);
  pthread_mutex_lock(&b->mu);
  b->destroyed = true;
  /* A detached worker that has not exited yet frees on its way out. */
  bool worker_frees = b->detached && !b->worker_exited;
  pthread_mutex_unlock(&b->mu);
  if (!worker_frees)
    free_batch(b);
}

static bool batch_hold(otelc_log_processor *p, void (*release)(void *),
                       void *arg) {
  batch *b = (batch *)p;
  pthread_mutex_lock(&b->mu);
  bool running = b->detached && !b->worker_exited && !b->release;
  if (running) {
    b->release = release;
    b->release_arg = arg;
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
  batch *b = arg;
  pthread_mutex_lock(&b->mu);
  b->fork_locked_export = !(b->detached && !b->worker_exited);
  if (b->fork_locked_export)
    pthread_mutex_lock(&b->export_mu);
}

static void fork_parent(void *arg) {
  batch *b = arg;
  if (b->fork_locked_export)
    pthread_mutex_unlock(&b->export_mu);
  pthread_mutex_unlock(&b->mu);
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
  /* The export thread does not exist here: fresh locks, an empty queue,
   * and a thread started again on first use. */
  init_sync(b);
  /* A producer that vanished in the fork may have claimed a slot without
   * filling it: rebuild the queue instead of draining it. */
  uint64_t head = atomic_load(&b->head), tail = atomic_load(&b->tail);
  for (uint64_t pos = head; pos != tail; pos++) {
    slot *sl = &b->slots[idx(b, pos)];
    if (atomic_load(&sl->seq) == pos + 1)
      otelc__log_record_unref(sl->rec);
  }
  for (uint32_t i = 0; i < b->cap; i++)
    atomic_store(&b->slots[i].seq, i);
  b->received_base += tail;
  atomic_store(&b->head, 0);
  atomic_store(&b->tail, 0);
  b->thread_running = false;
  b->worker_exited = false;
  b->detached = false; /* an abandoned worker did not survive the fork */
  b->release = NULL;
  b->flush_done = b->flush_req;
  atomic_store(&b->flush_pending, false);
  atomic_store(&b->sleeping, SLEEP_NONE);
}

/* --------------------------------------------------------------- create -- */

#define DEFAULT_QUEUE 2048
#define DEFAULT_BATCH 512
#define DEFAULT_DELAY_MS 1000
#define DEFAULT_TIMEOUT_MS 30000

void otelc_log_batch_opts_from_env(otelc_log_batch_opts *o) {
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->schedule_delay_ms =
      otelc__env_duration_ms("OTEL_BLRP_SCHEDULE_DELAY", DEFAULT_DELAY_MS);
  o->export_timeout_ms =
      otelc__env_timeout_ms("OTEL_BLRP_EXPORT_TIMEOUT", DEFAULT_TIMEOUT_MS);
  o->max_queue_size =
      otelc__env_uint("OTEL_BLRP_MAX_QUEUE_SIZE", DEFAULT_QUEUE, 1, INT32_MAX);
  o->max_export_batch_size = otelc__env_uint("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
                                             DEFAULT_BATCH, 1, INT32_MAX);
  if (o->max_export_batch_size > o->max_queue_size) {
    otelc__warn("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE (%u) exceeds the queue "
                "size (%u); using %u",
                o->max_export_batch_size, o->max_queue_size, o->max_queue_size);
    o->max_export_batch_size = o->max_queue_size;
  }
}

static const otelc__log_proc_vtbl batch_vt = {
    .component_type = "batching_log_processor",
    .on_emit = batch_on_emit,
    .force_flush = batch_flush,
    .shutdown = batch_shutdown,
    .tick = batch_tick,
    .stats = batch_stats,
    .destroy = batch_destroy,
    .hold = batch_hold,
};

otelc_status otelc_batch_log_processor_new(otelc_log_exporter *exporter,
                                           const otelc_log_batch_opts *opts,
                                           otelc_log_processor **out) {
  if (!exporter || !out) {
    otelc_log_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc_log_batch_opts o = opts ? *opts : (otelc_log_batch_opts){0};
  if (!o.max_queue_size)
    o.max_queue_size = DEFAULT_QUEUE;
  if (!o.max_export_batch_size)
    o.max_export_batch_size = DEFAULT_BATCH;
  if (o.max_export_batch_size > o.max_queue_size)
    o.max_export_batch_size = o.max_queue_size;
  if (!o.schedule_delay_ms)
    o.schedule_delay_ms = DEFAULT_DELAY_MS;
  if (!o.export_timeout_ms)
    o.export_timeout_ms = DEFAULT_TIMEOUT_MS;

  batch *b = otelc__calloc(1, sizeof *b);
  if (!b) {
    otelc_log_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  b->base.vt = &batch_vt;
  b->exporter = exporter;
  b->o = o;
  b->cap = o.max_queue_size;
  b->early_wake = o.max_export_batch_size / 4 ? o.max_export_batch_size / 4 : 1;
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
  b->next_export =
      otelc__mono_ns() + (uint64_t)o.schedule_delay_ms * 1000000ull;
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
