/* The public OTLP span encoder, over the internal buffer and encoders. */
#include "otelc/otlp_encode.h"
#include "export/otlp/otlp_internal.h"

otelc_status otelc_otlp_encode_spans(otelc_span *const *spans, size_t n,
                                     otelc_otlp_format format,
                                     otelc_otlp_buffer *buf) {
  if (!buf || (n && !spans) ||
      (format != OTELC_OTLP_PROTOBUF && format != OTELC_OTLP_JSON))
    return OTELC_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++)
    if (!spans[i])
      return OTELC_ERR_INVALID_ARG;

  /* The memory moves into an internal buffer and back: no copy. */
  otelc__buf b;
  b.data = buf->data;
  b.len = 0;
  b.cap = buf->data ? buf->cap : 0;
  b.failed = false;
  otelc_status st = format == OTELC_OTLP_PROTOBUF
                        ? otelc__otlp_traces_pb(&b, spans, n)
                        : otelc__otlp_traces_json(&b, spans, n);
  buf->data = b.data;
  buf->cap = b.cap;
  buf->len = st == OTELC_OK ? b.len : 0;
  return st;
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
                                               bool *present,
                                               int64_t *rejected, char *msg,
                                               size_t msg_cap) {
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
