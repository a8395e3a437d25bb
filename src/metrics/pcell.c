/* Cells owned by one thread (see pcell.h). */
#include "metrics/pcell.h"

#include <sched.h>

#include "metrics/store.h"

/* Threads of one series with a cell of their own (later ones share its
 * cell): as many as the series would get stripes (twice the processors),
 * at most 16, which bounds the memory of a store with many threads. */
static uint32_t max_pcells(void) {
  uint32_t n = otelc__stripe_count();
  return n < 16u ? n : 16u;
}

bool otelc__pcell_applies(const otelc__mstore *st) {
  if (st->is_async)
    return false;
  if (st->agg == OTELC__AGG_SUM)
    return !st->is_double || !st->delta;
  return st->agg == OTELC__AGG_HIST && !st->delta;
}

static size_t pcell_size(const otelc__mstore *st) {
  size_t data = st->agg == OTELC__AGG_HIST
                    ? sizeof(otelc__phist) + (st->n_bounds + 1u) * 8u
                    : 8u;
  return (OTELC__PCELL_HDR + data + 63u) & ~(size_t)63u;
}

static otelc__pcell *find(otelc__series *s, uint32_t t) {
  for (otelc__pcell *pc =
           atomic_load_explicit(&s->pcells, memory_order_acquire);
       pc; pc = pc->next)
    if (pc->thread == t)
      return pc;
  return NULL;
}

otelc__pcell *otelc__pcell_get(otelc__mstore *st, otelc__series *s) {
  if (!st->pcells)
    return NULL;
  uint32_t t = otelc__stripe_tls;
  if (t == 0)
    t = otelc__thread_stripe();
  otelc__pcell *pc = find(s, t);
  if (pc)
    return pc;
  if (atomic_fetch_add(&s->n_pcells, 1) >= max_pcells()) {
    atomic_fetch_sub(&s->n_pcells, 1);
    return NULL;
  }
  size_t size = pcell_size(st);
  pc = otelc__malloc_aligned(64, size);
  if (!pc) {
    atomic_fetch_sub(&s->n_pcells, 1);
    return NULL;
  }
  memset(pc, 0, size);
  pc->thread = t;
  if (st->agg == OTELC__AGG_HIST) {
    otelc__phist *h = otelc__pcell_hist(pc);
    double inf = INFINITY, ninf = -INFINITY;
    uint64_t b;
    memcpy(&b, &inf, 8);
    atomic_init(&h->min, b);
    memcpy(&b, &ninf, 8);
    atomic_init(&h->max, b);
  }
  /* Only this thread adds a cell for itself: no duplicate can appear. */
  otelc__pcell *head = atomic_load(&s->pcells);
  do
    pc->next = head;
  while (!atomic_compare_exchange_weak_explicit(
      &s->pcells, &head, pc, memory_order_release, memory_order_relaxed));
  return pc;
}

uint64_t otelc__pcells_sum_i(const otelc__mstore *st, otelc__series *s) {
  uint64_t sum = 0;
  for (otelc__pcell *pc =
           atomic_load_explicit(&s->pcells, memory_order_acquire);
       pc; pc = pc->next) {
    uint64_t v =
        atomic_load_explicit(otelc__pcell_sum(pc), memory_order_relaxed);
    if (st->delta) {
      sum += v - pc->reported;
      pc->reported = v;
    } else {
      sum += v;
    }
  }
  return sum;
}

double otelc__pcells_sum_d(otelc__series *s) {
  double sum = 0;
  for (otelc__pcell *pc =
           atomic_load_explicit(&s->pcells, memory_order_acquire);
       pc; pc = pc->next) {
    uint64_t b =
        atomic_load_explicit(otelc__pcell_sum(pc), memory_order_relaxed);
    double d;
    memcpy(&d, &b, 8);
    sum += d;
  }
  return sum;
}

static double as_d(uint64_t b) {
  double d;
  memcpy(&d, &b, 8);
  return d;
}

/* A consistent copy of one histogram cell: retried while its owner
 * writes. @p counts receives n buckets. */
static void snapshot(otelc__pcell *pc, uint32_t n, uint64_t *count, double *sum,
                     double *min, double *max, uint64_t *counts) {
  otelc__phist *h = otelc__pcell_hist(pc);
  for (;;) {
    uint32_t q = atomic_load_explicit(&pc->seq, memory_order_acquire);
    if (q & 1u) {
      sched_yield();
      continue;
    }
    *count = atomic_load_explicit(&h->count, memory_order_relaxed);
    *sum = as_d(atomic_load_explicit(&h->sum, memory_order_relaxed));
    *min = as_d(atomic_load_explicit(&h->min, memory_order_relaxed));
    *max = as_d(atomic_load_explicit(&h->max, memory_order_relaxed));
    for (uint32_t i = 0; i < n; i++)
      counts[i] = atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&pc->seq, memory_order_relaxed) == q)
      return;
  }
}

void otelc__pcells_merge_hist(const otelc__mstore *st, otelc__series *s,
                              otelc_histogram_point *pt, uint64_t *counts) {
  uint32_t n = st->n_bounds + 1u;
  uint64_t stack[64], *buf = n <= 64 ? stack : NULL;
  for (otelc__pcell *pc =
           atomic_load_explicit(&s->pcells, memory_order_acquire);
       pc; pc = pc->next) {
    if (!buf && !(buf = otelc__malloc(n * sizeof *buf)))
      return; /* out of memory: these cells wait for the next collection */
    uint64_t count;
    double sum, min, max;
    snapshot(pc, n, &count, &sum, &min, &max, buf);
    pt->count += count;
    pt->sum += sum;
    if (min < pt->min)
      pt->min = min;
    if (max > pt->max)
      pt->max = max;
    for (uint32_t i = 0; i < n; i++)
      counts[i] += buf[i];
  }
  if (buf != stack)
    otelc__free(buf);
}

void otelc__pcells_free(otelc__series *s) {
  otelc__pcell *pc = atomic_load(&s->pcells);
  while (pc) {
    otelc__pcell *next = pc->next;
    otelc__free(pc);
    pc = next;
  }
}

void otelc__pcells_after_fork(otelc__series *s) {
  for (otelc__pcell *pc = atomic_load(&s->pcells); pc; pc = pc->next) {
    uint32_t q = atomic_load(&pc->seq);
    if (q & 1u)
      atomic_store(&pc->seq, q + 1);
  }
}
