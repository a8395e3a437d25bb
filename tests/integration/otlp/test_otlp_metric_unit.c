/*
 * test_otlp_metric_unit - the OTLP metric exporter of libotelc_otlp on its
 * own: the per-signal configuration (OTEL_EXPORTER_OTLP_METRICS_* beats
 * OTEL_EXPORTER_OTLP_*, "v1/metrics", the MetricsService gRPC method, and
 * that neither signal reads the other's variables), the reader
 * preferences from OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and
 * _DEFAULT_HISTOGRAM_AGGREGATION (invalid values reported once and
 * ignored), and the export operation's own rules (nothing sent without
 * points, failures counted and logged per data point, shutdown, the stats
 * registry).
 *
 * Linked with the module's object library (otelc_otlp_objects), whose
 * internal functions the shared library hides; see modules/otlp/
 * otlp_module.h.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otelc/exporters.h"
#include "otelc/otelc.h"
#include "otelc/otlp.h"
#include "otlp_module.h"
#include "otlp_unit_capture.h"

/* ------------------------------------------------------------------------ */
/* Environment                                                               */
/* ------------------------------------------------------------------------ */

static const char *const kOpts[] = {
    "ENDPOINT",    "HEADERS",    "PROTOCOL",           "COMPRESSION", "TIMEOUT",
    "CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE", "INSECURE"};

static void set_var(const char *sig, const char *opt, const char *value) {
  char name[96];
  snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s%s", sig, opt);
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

static int setup(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof kOpts / sizeof kOpts[0]; i++) {
    set_var("", kOpts[i], NULL);
    set_var("TRACES_", kOpts[i], NULL);
    set_var("METRICS_", kOpts[i], NULL);
  }
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION");
  log_reset();
  return 0;
}

#define METHOD "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"

/* The URL resolved for @p sig (NULL when resolution failed). */
static char *resolved(const otelc__otlp_signal *sig, const char *code) {
  otelc_otlp_opts o = {.endpoint = code};
  otelc__otlp_config cfg;
  if (otelc__otlp_config_resolve(sig, &o, &cfg) != OTELC_OK)
    return NULL;
  char *url = strdup(cfg.url);
  otelc__otlp_config_free(&cfg);
  return url;
}

typedef struct url_case {
  const char *metrics, *traces, *generic, *code, *want;
} url_case;

static void test_endpoints(void **state) {
  (void)state;
  static const url_case cases[] = {
      {NULL, NULL, NULL, NULL, "http://localhost:4318/v1/metrics"},
      /* The generic endpoint gets v1/metrics; the per-signal one is used
       * as is. */
      {NULL, NULL, "http://g:4318", NULL, "http://g:4318/v1/metrics"},
      {NULL, NULL, "http://g:4318/base/", NULL,
       "http://g:4318/base/v1/metrics"},
      {"http://m:1", NULL, "http://g:2", NULL, "http://m:1/"},
      {"http://m:1/custom", NULL, NULL, "http://c:3/", "http://m:1/custom"},
      /* The traces variable means nothing to metrics. */
      {NULL, "http://t:1/x", NULL, NULL, "http://localhost:4318/v1/metrics"},
      {NULL, "http://t:1/x", "http://g:2", NULL, "http://g:2/v1/metrics"},
      /* Code is used like the per-signal variable. */
      {NULL, NULL, NULL, "http://c:3", "http://c:3/"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const url_case *c = &cases[i];
    set_var("METRICS_", "ENDPOINT", c->metrics);
    set_var("TRACES_", "ENDPOINT", c->traces);
    set_var("", "ENDPOINT", c->generic);
    char *url = resolved(&otelc__otlp_metrics, c->code);
    if (!url || strcmp(url, c->want) != 0) {
      print_error("case %zu: got %s, want %s\n", i, url ? url : "NULL",
                  c->want);
      fail();
    }
    free(url);
  }
  /* And the metrics variable means nothing to traces. */
  set_var("METRICS_", "ENDPOINT", "http://m:1");
  set_var("TRACES_", "ENDPOINT", NULL);
  set_var("", "ENDPOINT", NULL);
  char *url = resolved(&otelc__otlp_traces, NULL);
  assert_string_equal(url, "http://localhost:4318/v1/traces");
  free(url);

  /* An unusable metrics endpoint is named in the refusal. */
  set_var("METRICS_", "ENDPOINT", "ftp://m:1");
  assert_null(resolved(&otelc__otlp_metrics, NULL));
  assert_log_count("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: unsupported URL "
                   "scheme 'ftp'",
                   1);
}

static void test_grpc_method(void **state) {
  (void)state;
  set_var("METRICS_", "PROTOCOL", "grpc");
  set_var("", "ENDPOINT", "http://g:4317/ignored/path");
  char *url = resolved(&otelc__otlp_metrics, NULL);
  assert_string_equal(url, "http://g:4317" METHOD);
  free(url);
  set_var("", "ENDPOINT", NULL);
  set_var("METRICS_", "ENDPOINT", "collector:4317");
  set_var("METRICS_", "INSECURE", "true");
  url = resolved(&otelc__otlp_metrics, NULL);
  assert_string_equal(url, "http://collector:4317" METHOD);
  free(url);
  set_var("METRICS_", "ENDPOINT", NULL);
  url = resolved(&otelc__otlp_metrics, NULL);
  assert_string_equal(url, "http://localhost:4317" METHOD);
  free(url);
}

/* Every option has its METRICS_ variable, which beats the generic one. */
static void test_per_signal_options(void **state) {
  (void)state;
  set_var("", "PROTOCOL", "grpc");
  set_var("METRICS_", "PROTOCOL", "http/json");
  set_var("", "COMPRESSION", "none");
  set_var("METRICS_", "COMPRESSION", "gzip");
  set_var("", "TIMEOUT", "5000");
  set_var("METRICS_", "TIMEOUT", "1234");
  set_var("", "HEADERS", "a=generic");
  set_var("METRICS_", "HEADERS", "b=metrics%20only");
  set_var("TRACES_", "HEADERS", "c=traces");
  set_var("", "CERTIFICATE", "/generic.pem");
  set_var("METRICS_", "CERTIFICATE", "/metrics.pem");
  set_var("METRICS_", "CLIENT_KEY", "/key.pem");
  set_var("METRICS_", "CLIENT_CERTIFICATE", "/cert.pem");
  otelc__otlp_config cfg;
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_metrics, NULL, &cfg),
                   OTELC_OK);
  assert_ptr_equal(cfg.signal, &otelc__otlp_metrics);
  assert_false(cfg.grpc);
  assert_true(cfg.json);
  assert_true(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 1234);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "b: metrics only");
  assert_string_equal(cfg.certificate, "/metrics.pem");
  assert_string_equal(cfg.client_key, "/key.pem");
  assert_string_equal(cfg.client_certificate, "/cert.pem");
  otelc__otlp_config_free(&cfg);

  /* Traces see the generic values only. */
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_traces, NULL, &cfg),
                   OTELC_OK);
  assert_true(cfg.grpc);
  assert_false(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 5000);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "c: traces");
  assert_string_equal(cfg.certificate, "/generic.pem");
  otelc__otlp_config_free(&cfg);

  /* An invalid METRICS_ value is reported and the generic one applies. */
  set_var("METRICS_", "PROTOCOL", "carrier-pigeon");
  log_reset();
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_metrics, NULL, &cfg),
                   OTELC_OK);
  assert_true(cfg.grpc);
  assert_log_count("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", 1);
  otelc__otlp_config_free(&cfg);
}

/* ------------------------------------------------------------------------ */
/* Reader preferences                                                        */
/* ------------------------------------------------------------------------ */

static otelc_metric_reader_prefs prefs_of(otelc_temporality_preference p,
                                          otelc_status want) {
  otelc_metric_reader_prefs prefs;
  void *st = NULL;
  assert_int_equal(otelc__otlp_metric_create(NULL, p, &prefs, &st), want);
  if (st)
    otelc__otlp_metric_ops.destroy(st);
  return prefs;
}

enum { C = OTELC_TEMPORALITY_CUMULATIVE, D = OTELC_TEMPORALITY_DELTA };

/* The specification's table, by instrument kind (counter, up-down,
 * histogram, gauge, observable counter, observable up-down, observable
 * gauge). */
static void assert_table(const otelc_metric_reader_prefs *p, int counter,
                         int histogram, int obs_counter) {
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_COUNTER], counter);
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_UP_DOWN_COUNTER], C);
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_HISTOGRAM], histogram);
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_GAUGE], C);
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_OBSERVABLE_COUNTER],
                   obs_counter);
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_OBSERVABLE_UP_DOWN_COUNTER],
                   C);
  assert_int_equal(p->temporality[OTELC_INSTRUMENT_OBSERVABLE_GAUGE], C);
}

static void test_temporality(void **state) {
  (void)state;
  otelc_metric_reader_prefs p =
      prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_table(&p, C, C, C);
  p = prefs_of(OTELC_TEMPORALITY_PREF_DELTA, OTELC_OK);
  assert_table(&p, D, D, D);
  p = prefs_of(OTELC_TEMPORALITY_PREF_LOWMEMORY, OTELC_OK);
  assert_table(&p, D, D, C);
  p = prefs_of(OTELC_TEMPORALITY_PREF_CUMULATIVE, OTELC_OK);
  assert_table(&p, C, C, C);
  prefs_of((otelc_temporality_preference)9, OTELC_ERR_INVALID_ARG);

  /* From the environment (case-insensitive), only for PREF_DEFAULT. */
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", " Delta ", 1);
  p = prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_table(&p, D, D, D);
  p = prefs_of(OTELC_TEMPORALITY_PREF_CUMULATIVE, OTELC_OK);
  assert_table(&p, C, C, C);
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "LOWMEMORY", 1);
  p = prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_table(&p, D, D, C);

  /* An invalid value: reported once per exporter, cumulative. */
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes", 1);
  log_reset();
  p = prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_table(&p, C, C, C);
  assert_log_count("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", 1);
  assert_log_count("'sometimes'", 1);
  /* Not read at all when the code chose. */
  log_reset();
  prefs_of(OTELC_TEMPORALITY_PREF_DELTA, OTELC_OK);
  assert_log_count("TEMPORALITY_PREFERENCE", 0);
}

static void test_histogram_aggregation(void **state) {
  (void)state;
  const char *var = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION";
  otelc_metric_reader_prefs p =
      prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_int_equal(p.histogram_aggregation, OTELC_AGGREGATION_DEFAULT);
  setenv(var, "base2_exponential_bucket_histogram", 1);
  p = prefs_of(OTELC_TEMPORALITY_PREF_DELTA, OTELC_OK);
  assert_int_equal(p.histogram_aggregation, OTELC_AGGREGATION_EXP_HISTOGRAM);
  assert_table(&p, D, D, D);
  setenv(var, "Explicit_Bucket_Histogram", 1);
  p = prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_int_equal(p.histogram_aggregation,
                   OTELC_AGGREGATION_EXPLICIT_HISTOGRAM);
  setenv(var, "exponential", 1);
  log_reset();
  p = prefs_of(OTELC_TEMPORALITY_PREF_DEFAULT, OTELC_OK);
  assert_int_equal(p.histogram_aggregation, OTELC_AGGREGATION_DEFAULT);
  assert_log_count(var, 1);
}

/* ------------------------------------------------------------------------ */
/* Export                                                                    */
/* ------------------------------------------------------------------------ */

static const otelc_number_point kPoints[2] = {
    {.time_unix_nano = 1, .is_int = true, .value.i = 1},
    {.time_unix_nano = 1, .value.d = 2}};
static const otelc_metric kMetric = {.name = "m",
                                     .type = OTELC_METRIC_GAUGE,
                                     .n_points = 2,
                                     .points.numbers = kPoints};
static const otelc_scope_metrics kScope = {NULL, &kMetric, 1};

static void test_export(void **state) {
  (void)state;
  /* Nothing listens on port 1 of the loopback address. */
  otelc_otlp_opts o = {.endpoint = "http://127.0.0.1:1/v1/metrics",
                       .timeout_ms = 300};
  otelc_metric_exporter *e = NULL;
  assert_int_equal(
      otelc_otlp_metric_exporter_new(&o, OTELC_TEMPORALITY_PREF_DEFAULT, &e),
      OTELC_OK);
  void *x = otelc__otlp_metric_state(e);
  assert_non_null(x);
  assert_null(otelc__otlp_state((otelc_span_exporter *)e));

  /* No points: no request, a success. */
  otelc_resource_metrics none = {NULL, NULL, 0};
  otelc_scope_metrics empty_scope = {NULL, NULL, 0};
  otelc_resource_metrics empty = {NULL, &empty_scope, 1};
  assert_int_equal(otelc__otlp_metric_ops.export_metrics(x, &none, 1000),
                   OTELC_OK);
  assert_int_equal(otelc__otlp_metric_ops.export_metrics(x, &empty, 1000),
                   OTELC_OK);
  assert_int_equal(otelc__otlp_metric_ops.export_metrics(x, NULL, 1000),
                   OTELC_ERR_INVALID_ARG);
  otelc_otlp_stats s;
  otelc_otlp_metric_exporter_get_stats(e, &s);
  assert_int_equal(s.exports, 2);
  assert_int_equal(s.succeeded, 2);
  assert_int_equal(s.attempts, 0);

  /* Two points to nowhere: retried within the timeout, then dropped and
   * counted, with one warning that counts data points. */
  log_reset();
  otelc_resource_metrics d = {NULL, &kScope, 1};
  otelc_status st = otelc__otlp_metric_ops.export_metrics(x, &d, 10000);
  assert_true(st == OTELC_ERR_TIMEOUT || st == OTELC_ERR_EXPORT);
  otelc_otlp_metric_exporter_get_stats(e, &s);
  assert_int_equal(s.exports, 3);
  assert_int_equal(s.failed, 1);
  assert_true(s.attempts >= 1);
  assert_int_equal(s.last_http_status, 0);
  assert_log_count("OTLP export of 2 data points to "
                   "http://127.0.0.1:1/v1/metrics failed",
                   1);
  assert_log_count("the data points are dropped", 1);

  /* An invalid collection fails before anything is sent. */
  otelc_metric bad = kMetric;
  bad.points.numbers = NULL;
  otelc_scope_metrics bad_scope = {NULL, &bad, 1};
  otelc_resource_metrics b = {NULL, &bad_scope, 1};
  unsigned long long attempts = s.attempts;
  assert_int_equal(otelc__otlp_metric_ops.export_metrics(x, &b, 1000),
                   OTELC_ERR_INVALID_ARG);
  otelc_otlp_metric_exporter_get_stats(e, &s);
  assert_int_equal(s.attempts, attempts);
  assert_int_equal(s.failed, 2);

  /* After shutdown every export is refused. */
  assert_int_equal(otelc__otlp_metric_ops.shutdown(x, 1000), OTELC_OK);
  assert_int_equal(otelc__otlp_metric_ops.export_metrics(x, &d, 1000),
                   OTELC_ERR_SHUTDOWN);

  /* Stats are per signal: a span exporter's handle is not a metric
   * exporter's, and the other way round. */
  otelc_span_exporter *se = NULL;
  assert_int_equal(otelc_otlp_span_exporter_new(NULL, &se), OTELC_OK);
  otelc_otlp_metric_exporter_get_stats((otelc_metric_exporter *)se, &s);
  assert_int_equal(s.exports, 0);
  otelc_otlp_exporter_get_stats((otelc_span_exporter *)e, &s);
  assert_int_equal(s.exports, 0);
  otelc_otlp_metric_exporter_get_stats(NULL, &s);
  assert_int_equal(s.exports, 0);
  otelc_span_exporter_free(se);
  otelc_metric_exporter_free(e);
}

/* A metrics partial success names its count rejectedDataPoints. */
static void test_partial_success_json(void **state) {
  (void)state;
  static const char *const bodies[] = {
      "{\"partialSuccess\":{\"rejectedDataPoints\":\"5\","
      "\"errorMessage\":\"bad points\"}}",
      "{\"partial_success\":{\"rejected_data_points\":5,"
      "\"error_message\":\"bad points\"}}"};
  for (size_t i = 0; i < 2; i++) {
    bool present = false;
    int64_t rejected = 0;
    char msg[32];
    assert_true(otelc__otlp_partial_json(bodies[i], strlen(bodies[i]), &present,
                                         &rejected, msg, sizeof msg));
    assert_true(present);
    assert_int_equal(rejected, 5);
    assert_string_equal(msg, "bad points");
  }
}

static void test_new_invalid(void **state) {
  (void)state;
  assert_int_equal(otelc_otlp_metric_exporter_new(
                       NULL, OTELC_TEMPORALITY_PREF_DEFAULT, NULL),
                   OTELC_ERR_INVALID_ARG);
  otelc_metric_exporter *e = (otelc_metric_exporter *)&e;
  set_var("METRICS_", "ENDPOINT", "not a url");
  assert_int_equal(
      otelc_otlp_metric_exporter_new(NULL, OTELC_TEMPORALITY_PREF_DEFAULT, &e),
      OTELC_ERR_INVALID_ARG);
  assert_null(e);
}

int main(void) {
  unsetenv("http_proxy");
  unsetenv("https_proxy");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
  otelc_diag_set_handler(capture, NULL);
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_endpoints, setup),
      cmocka_unit_test_setup(test_grpc_method, setup),
      cmocka_unit_test_setup(test_per_signal_options, setup),
      cmocka_unit_test_setup(test_temporality, setup),
      cmocka_unit_test_setup(test_histogram_aggregation, setup),
      cmocka_unit_test_setup(test_export, setup),
      cmocka_unit_test_setup(test_partial_success_json, setup),
      cmocka_unit_test_setup(test_new_invalid, setup),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  otelc_diag_set_handler(NULL, NULL);
  return rc;
}
