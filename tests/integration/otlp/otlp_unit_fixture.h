/*
 * otlp_unit_fixture.h - what the white-box tests of libotelc_otlp share
 * (test_otlp_config_unit, test_otlp_http_unit, test_otlp_grpc_unit): the
 * diagnostics captured, the OTEL_EXPORTER_OTLP_* variables, and the
 * resolution of a traces configuration.
 *
 * Everything here is static inline: a test that does not use a helper
 * gets no warning for it.
 */
#ifndef OTELC_TESTS_OTLP_UNIT_FIXTURE_H
#define OTELC_TESTS_OTLP_UNIT_FIXTURE_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otelc/otelc.h"
#include "otelc/otlp.h"
#include "otlp_module.h"

/* ------------------------------------------------------------------------ */
/* Diagnostics captured                                                      */
/* ------------------------------------------------------------------------ */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_log[65536];
static size_t g_log_len;
static int g_warnings;

/* OTLP_UNIT_VERBOSE=1 also prints every line. */
static inline void capture(otelc_log_level level, const char *msg, void *ud) {
  (void)ud;
  if (getenv("OTLP_UNIT_VERBOSE"))
    fprintf(stderr, "  log %d: %s\n", (int)level, msg);
  pthread_mutex_lock(&log_mu);
  int w = snprintf(g_log + g_log_len, sizeof g_log - g_log_len, "%d %s\n",
                   (int)level, msg);
  if (w > 0)
    g_log_len += (size_t)w < sizeof g_log - g_log_len
                     ? (size_t)w
                     : sizeof g_log - g_log_len - 1;
  if (level >= OTELC_LOG_WARN)
    g_warnings++;
  pthread_mutex_unlock(&log_mu);
}

static inline void log_reset(void) {
  pthread_mutex_lock(&log_mu);
  g_log_len = 0;
  g_log[0] = '\0';
  g_warnings = 0;
  pthread_mutex_unlock(&log_mu);
}

static inline bool log_has(const char *s) {
  pthread_mutex_lock(&log_mu);
  bool r = strstr(g_log, s) != NULL;
  pthread_mutex_unlock(&log_mu);
  return r;
}

static inline int warnings(void) {
  pthread_mutex_lock(&log_mu);
  int n = g_warnings;
  pthread_mutex_unlock(&log_mu);
  return n;
}

#define assert_log_has(s)                                                      \
  do {                                                                         \
    if (!log_has(s)) {                                                         \
      print_error("log lacks \"%s\"; it holds:\n%s", (s), g_log);              \
      fail();                                                                  \
    }                                                                          \
  } while (0)

/* Every diagnostic goes to capture(), from the debug level up, and no
 * proxy from the environment stands between an exporter and the servers
 * the tests run. */
static inline void capture_diagnostics(void) {
  otelc_diag_set_handler(capture, NULL);
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  unsetenv("http_proxy");
  unsetenv("https_proxy");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
}

/* Group setup and teardown of the tests that need nothing else. */
static inline int capture_group_setup(void **state) {
  (void)state;
  capture_diagnostics();
  return 0;
}

static inline int capture_group_teardown(void **state) {
  (void)state;
  otelc_diag_set_handler(NULL, NULL);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Environment                                                               */
/* ------------------------------------------------------------------------ */

static const char *const kOpts[] = {
    "ENDPOINT",    "HEADERS",    "PROTOCOL",           "COMPRESSION", "TIMEOUT",
    "CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE", "INSECURE"};

static inline void clear_env(void) {
  char name[96];
  for (size_t i = 0; i < sizeof kOpts / sizeof kOpts[0]; i++) {
    snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s", kOpts[i]);
    unsetenv(name);
    snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_TRACES_%s", kOpts[i]);
    unsetenv(name);
  }
}

static inline void set_opt(const char *opt, bool traces, const char *value) {
  char name[96];
  snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s%s",
           traces ? "TRACES_" : "", opt);
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

/* Every test starts with no OTEL_EXPORTER_OTLP_* variable and an empty
 * log. */
static inline int setup(void **state) {
  (void)state;
  clear_env();
  log_reset();
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

/* An endpoint case: the per-signal and generic variables, the code's
 * endpoint (NULL: unset), and the URL they must resolve to. */
typedef struct url_case {
  const char *traces, *generic, *code, *want;
} url_case;

static inline otelc_status resolve(const otelc_otlp_opts *o,
                                   otelc__otlp_config *c) {
  otelc_status st = otelc__otlp_config_resolve(&otelc__otlp_traces, o, c);
  return st;
}

#endif /* OTELC_TESTS_OTLP_UNIT_FIXTURE_H */
