/*
 * The console metric exporter's text format, usable without an exporter
 * (for tests). One collection reads:
 *
 *   collection service="svc" scopes=1 metrics=2 points=3
 *   scope <name> [version=<v>] [schema_url=<url>] [attributes]
 *   metric <name> <sum|gauge|histogram|exp_histogram> unit=<unit>
 *       temporality=<delta|cumulative|unspecified> monotonic=<bool>
 *       "<description>"                       (one line)
 *     point <key=value ...> value=<v> start=<time> end=<time>
 *       [no_recorded_value] [exemplars=[{...} ...]]   (one line)
 *
 * Histogram points print count=, sum= (when kept), min=/max= (when
 * kept) and buckets=[(lo,hi]:n ...] with the non-empty buckets only;
 * exponential ones add scale= and zero_count= (zero_threshold= when not
 * 0), and their negative buckets read [-hi,-lo):n. Times are UTC ISO
 * 8601 with nanoseconds ("-" for 0); numbers use the shortest form that
 * reads back to the same double; strings are quoted with ", \ and
 * control characters escaped and invalid UTF-8 bytes as \xNN.
 */
#ifndef OTELC_SRC_EXPORT_CONSOLE_CONSOLE_METRICS_H
#define OTELC_SRC_EXPORT_CONSOLE_CONSOLE_METRICS_H

#include "common/internal.h"
#include "otelc/metrics.h"

/* Format @p data as the console metric exporter prints it. On success
 * *out is a NUL-terminated string to free with otelc__free and *len its
 * length. Returns OTELC_OK, OTELC_ERR_INVALID_ARG or OTELC_ERR_NOMEM
 * (*out is then NULL). */
otelc_status otelc__console_metrics_format(const otelc_resource_metrics *data,
                                           char **out, size_t *len);

#endif /* OTELC_SRC_EXPORT_CONSOLE_CONSOLE_METRICS_H */
