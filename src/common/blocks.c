/* Per-thread caches of small fixed-size blocks. */
#include <pthread.h>

#include "common/blocks.h"
#include "common/internal.h"
#include "common/tls.h"

#define KEEP 32 /* free blocks a thread keeps per size class */

static void drop_all(otelc__tls *t) {
  for (int cls = 0; cls < 2; cls++) {
    void *p = t->blocks[cls];
    while (p) {
      void *next = *(void **)p;
      otelc__free(p);
      p = next;
    }
    t->blocks[cls] = NULL;
    t->n_blocks[cls] = 0;
  }
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic bool inited;
static void init(void) {
  otelc__tls_on_exit(drop_all);
  atomic_store(&inited, true);
}

void *otelc__block_alloc(int cls) {
  otelc__tls *t = &otelc__tls_data;
  void *p = t->blocks[cls];
  if (OTELC__LIKELY(p != NULL)) {
    t->blocks[cls] = *(void **)p;
    t->n_blocks[cls]--;
    return p;
  }
  return otelc__malloc(OTELC__BLOCK_SIZE(cls));
}

void otelc__block_free(void *p, int cls) {
  if (!p)
    return;
  otelc__tls *t = &otelc__tls_data;
  if (OTELC__UNLIKELY(t->n_blocks[cls] >= KEEP)) {
    otelc__free(p);
    return;
  }
  /* The thread's cache must be emptied when it exits, whichever part of
   * otelc registered the thread first. */
  if (OTELC__UNLIKELY(!atomic_load_explicit(&inited, memory_order_acquire)))
    pthread_once(&once, init);
  if (OTELC__UNLIKELY(!t->registered))
    otelc__tls_register(t);
  *(void **)p = t->blocks[cls];
  t->blocks[cls] = p;
  t->n_blocks[cls]++;
}
