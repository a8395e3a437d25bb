/*
 * Private to libotelc_otlp: the transport every OTLP exporter of the
 * module is built on (the span exporter in otlp_span.c, the metric
 * exporter in otlp_metric.c, the log exporter in otlp_log.c). A transport holds
 * one signal's resolved configuration, a libcurl easy handle kept between
 * exports, the request and response buffers, the retry state and the counters;
 * an exporter only encodes its data into the transport's body and calls
 * otelc__otlp_transport_export.
 *
 * otlp_transport.c has the export loop (deadline, retries, waits that
 * shutdown interrupts, logging, counters) and the registry of live
 * transports; otlp_http.c has what one attempt needs (the libcurl handle,
 * headers, gzip, gRPC framing, reading the answer).
 */
#ifndef OTELC_MODULES_OTLP_TRANSPORT_H
#define OTELC_MODULES_OTLP_TRANSPORT_H

#include <curl/curl.h>
#include <pthread.h>
#include <sys/types.h>
#include <zlib.h>

#include "common/internal.h"
#include "otelc/otlp_encode.h"
#include "otlp_module.h"

struct otelc__otlp_transport {
  otelc__otlp_config cfg;
  char url_log[256]; /* cfg.url without secrets, for log lines */
  char user_agent[64];

  CURL *curl;
  CURL *inherited; /* the parent's handle after fork(), never touched */
  struct curl_slist *headers;
  pid_t pid; /* the process the handle belongs to */
  char errbuf[CURL_ERROR_SIZE];

  /* gRPC: the answer's status, and the per-attempt grpc-timeout header,
   * a list node placed before the fixed headers. */
  otelc__otlp_grpc_status gs;
  struct curl_slist timeout_node;
  char timeout_line[48];

  otelc_otlp_buffer body; /* encoded request, filled by the exporter */
  uint8_t *gz;            /* compressed or framed request */
  size_t gz_cap;
  z_stream zs;
  bool zs_ready;

  uint8_t *resp; /* response body, at most OTELC__OTLP_MAX_RESPONSE */
  size_t resp_len, resp_cap;
  bool resp_too_big;

  uint64_t rng; /* jitter; used by the exporting thread only */

  /* Shutdown, and the wait between attempts. */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_bool shut;

  /* Log throttling (exporting thread only). */
  long last_warned_kind;
  uint64_t last_warned_ns;
  uint64_t failed_in_row;
  atomic_bool warned_partial;

  _Atomic uint64_t exports, attempts, succeeded, failed, rejected;
  _Atomic long last_http_status;

  /* The registry of live transports, for the stats and state lookups. */
  const void *handle;
  otelc__otlp_transport *next;
};

/* ----------------------------------------------------- otlp_http.c -- */

/* How an attempt ended. */
typedef enum otelc__otlp_outcome {
  OTELC__OTLP_DONE,   /* accepted (a partial success among it) */
  OTELC__OTLP_RETRY,  /* worth another attempt */
  OTELC__OTLP_GIVE_UP /* not retried */
} otelc__otlp_outcome;

/* The request headers of the transport's protocol into t->headers.
 * OTELC_OK or OTELC_ERR_NOMEM. */
otelc_status otelc__otlp_build_headers(otelc__otlp_transport *t);

/* A configured libcurl easy handle, or NULL. */
CURL *otelc__otlp_make_handle(otelc__otlp_transport *t);

/* The request body for t->body as sent: gzip'd when asked; for gRPC one
 * length-prefixed message. OTELC_OK, OTELC_ERR_NOMEM, OTELC_ERR_LIMIT. */
otelc_status otelc__otlp_request_body(otelc__otlp_transport *t,
                                      const uint8_t **data, size_t *len);

/* Perform one attempt with @p left_ms for it; on a failure, describe it
 * into @p why and its kind (the HTTP status, minus the libcurl code, or a
 * gRPC kind) into @p kind, for log throttling. A partial success in an
 * accepted answer is counted and logged here. */
otelc__otlp_outcome otelc__otlp_attempt(otelc__otlp_transport *t,
                                        const uint8_t *data, size_t len,
                                        uint64_t left_ms, char *why,
                                        size_t why_cap, long *kind);

/* The wait before the next attempt: what the server asked for
 * (Retry-After over HTTP, a RetryInfo over gRPC; @p *asked names it),
 * else the backoff for retry number @p retry with @p random as jitter
 * (@p *asked NULL). */
uint64_t otelc__otlp_next_delay_ms(otelc__otlp_transport *t, unsigned retry,
                                   uint64_t random, const char **asked);

/* The libcurl handle and buffers of @p t, freed (not the rest). */
void otelc__otlp_http_free(otelc__otlp_transport *t);

#endif /* OTELC_MODULES_OTLP_TRANSPORT_H */
