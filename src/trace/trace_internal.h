/*
 * Internal layout of spans, tracers, providers, processors, exporters and
 * samplers, shared by the files of src/trace/ and by exporters that read
 * spans directly.
 */
#ifndef OTELC_SRC_TRACE_INTERNAL_H
#define OTELC_SRC_TRACE_INTERNAL_H

#include <pthread.h>

#include "common/attrs.h"
#include "common/hooks.h"
#include "common/internal.h"
#include "common/tls.h"
#include "otelc/sampler.h"
#include "otelc/span_processor.h"
#include "otelc/trace.h"

/* ---------------------------------------------------------- tracestate -- */

/* Immutable, reference-counted W3C tracestate string. */
typedef struct otelc__tstate {
  _Atomic uint32_t refs;
  uint32_t len;
  char s[];
} otelc__tstate;

/* NULL or "" gives NULL (no tracestate). */
otelc__tstate *otelc__tstate_new(const char *s, size_t len);
static inline otelc__tstate *otelc__tstate_ref(otelc__tstate *t) {
  if (t)
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
  return t;
}
void otelc__tstate_release(otelc__tstate *t);

/* ---------------------------------------------------------------- spans -- */

#define OTELC__SPAN_INLINE_ATTRS 16
#define OTELC__SPAN_INLINE_BYTES 384

enum {
  OTELC__SPAN_RECORDING = 1u << 0, /* accepts data */
  OTELC__SPAN_SAMPLED = 1u << 1,   /* goes to exporters */
  OTELC__SPAN_ENDED = 1u << 2,     /* end was called */
  OTELC__SPAN_HAS_PARENT = 1u << 3,
  OTELC__SPAN_STATIC = 1u << 4,    /* the shared no-op span */
};

struct otelc_span {
  /* First cache line: everything the export thread and the pool touch
   * after the span has ended, so that handing a span from the thread that
   * ended it to the export thread moves one cache line, not four. */
  _Alignas(64) _Atomic uint32_t refs;
  uint32_t flags; /* OTELC__SPAN_*; written only by the owning thread */
  otelc__tstate *tracestate;
  struct otelc_span *next_free; /* pool link */
  uint32_t pool_count;          /* pool: length of the batch it heads */
  bool owns_heap; /* set at end: attrs, events, links or arena use heap */
  bool warned_limits; /* one limit warning per span */
  uint8_t prop_flags; /* OTELC__PROP_*, inherited from the parent */
  struct otelc_tracer *tracer;
  const char *name;

  otelc_span_context ctx;
  otelc_span_context parent;
  otelc_span_kind kind;
  otelc_status_code status;
  const char *status_desc;
  uint64_t start_time; /* wall ns */
  uint64_t start_mono; /* monotonic ns, 0 if start_time was explicit */
  uint64_t end_time;
  otelc__attr_list attrs;
  otelc_span_event *events;
  uint32_t n_events, cap_events, dropped_events;
  otelc_span_link *links;
  uint32_t n_links, cap_links, dropped_links;
  otelc__arena arena;
  otelc_attr inline_attrs[OTELC__SPAN_INLINE_ATTRS];
  uint32_t inline_hashes[OTELC__SPAN_INLINE_ATTRS];
  char inline_bytes[OTELC__SPAN_INLINE_BYTES];
};

/* The span returned when nothing is recorded at all (no provider, SDK
 * disabled, shut down): shared, never freed, invalid context. */
extern otelc_span otelc__noop_span;

static inline bool otelc__span_is_noop(const otelc_span *s) {
  return s == &otelc__noop_span;
}

/* Pool: spans come from a per-thread cache refilled in batches from a
 * global free list; no lock and no malloc in the steady state. */
otelc_span *otelc__span_alloc_slow(void);
static inline otelc_span *otelc__span_alloc(void) {
  otelc__tls *c = &otelc__tls_data;
  otelc_span *s = c->cache_head;
  if (OTELC__LIKELY(s != NULL)) {
    c->cache_head = s->next_free;
    c->cache_count--;
    return s;
  }
  return otelc__span_alloc_slow();
}
void otelc__span_free(otelc_span *s); /* resets and returns to the pool */

static inline void otelc__span_ref(otelc_span *s) {
  atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}
/* Drop one reference; the last one returns the span to the pool. */
static inline void otelc__span_unref(otelc_span *s) {
  /* The sole holder needs no read-modify-write: nobody else can reach
   * the span to take a new reference. */
  if (atomic_load_explicit(&s->refs, memory_order_acquire) == 1 ||
      atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
    otelc__span_free(s);
}

/* ------------------------------------------------------------ samplers -- */

typedef enum otelc__sampler_kind {
  OTELC__SAMPLER_ALWAYS_ON,
  OTELC__SAMPLER_ALWAYS_OFF,
  OTELC__SAMPLER_RATIO,
  OTELC__SAMPLER_PARENT_BASED,
  OTELC__SAMPLER_CUSTOM
} otelc__sampler_kind;

struct otelc_sampler {
  otelc__sampler_kind kind;
  double ratio;
  uint64_t threshold;     /* RATIO: sample iff randomness >= threshold */
  otelc_sampler *d[5];    /* PARENT_BASED: root, rs, rns, ls, lns */
  otelc_sampler_fn fn;    /* CUSTOM */
  void *user_data;
  char *description;
};

/* Decide for @p params (thread-safe). */
otelc_sampling_result otelc__sample(const otelc_sampler *s,
                                    const otelc_sampling_params *params);

/* --------------------------------------------------- exporters, procs -- */

struct otelc_span_exporter {
  otelc__exporter_base base; /* first */
  otelc_status (*export_spans)(void *self, otelc_span *const *spans, size_t n,
                               uint32_t timeout_ms);
};

otelc_status otelc__exporter_export(otelc_span_exporter *e,
                                    otelc_span *const *spans, size_t n,
                                    uint32_t timeout_ms);
otelc_status otelc__exporter_flush(otelc_span_exporter *e,
                                   uint32_t timeout_ms);
otelc_status otelc__exporter_shutdown(otelc_span_exporter *e,
                                      uint32_t timeout_ms);

/* Processors as the provider sees them. on_end consumes one reference to
 * the span: the processor either keeps it or releases it. */
typedef struct otelc__processor_vtbl {
  void (*on_start)(otelc_span_processor *p, otelc_span *s,
                   const otelc_context *parent);
  void (*on_end)(otelc_span_processor *p, otelc_span *s);
  otelc_status (*force_flush)(otelc_span_processor *p, uint32_t timeout_ms);
  otelc_status (*shutdown)(otelc_span_processor *p, uint32_t timeout_ms);
  otelc_status (*tick)(otelc_span_processor *p);
  void (*stats)(const otelc_span_processor *p,
                otelc_span_processor_stats *out);
  void (*destroy)(otelc_span_processor *p);
  /* otel.component.type of the self-metrics; NULL for custom ones. */
  const char *component_type;
} otelc__processor_vtbl;

struct otelc_span_processor {
  const otelc__processor_vtbl *vt;
  _Atomic int shut;
  bool wants_on_start;
  /* Optional (processors are zeroed when made). After a shutdown that
   * abandoned an export thread, the thread may still read spans, which
   * point at their tracer's scope and their provider's resource: when
   * such a thread is still running it calls release(arg) once it is
   * done, and hold returns true. */
  bool (*hold)(otelc_span_processor *p, void (*release)(void *arg),
               void *arg);
};

/* ------------------------------------------------------ tracer/provider -- */

struct otelc_tracer {
  struct otelc_tracer *next;
  struct otelc_tracer_provider *provider; /* NULL: global proxy */
  otelc_scope_info scope;
  /* Global proxies: the real tracer for the current global provider. */
  _Atomic(struct otelc_tracer *) resolved;
  _Atomic unsigned resolved_gen;
  otelc__arena arena; /* scope strings and attributes */
};

struct otelc_tracer_provider {
  _Atomic int shut;
  /* While freed: 1 for otelc_tracer_provider_free plus one per abandoned
   * export thread; the last one frees the tracers and the resource. */
  _Atomic uint32_t holds;
  bool disabled;
  otelc_resource *resource;
  otelc_sampler *sampler;
  otelc_span_limits limits;
  otelc_span_processor **procs;
  size_t n_procs;
  bool any_on_start;
  bool has_idgen;
  /* Decision by parent kind (root, remote sampled, remote not sampled,
   * local sampled, local not sampled) when the sampler needs nothing
   * else: an otelc_sampling_decision, or -1 to run the sampler. */
  int8_t fast_decision[5];
  otelc_id_generator idgen;
  pthread_mutex_t mu; /* tracers list */
  struct otelc_tracer *tracers;
};

/* Resolves a global proxy tracer to the real one (NULL: no-op). */
struct otelc_tracer *otelc__tracer_resolve(struct otelc_tracer *t);

/* A span's parent as found in a context: the local span (NULL for a remote
 * parent), its span context and tracestate (borrowed), and the
 * propagation flags that travel with it. */
typedef struct otelc__parent {
  otelc_span *span;
  otelc_span_context sc;
  otelc__tstate *ts;
  uint8_t prop_flags;
} otelc__parent;

/* The innermost active span or remote span context of this thread,
 * skipping activations of the no-op span. False when nothing is active. */
bool otelc__current_parent(otelc__parent *out);

/* The parent held by @p ctx (NULL: none). */
bool otelc__context_parent(const otelc_context *ctx, otelc__parent *out);

#endif /* OTELC_SRC_TRACE_INTERNAL_H */
