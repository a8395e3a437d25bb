/* Propagators: built-in, custom and composite; inject and extract; the
 * process-wide propagator and OTEL_PROPAGATORS. */
#include <pthread.h>
#include <strings.h>

#include "common/env.h"
#include "propagation/propagation_internal.h"

struct otelc_propagator {
  const otelc__prop_vtbl *vt;   /* built-in, or NULL */
  otelc_propagator_ops ops;     /* custom (when vt and members are NULL) */
  void *self;
  otelc_propagator **members;   /* composite */
  size_t n_members;
  const char **fields;          /* composite: union of members' fields */
};

static otelc_propagator *builtin(const otelc__prop_vtbl *vt) {
  otelc_propagator *p = otelc__calloc(1, sizeof *p);
  if (p)
    p->vt = vt;
  return p;
}

otelc_propagator *otelc_propagator_tracecontext(void) {
  return builtin(&otelc__tracecontext_vtbl);
}
otelc_propagator *otelc_propagator_baggage(void) {
  return builtin(&otelc__baggage_vtbl);
}
otelc_propagator *otelc_propagator_b3(void) {
  return builtin(&otelc__b3_single_vtbl);
}
otelc_propagator *otelc_propagator_b3multi(void) {
  return builtin(&otelc__b3_multi_vtbl);
}

otelc_status otelc_propagator_new(const otelc_propagator_ops *ops, void *self,
                                  otelc_propagator **out) {
  if (!ops || !out || (!ops->inject && !ops->extract)) {
    if (ops && ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_INVALID_ARG;
  }
  otelc_propagator *p = otelc__calloc(1, sizeof *p);
  if (!p) {
    if (ops->destroy)
      ops->destroy(self);
    return OTELC_ERR_NOMEM;
  }
  p->ops = *ops;
  p->self = self;
  *out = p;
  return OTELC_OK;
}

static const char *const no_fields[] = {NULL};

const char *const *otelc_propagator_fields(const otelc_propagator *p) {
  if (!p)
    return no_fields;
  if (p->vt)
    return p->vt->fields;
  if (p->members)
    return p->fields;
  const char *const *f = p->ops.fields ? p->ops.fields(p->self) : NULL;
  return f ? f : no_fields;
}

/* The union of the members' fields, each once. */
static const char **union_fields(otelc_propagator *const *m, size_t n) {
  size_t total = 1;
  for (size_t i = 0; i < n; i++)
    for (const char *const *f = otelc_propagator_fields(m[i]); *f; f++)
      total++;
  const char **out = otelc__calloc(total, sizeof *out);
  if (!out)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (const char *const *f = otelc_propagator_fields(m[i]); *f; f++) {
      bool dup = false;
      for (size_t j = 0; j < k; j++)
        dup |= strcasecmp(out[j], *f) == 0;
      if (!dup)
        out[k++] = *f;
    }
  return out;
}

otelc_propagator *otelc_propagator_composite(otelc_propagator *const *members,
                                             size_t n) {
  otelc_propagator *p = otelc__calloc(1, sizeof *p);
  /* Never NULL, even for no members: that is what marks a composite. */
  otelc_propagator **m = otelc__calloc(n ? n : 1, sizeof *m);
  if (!p || !m) {
    otelc__free(p);
    otelc__free(m);
    for (size_t i = 0; i < n; i++)
      otelc_propagator_free(members[i]);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    if (members[i])
      m[p->n_members++] = members[i];
  p->members = m;
  p->fields = union_fields(m, p->n_members);
  if (!p->fields) {
    otelc_propagator_free(p); /* frees the members too */
    return NULL;
  }
  return p;
}

void otelc_propagator_free(otelc_propagator *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->n_members; i++)
    otelc_propagator_free(p->members[i]);
  otelc__free(p->members);
  otelc__free((void *)p->fields);
  if (!p->vt && !p->members && p->ops.destroy)
    p->ops.destroy(p->self);
  otelc__free(p);
}

/* ----------------------------------------------------------------- inject */

static otelc_status inject(const otelc_propagator *p, const otelc_context *ctx,
                           const otelc__ctx_view *v, const otelc_carrier *c) {
  if (p->vt)
    return p->vt->inject(v, c);
  if (p->members) {
    otelc_status rc = OTELC_OK;
    for (size_t i = 0; i < p->n_members; i++) {
      otelc_status st = inject(p->members[i], ctx, v, c);
      if (rc == OTELC_OK)
        rc = st;
    }
    return rc;
  }
  if (!p->ops.inject)
    return OTELC_OK;
  /* A custom propagator is handed a context; capture the current one when
   * the caller gave none. */
  if (ctx)
    return p->ops.inject(p->self, ctx, c);
  otelc_context *cur = otelc_context_current();
  otelc_status st = p->ops.inject(p->self, cur, c);
  otelc_context_release(cur);
  return st;
}

otelc_status otelc_propagator_inject(const otelc_propagator *p,
                                     const otelc_context *ctx,
                                     const otelc_carrier *c) {
  if (!p || !c)
    return OTELC_ERR_INVALID_ARG;
  otelc__ctx_view v;
  otelc__context_view(ctx, &v);
  return inject(p, ctx, &v, c);
}

/* ---------------------------------------------------------------- extract */

void otelc__acc_set_span(otelc__extract_acc *acc,
                         const otelc_span_context *sc, const char *ts,
                         size_t ts_len, uint8_t prop_flags) {
  acc->has_sc = true;
  acc->sc = *sc;
  acc->sc.is_remote = true;
  acc->prop_flags = prop_flags;
  if (ts_len > OTELC_TRACESTATE_MAX)
    ts_len = 0; /* normalised input never is; refuse rather than cut */
  if (ts_len)
    memcpy(acc->tracestate, ts, ts_len);
  acc->tracestate[ts_len] = '\0';
  acc->tracestate_len = ts_len;
}

void otelc__acc_set_baggage(otelc__extract_acc *acc, otelc_baggage *b) {
  otelc_baggage_release(acc->baggage);
  acc->baggage = b;
  acc->baggage_found = true;
}

/* Run a custom propagator inside an extraction: it works on contexts, so
 * materialise what was found so far, then read its result back. */
static void extract_custom(const otelc_propagator *p, otelc__extract_acc *acc,
                           otelc_context **held, const otelc_carrier *c) {
  if (!p->ops.extract)
    return;
  const otelc_context *base = acc->base;
  otelc_context *mid = NULL;
  if (acc->has_sc || acc->baggage_found) {
    mid = otelc__context_derive(acc->base, acc->has_sc ? &acc->sc : NULL,
                                acc->tracestate, acc->tracestate_len,
                                acc->prop_flags, acc->baggage_found,
                                acc->baggage);
    if (!mid)
      return;
    base = mid;
  }
  otelc_context *res = p->ops.extract(p->self, base, c);
  otelc_context_release(mid);
  if (!res)
    return;
  /* The result becomes the base of whatever follows. */
  otelc_context_release(*held);
  *held = res;
  acc->base = res;
  acc->has_sc = false;
  acc->tracestate_len = 0;
  acc->baggage_found = false;
  otelc_baggage_release(acc->baggage);
  acc->baggage = NULL;
}

static void extract(const otelc_propagator *p, otelc__extract_acc *acc,
                    otelc_context **held, const otelc_carrier *c) {
  if (p->vt)
    p->vt->extract(acc, c);
  else if (p->members)
    for (size_t i = 0; i < p->n_members; i++)
      extract(p->members[i], acc, held, c);
  else
    extract_custom(p, acc, held, c);
}

otelc_context *otelc_propagator_extract(const otelc_propagator *p,
                                        const otelc_context *base,
                                        const otelc_carrier *c) {
  if (!p || !c || !c->get)
    return otelc_context_ref((otelc_context *)base);
  otelc__extract_acc acc;
  acc.base = base;
  acc.has_sc = false;
  acc.prop_flags = 0;
  acc.tracestate_len = 0;
  acc.baggage_found = false;
  acc.baggage = NULL;
  otelc_context *held = NULL; /* result of a custom member, if any */
  extract(p, &acc, &held, c);
  otelc_context *out;
  if (!acc.has_sc && !acc.baggage_found)
    out = otelc_context_ref((otelc_context *)acc.base);
  else
    out = otelc__context_derive(acc.base, acc.has_sc ? &acc.sc : NULL,
                                acc.tracestate, acc.tracestate_len,
                                acc.prop_flags, acc.baggage_found,
                                acc.baggage);
  otelc_baggage_release(acc.baggage);
  otelc_context_release(held);
  return out;
}

/* -------------------------------------------------- env and the global */

otelc_propagator *otelc_propagator_from_env(void) {
  static const struct {
    const char *name;
    otelc_propagator *(*make)(void);
  } known[] = {{"tracecontext", otelc_propagator_tracecontext},
               {"baggage", otelc_propagator_baggage},
               {"b3", otelc_propagator_b3},
               {"b3multi", otelc_propagator_b3multi}};
  enum { MAX = 8 };
  const char *list = otelc__env_get("OTEL_PROPAGATORS");
  if (!list)
    list = "tracecontext,baggage";
  otelc__token toks[MAX];
  size_t n = otelc__split_list(list, toks, MAX);
  if (n > MAX) {
    otelc__warn("OTEL_PROPAGATORS lists %zu propagators; the first %d are "
                "used",
                n, MAX);
    n = MAX;
  }
  otelc_propagator *members[MAX];
  size_t k = 0;
  bool used[OTELC__ARRAY_LEN(known)] = {false};
  for (size_t i = 0; i < n; i++) {
    if (otelc__token_eq(toks[i], "none"))
      continue;
    size_t j = 0;
    while (j < OTELC__ARRAY_LEN(known) &&
           !otelc__token_eq(toks[i], known[j].name))
      j++;
    if (j == OTELC__ARRAY_LEN(known)) {
      otelc__warn("OTEL_PROPAGATORS: unknown propagator '%.*s' ignored",
                  (int)toks[i].len, toks[i].p);
      continue;
    }
    if (used[j])
      continue; /* duplicates are registered once */
    used[j] = true;
    if ((members[k] = known[j].make()))
      k++;
  }
  return otelc_propagator_composite(members, k);
}

static _Atomic(otelc_propagator *) global_user;
static otelc_propagator *global_default;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void make_default(void) { global_default = otelc_propagator_from_env(); }

void otelc_propagator_set_global(otelc_propagator *p) {
  atomic_store(&global_user, p);
}

otelc_propagator *otelc_propagator_global(void) {
  otelc_propagator *p = atomic_load(&global_user);
  if (p)
    return p;
  pthread_once(&default_once, make_default);
  return global_default;
}

otelc_status otelc_inject(const otelc_carrier *c) {
  return otelc_propagator_inject(otelc_propagator_global(), NULL, c);
}

otelc_context *otelc_extract(const otelc_carrier *c) {
  return otelc_propagator_extract(otelc_propagator_global(), NULL, c);
}
