/*
 * Internal layout of the metrics SDK: providers, meters, instruments,
 * their streams and per-reader storage, readers and exporters.
 *
 * Ownership: a provider owns its meters, a meter its instruments, an
 * instrument its streams (one per matching view, or the default one) and
 * its storage: one otelc__mstore per stream and reader, so that every
 * reader has independent state (temporality, cardinality, aggregation).
 * Nothing is freed before the provider is, except the series of
 * observable instruments, which only the collecting reader touches.
 */
#ifndef OTELC_SRC_METRICS_INTERNAL_H
#define OTELC_SRC_METRICS_INTERNAL_H

#include <pthread.h>

#include "common/attrs.h"
#include "common/internal.h"
#include "metrics/attrset.h"
#include "metrics/exp_histogram.h"
#include "metrics/outbuf.h"
#include "otelc/metrics.h"

#define OTELC__DEFAULT_CARDINALITY 2000u
#define OTELC__DEFAULT_SHUTDOWN_MS 5000u

/* A measurement: an integer or a double, as the instrument says. */
typedef union otelc__num {
  int64_t i;
  double d;
} otelc__num;

/* How a stream aggregates, resolved for one reader. */
typedef enum otelc__agg {
  OTELC__AGG_SUM = 1,
  OTELC__AGG_LAST = 2,
  OTELC__AGG_HIST = 3,
  OTELC__AGG_EXPH = 4
} otelc__agg;

/* ---------------------------------------------------------- filtering -- */

typedef struct otelc__fkey {
  const char *key;
  uint32_t len;
  uint64_t hash; /* otelc__hash_bytes(key, len, OTELC__H1) */
} otelc__fkey;

/* Which measurement attributes a stream keeps. */
typedef struct otelc__filter {
  bool allow_only; /* keep only the keys of allow[] */
  const otelc__fkey *allow;
  uint32_t n_allow;
  const otelc__fkey *deny;
  uint32_t n_deny;
} otelc__filter;

/* ------------------------------------------------------------- streams -- */

/* One stream of an instrument: what a view (or the default) makes of it.
 * Immutable after the instrument is created. */
typedef struct otelc__stream {
  const char *name;
  const char *description;
  otelc_aggregation agg; /* kind may be DEFAULT: resolved per reader */
  const double *bounds;  /* explicit histogram bounds (resolved) */
  size_t n_bounds;
  const otelc__filter *filter; /* NULL: keep everything */
  uint32_t cardinality_limit;  /* 0: the reader's */
  otelc_exemplar_reservoir reservoir;
  uint32_t reservoir_size;
} otelc__stream;

/* ------------------------------------------------------------- series -- */

#define OTELC__SERIES_OVERFLOW 1u

struct otelc__stripes;
struct otelc__reservoir;
struct otelc__pcell;

/* One attribute set of one store and its aggregation cell. The cell
 * follows the header at OTELC__SERIES_HDR (its own cache lines). */
typedef struct otelc__series {
  uint64_t hash;
  uint32_t n_attrs;
  uint32_t flags;
  /* The attributes for comparisons, in the order they first came. */
  const otelc__sattr *match;
  const otelc_attr *attrs; /* sorted by key (export), owned */
  /* Set by measurements: cumulative readers never clear it (a series
   * with a value), delta readers clear it at each collection. */
  _Atomic uint32_t dirty;
  _Atomic uint32_t contention; /* failed fast attempts, until striped */
  _Atomic(struct otelc__stripes *) stripes;
  _Atomic(struct otelc__reservoir *) res;
  _Atomic(struct otelc__series *) next; /* the store's list */
  _Atomic uint32_t bound;               /* bound handles pointing here */
  uint64_t start_ns;                    /* creation (wall) */
  /* Observable instruments: written by the collecting reader only. */
  uint64_t obs_gen; /* collection that last observed it */
  otelc__num obs, prev;
  bool has_prev;
  otelc__arena arena; /* attribute copies that did not fit the block */
  /* Cells owned by one thread each (see pcell.h), newest first. */
  _Atomic(struct otelc__pcell *) pcells;
  _Atomic uint32_t n_pcells;
} otelc__series;

#define OTELC__SERIES_HDR ((sizeof(otelc__series) + 63u) & ~(size_t)63u)

static inline void *otelc__series_cell(otelc__series *s) {
  return (char *)s + OTELC__SERIES_HDR;
}

/* Per-thread copies of a hot series' cell, merged at collection. */
typedef struct otelc__stripes {
  uint32_t mask;
} otelc__stripes;

#define OTELC__STRIPES_HDR 64u

/* An explicit-bucket histogram cell (under its lock). */
typedef struct otelc__hist_cell {
  _Atomic uint32_t lock;
  uint32_t pad;
  uint64_t count;
  double sum, min, max;
  uint64_t buckets[]; /* n_bounds + 1 */
} otelc__hist_cell;

/* An exponential histogram cell. */
typedef struct otelc__exph_cell {
  _Atomic uint32_t lock;
  otelc__exph h;
} otelc__exph_cell;

/* -------------------------------------------------------------- stores -- */

/* Open-addressing table of series; grows by replacing itself (old tables
 * stay readable until the store is freed, so readers need no lock). */
typedef struct otelc__table {
  uint32_t mask;
  struct otelc__table *older;
  _Atomic(otelc__series *) slots[];
} otelc__table;

struct otelc_metric_reader;
struct otelc__inst;

/* The series of one stream for one reader. */
typedef struct otelc__mstore {
  /* Read by every measurement. */
  _Atomic(otelc__table *) table;
  _Atomic bool full; /* the limit is reached: the table is final */
  uint8_t agg;       /* otelc__agg */
  bool delta;
  bool exemplars; /* measurements are offered to reservoirs */
  bool is_async;
  bool is_double; /* sums and last values hold doubles */
  bool record_min_max;
  uint32_t cell_size; /* multiple of 64 */
  bool pcells;        /* threads get cells of their own (see pcell.h) */
  const otelc__filter *filter;
  const double *bounds;
  uint32_t n_bounds;
  otelc__series *overflow;
  uint8_t res_kind; /* otelc_exemplar_reservoir: NONE, FIXED or ALIGNED */
  uint32_t res_size;
  uint32_t exph_max_size;
  int32_t exph_max_scale;
  uint64_t id; /* unique in the process, never reused (lookup caches) */
  /* Inserts (mu) and collection. */
  pthread_mutex_t mu;
  uint32_t limit;
  _Atomic uint32_t n_series;
  _Atomic(otelc__series *) head;
  otelc__series *tail;
  otelc__table *retired;
  const otelc__stream *stream;
  struct otelc__inst *inst;
  uint32_t reader_idx;
  otelc_temporality temporality;
  uint64_t last_collect_ns; /* end of the last collection (wall) */
} otelc__mstore;

/* --------------------------------------------------------- instruments -- */

typedef struct otelc__inst {
  /* Read by every measurement. */
  uint32_t n_stores;
  uint8_t kind; /* otelc_instrument_kind */
  bool is_double;
  uint8_t exemplar_filter; /* otelc_exemplar_filter, resolved */
  bool exemplars;          /* some store offers exemplars */
  _Atomic bool warned_negative;
  otelc__mstore **stores;
  struct otelc_meter_provider *prov;
  /* Identity and configuration. */
  struct otelc_meter *meter;
  const char *name;
  const char *unit;
  const char *description;
  const double *adv_bounds;
  size_t n_adv_bounds;
  bool has_adv_bounds;
  bool has_adv_keys;
  const otelc__filter *adv_filter;
  otelc__stream *streams;
  size_t n_streams;
  uint64_t created_ns;
  _Atomic(struct otelc__inst *) next;
  _Atomic bool warned_observe;
  otelc__arena arena;
} otelc__inst;

/* ------------------------------------------------------------- meters -- */

struct otelc_meter {
  struct otelc_meter_provider *prov;
  otelc_scope_info scope;
  otelc__arena arena;
  _Atomic(otelc__inst *) insts;
  otelc__inst *insts_tail;
  _Atomic(struct otelc_meter *) next;
};

/* ------------------------------------------------------------ bound -- */

typedef struct otelc__bound_target {
  otelc__mstore *st;
  otelc__series *s;
  const otelc_attr *fattrs; /* attributes the stream drops (exemplars) */
  size_t n_fattrs;
} otelc__bound_target;

struct otelc_bound {
  otelc__inst *in;
  uint32_t n;
  bool fast;                       /* one target, an int64 sum */
  bool monotonic;                  /* a counter: negative values are refused */
  bool exemplars;                  /* some target offers exemplars */
  struct otelc_bound *prev, *next; /* the provider's list */
  otelc__arena arena;              /* fattrs */
  otelc__bound_target t[];
};

/* Free a bound handle (the provider's list is the caller's business). */
void otelc__bound_destroy(struct otelc_bound *b);

/* ---------------------------------------------------------- callbacks -- */

struct otelc_callback_registration {
  struct otelc_meter_provider *prov;
  otelc_observable_fn fn;
  void *user_data;
  otelc__inst **insts;
  size_t n_insts;
  uint32_t running; /* calls in progress (cb_mu) */
  bool removed;
  struct otelc_callback_registration *prev, *next;
};

/* One buffered observation. */
typedef struct otelc__obs_item {
  otelc__inst *in;
  otelc__num v;
  size_t attr_off; /* index of its attributes in the attrs vector */
  size_t n_attrs;
} otelc__obs_item;

/* What a running callback writes into; one per reader. */
struct otelc_observer {
  struct otelc_metric_reader *r;
  struct otelc_callback_registration *reg;
  bool active;
  bool warned_outside;
  otelc__vec items; /* otelc__obs_item */
  otelc__vec attrs; /* otelc_attr */
  otelc__bump mem;  /* attribute keys and values */
};

/* ----------------------------------------------------------- provider -- */

struct otelc_meter_provider {
  _Atomic bool shut;
  bool disabled;
  uint8_t exemplar_filter;
  _Atomic unsigned fork_gen;
  _Atomic int refs; /* the owner, and readers abandoned while exporting */
  otelc_resource *resource;
  struct otelc_metric_reader **readers;
  uint32_t n_readers;
  otelc_view *views;
  size_t n_views;
  otelc__arena view_arena;
  pthread_mutex_t mu; /* meters, instruments, bound handles */
  _Atomic(struct otelc_meter *) meters;
  struct otelc_meter *meters_tail;
  struct otelc_bound *bounds;
  pthread_mutex_t cb_mu; /* callbacks */
  pthread_cond_t cb_cv;
  struct otelc_callback_registration *cbs, *cbs_tail;
};

/* ------------------------------------------------------------ readers -- */

typedef struct otelc__reader_vtbl {
  otelc_status (*force_flush)(struct otelc_metric_reader *r, uint32_t ms);
  /* Final work and the exporter's or owner's shutdown. */
  otelc_status (*shutdown)(struct otelc_metric_reader *r, uint32_t ms);
  otelc_status (*tick)(struct otelc_metric_reader *r);
  /* In a forked child, on first use: restart what the fork lost. */
  void (*after_fork)(struct otelc_metric_reader *r);
  /* Release the reader's own resources and the reader itself (possibly
   * later, when an abandoned export thread returns). */
  void (*destroy)(struct otelc_metric_reader *r);
} otelc__reader_vtbl;

struct otelc_metric_reader {
  const otelc__reader_vtbl *vt;
  otelc_metric_reader_prefs prefs;
  _Atomic(struct otelc_meter_provider *) prov;
  uint32_t idx; /* in prov->readers */
  _Atomic bool shut;
  pthread_mutex_t collect_mu; /* one collection at a time */
  uint64_t gen;               /* collections started */
  otelc__outbuf out;
  struct otelc_observer obs;
  _Atomic uint64_t collections, exports, export_failures, points_exported,
      points_failed;
};

struct otelc_metric_exporter {
  otelc_metric_exporter_ops ops;
  void *self;
  otelc_metric_reader_prefs prefs;
};

/* =========================================================== functions == */

/* Unless said otherwise, functions that change a provider's lists hold
 * its mutex themselves, and functions reading stores are safe alongside
 * recording threads. */

/* attribute filters (view.c) ------------------------------------------- */

/* Indexes of the attributes of @p m that @p f keeps, written to
 * m->f_idx, with their count and set hash (cached per filter). @p m is
 * the caller's own (stack) state. */
void otelc__mattrs_filter(otelc__mattrs *m, const otelc__filter *f);

/* Whether instrument @p in is selected by @p v. Pure. */
bool otelc__view_matches(const otelc_view *v, const otelc__inst *in);
/* Validate and copy the views into @p p (invalid ones are reported and
 * skipped). Returns OTELC_ERR_NOMEM or OTELC_OK. Provider creation only. */
otelc_status otelc__views_copy(struct otelc_meter_provider *p,
                               const otelc_view *views, size_t n);
/* Build the streams of @p in (in its arena) from the provider's views.
 * Returns false when memory ran out. Caller holds the provider's mutex. */
bool otelc__streams_build(otelc__inst *in);
/* A filter in arena @p a: keep only @p allow (when @p allow_only), and
 * never @p deny. NULL when memory ran out. Not thread-safe (the arena). */
otelc__filter *otelc__filter_new(otelc__arena *a, const char *const *allow,
                                 size_t n_allow, bool allow_only,
                                 const char *const *deny, size_t n_deny);
/* Whether @p b is a valid list of explicit bounds (reports why not,
 * naming @p what). Pure. */
bool otelc__bounds_valid(const double *b, size_t n, const char *what);

/* stores (store.c) -------------------------------------------------------- */

/* A store of @p stream of @p in for reader @p r. NULL when memory ran out
 * or the aggregation drops (*dropped set). Instrument creation only. */
otelc__mstore *otelc__store_new(otelc__inst *in, const otelc__stream *stream,
                                struct otelc_metric_reader *r, bool *dropped);
/* Free a store and its series. No other thread may use it. */
void otelc__store_free(otelc__mstore *st);
/* The series of the set (m, idx, n, h) after a failed lookup: inserted
 * under the store's lock, or the overflow series beyond the limit. Never
 * NULL. Thread-safe. */
otelc__series *otelc__store_insert(otelc__mstore *st, const otelc__mattrs *m,
                                   const uint32_t *idx, uint32_t n, uint64_t h);
/* Called when a fast cell update met another thread: may give the series
 * per-thread stripes. Thread-safe. */
void otelc__series_contended(otelc__mstore *st, otelc__series *s);
/* Observable stores: drop the series that collection @p gen did not
 * observe. The collecting thread of the store's reader only. */
void otelc__store_sweep(otelc__mstore *st, uint64_t gen);
/* Reset cell locks and the store's mutex in a forked child (fork hook). */
void otelc__store_after_fork(otelc__mstore *st);
/* Reset a cell to empty. The cell is not in use yet. */
void otelc__cell_init(const otelc__mstore *st, void *cell);
/* Stripes a hot series gets: twice the processors, a power of two, at
 * most 64. */
uint32_t otelc__stripe_count(void);
/* Stripe index of the calling thread (never 0), assigned on first use. */
uint32_t otelc__thread_stripe(void);

/* instruments (instrument.c) ---------------------------------------------- */

/* The instrument @p name of @p kind in @p m (see metrics.h for identity
 * rules); a no-op instrument on error. Thread-safe. */
otelc__inst *otelc__inst_get(otelc_meter *m, otelc_instrument_kind kind,
                             const char *name,
                             const otelc_instrument_opts *opts);
/* Free an instrument and its stores (provider free only). */
void otelc__inst_free(otelc__inst *in);
/* The instrument handed out when there is nothing to record into. */
extern otelc__inst otelc__noop_inst;
bool otelc__kind_is_async(otelc_instrument_kind k);
/* "counter", "observable gauge", ... for messages. */
const char *otelc__kind_name(otelc_instrument_kind k);

/* recording (record.c) --------------------------------------------------- */

/* Record @p v with @p attrs into every store of @p in (which has at least
 * one). Thread-safe, lock-free once the series exist. */
void otelc__record(otelc__inst *in, otelc__num v, const otelc_attr *attrs,
                   size_t n);

/* exemplars (exemplar.c) ---------------------------------------------- */

/* Free a reservoir (series free only). */
void otelc__reservoir_free(struct otelc__reservoir *r);

/* observable instruments (observable.c) ---------------------------------- */

/* Run every callback for reader @p r until @p deadline (monotonic ns)
 * and apply their observations to r's stores. Caller holds
 * r->collect_mu. */
void otelc__run_callbacks(struct otelc_metric_reader *r, uint64_t deadline);
/* Free every registration of @p p (provider free only). */
void otelc__callbacks_free(struct otelc_meter_provider *p);
/* Release an observer's buffers (reader free only). */
void otelc__observer_free(struct otelc_observer *o);

/* collection (collect.c) ------------------------------------------------ */

/* Collect for @p r and call @p fn; *points (may be NULL) receives the
 * point count. The caller holds r->collect_mu. */
otelc_status otelc__collect_locked(struct otelc_metric_reader *r,
                                   otelc_metric_collect_fn fn, void *user_data,
                                   uint32_t timeout_ms, size_t *points);

/* readers (reader.c) ------------------------------------------------------ */

/* Common initialisation of a reader (not yet attached). */
void otelc__reader_init(struct otelc_metric_reader *r,
                        const otelc__reader_vtbl *vt,
                        const otelc_metric_reader_prefs *prefs);
/* Release what otelc__reader_init set up (reader destroy only). */
void otelc__reader_fini(struct otelc_metric_reader *r);
/* Collect regardless of shutdown (the final collection); serialised with
 * the reader's other collections. OTELC_ERR_STATE without a provider. */
otelc_status otelc__reader_collect(struct otelc_metric_reader *r,
                                   otelc_metric_collect_fn fn, void *user_data,
                                   uint32_t timeout_ms, size_t *points);
/* The temporality of kind @p k for @p r (never UNSPECIFIED). Pure. */
otelc_temporality otelc__reader_temporality(const struct otelc_metric_reader *r,
                                            otelc_instrument_kind k);

/* provider (provider.c) -------------------------------------------------- */

/* In a forked child, on first use: note the fork and restart what each
 * reader lost (its export thread). Thread-safe. */
void otelc__mp_after_fork(struct otelc_meter_provider *p);
/* Drop a reference; the last one frees the provider. Thread-safe. */
void otelc__mp_release(struct otelc_meter_provider *p);
/* The readers of @p p (for SDK self-metrics); *n receives the count.
 * The array lives as long as the provider. Thread-safe. */
struct otelc_metric_reader *const *
otelc__meter_provider_readers(const struct otelc_meter_provider *p, size_t *n);

/* time */
static inline uint64_t otelc__ms_to_ns(uint32_t ms) {
  return (uint64_t)ms * 1000000ull;
}

#endif /* OTELC_SRC_METRICS_INTERNAL_H */
