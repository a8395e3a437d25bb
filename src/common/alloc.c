/* Allocation wrappers with a failure-injection hook for tests. */
#include "common/internal.h"

/* Remaining successful allocations before failures start; negative means
 * never fail. Relaxed atomics: only tests change it. */
static _Atomic long fail_after = -1;
/* Allocation calls made, for tests that prove a path allocates nothing. */
static _Atomic unsigned long calls;

unsigned long otelc__alloc_calls(void) { return atomic_load(&calls); }

void otelc__alloc_fail_after(long n) { atomic_store(&fail_after, n); }

static bool should_fail(void) {
  atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
  long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
  if (OTELC__LIKELY(n < 0))
    return false;
  while (n > 0) {
    if (atomic_compare_exchange_weak(&fail_after, &n, n - 1))
      return false;
    if (n < 0)
      return false;
  }
  return true;
}

void *otelc__malloc(size_t n) { return should_fail() ? NULL : malloc(n); }

void *otelc__calloc(size_t count, size_t n) {
  return should_fail() ? NULL : calloc(count, n);
}

void *otelc__realloc(void *p, size_t n) {
  return should_fail() ? NULL : realloc(p, n);
}

void *otelc__malloc_aligned(size_t align, size_t n) {
  void *p = NULL;
  if (should_fail() || posix_memalign(&p, align, n) != 0)
    return NULL;
  return p;
}

void otelc__free(void *p) { free(p); }

char *otelc__strndup(const char *s, size_t n) {
  if (!s)
    return NULL;
  char *d = otelc__malloc(n + 1);
  if (!d)
    return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *otelc__strdup(const char *s) {
  return s ? otelc__strndup(s, strlen(s)) : NULL;
}
