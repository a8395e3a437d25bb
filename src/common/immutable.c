/* The main program's read-only segments (see immutable.h). */
#include "common/immutable.h"

#include <link.h>
#include <pthread.h>
#include <stdint.h>

#define MAX_RANGES 8

typedef struct range {
  uintptr_t lo, hi; /* [lo, hi) */
} range;

static range g_ranges[MAX_RANGES];
static size_t g_n;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* The first object dl_iterate_phdr reports is the main program. */
static int read_main(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  (void)arg;
  for (size_t i = 0; i < info->dlpi_phnum && g_n < MAX_RANGES; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || !ph->p_memsz)
      continue;
    uintptr_t lo = (uintptr_t)info->dlpi_addr + (uintptr_t)ph->p_vaddr;
    g_ranges[g_n++] = (range){lo, lo + (uintptr_t)ph->p_memsz};
  }
  return 1; /* stop after the first object */
}

static void load(void) {
  dl_iterate_phdr(read_main, NULL);
}

bool otelc__immutable(const void *p, size_t len) {
  if (!p)
    return false;
  pthread_once(&g_once, load);
  uintptr_t a = (uintptr_t)p;
  for (size_t i = 0; i < g_n; i++)
    if (a >= g_ranges[i].lo && a < g_ranges[i].hi && len <= g_ranges[i].hi - a)
      return true;
  return false;
}
