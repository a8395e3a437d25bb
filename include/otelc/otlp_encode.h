/*
 * otelc/otlp_encode.h - OTLP encoding of spans, for exporters and tools:
 * the ExportTraceServiceRequest in protobuf or in the OTLP/JSON mapping.
 * The OTLP transports and the file exporter are built on these.
 */
#ifndef OTELC_OTLP_ENCODE_H
#define OTELC_OTLP_ENCODE_H

#include "otelc/span_processor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A reusable output buffer; start with all fields zero. */
typedef struct otelc_otlp_buffer {
  uint8_t *data;
  size_t len;
  size_t cap;
} otelc_otlp_buffer;

typedef enum otelc_otlp_format {
  OTELC_OTLP_PROTOBUF = 0,
  OTELC_OTLP_JSON = 1
} otelc_otlp_format;

/**
 * @brief Encode @p n ended spans as one ExportTraceServiceRequest into
 * @p buf (replacing its contents; its memory is reused and grown as
 * needed). Spans are grouped by resource and instrumentation scope.
 * JSON is one line with no newline; invalid UTF-8 in strings becomes
 * U+FFFD, so receivers never reject the message.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM, OTELC_ERR_LIMIT
 * (the request would pass 64 MiB).
 * Thread safety: spans may be read from any thread; one buffer per thread.
 */
OTELC_API otelc_status otelc_otlp_encode_spans(otelc_span *const *spans,
                                               size_t n,
                                               otelc_otlp_format format,
                                               otelc_otlp_buffer *buf);

/**
 * @brief Read the partial success of an Export*ServiceResponse body (as
 * an OTLP/HTTP 200 answer carries it, or a gRPC message without its
 * 5-byte prefix). Bounded: never reads past @p n, no recursion beyond a
 * fixed depth, no allocation.
 * @param present may be NULL; set to whether partial_success was there.
 * @param rejected may be NULL; rejected items, 0 when absent.
 * @param msg receives the error message cut to @p msg_cap - 1 bytes at a
 * UTF-8 character boundary ("" when absent); may be NULL with cap 0.
 * @return OTELC_OK (an empty body is OK), OTELC_ERR_PARSE (malformed;
 * outputs then hold 0/""/false), OTELC_ERR_INVALID_ARG.
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status otelc_otlp_decode_partial_success(
    const void *body, size_t n, otelc_otlp_format format, bool *present,
    int64_t *rejected, char *msg, size_t msg_cap);

/**
 * @brief Encode one metrics collection as an ExportMetricsServiceRequest
 * into @p buf (replacing its contents), every point kind with its
 * exemplars. JSON as for spans (64-bit integers as strings, ids in hex).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM, OTELC_ERR_LIMIT.
 * Thread safety: safe from any thread; one buffer per thread.
 */
struct otelc_resource_metrics;
OTELC_API otelc_status
otelc_otlp_encode_metrics(const struct otelc_resource_metrics *data,
                          otelc_otlp_format format, otelc_otlp_buffer *buf);

/**
 * @brief Encode @p n log records as one ExportLogsServiceRequest into
 * @p buf (replacing its contents), grouped by resource and scope.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM, OTELC_ERR_LIMIT.
 * Thread safety: records may be read from any thread; one buffer per
 * thread.
 */
struct otelc_log_record;
OTELC_API otelc_status
otelc_otlp_encode_logs(struct otelc_log_record *const *records, size_t n,
                       otelc_otlp_format format, otelc_otlp_buffer *buf);

/** @brief Free the buffer's memory and zero it. NULL is ignored. */
OTELC_API void otelc_otlp_buffer_free(otelc_otlp_buffer *buf);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_OTLP_ENCODE_H */
