/*
 * otelc/context.h - the current span of a thread, and context values that
 * carry it to another thread or an event-loop callback.
 *
 * Each thread has a stack of active contexts. Activating a span or a
 * context pushes onto it and returns a token; detaching with that token
 * pops it and restores what was current before. Spans started without an
 * explicit parent become children of the current span.
 */
#ifndef OTELC_CONTEXT_H
#define OTELC_CONTEXT_H

#include "otelc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct otelc_span;

/** 128-bit trace id, 64-bit span id, W3C flags, and whether it came from
 *  another process. A plain value: copy it freely. */
typedef struct otelc_span_context {
  uint8_t trace_id[16];
  uint8_t span_id[8];
  uint8_t trace_flags; /**< OTELC_TRACE_FLAG_* bits */
  bool is_remote;
} otelc_span_context;

#define OTELC_TRACE_FLAG_SAMPLED 0x01u
#define OTELC_TRACE_FLAG_RANDOM 0x02u

/** @brief True when both ids are non-zero. NULL gives false. */
OTELC_API bool otelc_span_context_is_valid(const otelc_span_context *sc);

/** @brief Lowercase hex of a trace id into @p out (33 bytes incl. NUL). */
OTELC_API void otelc_trace_id_to_hex(const uint8_t id[16], char out[33]);

/** @brief Lowercase hex of a span id into @p out (17 bytes incl. NUL). */
OTELC_API void otelc_span_id_to_hex(const uint8_t id[8], char out[17]);

/**
 * Immutable, reference-counted context: a span (local or remote) plus
 * values propagated with it. Safe to share between threads.
 */
typedef struct otelc_context otelc_context;

/** Proof of an activation, given back to detach. */
typedef struct otelc_scope {
  uint32_t depth;
  uint32_t check;
} otelc_scope;

/**
 * @brief Capture the calling thread's current context, to hand to another
 * thread or a callback. Takes a reference to the current span, so the
 * span's identity stays readable even after it ends.
 * @return A new reference (release with otelc_context_release), or NULL if
 * memory ran out or nothing is current (NULL is a valid, empty context for
 * every function that takes one).
 * Thread safety: reads only the calling thread's state.
 */
OTELC_API otelc_context *otelc_context_current(void);

/**
 * @brief A context whose span is @p span (a reference is taken), derived
 * from @p parent (NULL = empty).
 * @return A new reference, or NULL on allocation failure.
 */
OTELC_API otelc_context *otelc_context_with_span(const otelc_context *parent,
                                                 struct otelc_span *span);

/**
 * @brief A context carrying a span context that arrived from another
 * process (its is_remote is forced to true), with an optional W3C
 * tracestate string (copied; NULL or "" for none). Used by propagators.
 * @return A new reference, or NULL when @p sc is invalid or memory ran out.
 */
OTELC_API otelc_context *
otelc_context_with_remote(const otelc_context *parent,
                          const otelc_span_context *sc, const char *tracestate);

/** @brief Another reference to @p ctx (NULL passes through). Thread-safe. */
OTELC_API otelc_context *otelc_context_ref(otelc_context *ctx);

/** @brief Drop a reference. NULL is ignored. Thread-safe. */
OTELC_API void otelc_context_release(otelc_context *ctx);

/**
 * @brief The span of @p ctx (borrowed, valid while @p ctx lives), or NULL
 * for an empty or remote-only context.
 */
OTELC_API struct otelc_span *otelc_context_span(const otelc_context *ctx);

/**
 * @brief The span context of @p ctx into @p out.
 * @return true if @p ctx carries a valid span context.
 */
OTELC_API bool otelc_context_span_context(const otelc_context *ctx,
                                          otelc_span_context *out);

/** @brief W3C tracestate of @p ctx's span (borrowed), or NULL if none. */
OTELC_API const char *otelc_context_tracestate(const otelc_context *ctx);

/**
 * @brief Make @p ctx current on the calling thread until detached.
 * The thread holds its own reference while it is active.
 * @return the scope to give to otelc_context_detach. If the per-thread
 * stack (256 deep) is full, the context is not activated, a warning is
 * logged, and detaching the returned scope does nothing.
 */
OTELC_API otelc_scope otelc_context_attach(otelc_context *ctx);

/**
 * @brief Make @p span current on the calling thread without allocating.
 * Same rules as otelc_context_attach.
 */
OTELC_API otelc_scope otelc_span_activate(struct otelc_span *span);

/**
 * @brief Undo the activation that returned @p scope, restoring what was
 * current before it. Activations must be undone in reverse order; if
 * @p scope is not the innermost one, every activation above it is undone
 * too and OTELC_ERR_STATE is returned (with a warning).
 * @return OTELC_OK, OTELC_ERR_STATE.
 */
OTELC_API otelc_status otelc_context_detach(otelc_scope scope);

/**
 * @brief The calling thread's current span (borrowed: valid while it stays
 * current), or NULL when none is active. Never returns a remote context.
 */
OTELC_API struct otelc_span *otelc_span_current(void);

/**
 * @brief The calling thread's current span context (local or remote).
 * @return true if a valid one is current.
 */
OTELC_API bool otelc_current_span_context(otelc_span_context *out);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_CONTEXT_H */
