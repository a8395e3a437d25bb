/* An exporter that keeps spans in memory, for tests. */
#include "otelc/exporters.h"
#include "trace/trace_internal.h"

typedef struct memory {
  pthread_mutex_t mu;
  otelc_span **spans;
  size_t n, cap;
  size_t batches;
} memory;

static otelc_status mem_export(void *self, otelc_span *const *spans, size_t n,
                               uint32_t timeout_ms);

/* The memory state behind an exporter handle, or NULL when @p e is not a
 * memory exporter. */
static memory *of(otelc_span_exporter *e) {
  return e && e->export_spans == mem_export ? (memory *)e->base.hooks.self
                                            : NULL;
}

static otelc_status mem_export(void *self, otelc_span *const *spans, size_t n,
                               uint32_t timeout_ms) {
  (void)timeout_ms;
  memory *m = self;
  pthread_mutex_lock(&m->mu);
  if (m->n + n > m->cap) {
    size_t cap = m->cap ? m->cap : 64;
    while (cap < m->n + n)
      cap *= 2;
    otelc_span **grown = otelc__realloc(m->spans, cap * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&m->mu);
      return OTELC_ERR_NOMEM;
    }
    m->spans = grown;
    m->cap = cap;
  }
  for (size_t i = 0; i < n; i++) {
    otelc_span_retain(spans[i]);
    m->spans[m->n++] = spans[i];
  }
  m->batches++;
  pthread_mutex_unlock(&m->mu);
  return OTELC_OK;
}

static void clear_locked(memory *m) {
  for (size_t i = 0; i < m->n; i++)
    otelc_span_release(m->spans[i]);
  m->n = 0;
}

static void mem_destroy(void *self) {
  memory *m = self;
  clear_locked(m);
  otelc__free(m->spans);
  pthread_mutex_destroy(&m->mu);
  otelc__free(m);
}

otelc_status otelc_memory_exporter_new(otelc_span_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  memory *m = otelc__calloc(1, sizeof *m);
  if (!m)
    return OTELC_ERR_NOMEM;
  pthread_mutex_init(&m->mu, NULL);
  static const otelc_span_exporter_ops ops = {mem_export, NULL, NULL,
                                              mem_destroy};
  return otelc_span_exporter_new(&ops, m, out);
}

size_t otelc_memory_exporter_count(otelc_span_exporter *e) {
  memory *m = of(e);
  if (!m)
    return 0;
  pthread_mutex_lock(&m->mu);
  size_t n = m->n;
  pthread_mutex_unlock(&m->mu);
  return n;
}

otelc_span *otelc_memory_exporter_get(otelc_span_exporter *e, size_t i) {
  memory *m = of(e);
  if (!m)
    return NULL;
  pthread_mutex_lock(&m->mu);
  otelc_span *s = i < m->n ? m->spans[i] : NULL;
  pthread_mutex_unlock(&m->mu);
  return s;
}

size_t otelc_memory_exporter_batches(otelc_span_exporter *e) {
  memory *m = of(e);
  if (!m)
    return 0;
  pthread_mutex_lock(&m->mu);
  size_t n = m->batches;
  pthread_mutex_unlock(&m->mu);
  return n;
}

void otelc_memory_exporter_clear(otelc_span_exporter *e) {
  memory *m = of(e);
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  clear_locked(m);
  pthread_mutex_unlock(&m->mu);
}
