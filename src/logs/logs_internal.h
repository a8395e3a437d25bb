/*
 * Internal layout of log records, loggers, providers, processors and
 * exporters, shared by the files of src/logs/ and by the log exporters.
 *
 * A record's life: otelc_logger_emit takes one from a per-thread pool,
 * fills it (copying everything into the record's arena) and hands it to
 * each processor in turn. Each internal on_emit consumes one reference:
 * the provider gives every processor one, so a single batch processor
 * queues the record with no atomic read-modify-write on the emitting
 * thread. The last reference returns the record to the pool of the
 * thread that drops it.
 */
#ifndef OTELC_SRC_LOGS_INTERNAL_H
#define OTELC_SRC_LOGS_INTERNAL_H

#include <pthread.h>

#include "common/attrs.h"
#include "common/hooks.h"
#include "common/internal.h"
#include "otelc/logs.h"

/* -------------------------------------------------------------- records -- */

#define OTELC__LOG_INLINE_ATTRS 8
#define OTELC__LOG_INLINE_BYTES 448

struct otelc_log_record {
  /* First cache line: what the pool and the export thread touch when the
   * record is released, so that freeing one elsewhere moves one line. */
  _Alignas(64) _Atomic uint32_t refs;
  /* Kept by a processor or exporter (retained or queued): no longer
   * changed. Written only by the emitting thread during on_emit. */
  bool frozen;
  bool owns_heap;      /* the attribute list or the arena uses the heap */
  bool warned;         /* one limit diagnostic per record */
  uint32_t pool_count; /* pool: length of its batch */
  struct otelc_log_record *next_free; /* pool link */
  uint32_t max_attrs, max_chars;      /* the provider's limits */

  otelc_log_data data; /* attrs, n_attrs, dropped_attrs mirror the list */
  otelc__attr_list attrs;
  otelc__arena arena;
  otelc_attr inline_attrs[OTELC__LOG_INLINE_ATTRS];
  uint32_t inline_hashes[OTELC__LOG_INLINE_ATTRS];
  char inline_bytes[OTELC__LOG_INLINE_BYTES];
};

/* The calling thread's free records (initial-exec TLS: one instruction
 * to reach), refilled in batches from a global pool. */
typedef struct otelc__log_cache {
  otelc_log_record *head;
  uint32_t count;
} otelc__log_cache;
extern __thread otelc__log_cache otelc__log_cache_data
    __attribute__((tls_model("initial-exec")));

otelc_log_record *otelc__log_record_alloc_slow(void);
/* Pool: a record whose fields are to be set by the caller, or NULL when
 * memory ran out. Any thread. */
static inline otelc_log_record *otelc__log_record_alloc(void) {
  otelc__log_cache *c = &otelc__log_cache_data;
  otelc_log_record *r = c->head;
  if (OTELC__LIKELY(r != NULL)) {
    c->head = r->next_free;
    c->count--;
    return r;
  }
  return otelc__log_record_alloc_slow();
}
/* Arrange for the calling thread's logs state (record cache, formatting
 * buffers) to be released when it exits. */
void otelc__log_thread_register(void);
/* Free the calling thread's formatting buffers (at thread exit). */
void otelc__logf_thread_exit(void);

/* Return a record whose last reference is gone to the calling thread's
 * pool. */
void otelc__log_record_free(otelc_log_record *r);

static inline void otelc__log_record_ref(otelc_log_record *r) {
  atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
}
/* Drop one reference; the last one frees. */
static inline void otelc__log_record_unref(otelc_log_record *r) {
  /* The sole holder needs no read-modify-write: nobody else can reach
   * the record to take a new reference. */
  if (atomic_load_explicit(&r->refs, memory_order_acquire) == 1 ||
      atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
    otelc__log_record_free(r);
}

/* Mirror the attribute list into r->data and note heap use. */
static inline void otelc__log_record_sync(otelc_log_record *r) {
  r->data.attrs = r->attrs.items;
  r->data.n_attrs = r->attrs.count;
  r->data.dropped_attrs = r->attrs.dropped;
  r->owns_heap = r->attrs.heap || r->arena.chunks;
}

/* Set one attribute within the record's limits (no mirroring). */
otelc_status otelc__log_record_set(otelc_log_record *r, const otelc_attr *a);
/* Set the caller's attributes (no mirroring): invalid keys skipped, the
 * limits applied. Returns OTELC_OK or OTELC_ERR_NOMEM. */
otelc_status otelc__log_record_add_attrs(otelc_log_record *r,
                                         const otelc_attr *attrs, size_t n);

/* ------------------------------------------------- exporters, processors -- */

struct otelc_log_exporter {
  otelc__exporter_base base; /* first */
  otelc_status (*export_logs)(void *self, otelc_log_record *const *records,
                              size_t n, uint32_t timeout_ms);
};

otelc_status otelc__log_exporter_export(otelc_log_exporter *e,
                                        otelc_log_record *const *records,
                                        size_t n, uint32_t timeout_ms);
otelc_status otelc__log_exporter_flush(otelc_log_exporter *e,
                                       uint32_t timeout_ms);
otelc_status otelc__log_exporter_shutdown(otelc_log_exporter *e,
                                          uint32_t timeout_ms);

/* Processors as the provider sees them. on_emit consumes one reference to
 * the record: the processor keeps it or releases it. */
typedef struct otelc__log_proc_vtbl {
  void (*on_emit)(otelc_log_processor *p, otelc_log_record *r,
                  const otelc_context *ctx);
  otelc_status (*force_flush)(otelc_log_processor *p, uint32_t timeout_ms);
  otelc_status (*shutdown)(otelc_log_processor *p, uint32_t timeout_ms);
  otelc_status (*tick)(otelc_log_processor *p);
  void (*stats)(const otelc_log_processor *p, otelc_log_processor_stats *out);
  void (*destroy)(otelc_log_processor *p);
  /* Optional. After a shutdown that abandoned an export thread, the
   * thread may still read records, which point at their provider's
   * loggers and resource: when such a thread is still running it calls
   * release(arg) once it is done, and hold returns true. */
  bool (*hold)(otelc_log_processor *p, void (*release)(void *arg), void *arg);
  /* otel.component.type of the self-metrics; NULL for custom ones. */
  const char *component_type;
} otelc__log_proc_vtbl;

struct otelc_log_processor {
  const otelc__log_proc_vtbl *vt;
  _Atomic int shut;
};

#define OTELC__LOG_DEFAULT_SHUTDOWN_MS 5000

/* The name syslog gives the level of @p priority ("err", "warning"...). */
const char *otelc__syslog_level_name(int priority);

/* ------------------------------------------------------ logger/provider -- */

struct otelc_logger {
  struct otelc_logger *next;
  struct otelc_logger_provider *provider; /* NULL: global proxy */
  otelc_scope_info scope;
  /* Global proxies: the real logger for the current global provider. */
  _Atomic(struct otelc_logger *) resolved;
  _Atomic unsigned resolved_gen;
  otelc__arena arena; /* scope strings and attributes */
};

struct otelc_logger_provider {
  _Atomic int shut;
  /* While freed: 1 for otelc_logger_provider_free plus one per abandoned
   * export thread; the last one frees the loggers and the resource. */
  _Atomic uint32_t holds;
  bool disabled; /* OTEL_SDK_DISABLED: the shared no-op provider */
  bool trace_based;
  int min_severity;
  otelc_log_limits limits;
  otelc_resource *resource;
  otelc_log_processor **procs;
  size_t n_procs;
  pthread_mutex_t mu; /* loggers list */
  struct otelc_logger *loggers;
};

/* A global proxy's real logger (NULL: no global provider). */
struct otelc_logger *otelc__logger_resolve(struct otelc_logger *proxy);

/* Whether a record of @p severity may be kept by @p p (severity filter
 * only; p has processors and is not shut down). */
static inline bool otelc__log_severity_passes(const otelc_logger_provider *p,
                                              int severity) {
  return severity == 0 || severity >= p->min_severity;
}

#endif /* OTELC_SRC_LOGS_INTERNAL_H */
