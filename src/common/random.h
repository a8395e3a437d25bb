/*
 * Per-thread xoshiro256** generator for trace and span ids, seeded from
 * getrandom() and re-seeded in a forked child. Inline: ids are made on
 * every span start.
 */
#ifndef OTELC_SRC_COMMON_RANDOM_H
#define OTELC_SRC_COMMON_RANDOM_H

#include "common/internal.h"
#include "common/tls.h"

void otelc__rng_seed(otelc__tls *t);

/* The calling thread's state, seeded for the current process. */
static inline otelc__tls *otelc__rng_tls(void) {
  otelc__tls *t = &otelc__tls_data;
  if (OTELC__UNLIKELY(t->rng_generation !=
                      atomic_load_explicit(&otelc__fork_generation,
                                           memory_order_relaxed)))
    otelc__rng_seed(t);
  return t;
}

static inline uint64_t otelc__rotl64(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static inline uint64_t otelc__rng_next(otelc__tls *t) {
  uint64_t *s = t->rng;
  uint64_t result = otelc__rotl64(s[1] * 5, 7) * 9;
  uint64_t tmp = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= tmp;
  s[3] = otelc__rotl64(s[3], 45);
  return result;
}

static inline void otelc__rng_trace_id(otelc__tls *t, uint8_t out[16]) {
  uint64_t a, b;
  do {
    a = otelc__rng_next(t);
    b = otelc__rng_next(t);
  } while (OTELC__UNLIKELY((a | b) == 0));
  memcpy(out, &a, 8);
  memcpy(out + 8, &b, 8);
}

static inline void otelc__rng_span_id(otelc__tls *t, uint8_t out[8]) {
  uint64_t a;
  do
    a = otelc__rng_next(t);
  while (OTELC__UNLIKELY(a == 0));
  memcpy(out, &a, 8);
}

#endif /* OTELC_SRC_COMMON_RANDOM_H */
