/* otelc_prometheus_write on hand-built collections: the exact text for
 * each rule (types and suffixes, histogram buckets, labels and their
 * collisions, scope labels, target_info, escapes, families merged across
 * scopes, conflicts), the options, and failures. */
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
#include "otelc/prometheus.h"
#include "otelc/resource.h"
#include "test_helpers.h"

/* ------------------------------------------------------------- fixture -- */

static otelc_otlp_buffer BUF;
static char TEXT[16384];

static int teardown(void **state) {
  (void)state;
  otelc_otlp_buffer_free(&BUF);
  test_diag_release();
  return 0;
}

/* Write @p d with @p opts; the text, NUL-terminated. */
static const char *write_text(const otelc_resource_metrics *d,
                              const otelc_prometheus_opts *opts) {
  assert_int_equal(otelc_prometheus_write(d, opts, &BUF), OTELC_OK);
  assert_true(BUF.len < sizeof TEXT);
  memcpy(TEXT, BUF.data, BUF.len);
  TEXT[BUF.len] = '\0';
  return TEXT;
}

static const otelc_prometheus_opts NO_TARGET = {.without_target_info = true};
static const otelc_prometheus_opts BARE = {.without_target_info = true,
                                           .without_scope_labels = true};

#define NUM_I(v, ...)                                                          \
  {                                                                            \
    .attrs = (const otelc_attr[]){__VA_ARGS__},                                \
    .n_attrs = sizeof((const otelc_attr[]){__VA_ARGS__}) / sizeof(otelc_attr), \
    .is_int = true, .value.i = (v)                                             \
  }
#define NUM_D(v, ...)                                                          \
  {                                                                            \
    .attrs = (const otelc_attr[]){__VA_ARGS__},                                \
    .n_attrs = sizeof((const otelc_attr[]){__VA_ARGS__}) / sizeof(otelc_attr), \
    .is_int = false, .value.d = (v)                                            \
  }
#define NUM_NOATTR_I(v)                                                        \
  { .attrs = NULL, .n_attrs = 0, .is_int = true, .value.i = (v) }
#define NUM_NOATTR_D(v)                                                        \
  { .attrs = NULL, .n_attrs = 0, .is_int = false, .value.d = (v) }

static otelc_metric sum_metric(const char *name, const char *desc,
                               const char *unit, bool monotonic,
                               const otelc_number_point *pts, size_t n) {
  otelc_metric m = {.name = name,
                    .description = desc,
                    .unit = unit,
                    .type = OTELC_METRIC_SUM,
                    .temporality = OTELC_TEMPORALITY_CUMULATIVE,
                    .is_monotonic = monotonic,
                    .instrument_kind = monotonic
                                           ? OTELC_INSTRUMENT_COUNTER
                                           : OTELC_INSTRUMENT_UP_DOWN_COUNTER,
                    .n_points = n};
  m.points.numbers = pts;
  return m;
}

static otelc_metric gauge_metric(const char *name, const char *desc,
                                 const char *unit,
                                 const otelc_number_point *pts, size_t n) {
  otelc_metric m = {.name = name,
                    .description = desc,
                    .unit = unit,
                    .type = OTELC_METRIC_GAUGE,
                    .instrument_kind = OTELC_INSTRUMENT_GAUGE,
                    .n_points = n};
  m.points.numbers = pts;
  return m;
}

static otelc_metric hist_metric(const char *name, const char *desc,
                                const char *unit,
                                const otelc_histogram_point *pts, size_t n) {
  otelc_metric m = {.name = name,
                    .description = desc,
                    .unit = unit,
                    .type = OTELC_METRIC_HISTOGRAM,
                    .temporality = OTELC_TEMPORALITY_CUMULATIVE,
                    .instrument_kind = OTELC_INSTRUMENT_HISTOGRAM,
                    .n_points = n};
  m.points.histograms = pts;
  return m;
}

/* One scope holding @p metrics, no resource. */
#define ONE_SCOPE(scope_ptr, metrics)                                          \
  (otelc_resource_metrics) {                                                   \
    .resource = NULL,                                                          \
    .scopes =                                                                  \
        (const otelc_scope_metrics[]){                                         \
            {(scope_ptr), (metrics), sizeof(metrics) / sizeof((metrics)[0])}}, \
    .n_scopes = 1                                                              \
  }

static const otelc_scope_info LIB = {.name = "lib", .version = "1.2"};

/* -------------------------------------------------------------- types -- */

static void test_counter(void **state) {
  (void)state;
  const otelc_number_point pts[] = {
      NUM_I(7, OTELC_STR("http.method", "GET"), OTELC_INT("code", 200)),
      NUM_I(1, OTELC_STR("http.method", "POST"), OTELC_INT("code", 500)),
  };
  const otelc_number_point dpts[] = {NUM_NOATTR_D(2.5)};
  const otelc_metric m[] = {
      sum_metric("http.requests", "Requests served.", "{request}", true, pts,
                 2),
      sum_metric("io.read", "Bytes read.", "By", true, dpts, 1),
  };
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(write_text(&d, &NO_TARGET),
                      "# HELP http_requests_total Requests served.\n"
                      "# TYPE http_requests_total counter\n"
                      "http_requests_total{http_method=\"GET\",code=\"200\","
                      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\"} 7\n"
                      "http_requests_total{http_method=\"POST\",code=\"500\","
                      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\"} 1\n"
                      "# HELP io_read_bytes_total Bytes read.\n"
                      "# TYPE io_read_bytes_total counter\n"
                      "io_read_bytes_total{otel_scope_name=\"lib\","
                      "otel_scope_version=\"1.2\"} 2.5\n");
}

static void test_gauges_and_updown(void **state) {
  (void)state;
  const otelc_number_point g[] = {NUM_NOATTR_D(21.5)};
  const otelc_number_point u[] = {NUM_NOATTR_I(-3)};
  const otelc_number_point special[] = {
      NUM_D(NAN, OTELC_STR("k", "nan")),
      NUM_D(INFINITY, OTELC_STR("k", "pinf")),
      NUM_D(-INFINITY, OTELC_STR("k", "ninf")),
      NUM_I(INT64_MIN, OTELC_STR("k", "min")),
      NUM_D(0.005, OTELC_STR("k", "small")),
  };
  const otelc_metric m[] = {
      gauge_metric("room.temp", "", "Cel", g, 1),
      sum_metric("queue.depth", "Items queued.", "{item}", false, u, 1),
      gauge_metric("v", "Values.", "", special, 5),
  };
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(write_text(&d, &BARE),
                      "# TYPE room_temp_celsius gauge\n"
                      "room_temp_celsius 21.5\n"
                      "# HELP queue_depth Items queued.\n"
                      "# TYPE queue_depth gauge\n"
                      "queue_depth -3\n"
                      "# HELP v Values.\n"
                      "# TYPE v gauge\n"
                      "v{k=\"nan\"} NaN\n"
                      "v{k=\"pinf\"} +Inf\n"
                      "v{k=\"ninf\"} -Inf\n"
                      "v{k=\"min\"} -9223372036854775808\n"
                      "v{k=\"small\"} 0.005\n");
}

static void test_histogram(void **state) {
  (void)state;
  const double bounds[] = {0.005, 0.5, 5, 100};
  const uint64_t counts[] = {1, 2, 0, 3, 4};
  const otelc_attr attrs[] = {OTELC_STR("route", "/a")};
  const otelc_histogram_point pts[] = {
      {.attrs = attrs,
       .n_attrs = 1,
       .count = 10,
       .has_sum = true,
       .sum = 1234.25,
       .has_min_max = true,
       .min = 0.001,
       .max = 900,
       .bounds = bounds,
       .n_bounds = 4,
       .bucket_counts = counts},
  };
  const otelc_metric m[] = {
      hist_metric("http.server.request.duration", "Duration.", "s", pts, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(
      write_text(&d, &NO_TARGET),
      "# HELP http_server_request_duration_seconds Duration.\n"
      "# TYPE http_server_request_duration_seconds histogram\n"
      "http_server_request_duration_seconds_bucket{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\",le=\"0.005\"} 1\n"
      "http_server_request_duration_seconds_bucket{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\",le=\"0.5\"} 3\n"
      "http_server_request_duration_seconds_bucket{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\",le=\"5\"} 3\n"
      "http_server_request_duration_seconds_bucket{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\",le=\"100\"} 6\n"
      "http_server_request_duration_seconds_bucket{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\",le=\"+Inf\"} 10\n"
      "http_server_request_duration_seconds_sum{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\"} 1234.25\n"
      "http_server_request_duration_seconds_count{route=\"/a\","
      "otel_scope_name=\"lib\",otel_scope_version=\"1.2\"} 10\n");
}

static void test_histogram_without_sum_or_labels(void **state) {
  (void)state;
  const double bounds[] = {1};
  const uint64_t counts[] = {2, 1};
  const otelc_histogram_point pts[] = {
      /* Negative values may be in it: no _sum. */
      {.count = 3,
       .has_sum = false,
       .sum = -4,
       .bounds = bounds,
       .n_bounds = 1,
       .bucket_counts = counts},
      /* A single bucket: only +Inf; a point attribute "le" is dropped. */
      {.attrs = (const otelc_attr[]){OTELC_STR("le", "x"), OTELC_STR("z", "1")},
       .n_attrs = 2,
       .count = 2,
       .has_sum = true,
       .sum = 0.5,
       .bounds = NULL,
       .n_bounds = 0,
       .bucket_counts = NULL},
  };
  const otelc_metric m[] = {hist_metric("d", "D.", "", pts, 2)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(write_text(&d, &BARE), "# HELP d D.\n"
                                             "# TYPE d histogram\n"
                                             "d_bucket{le=\"1\"} 2\n"
                                             "d_bucket{le=\"+Inf\"} 3\n"
                                             "d_count 3\n"
                                             "d_bucket{z=\"1\",le=\"+Inf\"} 2\n"
                                             "d_sum{z=\"1\"} 0.5\n"
                                             "d_count{z=\"1\"} 2\n");
}

/* ------------------------------------------------------------- labels -- */

static void test_escapes(void **state) {
  (void)state;
  const otelc_number_point pts[] = {
      NUM_I(1, OTELC_STR("path", "C:\\dir \"q\"\nnext")),
  };
  const otelc_metric m[] = {
      gauge_metric("g", "Line one\nback\\slash \"quoted\"", "", pts, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(write_text(&d, &BARE),
                      "# HELP g Line one\\nback\\\\slash \"quoted\"\n"
                      "# TYPE g gauge\n"
                      "g{path=\"C:\\\\dir \\\"q\\\"\\nnext\"} 1\n");
}

static void test_label_collisions(void **state) {
  (void)state;
  /* Sorted by key as the SDK hands them over: "a.b" < "a/b" < "a_b". */
  const otelc_number_point pts[] = {
      NUM_I(1, OTELC_STR("a.b", "dot"), OTELC_STR("a/b", "slash"),
            OTELC_STR("a_b", "under"), OTELC_INT("b", 2)),
  };
  /* The same keys in another order join in the same order (the label
   * sits where its first key in that order is). */
  const otelc_number_point unsorted[] = {
      NUM_I(2, OTELC_STR("a_b", "under"), OTELC_INT("b", 2),
            OTELC_STR("a/b", "slash"), OTELC_STR("a.b", "dot")),
  };
  const otelc_metric m[] = {gauge_metric("g", "G.", "", pts, 1),
                            gauge_metric("h", "H.", "", unsorted, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(write_text(&d, &BARE),
                      "# HELP g G.\n"
                      "# TYPE g gauge\n"
                      "g{a_b=\"dot;slash;under\",b=\"2\"} 1\n"
                      "# HELP h H.\n"
                      "# TYPE h gauge\n"
                      "h{b=\"2\",a_b=\"dot;slash;under\"} 2\n");
}

static void test_label_value_types(void **state) {
  (void)state;
  const int64_t ints[] = {1, 2};
  const otelc_number_point pts[] = {
      NUM_I(1, OTELC_BOOL("ok", true), OTELC_DOUBLE("ratio", 0.25),
            OTELC_INT_ARRAY("ids", ints, 2), OTELC_BYTES("raw", "hi", 2),
            OTELC_STR("", "no key")),
  };
  const otelc_metric m[] = {gauge_metric("g", "G.", "", pts, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  assert_string_equal(write_text(&d, &BARE),
                      "# HELP g G.\n"
                      "# TYPE g gauge\n"
                      "g{ok=\"true\",ratio=\"0.25\",ids=\"[1,2]\","
                      "raw=\"aGk=\"} 1\n");
}

static void test_scope_labels(void **state) {
  (void)state;
  const otelc_attr scope_attrs[] = {
      OTELC_STR("team", "core"),
      OTELC_STR("name", "clashes with otel_scope_name"),
      OTELC_STR("route", "clashes with a point attribute"),
  };
  const otelc_scope_info scope = {.name = "my.lib",
                                  .version = "2.0",
                                  .schema_url = "https://s/1.0",
                                  .attrs = scope_attrs,
                                  .n_attrs = 3};
  const otelc_number_point pts[] = {
      NUM_I(4, OTELC_STR("otel.scope.name", "reserved"),
            OTELC_STR("otel_scope_route", "mine")),
  };
  const otelc_metric m[] = {gauge_metric("g", "G.", "", pts, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&scope, m);
  assert_string_equal(
      write_text(&d, &NO_TARGET),
      "# HELP g G.\n"
      "# TYPE g gauge\n"
      "g{otel_scope_route=\"mine\",otel_scope_name=\"my.lib\","
      "otel_scope_version=\"2.0\",otel_scope_schema_url=\"https://s/1.0\","
      "otel_scope_team=\"core\"} 4\n");
  /* Without scope labels the point's own attributes are all kept. */
  assert_string_equal(write_text(&d, &BARE), "# HELP g G.\n"
                                             "# TYPE g gauge\n"
                                             "g{otel_scope_name=\"reserved\","
                                             "otel_scope_route=\"mine\"} 4\n");
  /* A scope without version: no empty label. */
  const otelc_scope_info bare_scope = {.name = "x"};
  otelc_resource_metrics d2 = ONE_SCOPE(&bare_scope, m);
  assert_string_equal(write_text(&d2, &NO_TARGET),
                      "# HELP g G.\n"
                      "# TYPE g gauge\n"
                      "g{otel_scope_route=\"mine\",otel_scope_name=\"x\"} 4\n");
}

/* -------------------------------------------------------- target_info -- */

static void test_target_info(void **state) {
  (void)state;
  otelc_resource *res = NULL;
  const otelc_attr rattrs[] = {OTELC_STR("service.name", "svc"),
                               OTELC_STR("telemetry.sdk.language", "c"),
                               OTELC_INT("pid", 42)};
  assert_int_equal(otelc_resource_new(rattrs, 3, NULL, &res), OTELC_OK);
  const otelc_number_point pts[] = {NUM_NOATTR_I(1)};
  const otelc_metric m[] = {
      gauge_metric("up.time", "Up.", "s", pts, 1),
      gauge_metric("target.info", "Clashes.", "", pts, 1),
  };
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  d.resource = res;
  test_diag_capture();
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  const otelc_prometheus_opts no_scope = {.without_scope_labels = true};
  const char *t = write_text(&d, &no_scope);
  /* The resource's attribute order is its own; check each label. */
  assert_int_equal(strncmp(t,
                           "# HELP target_info Target metadata\n"
                           "# TYPE target_info gauge\n"
                           "target_info{",
                           71),
                   0);
  const char *line_end = strchr(t + 71, '\n');
  assert_non_null(line_end);
  char line[256];
  size_t n = (size_t)(line_end - t);
  memcpy(line, t, n);
  line[n] = '\0';
  assert_non_null(strstr(line, "service_name=\"svc\""));
  assert_non_null(strstr(line, "telemetry_sdk_language=\"c\""));
  assert_non_null(strstr(line, "pid=\"42\""));
  assert_string_equal(line_end - 3, "} 1\n"
                                    "# HELP up_time_seconds Up.\n"
                                    "# TYPE up_time_seconds gauge\n"
                                    "up_time_seconds 1\n");
  /* The user's target_info was dropped, and said so. */
  assert_null(strstr(t, "Clashes"));
  assert_non_null(strstr(test_diag_seen.last, "target.info"));

  /* Left out on request; the name is then free. */
  assert_string_equal(write_text(&d, &BARE), "# HELP up_time_seconds Up.\n"
                                             "# TYPE up_time_seconds gauge\n"
                                             "up_time_seconds 1\n"
                                             "# HELP target_info Clashes.\n"
                                             "# TYPE target_info gauge\n"
                                             "target_info 1\n");
  /* An empty resource gives no target_info. */
  otelc_resource *empty = NULL;
  assert_int_equal(otelc_resource_new(NULL, 0, NULL, &empty), OTELC_OK);
  d.resource = empty;
  const otelc_metric one[] = {m[0]};
  otelc_resource_metrics d1 = ONE_SCOPE(&LIB, one);
  d1.resource = empty;
  assert_string_equal(write_text(&d1, &no_scope),
                      "# HELP up_time_seconds Up.\n"
                      "# TYPE up_time_seconds gauge\n"
                      "up_time_seconds 1\n");
  otelc_resource_release(res);
  otelc_resource_release(empty);
}

/* ----------------------------------------------------------- families -- */

static void test_family_merged_across_scopes(void **state) {
  (void)state;
  const otelc_scope_info a = {.name = "a"}, b = {.name = "b"};
  const otelc_number_point p1[] = {NUM_NOATTR_I(1)}, p2[] = {NUM_NOATTR_I(2)},
                           p3[] = {NUM_NOATTR_I(3)};
  const otelc_metric ma[] = {
      sum_metric("jobs", "Jobs done.", "", true, p1, 1),
      gauge_metric("other", "Other.", "", p3, 1),
  };
  /* Another spelling of the same final name, in another scope. */
  const otelc_metric mb[] = {
      sum_metric("jobs_total", "Jobs done.", "", true, p2, 1)};
  const otelc_scope_metrics scopes[] = {{&a, ma, 2}, {&b, mb, 1}};
  otelc_resource_metrics d = {NULL, scopes, 2};
  assert_string_equal(write_text(&d, &NO_TARGET),
                      "# HELP jobs_total Jobs done.\n"
                      "# TYPE jobs_total counter\n"
                      "jobs_total{otel_scope_name=\"a\"} 1\n"
                      "jobs_total{otel_scope_name=\"b\"} 2\n"
                      "# HELP other Other.\n"
                      "# TYPE other gauge\n"
                      "other{otel_scope_name=\"a\"} 3\n");
}

static void test_type_conflict_dropped(void **state) {
  (void)state;
  const otelc_scope_info a = {.name = "a"}, b = {.name = "b"};
  const otelc_number_point p1[] = {NUM_NOATTR_I(1)}, p2[] = {NUM_NOATTR_I(2)};
  const otelc_metric ma[] = {sum_metric("x", "Counter x.", "", true, p1, 1)};
  /* A gauge whose name is the counter's final name. */
  const otelc_metric mb[] = {gauge_metric("x_total", "Gauge x.", "", p2, 1)};
  const otelc_scope_metrics scopes[] = {{&a, ma, 1}, {&b, mb, 1}};
  otelc_resource_metrics d = {NULL, scopes, 2};
  test_diag_capture();
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  assert_string_equal(write_text(&d, &NO_TARGET),
                      "# HELP x_total Counter x.\n"
                      "# TYPE x_total counter\n"
                      "x_total{otel_scope_name=\"a\"} 1\n");
  assert_non_null(strstr(test_diag_seen.last, "x_total"));
  assert_non_null(strstr(test_diag_seen.last, "dropped"));
  assert_non_null(strstr(test_diag_seen.last, "counter"));
}

static void test_histogram_series_names_taken(void **state) {
  (void)state;
  const otelc_histogram_point hp[] = {{.count = 1, .has_sum = true, .sum = 2}};
  const otelc_number_point p1[] = {NUM_NOATTR_I(1)};
  const otelc_metric m[] = {
      gauge_metric("lat.count", "Shadow.", "", p1, 1),
      hist_metric("lat", "Latency.", "", hp, 1),
      gauge_metric("lat_bucket", "Shadow.", "", p1, 1),
      gauge_metric("other_count", "Kept.", "", p1, 1),
  };
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  test_diag_capture();
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  assert_string_equal(write_text(&d, &BARE), "# HELP lat Latency.\n"
                                             "# TYPE lat histogram\n"
                                             "lat_bucket{le=\"+Inf\"} 1\n"
                                             "lat_sum 2\n"
                                             "lat_count 1\n"
                                             "# HELP other_count Kept.\n"
                                             "# TYPE other_count gauge\n"
                                             "other_count 1\n");
  assert_non_null(strstr(test_diag_seen.last, "histogram lat"));
}

static void test_help_conflict_keeps_points(void **state) {
  (void)state;
  const otelc_scope_info a = {.name = "a"}, b = {.name = "b"};
  const otelc_number_point p1[] = {NUM_NOATTR_I(1)}, p2[] = {NUM_NOATTR_I(2)};
  const otelc_metric ma[] = {gauge_metric("x", "First.", "", p1, 1)};
  const otelc_metric mb[] = {gauge_metric("x", "Second.", "", p2, 1)};
  const otelc_scope_metrics scopes[] = {{&a, ma, 1}, {&b, mb, 1}};
  otelc_resource_metrics d = {NULL, scopes, 2};
  test_diag_capture();
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  assert_string_equal(write_text(&d, &NO_TARGET),
                      "# HELP x First.\n"
                      "# TYPE x gauge\n"
                      "x{otel_scope_name=\"a\"} 1\n"
                      "x{otel_scope_name=\"b\"} 2\n");
  assert_non_null(strstr(test_diag_seen.last, "description"));
}

/* ------------------------------------------------------------ dropped -- */

static void test_dropped_metrics_and_points(void **state) {
  (void)state;
  const otelc_number_point pts[] = {
      NUM_NOATTR_I(5),
      {.attrs = NULL,
       .n_attrs = 0,
       .is_int = true,
       .value.i = 9,
       .flags = OTELC_POINT_FLAG_NO_RECORDED_VALUE},
  };
  const otelc_number_point stale[] = {
      {.is_int = true,
       .value.i = 1,
       .flags = OTELC_POINT_FLAG_NO_RECORDED_VALUE}};
  otelc_metric delta = sum_metric("delta", "Delta.", "", true, pts, 1);
  delta.temporality = OTELC_TEMPORALITY_DELTA;
  const uint64_t zc[] = {1};
  const otelc_exp_histogram_point ep[] = {{.count = 1, .positive = {0, zc, 1}}};
  otelc_metric exp = {.name = "exp",
                      .description = "",
                      .unit = "",
                      .type = OTELC_METRIC_EXP_HISTOGRAM,
                      .temporality = OTELC_TEMPORALITY_CUMULATIVE,
                      .n_points = 1};
  exp.points.exp_histograms = ep;
  const otelc_metric m[] = {
      delta,
      exp,
      gauge_metric("empty", "Empty.", "", NULL, 0),
      gauge_metric("stale", "Stale.", "", stale, 1),
      gauge_metric("kept", "Kept.", "", pts, 2),
  };
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  test_diag_capture();
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  assert_string_equal(write_text(&d, &BARE), "# HELP kept Kept.\n"
                                             "# TYPE kept gauge\n"
                                             "kept 5\n");
  assert_true(test_diag_seen.count >= 2); /* delta, exponential */
}

static void test_without_suffixes(void **state) {
  (void)state;
  const otelc_number_point pts[] = {NUM_NOATTR_I(3)};
  const otelc_metric m[] = {sum_metric("io.read", "Read.", "By", true, pts, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  const otelc_prometheus_opts o = {.without_suffixes = true,
                                   .without_scope_labels = true,
                                   .without_target_info = true};
  assert_string_equal(write_text(&d, &o), "# HELP io_read Read.\n"
                                          "# TYPE io_read counter\n"
                                          "io_read 3\n");
}

/* ----------------------------------------------------------- failures -- */

static void test_empty_and_invalid(void **state) {
  (void)state;
  otelc_resource_metrics none = {NULL, NULL, 0};
  assert_string_equal(write_text(&none, NULL), "");
  assert_int_equal(otelc_prometheus_write(NULL, NULL, &BUF),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_prometheus_write(&none, NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  otelc_resource_metrics bad = {NULL, NULL, 1};
  assert_int_equal(otelc_prometheus_write(&bad, NULL, &BUF),
                   OTELC_ERR_INVALID_ARG);
}

static void test_buffer_reused_and_nomem(void **state) {
  (void)state;
  const otelc_number_point pts[] = {NUM_NOATTR_I(1)};
  const otelc_metric m[] = {gauge_metric("a", "A.", "", pts, 1)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  write_text(&d, &BARE);
  uint8_t *data = BUF.data;
  size_t len = BUF.len;
  /* The second write replaces the first, in the same memory, and
   * allocates nothing. */
  unsigned long calls = otelc__alloc_calls();
  write_text(&d, &BARE);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_ptr_equal(BUF.data, data);
  assert_int_equal(BUF.len, len);

  otelc_otlp_buffer fresh = {0};
  otelc__alloc_fail_after(0);
  otelc_status st = otelc_prometheus_write(&d, NULL, &fresh);
  otelc__alloc_fail_after(-1);
  assert_int_equal(st, OTELC_ERR_NOMEM);
  assert_int_equal(fresh.len, 0);
  otelc_otlp_buffer_free(&fresh);
}

/* Many points with many labels: the buffer grows through several sizes,
 * and every histogram's lines still carry their own labels. */
static void test_large_output(void **state) {
  (void)state;
  enum { N = 300 };
  static otelc_attr attrs[N][2];
  static char vals[N][16];
  static otelc_histogram_point hp[N];
  const double bounds[] = {1, 2};
  const uint64_t counts[] = {1, 1, 1};
  for (int i = 0; i < N; i++) {
    snprintf(vals[i], sizeof vals[i], "v%03d", i);
    attrs[i][0] = OTELC_STR("idx", vals[i]);
    attrs[i][1] = OTELC_STR("pad", "0123456789012345678901234567890123456789");
    hp[i] = (otelc_histogram_point){.attrs = attrs[i],
                                    .n_attrs = 2,
                                    .count = 3,
                                    .has_sum = true,
                                    .sum = 4,
                                    .bounds = bounds,
                                    .n_bounds = 2,
                                    .bucket_counts = counts};
  }
  const otelc_metric m[] = {hist_metric("h", "H.", "", hp, N)};
  otelc_resource_metrics d = ONE_SCOPE(&LIB, m);
  otelc_otlp_buffer big = {0};
  assert_int_equal(otelc_prometheus_write(&d, &BARE, &big), OTELC_OK);
  /* 5 lines per point after HELP and TYPE. */
  size_t lines = 0;
  for (size_t i = 0; i < big.len; i++)
    lines += big.data[i] == '\n';
  assert_int_equal(lines, 2 + 5 * N);
  char want[160];
  snprintf(want, sizeof want,
           "h_count{idx=\"v%03d\",pad="
           "\"0123456789012345678901234567890123456789\"} 3\n",
           N - 1);
  size_t wl = strlen(want);
  assert_true(big.len >= wl);
  assert_memory_equal(big.data + big.len - wl, want, wl);
  /* Written again into the grown buffer: no allocation at all. */
  size_t len = big.len;
  unsigned long calls = otelc__alloc_calls();
  assert_int_equal(otelc_prometheus_write(&d, &BARE, &big), OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(big.len, len);
  otelc_otlp_buffer_free(&big);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counter),
      cmocka_unit_test(test_gauges_and_updown),
      cmocka_unit_test(test_histogram),
      cmocka_unit_test(test_histogram_without_sum_or_labels),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_label_collisions),
      cmocka_unit_test(test_label_value_types),
      cmocka_unit_test(test_scope_labels),
      cmocka_unit_test(test_target_info),
      cmocka_unit_test(test_family_merged_across_scopes),
      cmocka_unit_test(test_type_conflict_dropped),
      cmocka_unit_test(test_histogram_series_names_taken),
      cmocka_unit_test(test_help_conflict_keeps_points),
      cmocka_unit_test(test_dropped_metrics_and_points),
      cmocka_unit_test(test_without_suffixes),
      cmocka_unit_test(test_empty_and_invalid),
      cmocka_unit_test(test_buffer_reused_and_nomem),
      cmocka_unit_test(test_large_output),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
