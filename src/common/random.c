/* Per-thread xoshiro256** generator for trace and span ids. */
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/internal.h"

typedef struct rng {
  uint64_t s[4];
  unsigned generation; /* fork generation the state was seeded in */
} rng;

static _Thread_local rng tls_rng;

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void seed(rng *r) {
  uint64_t seedv[4] = {0};
  ssize_t got = getrandom(seedv, sizeof seedv, GRND_NONBLOCK);
  if (got != (ssize_t)sizeof seedv) {
    /* No entropy available yet: mix time, pid and addresses. Ids must be
     * unique, not secret. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                 ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)r ^
                 otelc__mono_ns();
    for (int i = 0; i < 4; i++)
      seedv[i] ^= splitmix64(&x);
  }
  if (!(seedv[0] | seedv[1] | seedv[2] | seedv[3]))
    seedv[0] = 1;
  memcpy(r->s, seedv, sizeof seedv);
  r->generation = atomic_load_explicit(&otelc__fork_generation,
                                       memory_order_relaxed);
}

uint64_t otelc__rand64(void) {
  rng *r = &tls_rng;
  if (OTELC__UNLIKELY(r->generation !=
                      atomic_load_explicit(&otelc__fork_generation,
                                           memory_order_relaxed)))
    seed(r);
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void otelc__random_trace_id(uint8_t out[16]) {
  uint64_t a, b;
  do {
    a = otelc__rand64();
    b = otelc__rand64();
  } while (OTELC__UNLIKELY((a | b) == 0));
  memcpy(out, &a, 8);
  memcpy(out + 8, &b, 8);
}

void otelc__random_span_id(uint8_t out[8]) {
  uint64_t a;
  do
    a = otelc__rand64();
  while (OTELC__UNLIKELY(a == 0));
  memcpy(out, &a, 8);
}
