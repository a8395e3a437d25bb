/* Read-only segments of objects that are never unloaded (see
 * immutable.h). The ranges are kept in snapshots published through one
 * atomic pointer and never freed (each new one links to the one before),
 * so readers take no lock: a fork while another thread looks cannot leave
 * the child waiting on one. */
#include "common/immutable.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>

#include "common/internal.h"

typedef struct range {
  uintptr_t lo, hi; /* [lo, hi) */
} range;

typedef struct snapshot {
  struct snapshot *prev;   /* kept reachable, never freed */
  unsigned long long adds; /* objects ever loaded when it was taken */
  size_t n, cap;
  range r[];
} snapshot;

static _Atomic(snapshot *) g_snap;

/* Whether the object's dynamic section carries DF_1_NODELETE. */
static bool nodelete(const struct dl_phdr_info *info) {
  for (size_t i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_DYNAMIC)
      continue;
    const ElfW(Dyn) *d =
        (const ElfW(Dyn) *)(info->dlpi_addr + (uintptr_t)ph->p_vaddr);
    for (; d->d_tag != DT_NULL; d++)
      if (d->d_tag == DT_FLAGS_1)
        return (d->d_un.d_val & DF_1_NODELETE) != 0;
  }
  return false;
}

typedef struct scan {
  snapshot *s; /* NULL: only count */
  size_t count;
  bool first; /* the first object reported is the main program */
} scan;

static int scan_one(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  scan *sc = arg;
  bool permanent = sc->first || nodelete(info);
  sc->first = false;
  if (!permanent)
    return 0;
  for (size_t i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || !ph->p_memsz)
      continue;
    sc->count++;
    if (sc->s && sc->s->n < sc->s->cap) {
      uintptr_t lo = (uintptr_t)info->dlpi_addr + (uintptr_t)ph->p_vaddr;
      sc->s->r[sc->s->n++] = (range){lo, lo + (uintptr_t)ph->p_memsz};
    }
  }
  return 0;
}

static int read_adds(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  *(unsigned long long *)arg = info->dlpi_adds;
  return 1;
}

static bool inside(const snapshot *s, uintptr_t a, size_t len) {
  for (size_t i = 0; s && i < s->n; i++)
    if (a >= s->r[i].lo && a < s->r[i].hi && len <= s->r[i].hi - a)
      return true;
  return false;
}

/* A snapshot of the objects loaded now, published; NULL without memory. */
static snapshot *take(snapshot *old, unsigned long long adds) {
  scan sc = {NULL, 0, true};
  dl_iterate_phdr(scan_one, &sc);
  size_t cap = sc.count + 8; /* room for objects loaded meanwhile */
  snapshot *s = otelc__malloc(sizeof *s + cap * sizeof(range));
  if (!s)
    return NULL;
  *s = (snapshot){.prev = old, .adds = adds, .n = 0, .cap = cap};
  sc = (scan){s, 0, true};
  dl_iterate_phdr(scan_one, &sc);
  if (!atomic_compare_exchange_strong(&g_snap, &old, s)) {
    otelc__free(s); /* another thread published first: use its */
    return old;
  }
  return s;
}

bool otelc__immutable(const void *p, size_t len) {
  if (!p)
    return false;
  uintptr_t a = (uintptr_t)p;
  snapshot *s = atomic_load(&g_snap);
  if (inside(s, a, len))
    return true;
  /* An object loaded since the snapshot may hold it. */
  unsigned long long adds = 0;
  dl_iterate_phdr(read_adds, &adds);
  if (s && s->adds == adds)
    return false;
  return inside(take(s, adds), a, len);
}
