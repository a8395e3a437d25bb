/*
 * otelc/propagation.h - carrying a trace (and baggage) across process
 * boundaries in headers: carriers, propagators (W3C Trace Context, W3C
 * Baggage, B3 single and multi header, composites), and the header
 * parsers and writers they are built from.
 *
 *   Outgoing request:   otelc_inject(&carrier);        current context
 *   Incoming request:   otelc_context *ctx = otelc_extract(&carrier);
 *                       otelc_scope sc = otelc_context_attach(ctx);
 *                       ... spans started here are children of the caller
 *                       otelc_context_detach(sc); otelc_context_release(ctx);
 *
 * Everything read from a carrier is untrusted: invalid headers are
 * ignored (never half-used), and work and memory are bounded whatever
 * their size.
 */
#ifndef OTELC_PROPAGATION_H
#define OTELC_PROPAGATION_H

#include "otelc/baggage.h"
#include "otelc/common.h"
#include "otelc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Carriers                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * Where propagators read and write headers. Keys are given in lowercase;
 * HTTP carriers match them case-insensitively.
 */
typedef struct otelc_carrier {
  /** The value of @p key, or NULL. When the key occurs several times the
   *  carrier joins the values with "," in order (as HTTP does). The string
   *  belongs to the carrier and stays valid until the next call on it. */
  const char *(*get)(void *self, const char *key);
  /** Set @p key to @p value (both borrowed for the call), replacing any
   *  earlier value. May be NULL for a read-only carrier. */
  otelc_status (*set)(void *self, const char *key, const char *value);
  /** Optional: call @p fn for each key present. */
  void (*keys)(void *self, void (*fn)(void *ud, const char *key), void *ud);
  void *self;
} otelc_carrier;

/** A header kept by otelc_kv_carrier. */
typedef struct otelc_kv {
  char *key;
  char *value;
} otelc_kv;

/**
 * A carrier over an array of key/value strings that it owns: the ready
 * carrier for code that has headers as pairs (an HTTP server callback, a
 * message's header map). Matching is case-insensitive.
 */
typedef struct otelc_kv_carrier {
  otelc_kv *items;
  size_t count, cap;
  size_t bytes; /* total length of keys and values held */
  char *joined; /* value returned when a key repeats */
  otelc_carrier carrier; /* pass &kv.carrier to propagators */
} otelc_kv_carrier;

/** @brief Initialise an empty carrier (no allocation yet). */
OTELC_API void otelc_kv_carrier_init(otelc_kv_carrier *kv);

/**
 * @brief Append a header (copied; keys may repeat, as in HTTP).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM,
 * OTELC_ERR_LIMIT (more than 1024 headers or 1 MiB in all).
 */
OTELC_API otelc_status otelc_kv_carrier_add(otelc_kv_carrier *kv,
                                            const char *key,
                                            const char *value);

/** @brief Free what the carrier holds and make it empty again. */
OTELC_API void otelc_kv_carrier_clear(otelc_kv_carrier *kv);

/* ------------------------------------------------------------------------ */
/* Propagators                                                               */
/* ------------------------------------------------------------------------ */

typedef struct otelc_propagator otelc_propagator;

/** What a custom propagator implements. */
typedef struct otelc_propagator_ops {
  /** Write what @p ctx carries into @p c. */
  otelc_status (*inject)(void *self, const otelc_context *ctx,
                         const otelc_carrier *c);
  /** A new context: @p base (may be NULL) plus what @p c carries, or a new
   *  reference to @p base when it carries nothing valid. */
  otelc_context *(*extract)(void *self, const otelc_context *base,
                            const otelc_carrier *c);
  /** Header names inject may write, NULL-terminated (static storage). */
  const char *const *(*fields)(void *self);
  void (*destroy)(void *self);
} otelc_propagator_ops;

/** @brief Wrap a custom propagator; @p self is owned from now on. */
OTELC_API otelc_status
otelc_propagator_new(const otelc_propagator_ops *ops, void *self,
                     otelc_propagator **out);

/** @brief W3C Trace Context (traceparent, tracestate), Level 2. */
OTELC_API otelc_propagator *otelc_propagator_tracecontext(void);
/**
 * @brief W3C Baggage (baggage). Values are percent-encoded on inject and
 * decoded on extract (invalid UTF-8 becomes U+FFFD); metadata travels
 * unchanged. Entries whose names are not HTTP tokens are not written, nor
 * is metadata containing ',' or control characters. At most 8192 bytes
 * and 180 entries pass either way, whole entries only.
 */
OTELC_API otelc_propagator *otelc_propagator_baggage(void);
/** @brief B3: extracts single then multi headers; injects the single
 *  "b3" header. */
OTELC_API otelc_propagator *otelc_propagator_b3(void);
/** @brief B3: extracts single then multi headers; injects X-B3-*. */
OTELC_API otelc_propagator *otelc_propagator_b3multi(void);

/**
 * @brief Several propagators as one: inject runs each in order; extract
 * runs each in order on the result of the previous one. Takes ownership of
 * the members (even on failure). NULL members are skipped.
 */
OTELC_API otelc_propagator *
otelc_propagator_composite(otelc_propagator *const *members, size_t n);

/**
 * @brief The composite named by OTEL_PROPAGATORS (default
 * "tracecontext,baggage"): tracecontext, baggage, b3, b3multi, none;
 * duplicates are removed, unknown names reported and skipped.
 */
OTELC_API otelc_propagator *otelc_propagator_from_env(void);

/** @brief Free a propagator (not the global one while installed). */
OTELC_API void otelc_propagator_free(otelc_propagator *p);

/**
 * @brief Write @p ctx (NULL: the calling thread's current context) into
 * @p c. An unsampled context is propagated too; an empty one writes
 * nothing.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, or the carrier's error.
 */
OTELC_API otelc_status otelc_propagator_inject(const otelc_propagator *p,
                                               const otelc_context *ctx,
                                               const otelc_carrier *c);

/**
 * @brief Read @p c into a new context derived from @p base (NULL: empty).
 * A span context found there is remote (is_remote) and becomes the parent
 * of spans started under the result.
 * @return a new reference (release it), or NULL when memory ran out; when
 * nothing valid was found, a new reference to @p base (NULL if NULL).
 */
OTELC_API otelc_context *otelc_propagator_extract(const otelc_propagator *p,
                                                  const otelc_context *base,
                                                  const otelc_carrier *c);

/** @brief Header names the propagator may write, NULL-terminated. */
OTELC_API const char *const *
otelc_propagator_fields(const otelc_propagator *p);

/**
 * @brief Install @p p as the process-wide propagator (caller keeps
 * ownership; NULL restores the default from OTEL_PROPAGATORS).
 * Thread safety: safe from any thread.
 */
OTELC_API void otelc_propagator_set_global(otelc_propagator *p);

/** @brief The process-wide propagator (created from OTEL_PROPAGATORS on
 *  first use). Never NULL unless memory ran out. */
OTELC_API otelc_propagator *otelc_propagator_global(void);

/** @brief otelc_propagator_inject with the global propagator and the
 *  current context. */
OTELC_API otelc_status otelc_inject(const otelc_carrier *c);

/** @brief otelc_propagator_extract with the global propagator and an
 *  empty base. */
OTELC_API otelc_context *otelc_extract(const otelc_carrier *c);

/* ------------------------------------------------------------------------ */
/* Header formats (no allocation)                                            */
/* ------------------------------------------------------------------------ */

/** Length of a version-00 traceparent value, without the NUL. */
#define OTELC_TRACEPARENT_LEN 55

/**
 * @brief Parse a traceparent value with every W3C Level 2 rule (lowercase
 * hex, field lengths, zero ids, version ff, trailing data for version 00,
 * higher versions by position). Spaces and tabs around the value are
 * allowed. Only the sampled and random flags are kept.
 * @param out receives the span context (is_remote = true) only on success.
 * @return OTELC_OK or OTELC_ERR_PARSE (OTELC_ERR_INVALID_ARG for NULL).
 */
OTELC_API otelc_status otelc_traceparent_parse(const char *s, size_t len,
                                               otelc_span_context *out);

/**
 * @brief Write @p sc as a version-00 traceparent into @p out (at least
 * OTELC_TRACEPARENT_LEN + 1 bytes).
 * @return OTELC_TRACEPARENT_LEN, or 0 when @p sc is invalid.
 */
OTELC_API size_t otelc_traceparent_format(const otelc_span_context *sc,
                                          char *out);

/** Longest tracestate otelc keeps; longer ones are truncated by the W3C
 *  rule (entries over 128 characters first, then from the right). */
#define OTELC_TRACESTATE_MAX 4096

/**
 * @brief Validate a tracestate value (keys and values by the Level 2
 * grammar, no duplicate keys, at most 32 members) and write it to @p out
 * without empty members or optional whitespace, truncated to fit @p cap
 * (at most OTELC_TRACESTATE_MAX) by the W3C rule.
 * @return the length written (0 for an empty tracestate), or -1 when the
 * value is invalid (the whole header is then to be ignored).
 */
OTELC_API long otelc_tracestate_normalize(const char *in, size_t len,
                                          char *out, size_t cap);

/**
 * @brief Value of member @p key in a normalised tracestate.
 * @return true and the value (not NUL-terminated) when present.
 */
OTELC_API bool otelc_tracestate_get(const char *ts, const char *key,
                                    const char **value, size_t *len);

/**
 * @brief @p ts with @p key set to @p value and moved to the front (the
 * right-most member is evicted beyond 32), written to @p out.
 * @return the length written, or -1 when key or value is invalid or the
 * result does not fit @p cap.
 */
OTELC_API long otelc_tracestate_set(const char *ts, const char *key,
                                    const char *value, char *out,
                                    size_t cap);

/** @brief @p ts without @p key, written to @p out. @return length or -1. */
OTELC_API long otelc_tracestate_delete(const char *ts, const char *key,
                                       char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_PROPAGATION_H */
