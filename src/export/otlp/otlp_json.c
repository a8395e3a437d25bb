/*
 * OTLP/JSON: the ExportTraceServiceRequest written straight from span
 * records with the writer of otlp_json_write.h (the proto3 JSON mapping
 * with OTLP's changes: hex ids, integer enums). The reader of responses
 * is otlp_json_read.c.
 *
 * A batch from one tracer is written as it comes; otherwise the grouping
 * of spans by resource and scope (otelc__otlp_group) is computed into the
 * head of the output buffer itself and the JSON text is moved over it
 * once complete (the scratch area then counts towards
 * OTELC__OTLP_MAX_REQUEST).
 *
 * Thread safety: spans may be read from any thread; one buffer per call.
 */
#include "export/otlp/otlp_json_write.h"
#include "trace/trace_internal.h"

/* -------------------------------------------------------------- spans -- */

static void put_event(otelc__jw *w, const otelc_span_event *e) {
  JW_LIT(w, "{\"timeUnixNano\":");
  otelc__json_u64_str(w, e->time);
  JW_LIT(w, ",\"name\":");
  otelc__json_cstr(w, e->name);
  otelc__json_attr_field(w, e->attrs, e->n_attrs, e->dropped_attrs);
  jw_putc(w, '}');
}

static void put_link(otelc__jw *w, const otelc_span_link *l) {
  JW_LIT(w, "{\"traceId\":");
  otelc__json_hex(w, l->context.trace_id, 16);
  JW_LIT(w, ",\"spanId\":");
  otelc__json_hex(w, l->context.span_id, 8);
  if (l->tracestate && l->tracestate[0]) {
    JW_LIT(w, ",\"traceState\":");
    otelc__json_cstr(w, l->tracestate);
  }
  otelc__json_attr_field(w, l->attrs, l->n_attrs, l->dropped_attrs);
  JW_LIT(w, ",\"flags\":");
  otelc__json_u64(w,
                  l->context.trace_flags | OTELC__OTLP_FLAG_HAS_IS_REMOTE |
                      (l->context.is_remote ? OTELC__OTLP_FLAG_IS_REMOTE : 0));
  jw_putc(w, '}');
}

static void put_span(otelc__jw *w, const otelc_span *s) {
  bool has_parent = (s->flags & OTELC__SPAN_HAS_PARENT) != 0;
  JW_LIT(w, "{\"traceId\":");
  otelc__json_hex(w, s->ctx.trace_id, 16);
  JW_LIT(w, ",\"spanId\":");
  otelc__json_hex(w, s->ctx.span_id, 8);
  if (s->tracestate && s->tracestate->len) {
    JW_LIT(w, ",\"traceState\":");
    otelc__json_str(w, s->tracestate->s, s->tracestate->len);
  }
  if (has_parent) {
    JW_LIT(w, ",\"parentSpanId\":");
    otelc__json_hex(w, s->parent.span_id, 8);
  }
  JW_LIT(w, ",\"flags\":");
  otelc__json_u64(
      w,
      s->ctx.trace_flags | OTELC__OTLP_FLAG_HAS_IS_REMOTE |
          (has_parent && s->parent.is_remote ? OTELC__OTLP_FLAG_IS_REMOTE : 0));
  JW_LIT(w, ",\"name\":");
  otelc__json_cstr(w, s->name);
  JW_LIT(w, ",\"kind\":");
  otelc__json_u64(w, s->kind ? (uint64_t)s->kind : OTELC_SPAN_KIND_INTERNAL);
  JW_LIT(w, ",\"startTimeUnixNano\":");
  otelc__json_u64_str(w, s->start_time);
  JW_LIT(w, ",\"endTimeUnixNano\":");
  otelc__json_u64_str(w, s->end_time);
  otelc__json_attr_field(w, s->attrs.items, s->attrs.count, s->attrs.dropped);
  if (s->n_events && s->events) {
    JW_LIT(w, ",\"events\":[");
    for (uint32_t i = 0; i < s->n_events; i++) {
      if (i)
        jw_putc(w, ',');
      put_event(w, &s->events[i]);
    }
    jw_putc(w, ']');
  }
  if (s->dropped_events) {
    JW_LIT(w, ",\"droppedEventsCount\":");
    otelc__json_u64(w, s->dropped_events);
  }
  if (s->n_links && s->links) {
    JW_LIT(w, ",\"links\":[");
    for (uint32_t i = 0; i < s->n_links; i++) {
      if (i)
        jw_putc(w, ',');
      put_link(w, &s->links[i]);
    }
    jw_putc(w, ']');
  }
  if (s->dropped_links) {
    JW_LIT(w, ",\"droppedLinksCount\":");
    otelc__json_u64(w, s->dropped_links);
  }
  if (s->status == OTELC_STATUS_OK) {
    JW_LIT(w, ",\"status\":{\"code\":1}");
  } else if (s->status == OTELC_STATUS_ERROR) {
    JW_LIT(w, ",\"status\":{\"code\":2");
    if (s->status_desc && s->status_desc[0]) {
      JW_LIT(w, ",\"message\":");
      otelc__json_cstr(w, s->status_desc);
    }
    jw_putc(w, '}');
  }
  jw_putc(w, '}');
}

/* ----------------------------------------------------- resource, scope -- */

static void put_resource(otelc__jw *w, const otelc_resource *r) {
  jw_putc(w, '{');
  otelc__json_resource(w, r);
  JW_LIT(w, ",\"scopeSpans\":[");
}

static void put_scope(otelc__jw *w, const otelc_scope_info *sc) {
  jw_putc(w, '{');
  otelc__json_scope(w, sc);
  JW_LIT(w, ",\"spans\":[");
}

/* ------------------------------------------------------------ request -- */

/* A request being written: the spans, and either one group (a batch from
 * one tracer) or the grouping in the scratch area at the head of the
 * buffer, addressed by offset since writing may move the buffer. */
typedef struct req {
  otelc__jw w;
  otelc_span *const *spans;
  size_t n;
  size_t scratch; /* bytes of scratch; 0: one group */
  otelc__span_group one;
} req;

static inline otelc_span *sorted_at(const req *q, size_t k) {
  if (!q->scratch)
    return q->spans[k];
  otelc_span *s;
  memcpy(&s, q->w.b->data + k * sizeof s, sizeof s);
  return s;
}

static inline otelc__span_group group_at(const req *q, size_t g) {
  if (!q->scratch)
    return q->one;
  otelc__span_group grp;
  memcpy(&grp, q->w.b->data + q->n * sizeof(otelc_span *) + g * sizeof grp,
         sizeof grp);
  return grp;
}

static inline const otelc_resource *span_resource(const otelc_span *s) {
  return s->tracer && s->tracer->provider ? s->tracer->provider->resource
                                          : NULL;
}

static inline const otelc_scope_info *span_scope(const otelc_span *s) {
  return s->tracer ? &s->tracer->scope : NULL;
}

/* Every group; each run of groups of one resource is one ResourceSpans. */
static void put_request(req *q, size_t ng) {
  otelc__jw *w = &q->w;
  JW_LIT(w, "{\"resourceSpans\":[");
  size_t g = 0;
  while (g < ng && !w->b->failed) {
    otelc__span_group grp = group_at(q, g);
    const otelc_resource *r = grp.resource;
    if (g)
      jw_putc(w, ',');
    put_resource(w, r);
    for (bool first = true;; first = false) {
      if (!first)
        jw_putc(w, ',');
      put_scope(w, grp.scope);
      for (size_t i = 0; i < grp.count && !w->b->failed; i++) {
        if (i)
          jw_putc(w, ',');
        put_span(w, sorted_at(q, grp.first + i));
      }
      jw_putc(w, ']');
      otelc__json_schema_url(w, grp.scope ? grp.scope->schema_url : NULL);
      jw_putc(w, '}');
      if (++g == ng || w->b->failed)
        break;
      grp = group_at(q, g);
      if (grp.resource != r)
        break;
    }
    jw_putc(w, ']');
    otelc__json_schema_url(w, otelc_resource_schema_url(r));
    jw_putc(w, '}');
  }
  JW_LIT(w, "]}");
}

otelc_status otelc__otlp_traces_json(otelc__buf *out, otelc_span *const *spans,
                                     size_t n) {
  if (!out || (n && !spans))
    return OTELC_ERR_INVALID_ARG;
  otelc__buf_reset(out);
  req q = {{out, false}, spans, n, 0, {0}};
  size_t ng = 0;
  if (n) {
    /* One tracer (the usual batch): no grouping, no scratch. */
    const otelc_resource *r0 = span_resource(spans[0]);
    const otelc_scope_info *sc0 = span_scope(spans[0]);
    size_t same = 1;
    while (same < n && span_scope(spans[same]) == sc0 &&
           span_resource(spans[same]) == r0)
      same++;
    ng = 1;
    q.one = (otelc__span_group){r0, sc0, 0, n};
    if (same < n) {
      size_t per = sizeof(otelc_span *) + sizeof(otelc__span_group);
      if (n > OTELC__OTLP_MAX_REQUEST / per) {
        out->failed = true;
        return OTELC_ERR_LIMIT;
      }
      if (!jw_room(&q.w, n * per))
        return jw_failure(&q.w);
      q.scratch = n * per;
      otelc_span **sorted = (otelc_span **)(void *)out->data;
      ng = otelc__otlp_group(spans, n, sorted,
                             (otelc__span_group *)(void *)(sorted + n));
      out->len = q.scratch;
    }
  }
  put_request(&q, ng);
  if (out->failed) {
    out->len = 0;
    return jw_failure(&q.w);
  }
  if (q.scratch) {
    memmove(out->data, out->data + q.scratch, out->len - q.scratch);
    out->len -= q.scratch;
  }
  return OTELC_OK;
}
