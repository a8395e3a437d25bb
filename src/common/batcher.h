/*
 * The batching engine shared by the batch span and log processors: a
 * bounded lock-free queue of opaque item pointers filled by any thread,
 * drained in batches by one export thread (or by the host's own loop
 * through a manual tick), with flush and shutdown bounded by deadlines
 * even when the exporter hangs, fork handling and counters.
 *
 * The batcher is embedded in its processor, which is allocated with
 * otelc__calloc: when shutdown gives up on a hung exporter the export
 * thread is detached, and whichever of its exit and otelc__batcher_destroy
 * comes second frees the processor (the owner) with everything the
 * batcher holds.
 *
 * The producer's path (otelc__batcher_push) is inline and makes no
 * indirect call; the callbacks run on the consumer's side, once per batch.
 */
#ifndef OTELC_SRC_COMMON_BATCHER_H
#define OTELC_SRC_COMMON_BATCHER_H

#include <pthread.h>

#include "common/internal.h"

/* What the batcher does with items and the exporter. */
typedef struct otelc__batcher_ops {
  /* Export @p n items, within @p timeout_ms (never 0). */
  otelc_status (*export_items)(void *exporter, void *const *items, size_t n,
                               uint32_t timeout_ms);
  otelc_status (*flush)(void *exporter, uint32_t timeout_ms);
  otelc_status (*shutdown)(void *exporter, uint32_t timeout_ms);
  void (*free_exporter)(void *exporter);
  /* Drop the batcher's reference to each of @p n items. */
  void (*release)(void *const *items, size_t n);
  /* Diagnostics: the queue is full (one %u: its capacity), shutdown
   * abandoned the export thread (one %u: the timeout in ms), the export
   * thread could not be started. */
  const char *full_warning;
  const char *abandoned_warning;
  const char *thread_error;
} otelc__batcher_ops;

typedef struct otelc__batcher_opts {
  uint32_t max_queue_size;        /* at least 1 */
  uint32_t max_export_batch_size; /* at least 1, at most the queue */
  uint32_t schedule_delay_ms;     /* at least 1 */
  uint32_t export_timeout_ms;     /* at least 1 */
  bool manual_tick;
} otelc__batcher_opts;

typedef struct otelc__batcher_stats {
  uint64_t received, exported, export_failed, dropped_queue_full,
      dropped_shutdown;
  uint32_t queue_size, queue_capacity;
} otelc__batcher_stats;

typedef struct otelc__batcher_slot {
  _Atomic uint64_t seq;
  void *item;
} otelc__batcher_slot;

/* Values of otelc__batcher.sleeping. */
enum {
  OTELC__BATCHER_AWAKE = 0,
  OTELC__BATCHER_SLEEP_EARLY = 1,
  OTELC__BATCHER_SLEEP_FULL = 2
};

typedef struct otelc__batcher {
  const otelc__batcher_ops *ops;
  void *exporter;
  void *owner;           /* freed with the batcher */
  const _Atomic int *shut; /* the processor's shutdown flag */
  otelc__batcher_opts o;

  /* Bounded multi-producer queue (a sequence number per slot). */
  otelc__batcher_slot *slots;
  uint32_t cap;
  uint64_t mask; /* cap - 1 when cap is a power of two, else 0 */
  unsigned fork_gen;
  uint32_t early_wake; /* queue length that wakes an armed worker */
  _Alignas(64) _Atomic uint64_t tail;
  _Alignas(64) _Atomic uint64_t head;
  _Alignas(64) _Atomic int sleeping; /* OTELC__BATCHER_*: waits on wake */

  pthread_mutex_t mu;        /* worker state below */
  pthread_cond_t wake;       /* to the worker */
  pthread_cond_t done;       /* to flushers and shutdown */
  pthread_mutex_t export_mu; /* one consumer at a time */
  bool stop;
  bool thread_running;
  bool worker_exited;
  bool detached;  /* shutdown gave up waiting for the worker */
  bool destroyed; /* otelc__batcher_destroy has run */
  /* Set by otelc__batcher_hold: called by a detached worker once done. */
  void (*hold_release)(void *arg);
  void *hold_arg;
  bool fork_locked_export; /* fork_prepare took export_mu */
  uint64_t flush_req, flush_done;
  /* Of the last flush round: OTELC_ERR_EXPORT when an export failed,
   * else what the exporter's flush returned. */
  otelc_status flush_outcome;
  _Atomic bool flush_pending; /* flush_req != flush_done, without mu */
  uint64_t stop_deadline;     /* monotonic ns */
  uint64_t next_export;       /* monotonic ns, manual mode */
  pthread_t thread;
  void **buf; /* the batch being exported */

  _Atomic uint64_t exported, failed, dropped_full, dropped_shutdown;
  uint64_t received_base; /* items queued before a fork reset the queue */
  _Atomic int warned_full;
} otelc__batcher;

/* Set up @p b (zeroed, inside @p owner) and start its export thread
 * unless manual. On failure everything is freed (the exporter and the
 * owner too) and the status returned. */
otelc_status otelc__batcher_init(otelc__batcher *b, void *owner,
                                 const _Atomic int *shut,
                                 const otelc__batcher_ops *ops,
                                 void *exporter,
                                 const otelc__batcher_opts *opts);

/* Cold paths of the producer. */
void otelc__batcher_restart_after_fork(otelc__batcher *b);
void otelc__batcher_wake(otelc__batcher *b);
/* Count and release an item the queue had no room for. */
void otelc__batcher_reject(otelc__batcher *b, void *item);
/* Count and release an item that came after shutdown. */
void otelc__batcher_drop_shutdown(otelc__batcher *b, void *item);

static inline uint64_t otelc__batcher_idx(const otelc__batcher *b,
                                          uint64_t pos) {
  return b->mask ? (pos & b->mask) : (pos % b->cap);
}

/* Producers: any thread. Touches only the tail and the slot, never the
 * consumer's head. False when full; *taken receives the position. */
static inline bool otelc__batcher_enqueue(otelc__batcher *b, void *item,
                                          uint64_t *taken) {
  uint64_t pos = atomic_load_explicit(&b->tail, memory_order_relaxed);
  for (;;) {
    otelc__batcher_slot *sl = &b->slots[otelc__batcher_idx(b, pos)];
    uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
    int64_t dif = (int64_t)(seq - pos);
    if (dif == 0) {
      if (atomic_compare_exchange_weak_explicit(&b->tail, &pos, pos + 1,
                                                memory_order_seq_cst,
                                                memory_order_relaxed)) {
        sl->item = item;
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

/* Queue @p item (the caller's reference passes to the batcher), or, when
 * the queue is full, count it and release it. */
static inline void otelc__batcher_push(otelc__batcher *b, void *item) {
  if (OTELC__UNLIKELY(
          b->fork_gen !=
          atomic_load_explicit(&otelc__fork_generation, memory_order_relaxed)))
    otelc__batcher_restart_after_fork(b);
  uint64_t pos;
  if (OTELC__UNLIKELY(!otelc__batcher_enqueue(b, item, &pos))) {
    otelc__batcher_reject(b, item);
    return;
  }
  /* Only a sleeping worker needs a nudge; only then is the consumer's
   * position worth reading. */
  int sleeping = atomic_load_explicit(&b->sleeping, memory_order_seq_cst);
  if (OTELC__UNLIKELY(sleeping)) {
    uint64_t want = sleeping == OTELC__BATCHER_SLEEP_EARLY
                        ? b->early_wake
                        : b->o.max_export_batch_size;
    /* One producer wakes the worker; the others must not keep taking the
     * mutex the woken worker needs to return from its wait. */
    if (pos + 1 - atomic_load_explicit(&b->head, memory_order_relaxed) >=
            want &&
        atomic_compare_exchange_strong(&b->sleeping, &sleeping,
                                       OTELC__BATCHER_AWAKE))
      otelc__batcher_wake(b);
  }
}

/* Export everything queued and flush the exporter, bounded by @p timeout_ms:
 * OTELC_ERR_TIMEOUT when time ran out, OTELC_ERR_EXPORT when an export of
 * the round failed, else what the exporter's flush returned. */
otelc_status otelc__batcher_flush(otelc__batcher *b, uint32_t timeout_ms);
/* Manual mode: export a batch when one is full or the delay has passed.
 * OTELC_ERR_EXPORT when an export failed. */
otelc_status otelc__batcher_tick(otelc__batcher *b);
otelc_status otelc__batcher_shutdown(otelc__batcher *b, uint32_t timeout_ms);
void otelc__batcher_get_stats(const otelc__batcher *b,
                              otelc__batcher_stats *out);
/* Free the owner, now or, when shutdown abandoned a running export
 * thread, once that thread exits. */
void otelc__batcher_destroy(otelc__batcher *b);
/* When shutdown abandoned an export thread that still runs: arrange for
 * it to call release(arg) once it no longer reads any item, and return
 * true. */
bool otelc__batcher_hold(otelc__batcher *b, void (*release)(void *arg),
                         void *arg);

#endif /* OTELC_SRC_COMMON_BATCHER_H */
