/* Exemplar reservoirs: fixed-size uniform sampling and one exemplar per
 * histogram bucket, reset at every collection. */
#include "metrics/exemplar.h"

#include "common/tls.h"
#include "metrics/store.h"
#include "trace/trace_internal.h"

typedef struct ex_slot {
  bool used;
  bool has_span;
  otelc__num v;
  uint64_t time;
  uint64_t offers; /* aligned reservoir: offers to this bucket */
  uint8_t trace_id[16];
  uint8_t span_id[8];
  otelc_attr *fattrs; /* in buf */
  size_t n_fattrs;
  char *buf; /* reused for the filtered attributes */
  size_t buf_cap;
} ex_slot;

struct otelc__reservoir {
  _Atomic uint32_t lock;
  uint32_t size;
  uint8_t kind;    /* otelc_exemplar_reservoir */
  uint64_t offers; /* fixed size: offers since the last collection */
  ex_slot slots[];
};

void otelc__ex_span_current(otelc__ex_span *out) {
  out->valid = out->sampled = false;
  if (!otelc__tls_data.stack)
    return;
  otelc__parent par;
  if (!otelc__current_parent(&par) || !otelc_span_context_is_valid(&par.sc))
    return;
  out->valid = true;
  out->sampled = (par.sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED) != 0;
  memcpy(out->trace_id, par.sc.trace_id, 16);
  memcpy(out->span_id, par.sc.span_id, 8);
}

static struct otelc__reservoir *reservoir_get(otelc__mstore *st,
                                              otelc__series *s) {
  struct otelc__reservoir *r =
      atomic_load_explicit(&s->res, memory_order_acquire);
  if (OTELC__LIKELY(r != NULL))
    return r;
  size_t size = st->res_size ? st->res_size : 1;
  r = otelc__calloc(1, sizeof *r + size * sizeof(ex_slot));
  if (!r)
    return NULL;
  r->size = (uint32_t)size;
  r->kind = st->res_kind;
  struct otelc__reservoir *none = NULL;
  if (!atomic_compare_exchange_strong(&s->res, &none, r)) {
    otelc__free(r);
    r = none;
  }
  return r;
}

void otelc__reservoir_free(struct otelc__reservoir *r) {
  if (!r)
    return;
  for (uint32_t i = 0; i < r->size; i++)
    otelc__free(r->slots[i].buf);
  otelc__free(r);
}

void otelc__reservoir_after_fork(struct otelc__reservoir *r) {
  if (r)
    atomic_store(&r->lock, 0);
}

/* Whether attribute @p i of @p m is outside idx[0..n) (sorted). */
static bool dropped_attr(const uint32_t *idx, uint32_t n, uint32_t *k,
                         uint32_t i) {
  if (*k < n && idx[*k] == i) {
    (*k)++;
    return false;
  }
  return true;
}

/* Copy into the slot the attributes the stream dropped: those of @p m
 * outside idx[0..n), or @p fattrs when m is NULL. */
static void keep_filtered(ex_slot *sl, const otelc__mattrs *m,
                          const uint32_t *idx, uint32_t n,
                          const otelc_attr *fattrs, size_t n_fattrs) {
  sl->n_fattrs = 0;
  sl->fattrs = NULL;
  if (m && (!idx || n == m->n))
    return;
  size_t total = m ? m->n : n_fattrs;
  if (!total)
    return;
  size_t need = 0, count = 0;
  for (uint32_t i = 0, k = 0; i < total; i++) {
    if (m && !dropped_attr(idx, n, &k, i))
      continue;
    const otelc_attr *a = m ? m->at[i].src : &fattrs[i];
    const char *key = a->key ? a->key : "";
    need += ((strlen(key) + 8u) & ~(size_t)7u) +
            otelc__mvalue_copy_size(&a->value, 0) + 8;
    count++;
  }
  need += count * sizeof(otelc_attr);
  if (need > sl->buf_cap) {
    char *b = otelc__realloc(sl->buf, need);
    if (!b)
      return;
    sl->buf = b;
    sl->buf_cap = need;
  }
  otelc_attr *out = (otelc_attr *)sl->buf;
  otelc__arena a;
  otelc__arena_init(&a, sl->buf + count * sizeof(otelc_attr),
                    sl->buf_cap - count * sizeof(otelc_attr));
  size_t j = 0;
  for (uint32_t i = 0, k = 0; i < total; i++) {
    if (m && !dropped_attr(idx, n, &k, i))
      continue;
    const otelc_attr *src = m ? m->at[i].src : &fattrs[i];
    const char *key = src->key ? src->key : "";
    bool cut = false;
    out[j].key = otelc__arena_strndup(&a, key, strlen(key));
    if (!out[j].key || otelc__value_copy(&a, &out[j].value, &src->value,
                                         UINT32_MAX, &cut) != OTELC_OK)
      break;
    j++;
  }
  if (a.chunks) { /* never expected: the size is an upper bound */
    otelc__arena_reset(&a, NULL, 0);
    return;
  }
  sl->fattrs = out;
  sl->n_fattrs = j;
}

void otelc__exemplar_offer(otelc__mstore *st, otelc__series *s, otelc__num v,
                           double d, const otelc__mattrs *m,
                           const uint32_t *idx, uint32_t n,
                           const otelc_attr *fattrs, size_t n_fattrs,
                           const otelc__ex_span *span) {
  struct otelc__reservoir *r = reservoir_get(st, s);
  if (!r)
    return;
  otelc__spin_lock(&r->lock);
  ex_slot *sl = NULL;
  if (r->kind == OTELC_RESERVOIR_ALIGNED_BUCKETS) {
    uint32_t b = otelc__bucket_of(st->bounds, st->n_bounds, d);
    if (b < r->size) {
      ex_slot *c = &r->slots[b];
      c->offers++;
      /* Uniform within the bucket: replace with probability 1/offers. */
      if (c->offers == 1 || otelc__rand64() % c->offers == 0)
        sl = c;
    }
  } else {
    uint64_t i = r->offers++;
    if (i < r->size)
      sl = &r->slots[i];
    else if ((i = otelc__rand64() % (i + 1)) < r->size)
      sl = &r->slots[i];
  }
  if (sl) {
    sl->used = true;
    sl->v = v;
    sl->time = otelc_time_now();
    sl->has_span = span->valid;
    if (span->valid) {
      memcpy(sl->trace_id, span->trace_id, 16);
      memcpy(sl->span_id, span->span_id, 8);
    }
    keep_filtered(sl, m, idx, n, fattrs, n_fattrs);
  }
  otelc__spin_unlock(&r->lock);
}

size_t otelc__reservoir_collect(struct otelc__reservoir *r, otelc__outbuf *out,
                                bool is_double) {
  if (!r)
    return 0;
  size_t added = 0;
  otelc__spin_lock(&r->lock);
  for (uint32_t i = 0; i < r->size; i++) {
    ex_slot *sl = &r->slots[i];
    if (sl->used) {
      otelc_exemplar *e =
          otelc__vec_push(&out->exemplars, sizeof(otelc_exemplar), 1);
      if (e) {
        e->time_unix_nano = sl->time;
        e->is_int = !is_double;
        if (is_double)
          e->value.d = sl->v.d;
        else
          e->value.i = sl->v.i;
        e->has_span = sl->has_span;
        memcpy(e->trace_id, sl->trace_id, 16);
        memcpy(e->span_id, sl->span_id, 8);
        if (sl->n_fattrs) {
          e->filtered_attrs =
              otelc__bump_attrs(&out->mem, sl->fattrs, sl->n_fattrs);
          e->n_filtered_attrs = e->filtered_attrs ? sl->n_fattrs : 0;
        }
        added++;
      }
    }
    sl->used = false;
    sl->offers = 0;
    sl->n_fattrs = 0;
  }
  r->offers = 0;
  otelc__spin_unlock(&r->lock);
  return added;
}
