/* Collection: reading every store of a reader with its temporality into
 * the reader's reusable buffers, and handing the result over. Arrays are
 * built by index while they may still move, and turned into pointers at
 * the end. */
#include "metrics/exemplar.h"
#include "metrics/pcell.h"
#include "metrics/store.h"

/* Index stored in a pointer field until the arrays stop moving. */
#define IDX(i) ((const void *)(uintptr_t)(i))
#define UNIDX(p) ((size_t)(uintptr_t)(p))

typedef struct ctx {
  struct otelc_metric_reader *r;
  otelc__outbuf *o;
  uint64_t now;
  bool nomem;
} ctx;

static void *push(ctx *c, otelc__vec *v, size_t elem, size_t n) {
  void *p = otelc__vec_push(v, elem, n);
  if (!p)
    c->nomem = true;
  return p;
}

static bool can_be_negative(uint8_t kind) {
  return kind == OTELC_INSTRUMENT_UP_DOWN_COUNTER ||
         kind == OTELC_INSTRUMENT_OBSERVABLE_UP_DOWN_COUNTER ||
         kind == OTELC_INSTRUMENT_GAUGE ||
         kind == OTELC_INSTRUMENT_OBSERVABLE_GAUGE;
}

static void *stripe_cell_at(const otelc__mstore *st, otelc__stripes *sp,
                            uint32_t i) {
  return (char *)sp + OTELC__STRIPES_HDR + (size_t)i * st->cell_size;
}

/* Whether a synchronous series has something to report; delta readers
 * take the mark. */
static bool take_mark(const otelc__mstore *st, otelc__series *s) {
  return st->delta ? atomic_exchange(&s->dirty, 0) != 0
                   : atomic_load(&s->dirty) != 0;
}

/* ---------------------------------------------------------------- sums -- */

static uint64_t read_cell(_Atomic uint64_t *c, bool reset) {
  return reset ? atomic_exchange(c, 0) : atomic_load(c);
}

static otelc__num read_sum(const otelc__mstore *st, otelc__series *s,
                           bool reset) {
  otelc__num v;
  otelc__stripes *sp = atomic_load(&s->stripes);
  uint64_t b = read_cell(otelc__series_cell(s), reset);
  if (st->is_double) {
    v.d = otelc__bitsd(b);
    for (uint32_t i = 0; sp && i <= sp->mask; i++)
      v.d += otelc__bitsd(read_cell(stripe_cell_at(st, sp, i), reset));
    if (st->pcells)
      v.d += otelc__pcells_sum_d(s);
  } else {
    uint64_t sum = b;
    for (uint32_t i = 0; sp && i <= sp->mask; i++)
      sum += read_cell(stripe_cell_at(st, sp, i), reset);
    if (st->pcells)
      sum += otelc__pcells_sum_i(st, s);
    v.i = (int64_t)sum;
  }
  return v;
}

/* ---------------------------------------------------------- histograms -- */

/* Add @p c into the point and counts (under c's lock), resetting it for
 * a delta reader. */
static void merge_hist(const otelc__mstore *st, otelc__hist_cell *c,
                       otelc_histogram_point *pt, uint64_t *counts,
                       bool reset) {
  otelc__spin_lock(&c->lock);
  pt->count += c->count;
  pt->sum += c->sum;
  if (c->min < pt->min)
    pt->min = c->min;
  if (c->max > pt->max)
    pt->max = c->max;
  for (uint32_t i = 0; i <= st->n_bounds; i++)
    counts[i] += c->buckets[i];
  if (reset) {
    c->count = 0;
    c->sum = 0;
    c->min = INFINITY;
    c->max = -INFINITY;
    memset(c->buckets, 0, (st->n_bounds + 1u) * sizeof(uint64_t));
  }
  otelc__spin_unlock(&c->lock);
}

static void read_hist(ctx *c, const otelc__mstore *st, otelc__series *s,
                      otelc_histogram_point *pt) {
  size_t at = c->o->u64.n;
  uint64_t *counts = push(c, &c->o->u64, sizeof(uint64_t), st->n_bounds + 1u);
  if (!counts)
    return;
  pt->min = INFINITY;
  pt->max = -INFINITY;
  merge_hist(st, otelc__series_cell(s), pt, counts, st->delta);
  otelc__stripes *sp = atomic_load(&s->stripes);
  for (uint32_t i = 0; sp && i <= sp->mask; i++)
    merge_hist(st, stripe_cell_at(st, sp, i), pt, counts, st->delta);
  if (st->pcells)
    otelc__pcells_merge_hist(st, s, pt, counts);
  pt->has_sum = !can_be_negative(st->inst->kind);
  if (!pt->has_sum)
    pt->sum = 0;
  pt->has_min_max = st->record_min_max && pt->min <= pt->max;
  if (!pt->has_min_max)
    pt->min = pt->max = 0;
  pt->bounds = st->bounds;
  pt->n_bounds = st->n_bounds;
  pt->bucket_counts = IDX(at);
}

static void read_exph(ctx *c, const otelc__mstore *st, otelc__series *s,
                      otelc_exp_histogram_point *pt) {
  size_t at = c->o->u64.n;
  uint64_t *buf = push(c, &c->o->u64, sizeof(uint64_t), 2u * st->exph_max_size);
  if (!buf)
    return;
  otelc__exph_cell *cell = otelc__series_cell(s);
  otelc__spin_lock(&cell->lock);
  otelc__exph_snapshot(&cell->h, !can_be_negative(st->inst->kind), pt, buf,
                       buf + st->exph_max_size);
  if (st->delta)
    otelc__exph_reset(&cell->h);
  otelc__spin_unlock(&cell->lock);
  /* Offsets until the buffer stops moving. */
  pt->positive.counts =
      pt->positive.n ? IDX(at + (size_t)(pt->positive.counts - buf) + 1) : 0;
  pt->negative.counts =
      pt->negative.n ? IDX(at + (size_t)(pt->negative.counts - buf) + 1) : 0;
}

/* ---------------------------------------------------------- per store -- */

/* The point of one synchronous series that has something to report. */
static void sync_point(ctx *c, otelc__mstore *st, otelc__series *s,
                       uint64_t start) {
  size_t ex_at = c->o->exemplars.n;
  otelc_exemplar **ex_ptr = NULL;
  size_t *ex_n = NULL;
  switch (st->agg) {
  case OTELC__AGG_SUM:
  case OTELC__AGG_LAST: {
    otelc_number_point *pt =
        push(c, &c->o->numbers, sizeof(otelc_number_point), 1);
    if (!pt)
      return;
    pt->is_int = !st->is_double;
    if (st->agg == OTELC__AGG_SUM) {
      otelc__num v = read_sum(st, s, st->delta);
      if (st->is_double)
        pt->value.d = v.d;
      else
        pt->value.i = v.i;
    } else {
      uint64_t b = atomic_load((_Atomic uint64_t *)otelc__series_cell(s));
      if (st->is_double)
        pt->value.d = otelc__bitsd(b);
      else
        pt->value.i = (int64_t)b;
    }
    pt->attrs = s->attrs;
    pt->n_attrs = s->n_attrs;
    pt->start_time_unix_nano = start;
    pt->time_unix_nano = c->now;
    ex_ptr = (otelc_exemplar **)&pt->exemplars;
    ex_n = &pt->n_exemplars;
    break;
  }
  case OTELC__AGG_HIST: {
    otelc_histogram_point *pt =
        push(c, &c->o->hists, sizeof(otelc_histogram_point), 1);
    if (!pt)
      return;
    read_hist(c, st, s, pt);
    pt->attrs = s->attrs;
    pt->n_attrs = s->n_attrs;
    pt->start_time_unix_nano = start;
    pt->time_unix_nano = c->now;
    ex_ptr = (otelc_exemplar **)&pt->exemplars;
    ex_n = &pt->n_exemplars;
    break;
  }
  default: {
    otelc_exp_histogram_point *pt =
        push(c, &c->o->exphs, sizeof(otelc_exp_histogram_point), 1);
    if (!pt)
      return;
    read_exph(c, st, s, pt);
    pt->attrs = s->attrs;
    pt->n_attrs = s->n_attrs;
    pt->start_time_unix_nano = start;
    pt->time_unix_nano = c->now;
    ex_ptr = (otelc_exemplar **)&pt->exemplars;
    ex_n = &pt->n_exemplars;
    break;
  }
  }
  /* The point may move while exemplars are appended: keep indexes. */
  size_t n =
      otelc__reservoir_collect(atomic_load(&s->res), c->o, st->is_double);
  *ex_n = n;
  *ex_ptr = (otelc_exemplar *)IDX(ex_at);
}

static void collect_sync(ctx *c, otelc__mstore *st) {
  for (otelc__series *s = atomic_load(&st->head); s;
       s = atomic_load(&s->next)) {
    if (take_mark(st, s))
      sync_point(c, st, s, st->delta ? st->last_collect_ns : s->start_ns);
  }
  otelc__series *o = st->overflow;
  if (take_mark(st, o))
    sync_point(c, st, o, st->delta ? st->last_collect_ns : o->start_ns);
}

static void async_point(ctx *c, otelc__mstore *st, otelc__series *s,
                        uint64_t gen) {
  if (s->obs_gen != gen)
    return;
  otelc_number_point *pt =
      push(c, &c->o->numbers, sizeof(otelc_number_point), 1);
  if (!pt)
    return;
  pt->is_int = !st->is_double;
  otelc__num v = s->obs;
  if (st->agg == OTELC__AGG_SUM && st->delta && s->has_prev) {
    if (st->is_double)
      v.d -= s->prev.d;
    else
      v.i = (int64_t)((uint64_t)v.i - (uint64_t)s->prev.i);
  }
  s->prev = s->obs;
  s->has_prev = true;
  pt->value.i = v.i; /* the union, whichever member */
  pt->attrs = s->attrs;
  pt->n_attrs = s->n_attrs;
  pt->start_time_unix_nano = st->delta && st->agg == OTELC__AGG_SUM
                                 ? st->last_collect_ns
                                 : s->start_ns;
  pt->time_unix_nano = c->now;
}

static void collect_async(ctx *c, otelc__mstore *st) {
  uint64_t gen = c->r->gen;
  for (otelc__series *s = atomic_load(&st->head); s; s = atomic_load(&s->next))
    async_point(c, st, s, gen);
  async_point(c, st, st->overflow, gen);
  otelc__store_sweep(st, gen);
}

static void collect_store(ctx *c, otelc__mstore *st) {
  otelc__outbuf *o = c->o;
  size_t metric_at = o->metrics.n;
  otelc_metric *m = push(c, &o->metrics, sizeof(otelc_metric), 1);
  if (!m)
    return;
  otelc__vec *pts = st->agg == OTELC__AGG_HIST   ? &o->hists
                    : st->agg == OTELC__AGG_EXPH ? &o->exphs
                                                 : &o->numbers;
  size_t first = pts->n;
  if (st->is_async)
    collect_async(c, st);
  else
    collect_sync(c, st);
  st->last_collect_ns = c->now;
  /* The metric may have moved. */
  m = (otelc_metric *)o->metrics.p + metric_at;
  if (pts->n == first) {
    o->metrics.n = metric_at; /* nothing to report */
    return;
  }
  const otelc__inst *in = st->inst;
  m->name = st->stream->name;
  m->description = st->stream->description;
  m->unit = in->unit;
  m->instrument_kind = (otelc_instrument_kind)in->kind;
  m->n_points = pts->n - first;
  m->points.numbers = IDX(first);
  switch (st->agg) {
  case OTELC__AGG_SUM:
    m->type = OTELC_METRIC_SUM;
    m->temporality = st->temporality;
    m->is_monotonic = in->kind == OTELC_INSTRUMENT_COUNTER ||
                      in->kind == OTELC_INSTRUMENT_OBSERVABLE_COUNTER ||
                      in->kind == OTELC_INSTRUMENT_HISTOGRAM;
    break;
  case OTELC__AGG_LAST:
    m->type = OTELC_METRIC_GAUGE;
    break;
  case OTELC__AGG_HIST:
    m->type = OTELC_METRIC_HISTOGRAM;
    m->temporality = st->temporality;
    break;
  default:
    m->type = OTELC_METRIC_EXP_HISTOGRAM;
    m->temporality = st->temporality;
    break;
  }
}

/* --------------------------------------------------------- pointers -- */

static void fix_pointers(otelc__outbuf *o) {
  otelc_exemplar *ex = o->exemplars.p;
  uint64_t *u64 = o->u64.p;
  otelc_number_point *num = o->numbers.p;
  for (size_t i = 0; i < o->numbers.n; i++)
    num[i].exemplars = num[i].n_exemplars ? ex + UNIDX(num[i].exemplars) : NULL;
  otelc_histogram_point *h = o->hists.p;
  for (size_t i = 0; i < o->hists.n; i++) {
    h[i].exemplars = h[i].n_exemplars ? ex + UNIDX(h[i].exemplars) : NULL;
    h[i].bucket_counts = u64 + UNIDX(h[i].bucket_counts);
  }
  otelc_exp_histogram_point *e = o->exphs.p;
  for (size_t i = 0; i < o->exphs.n; i++) {
    e[i].exemplars = e[i].n_exemplars ? ex + UNIDX(e[i].exemplars) : NULL;
    e[i].positive.counts =
        e[i].positive.n ? u64 + UNIDX(e[i].positive.counts) - 1 : NULL;
    e[i].negative.counts =
        e[i].negative.n ? u64 + UNIDX(e[i].negative.counts) - 1 : NULL;
  }
  otelc_metric *m = o->metrics.p;
  for (size_t i = 0; i < o->metrics.n; i++) {
    size_t at = UNIDX(m[i].points.numbers);
    switch (m[i].type) {
    case OTELC_METRIC_HISTOGRAM:
      m[i].points.histograms = h + at;
      break;
    case OTELC_METRIC_EXP_HISTOGRAM:
      m[i].points.exp_histograms = e + at;
      break;
    default:
      m[i].points.numbers = num + at;
      break;
    }
  }
  otelc_scope_metrics *sc = o->scopes.p;
  for (size_t i = 0; i < o->scopes.n; i++)
    sc[i].metrics = m + UNIDX(sc[i].metrics);
}

/* ------------------------------------------------------------ collect -- */

otelc_status otelc__collect_locked(struct otelc_metric_reader *r,
                                   otelc_metric_collect_fn fn, void *user_data,
                                   uint32_t timeout_ms, size_t *points) {
  otelc_meter_provider *p = atomic_load(&r->prov);
  uint64_t deadline =
      timeout_ms ? otelc__mono_ns() + otelc__ms_to_ns(timeout_ms) : UINT64_MAX;
  r->gen++;
  otelc__run_callbacks(r, deadline);
  ctx c = {r, &r->out, otelc_time_now(), false};
  otelc__outbuf_clear(c.o);
  for (otelc_meter *m = atomic_load(&p->meters); m; m = atomic_load(&m->next)) {
    size_t first = c.o->metrics.n;
    for (otelc__inst *in = atomic_load(&m->insts); in;
         in = atomic_load(&in->next))
      for (uint32_t i = 0; i < in->n_stores; i++)
        if (in->stores[i]->reader_idx == r->idx)
          collect_store(&c, in->stores[i]);
    if (c.o->metrics.n == first)
      continue;
    otelc_scope_metrics *sm =
        push(&c, &c.o->scopes, sizeof(otelc_scope_metrics), 1);
    if (!sm)
      break;
    sm->scope = &m->scope;
    sm->metrics = IDX(first);
    sm->n_metrics = c.o->metrics.n - first;
  }
  atomic_fetch_add(&r->collections, 1);
  if (c.nomem) {
    otelc__warn("metric collection ran out of memory; data was lost");
    return OTELC_ERR_NOMEM;
  }
  fix_pointers(c.o);
  otelc_resource_metrics rm = {p->resource, c.o->scopes.p, c.o->scopes.n};
  if (points)
    *points = c.o->numbers.n + c.o->hists.n + c.o->exphs.n;
  fn(&rm, user_data);
  return OTELC_OK;
}
