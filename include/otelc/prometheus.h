/*
 * otelc/prometheus.h - Prometheus exposition of otelc metrics.
 *
 * The text writer (in libotelc) converts a collection to the Prometheus
 * text format 0.0.4 with the OpenTelemetry specification's rules: names
 * sanitised to [a-zA-Z_:][a-zA-Z0-9_:]*, the unit as a word suffix
 * ("s" -> "_seconds", "By" -> "_bytes", "{token}" -> nothing, "m/s" ->
 * "_meters_per_second"), "_total" on monotonic sums, histograms as
 * _bucket{le=...}/_sum/_count, non-monotonic sums and gauges as gauges,
 * labels sanitised with colliding keys joined by ';', the scope as
 * otel_scope_name/_version/_schema_url labels, the resource as one
 * target_info gauge, exemplars and exponential histograms left out (the
 * text format cannot carry them), HELP/TYPE once per name.
 *
 * The HTTP endpoint lives in the library otelc_prometheus (libmicrohttpd);
 * linking it makes "prometheus" usable in OTEL_METRICS_EXPORTER, with
 * OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT.
 */
#ifndef OTELC_PROMETHEUS_H
#define OTELC_PROMETHEUS_H

#include "otelc/metrics.h"
#include "otelc/otlp_encode.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The Content-Type of what otelc_prometheus_write produces. */
#define OTELC_PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct otelc_prometheus_opts {
  /** Address to listen on; NULL: OTEL_EXPORTER_PROMETHEUS_HOST, else
   *  "localhost". The variable overrides this field. */
  const char *host;
  /** Port; 0: OTEL_EXPORTER_PROMETHEUS_PORT, else 9464. The variable
   *  overrides this field. Use -1 (as the variable cannot) for any free
   *  port, see otelc_prometheus_reader_port. */
  int32_t port;
  /** Leave out the otel_scope_* labels. */
  bool without_scope_labels;
  /** Leave out target_info. */
  bool without_target_info;
  /** Leave out unit and _total suffixes. */
  bool without_suffixes;
} otelc_prometheus_opts;

/**
 * @brief Write @p data in the text format 0.0.4 into @p buf (replacing
 * its contents; its memory is reused, and nothing else is allocated).
 * @p opts may be NULL (only the without_* fields are read).
 *
 * Details a scraper may notice:
 *  - Each name is one family: HELP (only when the description is not
 *    empty, escaped) and TYPE once, then every series of that name, from
 *    every scope. A metric whose final name already is a family of
 *    another TYPE, or a series of a histogram family (x_count next to
 *    histogram x), is dropped; a differing description keeps the first.
 *  - target_info comes first (the resource's attributes, value 1) and
 *    takes that name: a metric named so is dropped.
 *  - Labels: the point's attributes, then otel_scope_name,
 *    otel_scope_version and otel_scope_schema_url (left out when empty),
 *    then otel_scope_<attribute> for the scope's attributes. A point
 *    attribute whose label would be one of those three (or "le" in a
 *    histogram) is dropped, and so is a scope attribute whose label a
 *    point attribute has. Keys that become the same label have their
 *    values joined with ';' in the order of the keys.
 *  - Histograms: _bucket lines with running counts for the finite bounds
 *    and le="+Inf" equal to _count; _sum only when the point has a sum
 *    (instruments that may record negative values have none).
 *  - Left out: delta sums and histograms (the endpoint reads cumulative
 *    data), exponential histograms, points without a recorded value,
 *    metrics left without points, names longer than 1023 bytes.
 *  - Numbers: the shortest form that reads back exactly, NaN, +Inf, -Inf;
 *    integers exact; '.' as the decimal point in every locale.
 * What is dropped is reported: the first time of a kind as a warning,
 * later times (every scrape would repeat them) at the debug level.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 * Thread safety: safe from any thread; one buffer per thread.
 */
OTELC_API otelc_status
otelc_prometheus_write(const otelc_resource_metrics *data,
                       const otelc_prometheus_opts *opts,
                       otelc_otlp_buffer *buf);

/**
 * @brief (library otelc_prometheus) A pull reader serving GET /metrics
 * over HTTP from its own thread, every scrape a fresh cumulative
 * collection. Other paths answer 404, other methods 405. Listening starts
 * before this returns.
 *
 * The answer is always the text format 0.0.4 (the fallback of the
 * specification's content negotiation), with OTELC_PROMETHEUS_CONTENT_TYPE.
 * HEAD is answered like GET without the body. A collection that fails,
 * or a scrape before the reader belongs to a provider or after it shut
 * down, answers 503. Observable callbacks get 90% of the time the
 * scraper announces in X-Prometheus-Scrape-Timeout-Seconds (50 ms to
 * 30 s; 10 s without it). Scrapes may run at once (each connection has a
 * thread; at most 16 connections per address, idle ones closed after
 * 10 s). A host name listens on every address it resolves to (e.g.
 * 127.0.0.1 and ::1 for "localhost"); IPv6 literals may be given with or
 * without brackets. Shutting the reader down (with its provider) refuses
 * new scrapes, lets those under way finish within the timeout, and
 * closes the port.
 * @param opts may be NULL.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG (opts->port outside -1..65535,
 * an unusable opts->host), OTELC_ERR_NOMEM, OTELC_ERR_IO (the address
 * cannot be resolved or bound, e.g. the port is in use; reported with
 * the reason).
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status otelc_prometheus_reader_new(
    const otelc_prometheus_opts *opts, otelc_metric_reader **out);

/** @brief (library otelc_prometheus) The port a Prometheus reader
 *  listens on (useful with port -1), or 0 for another reader.
 *  Thread safety: safe from any thread. */
OTELC_API uint16_t
otelc_prometheus_reader_port(const otelc_metric_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_PROMETHEUS_H */
