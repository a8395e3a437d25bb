/*
 * The hand-made metrics collection of the OTLP interop tests, and the
 * JSON description of a collection (see otlp_metrics_data.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "otelc/resource.h"
#include "otlp_metrics_data.h"
#include "tool_json.h"

/* Times above 2^53 ns, so that a reader using doubles would lose digits. */
#define T0 UINT64_C(1700000000123456789)
#define T1 (T0 + UINT64_C(60000000000))

/* ---------------------------------------------------------- resource -- */

static const char *const kTags[] = {"a", "b\xc3\xa9", ""};
static const int64_t kInts[] = {INT64_MIN, -1, 0, INT64_MAX};
static const double kDoubles[] = {-0.5, 1e300, 3.25};
static const bool kBools[] = {true, false};
static const uint8_t kBlob[] = {0x00, 0xff, 0x10, 0x80, 0x7f};
static const otelc_attr kInner[] = {OTELC_STR("inner", "x"),
                                    OTELC_INT("n", 42)};
static const otelc_value kMixed[] = {
    {OTELC_VALUE_STRING, OTELC_NTS, {.str = "s"}},
    {OTELC_VALUE_INT, 0, {.i = 7}},
    {OTELC_VALUE_BOOL, 0, {.b = false}}};

static const otelc_attr kResourceAttrs[] = {
    OTELC_STR("service.name", "otlp-metrics-test"),
    OTELC_INT("host.cores", 8),
    OTELC_DOUBLE("ratio", 0.125),
    OTELC_BOOL("enabled", true),
    OTELC_STR_ARRAY("tags", kTags, 3),
    OTELC_INT_ARRAY("ints", kInts, 4),
    OTELC_DOUBLE_ARRAY("doubles", kDoubles, 3),
    OTELC_BOOL_ARRAY("bools", kBools, 2),
    OTELC_BYTES("blob", kBlob, sizeof kBlob),
    {"map", {OTELC_VALUE_MAP, 2, {.kvs = kInner}}},
    {"mixed", {OTELC_VALUE_ARRAY, 3, {.values = kMixed}}},
    {"nothing", {OTELC_VALUE_EMPTY, 0, {.str = NULL}}},
    OTELC_STR("bad.utf8", "ok\xff\xc3(end"),
};

/* ------------------------------------------------------------ scope 1 -- */

static const otelc_attr kScopeAttrs[] = {OTELC_STR("scope.kind", "test"),
                                         OTELC_INT("scope.n", -3)};
static const otelc_scope_info kScope1 = {
    .name = "otelc.test.metrics",
    .version = "1.0.0",
    .schema_url = "https://opentelemetry.io/schemas/1.26.0",
    .attrs = kScopeAttrs,
    .n_attrs = 2};

static const otelc_attr kGet[] = {OTELC_STR("http.request.method", "GET"),
                                  OTELC_INT("http.response.status_code", 200)};
static const otelc_attr kPost[] = {OTELC_STR("http.request.method", "POST")};
static const otelc_attr kDropped[] = {OTELC_STR("user.id", "u-17"),
                                      OTELC_DOUBLE("score", -2.5)};

static const otelc_exemplar kReqExemplars[] = {
    {.filtered_attrs = kDropped,
     .n_filtered_attrs = 2,
     .time_unix_nano = T0 + 11,
     .is_int = true,
     .value.i = 3,
     .has_span = true,
     .trace_id = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce,
                  0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
     .span_id = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}},
    {.time_unix_nano = T0 + 12, .is_int = true, .value.i = 0}};

static const otelc_number_point kRequests[] = {{.attrs = kGet,
                                                .n_attrs = 2,
                                                .start_time_unix_nano = T0,
                                                .time_unix_nano = T1,
                                                .is_int = true,
                                                .value.i = 1234567890123,
                                                .exemplars = kReqExemplars,
                                                .n_exemplars = 2},
                                               {.attrs = kPost,
                                                .n_attrs = 1,
                                                .start_time_unix_nano = T0,
                                                .time_unix_nano = T1,
                                                .is_int = true,
                                                .value.i = 0},
                                               {.start_time_unix_nano = T0,
                                                .time_unix_nano = T1,
                                                .is_int = true,
                                                .value.i = 9}};

static const otelc_exemplar kQueueExemplars[] = {
    {.time_unix_nano = T0 + 5, .value.d = -0.25}};
static const otelc_number_point kQueue[] = {
    {.attrs = kPost,
     .n_attrs = 1,
     .start_time_unix_nano = T0 + 1,
     .time_unix_nano = T1,
     .value.d = -17.5,
     .exemplars = kQueueExemplars,
     .n_exemplars = 1},
    {.start_time_unix_nano = T0 + 1, .time_unix_nano = T1, .value.d = 0}};

static const otelc_number_point kTemperature[] = {
    {.attrs = kGet, .n_attrs = 2, .time_unix_nano = T1, .value.d = 21.5},
    {.attrs = kPost, .n_attrs = 1, .time_unix_nano = T1, .value.d = NAN},
    {.time_unix_nano = T1,
     .value.d = 0,
     .flags = OTELC_POINT_FLAG_NO_RECORDED_VALUE}};

static const otelc_attr kLo[] = {OTELC_STR("edge", "min")};
static const otelc_attr kHi[] = {OTELC_STR("edge", "max")};
static const otelc_attr kInf[] = {OTELC_STR("edge", "inf")};
static const otelc_number_point kThreads[] = {{.attrs = kLo,
                                               .n_attrs = 1,
                                               .time_unix_nano = T1,
                                               .is_int = true,
                                               .value.i = INT64_MIN},
                                              {.attrs = kHi,
                                               .n_attrs = 1,
                                               .time_unix_nano = T1,
                                               .is_int = true,
                                               .value.i = INT64_MAX}};
static const otelc_number_point kExtremes[] = {
    {.attrs = kInf, .n_attrs = 1, .time_unix_nano = T1, .value.d = INFINITY},
    {.attrs = kLo, .n_attrs = 1, .time_unix_nano = T1, .value.d = -INFINITY},
    {.attrs = kHi, .n_attrs = 1, .time_unix_nano = T1, .value.d = -0.0}};

static const otelc_metric kScope1Metrics[] = {
    {.name = "http.server.requests",
     .description = "Requests served",
     .unit = "{request}",
     .type = OTELC_METRIC_SUM,
     .temporality = OTELC_TEMPORALITY_CUMULATIVE,
     .is_monotonic = true,
     .n_points = 3,
     .points.numbers = kRequests},
    {.name = "queue.change",
     .description = "",
     .unit = "",
     .type = OTELC_METRIC_SUM,
     .temporality = OTELC_TEMPORALITY_DELTA,
     .is_monotonic = false,
     .n_points = 2,
     .points.numbers = kQueue},
    {.name = "temperature",
     .description = "d\xe9g",
     .unit = "Cel",
     .type = OTELC_METRIC_GAUGE,
     .n_points = 3,
     .points.numbers = kTemperature},
    {.name = "threads",
     .type = OTELC_METRIC_GAUGE,
     .n_points = 2,
     .points.numbers = kThreads},
    {.name = "no.points.here",
     .type = OTELC_METRIC_SUM,
     .temporality = OTELC_TEMPORALITY_DELTA,
     .n_points = 0},
    {.name = "extremes",
     .unit = "1",
     .type = OTELC_METRIC_GAUGE,
     .n_points = 3,
     .points.numbers = kExtremes},
};

/* ------------------------------------------------------------ scope 2 -- */

static const otelc_scope_info kScope2 = {.name = "otelc.test.histograms"};

static const double kBounds[] = {0, 5, 10, 25};
static const uint64_t kCounts1[] = {1, 4, 0, 2, 1};
static const uint64_t kCounts2[] = {0, 0, 0, 0, 0};
static const otelc_exemplar kLatencyExemplars[] = {
    {.time_unix_nano = T0 + 21,
     .value.d = 7.5,
     .has_span = true,
     .trace_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
     .span_id = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}},
    {.filtered_attrs = kPost,
     .n_filtered_attrs = 1,
     .time_unix_nano = T0 + 22,
     .value.d = 30}};
static const otelc_histogram_point kLatency[] = {
    {.attrs = kGet,
     .n_attrs = 2,
     .start_time_unix_nano = T0,
     .time_unix_nano = T1,
     .count = 8,
     .has_sum = true,
     .sum = 71.25,
     .has_min_max = true,
     .min = 0,
     .max = 30,
     .bounds = kBounds,
     .n_bounds = 4,
     .bucket_counts = kCounts1,
     .exemplars = kLatencyExemplars,
     .n_exemplars = 2},
    {.start_time_unix_nano = T0,
     .time_unix_nano = T1,
     .count = 0,
     .bounds = kBounds,
     .n_bounds = 4,
     .bucket_counts = kCounts2,
     .flags = OTELC_POINT_FLAG_NO_RECORDED_VALUE}};

static const uint64_t kOneBucket[] = {5};
static const otelc_histogram_point kSizes[] = {
    {.attrs = kPost,
     .n_attrs = 1,
     .start_time_unix_nano = T0,
     .time_unix_nano = T1,
     .count = 5,
     .has_sum = true,
     .sum = -12.5,
     .has_min_max = true,
     .min = -10,
     .max = 1,
     .bucket_counts = kOneBucket},
    {.start_time_unix_nano = T0, .time_unix_nano = T1, .count = 3}};

static const uint64_t kPos[] = {1, 0, 3, 2};
static const uint64_t kNeg[] = {2, 1};
/* Counts reach INT64_MAX, not beyond: the reference decoder's JSON reader
 * (protobufjs fromObject) takes fixed64 values as signed, so larger counts
 * would read back negative there, whatever the text. The unit tests cover
 * the full range. */
static const uint64_t kBig[] = {INT64_MAX - 1, 1};
static const otelc_exemplar kExpExemplars[] = {
    {.time_unix_nano = T0 + 31,
     .value.d = 1.75,
     .has_span = true,
     .trace_id = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66,
                  0x55, 0x44, 0x33, 0x22, 0x11, 0x01},
     .span_id = {1, 0, 0, 0, 0, 0, 0, 2}},
    {.filtered_attrs = kDropped,
     .n_filtered_attrs = 2,
     .time_unix_nano = T0 + 32,
     .is_int = true,
     .value.i = -4}};
static const otelc_exp_histogram_point kLatencyExp[] = {
    {.attrs = kGet,
     .n_attrs = 2,
     .start_time_unix_nano = T0,
     .time_unix_nano = T1,
     .count = 11,
     .has_sum = true,
     .sum = 12.5,
     .has_min_max = true,
     .min = -3.5,
     .max = 4.25,
     .scale = 3,
     .zero_count = 2,
     .zero_threshold = 1e-9,
     .positive = {-5, kPos, 4},
     .negative = {-2, kNeg, 2},
     .exemplars = kExpExemplars,
     .n_exemplars = 2},
    {.attrs = kPost,
     .n_attrs = 1,
     .start_time_unix_nano = T0,
     .time_unix_nano = T1,
     .count = INT64_MAX,
     .scale = -4,
     .positive = {INT32_MAX - 1, kBig, 2}},
    {.start_time_unix_nano = T0, .time_unix_nano = T1}};

static const otelc_exp_histogram_point kExpDelta[] = {
    {.start_time_unix_nano = T0 + 7,
     .time_unix_nano = T1,
     .count = 4,
     .has_sum = true,
     .sum = 0,
     .has_min_max = true,
     .min = 0,
     .max = 0,
     .scale = 20,
     .zero_count = 3,
     .negative = {INT32_MIN, kNeg + 1, 1}}};

static const otelc_metric kScope2Metrics[] = {
    {.name = "http.server.duration",
     .description = "Latency",
     .unit = "ms",
     .type = OTELC_METRIC_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_DELTA,
     .n_points = 2,
     .points.histograms = kLatency},
    {.name = "sizes",
     .unit = "By",
     .type = OTELC_METRIC_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_CUMULATIVE,
     .n_points = 2,
     .points.histograms = kSizes},
    {.name = "http.server.duration.exp",
     .description = "Latency, exponential",
     .unit = "s",
     .type = OTELC_METRIC_EXP_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_CUMULATIVE,
     .n_points = 3,
     .points.exp_histograms = kLatencyExp},
    {.name = "exp.delta",
     .type = OTELC_METRIC_EXP_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_DELTA,
     .n_points = 1,
     .points.exp_histograms = kExpDelta},
};

/* --------------------------------------------------- scopes 3 and 4 -- */

static const otelc_scope_info kScope3 = {.name = "otelc.test.nothing",
                                         .version = "9"};
static const otelc_metric kScope3Metrics[] = {
    {.name = "never.recorded",
     .type = OTELC_METRIC_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_CUMULATIVE,
     .n_points = 0}};

static const otelc_scope_info kScope4 = {
    .name = "otelc.test.\xf0\x9f\x93\x88", .version = "", .schema_url = ""};
static const otelc_attr kBadAttr[] = {OTELC_STR("v", "\xed\xa0\x80 x")};
static const otelc_number_point kBad[] = {
    {.attrs = kBadAttr, .n_attrs = 1, .time_unix_nano = T1, .value.d = 1}};
static const otelc_metric kScope4Metrics[] = {
    {.name = "unicode.\xc3\xa9t\xc3\xa9",
     .description = "bad \xc0\xaf bytes",
     .type = OTELC_METRIC_GAUGE,
     .n_points = 1,
     .points.numbers = kBad}};

static const otelc_scope_metrics kScopes[] = {
    {&kScope1, kScope1Metrics, sizeof kScope1Metrics / sizeof(otelc_metric)},
    {&kScope3, kScope3Metrics, 1},
    {&kScope2, kScope2Metrics, sizeof kScope2Metrics / sizeof(otelc_metric)},
    {&kScope4, kScope4Metrics, 1},
    {NULL, NULL, 0}};

bool md_build(otelc_resource_metrics *out) {
  otelc_resource *r = NULL;
  if (otelc_resource_new(
          kResourceAttrs, sizeof kResourceAttrs / sizeof kResourceAttrs[0],
          "https://opentelemetry.io/schemas/1.26.0", &r) != OTELC_OK)
    return false;
  out->resource = r;
  out->scopes = kScopes;
  out->n_scopes = sizeof kScopes / sizeof kScopes[0];
  return true;
}

void md_free(otelc_resource_metrics *d) {
  otelc_resource_release((otelc_resource *)d->resource);
  d->resource = NULL;
}

size_t md_points(const otelc_resource_metrics *d) {
  size_t n = 0;
  for (size_t s = 0; s < d->n_scopes; s++)
    for (size_t k = 0; k < d->scopes[s].n_metrics; k++)
      n += d->scopes[s].metrics[k].n_points;
  return n;
}

/* ----------------------------------------------------------- writing -- */

static void put_u64(FILE *f, const char *key, uint64_t v) {
  fprintf(f, ",\"%s\":\"%" PRIu64 "\"", key, v);
}

static void put_opt(FILE *f, const char *key, bool has, double v) {
  fprintf(f, ",\"%s\":", key);
  if (has)
    tj_double(f, v);
  else
    fputs("null", f);
}

/* "attributes":[...] and the two times (first members of a point). */
static void put_common(FILE *f, const otelc_attr *a, size_t n, uint64_t start,
                       uint64_t time) {
  fputs("\"attributes\":", f);
  tj_attrs(f, a, a ? n : 0);
  put_u64(f, "startTimeUnixNano", start);
  put_u64(f, "timeUnixNano", time);
}

static void put_exemplars(FILE *f, const otelc_exemplar *e, size_t n) {
  fputs(",\"exemplars\":[", f);
  for (size_t i = 0; e && i < n; i++) {
    char tid[33] = "", sid[17] = "";
    if (e[i].has_span) {
      tj_hex(e[i].trace_id, 16, tid);
      tj_hex(e[i].span_id, 8, sid);
    }
    fprintf(f, "%s{\"filteredAttributes\":", i ? "," : "");
    tj_attrs(f, e[i].filtered_attrs,
             e[i].filtered_attrs ? e[i].n_filtered_attrs : 0);
    put_u64(f, "timeUnixNano", e[i].time_unix_nano);
    if (e[i].is_int) {
      fprintf(f, ",\"asInt\":\"%" PRId64 "\"", e[i].value.i);
    } else {
      fputs(",\"asDouble\":", f);
      tj_double(f, e[i].value.d);
    }
    fprintf(f, ",\"spanId\":\"%s\",\"traceId\":\"%s\"}", sid, tid);
  }
  fputc(']', f);
}

static void put_buckets(FILE *f, const char *key, const otelc_exp_buckets *b) {
  fprintf(f, ",\"%s\":{\"offset\":%" PRId32 ",\"bucketCounts\":[", key,
          b->offset);
  for (size_t i = 0; i < b->n; i++)
    fprintf(f, "%s\"%" PRIu64 "\"", i ? "," : "", b->counts[i]);
  fputs("]}", f);
}

static void put_point(FILE *f, const otelc_metric *m, size_t i) {
  fputc('{', f);
  if (m->type == OTELC_METRIC_GAUGE || m->type == OTELC_METRIC_SUM) {
    const otelc_number_point *p = &m->points.numbers[i];
    put_common(f, p->attrs, p->n_attrs, p->start_time_unix_nano,
               p->time_unix_nano);
    if (p->is_int) {
      fprintf(f, ",\"asInt\":\"%" PRId64 "\"", p->value.i);
    } else {
      fputs(",\"asDouble\":", f);
      tj_double(f, p->value.d);
    }
    put_exemplars(f, p->exemplars, p->n_exemplars);
    fprintf(f, ",\"flags\":%" PRIu32, p->flags);
  } else if (m->type == OTELC_METRIC_HISTOGRAM) {
    const otelc_histogram_point *p = &m->points.histograms[i];
    put_common(f, p->attrs, p->n_attrs, p->start_time_unix_nano,
               p->time_unix_nano);
    put_u64(f, "count", p->count);
    put_opt(f, "sum", p->has_sum, p->sum);
    fputs(",\"bucketCounts\":[", f);
    for (size_t k = 0; p->bucket_counts && k <= p->n_bounds; k++)
      fprintf(f, "%s\"%" PRIu64 "\"", k ? "," : "", p->bucket_counts[k]);
    fputs("],\"explicitBounds\":[", f);
    for (size_t k = 0; p->bucket_counts && k < p->n_bounds; k++) {
      if (k)
        fputc(',', f);
      tj_double(f, p->bounds[k]);
    }
    fputc(']', f);
    put_exemplars(f, p->exemplars, p->n_exemplars);
    fprintf(f, ",\"flags\":%" PRIu32, p->flags);
    put_opt(f, "min", p->has_min_max, p->min);
    put_opt(f, "max", p->has_min_max, p->max);
  } else {
    const otelc_exp_histogram_point *p = &m->points.exp_histograms[i];
    put_common(f, p->attrs, p->n_attrs, p->start_time_unix_nano,
               p->time_unix_nano);
    put_u64(f, "count", p->count);
    put_opt(f, "sum", p->has_sum, p->sum);
    fprintf(f, ",\"scale\":%" PRId32, p->scale);
    put_u64(f, "zeroCount", p->zero_count);
    fputs(",\"zeroThreshold\":", f);
    tj_double(f, p->zero_threshold);
    put_buckets(f, "positive", &p->positive);
    put_buckets(f, "negative", &p->negative);
    put_exemplars(f, p->exemplars, p->n_exemplars);
    fprintf(f, ",\"flags\":%" PRIu32, p->flags);
    put_opt(f, "min", p->has_min_max, p->min);
    put_opt(f, "max", p->has_min_max, p->max);
  }
  fputc('}', f);
}

static const char *type_name(otelc_metric_type t) {
  switch (t) {
  case OTELC_METRIC_GAUGE:
    return "gauge";
  case OTELC_METRIC_SUM:
    return "sum";
  case OTELC_METRIC_HISTOGRAM:
    return "histogram";
  default:
    return "exponentialHistogram";
  }
}

static void put_metric(FILE *f, const otelc_metric *m) {
  fputs("{\"name\":", f);
  tj_str(f, m->name);
  fputs(",\"description\":", f);
  tj_str(f, m->description);
  fputs(",\"unit\":", f);
  tj_str(f, m->unit);
  fprintf(f, ",\"type\":\"%s\"", type_name(m->type));
  fprintf(f, ",\"aggregationTemporality\":%d",
          m->type == OTELC_METRIC_GAUGE ? 0 : (int)m->temporality);
  fprintf(f, ",\"isMonotonic\":%s",
          m->type == OTELC_METRIC_SUM && m->is_monotonic ? "true" : "false");
  fputs(",\"points\":[", f);
  for (size_t i = 0; i < m->n_points; i++) {
    if (i)
      fputc(',', f);
    put_point(f, m, i);
  }
  fputs("]}", f);
}

static bool has_points(const otelc_scope_metrics *s) {
  for (size_t k = 0; k < s->n_metrics; k++)
    if (s->metrics[k].n_points)
      return true;
  return false;
}

void md_write(FILE *f, const otelc_resource_metrics *d) {
  const otelc_resource *r = d->resource;
  fputs("{\"resource\":{\"attributes\":[", f);
  for (size_t i = 0; i < otelc_resource_attr_count(r); i++) {
    const otelc_attr *a = otelc_resource_attr(r, i);
    fprintf(f, "%s{\"key\":", i ? "," : "");
    tj_str(f, a->key);
    fputc(',', f);
    tj_typed(f, &a->value);
    fputc('}', f);
  }
  fputs("],\"schemaUrl\":", f);
  tj_str(f, otelc_resource_schema_url(r));
  fputs("},\"scopes\":[", f);
  bool first = true;
  for (size_t s = 0; s < d->n_scopes; s++) {
    const otelc_scope_metrics *sm = &d->scopes[s];
    if (!has_points(sm))
      continue;
    const otelc_scope_info *sc = sm->scope;
    fprintf(f, "%s{\"scope\":{\"name\":", first ? "" : ",");
    first = false;
    tj_str(f, sc ? sc->name : NULL);
    fputs(",\"version\":", f);
    tj_str(f, sc ? sc->version : NULL);
    fputs(",\"attributes\":", f);
    tj_attrs(f, sc ? sc->attrs : NULL, sc && sc->attrs ? sc->n_attrs : 0);
    fputs("},\"schemaUrl\":", f);
    tj_str(f, sc ? sc->schema_url : NULL);
    fputs(",\"metrics\":[", f);
    bool mfirst = true;
    for (size_t k = 0; k < sm->n_metrics; k++) {
      if (!sm->metrics[k].n_points)
        continue;
      if (!mfirst)
        fputc(',', f);
      mfirst = false;
      put_metric(f, &sm->metrics[k]);
    }
    fputs("]}", f);
  }
  fputs("]}\n", f);
}
