/* OTLP protobuf encoding of metrics: exact bytes of small requests (as
 * the official opentelemetry-proto schema encodes the same messages) for
 * every point kind, edge values read back field by field, what is left
 * out, invalid collections, the request limit, running out of memory,
 * and allocation-free re-encoding. */
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

/* ------------------------------------------------------------------ */
/* Collections                                                         */
/* ------------------------------------------------------------------ */

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

static const uint8_t kA_bytes[] = {
    0x0a, 0x31, 0x0a, 0x00, 0x12, 0x2d, 0x0a, 0x03, 0x0a, 0x01, 0x73,
    0x12, 0x26, 0x0a, 0x01, 0x63, 0x3a, 0x21, 0x0a, 0x1b, 0x11, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x05, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x10, 0x02, 0x18, 0x01};

/* B: a gauge with a description, unit, attributes, a flag and an as_int
 * of 0; a resource and scope with schema URLs (the resource is made in
 * the test). */
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

static const uint8_t kB_bytes[] = {
    0x0a, 0x6a, 0x0a, 0x17, 0x0a, 0x15, 0x0a, 0x0c, 0x73, 0x65, 0x72, 0x76,
    0x69, 0x63, 0x65, 0x2e, 0x6e, 0x61, 0x6d, 0x65, 0x12, 0x05, 0x0a, 0x03,
    0x73, 0x76, 0x63, 0x12, 0x4c, 0x0a, 0x06, 0x0a, 0x01, 0x73, 0x12, 0x01,
    0x31, 0x12, 0x3f, 0x0a, 0x01, 0x67, 0x12, 0x01, 0x64, 0x1a, 0x01, 0x31,
    0x2a, 0x34, 0x0a, 0x1e, 0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xc0, 0x3a, 0x08,
    0x0a, 0x01, 0x6b, 0x12, 0x03, 0x0a, 0x01, 0x76, 0x40, 0x01, 0x0a, 0x12,
    0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x01, 0x75, 0x1a, 0x01, 0x72};

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

static const uint8_t kC_bytes[] = {
    0x0a, 0xb3, 0x01, 0x0a, 0x00, 0x12, 0xae, 0x01, 0x0a, 0x03, 0x0a, 0x01,
    0x73, 0x12, 0xa6, 0x01, 0x0a, 0x01, 0x68, 0x4a, 0xa0, 0x01, 0x0a, 0x9b,
    0x01, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a,
    0x40, 0x32, 0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x3a, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x40, 0x42, 0x37, 0x11,
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x04, 0x40, 0x22, 0x08, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0x2a, 0x10, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x3a, 0x07, 0x0a,
    0x01, 0x66, 0x12, 0x02, 0x18, 0x01, 0x59, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xe0, 0x3f, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x40,
    0x10, 0x01};

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

static const uint8_t kD_bytes[] = {
    0x0a, 0x58, 0x0a, 0x00, 0x12, 0x54, 0x0a, 0x03, 0x0a, 0x01, 0x73, 0x12,
    0x4d, 0x0a, 0x01, 0x65, 0x52, 0x48, 0x0a, 0x44, 0x0a, 0x07, 0x0a, 0x01,
    0x62, 0x12, 0x02, 0x10, 0x01, 0x19, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x21, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30,
    0x01, 0x39, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, 0x06,
    0x08, 0x03, 0x12, 0x02, 0x01, 0x02, 0x4a, 0x00, 0x5a, 0x12, 0x11, 0x05,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0xf9, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x10, 0x02};

static otelc_resource_metrics coll(const otelc_scope_metrics *s, size_t n) {
  return (otelc_resource_metrics){NULL, s, n};
}

/* Encode @p d with the internal encoder into @p b and check it. */
static void expect_bytes(otelc__buf *b, const otelc_resource_metrics *d,
                         const uint8_t *want, size_t n) {
  assert_int_equal(otelc__otlp_metrics_check(d), OTELC_OK);
  assert_int_equal(otelc__otlp_metrics_pb(b, d), OTELC_OK);
  assert_false(b->failed);
  assert_int_equal(b->len, n);
  assert_memory_equal(b->data, want, n);
}

/* ------------------------------------------------------------------ */
/* A small protobuf reader                                             */
/* ------------------------------------------------------------------ */

typedef struct pb {
  const uint8_t *p;
  size_t n;
} pb;

static uint64_t t_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    assert_true(shift <= 63 && *p < end);
    uint8_t c = *(*p)++;
    v |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80))
      return v;
  }
}

/* Field @p num (occurrence @p idx): its varint or fixed value, or its
 * bytes in @p sub. Fails when absent. */
static uint64_t t_field(pb m, uint32_t num, size_t idx, pb *sub) {
  const uint8_t *p = m.p, *end = m.p + m.n;
  while (p < end) {
    uint64_t tag = t_varint(&p, end), v = 0;
    pb s = {NULL, 0};
    switch (tag & 7) {
    case 0:
      v = t_varint(&p, end);
      break;
    case 1:
      assert_true(end - p >= 8);
      memcpy(&v, p, 8);
      p += 8;
      break;
    case 2:
      v = t_varint(&p, end);
      assert_true(v <= (uint64_t)(end - p));
      s = (pb){p, (size_t)v};
      p += v;
      break;
    default:
      fail_msg("wire type %u", (unsigned)(tag & 7));
    }
    if ((tag >> 3) == num && idx-- == 0) {
      if (sub)
        *sub = s;
      return v;
    }
  }
  fail_msg("field %u not found", num);
  return 0;
}

static pb t_msg(pb m, uint32_t num, size_t idx) {
  pb s;
  t_field(m, num, idx, &s);
  return s;
}

/* The first point of the first metric of a one-point request. */
static pb t_point(const otelc__buf *b, uint32_t container) {
  pb req = {b->data, b->len};
  pb metric = t_msg(t_msg(t_msg(req, 1, 0), 2, 0), 2, 0);
  return t_msg(t_msg(metric, container, 0), 1, 0);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_exact_bytes(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_resource_metrics d = coll(kA_scopes, 1);
  expect_bytes(&b, &d, kA_bytes, sizeof kA_bytes);

  otelc_resource *r = NULL;
  assert_int_equal(otelc_resource_new(
                       OTELC_ATTRS(OTELC_STR("service.name", "svc")), "r", &r),
                   OTELC_OK);
  d = (otelc_resource_metrics){r, kB_scopes, 1};
  expect_bytes(&b, &d, kB_bytes, sizeof kB_bytes);
  otelc_resource_release(r);

  d = coll(kC_scopes, 1);
  expect_bytes(&b, &d, kC_bytes, sizeof kC_bytes);
  d = coll(kD_scopes, 1);
  expect_bytes(&b, &d, kD_bytes, sizeof kD_bytes);
  otelc__buf_free(&b);
}

/* Metrics without points, and scopes without such metrics, are left out:
 * the bytes are those of A alone. With no points at all the request is
 * empty. */
static void test_empty_left_out(void **state) {
  (void)state;
  otelc_metric metrics[3] = {kA_metrics[0], kA_metrics[0], kA_metrics[0]};
  metrics[0].n_points = 0;
  metrics[0].name = "empty.first";
  metrics[2].n_points = 0;
  metrics[2].type = OTELC_METRIC_HISTOGRAM;
  otelc_scope_info other = {.name = "other", .schema_url = "x"};
  otelc_scope_metrics scopes[3] = {
      {&other, metrics, 1}, {&kScope, metrics, 3}, {&other, NULL, 0}};
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_resource_metrics d = coll(scopes, 3);
  expect_bytes(&b, &d, kA_bytes, sizeof kA_bytes);
  assert_int_equal(otelc__otlp_metrics_points(&d), 1);

  d = coll(scopes, 1);
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  assert_int_equal(b.len, 0);
  d = coll(NULL, 0);
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  assert_int_equal(b.len, 0);
  otelc__buf_free(&b);
}

static void test_edge_values(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);

  /* as_int is sfixed64: INT64_MIN as its two's complement. */
  otelc_number_point np = {.time_unix_nano = UINT64_MAX,
                           .is_int = true,
                           .value.i = INT64_MIN,
                           .flags = 0x80};
  otelc_metric m = {.name = "n",
                    .type = OTELC_METRIC_SUM,
                    .temporality = OTELC_TEMPORALITY_DELTA,
                    .n_points = 1,
                    .points.numbers = &np};
  otelc_scope_metrics s = {NULL, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  pb pt = t_point(&b, 7);
  assert_int_equal(t_field(pt, 6, 0, NULL), (uint64_t)INT64_MIN);
  assert_int_equal(t_field(pt, 3, 0, NULL), UINT64_MAX);
  assert_int_equal(t_field(pt, 8, 0, NULL), 0x80);
  /* A non-monotonic sum has no is_monotonic field; a delta one says 1. */
  pb req = {b.data, b.len};
  pb sum = t_msg(t_msg(t_msg(t_msg(req, 1, 0), 2, 0), 2, 0), 7, 0);
  assert_int_equal(t_field(sum, 2, 0, NULL), 1);
  assert_memory_equal(sum.p + sum.n - 2, "\x10\x01", 2);

  /* A NaN keeps its bits; an as_double of 0 is written. */
  np = (otelc_number_point){.value.d = NAN};
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  double back;
  uint64_t bits = t_field(t_point(&b, 7), 4, 0, NULL);
  memcpy(&back, &bits, 8);
  assert_true(isnan(back));
  np.value.d = 0;
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  pt = t_point(&b, 7);
  assert_int_equal(pt.n, 9);
  assert_int_equal(pt.p[0], 0x21);

  /* Exponential: scale 20 (zig-zag 40), offset INT32_MIN (zig-zag
   * 0xFFFFFFFF), a count of UINT64_MAX (ten varint bytes), zero
   * threshold -0 (written: not the default's bits), sum present at 0. */
  uint64_t counts[2] = {UINT64_MAX, 0};
  otelc_exp_histogram_point ep = {.scale = 20,
                                  .negative = {INT32_MIN, counts, 2},
                                  .positive = {INT32_MAX, counts + 1, 1},
                                  .zero_threshold = -0.0,
                                  .has_sum = true,
                                  .sum = 0};
  m = (otelc_metric){.name = "e",
                     .type = OTELC_METRIC_EXP_HISTOGRAM,
                     .n_points = 1,
                     .points.exp_histograms = &ep};
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  pt = t_point(&b, 10);
  assert_int_equal(t_field(pt, 6, 0, NULL), 40);
  assert_int_equal(t_field(pt, 5, 0, NULL), 0);
  assert_int_equal(t_field(pt, 14, 0, NULL), 0x8000000000000000u);
  pb neg = t_msg(pt, 9, 0), pos = t_msg(pt, 8, 0);
  assert_int_equal(t_field(neg, 1, 0, NULL), 0xFFFFFFFFu);
  pb packed = t_msg(neg, 2, 0);
  assert_int_equal(packed.n, 11);
  assert_int_equal(t_field(pos, 1, 0, NULL), 0xFFFFFFFEu);
  assert_memory_equal(t_msg(pos, 2, 0).p, "\x00", 1);

  /* Explicit histogram: one bucket (counts but no bounds), no sum. */
  uint64_t one = 7;
  otelc_histogram_point hp = {.count = 7, .bucket_counts = &one};
  m = (otelc_metric){.name = "h",
                     .type = OTELC_METRIC_HISTOGRAM,
                     .n_points = 1,
                     .points.histograms = &hp};
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  pt = t_point(&b, 9);
  assert_int_equal(t_msg(pt, 6, 0).n, 8);
  static const uint8_t want[] = {0x21, 7, 0, 0, 0, 0, 0, 0, 0, 0x32,
                                 8,    7, 0, 0, 0, 0, 0, 0, 0};
  assert_int_equal(pt.n, sizeof want);
  assert_memory_equal(pt.p, want, sizeof want);
  /* No bucket counts: neither counts nor bounds. */
  hp.bucket_counts = NULL;
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  assert_int_equal(t_point(&b, 9).n, 9);
  otelc__buf_free(&b);
}

/* Invalid UTF-8 in names and strings becomes U+FFFD. */
static void test_utf8_repair(void **state) {
  (void)state;
  otelc_metric m = kA_metrics[0];
  m.name = "a\xffz";
  m.unit = "\xc3";
  otelc_scope_metrics s = {&kScope, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  pb req = {b.data, b.len};
  pb metric = t_msg(t_msg(t_msg(req, 1, 0), 2, 0), 2, 0);
  pb name = t_msg(metric, 1, 0), unit = t_msg(metric, 3, 0);
  assert_int_equal(name.n, 5);
  assert_memory_equal(name.p, "a\xef\xbf\xbdz", 5);
  assert_int_equal(unit.n, 3);
  assert_memory_equal(unit.p, "\xef\xbf\xbd", 3);
  otelc__buf_free(&b);
}

static void test_invalid(void **state) {
  (void)state;
  otelc_otlp_buffer buf = {0};
  otelc_resource_metrics d = coll(kA_scopes, 1);
  assert_int_equal(otelc_otlp_encode_metrics(NULL, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_metrics(&d, (otelc_otlp_format)7, &buf),
                   OTELC_ERR_INVALID_ARG);
  d = coll(NULL, 1);
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_ERR_INVALID_ARG);

  otelc_metric m = kA_metrics[0];
  otelc_scope_metrics s = {&kScope, NULL, 1};
  d = coll(&s, 1);
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_ERR_INVALID_ARG);
  s.metrics = &m;
  m.type = (otelc_metric_type)9;
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_ERR_INVALID_ARG);
  m = kA_metrics[0];
  m.points.numbers = NULL;
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_ERR_INVALID_ARG);

  otelc_histogram_point hp = {.n_bounds = 2};
  m = (otelc_metric){.name = "h",
                     .type = OTELC_METRIC_HISTOGRAM,
                     .n_points = 1,
                     .points.histograms = &hp};
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_ERR_INVALID_ARG);
  hp.bucket_counts = kC_counts;
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_ERR_INVALID_ARG);
  hp.bounds = kC_bounds;
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_OK);

  otelc_exp_histogram_point ep = {.positive = {0, NULL, 1}};
  m = (otelc_metric){.name = "e",
                     .type = OTELC_METRIC_EXP_HISTOGRAM,
                     .n_points = 1,
                     .points.exp_histograms = &ep};
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_ERR_INVALID_ARG);
  ep.positive.n = 0;
  ep.negative = (otelc_exp_buckets){0, NULL, 2};
  assert_int_equal(otelc__otlp_metrics_check(&d), OTELC_ERR_INVALID_ARG);
  ep.negative.n = 0;
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_OK);
  assert_true(buf.len > 0);
  otelc_otlp_buffer_free(&buf);
}

/* A value claiming the whole request size, and bounds more numerous than
 * a request holds: refused before they are read. */
static void test_request_limit(void **state) {
  (void)state;
  otelc_attr big = OTELC_STRN("k", "short", OTELC__OTLP_MAX_REQUEST);
  otelc_number_point np = {.attrs = &big, .n_attrs = 1, .value.d = 1};
  otelc_metric m = {.name = "g",
                    .type = OTELC_METRIC_GAUGE,
                    .n_points = 1,
                    .points.numbers = &np};
  otelc_scope_metrics s = {&kScope, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_ERR_LIMIT);
  assert_true(b.failed);
  assert_int_equal(b.len, 0);

  uint64_t counts[2] = {0, 0};
  otelc_histogram_point hp = {.bounds = kC_bounds,
                              .n_bounds = OTELC__OTLP_MAX_REQUEST / 8 + 1,
                              .bucket_counts = counts};
  m = (otelc_metric){.name = "h",
                     .type = OTELC_METRIC_HISTOGRAM,
                     .n_points = 1,
                     .points.histograms = &hp};
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_ERR_LIMIT);
  otelc_exp_histogram_point ep = {
      .positive = {0, counts, OTELC__OTLP_MAX_REQUEST / 10 + 1}};
  m = (otelc_metric){.name = "e",
                     .type = OTELC_METRIC_EXP_HISTOGRAM,
                     .n_points = 1,
                     .points.exp_histograms = &ep};
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_ERR_LIMIT);

  /* The buffer is usable again. */
  d = coll(kA_scopes, 1);
  expect_bytes(&b, &d, kA_bytes, sizeof kA_bytes);
  otelc__buf_free(&b);
}

/* Many points from a small buffer (growth part way), then out of memory
 * at each allocation in turn. */
static void test_growth_and_nomem(void **state) {
  (void)state;
  enum { N = 2000 };
  otelc_histogram_point *pts = calloc(N, sizeof *pts);
  assert_non_null(pts);
  for (size_t i = 0; i < N; i++)
    pts[i] = kC_points[0];
  otelc_metric m = kC_metrics[0];
  m.n_points = N;
  m.points.histograms = pts;
  otelc_scope_metrics s = {&kScope, &m, 1};
  otelc_resource_metrics d = coll(&s, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_true(otelc__buf_grow(&b, 1));
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  pb req = {b.data, b.len};
  pb hist = t_msg(t_msg(t_msg(t_msg(req, 1, 0), 2, 0), 2, 0), 9, 0);
  size_t off_last = 0;
  pb last = t_msg(hist, 1, N - 1);
  off_last = (size_t)(last.p - b.data);
  assert_true(off_last > 0);
  assert_int_equal(last.n, 0x9b);
  assert_memory_equal(last.p, kC_bytes + 25, 0x9b);

  for (long k = 0; k < 4; k++) {
    otelc__buf c;
    otelc__buf_init(&c);
    otelc__alloc_fail_after(k);
    otelc_status st = otelc__otlp_metrics_pb(&c, &d);
    otelc__alloc_fail_after(-1);
    if (st != OTELC_OK) {
      assert_int_equal(st, OTELC_ERR_NOMEM);
      assert_true(c.failed);
      assert_int_equal(c.len, 0);
    }
    otelc__buf_free(&c);
  }
  otelc__buf_free(&b);
  free(pts);
}

static void test_no_allocation_when_warm(void **state) {
  (void)state;
  otelc_scope_metrics scopes[4] = {kA_scopes[0], kB_scopes[0], kC_scopes[0],
                                   kD_scopes[0]};
  otelc_resource_metrics d = coll(scopes, 4);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  size_t len = b.len;
  uint8_t *copy = malloc(len);
  assert_non_null(copy);
  memcpy(copy, b.data, len);

  unsigned long calls = otelc__alloc_calls();
  for (int i = 0; i < 3; i++)
    assert_int_equal(otelc__otlp_metrics_pb(&b, &d), OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, copy, len);

  otelc_otlp_buffer pub = {0};
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, &pub),
                   OTELC_OK);
  calls = otelc__alloc_calls();
  assert_int_equal(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, &pub),
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
      cmocka_unit_test(test_exact_bytes),
      cmocka_unit_test(test_empty_left_out),
      cmocka_unit_test(test_edge_values),
      cmocka_unit_test(test_utf8_repair),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_request_limit),
      cmocka_unit_test(test_growth_and_nomem),
      cmocka_unit_test(test_no_allocation_when_warm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
