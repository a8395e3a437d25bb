/*
 * otelc/logs.h - the logs SDK: logger provider, loggers, log records with
 * trace correlation, log processors and exporters, and printf-style
 * convenience logging with an optional human-readable line on stderr.
 *
 * A record emitted while a span is current (or with an explicit context)
 * carries that span's trace id, span id and flags, so that a backend can
 * show the log lines of a trace. Emitting never blocks on I/O: records go
 * to the processors (a batch processor queues them, drops and counts when
 * its queue is full) and are exported from a background thread.
 *
 * Every function here is safe from any thread unless it says otherwise.
 */
#ifndef OTELC_LOGS_H
#define OTELC_LOGS_H

#include <stdarg.h>
#include <stdio.h>

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/resource.h"
#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** SeverityNumber of the log data model (0..24). The first number of
 *  each range is the one a single-level source maps to. */
typedef enum otelc_severity {
  OTELC_SEVERITY_UNSPECIFIED = 0,
  OTELC_SEVERITY_TRACE = 1,
  OTELC_SEVERITY_DEBUG = 5,
  OTELC_SEVERITY_INFO = 9,
  OTELC_SEVERITY_WARN = 13,
  OTELC_SEVERITY_ERROR = 17,
  OTELC_SEVERITY_FATAL = 21
} otelc_severity;

/** @brief The short name of a severity number: "TRACE".."FATAL4", or
 *  "UNSPECIFIED" for 0 and values out of range. A static string. */
OTELC_API const char *otelc_severity_name(int severity);

/** @brief The severity of a syslog priority (LOG_EMERG 0 .. LOG_DEBUG 7;
 *  facility bits are ignored): EMERG 24, ALERT 23, CRIT 21, ERR 17,
 *  WARNING 13, NOTICE 10, INFO 9, DEBUG 5. */
OTELC_API otelc_severity otelc_severity_from_syslog(int priority);

/* ------------------------------------------------------------------------ */
/* Log records as processors and exporters see them                          */
/* ------------------------------------------------------------------------ */

/**
 * An emitted record. Every pointer is owned by the record and valid while
 * the record is (during on_emit or export, or until released after
 * otelc_log_record_retain). Strings are NUL-terminated.
 */
typedef struct otelc_log_data {
  uint64_t timestamp;          /**< 0 when the caller gave none */
  uint64_t observed_timestamp; /**< set by otelc at emit when not given */
  int severity;                /**< otelc_severity, 0..24 */
  const char *severity_text;   /**< NULL when none */
  otelc_value body;            /**< EMPTY when none */
  const otelc_attr *attrs;
  size_t n_attrs;
  uint32_t dropped_attrs;
  const char *event_name; /**< NULL when none */
  /** Trace correlation; all zero when no span was current. */
  uint8_t trace_id[16];
  uint8_t span_id[8];
  uint8_t trace_flags;
  const otelc_scope_info *scope;
  const otelc_resource *resource;
} otelc_log_data;

typedef struct otelc_log_record otelc_log_record;

/** @brief The record's data (borrowed from the record). */
OTELC_API const otelc_log_data *
otelc_log_record_data(const otelc_log_record *r);

/**
 * @brief Set (replace by key, or add) an attribute of a record being
 * emitted; for processors' on_emit, whose changes the processors after
 * them see. The limits apply. Once a processor or exporter has kept the
 * record (otelc_log_record_retain, or a batch processor's queue) another
 * thread may be reading it, so it no longer changes: processors that
 * change records go before those that keep them.
 * @return OTELC_OK, OTELC_ERR_LIMIT, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM,
 * OTELC_ERR_STATE (the record has been kept).
 * Thread safety: only from the on_emit call that received the record.
 */
OTELC_API otelc_status otelc_log_record_set_attr(otelc_log_record *r,
                                                 const otelc_attr *attr);

/** @brief Keep a record past the call that handed it over. From then on
 *  the record does not change (see otelc_log_record_set_attr). */
OTELC_API void otelc_log_record_retain(otelc_log_record *r);
/** @brief Drop a reference taken with otelc_log_record_retain. */
OTELC_API void otelc_log_record_release(otelc_log_record *r);

/* ------------------------------------------------------------------------ */
/* Exporters and processors                                                  */
/* ------------------------------------------------------------------------ */

typedef struct otelc_log_exporter otelc_log_exporter;
typedef struct otelc_log_processor otelc_log_processor;

/** What a log exporter implements; as otelc_span_exporter_ops. */
typedef struct otelc_log_exporter_ops {
  /** Send @p n records, valid during the call only. */
  otelc_status (*export_logs)(void *self, otelc_log_record *const *records,
                              size_t n, uint32_t timeout_ms);
  otelc_status (*force_flush)(void *self, uint32_t timeout_ms); /**< opt. */
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);    /**< opt. */
  void (*destroy)(void *self);                                  /**< opt. */
} otelc_log_exporter_ops;

/** @brief Wrap an implementation; ownership as otelc_span_exporter_new. */
OTELC_API otelc_status otelc_log_exporter_new(const otelc_log_exporter_ops *ops,
                                              void *self,
                                              otelc_log_exporter **out);
/** @brief Free an exporter not handed to a processor. NULL is ignored. */
OTELC_API void otelc_log_exporter_free(otelc_log_exporter *e);

/** Makes an exporter configured from the environment. */
typedef otelc_status (*otelc_log_exporter_factory)(otelc_log_exporter **out);

/** @brief Make @p name usable in OTEL_LOGS_EXPORTER ("console" and
 *  "otlp/stdout" are built in; otelc_otlp registers "otlp"). As
 *  otelc_span_exporter_register. */
OTELC_API otelc_status
otelc_log_exporter_register(const char *name, otelc_log_exporter_factory make);

/** What a custom log processor implements. Callbacks may run on several
 *  threads at once. */
typedef struct otelc_log_processor_ops {
  /** The record is writable during the call; retain it to keep it.
   *  @p ctx is the context the record was emitted in (may be NULL). */
  void (*on_emit)(void *self, otelc_log_record *r, const otelc_context *ctx);
  otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
  otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
  void (*destroy)(void *self);
} otelc_log_processor_ops;

OTELC_API otelc_status
otelc_log_processor_new(const otelc_log_processor_ops *ops, void *self,
                        otelc_log_processor **out);

/** @brief Export each record as it is emitted, on the emitting thread
 *  (serialised). Takes ownership of @p exporter. */
OTELC_API otelc_status otelc_simple_log_processor_new(
    otelc_log_exporter *exporter, otelc_log_processor **out);

/** Batch log processor settings; zero fields take the defaults. */
typedef struct otelc_log_batch_opts {
  uint32_t max_queue_size;        /**< default 2048 */
  uint32_t max_export_batch_size; /**< default 512, at most the queue */
  uint32_t schedule_delay_ms;     /**< default 1000 */
  uint32_t export_timeout_ms;     /**< default 30000 */
  bool manual_tick; /**< no thread: otelc_log_processor_tick */
} otelc_log_batch_opts;

/** @brief Defaults overridden by OTEL_BLRP_SCHEDULE_DELAY,
 *  OTEL_BLRP_EXPORT_TIMEOUT, OTEL_BLRP_MAX_QUEUE_SIZE and
 *  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE (invalid values reported, ignored). */
OTELC_API void otelc_log_batch_opts_from_env(otelc_log_batch_opts *out);

/** @brief Queue records (bounded; full → dropped and counted) and export
 *  them in batches from a background thread (or otelc_log_processor_tick).
 *  Takes ownership of @p exporter (even on failure). Fork-safe like the
 *  span batch processor. */
OTELC_API otelc_status otelc_batch_log_processor_new(
    otelc_log_exporter *exporter, const otelc_log_batch_opts *opts,
    otelc_log_processor **out);

/** @brief Manual-tick batch processors: export what is due, at most one
 *  batch. @return OTELC_OK, OTELC_ERR_EXPORT, OTELC_ERR_SHUTDOWN. */
OTELC_API otelc_status otelc_log_processor_tick(otelc_log_processor *p);

/** Counters of a processor since creation (as for span processors). */
typedef struct otelc_log_processor_stats {
  uint64_t received;
  uint64_t exported;
  uint64_t export_failed;
  uint64_t dropped_queue_full;
  uint64_t dropped_shutdown;
  uint32_t queue_size;
  uint32_t queue_capacity;
} otelc_log_processor_stats;

OTELC_API void otelc_log_processor_get_stats(const otelc_log_processor *p,
                                             otelc_log_processor_stats *out);
/** @brief As otelc_span_processor_force_flush, for log records. */
OTELC_API otelc_status otelc_log_processor_force_flush(otelc_log_processor *p,
                                                       uint32_t timeout_ms);
OTELC_API otelc_status otelc_log_processor_shutdown(otelc_log_processor *p,
                                                    uint32_t timeout_ms);
/** @brief Free a processor not handed to a provider. NULL is ignored. */
OTELC_API void otelc_log_processor_free(otelc_log_processor *p);

/** @brief Records printed one per line:
 *  "<time> <SEVERITY> <body> [trace:<hex> span:<hex>] key=value ...".
 *  <time> is the timestamp, else the observed timestamp, in UTC ISO 8601
 *  with nanoseconds; <SEVERITY> the short name of the number (the
 *  severity text when the number is 0); a string body is printed as is
 *  with control characters escaped, other bodies and the values as the
 *  span console exporter prints them; "[...]" only for a record
 *  correlated with a span; " event=<name>" and " dropped(attrs=N)" when
 *  they apply. One write per export call.
 *  @p out NULL: stderr (borrowed, never closed). */
OTELC_API otelc_status otelc_console_log_exporter_new(FILE *out,
                                                      otelc_log_exporter **out_e);

/** @brief OTLP/JSON lines (ExportLogsServiceRequest per export), like
 *  otelc_file_exporter_new for spans; opts as there (NULL: stdout). */
struct otelc_file_exporter_opts;
OTELC_API otelc_status
otelc_file_log_exporter_new(const struct otelc_file_exporter_opts *opts,
                            otelc_log_exporter **out);

/** @brief Keeps every exported record in memory, for tests. */
OTELC_API otelc_status otelc_memory_log_exporter_new(otelc_log_exporter **out);
OTELC_API size_t otelc_memory_log_exporter_count(otelc_log_exporter *e);
/** @brief The i-th record held (borrowed until clear or free), or NULL. */
OTELC_API otelc_log_record *otelc_memory_log_exporter_get(otelc_log_exporter *e,
                                                          size_t i);
OTELC_API void otelc_memory_log_exporter_clear(otelc_log_exporter *e);

/* ------------------------------------------------------------------------ */
/* Provider and loggers                                                      */
/* ------------------------------------------------------------------------ */

typedef struct otelc_logger_provider otelc_logger_provider;
typedef struct otelc_logger otelc_logger;

/** Limits of a record's attributes. */
typedef struct otelc_log_limits {
  uint32_t attr_count;        /**< default 128 */
  uint32_t attr_value_length; /**< characters; UINT32_MAX: no limit */
} otelc_log_limits;

/** @brief OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT /
 *  _VALUE_LENGTH_LIMIT, falling back to OTEL_ATTRIBUTE_*. */
OTELC_API void otelc_log_limits_from_env(otelc_log_limits *out);

typedef struct otelc_logger_provider_opts {
  otelc_resource *resource; /**< borrowed; NULL: otelc_resource_create */
  /** Ownership of every processor is taken (even on failure). */
  otelc_log_processor *const *processors;
  size_t n_processors;
  const otelc_log_limits *limits; /**< copied; NULL: from the env */
  /** Records with a severity set below this are dropped (0: none). */
  int min_severity;
  /** Drop records correlated with an unsampled span. */
  bool trace_based;
} otelc_logger_provider_opts;

/** @brief Create a provider (OTEL_SDK_DISABLED: a no-op one). */
OTELC_API otelc_status otelc_logger_provider_new(
    const otelc_logger_provider_opts *opts, otelc_logger_provider **out);

/** @brief Resource, limits and one processor per OTEL_LOGS_EXPORTER name
 *  (comma-separated; "none" adds nothing, unknown names are reported):
 *  a simple processor for "console", so that lines appear as records are
 *  emitted, and batch processors configured by OTEL_BLRP_* for the
 *  others. Unset means @p default_exporter (NULL: "otlp", which is
 *  reported once when otelc_otlp is not linked). */
OTELC_API otelc_status otelc_logger_provider_new_from_env(
    const char *default_exporter, otelc_logger_provider **out);

/** @brief Flush every processor, bounded by @p timeout_ms in all.
 *  Thread-safe. @return OTELC_OK, OTELC_ERR_TIMEOUT, OTELC_ERR_EXPORT (an
 *  export failed), OTELC_ERR_SHUTDOWN. */
OTELC_API otelc_status
otelc_logger_provider_force_flush(otelc_logger_provider *p, uint32_t timeout_ms);
/** @brief Flush and shut down every processor, bounded by @p timeout_ms;
 *  first call only (later: OTELC_ERR_SHUTDOWN; the shared no-op provider
 *  of OTEL_SDK_DISABLED always returns OTELC_OK). */
OTELC_API otelc_status
otelc_logger_provider_shutdown(otelc_logger_provider *p, uint32_t timeout_ms);
/** @brief Shut down (5 s) if needed and free. NULL is ignored. Must not be
 *  the global provider any more. */
OTELC_API void otelc_logger_provider_free(otelc_logger_provider *p);

/** @brief The process-wide provider used by otelc_logger_get and the
 *  convenience functions (NULL: none). The caller keeps ownership. */
OTELC_API void otelc_logger_provider_set_global(otelc_logger_provider *p);
OTELC_API otelc_logger_provider *otelc_logger_provider_global(void);

/** @brief The logger for @p scope (strings copied; same scope → same
 *  logger). Never NULL. */
OTELC_API otelc_logger *
otelc_logger_provider_get_logger(otelc_logger_provider *p,
                                 const otelc_scope_info *scope);

/** @brief A logger of the global provider that follows later changes of
 *  it. Never NULL. */
OTELC_API otelc_logger *otelc_logger_get(const char *name, const char *version);

/* ------------------------------------------------------------------------ */
/* Emitting                                                                  */
/* ------------------------------------------------------------------------ */

/** One record to emit; every field is optional. Everything is copied. */
typedef struct otelc_log_emit {
  uint64_t timestamp;
  uint64_t observed_timestamp; /**< 0: now */
  /** The context whose span the record belongs to; NULL: the current. */
  const otelc_context *context;
  int severity;
  const char *severity_text;
  const otelc_value *body;
  const char *body_str; /**< shorthand for a string body (if body is NULL) */
  const otelc_attr *attrs;
  size_t n_attrs;
  const char *event_name;
  /** An exception: sets exception.type/.message/.stacktrace unless the
   *  attributes already have them. */
  const char *exception_type;
  const char *exception_message;
  const char *exception_stacktrace;
} otelc_log_emit;

/** @brief Emit a record.
 *  @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM; a record
 *  filtered out (severity, trace_based, disabled) is OTELC_OK. */
OTELC_API otelc_status otelc_logger_emit(otelc_logger *l,
                                         const otelc_log_emit *rec);

/** @brief Whether a record of @p severity (and @p event_name, may be NULL)
 *  would be kept: false with no processors, a disabled logger, or a
 *  severity below the minimum. */
OTELC_API bool otelc_logger_enabled(const otelc_logger *l, int severity,
                                    const char *event_name);

/* ------------------------------------------------------------------------ */
/* Convenience logging                                                       */
/* ------------------------------------------------------------------------ */

/** Settings of the convenience functions (process-wide). */
typedef struct otelc_log_settings {
  /** Records below this severity are neither emitted nor printed
   *  (0: everything). Severity 0 (unspecified) always passes, as for the
   *  provider's minimum. */
  int min_severity;
  /** Do not print the human-readable line. */
  bool no_console_line;
  /** Where the line goes (NULL: stderr). Borrowed. */
  FILE *console;
  /** Scope name of the logger used (NULL: "otelc.log"). Copied. */
  const char *logger_name;
} otelc_log_settings;

/** @brief Replace the settings (NULL: the defaults). */
OTELC_API void otelc_log_configure(const otelc_log_settings *s);

/**
 * @brief printf-style logging through the global logger provider: the
 * message (cut at 4095 bytes) becomes the body, the current span (if any)
 * correlates it, @p attrs (may be NULL) become attributes, and unless
 * turned off a line
 *   "LEVEL message [trace:<32 hex> span:<16 hex>] key=value ..."
 * is written to the console stream ("[...]" only when a span is current)
 * with one write, so that lines of several threads never mix. LEVEL is
 * the severity's short name; control characters of the message are
 * escaped on the line (not in the record). The message is cut at a UTF-8
 * character boundary. The line is printed even with no global provider.
 * Nothing is formatted when neither a line nor a record would be made.
 * errno is preserved (and "%m" works where the C library supports it).
 */
OTELC_API void otelc_logf(int severity, const otelc_attr *attrs,
                          size_t n_attrs, const char *fmt, ...)
    OTELC_PRINTF(4, 5);
OTELC_API void otelc_vlogf(int severity, const otelc_attr *attrs,
                           size_t n_attrs, const char *fmt, va_list ap)
    OTELC_PRINTF(4, 0);

#define otelc_log_trace(...) otelc_logf(OTELC_SEVERITY_TRACE, NULL, 0, __VA_ARGS__)
#define otelc_log_debug(...) otelc_logf(OTELC_SEVERITY_DEBUG, NULL, 0, __VA_ARGS__)
#define otelc_log_info(...) otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, __VA_ARGS__)
#define otelc_log_warn(...) otelc_logf(OTELC_SEVERITY_WARN, NULL, 0, __VA_ARGS__)
#define otelc_log_error(...) otelc_logf(OTELC_SEVERITY_ERROR, NULL, 0, __VA_ARGS__)
#define otelc_log_fatal(...) otelc_logf(OTELC_SEVERITY_FATAL, NULL, 0, __VA_ARGS__)

/**
 * @brief Adapters for existing logging call sites: a syslog-style call
 * (priority LOG_EMERG..LOG_DEBUG, facility ignored) and a callback with
 * the shape many C libraries accept for their log hook
 * (void *user_data, int priority, const char *fmt, va_list); user_data
 * is ignored. The record's severity text is syslog's name of the level
 * ("err", "warning", ...).
 */
OTELC_API void otelc_syslog(int priority, const char *fmt, ...)
    OTELC_PRINTF(2, 3);
OTELC_API void otelc_vsyslog_hook(void *user_data, int priority,
                                  const char *fmt, va_list ap)
    OTELC_PRINTF(3, 0);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_LOGS_H */
