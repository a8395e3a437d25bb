/*
 * The diagnostics that the module's files and its private copy of
 * src/common/env.c call, routed to otelc_diag_log so that they follow the
 * program's handler and OTEL_LOG_LEVEL like otelc's own (the level filter
 * lives in libotelc). Safe from any thread.
 */
#include <stdio.h>

#include "common/internal.h"

void otelc__log(otelc_log_level level, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  otelc_diag_log(level, "%s", buf);
}

bool otelc__log_enabled(otelc_log_level level) {
  (void)level;
  return true; /* otelc_diag_log filters */
}
