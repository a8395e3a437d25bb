/*
 * otelc/baggage.h - name/value pairs that travel with a request across
 * processes (W3C Baggage), carried in a context.
 *
 * A baggage is immutable and reference counted; "changing" one makes a
 * new one. NULL is a valid, empty baggage everywhere.
 */
#ifndef OTELC_BAGGAGE_H
#define OTELC_BAGGAGE_H

#include "otelc/common.h"
#include "otelc/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_baggage otelc_baggage;

/** Most entries one baggage holds; setting more fails with
 *  OTELC_ERR_LIMIT. */
#define OTELC_BAGGAGE_MAX_ENTRIES 180

/**
 * @brief A copy of @p b (NULL: empty) with @p name set to @p value and
 * @p metadata (both copied; metadata may be NULL). An existing name is
 * replaced in place. Names are non-empty, case-sensitive UTF-8; values may
 * be any UTF-8 (the W3C propagator percent-encodes them).
 * @param out receives a new baggage with one reference.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG (NULL/empty name or value NULL),
 * OTELC_ERR_LIMIT (too many entries), OTELC_ERR_NOMEM.
 * Thread safety: safe from any thread.
 */
OTELC_API otelc_status otelc_baggage_set(const otelc_baggage *b,
                                         const char *name, const char *value,
                                         const char *metadata,
                                         otelc_baggage **out);

/**
 * @brief A copy of @p b without @p name (a new reference to the same
 * contents when absent).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_baggage_remove(const otelc_baggage *b,
                                            const char *name,
                                            otelc_baggage **out);

/** @brief Value of @p name (borrowed from @p b), or NULL. */
OTELC_API const char *otelc_baggage_get(const otelc_baggage *b,
                                        const char *name);

/** @brief Number of entries (0 for NULL). */
OTELC_API size_t otelc_baggage_count(const otelc_baggage *b);

/**
 * @brief The i-th entry in insertion order; pointers borrowed from @p b.
 * @return false when @p i is out of range.
 */
OTELC_API bool otelc_baggage_entry(const otelc_baggage *b, size_t i,
                                   const char **name, const char **value,
                                   const char **metadata);

/** @brief Another reference (NULL passes through). Thread-safe. */
OTELC_API otelc_baggage *otelc_baggage_ref(otelc_baggage *b);

/** @brief Drop a reference. NULL is ignored. Thread-safe. */
OTELC_API void otelc_baggage_release(otelc_baggage *b);

/**
 * @brief A context like @p parent (NULL: empty) but carrying @p b (a
 * reference is taken; NULL removes the baggage).
 * @return a new context reference, or NULL when memory ran out.
 */
OTELC_API otelc_context *otelc_context_with_baggage(const otelc_context *parent,
                                                    otelc_baggage *b);

/** @brief The baggage of @p ctx (borrowed), or NULL. */
OTELC_API const otelc_baggage *otelc_context_baggage(const otelc_context *ctx);

/**
 * @brief The calling thread's current baggage (borrowed: valid while the
 * context that carries it stays attached), or NULL.
 */
OTELC_API const otelc_baggage *otelc_baggage_current(void);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_BAGGAGE_H */
