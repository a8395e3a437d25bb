/* Per-thread state and its cleanup at thread exit. */
#include <pthread.h>

#include "common/internal.h"
#include "common/tls.h"

__thread otelc__tls otelc__tls_data __attribute__((tls_model("initial-exec")));

#define MAX_CLEANUPS 8

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static otelc__tls_cleanup cleanups[MAX_CLEANUPS];
static size_t n_cleanups;

static void run_cleanups(void *arg) {
  otelc__tls *t = arg;
  pthread_mutex_lock(&mu);
  size_t n = n_cleanups;
  pthread_mutex_unlock(&mu);
  for (size_t i = 0; i < n; i++)
    cleanups[i](t);
  t->registered = false;
}

static void make_key(void) { pthread_key_create(&key, run_cleanups); }

void otelc__tls_on_exit(otelc__tls_cleanup fn) {
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < n_cleanups; i++)
    if (cleanups[i] == fn) {
      pthread_mutex_unlock(&mu);
      return;
    }
  if (n_cleanups < MAX_CLEANUPS)
    cleanups[n_cleanups++] = fn;
  pthread_mutex_unlock(&mu);
}

void otelc__tls_register(otelc__tls *t) {
  pthread_once(&once, make_key);
  pthread_setspecific(key, t);
  t->registered = true;
}
