/* B3 extraction from arbitrary headers. The input holds up to five values
 * separated by 0x00 bytes, used in turn as b3, x-b3-traceid, x-b3-spanid,
 * x-b3-sampled and x-b3-flags. Whatever context comes out must survive
 * being written by both B3 propagators and read back: same trace id,
 * span id and sampled flag. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "otelc/otelc.h"

static const char *const headers[] = {"b3", "x-b3-traceid", "x-b3-spanid",
                                      "x-b3-sampled", "x-b3-flags"};
#define N_HEADERS (sizeof headers / sizeof headers[0])

static bool same_sc(const otelc_span_context *a, const otelc_span_context *b) {
  return memcmp(a->trace_id, b->trace_id, sizeof a->trace_id) == 0 &&
         memcmp(a->span_id, b->span_id, sizeof a->span_id) == 0 &&
         (a->trace_flags & OTELC_TRACE_FLAG_SAMPLED) ==
             (b->trace_flags & OTELC_TRACE_FLAG_SAMPLED);
}

/* Write @p ctx with @p p and read it back with @p reader. */
static void roundtrip(const otelc_propagator *p, const otelc_propagator *reader,
                      const otelc_context *ctx,
                      const otelc_span_context *want) {
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  if (otelc_propagator_inject(p, ctx, &kv.carrier) != OTELC_OK)
    abort();
  otelc_context *back = otelc_propagator_extract(reader, NULL, &kv.carrier);
  otelc_span_context got;
  if (!otelc_context_span_context(back, &got) || !got.is_remote ||
      !same_sc(want, &got))
    abort();
  otelc_context_release(back);
  otelc_kv_carrier_clear(&kv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  if (size > 65536) /* the carrier caps headers at 1 MiB */
    return 0;
  char *buf = fuzz_cstring(data, size);
  if (!buf)
    return 0;
  otelc_kv_carrier in;
  otelc_kv_carrier_init(&in);
  /* Split at the NULs: each piece is one header's value. */
  const char *v = buf;
  for (size_t i = 0; i < N_HEADERS && v <= buf + size; i++) {
    size_t len = strlen(v);
    if (otelc_kv_carrier_add(&in, headers[i], v) != OTELC_OK)
      abort();
    v += len + 1;
  }

  otelc_propagator *single = otelc_propagator_b3();
  otelc_propagator *multi = otelc_propagator_b3multi();
  if (!single || !multi)
    abort();
  otelc_context *ctx = otelc_propagator_extract(single, NULL, &in.carrier);
  otelc_context *ctx2 = otelc_propagator_extract(multi, NULL, &in.carrier);
  otelc_span_context sc, sc2;
  bool has = otelc_context_span_context(ctx, &sc);
  bool has2 = otelc_context_span_context(ctx2, &sc2);
  /* Both propagators read the same way. */
  if (has != has2 || (has && !same_sc(&sc, &sc2)))
    abort();
  if (has) {
    if (!sc.is_remote || !otelc_span_context_is_valid(&sc) ||
        (sc.trace_flags & OTELC_TRACE_FLAG_RANDOM))
      abort();
    roundtrip(single, single, ctx, &sc);
    roundtrip(single, multi, ctx, &sc);
    roundtrip(multi, single, ctx, &sc);
    roundtrip(multi, multi, ctx, &sc);
  }
  otelc_context_release(ctx2);
  otelc_context_release(ctx);
  otelc_propagator_free(multi);
  otelc_propagator_free(single);
  otelc_kv_carrier_clear(&in);
  free(buf);
  return 0;
}
