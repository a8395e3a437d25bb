/* Helpers shared by the fuzz targets. */
#ifndef OTELC_FUZZ_COMMON_H
#define OTELC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otelc/common.h"

static void fuzz_quiet(otelc_log_level level, const char *msg, void *ud) {
  (void)level;
  (void)ud;
  /* Diagnostics must be single, bounded lines whatever the input. */
  if (strchr(msg, '\n') || strlen(msg) >= 1024)
    abort();
}

/* The input as a NUL-terminated string (embedded NULs end it early, as
 * they would in an environment variable). Caller frees. */
static char *fuzz_cstring(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s)
    return NULL;
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif /* OTELC_FUZZ_COMMON_H */
