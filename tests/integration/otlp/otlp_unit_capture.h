/*
 * otlp_unit_capture.h - the diagnostics of otelc captured into a buffer
 * that the white-box tests of libotelc_otlp search (test_otlp_*_unit).
 *
 * Everything here is static inline: a test that does not use a helper
 * gets no warning for it.
 */
#ifndef OTELC_TESTS_OTLP_UNIT_CAPTURE_H
#define OTELC_TESTS_OTLP_UNIT_CAPTURE_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otelc/common.h"

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

/* How many times @p s is in the captured log. */
static inline int log_count(const char *s) {
  pthread_mutex_lock(&log_mu);
  int n = 0;
  for (const char *p = g_log; (p = strstr(p, s)); p += strlen(s))
    n++;
  pthread_mutex_unlock(&log_mu);
  return n;
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

#define assert_log_count(s, n)                                                 \
  do {                                                                         \
    if (log_count(s) != (n)) {                                                 \
      print_error("want %d of \"%s\" in the log; it holds:\n%s", (n), (s),     \
                  g_log);                                                      \
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

#endif /* OTELC_TESTS_OTLP_UNIT_CAPTURE_H */
