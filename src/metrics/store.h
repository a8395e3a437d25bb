/*
 * The hot path of the storage: finding a series without locks and
 * updating its cell with atomic operations. Every function here is
 * thread-safe and allocates nothing.
 */
#ifndef OTELC_SRC_METRICS_STORE_H
#define OTELC_SRC_METRICS_STORE_H

#include <math.h>

#include "metrics/metrics_internal.h"

/* Whether series @p s holds the attributes of @p m in another order than
 * it first saw them (or not at all). */
bool otelc__series_match_slow(const otelc__series *s, const otelc__mattrs *m,
                              const uint32_t *idx, uint32_t n);

/* Whether series @p s holds exactly the attributes of @p m selected by
 * @p idx (NULL: all), @p n of them. Callers usually pass one fixed order,
 * the one the series keeps for comparisons. */
static inline bool otelc__series_match(const otelc__series *s,
                                       const otelc__mattrs *m,
                                       const uint32_t *idx, uint32_t n) {
  const otelc__sattr *y = s->match;
  for (uint32_t k = 0; k < n; k++) {
    const otelc__mattr *x = &m->at[idx ? idx[k] : k];
    if (OTELC__UNLIKELY(!otelc__mattr_same(x, &y[k])))
      return otelc__series_match_slow(s, m, idx, n);
  }
  return true;
}

/* The series of the set (m, idx, n) with hash @p h, or NULL. */
static inline otelc__series *otelc__store_find(otelc__mstore *st,
                                               const otelc__mattrs *m,
                                               const uint32_t *idx, uint32_t n,
                                               uint64_t h) {
  otelc__table *t = atomic_load_explicit(&st->table, memory_order_acquire);
  uint32_t i = (uint32_t)(h ^ (h >> 32)) & t->mask;
  for (;;) {
    otelc__series *s = atomic_load_explicit(&t->slots[i], memory_order_acquire);
    if (!s)
      return NULL;
    if (s->hash == h && s->n_attrs == n && otelc__series_match(s, m, idx, n))
      return s;
    i = (i + 1) & t->mask;
  }
}

/* The byte comparisons behind otelc__attr_verify, for a key or string
 * value passed through another pointer than the series' identity one. */
bool otelc__attr_key_same(const char *k, const otelc__sattr *y);
bool otelc__attr_str_same(const otelc_value *v, const otelc__sattr *y);

/* Whether the caller's attribute @p a equals stored attribute @p y,
 * without hashing (the lookup cache's check). A key or string passed
 * through the series' identity pointer (see otelc__sattr) is equal
 * without reading it; another pointer is compared byte by byte. Other
 * value types than scalars and strings give false (the caller takes the
 * slow path). */
static inline bool otelc__attr_verify(const otelc_attr *a,
                                      const otelc__sattr *y) {
  if (OTELC__UNLIKELY(a->key != y->key_id) && !otelc__attr_key_same(a->key, y))
    return false;
  if ((uint32_t)a->value.type != y->type)
    return false;
  switch (a->value.type) {
  case OTELC_VALUE_STRING:
    return (a->value.u.str == y->str_id && a->value.len == y->str_id_len) ||
           otelc__attr_str_same(&a->value, y);
  case OTELC_VALUE_INT:
    return (uint64_t)a->value.u.i == y->word;
  case OTELC_VALUE_BOOL:
    return (a->value.u.b ? 1u : 0u) == y->word;
  case OTELC_VALUE_DOUBLE: {
    uint64_t b;
    memcpy(&b, &a->value.u.d, 8);
    return b == y->word;
  }
  default:
    return false;
  }
}

/* Whether series @p s holds exactly @p attrs, in this order. */
static inline bool otelc__series_verify(const otelc__series *s,
                                        const otelc_attr *attrs, size_t n) {
  if (s->n_attrs != n)
    return false;
  for (size_t k = 0; k < n; k++)
    if (!otelc__attr_verify(&attrs[k], &s->match[k]))
      return false;
  return true;
}

/* The series for a measurement: found, inserted, or the overflow one. */
static inline otelc__series *otelc__store_series(otelc__mstore *st,
                                                 const otelc__mattrs *m,
                                                 const uint32_t *idx,
                                                 uint32_t n, uint64_t h) {
  otelc__series *s = otelc__store_find(st, m, idx, n, h);
  return OTELC__LIKELY(s != NULL) ? s : otelc__store_insert(st, m, idx, n, h);
}

/* -------------------------------------------------------------- cells -- */

extern __thread uint32_t otelc__stripe_tls
    __attribute__((tls_model("initial-exec")));

/* The cell of stripe number @p t (a thread's otelc__stripe_tls). */
static inline void *otelc__stripe_at(const otelc__mstore *st,
                                     otelc__stripes *sp, uint32_t t) {
  return (char *)sp + OTELC__STRIPES_HDR +
         (size_t)(t & sp->mask) * st->cell_size;
}

static inline void *otelc__stripe_cell(const otelc__mstore *st,
                                       otelc__stripes *sp) {
  uint32_t t = otelc__stripe_tls;
  if (OTELC__UNLIKELY(t == 0))
    t = otelc__thread_stripe();
  return otelc__stripe_at(st, sp, t);
}

/* Mark @p s as having a measurement (read by collection). */
static inline void otelc__series_mark(otelc__series *s) {
  if (!atomic_load(&s->dirty))
    atomic_store(&s->dirty, 1);
}

static inline void otelc__sum_add_i(otelc__mstore *st, otelc__series *s,
                                    int64_t v) {
  otelc__stripes *sp = atomic_load_explicit(&s->stripes, memory_order_acquire);
  if (OTELC__LIKELY(!sp)) {
    _Atomic int64_t *c = otelc__series_cell(s);
    int64_t old = atomic_load_explicit(c, memory_order_relaxed);
    if (OTELC__LIKELY(atomic_compare_exchange_strong(
            c, &old, (int64_t)((uint64_t)old + (uint64_t)v))))
      return;
    otelc__series_contended(st, s);
    atomic_fetch_add(c, v);
    return;
  }
  atomic_fetch_add((_Atomic int64_t *)otelc__stripe_cell(st, sp), v);
}

static inline uint64_t otelc__dbits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static inline double otelc__bitsd(uint64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static inline void otelc__sum_add_d(otelc__mstore *st, otelc__series *s,
                                    double v) {
  otelc__stripes *sp = atomic_load_explicit(&s->stripes, memory_order_acquire);
  _Atomic uint64_t *c =
      OTELC__LIKELY(!sp) ? otelc__series_cell(s) : otelc__stripe_cell(st, sp);
  uint64_t old = atomic_load_explicit(c, memory_order_relaxed);
  while (!atomic_compare_exchange_weak(c, &old,
                                       otelc__dbits(otelc__bitsd(old) + v))) {
    if (!sp)
      otelc__series_contended(st, s);
  }
}

static inline void otelc__last_set(otelc__series *s, uint64_t bits) {
  atomic_store((_Atomic uint64_t *)otelc__series_cell(s), bits);
}

void otelc__spin_lock_slow(_Atomic uint32_t *l);

static inline void otelc__spin_lock(_Atomic uint32_t *l) {
  if (OTELC__UNLIKELY(atomic_exchange_explicit(l, 1, memory_order_acquire)))
    otelc__spin_lock_slow(l);
}

static inline void otelc__spin_unlock(_Atomic uint32_t *l) {
  atomic_store_explicit(l, 0, memory_order_release);
}

/* Index of the first bound >= v (upper-inclusive buckets); n for the
 * last bucket. A binary search whose steps are conditional moves, not
 * branches that measured values would mispredict. */
static inline uint32_t otelc__bucket_of(const double *b, uint32_t n, double v) {
  if (n == 0)
    return 0;
  const double *base = b;
  uint32_t len = n;
  while (len > 1) {
    uint32_t half = len >> 1;
    base = base[half - 1] < v ? base + half : base;
    len -= half;
  }
  return (uint32_t)(base - b) + (base[0] < v);
}

/* Record a non-NaN value into an explicit histogram. Infinities are
 * counted in the edge buckets but stay out of sum, min and max. */
static inline void otelc__hist_add(otelc__mstore *st, otelc__series *s,
                                   double v) {
  uint32_t b = otelc__bucket_of(st->bounds, st->n_bounds, v);
  otelc__stripes *sp = atomic_load_explicit(&s->stripes, memory_order_acquire);
  otelc__hist_cell *c =
      OTELC__LIKELY(!sp) ? otelc__series_cell(s) : otelc__stripe_cell(st, sp);
  if (OTELC__UNLIKELY(
          atomic_exchange_explicit(&c->lock, 1, memory_order_acquire))) {
    if (!sp)
      otelc__series_contended(st, s);
    otelc__spin_lock_slow(&c->lock);
  }
  c->count++;
  c->buckets[b]++;
  if (OTELC__LIKELY(isfinite(v))) {
    c->sum += v;
    if (v < c->min)
      c->min = v;
    if (v > c->max)
      c->max = v;
  }
  otelc__spin_unlock(&c->lock);
}

static inline void otelc__exph_add(otelc__series *s, double v) {
  otelc__exph_cell *c = otelc__series_cell(s);
  otelc__spin_lock(&c->lock);
  otelc__exph_record(&c->h, v);
  otelc__spin_unlock(&c->lock);
}

#endif /* OTELC_SRC_METRICS_STORE_H */
