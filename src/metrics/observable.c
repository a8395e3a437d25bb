/* Observable instruments: callback registration, running the callbacks
 * inside a reader's collection, and applying their observations (last
 * value per attribute set wins) to that reader's stores. */
#include "metrics/store.h"

/* ------------------------------------------------------- registration -- */

static otelc_callback_registration *
reg_new(otelc_meter_provider *p, otelc_observable_fn fn, void *user_data,
        otelc__inst *const *insts, size_t n) {
  otelc_callback_registration *reg = otelc__calloc(1, sizeof *reg);
  if (!reg)
    return NULL;
  reg->insts = otelc__calloc(n, sizeof *reg->insts);
  if (!reg->insts) {
    otelc__free(reg);
    return NULL;
  }
  memcpy(reg->insts, insts, n * sizeof *insts);
  reg->n_insts = n;
  reg->prov = p;
  reg->fn = fn;
  reg->user_data = user_data;
  pthread_mutex_lock(&p->cb_mu);
  reg->prev = p->cbs_tail;
  if (p->cbs_tail)
    p->cbs_tail->next = reg;
  else
    p->cbs = reg;
  p->cbs_tail = reg;
  pthread_mutex_unlock(&p->cb_mu);
  return reg;
}

static void reg_free(otelc_callback_registration *reg) {
  otelc__free(reg->insts);
  otelc__free(reg);
}

void otelc__callbacks_free(otelc_meter_provider *p) {
  otelc_callback_registration *reg = p->cbs;
  while (reg) {
    otelc_callback_registration *next = reg->next;
    reg_free(reg);
    reg = next;
  }
  p->cbs = p->cbs_tail = NULL;
}

static otelc_observable *observable(otelc_meter *m, otelc_instrument_kind kind,
                                    const char *name,
                                    const otelc_instrument_opts *opts,
                                    otelc_observable_fn fn, void *user_data) {
  otelc__inst *in = otelc__inst_get(m, kind, name, opts);
  if (fn && in != &otelc__noop_inst &&
      !reg_new(in->prov, fn, user_data, &in, 1))
    otelc__warn("observable instrument '%s': out of memory; its callback "
                "is not registered",
                in->name);
  return (otelc_observable *)in;
}

otelc_observable *
otelc_meter_observable_counter(otelc_meter *m, const char *name,
                               const otelc_instrument_opts *opts,
                               otelc_observable_fn fn, void *user_data) {
  return observable(m, OTELC_INSTRUMENT_OBSERVABLE_COUNTER, name, opts, fn,
                    user_data);
}

otelc_observable *otelc_meter_observable_up_down_counter(
    otelc_meter *m, const char *name, const otelc_instrument_opts *opts,
    otelc_observable_fn fn, void *user_data) {
  return observable(m, OTELC_INSTRUMENT_OBSERVABLE_UP_DOWN_COUNTER, name, opts,
                    fn, user_data);
}

otelc_observable *
otelc_meter_observable_gauge(otelc_meter *m, const char *name,
                             const otelc_instrument_opts *opts,
                             otelc_observable_fn fn, void *user_data) {
  return observable(m, OTELC_INSTRUMENT_OBSERVABLE_GAUGE, name, opts, fn,
                    user_data);
}

otelc_callback_registration *otelc_meter_register_callback(
    otelc_meter *m, otelc_observable_fn fn, void *user_data,
    otelc_observable *const *instruments, size_t n_instruments) {
  if (!m || !m->prov)
    return NULL; /* the no-op meter */
  if (!fn || !instruments || !n_instruments) {
    otelc__warn("otelc_meter_register_callback: a callback and at least "
                "one instrument are needed");
    return NULL;
  }
  otelc__inst **insts = otelc__calloc(n_instruments, sizeof *insts);
  if (!insts)
    return NULL;
  size_t n = 0;
  for (size_t i = 0; i < n_instruments; i++) {
    otelc__inst *in = (otelc__inst *)instruments[i];
    if (in == &otelc__noop_inst)
      continue;
    if (!in || in->meter != m || !otelc__kind_is_async(in->kind)) {
      otelc__warn("otelc_meter_register_callback: instrument %zu is not an "
                  "observable instrument of this meter; nothing registered",
                  i);
      otelc__free(insts);
      return NULL;
    }
    insts[n++] = in;
  }
  otelc_callback_registration *reg =
      n ? reg_new(m->prov, fn, user_data, insts, n) : NULL;
  otelc__free(insts);
  return reg;
}

void otelc_callback_unregister(otelc_callback_registration *reg) {
  if (!reg)
    return;
  otelc_meter_provider *p = reg->prov;
  pthread_mutex_lock(&p->cb_mu);
  reg->removed = true;
  while (reg->running)
    pthread_cond_wait(&p->cb_cv, &p->cb_mu);
  if (reg->prev)
    reg->prev->next = reg->next;
  else
    p->cbs = reg->next;
  if (reg->next)
    reg->next->prev = reg->prev;
  else
    p->cbs_tail = reg->prev;
  pthread_mutex_unlock(&p->cb_mu);
  reg_free(reg);
}

/* ---------------------------------------------------------- observing -- */

static void observe(otelc_observer *obs, otelc_observable *inst, otelc__num v,
                    bool is_double, const otelc_attr *attrs, size_t n) {
  otelc__inst *in = (otelc__inst *)inst;
  if (!obs || !in || in == &otelc__noop_inst)
    return;
  if (!obs->active) {
    if (!obs->warned_outside) {
      obs->warned_outside = true;
      otelc__warn("an observation was made outside an observable callback "
                  "and is ignored");
    }
    return;
  }
  bool known = false;
  for (size_t i = 0; i < obs->reg->n_insts && !known; i++)
    known = obs->reg->insts[i] == in;
  if (!known) {
    if (!atomic_exchange(&in->warned_observe, true))
      otelc__warn("instrument '%s' was observed by a callback not "
                  "registered for it; the observation is ignored",
                  in->name);
    return;
  }
  otelc__num val;
  if (in->is_double) {
    val.d = is_double ? v.d : (double)v.i;
  } else if (is_double) {
    if (!(v.d > -9223372036854775808.0 && v.d < 9223372036854775808.0))
      return;
    val.i = (int64_t)v.d;
  } else {
    val.i = v.i;
  }
  size_t at = obs->attrs.n;
  if (n && attrs) {
    otelc_attr *copy = otelc__bump_attrs(&obs->mem, attrs, n);
    otelc_attr *dst =
        copy ? otelc__vec_push(&obs->attrs, sizeof(otelc_attr), n) : NULL;
    if (!dst)
      return;
    memcpy(dst, copy, n * sizeof *dst);
  } else {
    n = 0;
  }
  otelc__obs_item *it =
      otelc__vec_push(&obs->items, sizeof(otelc__obs_item), 1);
  if (!it)
    return;
  it->in = in;
  it->v = val;
  it->attr_off = at;
  it->n_attrs = n;
}

void otelc_observe(otelc_observer *obs, otelc_observable *inst, int64_t value,
                   const otelc_attr *attrs, size_t n_attrs) {
  otelc__num v = {.i = value};
  observe(obs, inst, v, false, attrs, n_attrs);
}

void otelc_observe_double(otelc_observer *obs, otelc_observable *inst,
                          double value, const otelc_attr *attrs,
                          size_t n_attrs) {
  otelc__num v = {.d = value};
  observe(obs, inst, v, true, attrs, n_attrs);
}

/* Apply one observation to the stores of reader @p r. */
static void apply(struct otelc_metric_reader *r, const otelc__obs_item *it,
                  const otelc_attr *attrs) {
  otelc__inst *in = it->in;
  otelc__mattrs m;
  if (!otelc__mattrs_init(&m, attrs, it->n_attrs))
    return;
  for (uint32_t k = 0; k < in->n_stores; k++) {
    otelc__mstore *st = in->stores[k];
    if (st->reader_idx != r->idx)
      continue;
    if (st->agg == OTELC__AGG_SUM && st->is_double && !isfinite(it->v.d))
      continue;
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
    if (s == st->overflow && st->agg == OTELC__AGG_SUM) {
      /* Several attribute sets share it: their values add up. */
      if (s->obs_gen != r->gen)
        s->obs.i = 0;
      if (st->is_double)
        s->obs.d += it->v.d;
      else
        s->obs.i = (int64_t)((uint64_t)s->obs.i + (uint64_t)it->v.i);
    } else {
      s->obs = it->v;
    }
    s->obs_gen = r->gen;
  }
  otelc__mattrs_done(&m);
}

static void commit(struct otelc_metric_reader *r, otelc_observer *obs) {
  const otelc__obs_item *items = obs->items.p;
  const otelc_attr *attrs = obs->attrs.p;
  for (size_t i = 0; i < obs->items.n; i++)
    apply(r, &items[i], attrs ? attrs + items[i].attr_off : NULL);
}

static void observer_reset(otelc_observer *obs) {
  otelc__vec_clear(&obs->items);
  otelc__vec_clear(&obs->attrs);
  otelc__bump_reset(&obs->mem);
}

void otelc__observer_free(otelc_observer *o) {
  otelc__vec_free(&o->items);
  otelc__vec_free(&o->attrs);
  otelc__bump_free(&o->mem);
}

void otelc__run_callbacks(struct otelc_metric_reader *r, uint64_t deadline) {
  otelc_meter_provider *p = atomic_load(&r->prov);
  otelc_observer *obs = &r->obs;
  bool late_reported = false;
  pthread_mutex_lock(&p->cb_mu);
  for (otelc_callback_registration *reg = p->cbs; reg; reg = reg->next) {
    if (reg->removed)
      continue;
    if (otelc__mono_ns() >= deadline) {
      if (!late_reported)
        otelc__warn("metric collection timed out before every observable "
                    "callback ran; the others are skipped this time");
      break;
    }
    reg->running++;
    pthread_mutex_unlock(&p->cb_mu);
    observer_reset(obs);
    obs->reg = reg;
    obs->active = true;
    reg->fn(obs, reg->user_data);
    obs->active = false;
    obs->reg = NULL;
    if (otelc__mono_ns() <= deadline) {
      commit(r, obs);
    } else {
      late_reported = true;
      otelc__warn("an observable callback (for '%s') outlasted the "
                  "collection timeout; its observations are dropped",
                  reg->insts[0]->name);
    }
    pthread_mutex_lock(&p->cb_mu);
    reg->running--;
    if (reg->removed && reg->running == 0)
      pthread_cond_broadcast(&p->cb_cv);
  }
  pthread_mutex_unlock(&p->cb_mu);
  observer_reset(obs);
}
