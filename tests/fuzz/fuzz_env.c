/* Every OTEL_* value parser of the trace SDK, fed the same arbitrary
 * value: none may crash, leak, or produce a value outside its range. */
#include <stdlib.h>

#include "common/env.h"
#include "fuzz_common.h"
#include "otelc/otelc.h"

static const char *const vars[] = {
    "OTEL_BSP_SCHEDULE_DELAY",        "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",     "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_TRACES_SAMPLER",            "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_SDK_DISABLED",              "OTEL_TRACES_EXPORTER"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  char *v = fuzz_cstring(data, size);
  if (!v)
    return 0;
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    setenv(vars[i], v, 1);

  uint32_t u = otelc__env_uint("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1, 5000);
  if (u < 1 || u > 5000)
    abort();
  (void)otelc__env_uint_opt("OTEL_ATTRIBUTE_COUNT_LIMIT", &u);
  (void)otelc__env_duration_ms("OTEL_BSP_SCHEDULE_DELAY", 5000);
  (void)otelc__env_timeout_ms("OTEL_BSP_EXPORT_TIMEOUT", 30000);
  double d = otelc__env_double("OTEL_TRACES_SAMPLER_ARG", 1.0, 0.0, 1.0);
  if (!(d >= 0.0 && d <= 1.0))
    abort();
  (void)otelc__env_bool("OTEL_SDK_DISABLED", false);

  otelc_batch_opts bo;
  otelc_batch_opts_from_env(&bo);
  if (bo.max_export_batch_size > bo.max_queue_size)
    abort();
  otelc_span_limits lim;
  otelc_span_limits_from_env(&lim);
  otelc_sampler_free(otelc_sampler_from_env());

  otelc__token toks[8];
  size_t n = otelc__split_list(v, toks, 8);
  for (size_t i = 0; i < n && i < 8; i++)
    if (toks[i].len == 0 || toks[i].p < v || toks[i].p + toks[i].len > v + size)
      abort();
  char *dec = malloc(size + 1);
  if (dec) {
    size_t len = otelc__percent_decode(v, strlen(v), dec);
    if (len != (size_t)-1 && len > strlen(v))
      abort();
    free(dec);
  }

  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    unsetenv(vars[i]);
  free(v);
  return 0;
}
