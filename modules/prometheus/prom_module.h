/*
 * Private to libotelc_prometheus: the endpoint's configuration, the
 * parser of the scrape-timeout header, and the HTTP server that answers
 * scrapes through a callback. Not installed. The module's own cmocka test
 * (tests/integration/prometheus/test_prometheus_http_unit.c) links the
 * object library, so these stay reachable from it while the shared
 * library hides them.
 */
#ifndef OTELC_MODULES_PROMETHEUS_MODULE_H
#define OTELC_MODULES_PROMETHEUS_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otelc/prometheus.h"

#define OTELC__PROM_DEFAULT_HOST "localhost"
#define OTELC__PROM_DEFAULT_PORT 9464
#define OTELC__PROM_PATH "/metrics"
/* Collection timeout when the scraper does not say how long it waits. */
#define OTELC__PROM_DEFAULT_TIMEOUT_MS 10000u
/* Bounds of the collection timeout taken from the scraper's header. */
#define OTELC__PROM_MIN_TIMEOUT_MS 50u
#define OTELC__PROM_MAX_TIMEOUT_MS 30000u
/* Connections served at once, per listening address. */
#define OTELC__PROM_MAX_CONNECTIONS 16u
/* Seconds an idle or stalled connection is kept. */
#define OTELC__PROM_CONNECTION_TIMEOUT_S 10u
/* Addresses listened on at most (e.g. 127.0.0.1 and ::1 for localhost). */
#define OTELC__PROM_MAX_LISTEN 4u
#define OTELC__PROM_HOST_MAX 255u

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

typedef struct otelc__prom_config {
  char host[OTELC__PROM_HOST_MAX + 1]; /* IPv6 literals without brackets */
  uint16_t port;                       /* 0: any free port */
  const char *host_from;               /* static text: "option", ... */
  const char *port_from;
} otelc__prom_config;

/*
 * Resolve @p opts (may be NULL) and OTEL_EXPORTER_PROMETHEUS_HOST/_PORT
 * into @p out; the variables override the options. An invalid variable
 * (a port outside 1..65535, a host with spaces or control characters or
 * too long) is reported and ignored. Returns OTELC_OK, or
 * OTELC_ERR_INVALID_ARG for an invalid option (a port other than -1..65535,
 * an unusable host). Thread safety: reads the environment.
 */
otelc_status otelc__prom_config_resolve(const otelc_prometheus_opts *opts,
                                        otelc__prom_config *out);

/* Whether @p host (without brackets) is usable: 1..255 bytes of printable
 * ASCII other than space. */
bool otelc__prom_host_ok(const char *host);

/* Copy @p host into @p out without the brackets of "[v6 literal]". False
 * when the result is not usable (see otelc__prom_host_ok). */
bool otelc__prom_host_copy(const char *host,
                           char out[OTELC__PROM_HOST_MAX + 1]);

/*
 * Parse the X-Prometheus-Scrape-Timeout-Seconds value Prometheus sends
 * ("10", "0.5", with optional spaces or tabs around): digits with an
 * optional fraction, greater than 0. Stores the milliseconds (rounded
 * down, at most 86400000) in @p ms. False for anything else; @p s may be
 * NULL. Reads at most @p n bytes (or up to the NUL when n is SIZE_MAX).
 */
bool otelc__prom_parse_timeout(const char *s, size_t n, uint32_t *ms);

/* The collection timeout for a scrape with header value @p header (may be
 * NULL): 90% of what the scraper waits, within
 * OTELC__PROM_MIN/MAX_TIMEOUT_MS; the default without a usable value. */
uint32_t otelc__prom_collect_timeout(const char *header);

/* ------------------------------------------------------------------------ */
/* HTTP server                                                               */
/* ------------------------------------------------------------------------ */

/* Fills @p out (replacing its contents) with the exposition for one
 * scrape; called from server threads, possibly several at once. */
typedef otelc_status (*otelc__prom_scrape_fn)(void *ctx, otelc_otlp_buffer *out,
                                              uint32_t timeout_ms);

typedef struct otelc__prom_server otelc__prom_server;

/*
 * Listen on every address @p cfg->host resolves to (at most
 * OTELC__PROM_MAX_LISTEN; addresses of a family the system lacks are
 * skipped) and serve GET/HEAD /metrics from threads of libmicrohttpd: 200
 * with what @p scrape wrote, 503 when it fails; other paths 404, other
 * methods 405. Listening has started when this returns. Returns OTELC_OK,
 * OTELC_ERR_NOMEM, or OTELC_ERR_IO (resolution, bind or start failed;
 * reported with the reason).
 */
otelc_status otelc__prom_server_start(const otelc__prom_config *cfg,
                                      otelc__prom_scrape_fn scrape, void *ctx,
                                      otelc__prom_server **out);

/* The port listened on. */
uint16_t otelc__prom_server_port(const otelc__prom_server *s);

/* Stop serving: new requests get 503 at once, scrapes under way get up
 * to @p timeout_ms to finish, then the listeners and connections are
 * closed. Later calls do nothing. Thread safety: any thread but the
 * server's own. */
void otelc__prom_server_stop(otelc__prom_server *s, uint32_t timeout_ms);

/* Stop (1 s) if not done, then free. NULL is ignored. */
void otelc__prom_server_free(otelc__prom_server *s);

#endif /* OTELC_MODULES_PROMETHEUS_MODULE_H */
