/* Seeding of the per-thread id generator (the generator itself is inline
 * in common/random.h). */
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/random.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void otelc__rng_seed(otelc__tls *t) {
  uint64_t seedv[4] = {0};
  ssize_t got = getrandom(seedv, sizeof seedv, GRND_NONBLOCK);
  if (got != (ssize_t)sizeof seedv) {
    /* No entropy available yet: mix time, pid and addresses. Ids must be
     * unique, not secret. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                 ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)t ^
                 otelc__mono_ns();
    for (int i = 0; i < 4; i++)
      seedv[i] ^= splitmix64(&x);
  }
  if (!(seedv[0] | seedv[1] | seedv[2] | seedv[3]))
    seedv[0] = 1;
  memcpy(t->rng, seedv, sizeof seedv);
  t->rng_generation = atomic_load_explicit(&otelc__fork_generation,
                                           memory_order_relaxed);
}

uint64_t otelc__rand64(void) {
  otelc__tls *t = otelc__rng_tls();
  return otelc__rng_next(t);
}

void otelc__random_trace_id(uint8_t out[16]) {
  otelc__tls *t = otelc__rng_tls();
  otelc__rng_trace_id(t, out);
}

void otelc__random_span_id(uint8_t out[8]) {
  otelc__tls *t = otelc__rng_tls();
  otelc__rng_span_id(t, out);
}
