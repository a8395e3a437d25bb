/* A log exporter that keeps every exported record in memory, for tests.
 * Every function is thread-safe. */
#include <pthread.h>

#include "logs/logs_internal.h"

typedef struct memory {
  pthread_mutex_t mu;
  otelc_log_record **recs;
  size_t n, cap;
} memory;

static otelc_status mem_export(void *self, otelc_log_record *const *records,
                               size_t n, uint32_t timeout_ms);

/* The state behind @p e, or NULL when it is not a memory exporter. */
static memory *of(otelc_log_exporter *e) {
  return e && e->export_logs == mem_export ? (memory *)e->base.hooks.self
                                           : NULL;
}

static otelc_status mem_export(void *self, otelc_log_record *const *records,
                               size_t n, uint32_t timeout_ms) {
  (void)timeout_ms;
  memory *m = self;
  if (!records && n)
    return OTELC_ERR_INVALID_ARG;
  pthread_mutex_lock(&m->mu);
  if (m->n + n > m->cap) {
    size_t cap = m->cap ? m->cap : 64;
    while (cap < m->n + n)
      cap *= 2;
    otelc_log_record **grown = otelc__realloc(m->recs, cap * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&m->mu);
      return OTELC_ERR_NOMEM;
    }
    m->recs = grown;
    m->cap = cap;
  }
  for (size_t i = 0; i < n; i++) {
    otelc_log_record_retain(records[i]);
    m->recs[m->n++] = records[i];
  }
  pthread_mutex_unlock(&m->mu);
  return OTELC_OK;
}

static void clear_locked(memory *m) {
  for (size_t i = 0; i < m->n; i++)
    otelc_log_record_release(m->recs[i]);
  m->n = 0;
}

static void mem_destroy(void *self) {
  memory *m = self;
  clear_locked(m);
  otelc__free(m->recs);
  pthread_mutex_destroy(&m->mu);
  otelc__free(m);
}

otelc_status otelc_memory_log_exporter_new(otelc_log_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  memory *m = otelc__calloc(1, sizeof *m);
  if (!m)
    return OTELC_ERR_NOMEM;
  pthread_mutex_init(&m->mu, NULL);
  static const otelc_log_exporter_ops ops = {mem_export, NULL, NULL,
                                             mem_destroy};
  return otelc_log_exporter_new(&ops, m, out);
}

size_t otelc_memory_log_exporter_count(otelc_log_exporter *e) {
  memory *m = of(e);
  if (!m)
    return 0;
  pthread_mutex_lock(&m->mu);
  size_t n = m->n;
  pthread_mutex_unlock(&m->mu);
  return n;
}

otelc_log_record *otelc_memory_log_exporter_get(otelc_log_exporter *e,
                                                size_t i) {
  memory *m = of(e);
  if (!m)
    return NULL;
  pthread_mutex_lock(&m->mu);
  otelc_log_record *r = i < m->n ? m->recs[i] : NULL;
  pthread_mutex_unlock(&m->mu);
  return r;
}

void otelc_memory_log_exporter_clear(otelc_log_exporter *e) {
  memory *m = of(e);
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  clear_locked(m);
  pthread_mutex_unlock(&m->mu);
}
