/* fork() support: a generation counter and per-object hooks that keep
 * locks consistent across fork and reset state in the child. */
#include <pthread.h>

#include "common/internal.h"

_Atomic unsigned otelc__fork_generation = 1;

#define MAX_FORK_HOOKS 256

static pthread_mutex_t hooks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  otelc__fork_hooks h;
  void *arg;
} hooks[MAX_FORK_HOOKS];
static size_t n_hooks;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* prepare runs hooks in reverse registration order, parent and child in
 * order, mirroring pthread_atfork's own convention. */
static void prepare(void) {
  pthread_mutex_lock(&hooks_mu);
  for (size_t i = n_hooks; i-- > 0;)
    if (hooks[i].h.prepare)
      hooks[i].h.prepare(hooks[i].arg);
}

static void parent(void) {
  for (size_t i = 0; i < n_hooks; i++)
    if (hooks[i].h.parent)
      hooks[i].h.parent(hooks[i].arg);
  pthread_mutex_unlock(&hooks_mu);
}

static void child(void) {
  atomic_fetch_add(&otelc__fork_generation, 1);
  for (size_t i = 0; i < n_hooks; i++)
    if (hooks[i].h.child)
      hooks[i].h.child(hooks[i].arg);
  /* Taken in prepare by the forking thread, the only one left. */
  pthread_mutex_unlock(&hooks_mu);
}

static void register_atfork(void) { pthread_atfork(prepare, parent, child); }

void otelc__fork_init(void) { pthread_once(&once, register_atfork); }

bool otelc__fork_register(const otelc__fork_hooks *h, void *arg) {
  otelc__fork_init();
  pthread_mutex_lock(&hooks_mu);
  bool ok = n_hooks < MAX_FORK_HOOKS;
  if (ok) {
    hooks[n_hooks].h = *h;
    hooks[n_hooks].arg = arg;
    n_hooks++;
  }
  pthread_mutex_unlock(&hooks_mu);
  if (!ok)
    otelc__warn("too many objects registered for fork handling; one will "
                "not be reset in forked children");
  return ok;
}

void otelc__fork_unregister(void *arg) {
  pthread_mutex_lock(&hooks_mu);
  for (size_t i = 0; i < n_hooks; i++) {
    if (hooks[i].arg == arg) {
      for (size_t j = i + 1; j < n_hooks; j++)
        hooks[j - 1] = hooks[j];
      n_hooks--;
      break;
    }
  }
  pthread_mutex_unlock(&hooks_mu);
}
