/*
 * Cells owned by one thread: a thread that records into a series gets a
 * copy of the series' cell that only it writes, so its updates need no
 * locked instruction (an add is a load and a store). The collection
 * reads every thread's cell and adds it to the shared one:
 *
 *  - sums: the owner keeps a running total; cumulative readers add it,
 *    delta readers (int64 only) report what it grew by since they last
 *    looked, remembered per cell;
 *  - explicit histograms (cumulative only): the owner brackets each
 *    update with a sequence number (odd while it writes), and the reader
 *    retries until it saw an even, unchanged one.
 *
 * Cells are never freed before their series: a thread that exits leaves
 * its totals behind, still counted. A series gives out a bounded number
 * of cells (threads beyond it use the shared cell), so memory stays
 * bounded by the cardinality limit.
 *
 * Stores where this does not apply (delta histograms, whose minimum and
 * maximum are per interval; delta double sums, which would lose precision;
 * observable instruments; other aggregations) have st->pcells false.
 */
#ifndef OTELC_SRC_METRICS_PCELL_H
#define OTELC_SRC_METRICS_PCELL_H

#include <math.h>

#include "metrics/metrics_internal.h"

typedef struct otelc__pcell {
  struct otelc__pcell *next; /* fixed once published */
  uint32_t thread;           /* the owner's otelc__stripe_tls */
  _Atomic uint32_t seq;      /* histograms: odd while the owner writes */
  uint64_t reported;         /* delta int64 sums: collector only */
} otelc__pcell;

#define OTELC__PCELL_HDR 32u

/* A sum's running total (int64, or a double's bits). */
static inline _Atomic uint64_t *otelc__pcell_sum(otelc__pcell *pc) {
  return (_Atomic uint64_t *)(void *)((char *)pc + OTELC__PCELL_HDR);
}

/* A histogram's fields; doubles are stored as their bits. */
typedef struct otelc__phist {
  _Atomic uint64_t count, sum, min, max;
  _Atomic uint64_t buckets[]; /* n_bounds + 1 */
} otelc__phist;

static inline otelc__phist *otelc__pcell_hist(otelc__pcell *pc) {
  return (otelc__phist *)(void *)((char *)pc + OTELC__PCELL_HDR);
}

/* Whether threads get cells of their own in a store with these traits. */
bool otelc__pcell_applies(const otelc__mstore *st);

/* The calling thread's cell of series @p s, made on first use; NULL when
 * the store does not use them, the series gave out all it may, or memory
 * is short (the caller then uses the shared cell). Thread-safe. */
otelc__pcell *otelc__pcell_get(otelc__mstore *st, otelc__series *s);

/* Owner only: add @p v to an int64 or double sum. */
static inline void otelc__pcell_add_i(otelc__pcell *pc, int64_t v) {
  _Atomic uint64_t *c = otelc__pcell_sum(pc);
  atomic_store_explicit(
      c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)v,
      memory_order_relaxed);
}

static inline void otelc__pcell_add_d(otelc__pcell *pc, double v) {
  _Atomic uint64_t *c = otelc__pcell_sum(pc);
  double d;
  uint64_t b = atomic_load_explicit(c, memory_order_relaxed);
  memcpy(&d, &b, 8);
  d += v;
  memcpy(&b, &d, 8);
  atomic_store_explicit(c, b, memory_order_relaxed);
}

/* Owner only: record non-NaN @p v into bucket @p bucket (infinities are
 * counted but stay out of sum, min and max). */
static inline void otelc__pcell_hist_add(otelc__pcell *pc, uint32_t bucket,
                                         double v) {
  otelc__phist *h = otelc__pcell_hist(pc);
  uint32_t q = atomic_load_explicit(&pc->seq, memory_order_relaxed);
  atomic_store_explicit(&pc->seq, q + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  atomic_store_explicit(
      &h->count, atomic_load_explicit(&h->count, memory_order_relaxed) + 1,
      memory_order_relaxed);
  atomic_store_explicit(
      &h->buckets[bucket],
      atomic_load_explicit(&h->buckets[bucket], memory_order_relaxed) + 1,
      memory_order_relaxed);
  if (OTELC__LIKELY(isfinite(v))) {
    double sum, min, max;
    uint64_t b = atomic_load_explicit(&h->sum, memory_order_relaxed);
    memcpy(&sum, &b, 8);
    sum += v;
    memcpy(&b, &sum, 8);
    atomic_store_explicit(&h->sum, b, memory_order_relaxed);
    b = atomic_load_explicit(&h->min, memory_order_relaxed);
    memcpy(&min, &b, 8);
    if (v < min) {
      memcpy(&b, &v, 8);
      atomic_store_explicit(&h->min, b, memory_order_relaxed);
    }
    b = atomic_load_explicit(&h->max, memory_order_relaxed);
    memcpy(&max, &b, 8);
    if (v > max) {
      memcpy(&b, &v, 8);
      atomic_store_explicit(&h->max, b, memory_order_relaxed);
    }
  }
  atomic_store_explicit(&pc->seq, q + 2, memory_order_release);
}

/* Collection (the store's collecting reader only). The sum of every
 * thread's cell of @p s: the totals, or for a delta store their growth
 * since the last call. */
uint64_t otelc__pcells_sum_i(const otelc__mstore *st, otelc__series *s);
double otelc__pcells_sum_d(otelc__series *s);
/* Add every thread's histogram cell of @p s into the point and counts. */
void otelc__pcells_merge_hist(const otelc__mstore *st, otelc__series *s,
                              otelc_histogram_point *pt, uint64_t *counts);
/* Free the cells of @p s (no other thread uses it). */
void otelc__pcells_free(otelc__series *s);
/* In a forked child: a cell whose owner was writing when the process
 * forked is left as it is, readable again. */
void otelc__pcells_after_fork(otelc__series *s);

#endif /* OTELC_SRC_METRICS_PCELL_H */
