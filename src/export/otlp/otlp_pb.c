/*
 * OTLP protobuf: ExportTraceServiceRequest written straight from span
 * records with the backwards writer of otlp_pb_write.h (which explains
 * the technique); the partial success of a response is read back in
 * otlp_pb_read.c.
 *
 * Grouping. When the batch mixes resources or scopes, the spans sorted by
 * group and the group table (otelc__otlp_group) live in the writer's
 * scratch area at the start of the output buffer, so that a warmed
 * buffer makes encoding allocation-free. A batch from one tracer needs
 * neither.
 *
 * Cost: about 800 instructions for a span with four attributes, plus the
 * final move of its ~200 bytes (bench/bench_otlp_encode).
 *
 * Thread safety: spans may be read from any thread; one buffer per call.
 */
#include "export/otlp/otlp_pb_write.h"
#include "otelc/resource.h"
#include "trace/trace_internal.h"

#define EST_SPAN_BYTES 256u /* first guess of the size of one span */

/* Tags (field number << 3 | wire type) used below. */
enum {
  T_LEN1 = OTELC__PB_LEN1,
  T_LEN2 = OTELC__PB_LEN2,
  T_LEN3 = OTELC__PB_LEN3,
  T_LEN4 = OTELC__PB_LEN4,
  T_SPAN_NAME = 0x2A,
  T_SPAN_KIND = 0x30,
  T_SPAN_START = 0x39,
  T_SPAN_END = 0x41,
  T_SPAN_ATTRS = 0x4A,
  T_SPAN_DROPPED_ATTRS = 0x50,
  T_SPAN_EVENTS = 0x5A,
  T_SPAN_DROPPED_EVENTS = 0x60,
  T_SPAN_LINKS = 0x6A,
  T_SPAN_DROPPED_LINKS = 0x70,
  T_SPAN_STATUS = 0x7A,
  T_EVENT_TIME = 0x09,
  T_EVENT_DROPPED = 0x20,
  T_LINK_DROPPED = 0x28,
  T_LINK_FLAGS = 0x35,
  T_STATUS_CODE = 0x18
};

/* A request being written: the writer, and where the spans and groups
 * are: the caller's array and one group, or the scratch area (re-read
 * after every growth, which moves it). */
typedef struct tw {
  otelc__pbw w;
  otelc_span *const *spans;
  size_t n;
  otelc__span_group one;
} tw;

/* ------------------------------------------------------------------ */
/* Spans                                                               */
/* ------------------------------------------------------------------ */

static inline uint32_t otlp_flags(uint8_t trace_flags, bool remote) {
  return trace_flags | OTELC__OTLP_FLAG_HAS_IS_REMOTE |
         (remote ? OTELC__OTLP_FLAG_IS_REMOTE : 0);
}

static bool event(otelc__pbw *w, const otelc_span_event *e) {
  size_t mark = pbw_used(w);
  if (e->dropped_attrs && !pbw_varint(w, T_EVENT_DROPPED, e->dropped_attrs))
    return false;
  if (!otelc__pbw_attrs(w, T_LEN3, e->attrs, e->attrs ? e->n_attrs : 0) ||
      !pbw_opt_str(w, T_LEN2, e->name) || !pbw_need(w, 9))
    return false;
  uint8_t *p = pb_wr_fixed64(w->p, e->time);
  *--p = T_EVENT_TIME;
  w->p = p;
  return pbw_close(w, mark, T_SPAN_EVENTS);
}

static bool link(otelc__pbw *w, const otelc_span_link *l) {
  size_t mark = pbw_used(w);
  if (!pbw_need(w, 16))
    return false;
  uint8_t *p = pb_wr_fixed32(
      w->p, otlp_flags(l->context.trace_flags, l->context.is_remote));
  *--p = T_LINK_FLAGS;
  if (l->dropped_attrs)
    p = pb_wr_tag_varint(p, T_LINK_DROPPED, l->dropped_attrs);
  w->p = p;
  if (!otelc__pbw_attrs(w, T_LEN4, l->attrs, l->attrs ? l->n_attrs : 0) ||
      !pbw_opt_str(w, T_LEN3, l->tracestate) ||
      !pbw_bytes(w, T_LEN2, l->context.span_id, 8) ||
      !pbw_bytes(w, T_LEN1, l->context.trace_id, 16))
    return false;
  return pbw_close(w, mark, T_SPAN_LINKS);
}

static bool status(otelc__pbw *w, const otelc_span *s) {
  if (s->status == OTELC_STATUS_UNSET)
    return true;
  size_t mark = pbw_used(w);
  if (!pbw_varint(w, T_STATUS_CODE, (uint64_t)s->status))
    return false;
  if (s->status == OTELC_STATUS_ERROR &&
      !pbw_opt_str(w, T_LEN2, s->status_desc))
    return false;
  return pbw_close(w, mark, T_SPAN_STATUS);
}

static bool span(otelc__pbw *w, const otelc_span *s) {
  size_t mark = pbw_used(w);
  bool has_parent = (s->flags & OTELC__SPAN_HAS_PARENT) != 0;

  /* 16 flags (fixed32, tag 85 01). */
  if (!pbw_need(w, 6))
    return false;
  uint8_t *p = pb_wr_fixed32(
      w->p, otlp_flags(s->ctx.trace_flags, has_parent && s->parent.is_remote));
  *--p = 0x01;
  *--p = 0x85;
  w->p = p;
  /* 15 status, 14-9 links, events and attributes. */
  if (!status(w, s))
    return false;
  if (s->dropped_links &&
      !pbw_varint(w, T_SPAN_DROPPED_LINKS, s->dropped_links))
    return false;
  for (size_t k = s->links ? s->n_links : 0; k-- > 0;)
    if (!link(w, &s->links[k]))
      return false;
  if (s->dropped_events &&
      !pbw_varint(w, T_SPAN_DROPPED_EVENTS, s->dropped_events))
    return false;
  for (size_t k = s->events ? s->n_events : 0; k-- > 0;)
    if (!event(w, &s->events[k]))
      return false;
  if (s->attrs.dropped &&
      !pbw_varint(w, T_SPAN_DROPPED_ATTRS, s->attrs.dropped))
    return false;
  if (!otelc__pbw_attrs(w, T_SPAN_ATTRS, s->attrs.items,
                        s->attrs.items ? s->attrs.count : 0))
    return false;

  /* 8 end, 7 start, 6 kind, 5 name. */
  const char *name = s->name ? s->name : "";
  size_t nlen = strlen(name);
  if (!pbw_need(w, 2 * 9 + 2 + nlen + 11))
    return false;
  p = pb_wr_fixed64(w->p, s->end_time);
  *--p = T_SPAN_END;
  p = pb_wr_fixed64(p, s->start_time);
  *--p = T_SPAN_START;
  unsigned kind = (unsigned)s->kind;
  *--p = (uint8_t)(kind - 1 < 5 ? kind : OTELC_SPAN_KIND_INTERNAL);
  *--p = T_SPAN_KIND;
  w->p = p;
  p -= nlen;
  if (OTELC__LIKELY(pb_copy_str(p, (const uint8_t *)name, nlen)))
    w->p = pb_wr_tag_varint(p, T_SPAN_NAME, nlen);
  else if (!otelc__pbw_str_repair(w, T_SPAN_NAME, (const uint8_t *)name, nlen))
    return false;

  /* 4 parent_span_id, 3 trace_state, 2 span_id, 1 trace_id. */
  if (!pbw_need(w, 3 * 2 + 8 + 8 + 16))
    return false;
  p = w->p;
  if (has_parent) {
    p -= 8;
    memcpy(p, s->parent.span_id, 8);
    *--p = 8;
    *--p = T_LEN4;
    w->p = p;
  }
  if (s->tracestate && s->tracestate->len) {
    if (!pbw_str(w, T_LEN3, s->tracestate->s, s->tracestate->len) ||
        !pbw_need(w, 2 * 2 + 8 + 16))
      return false;
    p = w->p;
  }
  p -= 8;
  memcpy(p, s->ctx.span_id, 8);
  *--p = 8;
  *--p = T_LEN2;
  p -= 16;
  memcpy(p, s->ctx.trace_id, 16);
  *--p = 16;
  *--p = T_LEN1;
  w->p = p;
  return pbw_close(w, mark, T_LEN2); /* ScopeSpans.spans */
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */
/* ------------------------------------------------------------------ */

static inline otelc_span *sorted_at(const tw *t, size_t k) {
  return t->w.scratch ? ((otelc_span **)(void *)t->w.b->data)[k] : t->spans[k];
}

static inline const otelc__span_group *group_at(const tw *t, size_t g) {
  if (!t->w.scratch)
    return &t->one;
  return (const otelc__span_group *)(void *)(t->w.b->data +
                                             t->n * sizeof(otelc_span *)) +
         g;
}

/* ScopeSpans of group @p g (field 2 of ResourceSpans). */
static bool scope_spans(tw *t, size_t g) {
  otelc__pbw *w = &t->w;
  otelc__span_group grp = *group_at(t, g);
  const otelc_scope_info *sc = grp.scope;
  size_t mark = pbw_used(w);
  if (sc && !pbw_opt_str(w, T_LEN3, sc->schema_url))
    return false;
  for (size_t k = grp.count; k-- > 0;)
    if (!span(w, sorted_at(t, grp.first + k)))
      return false;
  return otelc__pbw_scope(w, sc) && pbw_close(w, mark, T_LEN2);
}

/* Every group, last first: each run of groups of one resource is one
 * ResourceSpans. */
static bool request(tw *t, size_t ng) {
  otelc__pbw *w = &t->w;
  size_t g = ng;
  while (g > 0) {
    const otelc_resource *r = group_at(t, g - 1)->resource;
    size_t mark = pbw_used(w);
    if (!pbw_opt_str(w, T_LEN3, otelc_resource_schema_url(r)))
      return false;
    do {
      g--;
      if (!scope_spans(t, g))
        return false;
    } while (g > 0 && group_at(t, g - 1)->resource == r);
    if (!otelc__pbw_resource(w, r) || !pbw_close(w, mark, T_LEN1))
      return false;
  }
  return true;
}

static inline const otelc_resource *span_resource(const otelc_span *s) {
  return s->tracer && s->tracer->provider ? s->tracer->provider->resource
                                          : NULL;
}

static inline const otelc_scope_info *span_scope(const otelc_span *s) {
  return s->tracer ? &s->tracer->scope : NULL;
}

otelc_status otelc__otlp_traces_pb(otelc__buf *out, otelc_span *const *spans,
                                   size_t n) {
  otelc__buf_reset(out);
  if (n == 0)
    return OTELC_OK;

  tw t = {0};
  t.spans = spans;
  t.n = n;

  /* One tracer (the usual batch): no sorting, no scratch. */
  const otelc_resource *r0 = span_resource(spans[0]);
  const otelc_scope_info *sc0 = span_scope(spans[0]);
  size_t same = 1;
  while (same < n && span_scope(spans[same]) == sc0 &&
         span_resource(spans[same]) == r0)
    same++;
  size_t scratch = 0;
  if (same < n) {
    size_t per = sizeof(otelc_span *) + sizeof(otelc__span_group);
    if (n > OTELC__OTLP_MAX_REQUEST / per) {
      out->failed = true; /* far more spans than a request holds */
      return OTELC_ERR_LIMIT;
    }
    scratch = n * per;
  }

  /* The buffer: scratch area, then room for a first guess of the
   * output. */
  size_t max = OTELC__OTLP_MAX_REQUEST;
  size_t guess = n < max / EST_SPAN_BYTES ? n * EST_SPAN_BYTES : max;
  otelc_status st = otelc__pbw_start(&t.w, out, scratch, guess);
  if (st != OTELC_OK)
    return st;

  size_t ng = 1;
  if (scratch) {
    otelc_span **sorted = (otelc_span **)(void *)out->data;
    ng = otelc__otlp_group(spans, n, sorted,
                           (otelc__span_group *)(void *)(sorted + n));
  } else {
    t.one = (otelc__span_group){r0, sc0, 0, n};
  }

  if (!request(&t, ng)) {
    out->len = 0;
    out->failed = true;
    return t.w.err != OTELC_OK ? t.w.err : OTELC_ERR_NOMEM;
  }
  otelc__pbw_finish(&t.w);
  return OTELC_OK;
}
