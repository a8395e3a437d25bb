/* The ratio sampler reads explicit randomness (ot=...;rv:...) from the
 * parent's tracestate, which arrives from the network. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "otelc/otelc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  static otelc_sampler *ratio;
  if (!ratio)
    ratio = otelc_sampler_traceidratio(0.5);
  char *ts = fuzz_cstring(data, size);
  if (!ts)
    return 0;
  uint8_t tid[16] = {1};
  otelc_span_context parent = {{1}, {1}, 1, true};
  otelc_sampling_params p = {&parent, ts, tid, "fuzz", OTELC_SPAN_KIND_SERVER,
                             NULL, 0, NULL, 0};
  otelc_sampling_result r = otelc_sampler_should_sample(ratio, &p);
  if (r.decision != OTELC_SAMPLING_DROP &&
      r.decision != OTELC_SAMPLING_RECORD_AND_SAMPLE)
    abort();
  free(ts);
  return 0;
}
