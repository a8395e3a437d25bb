/* Recording: the synchronous instruments' add and record calls and the
 * bound handles. The path of a measurement: for each store (stream x
 * reader), find the series (through the thread's lookup cache, or by
 * hashing the attributes once, applying the stream's filter and probing
 * the table without locking), then update its cell atomically. */
#include <pthread.h>

#include "common/tls.h"
#include "metrics/exemplar.h"
#include "metrics/pcell.h"
#include "metrics/store.h"

/* Update the cell of @p s with @p v (in the instrument's type), through
 * the calling thread's own cell @p pc when it has one, and mark the
 * series as measured. */
static inline void apply(otelc__mstore *st, otelc__series *s, otelc__pcell *pc,
                         otelc__num v) {
  if (OTELC__LIKELY(st->agg == OTELC__AGG_SUM)) {
    if (!st->is_double) {
      if (pc)
        otelc__pcell_add_i(pc, v.i);
      else
        otelc__sum_add_i(st, s, v.i);
    } else {
      if (OTELC__UNLIKELY(!isfinite(v.d)))
        return;
      if (pc)
        otelc__pcell_add_d(pc, v.d);
      else
        otelc__sum_add_d(st, s, v.d);
    }
  } else {
    double d = st->is_double ? v.d : (double)v.i;
    switch (st->agg) {
    case OTELC__AGG_LAST:
      otelc__last_set(s, st->is_double ? otelc__dbits(v.d) : (uint64_t)v.i);
      break;
    case OTELC__AGG_HIST:
      if (OTELC__UNLIKELY(isnan(d)))
        return;
      if (pc)
        otelc__pcell_hist_add(pc, otelc__bucket_of(st->bounds, st->n_bounds, d),
                              d);
      else
        otelc__hist_add(st, s, d);
      break;
    default:
      if (!isfinite(d))
        return;
      otelc__exph_add(s, d);
      break;
    }
  }
  otelc__series_mark(s);
}

/* Provider state that turns recording off or needs attention. */
static inline bool provider_ok(otelc_meter_provider *p) {
  if (OTELC__UNLIKELY(atomic_load_explicit(&p->shut, memory_order_relaxed)))
    return false;
  if (OTELC__UNLIKELY(
          atomic_load_explicit(&p->fork_gen, memory_order_relaxed) !=
          atomic_load_explicit(&otelc__fork_generation, memory_order_relaxed)))
    otelc__mp_after_fork(p);
  return true;
}

/* Whether measurements made now may become exemplars: a cheap test of
 * the filter (a trace-based filter needs some active context). */
static inline bool exemplars_possible(const otelc__inst *in) {
  return OTELC__UNLIKELY(in->exemplars) &&
         (in->exemplar_filter == OTELC_EXEMPLAR_FILTER_ALWAYS_ON ||
          otelc__ctx_depth() != 0);
}

/* Whether the current span lets a measurement become an exemplar. */
static inline bool exemplar_wanted(const otelc__inst *in,
                                   const otelc__ex_span *span) {
  return in->exemplar_filter == OTELC_EXEMPLAR_FILTER_ALWAYS_ON ||
         span->sampled;
}

static inline double as_double(const otelc__inst *in, otelc__num v) {
  return in->is_double ? v.d : (double)v.i;
}

/* ---------------------------------------------------------- lookup cache -- */

/* Each thread remembers, per store (direct-mapped by the store's id), the
 * attribute array it last recorded with and the series it found. A call
 * with the same array skips hashing and the table: the series' stored
 * attributes are compared with the array's content, in order, so a
 * changed array simply misses. Store ids are never reused, so an entry
 * of a freed store can never match. */
typedef struct lcache_entry {
  uint64_t store_id;
  const otelc_attr *attrs;
  size_t n;
  otelc__series *s;
  otelc__pcell *pc; /* this thread's own cell of s, or NULL */
} lcache_entry;

#define LCACHE_SIZE 64

/* Bound handles find the thread's own cell of their series here,
 * direct-mapped by the series' address; (store id, series) is unique
 * for the life of the process, since series live as long as their
 * store. Allocated with the lookup cache. */
typedef struct bcache_entry {
  uint64_t store_id;
  const otelc__series *s;
  otelc__pcell *pc; /* NULL: the series' shared cell */
} bcache_entry;

#define BCACHE_SIZE 64

static __thread lcache_entry *tls_lcache
    __attribute__((tls_model("initial-exec")));
static __thread bcache_entry *tls_bcache
    __attribute__((tls_model("initial-exec")));

static void lcache_exit(otelc__tls *t) {
  (void)t;
  otelc__free(tls_lcache);
  tls_lcache = NULL;
  tls_bcache = NULL;
}

static pthread_once_t lcache_once = PTHREAD_ONCE_INIT;
static void lcache_init(void) {
  otelc__tls_on_exit(lcache_exit);
}

/* The calling thread's cache, made on first use (NULL without memory). */
static lcache_entry *lcache_make(void) {
  pthread_once(&lcache_once, lcache_init);
  lcache_entry *c = otelc__calloc(1, LCACHE_SIZE * sizeof *c +
                                         BCACHE_SIZE * sizeof(bcache_entry));
  if (!c)
    return NULL;
  tls_lcache = c;
  tls_bcache = (bcache_entry *)(void *)(c + LCACHE_SIZE);
  otelc__tls *t = &otelc__tls_data;
  if (!t->registered)
    otelc__tls_register(t);
  return c;
}

static inline lcache_entry *lcache_slot(lcache_entry *c,
                                        const otelc__mstore *st) {
  return &c[st->id & (LCACHE_SIZE - 1)];
}

/* ------------------------------------------------------------- record -- */

/* Offer a measurement of series @p s of store @p st to its reservoir;
 * the span is looked up on the first call (*looked). @p m is needed when
 * the store filters attributes. */
static void offer_one(otelc__inst *in, otelc__mstore *st, otelc__series *s,
                      otelc__num v, double d, otelc__mattrs *m,
                      otelc__ex_span *span, bool *looked) {
  if (!st->exemplars)
    return;
  if (!*looked) {
    otelc__ex_span_current(span);
    *looked = true;
  }
  if (!exemplar_wanted(in, span))
    return;
  const uint32_t *idx = NULL;
  uint32_t cnt = 0;
  if (st->filter) {
    otelc__mattrs_filter(m, st->filter);
    idx = m->f_idx;
    cnt = m->f_n;
  } else {
    m = NULL; /* nothing dropped */
  }
  otelc__exemplar_offer(st, s, v, d, m, idx, cnt, NULL, 0, span);
}

#define MAX_STORES_ON_STACK 8

/* The cached series of store @p st for @p attrs, or NULL; *pc receives
 * the thread's own cell of it (or NULL). */
static inline otelc__series *cached(const otelc__mstore *st,
                                    const otelc_attr *attrs, size_t n,
                                    otelc__pcell **pc) {
  lcache_entry *c = tls_lcache;
  if (OTELC__LIKELY(c != NULL)) {
    lcache_entry *e = lcache_slot(c, st);
    if (e->store_id == st->id && e->attrs == attrs && e->n == n &&
        otelc__series_verify(e->s, attrs, n)) {
      *pc = e->pc;
      return e->s;
    }
  }
  return NULL;
}

/* The series of store @p st for @p attrs, hashed into @p m (prepared by
 * the caller), remembered in the lookup cache when the store keeps every
 * attribute, with the thread's own cell of it (*pc, or NULL: series
 * found without the cache use their shared cell). */
static otelc__series *lookup(otelc__mstore *st, const otelc_attr *attrs,
                             size_t n, otelc__mattrs *m, otelc__pcell **pc) {
  *pc = NULL;
  if (st->filter) {
    otelc__mattrs_filter(m, st->filter);
    return otelc__store_series(st, m, m->f_idx, m->f_n, m->f_hash);
  }
  otelc__series *s = otelc__store_series(st, m, NULL, m->n, m->hash);
  /* Only arrays without duplicate keys match the series in order. */
  lcache_entry *c = tls_lcache;
  if (s != st->overflow && m->n == n && (c || (c = lcache_make()) != NULL)) {
    lcache_entry *e = lcache_slot(c, st);
    e->store_id = st->id;
    e->attrs = attrs;
    e->n = n;
    e->s = s;
    e->pc = *pc = otelc__pcell_get(st, s);
  }
  return s;
}

/* Exemplars of one measurement whose series are known. */
static void offer_all(otelc__inst *in, otelc__num v, const otelc_attr *attrs,
                      size_t n, otelc__series *const *series, otelc__mattrs *m,
                      bool prepared) {
  if (!prepared && !otelc__mattrs_init(m, attrs, n))
    return;
  otelc__ex_span span;
  bool looked = false;
  double d = as_double(in, v);
  for (uint32_t k = 0; k < in->n_stores; k++)
    offer_one(in, in->stores[k], series[k], v, d, m, &span, &looked);
  otelc__mattrs_done(m);
}

/* Exemplars of a measurement found through the lookup cache. */
static __attribute__((noinline)) void offer_cached(otelc__inst *in,
                                                   otelc__num v,
                                                   const otelc_attr *attrs,
                                                   size_t n, otelc__series *s) {
  otelc__mattrs m;
  offer_all(in, v, attrs, n, &s, &m, false);
}

/* A measurement of an instrument with several stores, or filtering. */
static __attribute__((noinline)) void record_general(otelc__inst *in,
                                                     otelc__num v,
                                                     const otelc_attr *attrs,
                                                     size_t n) {
  otelc__mattrs m;
  bool prepared = false;
  otelc__series *stack[MAX_STORES_ON_STACK], **series = stack;
  bool ex = exemplars_possible(in);
  if (ex && in->n_stores > MAX_STORES_ON_STACK &&
      !(series = otelc__calloc(in->n_stores, sizeof *series)))
    ex = false;
  for (uint32_t k = 0; k < in->n_stores; k++) {
    otelc__mstore *st = in->stores[k];
    otelc__pcell *pc = NULL;
    otelc__series *s = st->filter ? NULL : cached(st, attrs, n, &pc);
    if (!s) {
      if (!prepared && !otelc__mattrs_init(&m, attrs, n))
        break;
      prepared = true;
      s = lookup(st, attrs, n, &m, &pc);
    }
    apply(st, s, pc, v);
    if (ex)
      series[k] = s;
  }
  if (ex)
    offer_all(in, v, attrs, n, series, &m, prepared); /* releases m */
  else if (prepared)
    otelc__mattrs_done(&m);
  if (series != stack)
    otelc__free(series);
}

/* A measurement of a one-store instrument, after a cache miss. */
static __attribute__((noinline)) void
record_miss(otelc__inst *in, otelc__mstore *st, otelc__num v,
            const otelc_attr *attrs, size_t n) {
  otelc__mattrs m;
  if (!otelc__mattrs_init(&m, attrs, n))
    return;
  otelc__pcell *pc;
  otelc__series *s = lookup(st, attrs, n, &m, &pc);
  apply(st, s, pc, v);
  if (exemplars_possible(in))
    offer_all(in, v, attrs, n, &s, &m, true); /* releases m */
  else
    otelc__mattrs_done(&m);
}

/* Whether @p a is passed through the identity pointers of stored
 * attribute @p y with the same scalar: equal without reading any
 * string. False means "not shown equal this way", not "different". */
static inline bool same_by_identity(const otelc_attr *a,
                                    const otelc__sattr *y) {
  if (a->key != y->key_id || (uint32_t)a->value.type != y->type)
    return false;
  switch (a->value.type) {
  case OTELC_VALUE_STRING:
    return a->value.u.str == y->str_id && a->value.len == y->str_id_len;
  case OTELC_VALUE_INT:
    return (uint64_t)a->value.u.i == y->word;
  case OTELC_VALUE_DOUBLE:
    return otelc__dbits(a->value.u.d) == y->word;
  case OTELC_VALUE_BOOL:
    return (a->value.u.b ? 1u : 0u) == y->word;
  default:
    return false;
  }
}

/* The cache-hit path's lookup: the cache entry of @p attrs when all of
 * them are passed through its series' identity pointers. Makes no call,
 * so that the common measurement needs no stack frame. */
static inline const lcache_entry *
cached_by_identity(const otelc__mstore *st, const otelc_attr *attrs, size_t n) {
  lcache_entry *c = tls_lcache;
  if (OTELC__UNLIKELY(!c))
    return NULL;
  lcache_entry *e = lcache_slot(c, st);
  if (e->store_id != st->id || e->attrs != attrs || e->n != n)
    return NULL;
  /* An entry is only made for a series holding exactly n attributes. */
  const otelc__sattr *y = e->s->match;
  for (size_t k = 0; k < n; k++)
    if (!same_by_identity(&attrs[k], &y[k]))
      return NULL;
  return e;
}

/* Everything but a cache hit by identity on a one-store instrument. */
static __attribute__((noinline)) void
record_slow(otelc__inst *in, otelc__num v, const otelc_attr *attrs, size_t n) {
  if (!provider_ok(in->prov))
    return;
  if (OTELC__UNLIKELY(n && !attrs))
    n = 0;
  otelc__mstore *st = in->stores[0];
  if (in->n_stores != 1 || st->filter) {
    record_general(in, v, attrs, n);
    return;
  }
  otelc__pcell *pc = NULL;
  otelc__series *s = cached(st, attrs, n, &pc);
  if (!s) {
    record_miss(in, st, v, attrs, n);
    return;
  }
  apply(st, s, pc, v);
  if (OTELC__UNLIKELY(exemplars_possible(in)))
    offer_cached(in, v, attrs, n, s);
}

/* A cache hit that is not a plain int64 sum, or may make an exemplar. */
static __attribute__((noinline)) void
record_hit(otelc__inst *in, otelc__mstore *st, const lcache_entry *e,
           otelc__num v, const otelc_attr *attrs, size_t n) {
  otelc__series *s = e->s;
  apply(st, s, e->pc, v);
  if (OTELC__UNLIKELY(exemplars_possible(in)))
    offer_cached(in, v, attrs, n, s);
}

/* An int64 sum whose series has per-thread stripes, or whose
 * compare-and-swap lost to another thread (nothing was added yet: the
 * loss counts towards giving the series stripes). */
static __attribute__((noinline)) void
sum_add_slow(otelc__mstore *st, otelc__series *s, int64_t v) {
  otelc__stripes *sp = atomic_load_explicit(&s->stripes, memory_order_acquire);
  if (!sp) {
    otelc__series_contended(st, s);
    atomic_fetch_add((_Atomic int64_t *)otelc__series_cell(s), v);
  } else {
    atomic_fetch_add((_Atomic int64_t *)otelc__stripe_cell(st, sp), v);
  }
  otelc__series_mark(s);
}

/* Every measurement of a synchronous instrument comes here. The common
 * one (one store, a cache hit by identity, an int64 sum, no exemplar) is
 * handled inline without a call; everything else is a tail call. */
void otelc__record(otelc__inst *in, otelc__num v, const otelc_attr *attrs,
                   size_t n) {
  otelc_meter_provider *p = in->prov;
  otelc__mstore *st = in->stores[0];
  const lcache_entry *e;
  if (OTELC__UNLIKELY(
          atomic_load_explicit(&p->shut, memory_order_relaxed) ||
          atomic_load_explicit(&p->fork_gen, memory_order_relaxed) !=
              atomic_load_explicit(&otelc__fork_generation,
                                   memory_order_relaxed) ||
          in->n_stores != 1 || st->filter ||
          !(e = cached_by_identity(st, attrs, n)))) {
    record_slow(in, v, attrs, n);
    return;
  }
  if (OTELC__UNLIKELY(exemplars_possible(in)))
    goto hit;
  if (st->agg == OTELC__AGG_HIST && e->pc) {
    /* A histogram into the thread's own cell. */
    double d = st->is_double ? v.d : (double)v.i;
    if (OTELC__LIKELY(!isnan(d))) {
      otelc__pcell_hist_add(e->pc,
                            otelc__bucket_of(st->bounds, st->n_bounds, d), d);
      otelc__series_mark(e->s);
    }
    return;
  }
  if (OTELC__UNLIKELY(st->agg != OTELC__AGG_SUM || st->is_double))
    goto hit;
  otelc__series *s = e->s;
  if (OTELC__LIKELY(e->pc != NULL)) {
    /* The thread's own cell: no locked instruction. */
    otelc__pcell_add_i(e->pc, v.i);
    otelc__series_mark(s);
    return;
  }
  otelc__stripes *sp = atomic_load_explicit(&s->stripes, memory_order_acquire);
  if (OTELC__LIKELY(!sp)) {
    _Atomic int64_t *c = otelc__series_cell(s);
    int64_t old = atomic_load_explicit(c, memory_order_relaxed);
    if (OTELC__UNLIKELY(!atomic_compare_exchange_strong(
            c, &old, (int64_t)((uint64_t)old + (uint64_t)v.i)))) {
      sum_add_slow(st, s, v.i);
      return;
    }
  } else {
    /* Threads that fought over this series add to their own stripe. */
    uint32_t t = otelc__stripe_tls;
    if (OTELC__UNLIKELY(t == 0)) {
      sum_add_slow(st, s, v.i);
      return;
    }
    atomic_fetch_add((_Atomic int64_t *)otelc__stripe_at(st, sp, t), v.i);
  }
  otelc__series_mark(s);
  return;
hit:
  record_hit(in, st, e, v, attrs, n);
}

/* ------------------------------------------------------ value checks -- */

static void negative(otelc__inst *in) {
  if (!atomic_exchange_explicit(&in->warned_negative, true,
                                memory_order_relaxed))
    otelc__warn("counter '%s': negative values are ignored (a counter only "
                "increases; use an up-down counter)",
                in->name);
}

/* A double for an int64 instrument: truncated toward zero; false when it
 * has no int64 value (NaN, infinite, out of range). */
static inline bool to_int(double d, int64_t *out) {
  if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
    return false;
  *out = (int64_t)d;
  return true;
}

/* The value of @p d for instrument @p in; false to ignore it. */
static inline bool from_double(const otelc__inst *in, double d,
                               otelc__num *out) {
  if (in->is_double) {
    out->d = d;
    return true;
  }
  return to_int(d, &out->i);
}

static inline otelc__num from_int(const otelc__inst *in, int64_t i) {
  otelc__num v;
  if (in->is_double)
    v.d = (double)i;
  else
    v.i = i;
  return v;
}

/* A counter's value: negative ones are ignored with a warning. */
static inline bool counter_ok(otelc__inst *in, otelc__num v) {
  bool neg = in->is_double ? v.d < 0 : v.i < 0;
  if (OTELC__UNLIKELY(neg && in->kind == OTELC_INSTRUMENT_COUNTER)) {
    negative(in);
    return false;
  }
  return true;
}

/* ------------------------------------------------------------ API ------ */

void otelc_counter_add(otelc_counter *c, int64_t value, const otelc_attr *attrs,
                       size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)c;
  if (OTELC__UNLIKELY(!in || !in->n_stores))
    return;
  otelc__num v = from_int(in, value);
  if (counter_ok(in, v))
    otelc__record(in, v, attrs, n_attrs);
}

void otelc_counter_add_double(otelc_counter *c, double value,
                              const otelc_attr *attrs, size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)c;
  otelc__num v;
  if (OTELC__UNLIKELY(!in || !in->n_stores) || !from_double(in, value, &v))
    return;
  if (counter_ok(in, v))
    otelc__record(in, v, attrs, n_attrs);
}

void otelc_up_down_counter_add(otelc_up_down_counter *c, int64_t value,
                               const otelc_attr *attrs, size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)c;
  if (OTELC__UNLIKELY(!in || !in->n_stores))
    return;
  otelc__record(in, from_int(in, value), attrs, n_attrs);
}

void otelc_up_down_counter_add_double(otelc_up_down_counter *c, double value,
                                      const otelc_attr *attrs, size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)c;
  otelc__num v;
  if (OTELC__UNLIKELY(!in || !in->n_stores) || !from_double(in, value, &v))
    return;
  otelc__record(in, v, attrs, n_attrs);
}

void otelc_histogram_record(otelc_histogram *h, double value,
                            const otelc_attr *attrs, size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)h;
  otelc__num v;
  if (OTELC__UNLIKELY(!in || !in->n_stores) || !from_double(in, value, &v))
    return;
  otelc__record(in, v, attrs, n_attrs);
}

void otelc_histogram_record_int(otelc_histogram *h, int64_t value,
                                const otelc_attr *attrs, size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)h;
  if (OTELC__UNLIKELY(!in || !in->n_stores))
    return;
  otelc__record(in, from_int(in, value), attrs, n_attrs);
}

void otelc_gauge_record(otelc_gauge *g, double value, const otelc_attr *attrs,
                        size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)g;
  otelc__num v;
  if (OTELC__UNLIKELY(!in || !in->n_stores) || !from_double(in, value, &v))
    return;
  otelc__record(in, v, attrs, n_attrs);
}

void otelc_gauge_record_int(otelc_gauge *g, int64_t value,
                            const otelc_attr *attrs, size_t n_attrs) {
  otelc__inst *in = (otelc__inst *)g;
  if (OTELC__UNLIKELY(!in || !in->n_stores))
    return;
  otelc__record(in, from_int(in, value), attrs, n_attrs);
}

/* -------------------------------------------------------------- bound -- */

static otelc_bound noop_bound = {.in = &otelc__noop_inst};

/* Copy the attributes of @p m outside idx[0..n) into b's arena. */
static bool keep_dropped(otelc_bound *b, otelc__bound_target *t,
                         const otelc__mattrs *m, const uint32_t *idx,
                         uint32_t n) {
  if (!idx || n == m->n)
    return true;
  otelc_attr *out =
      otelc__arena_alloc(&b->arena, (m->n - n) * sizeof(otelc_attr));
  if (!out)
    return false;
  size_t j = 0;
  for (uint32_t i = 0, k = 0; i < m->n; i++) {
    if (k < n && idx[k] == i) {
      k++;
      continue;
    }
    bool cut = false;
    const otelc__mattr *x = &m->at[i];
    out[j].key = otelc__arena_strndup(&b->arena, x->key, x->klen);
    if (!out[j].key ||
        otelc__value_copy(&b->arena, &out[j].value, &x->src->value, UINT32_MAX,
                          &cut) != OTELC_OK)
      return false;
    j++;
  }
  t->fattrs = out;
  t->n_fattrs = j;
  return true;
}

void otelc__bound_destroy(otelc_bound *b) {
  for (uint32_t k = 0; k < b->n; k++)
    atomic_fetch_sub(&b->t[k].s->bound, 1);
  otelc__arena_reset(&b->arena, NULL, 0);
  otelc__free(b);
}

static otelc_bound *bind(otelc__inst *in, const otelc_attr *attrs, size_t n) {
  if (!in || !in->n_stores || !provider_ok(in->prov))
    return &noop_bound;
  otelc__mattrs m;
  if (!otelc__mattrs_init(&m, attrs, n))
    return &noop_bound;
  otelc_bound *b = otelc__calloc(1, sizeof *b + in->n_stores * sizeof(b->t[0]));
  if (!b) {
    otelc__mattrs_done(&m);
    return &noop_bound;
  }
  b->in = in;
  otelc__arena_init(&b->arena, NULL, 0);
  bool ok = true;
  for (uint32_t k = 0; k < in->n_stores; k++) {
    otelc__mstore *st = in->stores[k];
    const uint32_t *idx = NULL;
    uint32_t cnt = m.n;
    uint64_t h = m.hash;
    if (st->filter) {
      otelc__mattrs_filter(&m, st->filter);
      idx = m.f_idx;
      cnt = m.f_n;
      h = m.f_hash;
    }
    otelc__series *s = otelc__store_series(st, &m, idx, cnt, h);
    atomic_fetch_add(&s->bound, 1);
    /* A bound counter or histogram is reported from now on by cumulative
     * readers, at zero until something is recorded. */
    if (!st->delta && st->agg != OTELC__AGG_LAST)
      otelc__series_mark(s);
    b->t[k].st = st;
    b->t[k].s = s;
    b->n = k + 1;
    if (st->exemplars) {
      b->exemplars = true;
      ok = ok && keep_dropped(b, &b->t[k], &m, idx, cnt);
    }
  }
  otelc__mattrs_done(&m);
  if (!ok) {
    otelc__bound_destroy(b);
    return &noop_bound;
  }
  b->monotonic = in->kind == OTELC_INSTRUMENT_COUNTER;
  b->fast = b->n == 1 && b->t[0].st->agg == OTELC__AGG_SUM && !in->is_double;
  otelc_meter_provider *p = in->prov;
  pthread_mutex_lock(&p->mu);
  b->next = p->bounds;
  if (p->bounds)
    p->bounds->prev = b;
  p->bounds = b;
  pthread_mutex_unlock(&p->mu);
  return b;
}

otelc_bound *otelc_counter_bind(otelc_counter *c, const otelc_attr *attrs,
                                size_t n_attrs) {
  return bind((otelc__inst *)c, attrs, n_attrs);
}

otelc_bound *otelc_up_down_counter_bind(otelc_up_down_counter *c,
                                        const otelc_attr *attrs,
                                        size_t n_attrs) {
  return bind((otelc__inst *)c, attrs, n_attrs);
}

otelc_bound *otelc_histogram_bind(otelc_histogram *h, const otelc_attr *attrs,
                                  size_t n_attrs) {
  return bind((otelc__inst *)h, attrs, n_attrs);
}

otelc_bound *otelc_gauge_bind(otelc_gauge *g, const otelc_attr *attrs,
                              size_t n_attrs) {
  return bind((otelc__inst *)g, attrs, n_attrs);
}

static void bound_exemplars(otelc_bound *b, otelc__num v, double d) {
  otelc__ex_span span;
  otelc__ex_span_current(&span);
  if (!exemplar_wanted(b->in, &span))
    return;
  for (uint32_t k = 0; k < b->n; k++) {
    otelc__bound_target *t = &b->t[k];
    if (t->st->exemplars)
      otelc__exemplar_offer(t->st, t->s, v, d, NULL, NULL, 0, t->fattrs,
                            t->n_fattrs, &span);
  }
}

/* The calling thread's own cell of a bound target, found and remembered
 * (NULL: use the shared cell). */
static __attribute__((noinline)) otelc__pcell *
bound_pcell_slow(const otelc__bound_target *t) {
  if (!t->st->pcells || (!tls_bcache && !lcache_make()))
    return NULL;
  bcache_entry *e = &tls_bcache[((uintptr_t)t->s >> 6) & (BCACHE_SIZE - 1)];
  e->store_id = t->st->id;
  e->s = t->s;
  e->pc = otelc__pcell_get(t->st, t->s);
  return e->pc;
}

static inline otelc__pcell *bound_pcell(const otelc__bound_target *t) {
  bcache_entry *c = tls_bcache;
  if (OTELC__LIKELY(c != NULL)) {
    const bcache_entry *e = &c[((uintptr_t)t->s >> 6) & (BCACHE_SIZE - 1)];
    if (OTELC__LIKELY(e->s == t->s && e->store_id == t->st->id))
      return e->pc;
  }
  return bound_pcell_slow(t);
}

static void bound_apply(otelc_bound *b, otelc__num v) {
  otelc__inst *in = b->in;
  if (OTELC__UNLIKELY(!provider_ok(in->prov)))
    return;
  double d = as_double(in, v);
  for (uint32_t k = 0; k < b->n; k++)
    apply(b->t[k].st, b->t[k].s, bound_pcell(&b->t[k]), v);
  if (OTELC__UNLIKELY(b->exemplars) && exemplars_possible(in))
    bound_exemplars(b, v, d);
}

/* Every bound add but the common one. */
static __attribute__((noinline)) void bound_add_slow(otelc_bound *b,
                                                     int64_t value) {
  if (OTELC__UNLIKELY(!b->n))
    return;
  otelc__num v = from_int(b->in, value);
  if (counter_ok(b->in, v))
    bound_apply(b, v);
}

void otelc_bound_add(otelc_bound *b, int64_t value) {
  if (OTELC__UNLIKELY(!b))
    return;
  /* The common bound counter: one int64 sum, added to the thread's own
   * cell with no call, so that it needs no stack frame; anything else
   * (a first use on this thread, a negative value, exemplars, shutdown
   * or fork) is a tail call. */
  if (OTELC__LIKELY(b->fast) && (value >= 0 || !b->monotonic)) {
    const otelc__bound_target *t = &b->t[0];
    otelc_meter_provider *p = b->in->prov;
    const bcache_entry *c = tls_bcache;
    if (OTELC__LIKELY(
            c != NULL &&
            !atomic_load_explicit(&p->shut, memory_order_relaxed) &&
            atomic_load_explicit(&p->fork_gen, memory_order_relaxed) ==
                atomic_load_explicit(&otelc__fork_generation,
                                     memory_order_relaxed))) {
      const bcache_entry *e = &c[((uintptr_t)t->s >> 6) & (BCACHE_SIZE - 1)];
      if (OTELC__LIKELY(e->s == t->s && e->store_id == t->st->id &&
                        e->pc != NULL &&
                        !(b->exemplars && exemplars_possible(b->in)))) {
        otelc__pcell_add_i(e->pc, value);
        otelc__series_mark(t->s);
        return;
      }
    }
  }
  bound_add_slow(b, value);
}

void otelc_bound_add_double(otelc_bound *b, double value) {
  otelc__num v;
  if (OTELC__UNLIKELY(!b || !b->n) || !from_double(b->in, value, &v))
    return;
  if (counter_ok(b->in, v))
    bound_apply(b, v);
}

void otelc_bound_record(otelc_bound *b, double value) {
  otelc_bound_add_double(b, value);
}

void otelc_bound_record_int(otelc_bound *b, int64_t value) {
  otelc_bound_add(b, value);
}

void otelc_bound_free(otelc_bound *b) {
  if (!b || b == &noop_bound || !b->n)
    return;
  otelc_meter_provider *p = b->in->prov;
  pthread_mutex_lock(&p->mu);
  if (b->prev)
    b->prev->next = b->next;
  else
    p->bounds = b->next;
  if (b->next)
    b->next->prev = b->prev;
  pthread_mutex_unlock(&p->mu);
  otelc__bound_destroy(b);
}
