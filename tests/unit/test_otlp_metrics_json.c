/* OTLP/JSON encoding of metrics: exact text of small requests for every
 * point kind (64-bit integers quoted, ids in hex, enums as numbers),
 * special doubles and integer extremes, what is left out, escaping and
 * UTF-8 repair, the request limit, running out of memory, and
 * allocation-free re-encoding. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/internal.h"
#include "export/otlp/otlp_internal.h"
#include "otelc/metrics.h"
#include "otelc/otelc.h"
#include "otelc/otlp_encode.h"

static const otelc_scope_info kScope = {.name = "s"};

/* A: a monotonic cumulative int sum. */
static const otelc_number_point kA_points[] = {{.start_time_unix_nano = 1,
                                                .time_unix_nano = 2,
                                                .is_int = true,
                                                .value.i = 5}};
static const otelc_metric kA_metrics[] = {
    {.name = "c",
     .description = "",
     .unit = "",
     .type = OTELC_METRIC_SUM,
     .temporality = OTELC_TEMPORALITY_CUMULATIVE,
     .is_monotonic = true,
     .n_points = 1,
     .points.numbers = kA_points}};
static const otelc_scope_metrics kA_scopes[] = {{&kScope, kA_metrics, 1}};
static const char kA_json[] =
    "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"scope\":{"
    "\"name\":\"s\"},\"metrics\":[{\"name\":\"c\",\"sum\":{\"dataPoints\":[{"
    "\"startTimeUnixNano\":\"1\",\"timeUnixNano\":\"2\",\"asInt\":\"5\"}],"
    "\"aggregationTemporality\":2,\"isMonotonic\":true}}]}]}]}";

/* B: a gauge with description, unit, attributes, a flag and an as_int of
 * 0; resource and scope schema URLs. */
static const otelc_attr kB_attrs[] = {OTELC_STR("k", "v")};
static const otelc_number_point kB_points[] = {
    {.attrs = kB_attrs,
     .n_attrs = 1,
     .time_unix_nano = 3,
     .value.d = -2.5,
     .flags = OTELC_POINT_FLAG_NO_RECORDED_VALUE},
    {.time_unix_nano = 3, .is_int = true, .value.i = 0}};
static const otelc_metric kB_metrics[] = {{.name = "g",
                                           .description = "d",
                                           .unit = "1",
                                           .type = OTELC_METRIC_GAUGE,
                                           .n_points = 2,
                                           .points.numbers = kB_points}};
static const otelc_scope_info kB_scope = {
    .name = "s", .version = "1", .schema_url = "u"};
static const otelc_scope_metrics kB_scopes[] = {{&kB_scope, kB_metrics, 1}};
static const char kB_json[] =
    "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":"
    "\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},"
    "\"scopeMetrics\":[{\"scope\":{\"name\":\"s\",\"version\":\"1\"},"
    "\"metrics\":[{\"name\":\"g\",\"description\":\"d\",\"unit\":\"1\","
    "\"gauge\":{\"dataPoints\":[{\"attributes\":[{\"key\":\"k\",\"value\":{"
    "\"stringValue\":\"v\"}}],\"timeUnixNano\":\"3\",\"asDouble\":-2.5,"
    "\"flags\":1},{\"timeUnixNano\":\"3\",\"asInt\":\"0\"}]}}],"
    "\"schemaUrl\":\"u\"}],\"schemaUrl\":\"r\"}]}";

/* C: a delta histogram with bounds, sum, min, max and an exemplar with a
 * span and a filtered attribute. */
static const double kC_bounds[] = {0, 5};
static const uint64_t kC_counts[] = {1, 1, 1};
static const otelc_attr kC_filtered[] = {OTELC_INT("f", 1)};
static const otelc_exemplar kC_exemplars[] = {
    {.filtered_attrs = kC_filtered,
     .n_filtered_attrs = 1,
     .time_unix_nano = 4,
     .value.d = 2.5,
     .has_span = true,
     .trace_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
     .span_id = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}}};
static const otelc_histogram_point kC_points[] = {{.start_time_unix_nano = 1,
                                                   .time_unix_nano = 2,
                                                   .count = 3,
                                                   .has_sum = true,
                                                   .sum = 6.5,
                                                   .has_min_max = true,
                                                   .min = 0.5,
                                                   .max = 5.5,
                                                   .bounds = kC_bounds,
                                                   .n_bounds = 2,
                                                   .bucket_counts = kC_counts,
                                                   .exemplars = kC_exemplars,
                                                   .n_exemplars = 1}};
static const otelc_metric kC_metrics[] = {
    {.name = "h",
     .type = OTELC_METRIC_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_DELTA,
     .n_points = 1,
     .points.histograms = kC_points}};
static const otelc_scope_metrics kC_scopes[] = {{&kScope, kC_metrics, 1}};
static const char kC_json[] =
    "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"scope\":{"
    "\"name\":\"s\"},\"metrics\":[{\"name\":\"h\",\"histogram\":{"
    "\"dataPoints\":[{\"startTimeUnixNano\":\"1\",\"timeUnixNano\":\"2\","
    "\"count\":\"3\",\"sum\":6.5,\"bucketCounts\":[\"1\",\"1\",\"1\"],"
    "\"explicitBounds\":[0,5],\"exemplars\":[{\"filteredAttributes\":[{"
    "\"key\":\"f\",\"value\":{\"intValue\":\"1\"}}],\"timeUnixNano\":\"4\","
    "\"asDouble\":2.5,\"spanId\":\"a1a2a3a4a5a6a7a8\",\"traceId\":"
    "\"0102030405060708090a0b0c0d0e0f10\"}],\"min\":0.5,\"max\":5.5}],"
    "\"aggregationTemporality\":1}}]}]}]}";

/* D: an exponential histogram: negative scale and offset, a zero count,
 * empty negative buckets, no sum, an int exemplar without a span. */
static const otelc_attr kD_attrs[] = {OTELC_BOOL("b", true)};
static const uint64_t kD_positive[] = {1, 2};
static const otelc_exemplar kD_exemplars[] = {
    {.time_unix_nano = 5, .is_int = true, .value.i = -7}};
static const otelc_exp_histogram_point kD_points[] = {
    {.attrs = kD_attrs,
     .n_attrs = 1,
     .time_unix_nano = 2,
     .count = 4,
     .scale = -1,
     .zero_count = 1,
     .positive = {-2, kD_positive, 2},
     .exemplars = kD_exemplars,
     .n_exemplars = 1}};
static const otelc_metric kD_metrics[] = {
    {.name = "e",
     .type = OTELC_METRIC_EXP_HISTOGRAM,
     .temporality = OTELC_TEMPORALITY_CUMULATIVE,
     .n_points = 1,
     .points.exp_histograms = kD_points}};
static const otelc_scope_metrics kD_scopes[] = {{&kScope, kD_metrics, 1}};
static const char kD_json[] =
    "{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"scope\":{"
    "\"name\":\"s\"},\"metrics\":[{\"name\":\"e\",\"exponentialHistogram\":{"
    "\"dataPoints\":[{\"attributes\":[{\"key\":\"b\",\"value\":{"
    "\"boolValue\":true}}],\"timeUnixNano\":\"2\",\"count\":\"4\","
    "\"scale\":-1,\"zeroCount\":\"1\",\"positive\":{\"offset\":-2,"
    "\"bucketCounts\":[\"1\",\"2\"]},\"negative\":{},\"exemplars\":[{"
    "\"timeUnixNano\":\"5\",\"asInt\":\"-7\"}]}],"
    "\"aggregationTemporality\":2}}]}]}]}";

static otelc_resource_metrics coll(const otelc_scope_metrics *s, size_t n) {
  return (otelc_resource_metrics){NULL, s, n};
}

/* The encoding of @p d as a NUL-terminated string (in @p b). */
static const char *encode(otelc__buf *b, const otelc_resource_metrics *d) {
  assert_int_equal(otelc__otlp_metrics_check(d), OTELC_OK);
  assert_int_equal(otelc__otlp_metrics_json(b, d), OTELC_OK);
  assert_false(b->failed);
  assert_non_null(memchr(b->data, '}', b->len));
  assert_null(memchr(b->data, '\n', b->len));
  otelc__buf_byte(b, '\0');
  b->len--;
  return (const char *)b->data;
}

#define assert_has(text, part)                                                 \
  do {                                                                         \
    if (!strstr((text), (part)))                                               \
      fail_msg("\"%s\" not in %s", (part), (text));                            \
  } while (0)

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_exact_text(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_resource_metrics d = coll(kA_scopes, 1);
  assert_string_equal(encode(&b, &d), kA_json);

  otelc_resource *r = NULL;
  assert_int_equal(otelc_resource_new(
                       OTELC_ATTRS(OTELC_STR("service.name", "svc")), "r", &r),
                   OTELC_OK);
  d = (otelc_resource_metrics){r, kB_scopes, 1};
  assert_string_equal(encode(&b, &d), kB_json);
  otelc_resource_release(r);

  d = coll(kC_scopes, 1);
  assert_string_equal(encode(&b, &d), kC_json);
  d = coll(kD_scopes, 1);
  assert_string_equal(encode(&b, &d), kD_json);
  otelc__buf_free(&b);
}

static void test_empty_left_out(void **state) {
  (void)state;
  otelc_metric metrics[3] = {kA_metrics[0], kA_metrics[0], kA_metrics[0]};
  metrics[0].n_points = 0;
  metrics[2].n_points = 0;
  otelc_scope_info other = {.name = "other"};
  otelc_scope_metrics scopes[3] = {
      {&other, metrics, 1}, {&kScope, metrics, 3}, {&other, NULL, 0}};
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_resource_metrics d = coll(scopes, 3);
  assert_string_equal(encode(&b, &d), kA_json);
  d = coll(scopes, 1);
  assert_string_equal(encode(&b, &d), "{\"resourceMetrics\":[]}");
  d = coll(NULL, 0);
  assert_string_equal(encode(&b, &d), "{\"resourceMetrics\":[]}");
  otelc__buf_free(&b);
}

static void test_special_values(void **state) {
  (void)state;
  otelc_number_point np[4] = {
      {.time_unix_nano = UINT64_MAX, .is_int = true, .value.i = INT64_MIN},
      {.start_time_unix_nano = 1, .is_int = true, .value.i = INT64_MAX},
      {.value.d = NAN},
      {.value.d = -INFINITY}};
  otelc_exemplar ex[2] = {{.value.d = INFINITY}, {.value.d = 0.1}};
  np[3].exemplars = ex;
  np[3].n_exemplars = 2;
  otelc_metric m = {.name = "n",
                    .type = OTELC_METRIC_SUM,
                    .temporality = OTELC_TEMPORALITY_UNSPECIFIED,
                    .n_points = 4,
                    .points.numbers = np};
  otelc_scope_metrics s = {NULL, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  const char *j = encode(&b, &d);
  assert_has(j, "\"scope\":{},\"metrics\":[{\"name\":\"n\",\"sum\":{"
                "\"dataPoints\":[{\"timeUnixNano\":\"18446744073709551615\","
                "\"asInt\":\"-9223372036854775808\"},{\"startTimeUnixNano\":"
                "\"1\",\"asInt\":\"9223372036854775807\"},{\"asDouble\":"
                "\"NaN\"},{\"asDouble\":\"-Infinity\",\"exemplars\":[{"
                "\"asDouble\":\"Infinity\"},{\"asDouble\":0.1}]}]}}]");
  /* Neither temporality 0 nor a false is_monotonic is written. */
  assert_null(strstr(j, "aggregationTemporality"));
  assert_null(strstr(j, "isMonotonic"));

  /* Exponential: large scale and offsets, zero threshold -0 and 1e-300,
   * a present sum of 0, large counts, min and max. */
  uint64_t counts[2] = {UINT64_MAX, 0};
  otelc_exp_histogram_point ep = {.count = UINT64_MAX,
                                  .scale = 20,
                                  .zero_count = 0,
                                  .negative = {INT32_MIN, counts, 2},
                                  .positive = {INT32_MAX, counts + 1, 1},
                                  .zero_threshold = -0.0,
                                  .has_sum = true,
                                  .sum = 0,
                                  .has_min_max = true,
                                  .min = -1e300,
                                  .max = 1.5e-7,
                                  .flags = 1};
  m = (otelc_metric){.name = "e",
                     .type = OTELC_METRIC_EXP_HISTOGRAM,
                     .temporality = OTELC_TEMPORALITY_DELTA,
                     .n_points = 1,
                     .points.exp_histograms = &ep};
  j = encode(&b, &d);
  assert_has(j, "{\"count\":\"18446744073709551615\",\"sum\":0,\"scale\":20,"
                "\"positive\":{\"offset\":2147483647,\"bucketCounts\":[\"0\"]"
                "},\"negative\":{\"offset\":-2147483648,\"bucketCounts\":["
                "\"18446744073709551615\",\"0\"]},\"flags\":1,\"min\":-1e+300,"
                "\"max\":1.5e-07,\"zeroThreshold\":-0}");
  ep.zero_threshold = 1e-300;
  ep.has_sum = false;
  j = encode(&b, &d);
  assert_has(j, "\"zeroThreshold\":1e-300}");
  assert_null(strstr(j, "\"sum\""));

  /* Histogram: one bucket and no bounds; no bucket counts at all. */
  uint64_t one = 7;
  otelc_histogram_point hp = {.count = 7, .bucket_counts = &one};
  m = (otelc_metric){.name = "h",
                     .type = OTELC_METRIC_HISTOGRAM,
                     .n_points = 1,
                     .points.histograms = &hp};
  j = encode(&b, &d);
  assert_has(j, "{\"dataPoints\":[{\"count\":\"7\",\"bucketCounts\":[\"7\"]}"
                "]}");
  hp.bucket_counts = NULL;
  j = encode(&b, &d);
  assert_has(j, "{\"dataPoints\":[{\"count\":\"7\"}]}");
  otelc__buf_free(&b);
}

/* Strings are escaped and made valid UTF-8; every attribute kind is
 * written as the trace encoder writes it. */
static void test_strings_and_values(void **state) {
  (void)state;
  static const int64_t ints[] = {-1, 2};
  static const uint8_t bytes[] = {0xde, 0xad};
  otelc_attr attrs[] = {OTELC_STR("q", "a\"b\\\n\xff"),
                        OTELC_INT_ARRAY("ia", ints, 2),
                        OTELC_BYTES("by", bytes, 2),
                        OTELC_DOUBLE("d", 0.25),
                        {"e", {OTELC_VALUE_EMPTY, 0, {.str = NULL}}}};
  otelc_number_point np = {.attrs = attrs, .n_attrs = 5, .value.d = 1};
  otelc_metric m = {.name = "x\ty",
                    .description = "\xc3\xa9",
                    .unit = "\xe2\x82",
                    .type = OTELC_METRIC_GAUGE,
                    .n_points = 1,
                    .points.numbers = &np};
  otelc_scope_info sc = {.name = "s",
                         .version = "2",
                         .schema_url = "https://x/1",
                         .attrs = attrs + 3,
                         .n_attrs = 1};
  otelc_scope_metrics s = {&sc, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  const char *j = encode(&b, &d);
  assert_has(j, "\"scope\":{\"name\":\"s\",\"version\":\"2\",\"attributes\":"
                "[{\"key\":\"d\",\"value\":{\"doubleValue\":0.25}}]},");
  assert_has(j, "{\"name\":\"x\\ty\",\"description\":\"\xc3\xa9\",\"unit\":"
                "\"\\ufffd\",\"gauge\":");
  assert_has(j, "{\"key\":\"q\",\"value\":{\"stringValue\":"
                "\"a\\\"b\\\\\\n\\ufffd\"}}");
  assert_has(j, "{\"key\":\"ia\",\"value\":{\"arrayValue\":{\"values\":[{"
                "\"intValue\":\"-1\"},{\"intValue\":\"2\"}]}}}");
  assert_has(j, "{\"key\":\"by\",\"value\":{\"bytesValue\":\"3q0=\"}}");
  assert_has(j, "{\"key\":\"e\",\"value\":{}}");
  assert_has(j, "],\"schemaUrl\":\"https://x/1\"}]}]}");
  otelc__buf_free(&b);
}

static void test_limit_and_nomem(void **state) {
  (void)state;
  otelc_attr big = OTELC_STRN("k", "short", OTELC__OTLP_MAX_REQUEST + 1);
  otelc_number_point np = {.attrs = &big, .n_attrs = 1, .value.d = 1};
  otelc_metric m = {.name = "g",
                    .type = OTELC_METRIC_GAUGE,
                    .n_points = 1,
                    .points.numbers = &np};
  otelc_scope_metrics s = {&kScope, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_metrics_json(&b, &d), OTELC_ERR_LIMIT);
  assert_true(b.failed);
  assert_int_equal(b.len, 0);
  otelc_otlp_buffer pub = {0};
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_JSON, &pub),
                   OTELC_ERR_LIMIT);
  assert_int_equal(pub.len, 0);
  otelc_otlp_buffer_free(&pub);

  /* Out of memory on a fresh buffer; then the buffer works again. */
  otelc__buf_free(&b);
  d = coll(kC_scopes, 1);
  otelc__alloc_fail_after(0);
  assert_int_equal(otelc__otlp_metrics_json(&b, &d), OTELC_ERR_NOMEM);
  otelc__alloc_fail_after(-1);
  assert_int_equal(b.len, 0);
  assert_string_equal(encode(&b, &d), kC_json);
  otelc__buf_free(&b);
}

static void test_no_allocation_when_warm(void **state) {
  (void)state;
  otelc_scope_metrics scopes[4] = {kA_scopes[0], kB_scopes[0], kC_scopes[0],
                                   kD_scopes[0]};
  otelc_resource_metrics d = coll(scopes, 4);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_metrics_json(&b, &d), OTELC_OK);
  size_t len = b.len;
  char *copy = malloc(len);
  assert_non_null(copy);
  memcpy(copy, b.data, len);

  unsigned long calls = otelc__alloc_calls();
  for (int i = 0; i < 3; i++)
    assert_int_equal(otelc__otlp_metrics_json(&b, &d), OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, copy, len);

  otelc_otlp_buffer pub = {0};
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_JSON, &pub),
                   OTELC_OK);
  calls = otelc__alloc_calls();
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_JSON, &pub),
                   OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(pub.len, len);
  assert_memory_equal(pub.data, copy, len);
  otelc_otlp_buffer_free(&pub);
  free(copy);
  otelc__buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_text),
      cmocka_unit_test(test_empty_left_out),
      cmocka_unit_test(test_special_values),
      cmocka_unit_test(test_strings_and_values),
      cmocka_unit_test(test_limit_and_nomem),
      cmocka_unit_test(test_no_allocation_when_warm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
