/*
 * otelc/common.h - status codes, attribute values, time and diagnostics.
 *
 * Everything in this header is shared by every signal (traces, metrics and
 * logs). Conventions used throughout the API:
 *
 *  - Strings passed in are copied before the function returns unless the
 *    function says otherwise; the caller keeps ownership of its buffers.
 *  - Pointers handed out are "borrowed": valid for as long as the object
 *    they come from, never freed by the caller.
 *  - Timestamps are nanoseconds since the Unix epoch (UTC); 0 means "now".
 *  - Destructors accept NULL and do nothing with it.
 *  - No function aborts the process or blocks on network I/O in the caller's
 *    thread unless its documentation says so.
 */
#ifndef OTELC_COMMON_H
#define OTELC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otelc/export_macros.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Result of an otelc call. Values are never renumbered; retired codes keep
 * their number.
 */
typedef enum otelc_status {
  OTELC_OK = 0,               /**< success */
  OTELC_ERR_INVALID_ARG = 1,  /**< a NULL or out-of-range argument */
  OTELC_ERR_NOMEM = 2,        /**< memory allocation failed */
  OTELC_ERR_TIMEOUT = 3,      /**< the operation did not finish in time */
  OTELC_ERR_SHUTDOWN = 4,     /**< the object was already shut down */
  OTELC_ERR_QUEUE_FULL = 5,   /**< data dropped because a queue was full */
  OTELC_ERR_EXPORT = 6,       /**< the exporter reported a failure */
  OTELC_ERR_PARSE = 7,        /**< input could not be parsed */
  OTELC_ERR_UNSUPPORTED = 8,  /**< feature not built or not supported */
  OTELC_ERR_LIMIT = 9,        /**< data dropped or cut by a configured limit */
  OTELC_ERR_STATE = 10,       /**< call not valid in the object's state */
  OTELC_ERR_IO = 11           /**< an operating-system call failed */
} otelc_status;

/**
 * @brief Human-readable description of a status code.
 * @return A static string; never NULL (unknown codes get a generic text).
 * Thread safety: safe from any thread.
 */
OTELC_API const char *otelc_strerror(otelc_status status);

/**
 * @brief The enumerator's name without prefix, e.g. "ERR_TIMEOUT".
 * @return A static string; never NULL. Thread safety: safe from any thread.
 */
OTELC_API const char *otelc_status_name(otelc_status status);

/* ------------------------------------------------------------------------ */
/* Attribute values                                                          */
/* ------------------------------------------------------------------------ */

/** Type of an otelc_value. Numbers are stable. */
typedef enum otelc_value_type {
  OTELC_VALUE_EMPTY = 0,
  OTELC_VALUE_STRING = 1,
  OTELC_VALUE_BOOL = 2,
  OTELC_VALUE_INT = 3,
  OTELC_VALUE_DOUBLE = 4,
  OTELC_VALUE_STRING_ARRAY = 5,
  OTELC_VALUE_BOOL_ARRAY = 6,
  OTELC_VALUE_INT_ARRAY = 7,
  OTELC_VALUE_DOUBLE_ARRAY = 8,
  OTELC_VALUE_BYTES = 9,
  OTELC_VALUE_ARRAY = 10, /**< heterogeneous array of otelc_value */
  OTELC_VALUE_MAP = 11    /**< nested key/value list of otelc_attr */
} otelc_value_type;

/** Length meaning "the string is NUL-terminated; measure it". */
#define OTELC_NTS ((size_t)-1)

struct otelc_attr;

/**
 * A typed value. @c len is the byte length for STRING and BYTES (OTELC_NTS
 * for a NUL-terminated string) and the element count for arrays and maps.
 * Elements of a STRING_ARRAY are NUL-terminated strings.
 *
 * Values read back from otelc (span attributes given to an exporter) always
 * carry an explicit length, and their strings are also NUL-terminated.
 */
typedef struct otelc_value {
  otelc_value_type type;
  size_t len;
  union {
    const char *str;
    bool b;
    int64_t i;
    double d;
    const void *bytes;
    const char *const *strs;
    const bool *bools;
    const int64_t *ints;
    const double *doubles;
    const struct otelc_value *values;
    const struct otelc_attr *kvs;
  } u;
} otelc_value;

/** A key and its value. The key is a NUL-terminated string. */
typedef struct otelc_attr {
  const char *key;
  otelc_value value;
} otelc_attr;

/* Builders for attribute literals. The pointers are borrowed by the call
 * that receives them; otelc copies what it keeps. */
#define OTELC_STR(k, v)                                                       \
  ((otelc_attr){(k), {OTELC_VALUE_STRING, OTELC_NTS, {.str = (v)}}})
#define OTELC_STRN(k, v, n)                                                   \
  ((otelc_attr){(k), {OTELC_VALUE_STRING, (n), {.str = (v)}}})
#define OTELC_INT(k, v)                                                       \
  ((otelc_attr){(k), {OTELC_VALUE_INT, 0, {.i = (int64_t)(v)}}})
#define OTELC_DOUBLE(k, v)                                                    \
  ((otelc_attr){(k), {OTELC_VALUE_DOUBLE, 0, {.d = (double)(v)}}})
#define OTELC_BOOL(k, v)                                                      \
  ((otelc_attr){(k), {OTELC_VALUE_BOOL, 0, {.b = (v)}}})
#define OTELC_BYTES(k, p, n)                                                  \
  ((otelc_attr){(k), {OTELC_VALUE_BYTES, (n), {.bytes = (p)}}})
#define OTELC_STR_ARRAY(k, arr, n)                                            \
  ((otelc_attr){(k), {OTELC_VALUE_STRING_ARRAY, (n), {.strs = (arr)}}})
#define OTELC_INT_ARRAY(k, arr, n)                                            \
  ((otelc_attr){(k), {OTELC_VALUE_INT_ARRAY, (n), {.ints = (arr)}}})
#define OTELC_DOUBLE_ARRAY(k, arr, n)                                         \
  ((otelc_attr){(k), {OTELC_VALUE_DOUBLE_ARRAY, (n), {.doubles = (arr)}}})
#define OTELC_BOOL_ARRAY(k, arr, n)                                           \
  ((otelc_attr){(k), {OTELC_VALUE_BOOL_ARRAY, (n), {.bools = (arr)}}})

/**
 * Expands to two arguments: a pointer to an array of attributes and its
 * length, for functions taking (const otelc_attr *attrs, size_t n).
 *   otelc_span_add_event(span, "retry", OTELC_ATTRS(OTELC_INT("n", 2)));
 */
#define OTELC_ATTRS(...)                                                      \
  ((const otelc_attr[]){__VA_ARGS__}),                                        \
      (sizeof((const otelc_attr[]){__VA_ARGS__}) / sizeof(otelc_attr))

/* ------------------------------------------------------------------------ */
/* Time                                                                      */
/* ------------------------------------------------------------------------ */

/**
 * @brief Current wall-clock time in nanoseconds since the Unix epoch.
 *
 * Derived from the monotonic clock plus an offset to wall time that is
 * refreshed about once a second, so that two readings taken in order never
 * go backwards within that second. Thread safety: safe from any thread.
 */
OTELC_API uint64_t otelc_time_now(void);

/* ------------------------------------------------------------------------ */
/* Diagnostics: otelc's own log                                              */
/* ------------------------------------------------------------------------ */

/** Severity of otelc's own diagnostic messages (OTEL_LOG_LEVEL). */
typedef enum otelc_log_level {
  OTELC_LOG_DEBUG = 1,
  OTELC_LOG_INFO = 2,
  OTELC_LOG_WARN = 3,
  OTELC_LOG_ERROR = 4,
  OTELC_LOG_NONE = 5
} otelc_log_level;

/**
 * Receives one diagnostic line (no trailing newline). @c msg is borrowed for
 * the duration of the call. Called from whichever thread hit the problem,
 * including export threads: the handler must be thread-safe and must not
 * call back into otelc.
 */
typedef void (*otelc_diag_handler)(otelc_log_level level, const char *msg,
                                   void *user_data);

/**
 * @brief Route otelc's diagnostics to @p handler (NULL restores the default,
 * which writes "otelc: <level>: <message>" lines to stderr).
 * Thread safety: safe from any thread; a message being written concurrently
 * may still reach the previous handler.
 */
OTELC_API void otelc_diag_set_handler(otelc_diag_handler handler,
                                      void *user_data);

/**
 * @brief Report a diagnostic through otelc's handler (printf-style), for
 * otelc's optional libraries and instrumentation modules, so that their
 * messages follow otelc_diag_set_handler and OTEL_LOG_LEVEL too. Lines
 * are cut at 1023 bytes. Thread safety: safe from any thread.
 */
OTELC_API void otelc_diag_log(otelc_log_level level, const char *fmt, ...)
    OTELC_PRINTF(2, 3);

/**
 * @brief Set the minimum level of diagnostics reported. The default is
 * taken from OTEL_LOG_LEVEL (debug, info, warn, error, none), else info.
 * Thread safety: safe from any thread.
 */
OTELC_API void otelc_diag_set_level(otelc_log_level level);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_COMMON_H */
