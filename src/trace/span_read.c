/* Read access to spans for processors and exporters. */
#include "trace/trace_internal.h"

void otelc_span_retain(otelc_span *s) {
  if (s && !otelc__span_is_noop(s))
    otelc__span_ref(s);
}

void otelc_span_release(otelc_span *s) {
  if (s && !otelc__span_is_noop(s))
    otelc__span_unref(s);
}

const char *otelc_span_get_name(const otelc_span *s) {
  return s ? s->name : "";
}

otelc_span_kind otelc_span_get_kind(const otelc_span *s) {
  return s && s->kind ? s->kind : OTELC_SPAN_KIND_INTERNAL;
}

bool otelc_span_get_parent(const otelc_span *s, otelc_span_context *out) {
  if (!s || !(s->flags & OTELC__SPAN_HAS_PARENT) ||
      !(s->flags & (OTELC__SPAN_RECORDING | OTELC__SPAN_ENDED)))
    return false;
  if (out)
    *out = s->parent;
  return true;
}

const char *otelc_span_get_tracestate(const otelc_span *s) {
  return s && s->tracestate ? s->tracestate->s : NULL;
}

uint64_t otelc_span_get_start_time(const otelc_span *s) {
  return s ? s->start_time : 0;
}

uint64_t otelc_span_get_end_time(const otelc_span *s) {
  return s ? s->end_time : 0;
}

otelc_status_code otelc_span_get_status(const otelc_span *s,
                                        const char **description) {
  if (description)
    *description = s ? s->status_desc : NULL;
  return s ? s->status : OTELC_STATUS_UNSET;
}

size_t otelc_span_get_attr_count(const otelc_span *s) {
  return s ? s->attrs.count : 0;
}

const otelc_attr *otelc_span_get_attr(const otelc_span *s, size_t i) {
  return s && i < s->attrs.count ? &s->attrs.items[i] : NULL;
}

const otelc_value *otelc_span_find_attr(const otelc_span *s,
                                        const char *key) {
  if (!s || !key)
    return NULL;
  long i = otelc__attr_list_find(&s->attrs, key);
  return i >= 0 ? &s->attrs.items[i].value : NULL;
}

size_t otelc_span_get_event_count(const otelc_span *s) {
  return s ? s->n_events : 0;
}

const otelc_span_event *otelc_span_get_event(const otelc_span *s, size_t i) {
  return s && i < s->n_events ? &s->events[i] : NULL;
}

size_t otelc_span_get_link_count(const otelc_span *s) {
  return s ? s->n_links : 0;
}

const otelc_span_link *otelc_span_get_link(const otelc_span *s, size_t i) {
  return s && i < s->n_links ? &s->links[i] : NULL;
}

void otelc_span_get_dropped(const otelc_span *s, uint32_t *attrs,
                            uint32_t *events, uint32_t *links) {
  if (attrs)
    *attrs = s ? s->attrs.dropped : 0;
  if (events)
    *events = s ? s->dropped_events : 0;
  if (links)
    *links = s ? s->dropped_links : 0;
}

const otelc_scope_info *otelc_span_get_scope(const otelc_span *s) {
  return s && s->tracer ? &s->tracer->scope : NULL;
}

const otelc_resource *otelc_span_get_resource(const otelc_span *s) {
  return s && s->tracer && s->tracer->provider
             ? s->tracer->provider->resource
             : NULL;
}
