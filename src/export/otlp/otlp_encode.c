/* The public OTLP encoders (spans, metrics; logs in otlp_logs_encode.c)
 * and the partial success reader, over the internal buffer and encoders.
 * Thread safety: one buffer per thread; nothing else is shared. */
#include "otelc/otlp_encode.h"
#include "export/otlp/otlp_internal.h"

otelc_status otelc__otlp_with_buffer(otelc_otlp_buffer *buf,
                                     otelc_status (*fn)(otelc__buf *b,
                                                        const void *arg),
                                     const void *arg) {
  otelc__buf b;
  b.data = buf->data;
  b.len = 0;
  b.cap = buf->data ? buf->cap : 0;
  b.failed = false;
  otelc_status st = fn(&b, arg);
  buf->data = b.data;
  buf->cap = b.cap;
  buf->len = st == OTELC_OK ? b.len : 0;
  return st;
}

typedef struct span_args {
  otelc_span *const *spans;
  size_t n;
} span_args;

static otelc_status spans_pb(otelc__buf *b, const void *arg) {
  const span_args *a = arg;
  return otelc__otlp_traces_pb(b, a->spans, a->n);
}

static otelc_status spans_json(otelc__buf *b, const void *arg) {
  const span_args *a = arg;
  return otelc__otlp_traces_json(b, a->spans, a->n);
}

otelc_status otelc_otlp_encode_spans(otelc_span *const *spans, size_t n,
                                     otelc_otlp_format format,
                                     otelc_otlp_buffer *buf) {
  if (!buf || (n && !spans) ||
      (format != OTELC_OTLP_PROTOBUF && format != OTELC_OTLP_JSON))
    return OTELC_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++)
    if (!spans[i])
      return OTELC_ERR_INVALID_ARG;
  span_args a = {spans, n};
  return otelc__otlp_with_buffer(
      buf, format == OTELC_OTLP_PROTOBUF ? spans_pb : spans_json, &a);
}

static otelc_status metrics_pb(otelc__buf *b, const void *arg) {
  return otelc__otlp_metrics_pb(b, arg);
}

static otelc_status metrics_json(otelc__buf *b, const void *arg) {
  return otelc__otlp_metrics_json(b, arg);
}

otelc_status otelc_otlp_encode_metrics(const otelc_resource_metrics *data,
                                       otelc_otlp_format format,
                                       otelc_otlp_buffer *buf) {
  if (!buf || (format != OTELC_OTLP_PROTOBUF && format != OTELC_OTLP_JSON))
    return OTELC_ERR_INVALID_ARG;
  otelc_status st = otelc__otlp_metrics_check(data);
  if (st != OTELC_OK)
    return st;
  return otelc__otlp_with_buffer(
      buf, format == OTELC_OTLP_PROTOBUF ? metrics_pb : metrics_json, data);
}

void otelc_otlp_buffer_free(otelc_otlp_buffer *buf) {
  if (!buf)
    return;
  otelc__free(buf->data);
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
}

otelc_status otelc_otlp_decode_partial_success(const void *body, size_t n,
                                               otelc_otlp_format format,
                                               bool *present, int64_t *rejected,
                                               char *msg, size_t msg_cap) {
  if (format == OTELC_OTLP_JSON)
    return otelc__otlp_partial_success_json(body, n, present, rejected, msg,
                                            msg_cap);
  if (format == OTELC_OTLP_PROTOBUF)
    return otelc__otlp_partial_success_pb(body, n, present, rejected, msg,
                                          msg_cap);
  if (present)
    *present = false;
  if (rejected)
    *rejected = 0;
  if (msg && msg_cap)
    msg[0] = '\0';
  return OTELC_ERR_INVALID_ARG;
}
