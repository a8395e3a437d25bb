/*
 * test_otlp_log_unit - the OTLP log exporter of libotelc_otlp on its own:
 * the per-signal configuration (OTEL_EXPORTER_OTLP_LOGS_* beats
 * OTEL_EXPORTER_OTLP_*, "v1/logs", the LogsService gRPC method, and that
 * the traces and metrics variables mean nothing to logs nor the logs ones
 * to them), the export operation's own rules (nothing sent without
 * records, NULL records refused before sending, failures counted and
 * logged per log record, shutdown, stats kept per signal), the partial
 * success's rejectedLogRecords, and the "otlp" name of
 * OTEL_LOGS_EXPORTER.
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

#include "otelc/logs.h"
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
    set_var("LOGS_", kOpts[i], NULL);
  }
  unsetenv("OTEL_LOGS_EXPORTER");
  unsetenv("OTEL_SDK_DISABLED");
  log_reset();
  return 0;
}

#define METHOD "/opentelemetry.proto.collector.logs.v1.LogsService/Export"

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
  const char *logs, *traces, *metrics, *generic, *code, *want;
} url_case;

static void test_endpoints(void **state) {
  (void)state;
  static const url_case cases[] = {
      {NULL, NULL, NULL, NULL, NULL, "http://localhost:4318/v1/logs"},
      /* The generic endpoint gets v1/logs; the per-signal one is used as
       * is. */
      {NULL, NULL, NULL, "http://g:4318", NULL, "http://g:4318/v1/logs"},
      {NULL, NULL, NULL, "http://g:4318/base/", NULL,
       "http://g:4318/base/v1/logs"},
      {"http://l:1", NULL, NULL, "http://g:2", NULL, "http://l:1/"},
      {"http://l:1/custom", NULL, NULL, NULL, "http://c:3/",
       "http://l:1/custom"},
      /* The other signals' variables mean nothing to logs. */
      {NULL, "http://t:1/x", "http://m:1/y", NULL, NULL,
       "http://localhost:4318/v1/logs"},
      {NULL, "http://t:1/x", "http://m:1/y", "http://g:2", NULL,
       "http://g:2/v1/logs"},
      /* Code is used like the per-signal variable. */
      {NULL, NULL, NULL, NULL, "http://c:3", "http://c:3/"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const url_case *c = &cases[i];
    set_var("LOGS_", "ENDPOINT", c->logs);
    set_var("TRACES_", "ENDPOINT", c->traces);
    set_var("METRICS_", "ENDPOINT", c->metrics);
    set_var("", "ENDPOINT", c->generic);
    char *url = resolved(&otelc__otlp_logs, c->code);
    if (!url || strcmp(url, c->want) != 0) {
      print_error("case %zu: got %s, want %s\n", i, url ? url : "NULL",
                  c->want);
      fail();
    }
    free(url);
  }
  /* And the logs variable means nothing to traces and metrics. */
  set_var("LOGS_", "ENDPOINT", "http://l:1");
  set_var("TRACES_", "ENDPOINT", NULL);
  set_var("METRICS_", "ENDPOINT", NULL);
  set_var("", "ENDPOINT", NULL);
  char *url = resolved(&otelc__otlp_traces, NULL);
  assert_string_equal(url, "http://localhost:4318/v1/traces");
  free(url);
  url = resolved(&otelc__otlp_metrics, NULL);
  assert_string_equal(url, "http://localhost:4318/v1/metrics");
  free(url);

  /* An unusable logs endpoint is named in the refusal. */
  set_var("LOGS_", "ENDPOINT", "ftp://l:1");
  assert_null(resolved(&otelc__otlp_logs, NULL));
  assert_log_count("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: unsupported URL "
                   "scheme 'ftp'",
                   1);
}

static void test_grpc_method(void **state) {
  (void)state;
  set_var("LOGS_", "PROTOCOL", "grpc");
  set_var("", "ENDPOINT", "http://g:4317/ignored/path");
  char *url = resolved(&otelc__otlp_logs, NULL);
  assert_string_equal(url, "http://g:4317" METHOD);
  free(url);
  set_var("", "ENDPOINT", NULL);
  set_var("LOGS_", "ENDPOINT", "collector:4317");
  set_var("LOGS_", "INSECURE", "true");
  url = resolved(&otelc__otlp_logs, NULL);
  assert_string_equal(url, "http://collector:4317" METHOD);
  free(url);
  set_var("LOGS_", "INSECURE", NULL);
  url = resolved(&otelc__otlp_logs, NULL);
  assert_string_equal(url, "https://collector:4317" METHOD);
  free(url);
  set_var("LOGS_", "ENDPOINT", NULL);
  url = resolved(&otelc__otlp_logs, NULL);
  assert_string_equal(url, "http://localhost:4317" METHOD);
  free(url);
}

/* Every option has its LOGS_ variable, which beats the generic one. */
static void test_per_signal_options(void **state) {
  (void)state;
  set_var("", "PROTOCOL", "grpc");
  set_var("LOGS_", "PROTOCOL", "http/json");
  set_var("", "COMPRESSION", "none");
  set_var("LOGS_", "COMPRESSION", "gzip");
  set_var("", "TIMEOUT", "5000");
  set_var("LOGS_", "TIMEOUT", "1234");
  set_var("", "HEADERS", "a=generic");
  set_var("LOGS_", "HEADERS", "b=logs%20only");
  set_var("TRACES_", "HEADERS", "c=traces");
  set_var("METRICS_", "HEADERS", "d=metrics");
  set_var("", "CERTIFICATE", "/generic.pem");
  set_var("LOGS_", "CERTIFICATE", "/logs.pem");
  set_var("LOGS_", "CLIENT_KEY", "/key.pem");
  set_var("LOGS_", "CLIENT_CERTIFICATE", "/cert.pem");
  otelc__otlp_config cfg;
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_logs, NULL, &cfg),
                   OTELC_OK);
  assert_ptr_equal(cfg.signal, &otelc__otlp_logs);
  assert_false(cfg.grpc);
  assert_true(cfg.json);
  assert_true(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 1234);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "b: logs only");
  assert_string_equal(cfg.certificate, "/logs.pem");
  assert_string_equal(cfg.client_key, "/key.pem");
  assert_string_equal(cfg.client_certificate, "/cert.pem");
  otelc__otlp_config_free(&cfg);

  /* Metrics see the generic values and their own headers only. */
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_metrics, NULL, &cfg),
                   OTELC_OK);
  assert_true(cfg.grpc);
  assert_false(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 5000);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "d: metrics");
  assert_string_equal(cfg.certificate, "/generic.pem");
  otelc__otlp_config_free(&cfg);

  /* An invalid LOGS_ value is reported and the generic one applies. */
  set_var("LOGS_", "PROTOCOL", "carrier-pigeon");
  set_var("LOGS_", "TIMEOUT", "soon");
  log_reset();
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_logs, NULL, &cfg),
                   OTELC_OK);
  assert_true(cfg.grpc);
  assert_int_equal(cfg.timeout_ms, 5000);
  assert_log_count("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", 1);
  assert_log_count("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", 1);
  otelc__otlp_config_free(&cfg);

  /* A LOGS_ header list that cannot be parsed is ignored whole (the
   * generic list applies) and reported without its value. */
  set_var("LOGS_", "HEADERS", "no-equals-s3cret");
  log_reset();
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_logs, NULL, &cfg),
                   OTELC_OK);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "a: generic");
  assert_log_count("OTEL_EXPORTER_OTLP_LOGS_HEADERS", 1);
  assert_log_count("s3cret", 0);
  otelc__otlp_config_free(&cfg);
}

/* ------------------------------------------------------------------------ */
/* Export                                                                    */
/* ------------------------------------------------------------------------ */

/* A processor that keeps every record emitted (for the exporter's tests,
 * which call its export operation themselves). */
typedef struct keep {
  otelc_log_record *recs[8];
  size_t n;
} keep;

static void keep_on_emit(void *self, otelc_log_record *r,
                         const otelc_context *ctx) {
  (void)ctx;
  keep *k = self;
  if (k->n < 8) {
    otelc_log_record_retain(r);
    k->recs[k->n++] = r;
  }
}

static const otelc_log_processor_ops kKeepOps = {keep_on_emit, NULL, NULL,
                                                 NULL};

/* Emit @p n records through a provider into @p k. */
static otelc_logger_provider *emit_records(keep *k, size_t n) {
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_log_processor_new(&kKeepOps, k, &p), OTELC_OK);
  otelc_logger_provider_opts po;
  memset(&po, 0, sizeof po);
  po.processors = &p;
  po.n_processors = 1;
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&po, &lp), OTELC_OK);
  otelc_scope_info sc = {.name = "unit"};
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &sc);
  for (size_t i = 0; i < n; i++) {
    otelc_log_emit e;
    memset(&e, 0, sizeof e);
    e.severity = OTELC_SEVERITY_WARN;
    e.body_str = "record";
    assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
  }
  assert_int_equal(k->n, n);
  return lp;
}

static void release_records(keep *k) {
  for (size_t i = 0; i < k->n; i++)
    otelc_log_record_release(k->recs[i]);
  k->n = 0;
}

static void test_export(void **state) {
  (void)state;
  /* Nothing listens on port 1 of the loopback address. */
  otelc_otlp_opts o = {.endpoint = "http://127.0.0.1:1/v1/logs",
                       .timeout_ms = 300};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_otlp_log_exporter_new(&o, &e), OTELC_OK);
  void *x = otelc__otlp_log_state(e);
  assert_non_null(x);
  assert_null(otelc__otlp_state((otelc_span_exporter *)e));
  assert_null(otelc__otlp_metric_state((otelc_metric_exporter *)e));

  /* No records: no request, a success. */
  assert_int_equal(otelc__otlp_log_ops.export_logs(x, NULL, 0, 1000), OTELC_OK);
  otelc_otlp_stats s;
  otelc_otlp_log_exporter_get_stats(e, &s);
  assert_int_equal(s.exports, 1);
  assert_int_equal(s.succeeded, 1);
  assert_int_equal(s.attempts, 0);

  /* A NULL record fails the export before anything is sent. */
  otelc_log_record *none[2] = {NULL, NULL};
  assert_int_equal(otelc__otlp_log_ops.export_logs(x, none, 2, 1000),
                   OTELC_ERR_INVALID_ARG);
  otelc_otlp_log_exporter_get_stats(e, &s);
  assert_int_equal(s.attempts, 0);
  assert_int_equal(s.failed, 1);

  /* Three records to nowhere: retried within the timeout, then dropped
   * and counted, with one warning that counts log records. */
  keep k = {{NULL}, 0};
  otelc_logger_provider *lp = emit_records(&k, 3);
  log_reset();
  otelc_status st = otelc__otlp_log_ops.export_logs(x, k.recs, 3, 10000);
  assert_true(st == OTELC_ERR_TIMEOUT || st == OTELC_ERR_EXPORT);
  otelc_otlp_log_exporter_get_stats(e, &s);
  assert_int_equal(s.exports, 3);
  assert_int_equal(s.failed, 2);
  assert_true(s.attempts >= 1);
  assert_int_equal(s.last_http_status, 0);
  assert_log_count("OTLP export of 3 log records to "
                   "http://127.0.0.1:1/v1/logs failed",
                   1);
  assert_log_count("the log records are dropped", 1);

  /* After shutdown every export is refused. */
  assert_int_equal(otelc__otlp_log_ops.shutdown(x, 1000), OTELC_OK);
  assert_int_equal(otelc__otlp_log_ops.export_logs(x, k.recs, 3, 1000),
                   OTELC_ERR_SHUTDOWN);
  release_records(&k);
  otelc_logger_provider_free(lp);

  /* Stats are per signal: another signal's handle reads zeros, and so
   * does a log exporter that is not an OTLP one. */
  otelc_span_exporter *se = NULL;
  assert_int_equal(otelc_otlp_span_exporter_new(NULL, &se), OTELC_OK);
  otelc_otlp_log_exporter_get_stats((otelc_log_exporter *)se, &s);
  assert_int_equal(s.exports, 0);
  otelc_otlp_exporter_get_stats((otelc_span_exporter *)e, &s);
  assert_int_equal(s.exports, 0);
  otelc_otlp_log_exporter_get_stats(NULL, &s);
  assert_int_equal(s.exports, 0);
  otelc_log_exporter *mem = NULL;
  if (otelc_memory_log_exporter_new(&mem) == OTELC_OK) {
    otelc_otlp_log_exporter_get_stats(mem, &s);
    assert_int_equal(s.exports, 0);
    otelc_log_exporter_free(mem);
  }
  otelc_otlp_log_exporter_get_stats(e, NULL); /* ignored */
  otelc_span_exporter_free(se);
  otelc_log_exporter_free(e);
}

/* A logs partial success names its count rejectedLogRecords. */
static void test_partial_success(void **state) {
  (void)state;
  static const char *const bodies[] = {
      "{\"partialSuccess\":{\"rejectedLogRecords\":\"4\","
      "\"errorMessage\":\"too old\"}}",
      "{\"partial_success\":{\"rejected_log_records\":4,"
      "\"error_message\":\"too old\"}}"};
  for (size_t i = 0; i < 2; i++) {
    bool present = false;
    int64_t rejected = 0;
    char msg[32];
    assert_true(otelc__otlp_partial_json(bodies[i], strlen(bodies[i]), &present,
                                         &rejected, msg, sizeof msg));
    assert_true(present);
    assert_int_equal(rejected, 4);
    assert_string_equal(msg, "too old");
  }
  /* The protobuf form: ExportLogsPartialSuccess {1: 4, 2: "x"}. */
  static const uint8_t pb[] = {0x0a, 0x05, 0x08, 0x04, 0x12, 0x01, 'x'};
  bool present = false;
  int64_t rejected = 0;
  char msg[8];
  assert_true(otelc__otlp_partial_pb(pb, sizeof pb, &present, &rejected, msg,
                                     sizeof msg));
  assert_true(present);
  assert_int_equal(rejected, 4);
  assert_string_equal(msg, "x");
}

static void test_new_invalid(void **state) {
  (void)state;
  assert_int_equal(otelc_otlp_log_exporter_new(NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  otelc_log_exporter *e = (otelc_log_exporter *)&e;
  set_var("LOGS_", "ENDPOINT", "not a url");
  assert_int_equal(otelc_otlp_log_exporter_new(NULL, &e),
                   OTELC_ERR_INVALID_ARG);
  assert_null(e);
  void *st = &st;
  assert_int_equal(otelc__otlp_log_create(NULL, &st), OTELC_ERR_INVALID_ARG);
  assert_null(st);
  otelc_otlp_opts bad = {.protocol = (otelc_otlp_protocol)9};
  set_var("LOGS_", "ENDPOINT", NULL);
  assert_int_equal(otelc_otlp_log_exporter_new(&bad, &e),
                   OTELC_ERR_INVALID_ARG);
}

/* Linking the module registers "otlp" for OTEL_LOGS_EXPORTER: a provider
 * from the environment gets the OTLP log exporter, configured by the
 * LOGS_ variables (an unusable endpoint makes its creation fail, which is
 * reported, and the provider comes without it). */
static void test_registered(void **state) {
  (void)state;
  setenv("OTEL_LOGS_EXPORTER", "otlp", 1);
  set_var("LOGS_", "ENDPOINT", "http://127.0.0.1:1/v1/logs");
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp), OTELC_OK);
  assert_non_null(lp);
  assert_true(otelc_logger_enabled(
      otelc_logger_provider_get_logger(lp, &(otelc_scope_info){.name = "x"}),
      OTELC_SEVERITY_INFO, NULL));
  otelc_logger_provider_free(lp);

  set_var("LOGS_", "ENDPOINT", "ftp://nowhere");
  log_reset();
  lp = NULL;
  /* The provider comes without that exporter (no processor: nothing is
   * enabled), and the endpoint's refusal is reported. */
  assert_int_equal(otelc_logger_provider_new_from_env(NULL, &lp), OTELC_OK);
  assert_log_count("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: unsupported URL "
                   "scheme 'ftp'",
                   1);
  assert_false(otelc_logger_enabled(
      otelc_logger_provider_get_logger(lp, &(otelc_scope_info){.name = "x"}),
      OTELC_SEVERITY_INFO, NULL));
  otelc_logger_provider_free(lp);
  unsetenv("OTEL_LOGS_EXPORTER");
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
      cmocka_unit_test_setup(test_export, setup),
      cmocka_unit_test_setup(test_partial_success, setup),
      cmocka_unit_test_setup(test_new_invalid, setup),
      cmocka_unit_test_setup(test_registered, setup),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  otelc_diag_set_handler(NULL, NULL);
  return rc;
}
