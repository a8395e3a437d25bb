/*
 * All of otelc's per-thread state in one block with the initial-exec TLS
 * model: one instruction to reach it, where the default model for a
 * shared library costs a call to __tls_get_addr on every access. It is
 * kept small (the static TLS space of a dlopen()ed library is limited):
 * anything larger lives on the heap behind a pointer here.
 */
#ifndef OTELC_SRC_COMMON_TLS_H
#define OTELC_SRC_COMMON_TLS_H

#include <stdbool.h>
#include <stdint.h>

struct otelc_span;
struct otelc__ctx_stack;

typedef struct otelc__tls {
  uint64_t rng[4];
  unsigned rng_generation; /* fork generation the generator was seeded in */
  uint32_t cache_count;
  struct otelc_span *cache_head;  /* free spans kept by this thread */
  struct otelc__ctx_stack *stack; /* active contexts, allocated on use */
  void *blocks[2];                /* free small blocks, by size class */
  uint16_t n_blocks[2];
  bool registered; /* thread-exit cleanup installed */
} otelc__tls;

extern __thread otelc__tls otelc__tls_data
    __attribute__((tls_model("initial-exec")));

/* How many contexts this thread has attached: the first member of its
 * context stack (context.c asserts the layout). 0 means no current span,
 * which lets hot paths skip looking for one. */
static inline uint32_t otelc__ctx_depth(void) {
  const uint32_t *depth = (const uint32_t *)(const void *)otelc__tls_data.stack;
  return depth ? *depth : 0;
}

/* Thread-exit cleanup: each callback runs once per exiting thread that
 * called otelc__tls_register(). Register callbacks at most once each. */
typedef void (*otelc__tls_cleanup)(otelc__tls *t);
void otelc__tls_on_exit(otelc__tls_cleanup fn);
/* Arrange for the cleanup callbacks to run when this thread exits. */
void otelc__tls_register(otelc__tls *t);

#endif /* OTELC_SRC_COMMON_TLS_H */
