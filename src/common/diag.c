/* otelc's own diagnostic log: level filter and a replaceable handler. */
#include <pthread.h>
#include <stdio.h>
#include <strings.h>

#include "common/env.h"
#include "common/internal.h"
#include "otelc/setup.h"

static _Atomic int diag_level = 0; /* 0: not yet read from OTEL_LOG_LEVEL */
static _Atomic(otelc_diag_handler) diag_handler;
static _Atomic(void *) diag_user_data;

static int level_from_env(void) {
  /* Read through the overlay but not through otelc__env_enum: a bad
   * value must be reported through this very logger without recursion. */
  static const struct {
    const char *name;
    int level;
  } names[] = {{"debug", OTELC_LOG_DEBUG}, {"info", OTELC_LOG_INFO},
               {"warn", OTELC_LOG_WARN},   {"warning", OTELC_LOG_WARN},
               {"error", OTELC_LOG_ERROR}, {"none", OTELC_LOG_NONE}};
  const char *v = otelc_config_get("OTEL_LOG_LEVEL");
  if (!v)
    return OTELC_LOG_INFO;
  for (size_t i = 0; i < OTELC__ARRAY_LEN(names); i++)
    if (strcasecmp(v, names[i].name) == 0)
      return names[i].level;
  fprintf(stderr,
          "otelc: warning: invalid value '%s' for OTEL_LOG_LEVEL; using "
          "the default 'info'\n",
          v);
  return OTELC_LOG_INFO;
}

static int current_level(void) {
  int l = atomic_load_explicit(&diag_level, memory_order_relaxed);
  if (OTELC__UNLIKELY(l == 0)) {
    int fresh = level_from_env();
    int expected = 0;
    if (!atomic_compare_exchange_strong(&diag_level, &expected, fresh))
      fresh = expected;
    l = fresh;
  }
  return l;
}

void otelc_diag_set_level(otelc_log_level level) {
  if (level < OTELC_LOG_DEBUG || level > OTELC_LOG_NONE)
    return;
  atomic_store(&diag_level, (int)level);
}

void otelc_diag_set_handler(otelc_diag_handler handler, void *user_data) {
  atomic_store(&diag_user_data, user_data);
  atomic_store(&diag_handler, handler);
}

bool otelc__log_enabled(otelc_log_level level) {
  return (int)level >= current_level();
}

static const char *level_name(otelc_log_level level) {
  switch (level) {
  case OTELC_LOG_DEBUG:
    return "debug";
  case OTELC_LOG_INFO:
    return "info";
  case OTELC_LOG_WARN:
    return "warning";
  case OTELC_LOG_ERROR:
    return "error";
  default:
    return "log";
  }
}

OTELC_PRINTF(2, 0)
static void vlog(otelc_log_level level, const char *fmt, va_list ap) {
  if (!otelc__log_enabled(level))
    return;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0)
    return;
  otelc_diag_handler h = atomic_load(&diag_handler);
  if (h) {
    h(level, buf, atomic_load(&diag_user_data));
    return;
  }
  /* One fprintf call per line so lines from threads do not interleave. */
  fprintf(stderr, "otelc: %s: %s\n", level_name(level), buf);
}

void otelc__log(otelc_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

void otelc_diag_log(otelc_log_level level, const char *fmt, ...) {
  if (!fmt)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}
