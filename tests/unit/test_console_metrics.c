/* The console metric exporter: the text of hand-built collections (sums,
 * gauges, histograms, exponential histograms, exemplars, escaping,
 * numbers, times), allocation failures, and the exporter itself through
 * the metrics SDK (temporality preferences, write errors). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/console/console_metrics.h"
#include "metrics/exp_histogram.h"
#include "otelc/metrics.h"
#include "otelc/resource.h"

#define T0 1700000000000000000ull /* 2023-11-14T22:13:20Z */
#define T1 (T0 + 1500000123ull)
#define T0S "2023-11-14T22:13:20.000000000Z"
#define T1S "2023-11-14T22:13:21.500000123Z"

/* ---------------------------------------------------------- utilities -- */

static char *text; /* the last formatted collection */

/* Format one scope holding @p metrics under a resource with
 * service.name=checkout into `text`. */
static const char *format(const otelc_metric *metrics, size_t n) {
  otelc_resource *res = NULL;
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("service.name", "checkout")),
                         NULL, &res),
      OTELC_OK);
  otelc_scope_info scope = {.name = "shop.lib", .version = "1.2"};
  otelc_scope_metrics sm = {
      .scope = &scope, .metrics = metrics, .n_metrics = n};
  otelc_resource_metrics rm = {.resource = res, .scopes = &sm, .n_scopes = 1};
  free(text);
  text = NULL;
  size_t len = 0;
  assert_int_equal(otelc__console_metrics_format(&rm, &text, &len), OTELC_OK);
  assert_int_equal(len, strlen(text));
  otelc_resource_release(res);
  return text;
}

/* The lines after the header and scope lines. */
static const char *body(const char *t) {
  const char *p = strchr(t, '\n');
  assert_non_null(p);
  p = strchr(p + 1, '\n');
  assert_non_null(p);
  return p + 1;
}

static int teardown(void **state) {
  (void)state;
  free(text);
  text = NULL;
  return 0;
}

/* ------------------------------------------------------------- formats -- */

/* Sums and gauges: header, scope, metric and point lines exactly. */
static void test_sum_and_gauge(void **state) {
  (void)state;
  otelc_attr attrs[] = {OTELC_STR("method", "GET"), OTELC_INT("status", 200)};
  otelc_number_point sum_pts[] = {{.attrs = attrs,
                                   .n_attrs = 2,
                                   .start_time_unix_nano = T0,
                                   .time_unix_nano = T1,
                                   .is_int = true,
                                   .value.i = 42},
                                  {.start_time_unix_nano = T0,
                                   .time_unix_nano = T1,
                                   .is_int = true,
                                   .value.i = -7}};
  otelc_number_point gauge_pt = {.time_unix_nano = T1, .value.d = 21.5};
  otelc_metric m[] = {{.name = "http.requests",
                       .description = "Requests served",
                       .unit = "{request}",
                       .type = OTELC_METRIC_SUM,
                       .temporality = OTELC_TEMPORALITY_CUMULATIVE,
                       .is_monotonic = true,
                       .n_points = 2,
                       .points.numbers = sum_pts},
                      {.name = "temperature",
                       .description = "",
                       .unit = "Cel",
                       .type = OTELC_METRIC_GAUGE,
                       .n_points = 1,
                       .points.numbers = &gauge_pt}};
  assert_string_equal(
      format(m, 2),
      "collection service=\"checkout\" scopes=1 metrics=2 points=3\n"
      "scope shop.lib version=1.2\n"
      "metric http.requests sum unit={request} temporality=cumulative "
      "monotonic=true \"Requests served\"\n"
      "  point method=\"GET\" status=200 value=42 start=" T0S " end=" T1S "\n"
      "  point value=-7 start=" T0S " end=" T1S "\n"
      "metric temperature gauge unit=Cel temporality=unspecified "
      "monotonic=false \"\"\n"
      "  point value=21.5 start=- end=" T1S "\n");
}

/* Explicit histograms: count, sum and min/max when kept, and only the
 * non-empty buckets as (lo,hi]:n. */
static void test_histogram(void **state) {
  (void)state;
  static const double bounds[] = {0, 5, 10};
  static const uint64_t counts[] = {1, 0, 3, 2}, none[] = {0, 0, 0, 0};
  otelc_attr route = OTELC_STR("route", "/a");
  otelc_histogram_point pts[] = {{.attrs = &route,
                                  .n_attrs = 1,
                                  .start_time_unix_nano = T0,
                                  .time_unix_nano = T1,
                                  .count = 6,
                                  .has_min_max = true,
                                  .min = -1,
                                  .max = 12.5,
                                  .bounds = bounds,
                                  .n_bounds = 3,
                                  .bucket_counts = counts},
                                 {.count = 0,
                                  .has_sum = true,
                                  .sum = 0,
                                  .bounds = bounds,
                                  .n_bounds = 3,
                                  .bucket_counts = none}};
  otelc_metric m = {.name = "latency",
                    .description = "Latency",
                    .unit = "ms",
                    .type = OTELC_METRIC_HISTOGRAM,
                    .temporality = OTELC_TEMPORALITY_DELTA,
                    .n_points = 2,
                    .points.histograms = pts};
  assert_string_equal(
      body(format(&m, 1)),
      "metric latency histogram unit=ms temporality=delta monotonic=false "
      "\"Latency\"\n"
      "  point route=\"/a\" count=6 min=-1 max=12.5 buckets=[(-inf,0]:1 "
      "(5,10]:3 (10,+inf):2] start=" T0S " end=" T1S "\n"
      "  point count=0 sum=0 buckets=[] start=- end=-\n");
}

/* Exponential histograms: scale, zero_count, negative buckets as
 * [-hi,-lo) from the most negative, then positive ones. */
static void test_exp_histogram(void **state) {
  (void)state;
  static const uint64_t pos[] = {1, 0, 2}, neg[] = {1}, four[] = {3};
  otelc_exp_histogram_point pts[] = {
      {.count = 6,
       .has_sum = true,
       .sum = 3.25,
       .scale = 0,
       .zero_count = 2,
       .positive = {.offset = -2, .counts = pos, .n = 3},
       .negative = {.offset = 1, .counts = neg, .n = 1}},
      {.count = 3,
       .has_min_max = true,
       .min = 1.5,
       .max = 3,
       .scale = -1,
       .positive = {.offset = 0, .counts = four, .n = 1},
       .zero_threshold = 1e-9,
       .start_time_unix_nano = T0,
       .time_unix_nano = T1}};
  otelc_metric m = {.name = "sizes",
                    .description = "Sizes",
                    .unit = "By",
                    .type = OTELC_METRIC_EXP_HISTOGRAM,
                    .temporality = OTELC_TEMPORALITY_CUMULATIVE,
                    .n_points = 2,
                    .points.exp_histograms = pts};
  /* scale 0: index -2 is (1/4, 1/2], 0 is (1, 2], 1 is (2, 4];
   * scale -1: index 0 is (1, 4] */
  assert_string_equal(
      body(format(&m, 1)),
      "metric sizes exp_histogram unit=By temporality=cumulative "
      "monotonic=false \"Sizes\"\n"
      "  point count=6 sum=3.25 scale=0 zero_count=2 buckets=[[-4,-2):1 "
      "(0.25,0.5]:1 (1,2]:2] start=- end=-\n"
      "  point count=3 min=1.5 max=3 scale=-1 zero_count=0 "
      "zero_threshold=1e-09 buckets=[(1,4]:3] start=" T0S " end=" T1S "\n");
}

/* At a positive scale the bounds are base^index and base^(index+1). */
static void test_exp_histogram_bounds(void **state) {
  (void)state;
  static const uint64_t pos[] = {4};
  otelc_exp_histogram_point pt = {
      .count = 4, .scale = 3, .positive = {.offset = 5, .counts = pos, .n = 1}};
  otelc_metric m = {.name = "x",
                    .type = OTELC_METRIC_EXP_HISTOGRAM,
                    .n_points = 1,
                    .points.exp_histograms = &pt};
  double lo = otelc__exph_lower_bound(5, 3), hi = otelc__exph_lower_bound(6, 3);
  assert_true(fabs(lo - 1.5422108254079407) < 1e-15); /* 2^(5/8) */
  assert_true(fabs(hi - 1.681792830507429) < 1e-15);  /* 2^(6/8) */
  char want[128];
  snprintf(want, sizeof want, "buckets=[(%.17g,%.17g]:4]", lo, hi);
  const char *t = format(&m, 1);
  if (!strstr(t, want)) {
    /* the printed numbers are the shortest that read back exactly */
    char a[32], b[32];
    snprintf(a, sizeof a, "%.15g", lo);
    snprintf(b, sizeof b, "%.15g", hi);
    if (strtod(a, NULL) == lo && strtod(b, NULL) == hi)
      snprintf(want, sizeof want, "buckets=[(%s,%s]:4]", a, b);
  }
  assert_non_null(strstr(t, want));
  assert_non_null(strstr(t, "metric x exp_histogram unit=\"\" "));
}

/* Exemplars with span ids in hex and filtered attributes; the flag for
 * points without a recorded value. */
static void test_exemplars(void **state) {
  (void)state;
  otelc_attr user = OTELC_STR("user", "u1");
  otelc_exemplar ex[2] = {{.filtered_attrs = &user,
                           .n_filtered_attrs = 1,
                           .time_unix_nano = T1,
                           .value.d = 0.5,
                           .has_span = true},
                          {.is_int = true, .value.i = 3}};
  for (int i = 0; i < 16; i++)
    ex[0].trace_id[i] = (uint8_t)(i + 1);
  for (int i = 0; i < 8; i++)
    ex[0].span_id[i] = (uint8_t)(0xa1 + i);
  otelc_number_point pts[] = {
      {.is_int = true, .value.i = 9, .exemplars = ex, .n_exemplars = 2},
      {.flags = OTELC_POINT_FLAG_NO_RECORDED_VALUE}};
  otelc_metric m = {.name = "c",
                    .type = OTELC_METRIC_SUM,
                    .n_points = 2,
                    .points.numbers = pts};
  const char *t = body(format(&m, 1));
  assert_non_null(
      strstr(t, "  point value=9 start=- end=- exemplars=[{value=0.5 time=" T1S
                " trace=0102030405060708090a0b0c0d0e0f10 span=a1a2a3a4a5a6a7a8 "
                "user=\"u1\"} {value=3 time=-}]\n"));
  assert_non_null(strstr(t, "  point value=0 start=- end=- "
                            "no_recorded_value\n"));
}

/* Attribute values of every type; quoting and escaping of strings,
 * keys, names, units and descriptions. */
static void test_escaping_and_values(void **state) {
  (void)state;
  static const uint8_t bytes[] = {0xde, 0xad};
  static const int64_t ints[] = {1, 2};
  static const char *const strs[] = {"a", NULL};
  otelc_attr kv = OTELC_INT("k", 1);
  otelc_attr attrs[] = {
      OTELC_STR("user name", "say \"hi\"\n\x01\xff\xc3\xa9\\"),
      OTELC_BOOL("ok", true),
      OTELC_DOUBLE("ratio", 0.1),
      OTELC_BYTES("raw", bytes, 2),
      OTELC_INT_ARRAY("ints", ints, 2),
      OTELC_STR_ARRAY("strs", strs, 2),
      {"map", {OTELC_VALUE_MAP, 1, {.kvs = &kv}}},
      {"empty", {OTELC_VALUE_EMPTY, 0, {.str = NULL}}},
  };
  otelc_number_point pt = {.attrs = attrs, .n_attrs = 8, .is_int = true};
  otelc_metric m = {.name = "a=b",
                    .description = "a \"quoted\" desc",
                    .unit = "",
                    .type = OTELC_METRIC_GAUGE,
                    .n_points = 1,
                    .points.numbers = &pt};
  assert_string_equal(
      body(format(&m, 1)),
      "metric \"a=b\" gauge unit=\"\" temporality=unspecified monotonic=false "
      "\"a \\\"quoted\\\" desc\"\n"
      "  point \"user name\"=\"say \\\"hi\\\"\\n\\x01\\xff\xc3\xa9\\\\\" "
      "ok=true ratio=0.1 raw=0xdead ints=[1, 2] strs=[\"a\", null] "
      "map={k=1} empty=null value=0 start=- end=-\n");
}

/* Doubles print in the shortest form that reads back exactly. */
static void test_numbers(void **state) {
  (void)state;
  const double v[] = {0.1, 1.0 / 3,   1e300,
                      NAN, -INFINITY, 1.2345678901234568e17};
  const char *want[] = {"0.1",  "0.33333333333333331",   "1e+300", "nan",
                        "-inf", "1.2345678901234568e+17"};
  otelc_number_point pts[7];
  memset(pts, 0, sizeof pts);
  for (int i = 0; i < 6; i++)
    pts[i].value.d = v[i];
  pts[6].is_int = true;
  pts[6].value.i = INT64_MIN;
  otelc_metric m = {.name = "n",
                    .type = OTELC_METRIC_GAUGE,
                    .n_points = 7,
                    .points.numbers = pts};
  const char *t = format(&m, 1);
  char line[96];
  for (int i = 0; i < 6; i++) {
    snprintf(line, sizeof line, "  point value=%s start=", want[i]);
    if (!strstr(t, line))
      fail_msg("missing \"%s\" in:\n%s", line, t);
  }
  assert_non_null(strstr(t, "value=-9223372036854775808 "));
}

/* An empty collection is its header line; a missing resource or scope
 * prints "-" and "". */
static void test_empty_collection(void **state) {
  (void)state;
  otelc_resource_metrics rm = {0};
  char *out = NULL;
  size_t len = 1;
  assert_int_equal(otelc__console_metrics_format(&rm, &out, &len), OTELC_OK);
  assert_string_equal(out, "collection service=- scopes=0 metrics=0 "
                           "points=0\n");
  otelc__free(out);
  otelc_scope_metrics sm = {0};
  rm.scopes = &sm;
  rm.n_scopes = 1;
  assert_int_equal(otelc__console_metrics_format(&rm, &out, &len), OTELC_OK);
  assert_string_equal(out, "collection service=- scopes=1 metrics=0 "
                           "points=0\nscope \"\"\n");
  otelc__free(out);
  assert_int_equal(otelc__console_metrics_format(NULL, &out, &len),
                   OTELC_ERR_INVALID_ARG);
  assert_null(out);
}

/* Running out of memory while formatting fails cleanly. */
static void test_alloc_failure(void **state) {
  (void)state;
  otelc_number_point pts[200];
  memset(pts, 0, sizeof pts);
  otelc_metric m = {.name = "n",
                    .type = OTELC_METRIC_SUM,
                    .n_points = 200,
                    .points.numbers = pts};
  otelc_scope_metrics sm = {.metrics = &m, .n_metrics = 1};
  otelc_resource_metrics rm = {.scopes = &sm, .n_scopes = 1};
  for (long n = 0; n < 4; n++) {
    char *out = (char *)&m;
    size_t len = 1;
    otelc__alloc_fail_after(n);
    otelc_status st = otelc__console_metrics_format(&rm, &out, &len);
    otelc__alloc_fail_after(-1);
    if (st == OTELC_OK) {
      assert_true(n > 0);
      otelc__free(out);
      continue;
    }
    assert_int_equal(st, OTELC_ERR_NOMEM);
    assert_null(out);
    assert_int_equal(len, 0);
  }
}

/* ------------------------------------------------- through the SDK -- */

typedef struct pipeline {
  otelc_meter_provider *mp;
  otelc_counter *counter;
} pipeline;

/* A provider with a manually ticked periodic reader exporting to a
 * console exporter on @p out. */
static void pipeline_new(pipeline *p, FILE *out,
                         otelc_temporality_preference pref) {
  otelc_console_metric_opts o = {.out = out, .temporality = pref};
  otelc_metric_exporter *e = NULL;
  assert_int_equal(otelc_console_metric_exporter_new(&o, &e), OTELC_OK);
  otelc_periodic_reader_opts ro = {
      .interval_ms = 60000, .timeout_ms = 5000, .manual_tick = true};
  otelc_metric_reader *r = NULL;
  assert_int_equal(otelc_periodic_reader_new(e, &ro, &r), OTELC_OK);
  otelc_meter_provider_opts po = {.readers = &r, .n_readers = 1};
  assert_int_equal(otelc_meter_provider_new(&po, &p->mp), OTELC_OK);
  otelc_scope_info scope = {.name = "test.scope"};
  otelc_meter *m = otelc_meter_provider_get_meter(p->mp, &scope);
  otelc_instrument_opts io = {.unit = "1", .description = "Requests"};
  p->counter = otelc_meter_counter(m, "requests", &io);
}

/* The exporter prints what a reader collects, with the temporality of
 * its preference; PREF_DEFAULT is cumulative whatever the environment. */
static void test_exporter_through_sdk(void **state) {
  (void)state;
  static const struct {
    otelc_temporality_preference pref;
    const char *want;
  } cases[] = {
      {OTELC_TEMPORALITY_PREF_DELTA, "temporality=delta"},
      {OTELC_TEMPORALITY_PREF_DEFAULT, "temporality=cumulative"},
  };
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta", 1);
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    pipeline p;
    pipeline_new(&p, f, cases[i].pref);
    otelc_counter_add(p.counter, 5, OTELC_ATTRS(OTELC_STR("k", "v")));
    assert_int_equal(otelc_meter_provider_force_flush(p.mp, 5000), OTELC_OK);
    fflush(f);
    assert_non_null(strstr(out, "\nscope test.scope\n"));
    char want[160];
    snprintf(want, sizeof want,
             "metric requests sum unit=1 %s monotonic=true \"Requests\"\n"
             "  point k=\"v\" value=5 start=",
             cases[i].want);
    if (!strstr(out, want))
      fail_msg("missing \"%s\" in:\n%s", want, out);
    otelc_meter_provider_free(p.mp);
    fclose(f);
    free(out);
  }
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
}

/* Diagnostics that come from the console metric exporter. */
static int console_warnings;

static void count_console(otelc_log_level level, const char *msg,
                          void *user_data) {
  (void)level;
  (void)user_data;
  if (strstr(msg, "console metric exporter"))
    console_warnings++;
}

/* A stream that cannot be written fails the export, is reported once
 * while it keeps failing, and does nothing worse. */
static void test_write_errors(void **state) {
  (void)state;
  FILE *f = fopen("/dev/full", "w");
  if (!f)
    skip();
  pipeline p;
  pipeline_new(&p, f, OTELC_TEMPORALITY_PREF_CUMULATIVE);
  console_warnings = 0;
  otelc_diag_set_level(OTELC_LOG_WARN);
  otelc_diag_set_handler(count_console, NULL);
  otelc_counter_add(p.counter, 1, NULL, 0);
  assert_int_not_equal(otelc_meter_provider_force_flush(p.mp, 5000), OTELC_OK);
  otelc_counter_add(p.counter, 1, NULL, 0);
  assert_int_not_equal(otelc_meter_provider_force_flush(p.mp, 5000), OTELC_OK);
  assert_int_equal(console_warnings, 1);
  otelc_diag_set_handler(NULL, NULL);
  otelc_meter_provider_free(p.mp);
  fclose(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_sum_and_gauge, teardown),
      cmocka_unit_test_teardown(test_histogram, teardown),
      cmocka_unit_test_teardown(test_exp_histogram, teardown),
      cmocka_unit_test_teardown(test_exp_histogram_bounds, teardown),
      cmocka_unit_test_teardown(test_exemplars, teardown),
      cmocka_unit_test_teardown(test_escaping_and_values, teardown),
      cmocka_unit_test_teardown(test_numbers, teardown),
      cmocka_unit_test(test_empty_collection),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_exporter_through_sdk),
      cmocka_unit_test(test_write_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
