/*
 * Private to libotelc_otlp: the exporter's configuration and the pure
 * functions it is built from (URL rules, header lists, response readers,
 * retry policy). Not installed. The cmocka tests of this directory's
 * functions (tests/integration/otlp/test_otlp_*_unit.c) link the
 * module's object library, so everything declared here is reachable from
 * them while staying hidden in the shared library.
 */
#ifndef OTELC_MODULES_OTLP_MODULE_H
#define OTELC_MODULES_OTLP_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "otelc/otlp.h"
#include "otelc/otlp_encode.h"

#define OTELC__OTLP_GRPC_DEFAULT_URL "http://localhost:4317"
/* Bytes before each gRPC message: compressed flag, big-endian length. */
#define OTELC__OTLP_GRPC_PREFIX 5u
#define OTELC__OTLP_DEFAULT_TIMEOUT_MS 10000u
/* Largest response body read (after decompression), as the spec says. */
#define OTELC__OTLP_MAX_RESPONSE (4u * 1024u * 1024u)
/* Bytes of a server's message quoted in a log line. */
#define OTELC__OTLP_MSG_QUOTE 200u

/* Backoff between attempts: 100 ms, doubling, at most 5 s, each delay
 * drawn from [delay / 2, delay] ("equal jitter"). */
#define OTELC__OTLP_BACKOFF_INITIAL_MS 100u
#define OTELC__OTLP_BACKOFF_MAX_MS 5000u

/* ------------------------------------------------------------------------ */
/* Signals                                                                   */
/* ------------------------------------------------------------------------ */

/* What differs between the signals an exporter sends. */
typedef struct otelc__otlp_signal {
  const char *env; /* per-signal prefix, "OTEL_EXPORTER_OTLP_TRACES_" */
  const char *endpoint_var; /* env + "ENDPOINT" */
  const char *path;         /* appended to a generic endpoint, "v1/traces" */
  const char *default_url;  /* "http://localhost:4318/v1/traces" */
  const char *grpc_method;  /* the full gRPC method name, also the path of
                               the request */
  const char *items;        /* what log lines count: "spans" */
} otelc__otlp_signal;

extern const otelc__otlp_signal otelc__otlp_traces;
extern const otelc__otlp_signal otelc__otlp_metrics;
extern const otelc__otlp_signal otelc__otlp_logs;

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

typedef struct otelc__otlp_config {
  const otelc__otlp_signal *signal;
  char *url;            /* the full signal URL (for gRPC: the method's) */
  const char *url_from; /* static text: where the URL came from */
  bool grpc;            /* OTLP/gRPC; json is then false */
  bool insecure;        /* INSECURE: a gRPC endpoint without a scheme is
                           http://, else https:// */
  bool json;            /* http/json, else http/protobuf */
  bool gzip;
  uint32_t timeout_ms; /* per export, retries included */
  char *certificate;   /* NULL when not set */
  char *client_key;
  char *client_certificate;
  char **headers; /* "Name: value" lines (or "Name;" when empty); names
                     in lowercase for gRPC */
  size_t n_headers;
} otelc__otlp_config;

/*
 * Resolve @p opts (may be NULL) and the environment into @p out for
 * signal @p sig. Settings in @p opts are defaults that the environment
 * overrides; for each option the per-signal variable
 * (OTEL_EXPORTER_OTLP_TRACES_<OPT>, OTEL_EXPORTER_OTLP_METRICS_<OPT>,
 * OTEL_EXPORTER_OTLP_LOGS_<OPT>) beats the generic OTEL_EXPORTER_OTLP_<OPT>.
 * Invalid environment values are reported (never a header value) and ignored,
 * except an unusable endpoint. For grpc the endpoint is never extended with the
 * signal's path: the request goes to the endpoint's scheme and authority with
 * the method's path (otelc__otlp_grpc_url), and an endpoint without a scheme is
 * taken as http:// when the INSECURE variable is true, else https://. Returns
 * OTELC_OK, OTELC_ERR_INVALID_ARG (a URL that is not http or https, or an
 * invalid setting in @p opts), OTELC_ERR_NOMEM. On failure @p out holds nothing
 * to free. Thread safety: reads the environment.
 */
otelc_status otelc__otlp_config_resolve(const otelc__otlp_signal *sig,
                                        const otelc_otlp_opts *opts,
                                        otelc__otlp_config *out);
void otelc__otlp_config_free(otelc__otlp_config *c);

/* Why a URL is unusable. */
typedef enum otelc__otlp_url_error {
  OTELC__URL_OK = 0,
  OTELC__URL_NO_SCHEME,  /* no "scheme://" */
  OTELC__URL_BAD_SCHEME, /* a scheme other than http or https */
  OTELC__URL_NO_HOST,    /* nothing between "://" and the path */
  OTELC__URL_BAD_CHAR    /* spaces or control characters */
} otelc__otlp_url_error;

/* Check @p url (whole string). On OTELC__URL_BAD_SCHEME the scheme is
 * copied to @p scheme (cut to fit, NUL-terminated) for the message. */
otelc__otlp_url_error otelc__otlp_url_check(const char *url, char *scheme,
                                            size_t scheme_cap);

/* The URL of a per-signal endpoint: @p url as is, with "/" as the path when
 * it has none. @p *out is malloc'd. OTELC_OK, OTELC_ERR_NOMEM. The URL is
 * not checked here. */
otelc_status otelc__otlp_signal_url(const char *url, char **out);

/* The URL for the generic endpoint @p base: "/" added to its path unless it
 * ends with one, then @p path ("v1/traces") appended; a query or fragment
 * of @p base stays at the end. OTELC_OK, OTELC_ERR_NOMEM. */
otelc_status otelc__otlp_base_url(const char *base, const char *path,
                                  char **out);

/* @p url for a log line: scheme, host, port and path only (user
 * information, query and fragment, which may hold secrets, are left out),
 * cut to fit @p cap. */
void otelc__otlp_url_for_log(const char *url, char *out, size_t cap);

/*
 * Parse a header list "k1=v1,k2=v2": keys trimmed of spaces and tabs and
 * checked to be HTTP tokens, values trimmed and percent-decoded; empty
 * entries are skipped. The result is a malloc'd array of "Key: value"
 * lines (NULL when there are none). Returns OTELC_OK, OTELC_ERR_PARSE (an
 * entry without '=', an empty or invalid key, a bad escape, a value that
 * decodes to CR, LF or NUL) with @p *bad_entry set to the 1-based number
 * of the entry, or OTELC_ERR_NOMEM. Nothing is logged here.
 */
otelc_status otelc__otlp_parse_headers(const char *s, char ***out, size_t *n,
                                       size_t *bad_entry);
void otelc__otlp_headers_free(char **h, size_t n);

/* ------------------------------------------------------------------------ */
/* gRPC                                                                      */
/* ------------------------------------------------------------------------ */

/* The request URL for gRPC endpoint @p endpoint: its scheme (http:// when
 * @p insecure and it has none, else https://) and authority (user
 * information left out) followed by @p method (the full method name); its
 * own path, query and fragment are dropped. @p *out is malloc'd.
 * OTELC_OK, OTELC_ERR_NOMEM. The URL is not checked here. */
otelc_status otelc__otlp_grpc_url(const char *endpoint, bool insecure,
                                  const char *method, char **out);

/* @p endpoint with the scheme a gRPC endpoint without one gets ("http://"
 * when @p insecure, else "https://"), or a plain copy when it has a
 * scheme. @p *out is malloc'd. OTELC_OK, OTELC_ERR_NOMEM. */
otelc_status otelc__otlp_grpc_with_scheme(const char *endpoint, bool insecure,
                                          char **out);

/* Write the 5-byte prefix of a gRPC message of @p len bytes. */
void otelc__otlp_grpc_frame(uint8_t out[5], bool compressed, uint32_t len);

/* Read the first message of a gRPC body: true with its flag and bytes when
 * p[0..n) holds a prefix and at least the length it announces; false when
 * the body is shorter or the flag is neither 0 nor 1. */
bool otelc__otlp_grpc_unframe(const uint8_t *p, size_t n, bool *compressed,
                              const uint8_t **msg, size_t *msg_len);

/* Percent-decode a grpc-message value into @p out (@p cap bytes,
 * NUL-terminated, cut to fit): "%XX" with two hex digits is the byte XX,
 * anything else (a bad escape among it) is kept as it is, as the gRPC
 * protocol asks. Returns the length written. */
size_t otelc__otlp_grpc_decode_message(const char *p, size_t n, char *out,
                                       size_t cap);

/* gRPC status codes worth another attempt: CANCELLED, DEADLINE_EXCEEDED,
 * ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS, and RESOURCE_EXHAUSTED
 * only when the status carries a google.rpc.RetryInfo (@p retry_info). */
bool otelc__otlp_grpc_retryable(long code, bool retry_info);

/* The name of a gRPC status code ("UNAVAILABLE"), "code N" beyond 16
 * (written into @p buf). */
const char *otelc__otlp_grpc_code_name(long code, char *buf, size_t cap);

/* The grpc-timeout value for @p ms: "<n>m" (at most 8 digits), else whole
 * seconds rounded up "<n>S". */
void otelc__otlp_grpc_timeout(uint64_t ms, char *out, size_t cap);

/* Decode base64 (standard or URL alphabet, padding optional, as gRPC's
 * -bin metadata is sent) into @p out (@p cap bytes). Returns the length, or
 * (size_t)-1 when the text is not base64 or does not fit. */
size_t otelc__otlp_base64_decode(const char *p, size_t n, uint8_t *out,
                                 size_t cap);

/* What a gRPC answer's header and trailer lines say. */
typedef struct otelc__otlp_grpc_status {
  bool has_status;                             /* a grpc-status line was seen */
  long code;                                   /* its value */
  char message[OTELC__OTLP_MSG_QUOTE * 4 + 1]; /* grpc-message, decoded */
  bool has_retry_info; /* grpc-status-details-bin holds a RetryInfo */
  uint64_t retry_delay_ms;
  bool compressed; /* grpc-encoding other than identity */
} otelc__otlp_grpc_status;

/* Start reading a new answer. */
void otelc__otlp_grpc_status_reset(otelc__otlp_grpc_status *s);

/* Read one header or trailer line ("name: value", CRLF optional) as
 * libcurl hands it to CURLOPT_HEADERFUNCTION. */
void otelc__otlp_grpc_header_line(otelc__otlp_grpc_status *s, const char *line,
                                  size_t n);

/* ------------------------------------------------------------------------ */
/* Responses                                                                 */
/* ------------------------------------------------------------------------ */

/* The partial_success of an Export*ServiceResponse, protobuf or
 * OTLP/JSON: rejected items (0 when absent) and the error message cut to
 * @p msg_cap - 1 bytes ("" when absent). @p *present tells whether the
 * field was there at all. False when the body is malformed. Bounded: no
 * recursion beyond a fixed depth, no allocation. */
bool otelc__otlp_partial_pb(const uint8_t *p, size_t n, bool *present,
                            int64_t *rejected, char *msg, size_t msg_cap);
bool otelc__otlp_partial_json(const char *p, size_t n, bool *present,
                              int64_t *rejected, char *msg, size_t msg_cap);

/* The message of a google.rpc.Status body (an error answer), protobuf or
 * JSON, cut to @p cap - 1 bytes. False when there is none. */
bool otelc__otlp_status_msg_pb(const uint8_t *p, size_t n, char *msg,
                               size_t cap);
bool otelc__otlp_status_msg_json(const char *p, size_t n, char *msg,
                                 size_t cap);

/* The retry delay of a google.rpc.RetryInfo among the details of a
 * google.rpc.Status in protobuf (capped at a day). False when there is
 * none or the body is malformed. */
bool otelc__otlp_status_retry_delay_pb(const uint8_t *p, size_t n,
                                       uint64_t *ms);

/* Copy at most @p max bytes of @p p into @p out (@p cap bytes) for a log
 * line: control characters become spaces, a cut multi-byte character is
 * dropped, "..." marks a cut. */
void otelc__otlp_quote_text(const char *p, size_t n, size_t max, char *out,
                            size_t cap);

/* ------------------------------------------------------------------------ */
/* Retry policy                                                              */
/* ------------------------------------------------------------------------ */

/* HTTP statuses worth another attempt: 429, 502, 503 and 504. */
bool otelc__otlp_status_retryable(long status);

/* libcurl results worth another attempt: no connection, no or a broken
 * answer, a timeout (the caller checks that time is left). */
bool otelc__otlp_transport_retryable(int curl_code);

/* Retry-After: a number of seconds, or an HTTP-date relative to @p now.
 * Stores the wait in ms (0 for a date in the past) and returns true; false
 * for anything else. */
bool otelc__otlp_parse_retry_after(const char *value, time_t now, uint64_t *ms);

/* The wait before retry number @p retry (0 for the first retry), with
 * @p random supplying the jitter. */
uint64_t otelc__otlp_backoff_ms(unsigned retry, uint64_t random);

/* ------------------------------------------------------------------------ */
/* The transport (otlp_transport.c, otlp_http.c)                             */
/* ------------------------------------------------------------------------ */

typedef struct otelc__otlp_transport otelc__otlp_transport;

/* A transport for signal @p sig configured from @p opts (may be NULL) and
 * the environment (otelc__otlp_config_resolve), with its libcurl handle
 * ready. libcurl is initialised once per process first. Returns OTELC_OK,
 * OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM, OTELC_ERR_IO. */
otelc_status otelc__otlp_transport_new(const otelc__otlp_signal *sig,
                                       const otelc_otlp_opts *opts,
                                       otelc__otlp_transport **out);

/* Free @p t (and leave the registry). NULL is ignored. */
void otelc__otlp_transport_free(otelc__otlp_transport *t);

/* Writes the request for @p items into @p body (json: OTLP/JSON, else
 * protobuf); an empty body is a valid request. */
typedef otelc_status (*otelc__otlp_encode_fn)(const void *items, bool json,
                                              otelc_otlp_buffer *body);

/*
 * One export of @p n_items items (@p n_items 0: nothing is sent, a
 * success): encode them with @p encode, then send them until an attempt
 * succeeds, an answer says not to retry, the transport is shut down, or
 * the deadline (now + the shorter of @p timeout_ms and the configured
 * timeout) would pass. Counted in the transport's stats and logged (with
 * throttling) on failure. Returns OTELC_OK, OTELC_ERR_SHUTDOWN,
 * OTELC_ERR_TIMEOUT, OTELC_ERR_EXPORT, or the encoder's error. Thread
 * safety: one export at a time per transport.
 */
otelc_status otelc__otlp_transport_export(otelc__otlp_transport *t,
                                          otelc__otlp_encode_fn encode,
                                          const void *items, size_t n_items,
                                          uint32_t timeout_ms);

/* Refuse later exports and end a wait between attempts at once. Safe from
 * any thread. */
void otelc__otlp_transport_shutdown(otelc__otlp_transport *t);

/* Record @p t as the state behind exporter handle @p handle. */
void otelc__otlp_registry_add(otelc__otlp_transport *t, const void *handle);

/* The transport of @p handle when it sends signal @p sig, or NULL. */
otelc__otlp_transport *otelc__otlp_registry_find(const void *handle,
                                                 const otelc__otlp_signal *sig);

/* The counters of the transport of @p handle for @p sig (zeros when there
 * is none). Thread-safe. */
void otelc__otlp_registry_stats(const void *handle,
                                const otelc__otlp_signal *sig,
                                otelc_otlp_stats *out);

/* ------------------------------------------------------------------------ */
/* The exporters                                                             */
/* ------------------------------------------------------------------------ */

/* Their operations, and the state behind a handle made by
 * otelc_otlp_span_exporter_new, otelc_otlp_metric_exporter_new or
 * otelc_otlp_log_exporter_new (NULL for any other handle), so that tests
 * can call export and shutdown from threads of their choosing. */
extern const otelc_span_exporter_ops otelc__otlp_ops;
void *otelc__otlp_state(otelc_span_exporter *e);
extern const otelc_metric_exporter_ops otelc__otlp_metric_ops;
void *otelc__otlp_metric_state(otelc_metric_exporter *e);
extern const otelc_log_exporter_ops otelc__otlp_log_ops;
void *otelc__otlp_log_state(otelc_log_exporter *e);

/* The state of a log exporter before it is wrapped by
 * otelc_log_exporter_new (the transport for OTEL_EXPORTER_OTLP_LOGS_*),
 * freed with otelc__otlp_log_ops.destroy. Returns as
 * otelc_otlp_log_exporter_new. */
otelc_status otelc__otlp_log_create(const otelc_otlp_opts *opts, void **state);

/*
 * The state of a metric exporter and the reader preferences it asks for,
 * before it is wrapped by otelc_metric_exporter_new: what
 * otelc_otlp_metric_exporter_new does first. @p temporality PREF_DEFAULT
 * reads OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (cumulative,
 * delta, lowmemory; another value is reported and means cumulative);
 * OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION
 * (explicit_bucket_histogram, base2_exponential_bucket_histogram; another
 * value is reported and ignored) sets prefs->histogram_aggregation. The
 * state is freed with otelc__otlp_metric_ops.destroy. Returns as
 * otelc_otlp_metric_exporter_new.
 */
otelc_status otelc__otlp_metric_create(const otelc_otlp_opts *opts,
                                       otelc_temporality_preference temporality,
                                       otelc_metric_reader_prefs *prefs,
                                       void **state);

#endif /* OTELC_MODULES_OTLP_MODULE_H */
