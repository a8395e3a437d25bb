/* Per-reader storage of a stream: series allocation, the series table and
 * its growth, the cardinality limit and overflow series, and per-thread
 * stripes of hot series. */
#include <sched.h>
#include <unistd.h>

#include "metrics/exemplar.h"
#include "metrics/pcell.h"
#include "metrics/store.h"

#include "common/immutable.h"

__thread uint32_t otelc__stripe_tls __attribute__((tls_model("initial-exec")));

static _Atomic uint32_t next_stripe;

uint32_t otelc__thread_stripe(void) {
  uint32_t t =
      atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) %
          0x7fffffffu +
      1;
  otelc__stripe_tls = t;
  return t;
}

/* Stripes per hot series: twice the processors (fewer collisions between
 * threads), a power of two, at most 64. */
uint32_t otelc__stripe_count(void) {
  static _Atomic uint32_t cached;
  uint32_t n = atomic_load_explicit(&cached, memory_order_relaxed);
  if (n)
    return n;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1)
    cpus = 1;
  n = 1;
  while (n < (uint32_t)cpus && n < 32)
    n <<= 1;
  n = cpus > 1 ? n * 2 : 1;
  atomic_store_explicit(&cached, n, memory_order_relaxed);
  return n;
}

static inline void otelc__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Failed fast attempts before a series gets stripes. */
#define STRIPE_AFTER 64u

void otelc__spin_lock_slow(_Atomic uint32_t *l) {
  for (unsigned spins = 0;; spins++) {
    if (!atomic_load_explicit(l, memory_order_relaxed) &&
        !atomic_exchange_explicit(l, 1, memory_order_acquire))
      return;
    if (spins < 64)
      otelc__cpu_relax();
    else
      sched_yield();
  }
}

void otelc__cell_init(const otelc__mstore *st, void *cell) {
  switch (st->agg) {
  case OTELC__AGG_HIST: {
    otelc__hist_cell *c = cell;
    memset(c, 0, sizeof *c + (st->n_bounds + 1u) * sizeof(uint64_t));
    c->min = INFINITY;
    c->max = -INFINITY;
    break;
  }
  case OTELC__AGG_EXPH: {
    otelc__exph_cell *c = cell;
    atomic_init(&c->lock, 0);
    otelc__exph_init(&c->h, st->exph_max_size, st->exph_max_scale,
                     st->record_min_max);
    break;
  }
  default:
    memset(cell, 0, 8);
    break;
  }
}

static void stripes_free(const otelc__mstore *st, otelc__stripes *sp) {
  (void)st;
  otelc__free(sp);
}

void otelc__series_contended(otelc__mstore *st, otelc__series *s) {
  if (atomic_fetch_add_explicit(&s->contention, 1, memory_order_relaxed) + 1 !=
      STRIPE_AFTER)
    return;
  uint32_t n = otelc__stripe_count();
  if (n <= 1 || (st->agg != OTELC__AGG_SUM && st->agg != OTELC__AGG_HIST))
    return;
  size_t size = OTELC__STRIPES_HDR + (size_t)n * st->cell_size;
  otelc__stripes *sp = otelc__malloc_aligned(64, size);
  if (!sp)
    return;
  memset(sp, 0, size);
  sp->mask = n - 1;
  for (uint32_t i = 0; i < n; i++)
    otelc__cell_init(st, (char *)sp + OTELC__STRIPES_HDR +
                             (size_t)i * st->cell_size);
  otelc__stripes *none = NULL;
  if (!atomic_compare_exchange_strong(&s->stripes, &none, sp))
    stripes_free(st, sp);
}

/* ------------------------------------------------------------- series -- */

static size_t pad8(size_t n) {
  return (n + 7u) & ~(size_t)7u;
}

bool otelc__series_match_slow(const otelc__series *s, const otelc__mattrs *m,
                              const uint32_t *idx, uint32_t n) {
  /* Keys are unique on both sides: finding each of the caller's
   * attributes among the stored ones is enough. */
  for (uint32_t k = 0; k < n; k++) {
    const otelc__mattr *x = &m->at[idx ? idx[k] : k];
    uint32_t j = 0;
    while (j < n && !otelc__mattr_same(x, &s->match[j]))
      j++;
    if (j == n)
      return false;
  }
  return true;
}

/* A series holding attributes @p idx (NULL: all) of @p m: copied once,
 * described for comparisons in the caller's order and for export sorted
 * by key. */
static otelc__series *series_new(otelc__mstore *st, const otelc__mattrs *m,
                                 const uint32_t *idx, uint32_t n, uint64_t h) {
  uint32_t order_buf[OTELC__MATTR_STACK];
  uint32_t *order = order_buf;
  if (n > OTELC__MATTR_STACK && !(order = otelc__malloc(n * sizeof *order)))
    return NULL;
  otelc__mattrs_sorted(m, idx, n, order);
  size_t data = 0;
  for (uint32_t k = 0; k < n; k++) {
    const otelc__mattr *x = &m->at[order[k]];
    data += pad8(x->klen + 1u) + otelc__mvalue_copy_size(&x->src->value, 0);
  }
  size_t head = OTELC__SERIES_HDR + st->cell_size;
  size_t arrays = n * (sizeof(otelc__sattr) + sizeof(otelc_attr));
  otelc__series *s = otelc__malloc_aligned(64, head + arrays + data + 8);
  if (!s) {
    if (order != order_buf)
      otelc__free(order);
    return NULL;
  }
  memset(s, 0, OTELC__SERIES_HDR);
  otelc__cell_init(st, otelc__series_cell(s));
  otelc__sattr *match = (otelc__sattr *)((char *)s + head);
  otelc_attr *attrs = (otelc_attr *)(match + n);
  otelc__arena_init(&s->arena, (char *)(attrs + n), data + 8);
  bool ok = true;
  for (uint32_t k = 0; k < n && ok; k++) {
    const otelc__mattr *x = &m->at[order[k]];
    bool cut = false;
    attrs[k].key = otelc__arena_strndup(&s->arena, x->key, x->klen);
    ok = attrs[k].key &&
         otelc__value_copy(&s->arena, &attrs[k].value, &x->src->value,
                           UINT32_MAX, &cut) == OTELC_OK;
  }
  /* The comparison form, in the caller's order, over the copies. */
  for (uint32_t k = 0; k < n && ok; k++) {
    uint32_t i = idx ? idx[k] : k, pos = 0;
    while (order[pos] != i)
      pos++;
    const otelc__mattr *x = &m->at[i];
    otelc__sattr *y = &match[k];
    y->pair = x->pair;
    y->key = attrs[pos].key;
    y->klen = x->klen;
    y->type = (uint16_t)x->type;
    y->vlen = x->vlen;
    y->value = &attrs[pos].value;
    y->word = x->type == OTELC_VALUE_STRING
                  ? (uint64_t)(uintptr_t)attrs[pos].value.u.str
                  : x->word;
    y->nul_free = x->type == OTELC_VALUE_STRING &&
                  !memchr(attrs[pos].value.u.str, '\0', x->vlen);
    const otelc_attr *a = x->src;
    y->key_id =
        a->key && otelc__immutable(a->key, x->klen + 1u) ? a->key : y->key;
    y->str_id = NULL;
    if (x->type == OTELC_VALUE_STRING) {
      const char *str = a->value.u.str;
      bool fixed =
          str && otelc__immutable(str, a->value.len == OTELC_NTS ? x->vlen + 1u
                                                                 : x->vlen);
      y->str_id = fixed ? str : attrs[pos].value.u.str;
      y->str_id_len = fixed ? a->value.len : attrs[pos].value.len;
    }
  }
  if (order != order_buf)
    otelc__free(order);
  if (!ok) {
    otelc__arena_reset(&s->arena, NULL, 0);
    otelc__free(s);
    return NULL;
  }
  s->hash = h;
  s->n_attrs = n;
  s->match = match;
  s->attrs = attrs;
  s->start_ns = otelc_time_now();
  return s;
}

/* A NUL-terminated string is compared with strncmp over the stored
 * length plus its terminator, which checks the length and the bytes in
 * one pass without reading past either string. */
bool otelc__attr_key_same(const char *k, const otelc__sattr *y) {
  return k && strncmp(k, y->key, (size_t)y->klen + 1) == 0;
}

bool otelc__attr_str_same(const otelc_value *v, const otelc__sattr *y) {
  const char *str = v->u.str;
  const char *ys = (const char *)(uintptr_t)y->word;
  if (!str)
    return y->vlen == 0;
  if (v->len == OTELC_NTS)
    return y->nul_free && strncmp(str, ys, y->vlen + 1) == 0;
  return v->len == y->vlen && otelc__bytes_eq(str, ys, y->vlen);
}

static void series_free(const otelc__mstore *st, otelc__series *s) {
  if (!s)
    return;
  if (st->agg == OTELC__AGG_EXPH)
    otelc__exph_free(&((otelc__exph_cell *)otelc__series_cell(s))->h);
  otelc__stripes *sp = atomic_load(&s->stripes);
  if (sp)
    stripes_free(st, sp);
  otelc__pcells_free(s);
  otelc__reservoir_free(atomic_load(&s->res));
  otelc__arena_reset(&s->arena, NULL, 0);
  otelc__free(s);
}

/* -------------------------------------------------------------- table -- */

static otelc__table *table_new(uint32_t cap) {
  otelc__table *t =
      otelc__calloc(1, sizeof *t + (size_t)cap * sizeof(t->slots[0]));
  if (t)
    t->mask = cap - 1;
  return t;
}

static void table_put(otelc__table *t, otelc__series *s) {
  uint32_t i = (uint32_t)(s->hash ^ (s->hash >> 32)) & t->mask;
  while (atomic_load_explicit(&t->slots[i], memory_order_relaxed))
    i = (i + 1) & t->mask;
  atomic_store_explicit(&t->slots[i], s, memory_order_release);
}

static uint32_t final_capacity(uint32_t limit) {
  uint32_t cap = 8;
  while (cap < 2u * (limit + 1u) && cap < (1u << 30))
    cap <<= 1;
  return cap;
}

/* Make room for one more series (under mu). False when memory ran out. */
static bool table_reserve(otelc__mstore *st) {
  otelc__table *t = atomic_load_explicit(&st->table, memory_order_relaxed);
  uint32_t n = atomic_load_explicit(&st->n_series, memory_order_relaxed);
  if (2u * (n + 1u) <= t->mask + 1u)
    return true;
  otelc__table *bigger = table_new((t->mask + 1u) * 2u);
  if (!bigger)
    return false;
  for (otelc__series *s = atomic_load(&st->head); s; s = atomic_load(&s->next))
    table_put(bigger, s);
  bigger->older = t;
  atomic_store_explicit(&st->table, bigger, memory_order_release);
  return true;
}

static void list_append(otelc__mstore *st, otelc__series *s) {
  if (st->tail)
    atomic_store_explicit(&st->tail->next, s, memory_order_release);
  else
    atomic_store_explicit(&st->head, s, memory_order_release);
  st->tail = s;
}

otelc__series *otelc__store_insert(otelc__mstore *st, const otelc__mattrs *m,
                                   const uint32_t *idx, uint32_t n,
                                   uint64_t h) {
  if (atomic_load_explicit(&st->full, memory_order_acquire) && !st->is_async) {
    /* The table is final: no lock needed to know the set is new. */
    otelc__series *s = otelc__store_find(st, m, idx, n, h);
    return s ? s : st->overflow;
  }
  pthread_mutex_lock(&st->mu);
  otelc__series *s = otelc__store_find(st, m, idx, n, h);
  if (!s) {
    uint32_t count = atomic_load_explicit(&st->n_series, memory_order_relaxed);
    if (count < st->limit && table_reserve(st) &&
        (s = series_new(st, m, idx, n, h)) != NULL) {
      if (st->is_async)
        s->start_ns = st->last_collect_ns;
      table_put(atomic_load_explicit(&st->table, memory_order_relaxed), s);
      list_append(st, s);
      atomic_store_explicit(&st->n_series, count + 1, memory_order_release);
      if (count + 1 == st->limit) {
        st->overflow->start_ns = otelc_time_now();
        atomic_store_explicit(&st->full, true, memory_order_release);
      }
    } else {
      s = st->overflow;
      if (!s->start_ns)
        s->start_ns = otelc_time_now();
    }
  }
  pthread_mutex_unlock(&st->mu);
  return s;
}

void otelc__store_sweep(otelc__mstore *st, uint64_t gen) {
  pthread_mutex_lock(&st->mu);
  otelc__series *keep_head = NULL, *keep_tail = NULL;
  uint32_t kept = 0;
  bool removed = false;
  otelc__series *s = atomic_load(&st->head);
  while (s) {
    otelc__series *next = atomic_load(&s->next);
    if (s->obs_gen == gen) {
      atomic_store(&s->next, NULL);
      if (keep_tail)
        atomic_store(&keep_tail->next, s);
      else
        keep_head = s;
      keep_tail = s;
      kept++;
    } else {
      series_free(st, s);
      removed = true;
    }
    s = next;
  }
  atomic_store(&st->head, keep_head);
  st->tail = keep_tail;
  if (removed) {
    otelc__table *t = atomic_load(&st->table);
    for (uint32_t i = 0; i <= t->mask; i++)
      atomic_store_explicit(&t->slots[i], NULL, memory_order_relaxed);
    for (s = keep_head; s; s = atomic_load(&s->next))
      table_put(t, s);
    atomic_store(&st->n_series, kept);
    atomic_store(&st->full, kept >= st->limit);
  }
  pthread_mutex_unlock(&st->mu);
}

/* -------------------------------------------------------------- store -- */

static const otelc_attr overflow_attr = {"otel.metric.overflow",
                                         {OTELC_VALUE_BOOL, 0, {.b = true}}};

static size_t round64(size_t n) {
  return (n + 63u) & ~(size_t)63u;
}

/* The aggregation of @p stream for @p in and reader @p r; 0 for drop. */
static otelc__agg resolve_agg(const otelc__inst *in,
                              const otelc__stream *stream,
                              const struct otelc_metric_reader *r) {
  otelc_aggregation_kind k = stream->agg.kind;
  if (k == OTELC_AGGREGATION_DEFAULT) {
    switch ((otelc_instrument_kind)in->kind) {
    case OTELC_INSTRUMENT_HISTOGRAM:
      k = r->prefs.histogram_aggregation == OTELC_AGGREGATION_EXP_HISTOGRAM
              ? OTELC_AGGREGATION_EXP_HISTOGRAM
              : OTELC_AGGREGATION_EXPLICIT_HISTOGRAM;
      break;
    case OTELC_INSTRUMENT_GAUGE:
    case OTELC_INSTRUMENT_OBSERVABLE_GAUGE:
      k = OTELC_AGGREGATION_LAST_VALUE;
      break;
    default:
      k = OTELC_AGGREGATION_SUM;
      break;
    }
  }
  switch (k) {
  case OTELC_AGGREGATION_SUM:
    return OTELC__AGG_SUM;
  case OTELC_AGGREGATION_LAST_VALUE:
    return OTELC__AGG_LAST;
  case OTELC_AGGREGATION_EXPLICIT_HISTOGRAM:
    return otelc__kind_is_async(in->kind) ? 0 : OTELC__AGG_HIST;
  case OTELC_AGGREGATION_EXP_HISTOGRAM:
    return otelc__kind_is_async(in->kind) ? 0 : OTELC__AGG_EXPH;
  default:
    return 0;
  }
}

static void resolve_reservoir(otelc__mstore *st, const otelc__stream *s) {
  otelc_exemplar_reservoir kind = s->reservoir;
  if (kind == OTELC_RESERVOIR_DEFAULT) {
    if (st->agg == OTELC__AGG_HIST && st->n_bounds >= 1)
      kind = OTELC_RESERVOIR_ALIGNED_BUCKETS;
    else
      kind = OTELC_RESERVOIR_FIXED_SIZE;
    st->res_size = st->agg == OTELC__AGG_EXPH
                       ? (st->exph_max_size < 20 ? st->exph_max_size : 20)
                       : 1;
  } else if (kind == OTELC_RESERVOIR_FIXED_SIZE) {
    st->res_size = s->reservoir_size ? s->reservoir_size : 1;
  } else if (kind == OTELC_RESERVOIR_ALIGNED_BUCKETS &&
             st->agg != OTELC__AGG_HIST) {
    otelc__warn("metric stream '%s': the aligned-bucket exemplar reservoir "
                "needs an explicit-bucket histogram; using a fixed-size "
                "reservoir of 1",
                s->name);
    kind = OTELC_RESERVOIR_FIXED_SIZE;
    st->res_size = 1;
  }
  if (kind == OTELC_RESERVOIR_ALIGNED_BUCKETS)
    st->res_size = st->n_bounds + 1u;
  st->res_kind = (uint8_t)kind;
}

otelc__mstore *otelc__store_new(otelc__inst *in, const otelc__stream *stream,
                                struct otelc_metric_reader *r, bool *dropped) {
  *dropped = false;
  otelc__agg agg = resolve_agg(in, stream, r);
  if (!agg) {
    *dropped = true;
    return NULL;
  }
  static _Atomic uint64_t next_id = 1;
  otelc__mstore *st = otelc__calloc(1, sizeof *st);
  if (!st)
    return NULL;
  st->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
  pthread_mutex_init(&st->mu, NULL);
  st->agg = (uint8_t)agg;
  st->inst = in;
  st->stream = stream;
  st->reader_idx = r->idx;
  st->is_async = otelc__kind_is_async(in->kind);
  st->is_double = in->is_double;
  st->temporality = otelc__reader_temporality(r, in->kind);
  st->delta = st->temporality == OTELC_TEMPORALITY_DELTA;
  st->filter = stream->filter;
  st->record_min_max = !stream->agg.no_min_max;
  st->last_collect_ns = in->created_ns;
  st->limit = stream->cardinality_limit    ? stream->cardinality_limit
              : r->prefs.cardinality_limit ? r->prefs.cardinality_limit
                                           : OTELC__DEFAULT_CARDINALITY;
  size_t cell = 8;
  if (agg == OTELC__AGG_HIST) {
    st->bounds = stream->bounds;
    st->n_bounds = (uint32_t)stream->n_bounds;
    cell = sizeof(otelc__hist_cell) + (st->n_bounds + 1u) * sizeof(uint64_t);
  } else if (agg == OTELC__AGG_EXPH) {
    st->exph_max_size = stream->agg.max_size ? stream->agg.max_size
                                             : OTELC__EXPH_DEFAULT_MAX_SIZE;
    st->exph_max_scale = stream->agg.max_scale_set
                             ? stream->agg.max_scale
                             : OTELC__EXPH_DEFAULT_MAX_SCALE;
    cell = sizeof(otelc__exph_cell);
  }
  st->cell_size = (uint32_t)round64(cell);
  st->pcells = otelc__pcell_applies(st);
  resolve_reservoir(st, stream);
  st->exemplars = !st->is_async &&
                  in->exemplar_filter != OTELC_EXEMPLAR_FILTER_ALWAYS_OFF &&
                  st->res_kind != OTELC_RESERVOIR_NONE;
  uint32_t cap = final_capacity(st->limit);
  otelc__table *t = table_new(cap < 16 ? cap : 16);
  otelc__mattrs m;
  bool ok = t != NULL && otelc__mattrs_init(&m, &overflow_attr, 1);
  if (ok) {
    st->overflow = series_new(st, &m, NULL, 1, m.hash);
    otelc__mattrs_done(&m);
  }
  if (!ok || !st->overflow) {
    otelc__free(t);
    otelc__store_free(st);
    return NULL;
  }
  st->overflow->flags |= OTELC__SERIES_OVERFLOW;
  st->overflow->start_ns = 0;
  atomic_init(&st->table, t);
  return st;
}

void otelc__store_free(otelc__mstore *st) {
  if (!st)
    return;
  otelc__series *s = atomic_load(&st->head);
  while (s) {
    otelc__series *next = atomic_load(&s->next);
    series_free(st, s);
    s = next;
  }
  series_free(st, st->overflow);
  otelc__table *t = atomic_load(&st->table);
  while (t) {
    otelc__table *older = t->older;
    otelc__free(t);
    t = older;
  }
  pthread_mutex_destroy(&st->mu);
  otelc__free(st);
}

static void unlock_cells(const otelc__mstore *st, otelc__series *s) {
  if (st->agg == OTELC__AGG_HIST || st->agg == OTELC__AGG_EXPH) {
    atomic_store((_Atomic uint32_t *)otelc__series_cell(s), 0);
    otelc__stripes *sp = atomic_load(&s->stripes);
    for (uint32_t i = 0; sp && i <= sp->mask; i++)
      atomic_store((_Atomic uint32_t *)((char *)sp + OTELC__STRIPES_HDR +
                                        (size_t)i * st->cell_size),
                   0);
  }
  otelc__pcells_after_fork(s);
  otelc__reservoir_after_fork(atomic_load(&s->res));
}

void otelc__store_after_fork(otelc__mstore *st) {
  pthread_mutex_init(&st->mu, NULL);
  for (otelc__series *s = atomic_load(&st->head); s; s = atomic_load(&s->next))
    unlock_cells(st, s);
  unlock_cells(st, st->overflow);
}
