/* Timestamps: one monotonic clock read, turned into wall time by an offset
 * that is refreshed about once a second. */
#include <time.h>

#include "common/internal.h"

#define REFRESH_NS 1000000000ull

static _Atomic int64_t wall_offset;    /* wall - mono, ns */
static _Atomic uint64_t offset_taken;  /* mono time of the last refresh */

uint64_t otelc__mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void refresh(uint64_t mono) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t wall = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  atomic_store_explicit(&wall_offset, (int64_t)(wall - mono),
                        memory_order_relaxed);
  atomic_store_explicit(&offset_taken, mono, memory_order_release);
}

uint64_t otelc__wall_from_mono(uint64_t mono) {
  uint64_t taken = atomic_load_explicit(&offset_taken, memory_order_acquire);
  if (OTELC__UNLIKELY(taken == 0 || mono - taken > REFRESH_NS)) {
    /* Races only make two threads refresh; both store valid offsets. */
    refresh(otelc__mono_ns());
  }
  return mono + (uint64_t)atomic_load_explicit(&wall_offset,
                                               memory_order_relaxed);
}

uint64_t otelc_time_now(void) {
  return otelc__wall_from_mono(otelc__mono_ns());
}
