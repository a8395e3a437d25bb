/*
 * OTLP/JSON: the ExportLogsServiceRequest written straight from log
 * records with the writer of otlp_json_write.h (the proto3 JSON mapping
 * with OTLP's changes): lowerCamelCase names, times as quoted decimals,
 * severityNumber as a number, traceId and spanId as lowercase hex, the
 * body as an AnyValue object, invalid UTF-8 as U+FFFD.
 *
 * What the protobuf encoder leaves out is left out here too: fields
 * holding their default (zero times, severity 0 or outside 1..24, empty
 * strings, an EMPTY body, no attributes, flags 0) and all-zero ids.
 *
 * A batch from one logger is written as it comes; otherwise the grouping
 * of records by resource and scope (otelc__otlp_group_logs) is computed
 * into the head of the output buffer itself and the JSON text is moved
 * over it once complete (the scratch area then counts towards
 * OTELC__OTLP_MAX_REQUEST).
 *
 * Thread safety: the records are only read, from any thread; one buffer
 * per call.
 */
#include "export/otlp/otlp_json_write.h"
#include "otelc/resource.h"

#define MAX_SEVERITY 24 /* FATAL4 */

static inline bool all_zero(const uint8_t *p, size_t n) {
  uint8_t any = 0;
  for (size_t k = 0; k < n; k++)
    any |= p[k];
  return any == 0;
}

/* A LogRecord object; a comma goes before every member but the first. */
static void put_record(otelc__jw *w, const otelc_log_data *d) {
  const char *sep = "{";
#define MEMBER(k)                                                              \
  do {                                                                         \
    jw_put(w, sep, 1);                                                         \
    sep = ",";                                                                 \
    JW_LIT(w, "\"" k "\":");                                                   \
  } while (0)
  if (d->timestamp) {
    MEMBER("timeUnixNano");
    otelc__json_u64_str(w, d->timestamp);
  }
  if (d->observed_timestamp) {
    MEMBER("observedTimeUnixNano");
    otelc__json_u64_str(w, d->observed_timestamp);
  }
  if (d->severity > 0 && d->severity <= MAX_SEVERITY) {
    MEMBER("severityNumber");
    otelc__json_u64(w, (uint64_t)d->severity);
  }
  if (d->severity_text && d->severity_text[0]) {
    MEMBER("severityText");
    otelc__json_cstr(w, d->severity_text);
  }
  if (d->body.type != OTELC_VALUE_EMPTY) {
    MEMBER("body");
    otelc__json_value(w, &d->body, 0);
  }
  if (d->attrs && d->n_attrs) {
    MEMBER("attributes");
    jw_putc(w, '[');
    otelc__json_attrs(w, d->attrs, d->n_attrs, 0);
    jw_putc(w, ']');
  }
  if (d->dropped_attrs) {
    MEMBER("droppedAttributesCount");
    otelc__json_u64(w, d->dropped_attrs);
  }
  if (d->trace_flags) {
    MEMBER("flags");
    otelc__json_u64(w, d->trace_flags);
  }
  if (!all_zero(d->trace_id, 16)) {
    MEMBER("traceId");
    otelc__json_hex(w, d->trace_id, 16);
  }
  if (!all_zero(d->span_id, 8)) {
    MEMBER("spanId");
    otelc__json_hex(w, d->span_id, 8);
  }
  if (d->event_name && d->event_name[0]) {
    MEMBER("eventName");
    otelc__json_cstr(w, d->event_name);
  }
#undef MEMBER
  if (sep[0] == '{')
    jw_putc(w, '{'); /* a record with nothing set */
  jw_putc(w, '}');
}

/* ------------------------------------------------------------ request -- */

/* A request being written: the batch, and either one group (a batch from
 * one logger) or the grouping in the scratch area at the head of the
 * buffer, addressed by offset since writing may move the buffer. */
typedef struct req {
  otelc__jw w;
  const otelc__log_batch *b;
  size_t scratch; /* bytes of scratch; 0: one group */
  otelc__span_group one;
} req;

static inline const otelc_log_data *sorted_at(const req *q, size_t k) {
  if (!q->scratch)
    return q->b->at(q->b->items, k);
  const otelc_log_data *d;
  memcpy(&d, q->w.b->data + k * sizeof d, sizeof d);
  return d;
}

static inline otelc__span_group group_at(const req *q, size_t g) {
  if (!q->scratch)
    return q->one;
  otelc__span_group grp;
  memcpy(&grp,
         q->w.b->data + q->b->n * sizeof(otelc_log_data *) + g * sizeof grp,
         sizeof grp);
  return grp;
}

/* Every group; each run of groups of one resource is one ResourceLogs. */
static void put_request(req *q, size_t ng) {
  otelc__jw *w = &q->w;
  JW_LIT(w, "{\"resourceLogs\":[");
  size_t g = 0;
  while (g < ng && !w->b->failed) {
    otelc__span_group grp = group_at(q, g);
    const otelc_resource *r = grp.resource;
    if (g)
      jw_putc(w, ',');
    jw_putc(w, '{');
    otelc__json_resource(w, r);
    JW_LIT(w, ",\"scopeLogs\":[");
    for (bool first = true;; first = false) {
      if (!first)
        jw_putc(w, ',');
      jw_putc(w, '{');
      otelc__json_scope(w, grp.scope);
      JW_LIT(w, ",\"logRecords\":[");
      for (size_t i = 0; i < grp.count && !w->b->failed; i++) {
        if (i)
          jw_putc(w, ',');
        put_record(w, sorted_at(q, grp.first + i));
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

otelc_status otelc__otlp_logs_json_batch(otelc__buf *out,
                                         const otelc__log_batch *b) {
  otelc__buf_reset(out);
  req q = {{out, false}, b, 0, {0}};
  size_t n = b->n, ng = 0;
  if (n) {
    /* One logger (the usual batch): no grouping, no scratch. */
    const otelc_log_data *d0 = b->at(b->items, 0);
    size_t same = 1;
    while (same < n) {
      const otelc_log_data *d = b->at(b->items, same);
      if (d->scope != d0->scope || d->resource != d0->resource)
        break;
      same++;
    }
    ng = 1;
    q.one = (otelc__span_group){d0->resource, d0->scope, 0, n};
    if (same < n) {
      size_t per = sizeof(otelc_log_data *) + sizeof(otelc__span_group);
      if (n > OTELC__OTLP_MAX_REQUEST / per) {
        out->failed = true;
        return OTELC_ERR_LIMIT;
      }
      if (!jw_room(&q.w, n * per))
        return jw_failure(&q.w);
      q.scratch = n * per;
      const otelc_log_data **sorted =
          (const otelc_log_data **)(void *)out->data;
      ng = otelc__otlp_group_logs(b, sorted,
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
