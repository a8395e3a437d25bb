/*
 * OTLP protobuf: ExportLogsServiceRequest written straight from log
 * records with the backwards writer of otlp_pb_write.h (which explains
 * the technique): every message from its last field to its first,
 * repeated elements last first, so that the bytes read forwards are in
 * field-number order and every length is known when it is written.
 *
 * LogRecord fields (logs.proto; field 4 is reserved):
 *   1 time_unix_nano fixed64          2 severity_number enum (varint)
 *   3 severity_text string            5 body AnyValue
 *   6 attributes repeated KeyValue    7 dropped_attributes_count uint32
 *   8 flags fixed32 (bits 0-7: the W3C trace flags)
 *   9 trace_id bytes (16)             10 span_id bytes (8)
 *   11 observed_time_unix_nano fixed64  12 event_name string
 * Fields holding their default (0, "", an EMPTY body) are left out, and
 * so are all-zero trace and span ids (no span was current). A severity
 * outside 1..24 is no SeverityNumber and is left out (unspecified).
 *
 * Grouping. When the batch mixes resources or scopes, the records' data
 * sorted by group and the group table (otelc__otlp_group_logs) live in
 * the writer's scratch area at the start of the output buffer, so that a
 * warmed buffer makes encoding allocation-free. A batch from one logger
 * needs neither.
 *
 * Thread safety: the records are only read, from any thread; one buffer
 * per call.
 */
#include "export/otlp/otlp_pb_write.h"
#include "otelc/resource.h"

#define EST_RECORD_BYTES 160u /* first guess of the size of one record */

/* Tags (field number << 3 | wire type). */
enum {
  T_LEN1 = OTELC__PB_LEN1, /* ExportLogsServiceRequest.resource_logs */
  T_LEN2 = OTELC__PB_LEN2, /* ResourceLogs.scope_logs, ScopeLogs.records */
  T_LEN3 = OTELC__PB_LEN3, /* the schema_url of both */
  T_TIME = 0x09,
  T_SEVERITY = 0x10,
  T_SEVERITY_TEXT = 0x1A,
  T_BODY = 0x2A,
  T_ATTRS = 0x32,
  T_DROPPED_ATTRS = 0x38,
  T_FLAGS = 0x45,
  T_TRACE_ID = 0x4A,
  T_SPAN_ID = 0x52,
  T_OBSERVED = 0x59,
  T_EVENT_NAME = 0x62
};

/* The largest SeverityNumber (FATAL4). */
#define MAX_SEVERITY 24

/* A request being written: the writer, the batch, and where the sorted
 * records and groups are: the batch and one group, or the scratch area
 * (re-read after every growth, which moves it). */
typedef struct lw {
  otelc__pbw w;
  const otelc__log_batch *b;
  otelc__span_group one;
} lw;

static inline bool all_zero(const uint8_t *p, size_t n) {
  uint8_t any = 0;
  for (size_t k = 0; k < n; k++)
    any |= p[k];
  return any == 0;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

/* One LogRecord as ScopeLogs.log_records (field 2). */
static bool record(otelc__pbw *w, const otelc_log_data *d) {
  size_t mark = pbw_used(w);

  /* 12 event_name, 11 observed time. */
  if (!pbw_opt_str(w, T_EVENT_NAME, d->event_name))
    return false;
  if (d->observed_timestamp &&
      !pbw_fixed64(w, T_OBSERVED, d->observed_timestamp))
    return false;

  /* 10 span_id, 9 trace_id, 8 flags, 7 dropped count: one check for
   * room. */
  if (!pbw_need(w, 2 + 8 + 2 + 16 + 5 + 11))
    return false;
  uint8_t *p = w->p;
  if (!all_zero(d->span_id, 8)) {
    p -= 8;
    memcpy(p, d->span_id, 8);
    *--p = 8;
    *--p = T_SPAN_ID;
  }
  if (!all_zero(d->trace_id, 16)) {
    p -= 16;
    memcpy(p, d->trace_id, 16);
    *--p = 16;
    *--p = T_TRACE_ID;
  }
  if (d->trace_flags) {
    p = pb_wr_fixed32(p, d->trace_flags);
    *--p = T_FLAGS;
  }
  if (d->dropped_attrs)
    p = pb_wr_tag_varint(p, T_DROPPED_ATTRS, d->dropped_attrs);
  w->p = p;

  /* 6 attributes, 5 body, 3 severity_text. */
  if (!otelc__pbw_attrs(w, T_ATTRS, d->attrs, d->attrs ? d->n_attrs : 0))
    return false;
  if (d->body.type != OTELC_VALUE_EMPTY &&
      !otelc__pbw_any_value(w, T_BODY, &d->body))
    return false;
  if (!pbw_opt_str(w, T_SEVERITY_TEXT, d->severity_text))
    return false;

  /* 2 severity_number, 1 time. */
  if (!pbw_need(w, 2 + 9))
    return false;
  p = w->p;
  if (d->severity > 0 && d->severity <= MAX_SEVERITY) {
    *--p = (uint8_t)d->severity;
    *--p = T_SEVERITY;
  }
  if (d->timestamp) {
    p = pb_wr_fixed64(p, d->timestamp);
    *--p = T_TIME;
  }
  w->p = p;
  return pbw_close(w, mark, T_LEN2);
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */
/* ------------------------------------------------------------------ */

static inline const otelc_log_data *sorted_at(const lw *t, size_t k) {
  if (!t->w.scratch)
    return t->b->at(t->b->items, k);
  return ((const otelc_log_data *const *)(void *)t->w.b->data)[k];
}

static inline const otelc__span_group *group_at(const lw *t, size_t g) {
  if (!t->w.scratch)
    return &t->one;
  return (const otelc__span_group *)(void *)(t->w.b->data +
                                             t->b->n *
                                                 sizeof(otelc_log_data *)) +
         g;
}

/* ScopeLogs of group @p g (field 2 of ResourceLogs). */
static bool scope_logs(lw *t, size_t g) {
  otelc__pbw *w = &t->w;
  otelc__span_group grp = *group_at(t, g);
  const otelc_scope_info *sc = grp.scope;
  size_t mark = pbw_used(w);
  if (sc && !pbw_opt_str(w, T_LEN3, sc->schema_url))
    return false;
  for (size_t k = grp.count; k-- > 0;)
    if (!record(w, sorted_at(t, grp.first + k)))
      return false;
  return otelc__pbw_scope(w, sc) && pbw_close(w, mark, T_LEN2);
}

/* Every group, last first: each run of groups of one resource is one
 * ResourceLogs. */
static bool request(lw *t, size_t ng) {
  otelc__pbw *w = &t->w;
  size_t g = ng;
  while (g > 0) {
    const otelc_resource *r = group_at(t, g - 1)->resource;
    size_t mark = pbw_used(w);
    if (!pbw_opt_str(w, T_LEN3, otelc_resource_schema_url(r)))
      return false;
    do {
      g--;
      if (!scope_logs(t, g))
        return false;
    } while (g > 0 && group_at(t, g - 1)->resource == r);
    if (!otelc__pbw_resource(w, r) || !pbw_close(w, mark, T_LEN1))
      return false;
  }
  return true;
}

otelc_status otelc__otlp_logs_pb_batch(otelc__buf *out,
                                       const otelc__log_batch *b) {
  otelc__buf_reset(out);
  size_t n = b->n;
  if (n == 0)
    return OTELC_OK;

  lw t;
  memset(&t, 0, sizeof t);
  t.b = b;

  /* One logger (the usual batch): no sorting, no scratch. */
  const otelc_log_data *d0 = b->at(b->items, 0);
  size_t same = 1;
  while (same < n) {
    const otelc_log_data *d = b->at(b->items, same);
    if (d->scope != d0->scope || d->resource != d0->resource)
      break;
    same++;
  }
  size_t scratch = 0;
  if (same < n) {
    size_t per = sizeof(otelc_log_data *) + sizeof(otelc__span_group);
    if (n > OTELC__OTLP_MAX_REQUEST / per) {
      out->failed = true; /* far more records than a request holds */
      return OTELC_ERR_LIMIT;
    }
    scratch = n * per;
  }

  size_t max = OTELC__OTLP_MAX_REQUEST;
  size_t guess = n < max / EST_RECORD_BYTES ? n * EST_RECORD_BYTES : max;
  otelc_status st = otelc__pbw_start(&t.w, out, scratch, guess);
  if (st != OTELC_OK)
    return st;

  size_t ng = 1;
  if (scratch) {
    const otelc_log_data **sorted = (const otelc_log_data **)(void *)out->data;
    ng = otelc__otlp_group_logs(b, sorted,
                                (otelc__span_group *)(void *)(sorted + n));
  } else {
    t.one = (otelc__span_group){d0->resource, d0->scope, 0, n};
  }

  if (!request(&t, ng)) {
    out->len = 0;
    out->failed = true;
    return t.w.err != OTELC_OK ? t.w.err : OTELC_ERR_NOMEM;
  }
  otelc__pbw_finish(&t.w);
  return OTELC_OK;
}
