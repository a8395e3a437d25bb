/*
 * otelc/otlp.h - the OTLP span exporter over HTTP or gRPC (library
 * otelc_otlp, which links libcurl and zlib). Linking otelc_otlp also makes
 * "otlp" usable in OTEL_TRACES_EXPORTER.
 *
 * Settings given in otelc_otlp_opts are defaults that the standard
 * environment variables override, as everywhere in otelc (see
 * otelc/resource.h), so that a program is configured for production by
 * environment alone. For each option, in order: the per-signal variable
 * (OTEL_EXPORTER_OTLP_TRACES_<OPT>), the generic one
 * (OTEL_EXPORTER_OTLP_<OPT>), the field of otelc_otlp_opts, and last the
 * specification's default: http/protobuf to
 * http://localhost:4318/v1/traces, no compression, a 10 s timeout.
 * An invalid variable is reported and ignored (the next in that order
 * applies), except an endpoint that is not an http or https URL, which
 * fails creation. A HEADERS variable that cannot be parsed is ignored as
 * a whole and reported without its value.
 *
 * OTLP/gRPC (protocol grpc, OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL=grpc)
 * makes unary calls to
 * /opentelemetry.proto.collector.trace.v1.TraceService/Export over
 * libcurl's HTTP/2: cleartext HTTP/2 with prior knowledge (h2c) for an
 * http:// endpoint, HTTP/2 over TLS (negotiated by ALPN, with the TLS
 * settings below) for https://. Its endpoint defaults to
 * http://localhost:4317 and is never extended with "v1/traces": the
 * calls go to the endpoint's scheme, host and port, whichever variable
 * gave it, with the method as the path (any path of the endpoint is not
 * used). An endpoint without a scheme ("collector:4317") is taken as
 * http:// when OTEL_EXPORTER_OTLP_[TRACES_]INSECURE is true, else as
 * https://; a scheme always overrides INSECURE, and INSECURE means
 * nothing to http/protobuf and http/json. Custom header names are sent in
 * lowercase. With gzip the message is compressed and marked so
 * (grpc-encoding: gzip); grpc-timeout carries the time left of the export.
 * libcurl older than 8.0.0 cannot reuse a cleartext HTTP/2 connection
 * (a libcurl bug); with such a libcurl each h2c call opens a connection of
 * its own.
 */
#ifndef OTELC_OTLP_H
#define OTELC_OTLP_H

#include "otelc/logs.h"
#include "otelc/metrics.h"
#include "otelc/span_processor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum otelc_otlp_protocol {
  OTELC_OTLP_PROTOCOL_DEFAULT = 0, /**< from the environment, else
                                        http/protobuf */
  OTELC_OTLP_HTTP_PROTOBUF = 1,
  OTELC_OTLP_HTTP_JSON = 2,
  OTELC_OTLP_GRPC = 3 /**< OTLP/gRPC over HTTP/2 (see above) */
} otelc_otlp_protocol;

typedef enum otelc_otlp_compression {
  OTELC_OTLP_COMPRESSION_DEFAULT = 0, /**< from the environment, else none */
  OTELC_OTLP_COMPRESSION_NONE = 1,
  OTELC_OTLP_COMPRESSION_GZIP = 2
} otelc_otlp_compression;

/** Exporter settings; zero/NULL fields are not set here. The environment
 *  overrides every field (see above). All strings are copied. */
typedef struct otelc_otlp_opts {
  /** The full URL of the traces endpoint, used as is (as
   *  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is, "/" added when it has no
   *  path). OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and
   *  OTEL_EXPORTER_OTLP_ENDPOINT (plus "v1/traces") override it. For
   *  gRPC: the server's URL (http:// or https://, host and port; a
   *  host:port without a scheme follows INSECURE), the method's path is
   *  used. */
  const char *endpoint;
  otelc_otlp_protocol protocol;
  /** Extra request headers, "k1=v1,k2=v2" with percent-encoded values.
   *  A HEADERS variable replaces this list; the two are not merged. */
  const char *headers;
  otelc_otlp_compression compression;
  /** Per-export timeout in ms, retries included (the processor's export
   *  timeout also bounds each export: the shorter one applies). */
  uint32_t timeout_ms;
  const char *certificate;        /**< PEM file of trusted CAs */
  const char *client_key;         /**< PEM file, mutual TLS */
  const char *client_certificate; /**< PEM file, mutual TLS */
} otelc_otlp_opts;

/**
 * @brief An OTLP span exporter. Exports are retried on HTTP 429, 502, 503
 * and 504 and on connection failures, with exponential backoff and
 * jitter, honouring Retry-After (seconds or an HTTP date), always within
 * the timeout; other failures are not retried. Over gRPC, an answer must
 * be HTTP 200 over HTTP/2 with grpc-status 0 (its grpc-message, which is
 * percent-decoded, goes into the log line of a failure); the retried
 * statuses are CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
 * UNAVAILABLE and DATA_LOSS, and RESOURCE_EXHAUSTED only when its
 * grpc-status-details-bin carries a google.rpc.RetryInfo; a RetryInfo's
 * retry_delay is waited (within the timeout) as Retry-After is over
 * HTTP. Every other status fails the export at once. A partial success is
 * reported once through the diagnostic log and not retried. Header values
 * never appear in otelc's log lines. The connection is kept between
 * exports.
 * The first exporter created initialises libcurl once for the process
 * (curl_global_init(CURL_GLOBAL_DEFAULT) under a pthread_once); it is
 * never cleaned up. A program that initialises libcurl itself should do so
 * before creating an exporter from another thread. libcurl never raises
 * signals here (CURLOPT_NOSIGNAL).
 * @param opts may be NULL (everything from the environment).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG (an unusable endpoint or
 * setting), OTELC_ERR_NOMEM, OTELC_ERR_IO (libcurl could not be
 * initialised).
 * Thread safety: the exporter is called by one processor at a time;
 * its shutdown may come from another thread and ends a wait between
 * retries at once.
 */
OTELC_API otelc_status otelc_otlp_span_exporter_new(const otelc_otlp_opts *opts,
                                                    otelc_span_exporter **out);

/**
 * @brief An OTLP metric exporter, with every setting, retry rule and
 * transport of the span exporter: OTEL_EXPORTER_OTLP_METRICS_<OPT> beats
 * OTEL_EXPORTER_OTLP_<OPT> (whose endpoint gets "v1/metrics"); gRPC calls
 * /opentelemetry.proto.collector.metrics.v1.MetricsService/Export.
 * @p temporality PREF_DEFAULT reads
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (else cumulative);
 * OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION chooses
 * explicit or exponential histograms. Hand it to otelc_periodic_reader_new.
 * Linking otelc_otlp also makes "otlp" usable in OTEL_METRICS_EXPORTER.
 * @return as otelc_otlp_span_exporter_new.
 */
OTELC_API otelc_status otelc_otlp_metric_exporter_new(
    const otelc_otlp_opts *opts, otelc_temporality_preference temporality,
    otelc_metric_exporter **out);

/**
 * @brief An OTLP log exporter, with every setting, retry rule and
 * transport of the span exporter: OTEL_EXPORTER_OTLP_LOGS_<OPT> beats
 * OTEL_EXPORTER_OTLP_<OPT> (whose endpoint gets "v1/logs"); gRPC calls
 * /opentelemetry.proto.collector.logs.v1.LogsService/Export. Linking
 * otelc_otlp also makes "otlp" usable in OTEL_LOGS_EXPORTER.
 * @return as otelc_otlp_span_exporter_new.
 */
OTELC_API otelc_status otelc_otlp_log_exporter_new(const otelc_otlp_opts *opts,
                                                   otelc_log_exporter **out);

/** Counters of an OTLP exporter since creation. */
typedef struct otelc_otlp_stats {
  uint64_t exports;        /**< export calls */
  uint64_t attempts;       /**< HTTP requests (or gRPC calls) sent,
                                 retries included */
  uint64_t succeeded;      /**< export calls that succeeded */
  uint64_t failed;         /**< export calls whose data was dropped */
  uint64_t rejected_spans; /**< reported by partial successes */
  long last_http_status;   /**< of the last attempt; 0 if none answered
                                 (over gRPC, the HTTP status: 200 whatever
                                 the grpc-status) */
} otelc_otlp_stats;

/** @brief Read the counters of an exporter made by
 *  otelc_otlp_span_exporter_new (zeros for any other). Thread-safe. */
OTELC_API void otelc_otlp_exporter_get_stats(otelc_span_exporter *e,
                                             otelc_otlp_stats *out);

/** @brief Read the counters of an exporter made by
 *  otelc_otlp_metric_exporter_new (zeros for any other); rejected_spans
 *  then counts rejected data points. Thread-safe. */
OTELC_API void
otelc_otlp_metric_exporter_get_stats(otelc_metric_exporter *e,
                                     otelc_otlp_stats *out);

/** @brief Read the counters of an exporter made by
 *  otelc_otlp_log_exporter_new (zeros for any other); rejected_spans then
 *  counts rejected log records. Thread-safe. */
OTELC_API void otelc_otlp_log_exporter_get_stats(otelc_log_exporter *e,
                                                 otelc_otlp_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_OTLP_H */
