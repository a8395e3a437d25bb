/*
 * otelc/setup.h - one call to set up traces, metrics and logs, and a short
 * facade for what instrumented code does most: per-component handles,
 * scoped spans, instruments by name, correlated logging, error recording,
 * header propagation.
 *
 *   otelc_setup(&(otelc_setup_opts){.service_name = "rag-service"});
 *   otelc_telemetry *t = otelc_telemetry_get("retriever");
 *   OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "rag.query", span) {
 *     otelc_span_set_int(span, "rag.top_k", 5);
 *     otelc_log_info("retrieving");          // carries the span's ids
 *     otelc_counter_add(otelc_telemetry_counter(t, "rag.queries", "{query}"),
 *                       1, NULL, 0);
 *   }
 *   otelc_shutdown();
 *
 * Settings given to otelc_setup are defaults: every standard OTEL_*
 * variable that is set wins over the corresponding field, so the same
 * program is configured for production by environment alone. With no
 * settings and no variables, all three signals print to the console.
 *
 * Precedence, field by field (a variable set to "" counts as unset):
 *
 *   field            variable that wins over it, and how
 *   ---------------  -----------------------------------------------------
 *   service_name     OTEL_SERVICE_NAME, and also a service.name key in
 *                    OTEL_RESOURCE_ATTRIBUTES
 *   service_version  the service.version key of OTEL_RESOURCE_ATTRIBUTES;
 *                    its other keys are added (merged key by key)
 *   environment      the deployment.environment.name key, likewise
 *   exporters        OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER and
 *                    OTEL_LOGS_EXPORTER, each for its signal
 *   console          none: "console" is added to each list, the
 *                    variable's included, unless already there or the
 *                    variable is "none"
 *   prometheus       none: "prometheus" is added to the metrics list in
 *                    the same way
 *   prometheus_port  OTEL_EXPORTER_PROMETHEUS_PORT
 *   otlp_endpoint    OTEL_EXPORTER_OTLP_ENDPOINT (and the per-signal
 *                    OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT, read by the
 *                    OTLP library first)
 *   otlp_protocol    OTEL_EXPORTER_OTLP_PROTOCOL (likewise per signal)
 *   otlp_headers     OTEL_EXPORTER_OTLP_HEADERS (likewise per signal)
 *   sampler          OTEL_TRACES_SAMPLER
 *   sampler_arg      OTEL_TRACES_SAMPLER_ARG; the field is not applied to
 *                    a sampler chosen by OTEL_TRACES_SAMPLER
 *   log_min_severity, no_log_console_line, shutdown_timeout_ms,
 *   shutdown_at_exit: no variable
 *
 * Every other OTEL_* variable (OTEL_PROPAGATORS, OTEL_BSP_*, OTEL_BLRP_*,
 * OTEL_METRIC_EXPORT_INTERVAL, limits, ...) applies as it always does.
 * The variables are read when otelc_setup runs.
 *
 * Thread safety: otelc_setup and otelc_shutdown are serialised with each
 * other; every other function here is safe from any thread at any time,
 * including during otelc_setup and otelc_shutdown.
 */
#ifndef OTELC_SETUP_H
#define OTELC_SETUP_H

#include "otelc/logs.h"
#include "otelc/metrics.h"
#include "otelc/propagation.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What otelc_setup configures. Zero/NULL fields are not set here. All
 *  strings are copied. The variable that overrides each is named. */
typedef struct otelc_setup_opts {
  const char *service_name;    /**< OTEL_SERVICE_NAME */
  const char *service_version; /**< service.version in
                                    OTEL_RESOURCE_ATTRIBUTES */
  const char *environment;     /**< deployment.environment.name, likewise */
  /** Exporters of every signal: "console", "otlp" (libotelc_otlp
   *  linked), "otlp/stdout", "none", any name registered with
   *  otelc_*_exporter_register / otelc_metric_reader_register, or a comma
   *  list ("prometheus" counts for metrics only). NULL: "console".
   *  OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER
   *  each win for their signal. */
  const char *exporters;
  /** Also print to the console whatever the exporters are (but not for
   *  a signal whose variable is "none"). */
  bool console;
  const char *otlp_endpoint; /**< OTEL_EXPORTER_OTLP_ENDPOINT */
  const char *otlp_protocol; /**< OTEL_EXPORTER_OTLP_PROTOCOL:
                                  "grpc", "http/protobuf", "http/json" */
  const char *otlp_headers;  /**< OTEL_EXPORTER_OTLP_HEADERS */
  /** Serve metrics for Prometheus (needs libotelc_prometheus linked),
   *  whatever the metrics exporters are (but not when
   *  OTEL_METRICS_EXPORTER is "none"); "prometheus" in
   *  OTEL_METRICS_EXPORTER does the same. */
  bool prometheus;
  uint16_t prometheus_port; /**< OTEL_EXPORTER_PROMETHEUS_PORT; 0: 9464 */
  const char *sampler;      /**< OTEL_TRACES_SAMPLER */
  const char *sampler_arg;  /**< OTEL_TRACES_SAMPLER_ARG */
  /** Convenience logging (otelc_log_*, otelc_telemetry_logf): records
   *  below this otelc_severity are dropped (0: everything). */
  int log_min_severity;
  /** No human-readable log line on stderr. The line is left out anyway
   *  when "console" is among the log exporters, which prints every
   *  record itself. */
  bool no_log_console_line;
  /** Bound of otelc_shutdown's flush (0: 5000 ms). */
  uint32_t shutdown_timeout_ms;
  /** Call otelc_shutdown from atexit(). */
  bool shutdown_at_exit;
} otelc_setup_opts;

/**
 * @brief Create the tracer, meter and logger providers and the propagator
 * from @p opts (may be NULL; everything is copied) and the environment,
 * and install them as the global ones: the resource from the service
 * fields and OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, one exporter
 * per name in each signal's list (batch span and log processors, periodic
 * metric readers, as the *_new_from_env functions make them), the
 * propagator from OTEL_PROPAGATORS. With OTEL_SDK_DISABLED=true the
 * providers are no-ops (the propagator still works).
 * Calling it again after otelc_shutdown sets up anew; calling it twice
 * without shutting down fails with OTELC_ERR_STATE (reported). An
 * exporter that cannot be made is reported and skipped; the rest still
 * works. On failure nothing is installed.
 * @return OTELC_OK, OTELC_ERR_STATE, OTELC_ERR_NOMEM.
 * Thread safety: meant for start-up; serialised with otelc_shutdown.
 * Spans started on other threads while it runs may still be no-ops.
 */
OTELC_API otelc_status otelc_setup(const otelc_setup_opts *opts);

/**
 * @brief Flush and shut down all three signals, bounded overall by the
 * setup's shutdown timeout even with an unreachable collector, then unset
 * and free the global providers. Traces, then logs, then metrics (so the
 * last collection sees the others' end), each given an equal share of
 * the time still left: a signal that finishes early leaves its time to
 * the next, one that hangs cannot take theirs. Exporters still busy at
 * the deadline are abandoned (reported) and finish on their own threads.
 * Handles (otelc_telemetry, the meters and instruments they gave) become
 * no-ops and stay valid; the next otelc_setup gives them new ones. Spans
 * should have ended before. Safe to call more than once and without
 * otelc_setup (OTELC_OK).
 * Memory: the shut-down meter provider is kept until the process ends,
 * because instruments handed out may still be used; the propagator and
 * the overlay are freed by the next otelc_shutdown.
 * @return OTELC_OK, OTELC_ERR_TIMEOUT, OTELC_ERR_EXPORT.
 * Thread safety: serialised with otelc_setup.
 */
OTELC_API otelc_status otelc_shutdown(void);

/**
 * @brief The value of an OTEL_* setting as otelc sees it: the environment
 * variable when set and non-empty, else the default otelc_setup gave it,
 * else NULL. Where otelc_setup merges (OTEL_RESOURCE_ATTRIBUTES, and the
 * exporter lists with its console and prometheus fields) the value is the
 * merge, as long as the variable keeps the value it had at set-up. Every
 * part of otelc (and its optional libraries) reads its settings through
 * this. The string is valid until the next otelc_setup or otelc_shutdown
 * (a variable's own value: as long as the environment keeps it); otelc
 * keeps it one cycle longer, so a thread reading while another shuts down
 * is safe.
 * Thread safety: lock-free, safe from any thread (as getenv is, so not
 * while another thread calls setenv).
 */
OTELC_API const char *otelc_config_get(const char *name);

/* ------------------------------------------------------------------------ */
/* Per-component handles                                                     */
/* ------------------------------------------------------------------------ */

/** A component's tracer, meter and logger together. */
typedef struct otelc_telemetry otelc_telemetry;

/**
 * @brief The handle of @p component (the instrumentation scope name;
 * NULL: the service name). Same name → same handle; it follows the global
 * providers (no-op before otelc_setup and after otelc_shutdown). Never
 * NULL. Owned by otelc, valid until the process ends.
 * Thread safety: any thread; lock-free once the handle exists.
 */
OTELC_API otelc_telemetry *otelc_telemetry_get(const char *component);

/** @brief The component's tracer: the global-following tracer of
 *  otelc_tracer_get, valid for ever. */
OTELC_API otelc_tracer *otelc_telemetry_tracer(otelc_telemetry *t);
/** @brief The component's meter in the current global meter provider (a
 *  no-op meter when none); valid for ever, but it stays with its provider:
 *  ask again after otelc_setup. */
OTELC_API otelc_meter *otelc_telemetry_meter(otelc_telemetry *t);
/** @brief The component's logger: the global-following logger of
 *  otelc_logger_get, valid for ever. */
OTELC_API otelc_logger *otelc_telemetry_logger(otelc_telemetry *t);

/**
 * @brief Instruments by name in the component's meter, created on first
 * use and cached: the same name, kind and unit give the same instrument;
 * the same name with another unit or kind gives a working instrument and
 * the specification's warning (from the metrics SDK). Counters and
 * up-down counters count int64 values; histograms and gauges take
 * doubles; a histogram with unit "s" gets the semantic conventions'
 * duration buckets (5 ms .. 10 s) as advisory bounds. For a description,
 * other advisory buckets or another value type use
 * otelc_meter_* on otelc_telemetry_meter (not both ways for one name).
 * @p unit may be NULL. Never NULL. An instrument follows its provider:
 * after otelc_shutdown it is a no-op, and after a new otelc_setup this
 * function gives a new one.
 * Thread safety: any thread; lock-free once the instrument is cached.
 */
OTELC_API otelc_counter *otelc_telemetry_counter(otelc_telemetry *t,
                                                 const char *name,
                                                 const char *unit);
OTELC_API otelc_up_down_counter *
otelc_telemetry_up_down_counter(otelc_telemetry *t, const char *name,
                                const char *unit);
OTELC_API otelc_histogram *otelc_telemetry_histogram(otelc_telemetry *t,
                                                     const char *name,
                                                     const char *unit);
OTELC_API otelc_gauge *otelc_telemetry_gauge(otelc_telemetry *t,
                                             const char *name,
                                             const char *unit);

/**
 * @brief Log through the component's logger (its scope is the
 * component), as otelc_logf: the message (cut at 4095 bytes) is the body,
 * the current span correlates it, and the human-readable line is printed
 * on stderr, as otelc_setup's log_min_severity and no_log_console_line
 * say (not later otelc_log_configure calls).
 */
OTELC_API void otelc_telemetry_logf(otelc_telemetry *t, int severity,
                                    const otelc_attr *attrs, size_t n_attrs,
                                    const char *fmt, ...) OTELC_PRINTF(5, 6);

/* ------------------------------------------------------------------------ */
/* Scoped spans                                                              */
/* ------------------------------------------------------------------------ */

/** State of OTELC_WITH_SPAN; not for direct use. */
typedef struct otelc_span_guard {
  otelc_span *span;
  otelc_scope scope;
  int state;
} otelc_span_guard;

/** @brief Start a span (a child of the current one) and make it
 *  current. */
OTELC_API otelc_span_guard otelc_span_guard_begin(otelc_tracer *t,
                                                  const char *name);
/** @brief The same with start options (kind, parent, attributes the
 *  sampler sees, ...; @p opts may be NULL), as otelc_span_start takes. */
OTELC_API otelc_span_guard
otelc_span_guard_begin_opts(otelc_tracer *t, const char *name,
                            const otelc_span_start_opts *opts);
/** @brief Make current again what was before, then end the span; once
 *  (later calls and NULL do nothing). */
OTELC_API void otelc_span_guard_end(otelc_span_guard *g);

/**
 * OTELC_WITH_SPAN(tracer, "name", span) { ... }
 * Starts a span, makes it current, and runs the block with @p var bound to
 * it; when the block is left by any path — its end, break, continue,
 * return, goto — the span ends and the previous span becomes current
 * again (the cleanup attribute of GCC and Clang). Not covered: longjmp out
 * of the block (the span is neither ended nor detached: the thread's
 * current span is wrong from then on), and exit() inside it (the span is
 * not ended; otelc_shutdown, if it runs at exit, drops it). break and
 * continue apply to this block, not to a loop around it. Costs the same
 * as the plain calls (within a few percent). Nested blocks need distinct
 * variable names (and, with -Wshadow, distinct lines).
 *
 * OTELC_WITH_SPAN_OPTS(tracer, "name", opts, span) { ... }
 * The same with a const otelc_span_start_opts * (may be NULL), e.g.
 *   OTELC_WITH_SPAN_OPTS(tr, "llm.chat",
 *       &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_CLIENT}, span)
 * (a compound literal with several fields has commas the preprocessor
 * would split: declare the options in a variable then).
 */
#define OTELC__CAT2(a, b) a##b
#define OTELC__CAT(a, b) OTELC__CAT2(a, b)
#define OTELC__WITH_GUARD(begin, var)                                         \
  for (otelc_span_guard OTELC__CAT(otelc__g_, __LINE__)                       \
           __attribute__((cleanup(otelc_span_guard_end))) = (begin);          \
       OTELC__CAT(otelc__g_, __LINE__).state == 0;                            \
       OTELC__CAT(otelc__g_, __LINE__).state = 1)                             \
    for (otelc_span *var = OTELC__CAT(otelc__g_, __LINE__).span;              \
         OTELC__CAT(otelc__g_, __LINE__).state == 0;                          \
         OTELC__CAT(otelc__g_, __LINE__).state = 1)
#define OTELC_WITH_SPAN(tracer, name, var)                                    \
  OTELC__WITH_GUARD(otelc_span_guard_begin((tracer), (name)), var)
#define OTELC_WITH_SPAN_OPTS(tracer, name, opts, var)                         \
  OTELC__WITH_GUARD(otelc_span_guard_begin_opts((tracer), (name), (opts)),    \
                    var)

/* ------------------------------------------------------------------------ */
/* Ids, errors and headers                                                   */
/* ------------------------------------------------------------------------ */

/** @brief Hex of the current trace id (33 bytes) / span id (17 bytes),
 *  local or remote (after otelc_context_attach of an extracted context);
 *  false (and "") when no span is current. */
OTELC_API bool otelc_current_trace_id(char out[33]);
OTELC_API bool otelc_current_span_id(char out[17]);

/**
 * @brief Record an error in one call: the span's status becomes ERROR
 * with @p message (or @p type when NULL), an "exception" event gets
 * exception.type and exception.message, and @p errors (may be NULL)
 * counts 1 with error.type = @p type ("_OTHER" when NULL). @p s NULL: the
 * current span (nothing when none).
 */
OTELC_API void otelc_record_error(otelc_span *s, const char *type,
                                  const char *message, otelc_counter *errors);

/**
 * @brief Inject the current context with the global propagator as
 * "name: value" lines into @p lines (@p cap entries, each malloc'd; free
 * them with free()), e.g. "traceparent: 00-...-01". Nothing when no span
 * is current and no baggage is set. @return the number of lines written.
 */
OTELC_API size_t otelc_inject_header_lines(char **lines, size_t cap);

/**
 * @brief Extract a context from @p n incoming headers given as parallel
 * name/value arrays (names case-insensitive). @return a context reference
 * (release it) or NULL when nothing valid was found.
 */
OTELC_API otelc_context *otelc_extract_headers(const char *const *names,
                                               const char *const *values,
                                               size_t n);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SETUP_H */
