/*
 * The metrics of the OTLP interop tests (otlp_metrics_tool.c): a
 * hand-made collection that uses every part of the metrics data model,
 * and the JSON description of any collection that
 * tests/peers/otlp_metrics_compare.js compares with what the official
 * schema decoded. Thread safety: none (single-threaded tool).
 */
#ifndef OTELC_TESTS_OTLP_METRICS_DATA_H
#define OTELC_TESTS_OTLP_METRICS_DATA_H

#include <stdio.h>

#include "otelc/metrics.h"

/*
 * Fill @p out with the collection: a resource with attributes of every
 * kind and a schema URL; several scopes (with and without version,
 * attributes and schema URL); int and double sums (cumulative monotonic,
 * delta non-monotonic), int and double gauges (extremes, NaN, infinities,
 * the no-recorded-value flag), explicit histograms (bounds, one bucket,
 * none, with and without sum/min/max), exponential histograms (positive
 * and negative scales and offsets, zero counts and thresholds, empty
 * buckets), exemplars with and without span ids, int and double, points
 * without attributes, a scope whose only metric has no points (which
 * OTLP leaves out) and strings with invalid UTF-8. Returns false when the
 * resource cannot be made. Free with md_free.
 */
bool md_build(otelc_resource_metrics *out);
void md_free(otelc_resource_metrics *d);

/*
 * One line describing @p d as an OTLP receiver must decode it:
 *   {"resource":{"attributes":[A],"schemaUrl"},
 *    "scopes":[{"scope":{"name","version","attributes":[A]},"schemaUrl",
 *               "metrics":[{"name","description","unit","type" (gauge, sum,
 *                           histogram, exponentialHistogram),
 *                           "aggregationTemporality","isMonotonic",
 *                           "points":[P]}]}]}
 * Points carry the OTLP/JSON field names (attributes as A, 64-bit
 * integers as decimal strings, doubles as numbers or "NaN"/"Infinity"/
 * "-Infinity", ids in hex); optional sum, min and max are null when
 * absent. Metrics without points and scopes left without metrics are not
 * described, as OTLP leaves them out. A is {key, type, value}
 * (tool_json.h).
 */
void md_write(FILE *f, const otelc_resource_metrics *d);

/* Data points of @p d. */
size_t md_points(const otelc_resource_metrics *d);

#endif /* OTELC_TESTS_OTLP_METRICS_DATA_H */
