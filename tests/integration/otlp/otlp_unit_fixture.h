/*
 * otlp_unit_fixture.h - what the white-box tests of libotelc_otlp share
 * (test_otlp_config_unit, test_otlp_http_unit, test_otlp_grpc_unit): the
 * diagnostics captured (otlp_unit_capture.h), the OTEL_EXPORTER_OTLP_*
 * variables, and the resolution of a traces configuration.
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
#include "otlp_unit_capture.h"

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
