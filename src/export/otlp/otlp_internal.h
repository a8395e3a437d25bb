/*
 * OTLP encoding: a growable byte buffer, grouping of spans and log records
 * by resource and scope, and the protobuf and JSON encoders of
 * ExportTraceServiceRequest, ExportMetricsServiceRequest and
 * ExportLogsServiceRequest. Encoders write straight from span records,
 * collected metrics or log records into a reusable buffer: no intermediate
 * message objects, no allocation once the buffer has grown. The writers
 * they share are in otlp_pb_write.h and otlp_json_write.h.
 */
#ifndef OTELC_SRC_EXPORT_OTLP_INTERNAL_H
#define OTELC_SRC_EXPORT_OTLP_INTERNAL_H

#include "common/internal.h"
#include "otelc/logs.h"
#include "otelc/metrics.h"
#include "otelc/span_processor.h"

/* Largest request otelc builds (the specification's 64 MiB). */
#define OTELC__OTLP_MAX_REQUEST (64u * 1024u * 1024u)

typedef struct otelc__buf {
  uint8_t *data;
  size_t len, cap;
  bool failed; /* an allocation failed or the limit was passed */
} otelc__buf;

void otelc__buf_init(otelc__buf *b);
void otelc__buf_free(otelc__buf *b);
/* Empty the buffer, keeping its memory. */
static inline void otelc__buf_reset(otelc__buf *b) {
  b->len = 0;
  b->failed = false;
}
/* Room for @p extra more bytes; false (and b->failed) when memory ran out
 * or the total would pass OTELC__OTLP_MAX_REQUEST. */
bool otelc__buf_grow(otelc__buf *b, size_t extra);
static inline bool otelc__buf_reserve(otelc__buf *b, size_t extra) {
  return OTELC__LIKELY(b->cap - b->len >= extra) || otelc__buf_grow(b, extra);
}
static inline void otelc__buf_put(otelc__buf *b, const void *p, size_t n) {
  if (otelc__buf_reserve(b, n)) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
  }
}
static inline void otelc__buf_byte(otelc__buf *b, uint8_t c) {
  if (otelc__buf_reserve(b, 1))
    b->data[b->len++] = c;
}

/* Spans (or log records) of one resource and one instrumentation scope. */
typedef struct otelc__span_group {
  const otelc_resource *resource;
  const otelc_scope_info *scope;
  size_t first, count; /* a range of the sorted array */
} otelc__span_group;

/* Order @p n spans into @p sorted (n slots) so that each (resource, scope)
 * pair is contiguous, groups of one resource adjacent, and spans keep
 * their order within a group; describe the groups in @p groups (n slots).
 * Returns the number of groups. */
size_t otelc__otlp_group(otelc_span *const *spans, size_t n,
                         otelc_span **sorted, otelc__span_group *groups);

/* Log records to encode: @p n items read through @p at, which returns the
 * data of item i of @p items (never NULL for a batch that passed
 * otelc__otlp_logs_check). The encoders take records either as
 * otelc_log_data pointers or as otelc_log_record pointers (read through
 * otelc_log_record_data), both without copying. */
typedef struct otelc__log_batch {
  const void *items;
  size_t n;
  const otelc_log_data *(*at)(const void *items, size_t i);
} otelc__log_batch;

/* A batch over an array of data, or of records. */
otelc__log_batch otelc__log_batch_of_data(const otelc_log_data *const *recs,
                                          size_t n);
otelc__log_batch otelc__log_batch_of_records(otelc_log_record *const *recs,
                                             size_t n);

/* As otelc__otlp_group, for the records of @p b (sorted: b->n slots of
 * their data; groups: b->n slots). Returns the number of groups. */
size_t otelc__otlp_group_logs(const otelc__log_batch *b,
                              const otelc_log_data **sorted,
                              otelc__span_group *groups);

/* OTLP flags of a span or link: W3C flags plus the is-remote bits. */
#define OTELC__OTLP_FLAG_HAS_IS_REMOTE 0x100u
#define OTELC__OTLP_FLAG_IS_REMOTE 0x200u

/* ExportTraceServiceRequest for @p n ended spans, written to @p out (reset
 * first). Returns OTELC_OK, OTELC_ERR_NOMEM, or OTELC_ERR_LIMIT when it
 * would pass OTELC__OTLP_MAX_REQUEST. */
otelc_status otelc__otlp_traces_pb(otelc__buf *out, otelc_span *const *spans,
                                   size_t n);

/* The same request in the OTLP/JSON mapping (one line, no newline).
 * Strings are escaped for JSON; invalid UTF-8 becomes U+FFFD so that the
 * receiver never rejects the message. */
otelc_status otelc__otlp_traces_json(otelc__buf *out, otelc_span *const *spans,
                                     size_t n);

/* Check the structure of a metrics collection: every array that holds
 * data (scopes, metrics, points, histogram bounds and bucket counts,
 * exponential buckets) is non-NULL when its count is not zero, and every
 * metric type is known. Attribute and exemplar arrays that are NULL count
 * as empty. Returns OTELC_OK or OTELC_ERR_INVALID_ARG. */
otelc_status otelc__otlp_metrics_check(const otelc_resource_metrics *d);

/* What the metrics encoders leave out, as OTLP asks senders to: a metric
 * without points, a scope without such metrics, and a resource without
 * such scopes (the request is then empty). */
static inline bool otelc__otlp_scope_has_points(const otelc_scope_metrics *s) {
  for (size_t i = 0; i < s->n_metrics; i++)
    if (s->metrics[i].n_points)
      return true;
  return false;
}

/* Data points of a (checked) collection, all metrics together. */
size_t otelc__otlp_metrics_points(const otelc_resource_metrics *d);

/* ExportMetricsServiceRequest for a collection that passed
 * otelc__otlp_metrics_check, written to @p out (reset first), in protobuf
 * or in the OTLP/JSON mapping (one line, no newline). Returns OTELC_OK,
 * OTELC_ERR_NOMEM, or OTELC_ERR_LIMIT when it would pass
 * OTELC__OTLP_MAX_REQUEST. */
otelc_status otelc__otlp_metrics_pb(otelc__buf *out,
                                    const otelc_resource_metrics *d);
otelc_status otelc__otlp_metrics_json(otelc__buf *out,
                                      const otelc_resource_metrics *d);

/* OTELC_OK when every item of @p b has data (no NULL record, no record
 * without data), else OTELC_ERR_INVALID_ARG. */
otelc_status otelc__otlp_logs_check(const otelc__log_batch *b);

/* ExportLogsServiceRequest for the records of @p b (which passed
 * otelc__otlp_logs_check), grouped by resource and scope, written to
 * @p out (reset first), in protobuf or in the OTLP/JSON mapping (one
 * line, no newline; ids in hex, 64-bit integers as strings). Every field
 * of the log data model is written when it is set: times, severity
 * number (when 1..24) and text, body (any value), attributes and their
 * dropped count, flags (the W3C trace flags), trace and span ids (when
 * not all zero), event name. Invalid UTF-8 becomes U+FFFD. Returns
 * OTELC_OK, OTELC_ERR_NOMEM, or OTELC_ERR_LIMIT when it would pass
 * OTELC__OTLP_MAX_REQUEST. Thread safety: the records are only read; one
 * buffer per call. */
otelc_status otelc__otlp_logs_pb_batch(otelc__buf *out,
                                       const otelc__log_batch *b);
otelc_status otelc__otlp_logs_json_batch(otelc__buf *out,
                                         const otelc__log_batch *b);

/* The same for @p n records given as their data: OTELC_ERR_INVALID_ARG
 * when @p out is NULL, @p recs is NULL with n > 0, or an entry is NULL. */
otelc_status otelc__otlp_logs_pb(otelc__buf *out,
                                 const otelc_log_data *const *recs, size_t n);
otelc_status otelc__otlp_logs_json(otelc__buf *out,
                                   const otelc_log_data *const *recs, size_t n);

/* Run @p fn on an internal buffer that takes over the memory of the
 * public @p buf, and hand the memory back (no copy); buf->len is the
 * output's length on success, 0 otherwise. Returns what @p fn returns. */
struct otelc_otlp_buffer;
otelc_status otelc__otlp_with_buffer(struct otelc_otlp_buffer *buf,
                                     otelc_status (*fn)(otelc__buf *b,
                                                        const void *arg),
                                     const void *arg);

/* Read an ExportTrace/Metrics/LogsServiceResponse: the partial success
 * (field 1; *present tells whether it was there at all) with its rejected
 * count (field 1) and error message (field 2, cut to @p msg_cap - 1 bytes).
 * Missing fields give 0 and "". @p present may be NULL. The public
 * otelc_otlp_decode_partial_success is built on these. */
otelc_status otelc__otlp_partial_success_pb(const uint8_t *p, size_t n,
                                            bool *present, int64_t *rejected,
                                            char *msg, size_t msg_cap);
otelc_status otelc__otlp_partial_success_json(const char *p, size_t n,
                                              bool *present, int64_t *rejected,
                                              char *msg, size_t msg_cap);

#endif /* OTELC_SRC_EXPORT_OTLP_INTERNAL_H */
