/* Small helpers shared by unit tests: capturing otelc's diagnostics. */
#ifndef OTELC_TEST_HELPERS_H
#define OTELC_TEST_HELPERS_H

#include <stdio.h>
#include <string.h>

#include "otelc/common.h"

/* Messages of level warning and above since the last test_diag_capture(). */
typedef struct test_diag {
  int count;
  otelc_log_level level; /* of the last message */
  char last[1024];       /* the last message */
} test_diag;

static test_diag test_diag_seen;

static inline void test_diag_handler(otelc_log_level level, const char *msg,
                                     void *user_data) {
  test_diag *d = user_data;
  d->count++;
  d->level = level;
  snprintf(d->last, sizeof d->last, "%s", msg);
}

/* Start (or restart) capturing warnings and errors into test_diag_seen. */
static inline void test_diag_capture(void) {
  memset(&test_diag_seen, 0, sizeof test_diag_seen);
  otelc_diag_set_level(OTELC_LOG_WARN);
  otelc_diag_set_handler(test_diag_handler, &test_diag_seen);
}

/* Restore the default stderr output. */
static inline void test_diag_release(void) {
  otelc_diag_set_handler(NULL, NULL);
}

#endif /* OTELC_TEST_HELPERS_H */
