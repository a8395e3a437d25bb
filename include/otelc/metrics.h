/*
 * otelc/metrics.h - the metrics SDK: meter provider, meters, instruments
 * (synchronous, bound and observable), views, readers, the exporter
 * interface, and the collected data that exporters read.
 *
 * Data flow: an instrument looks up the series of an attribute set
 * (attributes given in any order are the same series) and updates its
 * aggregation with atomic operations; readers collect the series on their
 * schedule (periodic push) or on demand (pull, e.g. a Prometheus scrape)
 * and hand them to their exporter as otelc_resource_metrics.
 *
 * Hot-path calls (add, record, and the bound forms) never block on I/O,
 * take no lock shared with other recording threads in the steady state,
 * and allocate only when a new series appears. Every series count is
 * bounded by a cardinality limit (2000 by default): beyond it measurements
 * go to one overflow series with the attribute otel.metric.overflow=true.
 *
 * Instrument handles are owned by their meter provider and are never NULL:
 * a meter of a shut-down or disabled provider, or an allocation failure,
 * yields a no-op instrument. Every function here is safe from any thread
 * unless it says otherwise.
 */
#ifndef OTELC_METRICS_H
#define OTELC_METRICS_H

#include <stdio.h>

#include "otelc/common.h"
#include "otelc/logs.h"
#include "otelc/resource.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Kinds, temporality, aggregations                                          */
/* ------------------------------------------------------------------------ */

/** Instrument kinds. Numbers are stable and index per-kind arrays. */
typedef enum otelc_instrument_kind {
  OTELC_INSTRUMENT_ANY = 0, /**< in view selectors: every kind */
  OTELC_INSTRUMENT_COUNTER = 1,
  OTELC_INSTRUMENT_UP_DOWN_COUNTER = 2,
  OTELC_INSTRUMENT_HISTOGRAM = 3,
  OTELC_INSTRUMENT_GAUGE = 4,
  OTELC_INSTRUMENT_OBSERVABLE_COUNTER = 5,
  OTELC_INSTRUMENT_OBSERVABLE_UP_DOWN_COUNTER = 6,
  OTELC_INSTRUMENT_OBSERVABLE_GAUGE = 7
} otelc_instrument_kind;

/** Size of arrays indexed by otelc_instrument_kind. */
#define OTELC_INSTRUMENT_KIND_COUNT 8

/** Aggregation temporality; the numbers are OTLP's. */
typedef enum otelc_temporality {
  OTELC_TEMPORALITY_UNSPECIFIED = 0, /**< in prefs: cumulative */
  OTELC_TEMPORALITY_DELTA = 1,
  OTELC_TEMPORALITY_CUMULATIVE = 2
} otelc_temporality;

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE as a value. */
typedef enum otelc_temporality_preference {
  OTELC_TEMPORALITY_PREF_DEFAULT = 0, /**< the environment, else cumulative */
  OTELC_TEMPORALITY_PREF_CUMULATIVE = 1,
  OTELC_TEMPORALITY_PREF_DELTA = 2,
  OTELC_TEMPORALITY_PREF_LOWMEMORY = 3
} otelc_temporality_preference;

typedef enum otelc_aggregation_kind {
  OTELC_AGGREGATION_DEFAULT = 0, /**< by instrument kind (see the spec) */
  OTELC_AGGREGATION_DROP = 1,
  OTELC_AGGREGATION_SUM = 2,
  OTELC_AGGREGATION_LAST_VALUE = 3,
  OTELC_AGGREGATION_EXPLICIT_HISTOGRAM = 4,
  OTELC_AGGREGATION_EXP_HISTOGRAM = 5 /**< base-2 exponential buckets */
} otelc_aggregation_kind;

/** An aggregation and its parameters; zero fields take the defaults. */
typedef struct otelc_aggregation {
  otelc_aggregation_kind kind;
  /** EXPLICIT_HISTOGRAM: strictly increasing finite bounds (copied). NULL:
   *  the instrument's advisory bounds, else the spec's default
   *  {0,5,10,25,50,75,100,250,500,750,1000,2500,5000,7500,10000}. A
   *  non-NULL pointer with n_boundaries 0 means a single bucket. */
  const double *boundaries;
  size_t n_boundaries;
  /** Histograms: do not record min and max. */
  bool no_min_max;
  /** EXP_HISTOGRAM: buckets per range (0: 160; at least 2). */
  uint32_t max_size;
  /** EXP_HISTOGRAM: highest scale, -10..20, used when max_scale_set
   *  (otherwise 20). */
  int32_t max_scale;
  bool max_scale_set;
} otelc_aggregation;

/** OTEL_METRICS_EXEMPLAR_FILTER as a value. */
typedef enum otelc_exemplar_filter {
  OTELC_EXEMPLAR_FILTER_DEFAULT = 0, /**< the environment, else trace_based */
  OTELC_EXEMPLAR_FILTER_ALWAYS_ON = 1,
  OTELC_EXEMPLAR_FILTER_ALWAYS_OFF = 2,
  OTELC_EXEMPLAR_FILTER_TRACE_BASED = 3 /**< a sampled span is current */
} otelc_exemplar_filter;

typedef enum otelc_exemplar_reservoir {
  OTELC_RESERVOIR_DEFAULT = 0, /**< aligned for explicit histograms with
                                    more than one bucket, else fixed size
                                    (1; min(20, max_size) for exponential) */
  OTELC_RESERVOIR_NONE = 1,    /**< no exemplars for this stream */
  OTELC_RESERVOIR_FIXED_SIZE = 2,   /**< uniform sampling, reset per
                                         collection */
  OTELC_RESERVOIR_ALIGNED_BUCKETS = 3 /**< one per histogram bucket */
} otelc_exemplar_reservoir;

/* ------------------------------------------------------------------------ */
/* Collected data (what readers hand to exporters)                           */
/* ------------------------------------------------------------------------ */

/* Every pointer in these structures is borrowed from the reader and valid
 * only during the call that hands them over (an export, or a collect
 * callback). Attribute arrays of a point are sorted by key. Times are
 * nanoseconds since the Unix epoch. */

typedef struct otelc_exemplar {
  const otelc_attr *filtered_attrs; /**< attributes the point dropped */
  size_t n_filtered_attrs;
  uint64_t time_unix_nano;
  bool is_int;
  union {
    int64_t i;
    double d;
  } value;
  bool has_span; /**< trace_id and span_id are set */
  uint8_t trace_id[16];
  uint8_t span_id[8];
} otelc_exemplar;

/** DataPointFlags.NO_RECORDED_VALUE_MASK */
#define OTELC_POINT_FLAG_NO_RECORDED_VALUE 1u

/** A Sum or Gauge point. */
typedef struct otelc_number_point {
  const otelc_attr *attrs;
  size_t n_attrs;
  uint64_t start_time_unix_nano;
  uint64_t time_unix_nano;
  bool is_int;
  union {
    int64_t i;
    double d;
  } value;
  const otelc_exemplar *exemplars;
  size_t n_exemplars;
  uint32_t flags;
} otelc_number_point;

typedef struct otelc_histogram_point {
  const otelc_attr *attrs;
  size_t n_attrs;
  uint64_t start_time_unix_nano;
  uint64_t time_unix_nano;
  uint64_t count;
  bool has_sum; /**< false for instruments that may record negatives */
  double sum;
  bool has_min_max;
  double min, max;
  const double *bounds; /**< n_bounds explicit bounds */
  size_t n_bounds;
  const uint64_t *bucket_counts; /**< n_bounds + 1 counts (not running) */
  const otelc_exemplar *exemplars;
  size_t n_exemplars;
  uint32_t flags;
} otelc_histogram_point;

/** Dense buckets: counts[i] is the bucket of index offset + i. */
typedef struct otelc_exp_buckets {
  int32_t offset;
  const uint64_t *counts;
  size_t n;
} otelc_exp_buckets;

typedef struct otelc_exp_histogram_point {
  const otelc_attr *attrs;
  size_t n_attrs;
  uint64_t start_time_unix_nano;
  uint64_t time_unix_nano;
  uint64_t count;
  bool has_sum;
  double sum;
  bool has_min_max;
  double min, max;
  int32_t scale;
  uint64_t zero_count;
  double zero_threshold;
  otelc_exp_buckets positive;
  otelc_exp_buckets negative;
  const otelc_exemplar *exemplars;
  size_t n_exemplars;
  uint32_t flags;
} otelc_exp_histogram_point;

typedef enum otelc_metric_type {
  OTELC_METRIC_GAUGE = 1,
  OTELC_METRIC_SUM = 2,
  OTELC_METRIC_HISTOGRAM = 3,
  OTELC_METRIC_EXP_HISTOGRAM = 4
} otelc_metric_type;

/** One metric stream (an instrument through a view) and its points. */
typedef struct otelc_metric {
  const char *name;
  const char *description; /**< "" when none */
  const char *unit;        /**< "" when none */
  otelc_metric_type type;
  otelc_temporality temporality; /**< SUM and the histograms */
  bool is_monotonic;             /**< SUM */
  otelc_instrument_kind instrument_kind;
  size_t n_points;
  union {
    const otelc_number_point *numbers;       /**< GAUGE, SUM */
    const otelc_histogram_point *histograms; /**< HISTOGRAM */
    const otelc_exp_histogram_point *exp_histograms;
  } points;
} otelc_metric;

typedef struct otelc_scope_metrics {
  const otelc_scope_info *scope;
  const otelc_metric *metrics;
  size_t n_metrics;
} otelc_scope_metrics;

/** The result of one collection. */
typedef struct otelc_resource_metrics {
  const otelc_resource *resource;
  const otelc_scope_metrics *scopes;
  size_t n_scopes;
} otelc_resource_metrics;

/* ------------------------------------------------------------------------ */
/* Exporters                                                                 */
/* ------------------------------------------------------------------------ */

/**
 * What a reader asks of the data for its exporter: the temporality and
 * the default aggregation per instrument kind, and the default
 * cardinality limit. Zero fields mean cumulative, the default
 * aggregation, and 2000.
 */
typedef struct otelc_metric_reader_prefs {
  otelc_temporality temporality[OTELC_INSTRUMENT_KIND_COUNT];
  /** Replaces OTELC_AGGREGATION_DEFAULT for histograms:
   *  EXPLICIT_HISTOGRAM or EXP_HISTOGRAM (OTLP's
   *  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION). */
  otelc_aggregation_kind histogram_aggregation;
  uint32_t cardinality_limit;
} otelc_metric_reader_prefs;

/**
 * @brief Fill @p out with the temporalities of @p pref, the spec's
 * table: delta gives delta for counters, observable counters and
 * histograms; lowmemory gives delta for counters and histograms only;
 * everything else (and every gauge) is cumulative. PREF_DEFAULT reads
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (an invalid value is
 * reported and means cumulative). The other fields of @p out are zeroed.
 * Thread safety: safe from any thread.
 */
OTELC_API void
otelc_metric_reader_prefs_init(otelc_metric_reader_prefs *out,
                               otelc_temporality_preference pref);

typedef struct otelc_metric_exporter otelc_metric_exporter;

/** What a push exporter implements. otelc never calls export_metrics
 *  concurrently on one exporter. Every function must return within about
 *  its timeout. */
typedef struct otelc_metric_exporter_ops {
  /** Send one collection. @p data is valid during the call only. */
  otelc_status (*export_metrics)(void *self, const otelc_resource_metrics *data,
                                 uint32_t timeout_ms);
  /** Optional. */
  otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
  /** Optional. Called once; later exports must fail. */
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
  /** Optional: frees @p self. Called once, last. */
  void (*destroy)(void *self);
} otelc_metric_exporter_ops;

/**
 * @brief Wrap an implementation into an exporter. @p ops and @p prefs are
 * copied (@p prefs NULL: all cumulative, default aggregations); @p self is
 * owned by the exporter from now on (destroy is called with it on free,
 * and also when this function fails).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_metric_exporter_new(
    const otelc_metric_exporter_ops *ops, void *self,
    const otelc_metric_reader_prefs *prefs, otelc_metric_exporter **out);

/** @brief Free an exporter not handed to a reader. NULL is ignored. */
OTELC_API void otelc_metric_exporter_free(otelc_metric_exporter *e);

/** Settings of the console metric exporter. */
typedef struct otelc_console_metric_opts {
  FILE *out; /**< NULL: stderr. Borrowed; otelc never closes it. */
  /** Temporality preference (PREF_DEFAULT: cumulative; the environment
   *  is not read for the console). */
  otelc_temporality_preference temporality;
} otelc_console_metric_opts;

/**
 * @brief An exporter printing each collection as readable lines: one per
 * metric ("metric <name> <type> unit=<unit> ...") and one per point with
 * its attributes, value (sum, last value, or count/sum/min/max and the
 * non-empty buckets of a histogram) and exemplars.
 * @param opts may be NULL.
 * @return OTELC_OK, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_console_metric_exporter_new(
    const otelc_console_metric_opts *opts, otelc_metric_exporter **out);

/* ------------------------------------------------------------------------ */
/* Readers                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct otelc_metric_reader otelc_metric_reader;

typedef struct otelc_periodic_reader_opts {
  uint32_t interval_ms; /**< between the starts of two exports; 60000 */
  uint32_t timeout_ms;  /**< of one export; 30000 */
  /** No background thread: the host calls otelc_metric_reader_tick. */
  bool manual_tick;
} otelc_periodic_reader_opts;

/** @brief Defaults overridden by OTEL_METRIC_EXPORT_INTERVAL and
 *  OTEL_METRIC_EXPORT_TIMEOUT; invalid values are reported and ignored. */
OTELC_API void
otelc_periodic_reader_opts_from_env(otelc_periodic_reader_opts *out);

/**
 * @brief A reader that collects and exports every interval from a
 * background thread (or from otelc_metric_reader_tick in manual mode).
 * Exports never overlap. Takes ownership of @p exporter (even on
 * failure). Its temporality and aggregations are the exporter's prefs.
 * After fork() the child's thread is restarted on first use.
 * @param opts may be NULL for the defaults (not the environment).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM, OTELC_ERR_IO.
 */
OTELC_API otelc_status
otelc_periodic_reader_new(otelc_metric_exporter *exporter,
                          const otelc_periodic_reader_opts *opts,
                          otelc_metric_reader **out);

/** Hooks of a pull reader's owner (e.g. an HTTP endpoint). */
typedef struct otelc_pull_reader_ops {
  /** Optional. Called once when the reader shuts down: stop serving. */
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
  /** Optional: frees @p self. Called once, last. */
  void (*destroy)(void *self);
} otelc_pull_reader_ops;

/**
 * @brief A reader that collects only when asked
 * (otelc_metric_reader_collect): for pull exporters such as Prometheus,
 * and for tests. @p ops may be NULL; @p self is owned as in
 * otelc_metric_exporter_new. @p prefs NULL: all cumulative.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_pull_reader_new(
    const otelc_pull_reader_ops *ops, void *self,
    const otelc_metric_reader_prefs *prefs, otelc_metric_reader **out);

/** Receives a collection; @p data is valid during the call only. */
typedef void (*otelc_metric_collect_fn)(const otelc_resource_metrics *data,
                                        void *user_data);

/**
 * @brief Collect now: run the observable callbacks, read every series
 * with this reader's temporality, and call @p fn once with the result
 * (also when there are no metrics). Works for every reader; collections
 * of one reader are serialised. Observable callbacks are bounded by
 * @p timeout_ms as a whole (a late callback's observations are dropped;
 * 0 means no limit).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_STATE (the reader
 * belongs to no provider yet), OTELC_ERR_SHUTDOWN, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_metric_reader_collect(otelc_metric_reader *r,
                                                   otelc_metric_collect_fn fn,
                                                   void *user_data,
                                                   uint32_t timeout_ms);

/**
 * @brief For a manual-tick periodic reader: collect and export if the
 * interval has elapsed since the last export. Does nothing for others.
 * @return OTELC_OK, OTELC_ERR_EXPORT, OTELC_ERR_SHUTDOWN.
 */
OTELC_API otelc_status otelc_metric_reader_tick(otelc_metric_reader *r);

/** @brief Periodic readers: collect, export, then flush the exporter,
 *  bounded by @p timeout_ms. Pull readers: nothing to do (OTELC_OK).
 *  @return OTELC_OK, OTELC_ERR_TIMEOUT, OTELC_ERR_EXPORT,
 *  OTELC_ERR_SHUTDOWN. */
OTELC_API otelc_status otelc_metric_reader_force_flush(otelc_metric_reader *r,
                                                       uint32_t timeout_ms);

/** @brief Final collect and export (periodic), then shut the exporter or
 *  owner down; later collects fail with OTELC_ERR_SHUTDOWN. First call
 *  only. */
OTELC_API otelc_status otelc_metric_reader_shutdown(otelc_metric_reader *r,
                                                    uint32_t timeout_ms);

/** @brief Free a reader not handed to a provider (shut down first with a
 *  5 s bound). NULL is ignored. */
OTELC_API void otelc_metric_reader_free(otelc_metric_reader *r);

/** Counters of a reader since creation. */
typedef struct otelc_metric_reader_stats {
  uint64_t collections;     /**< collections run */
  uint64_t exports;         /**< export calls (periodic) */
  uint64_t export_failures; /**< export calls that failed */
  uint64_t points_exported; /**< data points in successful exports */
  uint64_t points_failed;   /**< data points in failed exports */
} otelc_metric_reader_stats;

/** @brief Read the counters. */
OTELC_API void otelc_metric_reader_get_stats(const otelc_metric_reader *r,
                                             otelc_metric_reader_stats *out);

/** Makes a reader configured from the environment (for
 *  OTEL_METRICS_EXPORTER). */
typedef otelc_status (*otelc_metric_reader_factory)(otelc_metric_reader **out);

/**
 * @brief Make @p name (copied; at most 31 characters) usable in
 * OTEL_METRICS_EXPORTER. "console" is built in; the OTLP and Prometheus
 * libraries register "otlp" and "prometheus" when loaded. A later
 * registration of the same name replaces the earlier one.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_LIMIT (16 names).
 */
OTELC_API otelc_status otelc_metric_reader_register(
    const char *name, otelc_metric_reader_factory make);

/* ------------------------------------------------------------------------ */
/* Views                                                                     */
/* ------------------------------------------------------------------------ */

/**
 * A view: selection criteria (all optional, ANDed) and the stream it makes
 * of every instrument it selects. Every string is copied. An instrument
 * selected by no view gets the default stream; one selected by several
 * views gets one stream per view (a conflict is reported and kept).
 */
typedef struct otelc_view {
  /* Selection */
  /** Instrument name, case-insensitive, with '*' (any run) and '?' (one
   *  character). NULL: any. */
  const char *instrument_name;
  otelc_instrument_kind instrument_kind; /**< ANY: any kind */
  const char *instrument_unit;           /**< exact; NULL: any */
  const char *meter_name;                /**< exact; NULL: any */
  const char *meter_version;
  const char *meter_schema_url;

  /* Stream */
  /** New name (not validated). With a wildcard selector that matches
   *  more than one instrument the streams conflict. NULL: keep. */
  const char *name;
  const char *description; /**< NULL: keep */
  /** Keep only these attribute keys (when keep_only_listed is set; an
   *  empty list then keeps none). */
  const char *const *attribute_keys;
  size_t n_attribute_keys;
  bool keep_only_listed;
  /** Remove these attribute keys. */
  const char *const *excluded_keys;
  size_t n_excluded_keys;
  otelc_aggregation aggregation; /**< DEFAULT: keep */
  /** Series limit of this stream (0: the reader's). */
  uint32_t cardinality_limit;
  otelc_exemplar_reservoir reservoir;
  uint32_t reservoir_size; /**< FIXED_SIZE: 0 means 1 */
} otelc_view;

/* ------------------------------------------------------------------------ */
/* Provider and meters                                                       */
/* ------------------------------------------------------------------------ */

typedef struct otelc_meter_provider otelc_meter_provider;
typedef struct otelc_meter otelc_meter;

typedef struct otelc_meter_provider_opts {
  /** Borrowed; the provider takes its own reference. NULL: the result of
   *  otelc_resource_create(NULL). */
  otelc_resource *resource;
  /** Ownership of every reader is taken (even on failure). A reader
   *  belongs to one provider only. */
  otelc_metric_reader *const *readers;
  size_t n_readers;
  /** Copied. */
  const otelc_view *views;
  size_t n_views;
  otelc_exemplar_filter exemplar_filter;
} otelc_meter_provider_opts;

/**
 * @brief Create a provider. With OTEL_SDK_DISABLED=true the result is a
 * no-op provider whose instruments record nothing and allocate nothing
 * (the readers passed in are shut down and freed). An invalid view (e.g.
 * a histogram aggregation for an observable instrument, bad bounds) is
 * reported and skipped.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status
otelc_meter_provider_new(const otelc_meter_provider_opts *opts,
                         otelc_meter_provider **out);

/**
 * @brief A provider configured from the environment: resource, exemplar
 * filter, and one reader per name in OTEL_METRICS_EXPORTER ("otlp",
 * "prometheus", "console", "none"; comma-separated lists work). An unset
 * variable means @p default_exporter (NULL: "otlp"). Unknown or
 * unavailable names are reported and skipped. Push exporters get a
 * periodic reader configured by OTEL_METRIC_EXPORT_INTERVAL/_TIMEOUT.
 * @return as otelc_meter_provider_new.
 */
OTELC_API otelc_status otelc_meter_provider_new_from_env(
    const char *default_exporter, otelc_meter_provider **out);

/** @brief Force-flush every reader, bounded by @p timeout_ms overall. */
OTELC_API otelc_status
otelc_meter_provider_force_flush(otelc_meter_provider *p, uint32_t timeout_ms);

/**
 * @brief Shut every reader down (a last export for periodic readers),
 * bounded by @p timeout_ms overall; later measurements are ignored. Only
 * the first call does anything; later ones return OTELC_ERR_SHUTDOWN.
 */
OTELC_API otelc_status
otelc_meter_provider_shutdown(otelc_meter_provider *p, uint32_t timeout_ms);

/**
 * @brief Shut down (5 s) if not done, then free the provider, its meters,
 * instruments, bound instruments and readers. No other thread may still
 * use its instruments. Must not be the global provider any more. NULL is
 * ignored.
 */
OTELC_API void otelc_meter_provider_free(otelc_meter_provider *p);

/** @brief Install @p p as the process-wide provider used by
 *  otelc_meter_get (NULL: none). The caller keeps ownership. Meters
 *  obtained earlier stay with the provider they came from. */
OTELC_API void otelc_meter_provider_set_global(otelc_meter_provider *p);

/** @brief The process-wide provider, or NULL. */
OTELC_API otelc_meter_provider *otelc_meter_provider_global(void);

/**
 * @brief The meter for @p scope (strings copied). The same name, version
 * and schema URL give the same meter. Never NULL (a no-op meter after
 * shutdown or on allocation failure).
 */
OTELC_API otelc_meter *
otelc_meter_provider_get_meter(otelc_meter_provider *p,
                               const otelc_scope_info *scope);

/** @brief A meter of the global provider (a no-op meter when none is
 *  set). Never NULL. */
OTELC_API otelc_meter *otelc_meter_get(const char *name, const char *version);

/* ------------------------------------------------------------------------ */
/* Synchronous instruments                                                   */
/* ------------------------------------------------------------------------ */

typedef struct otelc_counter otelc_counter;
typedef struct otelc_up_down_counter otelc_up_down_counter;
typedef struct otelc_histogram otelc_histogram;
typedef struct otelc_gauge otelc_gauge;

/** Optional settings of an instrument. Strings and arrays are copied. */
typedef struct otelc_instrument_opts {
  const char *unit;        /**< UCUM, at most 63 ASCII characters */
  const char *description; /**< at most 1023 characters kept */
  /** Values are doubles (default: int64). Part of the identity. */
  bool is_double;
  /** Histograms: advisory explicit bounds, used unless a view sets an
   *  aggregation (invalid bounds are reported and ignored). */
  const double *advisory_boundaries;
  size_t n_advisory_boundaries;
  /** Advisory list of attribute keys to keep (when set). */
  const char *const *advisory_attribute_keys;
  size_t n_advisory_attribute_keys;
  bool has_advisory_attribute_keys;
} otelc_instrument_opts;

/*
 * Creating instruments. @p name must match the spec's syntax (a letter,
 * then up to 254 of letters, digits, '_', '.', '-', '/'): an invalid name
 * is reported and gives a no-op instrument. Asking again for the same
 * name (case-insensitive), kind, unit, description and value type gives
 * the same instrument; a name that differs only in the other fields gives
 * a working instrument with a warning that explains the conflict (its
 * data is exported as a separate stream); another casing of a known name
 * gives the first-seen one. @p opts may be NULL. Never NULL.
 */
OTELC_API otelc_counter *otelc_meter_counter(otelc_meter *m, const char *name,
                                             const otelc_instrument_opts *opts);
OTELC_API otelc_up_down_counter *
otelc_meter_up_down_counter(otelc_meter *m, const char *name,
                            const otelc_instrument_opts *opts);
OTELC_API otelc_histogram *
otelc_meter_histogram(otelc_meter *m, const char *name,
                      const otelc_instrument_opts *opts);
OTELC_API otelc_gauge *otelc_meter_gauge(otelc_meter *m, const char *name,
                                         const otelc_instrument_opts *opts);

/*
 * Recording. Attributes are borrowed for the call (copied when a new
 * series is made); their order does not matter; duplicate keys keep the
 * last. Values of the other type are converted (an int64 instrument
 * truncates doubles toward zero). A counter ignores negative values (with
 * one warning per instrument); NaN and infinities are ignored by sums and
 * by histogram sum/min/max. When the current context holds a span it may
 * be kept as an exemplar (see otelc_exemplar_filter).
 */
OTELC_API void otelc_counter_add(otelc_counter *c, int64_t value,
                                 const otelc_attr *attrs, size_t n_attrs);
OTELC_API void otelc_counter_add_double(otelc_counter *c, double value,
                                        const otelc_attr *attrs,
                                        size_t n_attrs);
OTELC_API void otelc_up_down_counter_add(otelc_up_down_counter *c,
                                         int64_t value,
                                         const otelc_attr *attrs,
                                         size_t n_attrs);
OTELC_API void otelc_up_down_counter_add_double(otelc_up_down_counter *c,
                                                double value,
                                                const otelc_attr *attrs,
                                                size_t n_attrs);
OTELC_API void otelc_histogram_record(otelc_histogram *h, double value,
                                      const otelc_attr *attrs,
                                      size_t n_attrs);
OTELC_API void otelc_histogram_record_int(otelc_histogram *h, int64_t value,
                                          const otelc_attr *attrs,
                                          size_t n_attrs);
OTELC_API void otelc_gauge_record(otelc_gauge *g, double value,
                                  const otelc_attr *attrs, size_t n_attrs);
OTELC_API void otelc_gauge_record_int(otelc_gauge *g, int64_t value,
                                      const otelc_attr *attrs,
                                      size_t n_attrs);

/** @brief Whether recording can have any effect (false for no-op
 *  instruments, and when every stream of the instrument drops). */
OTELC_API bool otelc_counter_enabled(const otelc_counter *c);
OTELC_API bool otelc_up_down_counter_enabled(const otelc_up_down_counter *c);
OTELC_API bool otelc_histogram_enabled(const otelc_histogram *h);
OTELC_API bool otelc_gauge_enabled(const otelc_gauge *g);

/* ------------------------------------------------------------------------ */
/* Bound instruments                                                         */
/* ------------------------------------------------------------------------ */

/**
 * An instrument with its attribute set resolved once: adding or recording
 * through it does no lookup. The series it points at is kept (and exported
 * with cumulative temporality) for as long as the bound handle lives;
 * binding past the cardinality limit binds the overflow series.
 */
typedef struct otelc_bound otelc_bound;

/** @brief Bind (attributes copied). Never NULL (a no-op handle when the
 *  instrument is a no-op or memory ran out). Free with otelc_bound_free
 *  before the provider is freed. */
OTELC_API otelc_bound *otelc_counter_bind(otelc_counter *c,
                                          const otelc_attr *attrs,
                                          size_t n_attrs);
OTELC_API otelc_bound *otelc_up_down_counter_bind(otelc_up_down_counter *c,
                                                  const otelc_attr *attrs,
                                                  size_t n_attrs);
OTELC_API otelc_bound *otelc_histogram_bind(otelc_histogram *h,
                                            const otelc_attr *attrs,
                                            size_t n_attrs);
OTELC_API otelc_bound *otelc_gauge_bind(otelc_gauge *g,
                                        const otelc_attr *attrs,
                                        size_t n_attrs);

/** @brief Add (counters) or record (histograms, gauges) through a bound
 *  handle, with the rules of the unbound calls. */
OTELC_API void otelc_bound_add(otelc_bound *b, int64_t value);
OTELC_API void otelc_bound_add_double(otelc_bound *b, double value);
OTELC_API void otelc_bound_record(otelc_bound *b, double value);
OTELC_API void otelc_bound_record_int(otelc_bound *b, int64_t value);

/** @brief Release a bound handle. NULL is ignored. */
OTELC_API void otelc_bound_free(otelc_bound *b);

/* ------------------------------------------------------------------------ */
/* Observable (asynchronous) instruments                                     */
/* ------------------------------------------------------------------------ */

typedef struct otelc_observable otelc_observable;
/** Handed to callbacks; valid during the callback only. */
typedef struct otelc_observer otelc_observer;

/**
 * A callback: report the current values with otelc_observe* for the
 * instruments it was registered for. Runs inside each reader's collect,
 * on the collecting thread; it must not block for long and must not
 * create instruments or register callbacks.
 */
typedef void (*otelc_observable_fn)(otelc_observer *obs, void *user_data);

/*
 * Create an observable instrument, with an optional first callback
 * (@p fn may be NULL; @p user_data is borrowed until the provider is
 * freed). Same naming and identity rules as the synchronous instruments.
 * Never NULL.
 */
OTELC_API otelc_observable *otelc_meter_observable_counter(
    otelc_meter *m, const char *name, const otelc_instrument_opts *opts,
    otelc_observable_fn fn, void *user_data);
OTELC_API otelc_observable *otelc_meter_observable_up_down_counter(
    otelc_meter *m, const char *name, const otelc_instrument_opts *opts,
    otelc_observable_fn fn, void *user_data);
OTELC_API otelc_observable *otelc_meter_observable_gauge(
    otelc_meter *m, const char *name, const otelc_instrument_opts *opts,
    otelc_observable_fn fn, void *user_data);

/**
 * @brief Report a value of @p inst (one of the instruments the running
 * callback was registered for; others are ignored with a warning).
 * Counters report their cumulative totals. Observing one attribute set
 * twice in a collection keeps the last value.
 */
OTELC_API void otelc_observe(otelc_observer *obs, otelc_observable *inst,
                             int64_t value, const otelc_attr *attrs,
                             size_t n_attrs);
OTELC_API void otelc_observe_double(otelc_observer *obs,
                                    otelc_observable *inst, double value,
                                    const otelc_attr *attrs, size_t n_attrs);

typedef struct otelc_callback_registration otelc_callback_registration;

/**
 * @brief Register one callback for several observable instruments of
 * meter @p m. @return the registration (NULL on failure: bad arguments,
 * instruments of another meter, or no memory; reported).
 */
OTELC_API otelc_callback_registration *
otelc_meter_register_callback(otelc_meter *m, otelc_observable_fn fn,
                              void *user_data,
                              otelc_observable *const *instruments,
                              size_t n_instruments);

/** @brief Stop calling a callback; returns after any running call of it
 *  has finished (so do not call it from the callback itself). NULL is
 *  ignored. */
OTELC_API void
otelc_callback_unregister(otelc_callback_registration *reg);

/* ------------------------------------------------------------------------ */
/* SDK self-metrics                                                          */
/* ------------------------------------------------------------------------ */

/**
 * @brief Observe otelc's own pipeline in @p mp under the meter "otelc",
 * with the otel.sdk.* names of the semantic conventions, read from the
 * counters the pipeline keeps anyway (nothing is added to hot paths):
 * per batching or simple span processor of @p tp (may be NULL)
 * otel.sdk.processor.span.processed (error.type queue_full or
 * already_shutdown for drops), otel.sdk.processor.span.queue.size and
 * .queue.capacity, otel.sdk.exporter.span.exported (error.type
 * export_failed for failures); the same four with "log" for the log
 * processors of @p lp (may be NULL); per push reader of @p mp
 * otel.sdk.exporter.metric_data_point.exported. Components are named by
 * otel.component.type and otel.component.name ("<type>/<index>").
 * @p tp and @p lp must outlive @p mp; the registration ends when @p mp
 * is freed.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_sdk_metrics_enable(otelc_meter_provider *mp,
                                                otelc_tracer_provider *tp,
                                                otelc_logger_provider *lp);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_METRICS_H */
