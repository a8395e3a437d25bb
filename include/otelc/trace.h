/*
 * otelc/trace.h - tracer provider, tracers and spans.
 *
 * Typical use:
 *
 *   otelc_tracer *tr = otelc_tracer_get("rag", "1.0.0");
 *   otelc_span *s = otelc_span_start(tr, "rag.query", NULL);
 *   otelc_scope sc = otelc_span_activate(s);
 *   otelc_span_set_int(s, "rag.top_k", 5);
 *   ...
 *   otelc_context_detach(sc);
 *   otelc_span_end(s);
 *
 * Span functions accept the handle returned by otelc_span_start until
 * otelc_span_end has been called with it; a span that is still current on
 * some thread, or held in a context, stays readable (but no longer
 * recording) until released there. Calls on a non-recording span are
 * ignored. otelc_span_start never returns NULL.
 *
 * Thread safety: the functions below may be called from any thread, but
 * one span must not be changed by two threads at once.
 */
#ifndef OTELC_TRACE_H
#define OTELC_TRACE_H

#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/resource.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_tracer_provider otelc_tracer_provider;
typedef struct otelc_tracer otelc_tracer;
typedef struct otelc_span otelc_span;
typedef struct otelc_sampler otelc_sampler;
typedef struct otelc_span_processor otelc_span_processor;

/** Span kind; the numbers are OTLP's. 0 is read as INTERNAL. */
typedef enum otelc_span_kind {
  OTELC_SPAN_KIND_UNSPECIFIED = 0,
  OTELC_SPAN_KIND_INTERNAL = 1,
  OTELC_SPAN_KIND_SERVER = 2,
  OTELC_SPAN_KIND_CLIENT = 3,
  OTELC_SPAN_KIND_PRODUCER = 4,
  OTELC_SPAN_KIND_CONSUMER = 5
} otelc_span_kind;

/** Span status; the numbers are OTLP's. */
typedef enum otelc_status_code {
  OTELC_STATUS_UNSET = 0,
  OTELC_STATUS_OK = 1,
  OTELC_STATUS_ERROR = 2
} otelc_status_code;

/** Value meaning "no limit" in otelc_span_limits. */
#define OTELC_NO_LIMIT UINT32_MAX

/** Limits on what one span keeps. Excess is dropped and counted. */
typedef struct otelc_span_limits {
  uint32_t attr_count;        /**< default 128 */
  uint32_t attr_value_length; /**< default OTELC_NO_LIMIT; characters */
  uint32_t event_count;       /**< default 128 */
  uint32_t link_count;        /**< default 128 */
  uint32_t event_attr_count;  /**< default 128 */
  uint32_t link_attr_count;   /**< default 128 */
} otelc_span_limits;

/** @brief Fill @p out with the specification's defaults. */
OTELC_API void otelc_span_limits_default(otelc_span_limits *out);

/**
 * @brief Fill @p out from OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
 * OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (falling back to the general
 * OTEL_ATTRIBUTE_* ones), OTEL_SPAN_EVENT_COUNT_LIMIT,
 * OTEL_SPAN_LINK_COUNT_LIMIT, OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT and
 * OTEL_LINK_ATTRIBUTE_COUNT_LIMIT. Invalid values are reported and the
 * default is used. Thread safety: safe from any thread.
 */
OTELC_API void otelc_span_limits_from_env(otelc_span_limits *out);

/* ------------------------------------------------------------------------ */
/* Tracer provider                                                           */
/* ------------------------------------------------------------------------ */

/** Source of trace and span ids (optional; the default is random). */
typedef struct otelc_id_generator {
  /** Fill 16 bytes; must not return all zeros. Called from any thread. */
  void (*trace_id)(void *user_data, uint8_t out[16]);
  /** Fill 8 bytes; must not return all zeros. Called from any thread. */
  void (*span_id)(void *user_data, uint8_t out[8]);
  void *user_data;
  /** True when the low 56 bits of every trace id are uniformly random,
   *  which lets otelc set the W3C random flag. */
  bool random_trace_ids;
} otelc_id_generator;

typedef struct otelc_tracer_provider_opts {
  /** Borrowed; the provider takes its own reference. NULL: the result of
   *  otelc_resource_create(NULL). */
  otelc_resource *resource;
  /** Ownership taken (even on failure). NULL: from OTEL_TRACES_SAMPLER. */
  otelc_sampler *sampler;
  /** Copied. NULL: otelc_span_limits_from_env(). */
  const otelc_span_limits *limits;
  /** Ownership of every processor is taken (even on failure); called in
   *  this order. An empty list gives a provider whose tracers are
   *  disabled. */
  otelc_span_processor *const *processors;
  size_t n_processors;
  /** Copied. NULL: per-thread random generator seeded from the OS. */
  const otelc_id_generator *id_generator;
} otelc_tracer_provider_opts;

/**
 * @brief Create a provider. With OTEL_SDK_DISABLED=true the result is a
 * no-op provider: its spans allocate nothing and record nothing (the
 * processors passed in are shut down and freed).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG (out is NULL), OTELC_ERR_NOMEM.
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status
otelc_tracer_provider_new(const otelc_tracer_provider_opts *opts,
                          otelc_tracer_provider **out);

/**
 * @brief Create a provider configured entirely from the environment:
 * resource, sampler, limits, and one processor per exporter named in
 * OTEL_TRACES_EXPORTER (batch processors configured by OTEL_BSP_*).
 * Exporters otelc knows: "console", "none", and "otlp" when the OTLP
 * module is built; an unset variable means @p default_exporter (NULL:
 * "otlp"). Unknown names are reported and skipped.
 * @return as otelc_tracer_provider_new.
 */
OTELC_API otelc_status
otelc_tracer_provider_new_from_env(const char *default_exporter,
                                   otelc_tracer_provider **out);

/**
 * @brief Export everything ended so far, waiting at most @p timeout_ms.
 * @return OTELC_OK, OTELC_ERR_TIMEOUT, OTELC_ERR_EXPORT, OTELC_ERR_SHUTDOWN.
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status
otelc_tracer_provider_force_flush(otelc_tracer_provider *p,
                                  uint32_t timeout_ms);

/**
 * @brief Flush and shut down every processor; later spans are no-ops.
 * Returns within about @p timeout_ms even if an exporter hangs. Only the
 * first call does anything; later ones return OTELC_ERR_SHUTDOWN.
 * @return OTELC_OK, OTELC_ERR_TIMEOUT, OTELC_ERR_EXPORT, OTELC_ERR_SHUTDOWN.
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status
otelc_tracer_provider_shutdown(otelc_tracer_provider *p, uint32_t timeout_ms);

/**
 * @brief Shut down (5 s timeout) if not done, then free the provider, its
 * tracers, processors and exporters. Every span started from it must have
 * ended. NULL is ignored. Must not be the global provider any more.
 */
OTELC_API void otelc_tracer_provider_free(otelc_tracer_provider *p);

/**
 * @brief Install @p p as the process-wide provider used by
 * otelc_tracer_get (NULL: back to the no-op provider). Tracers obtained
 * earlier from the global keep working and switch to the new provider.
 * The caller keeps ownership; unset it before freeing it.
 * Thread safety: safe from any thread.
 */
OTELC_API void otelc_tracer_provider_set_global(otelc_tracer_provider *p);

/** @brief The process-wide provider, or NULL if none was set. */
OTELC_API otelc_tracer_provider *otelc_tracer_provider_global(void);

/** @brief The provider's resource (borrowed). */
OTELC_API const otelc_resource *
otelc_tracer_provider_resource(const otelc_tracer_provider *p);

/* ------------------------------------------------------------------------ */
/* Tracers                                                                   */
/* ------------------------------------------------------------------------ */

/** An instrumentation scope: the library that produces the spans. */
typedef struct otelc_scope_info {
  const char *name;
  const char *version;    /**< may be NULL */
  const char *schema_url; /**< may be NULL */
  const otelc_attr *attrs;
  size_t n_attrs;
} otelc_scope_info;

/**
 * @brief The tracer for @p scope (strings copied). Asking twice for the
 * same name, version and schema URL returns the same tracer. An empty or
 * NULL name is accepted with a warning.
 * @return A tracer owned by the provider (never NULL: a no-op tracer after
 * shutdown or on allocation failure).
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_tracer *
otelc_tracer_provider_get_tracer(otelc_tracer_provider *p,
                                 const otelc_scope_info *scope);

/**
 * @brief A tracer from the global provider. It follows later changes of
 * the global provider. Never NULL. Thread safety: safe from any thread.
 */
OTELC_API otelc_tracer *otelc_tracer_get(const char *name,
                                         const char *version);

/** @brief Whether spans from @p t can be recorded at all. */
OTELC_API bool otelc_tracer_enabled(const otelc_tracer *t);

/** @brief The tracer's scope (borrowed). */
OTELC_API const otelc_scope_info *otelc_tracer_scope(const otelc_tracer *t);

/* ------------------------------------------------------------------------ */
/* Spans                                                                     */
/* ------------------------------------------------------------------------ */

/** A link to another span, given at start or added later. */
typedef struct otelc_link {
  otelc_span_context context;
  const char *tracestate; /**< may be NULL */
  const otelc_attr *attrs;
  size_t n_attrs;
} otelc_link;

typedef struct otelc_span_start_opts {
  otelc_span_kind kind;
  /** Parent context; NULL means the calling thread's current one. */
  const otelc_context *parent;
  /** Start a new trace, ignoring @c parent and the current context. */
  bool root;
  /** ns since epoch; 0 means now. */
  uint64_t start_time;
  const otelc_attr *attrs; /**< seen by the sampler */
  size_t n_attrs;
  const otelc_link *links; /**< seen by the sampler */
  size_t n_links;
} otelc_span_start_opts;

/**
 * @brief Start a span named @p name (copied). Its parent is opts->parent,
 * else the current context of the calling thread, unless opts->root.
 * The span is not made current: use otelc_span_activate.
 * @param opts may be NULL (INTERNAL, current parent, now).
 * @return never NULL. The caller owns the handle until otelc_span_end.
 * Thread safety: safe from any thread. No lock is taken in the steady
 * state; no memory is allocated once the span pool is warm.
 */
OTELC_API otelc_span *otelc_span_start(otelc_tracer *t, const char *name,
                                       const otelc_span_start_opts *opts);

/**
 * @brief End the span now and give up the caller's handle, as free()
 * does: the caller must not use @p s afterwards, except that a span still
 * active on the calling thread (or held in a context) stays valid until
 * deactivated, and further calls on it, including another end, are
 * ignored. NULL is ignored. Never performs I/O unless a simple processor
 * was configured (which exports on the calling thread by design).
 */
OTELC_API void otelc_span_end(otelc_span *s);

/** @brief Like otelc_span_end with an explicit end time (ns since epoch). */
OTELC_API void otelc_span_end_at(otelc_span *s, uint64_t end_time);

/**
 * @brief Set one attribute (copied). An existing key is overwritten. When
 * the attribute count limit is reached a new key is dropped and counted;
 * strings longer than the value length limit are cut at a UTF-8 character
 * boundary.
 * @return OTELC_OK; OTELC_ERR_LIMIT if dropped or truncated; OTELC_ERR_STATE
 * if the span is not recording; OTELC_ERR_INVALID_ARG; OTELC_ERR_NOMEM.
 * Thread safety: one thread at a time per span.
 */
OTELC_API otelc_status otelc_span_set_attr(otelc_span *s,
                                           const otelc_attr *attr);

/** @brief Set several attributes; the worst status is returned. */
OTELC_API otelc_status otelc_span_set_attrs(otelc_span *s,
                                            const otelc_attr *attrs, size_t n);

OTELC_API otelc_status otelc_span_set_str(otelc_span *s, const char *key,
                                          const char *value);
OTELC_API otelc_status otelc_span_set_strn(otelc_span *s, const char *key,
                                           const char *value, size_t len);
OTELC_API otelc_status otelc_span_set_int(otelc_span *s, const char *key,
                                          int64_t value);
OTELC_API otelc_status otelc_span_set_double(otelc_span *s, const char *key,
                                             double value);
OTELC_API otelc_status otelc_span_set_bool(otelc_span *s, const char *key,
                                           bool value);

/**
 * @brief Add an event (name and attributes copied) at @p time (0 = now).
 * @return OTELC_OK; OTELC_ERR_LIMIT if the event or some of its attributes
 * were dropped; OTELC_ERR_STATE; OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_span_add_event(otelc_span *s, const char *name,
                                            uint64_t time,
                                            const otelc_attr *attrs, size_t n);

/** @brief Add a link (copied). Return codes as otelc_span_add_event. */
OTELC_API otelc_status otelc_span_add_link(otelc_span *s,
                                           const otelc_link *link);

/**
 * @brief Set the status. OK is final; UNSET is ignored; the description is
 * kept only with ERROR (copied).
 */
OTELC_API void otelc_span_set_status(otelc_span *s, otelc_status_code code,
                                     const char *description);

/**
 * @brief Record an exception as an event named "exception" with
 * exception.type, exception.message and exception.stacktrace (NULL ones
 * omitted). Attributes in @p attrs win over generated ones. Does not
 * change the status: call otelc_span_set_status for an error that
 * escapes the span.
 */
OTELC_API otelc_status otelc_span_record_exception(
    otelc_span *s, const char *type, const char *message,
    const char *stacktrace, const otelc_attr *attrs, size_t n);

/** @brief Rename the span (copied). */
OTELC_API void otelc_span_update_name(otelc_span *s, const char *name);

/** @brief Whether the span records data (false after end). */
OTELC_API bool otelc_span_is_recording(const otelc_span *s);

/** @brief The span's context (zeros for NULL). */
OTELC_API otelc_span_context otelc_span_get_context(const otelc_span *s);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_TRACE_H */
