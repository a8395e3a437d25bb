/*
 * Internal helpers shared by every part of otelc: allocation, diagnostics,
 * atomics, the clock and random ids. Not installed.
 */
#ifndef OTELC_SRC_COMMON_INTERNAL_H
#define OTELC_SRC_COMMON_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "otelc/common.h"

#define OTELC__LIKELY(x) __builtin_expect(!!(x), 1)
#define OTELC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define OTELC__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation goes through these so that a failing allocator can be
 * injected by tests. They never abort. */
void *otelc__malloc(size_t n);
void *otelc__calloc(size_t count, size_t n);
void *otelc__realloc(void *p, size_t n);
void otelc__free(void *p);
/* @p align is a power of two, at least sizeof(void *); free with
 * otelc__free. */
void *otelc__malloc_aligned(size_t align, size_t n);
char *otelc__strdup(const char *s); /* NULL in, NULL out */
char *otelc__strndup(const char *s, size_t n);

/* Test hook: after @p n more successful allocations, every allocation
 * fails until reset with a negative value. */
void otelc__alloc_fail_after(long n);
/* Test hook: allocation calls made so far (successful or not). */
unsigned long otelc__alloc_calls(void);

/* Diagnostics ----------------------------------------------------------- */

void otelc__log(otelc_log_level level, const char *fmt, ...)
    OTELC_PRINTF(2, 3);
bool otelc__log_enabled(otelc_log_level level);
#define otelc__warn(...) otelc__log(OTELC_LOG_WARN, __VA_ARGS__)
#define otelc__error(...) otelc__log(OTELC_LOG_ERROR, __VA_ARGS__)
#define otelc__debug(...) otelc__log(OTELC_LOG_DEBUG, __VA_ARGS__)

/* Clock ------------------------------------------------------------------ */

/* Monotonic nanoseconds (CLOCK_MONOTONIC). */
uint64_t otelc__mono_ns(void);
/* Wall time in ns since epoch for a monotonic reading. */
uint64_t otelc__wall_from_mono(uint64_t mono);

/* Random ids -------------------------------------------------------------- */

/* Fast per-thread generator (xoshiro256**), seeded from getrandom() and
 * re-seeded in a forked child. Never returns all-zero ids. */
uint64_t otelc__rand64(void);
void otelc__random_trace_id(uint8_t out[16]);
void otelc__random_span_id(uint8_t out[8]);

/* Fork ------------------------------------------------------------------- */

/* Incremented in the child after every fork(); per-thread and per-object
 * state compare against it to notice they were inherited. */
extern _Atomic unsigned otelc__fork_generation;
/* Hooks run around fork(): prepare (before, in the parent, reverse
 * registration order), parent (after, in the parent) and child (after, in
 * the child). Any of them may be NULL. Typical use: prepare locks the
 * object's mutex, parent unlocks it, child re-initialises it and resets
 * state that belonged to threads that do not exist in the child. */
typedef struct otelc__fork_hooks {
  void (*prepare)(void *arg);
  void (*parent)(void *arg);
  void (*child)(void *arg);
} otelc__fork_hooks;
/* Returns false (with a warning) when the registry is full. */
bool otelc__fork_register(const otelc__fork_hooks *h, void *arg);
/* Remove the hooks registered with @p arg. */
void otelc__fork_unregister(void *arg);
void otelc__fork_init(void);

/* Strings ------------------------------------------------------------------ */

static inline size_t otelc__value_strlen(const otelc_value *v) {
  return v->len == OTELC_NTS ? (v->u.str ? strlen(v->u.str) : 0) : v->len;
}

/* Lowercase hex of n bytes into out (2n chars + NUL). */
void otelc__hex(const uint8_t *in, size_t n, char *out);
/* Parse exactly 2n lowercase/uppercase hex chars; false on bad input. */
bool otelc__unhex(const char *in, size_t n, uint8_t *out);

/* Length, in bytes, of the longest prefix of s[0..len) that holds at most
 * max_chars UTF-8 characters and does not end inside a multi-byte
 * sequence. Invalid bytes count as one character each. */
size_t otelc__utf8_prefix(const char *s, size_t len, uint32_t max_chars);

#endif /* OTELC_SRC_COMMON_INTERNAL_H */
