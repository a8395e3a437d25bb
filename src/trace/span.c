/* Span creation, mutation and end. */
#include <stdio.h>

#include "common/random.h"
#include "trace/trace_internal.h"

otelc_span otelc__noop_span = {.flags = OTELC__SPAN_STATIC | OTELC__SPAN_ENDED,
                               .name = ""};

static inline bool ids_random(const otelc_tracer_provider *p) {
  return !p->has_idgen || p->idgen.random_trace_ids;
}

static void limit_warning(otelc_span *s, const char *what) {
  if (s->warned_limits)
    return;
  s->warned_limits = true;
  otelc__debug("span '%s': %s dropped or truncated by a limit", s->name,
               what);
}

static otelc_status set_attr(otelc_span *s, const otelc_attr *a) {
  const otelc_span_limits *lim = &s->tracer->provider->limits;
  otelc_status st = otelc__attr_list_set(&s->attrs, &s->arena, a,
                                         lim->attr_count,
                                         lim->attr_value_length);
  if (OTELC__UNLIKELY(st == OTELC_ERR_LIMIT))
    limit_warning(s, "attribute");
  return st;
}

static otelc_status set_str(otelc_span *s, const char *key, const char *v,
                            size_t len) {
  const otelc_span_limits *lim = &s->tracer->provider->limits;
  otelc_status st =
      otelc__attr_list_set_str(&s->attrs, &s->arena, key, v, len,
                               lim->attr_count, lim->attr_value_length);
  if (OTELC__UNLIKELY(st == OTELC_ERR_LIMIT))
    limit_warning(s, "attribute");
  return st;
}

static otelc_status set_scalar(otelc_span *s, const char *key,
                               otelc_value v) {
  otelc_status st = otelc__attr_list_set_scalar(
      &s->attrs, &s->arena, key, v, s->tracer->provider->limits.attr_count);
  if (OTELC__UNLIKELY(st == OTELC_ERR_LIMIT))
    limit_warning(s, "attribute");
  return st;
}

static otelc_status add_link(otelc_span *s, const otelc_link *l);

otelc_span *otelc_span_start(otelc_tracer *t, const char *name,
                             const otelc_span_start_opts *opts) {
  static const otelc_span_start_opts defaults = {0};
  if (!opts)
    opts = &defaults;
  if (OTELC__UNLIKELY(!t))
    return &otelc__noop_span;
  if (!t->provider && !(t = otelc__tracer_resolve(t)))
    return &otelc__noop_span;
  otelc_tracer_provider *p = t->provider;
  if (OTELC__UNLIKELY(p->n_procs == 0 ||
                      atomic_load_explicit(&p->shut, memory_order_relaxed)))
    return &otelc__noop_span;

  /* 1. Parent. */
  otelc__parent par = {NULL, {{0}, {0}, 0, false}, NULL, 0};
  bool has_parent = false;
  if (!opts->root) {
    if (opts->parent)
      has_parent = otelc__context_parent(opts->parent, &par);
    else
      has_parent = otelc__current_parent(&par);
  }
  const otelc_span_context parent = par.sc;
  otelc__tstate *parent_ts = par.ts;

  /* 2. Trace id, before sampling. */
  otelc__tls *tls = OTELC__LIKELY(!p->has_idgen) ? otelc__rng_tls() : NULL;
  otelc_span_context ctx;
  if (has_parent) {
    memcpy(ctx.trace_id, parent.trace_id, 16);
    ctx.trace_flags = parent.trace_flags & OTELC_TRACE_FLAG_RANDOM;
  } else {
    if (OTELC__LIKELY(tls != NULL))
      otelc__rng_trace_id(tls, ctx.trace_id);
    else
      p->idgen.trace_id(p->idgen.user_data, ctx.trace_id);
    ctx.trace_flags = ids_random(p) ? OTELC_TRACE_FLAG_RANDOM : 0;
  }
  ctx.is_remote = false;

  /* 3. Sampling: built-in samplers that do not look at the trace id are
   * a table lookup by parent kind. */
  otelc_sampling_result res = {OTELC_SAMPLING_RECORD_AND_SAMPLE, NULL, 0,
                               NULL};
  int which = 0;
  if (has_parent) {
    bool sampled = parent.trace_flags & OTELC_TRACE_FLAG_SAMPLED;
    which = parent.is_remote ? (sampled ? 1 : 2) : (sampled ? 3 : 4);
  }
  int fast = p->fast_decision[which];
  if (OTELC__LIKELY(fast >= 0)) {
    res.decision = (otelc_sampling_decision)fast;
  } else {
    otelc_sampling_params sp = {
        has_parent ? &parent : NULL,
        parent_ts ? parent_ts->s : NULL,
        ctx.trace_id,
        name ? name : "",
        opts->kind ? opts->kind : OTELC_SPAN_KIND_INTERNAL,
        opts->attrs,
        opts->n_attrs,
        opts->links,
        opts->n_links};
    res = otelc__sample(p->sampler, &sp);
  }
  otelc_sampling_decision decision = res.decision;

  /* 4. Span id whatever the decision. */
  otelc_span *s = otelc__span_alloc();
  if (OTELC__UNLIKELY(!s))
    return &otelc__noop_span;
  if (OTELC__LIKELY(tls != NULL))
    otelc__rng_span_id(tls, ctx.span_id);
  else
    p->idgen.span_id(p->idgen.user_data, ctx.span_id);
  if (decision == OTELC_SAMPLING_RECORD_AND_SAMPLE)
    ctx.trace_flags |= OTELC_TRACE_FLAG_SAMPLED;
  atomic_init(&s->refs, 1);
  s->ctx = ctx;
  s->tracer = t;
  s->prop_flags = par.prop_flags;
  if (OTELC__UNLIKELY(res.tracestate != NULL))
    s->tracestate = otelc__tstate_new(res.tracestate, strlen(res.tracestate));
  else
    s->tracestate = otelc__tstate_ref(parent_ts);

  if (decision == OTELC_SAMPLING_DROP) {
    /* Non-recording: identity only. */
    s->flags = has_parent ? OTELC__SPAN_HAS_PARENT : 0;
    s->name = "";
    s->attrs.count = 0;
    s->n_events = s->n_links = 0;
    return s;
  }

  s->flags = OTELC__SPAN_RECORDING |
             (decision == OTELC_SAMPLING_RECORD_AND_SAMPLE
                  ? OTELC__SPAN_SAMPLED
                  : 0) |
             (has_parent ? OTELC__SPAN_HAS_PARENT : 0);
  if (has_parent)
    s->parent = parent;
  else
    memset(&s->parent, 0, sizeof s->parent);
  otelc__arena_init(&s->arena, s->inline_bytes, sizeof s->inline_bytes);
  otelc__attr_list_init(&s->attrs, s->inline_attrs, s->inline_hashes,
                        OTELC__SPAN_INLINE_ATTRS);
  size_t nlen = name ? strlen(name) : 0;
  s->name = otelc__arena_strndup(&s->arena, name ? name : "", nlen);
  if (!s->name)
    s->name = "";
  s->kind = opts->kind ? opts->kind : OTELC_SPAN_KIND_INTERNAL;
  s->status = OTELC_STATUS_UNSET;
  s->status_desc = NULL;
  s->events = NULL;
  s->links = NULL;
  s->n_events = s->cap_events = s->dropped_events = 0;
  s->n_links = s->cap_links = s->dropped_links = 0;
  s->warned_limits = false;
  s->end_time = 0;
  if (opts->start_time) {
    s->start_time = opts->start_time;
    s->start_mono = 0;
  } else {
    s->start_mono = otelc__mono_ns();
    s->start_time = otelc__wall_from_mono(s->start_mono);
  }
  for (size_t i = 0; i < opts->n_attrs; i++)
    set_attr(s, &opts->attrs[i]);
  for (size_t i = 0; i < res.n_attrs; i++)
    set_attr(s, &res.attrs[i]);
  for (size_t i = 0; i < opts->n_links; i++)
    add_link(s, &opts->links[i]);

  if (OTELC__UNLIKELY(p->any_on_start)) {
    for (size_t i = 0; i < p->n_procs; i++) {
      otelc_span_processor *proc = p->procs[i];
      if (proc->wants_on_start)
        proc->vt->on_start(proc, s, opts->parent);
    }
  }
  return s;
}

static inline bool recording(const otelc_span *s) {
  return s && (s->flags & OTELC__SPAN_RECORDING);
}

void otelc_span_end_at(otelc_span *s, uint64_t end_time) {
  if (!s || (s->flags & (OTELC__SPAN_ENDED | OTELC__SPAN_STATIC)))
    return;
  if (!(s->flags & OTELC__SPAN_RECORDING)) {
    s->flags |= OTELC__SPAN_ENDED;
    otelc__span_unref(s);
    return;
  }
  if (end_time)
    s->end_time = end_time;
  else if (s->start_mono)
    s->end_time = s->start_time + (otelc__mono_ns() - s->start_mono);
  else
    s->end_time = otelc_time_now();
  s->flags = (s->flags & ~OTELC__SPAN_RECORDING) | OTELC__SPAN_ENDED;
  /* Read here, on the thread that built the span, so that freeing it
   * elsewhere looks at one cache line only. */
  s->owns_heap = s->attrs.heap || s->events || s->links || s->arena.chunks;

  otelc_tracer_provider *p = s->tracer->provider;
  size_t n = p->n_procs;
  /* Each processor's on_end consumes one reference; the caller's handle
   * supplies the first. */
  if (n > 1)
    atomic_fetch_add_explicit(&s->refs, (uint32_t)(n - 1),
                              memory_order_relaxed);
  else if (n == 0) {
    otelc__span_unref(s);
    return;
  }
  for (size_t i = 0; i < n; i++)
    p->procs[i]->vt->on_end(p->procs[i], s);
}

void otelc_span_end(otelc_span *s) { otelc_span_end_at(s, 0); }

otelc_status otelc_span_set_attr(otelc_span *s, const otelc_attr *attr) {
  if (!recording(s))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return set_attr(s, attr);
}

otelc_status otelc_span_set_attrs(otelc_span *s, const otelc_attr *attrs,
                                  size_t n) {
  if (!recording(s))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  if (!attrs && n)
    return OTELC_ERR_INVALID_ARG;
  otelc_status worst = OTELC_OK;
  for (size_t i = 0; i < n; i++) {
    otelc_status st = set_attr(s, &attrs[i]);
    if (st != OTELC_OK && (worst == OTELC_OK || st == OTELC_ERR_NOMEM))
      worst = st;
  }
  return worst;
}

otelc_status otelc_span_set_str(otelc_span *s, const char *key,
                                const char *value) {
  if (OTELC__UNLIKELY(!recording(s)))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return set_str(s, key, value, OTELC_NTS);
}

otelc_status otelc_span_set_strn(otelc_span *s, const char *key,
                                 const char *value, size_t len) {
  if (OTELC__UNLIKELY(!recording(s)))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return set_str(s, key, value, len);
}

otelc_status otelc_span_set_int(otelc_span *s, const char *key,
                                int64_t value) {
  if (OTELC__UNLIKELY(!recording(s)))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return set_scalar(s, key, (otelc_value){OTELC_VALUE_INT, 0, {.i = value}});
}

otelc_status otelc_span_set_double(otelc_span *s, const char *key,
                                   double value) {
  if (OTELC__UNLIKELY(!recording(s)))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return set_scalar(s, key,
                    (otelc_value){OTELC_VALUE_DOUBLE, 0, {.d = value}});
}

otelc_status otelc_span_set_bool(otelc_span *s, const char *key, bool value) {
  if (OTELC__UNLIKELY(!recording(s)))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return set_scalar(s, key, (otelc_value){OTELC_VALUE_BOOL, 0, {.b = value}});
}

/* Grow a span-owned heap array of elements of size @p elem. */
static bool grow_array(void **arr, uint32_t *cap, size_t elem) {
  uint32_t ncap = *cap ? *cap * 2 : 4;
  void *n = otelc__realloc(*arr, elem * ncap);
  if (!n)
    return false;
  *arr = n;
  *cap = ncap;
  return true;
}

otelc_status otelc_span_add_event(otelc_span *s, const char *name,
                                  uint64_t time, const otelc_attr *attrs,
                                  size_t n) {
  if (!recording(s))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  const otelc_span_limits *lim = &s->tracer->provider->limits;
  if (s->n_events >= lim->event_count) {
    s->dropped_events++;
    limit_warning(s, "event");
    return OTELC_ERR_LIMIT;
  }
  if (s->n_events == s->cap_events &&
      !grow_array((void **)&s->events, &s->cap_events,
                  sizeof(otelc_span_event)))
    return OTELC_ERR_NOMEM;
  otelc_span_event *ev = &s->events[s->n_events];
  const char *nm = name ? name : "";
  ev->name = otelc__arena_strndup(&s->arena, nm, strlen(nm));
  if (!ev->name)
    return OTELC_ERR_NOMEM;
  ev->time = time ? time : otelc_time_now();
  otelc_status st = otelc__attrs_copy(&s->arena, attrs, n,
                                      lim->event_attr_count,
                                      lim->attr_value_length, &ev->attrs,
                                      &ev->n_attrs, &ev->dropped_attrs);
  if (st == OTELC_ERR_NOMEM)
    return st;
  s->n_events++;
  if (st == OTELC_ERR_LIMIT)
    limit_warning(s, "event attribute");
  return st == OTELC_ERR_INVALID_ARG ? OTELC_OK : st;
}

static otelc_status add_link(otelc_span *s, const otelc_link *l) {
  if (!l)
    return OTELC_ERR_INVALID_ARG;
  const otelc_span_limits *lim = &s->tracer->provider->limits;
  /* A link with invalid ids is still kept when it carries data. */
  if (!otelc_span_context_is_valid(&l->context) && l->n_attrs == 0 &&
      !(l->tracestate && l->tracestate[0]))
    return OTELC_ERR_INVALID_ARG;
  if (s->n_links >= lim->link_count) {
    s->dropped_links++;
    limit_warning(s, "link");
    return OTELC_ERR_LIMIT;
  }
  if (s->n_links == s->cap_links &&
      !grow_array((void **)&s->links, &s->cap_links, sizeof(otelc_span_link)))
    return OTELC_ERR_NOMEM;
  otelc_span_link *out = &s->links[s->n_links];
  out->context = l->context;
  out->tracestate = NULL;
  if (l->tracestate && l->tracestate[0]) {
    out->tracestate =
        otelc__arena_strndup(&s->arena, l->tracestate, strlen(l->tracestate));
    if (!out->tracestate)
      return OTELC_ERR_NOMEM;
  }
  otelc_status st = otelc__attrs_copy(&s->arena, l->attrs, l->n_attrs,
                                      lim->link_attr_count,
                                      lim->attr_value_length, &out->attrs,
                                      &out->n_attrs, &out->dropped_attrs);
  if (st == OTELC_ERR_NOMEM)
    return st;
  s->n_links++;
  if (st == OTELC_ERR_LIMIT)
    limit_warning(s, "link attribute");
  return st == OTELC_ERR_INVALID_ARG ? OTELC_OK : st;
}

otelc_status otelc_span_add_link(otelc_span *s, const otelc_link *link) {
  if (!recording(s))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  return add_link(s, link);
}

void otelc_span_set_status(otelc_span *s, otelc_status_code code,
                           const char *description) {
  if (!recording(s) || s->status == OTELC_STATUS_OK)
    return;
  if (code == OTELC_STATUS_OK) {
    s->status = OTELC_STATUS_OK;
    s->status_desc = NULL;
  } else if (code == OTELC_STATUS_ERROR) {
    s->status = OTELC_STATUS_ERROR;
    s->status_desc = NULL;
    if (description && description[0])
      s->status_desc =
          otelc__arena_strndup(&s->arena, description, strlen(description));
  }
  /* UNSET and unknown codes are ignored. */
}

otelc_status otelc_span_record_exception(otelc_span *s, const char *type,
                                         const char *message,
                                         const char *stacktrace,
                                         const otelc_attr *attrs, size_t n) {
  if (!recording(s))
    return s ? OTELC_ERR_STATE : OTELC_ERR_INVALID_ARG;
  if (n > 64)
    n = 64; /* keeps the stack array bounded; the rest would be dropped */
  otelc_attr all[3 + 64];
  size_t k = 0;
  if (type)
    all[k++] = OTELC_STR("exception.type", type);
  if (message)
    all[k++] = OTELC_STR("exception.message", message);
  if (stacktrace)
    all[k++] = OTELC_STR("exception.stacktrace", stacktrace);
  /* The caller's attributes come last so that they win on duplicates. */
  for (size_t i = 0; i < n; i++)
    all[k++] = attrs[i];
  return otelc_span_add_event(s, "exception", 0, all, k);
}

void otelc_span_update_name(otelc_span *s, const char *name) {
  if (!recording(s) || !name)
    return;
  const char *copy = otelc__arena_strndup(&s->arena, name, strlen(name));
  if (copy)
    s->name = copy;
}

bool otelc_span_is_recording(const otelc_span *s) { return recording(s); }

otelc_span_context otelc_span_get_context(const otelc_span *s) {
  otelc_span_context zero = {{0}, {0}, 0, false};
  return s ? s->ctx : zero;
}

bool otelc_span_context_is_valid(const otelc_span_context *sc) {
  if (!sc)
    return false;
  uint64_t a, b, c;
  memcpy(&a, sc->trace_id, 8);
  memcpy(&b, sc->trace_id + 8, 8);
  memcpy(&c, sc->span_id, 8);
  return (a | b) != 0 && c != 0;
}

void otelc_trace_id_to_hex(const uint8_t id[16], char out[33]) {
  otelc__hex(id, 16, out);
}

void otelc_span_id_to_hex(const uint8_t id[8], char out[17]) {
  otelc__hex(id, 8, out);
}
