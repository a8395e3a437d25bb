/*
 * Internal interface of the built-in propagators. Inject reads a view of
 * the context that costs no allocation; extract adds what it finds to an
 * accumulator, and one context is built from it at the end, however many
 * propagators a composite runs.
 */
#ifndef OTELC_SRC_PROPAGATION_INTERNAL_H
#define OTELC_SRC_PROPAGATION_INTERNAL_H

#include "common/internal.h"
#include "otelc/propagation.h"

/* Propagation flags carried by a context and inherited by spans started
 * under it. */
enum {
  OTELC__PROP_B3_DEBUG = 1u << 0 /* B3 debug ("d" / X-B3-Flags: 1) */
};

/* What a context holds, borrowed from it. */
typedef struct otelc__ctx_view {
  bool has_sc;
  otelc_span_context sc;
  const char *tracestate; /* NULL if none */
  size_t tracestate_len;
  const otelc_baggage *baggage; /* NULL if none */
  uint8_t prop_flags;
} otelc__ctx_view;

/* The view of @p ctx, or of the calling thread's current context when
 * @p ctx is NULL. Valid while that context stays alive/attached. */
void otelc__context_view(const otelc_context *ctx, otelc__ctx_view *out);

/* What extraction found so far. */
typedef struct otelc__extract_acc {
  const otelc_context *base; /* may be NULL */
  bool has_sc;               /* a valid remote span context was found */
  otelc_span_context sc;     /* is_remote set */
  uint8_t prop_flags;
  size_t tracestate_len;     /* 0: none */
  char tracestate[OTELC_TRACESTATE_MAX + 1];
  bool baggage_found;        /* baggage replaces the base's */
  otelc_baggage *baggage;    /* owned reference (may be NULL) */
} otelc__extract_acc;

/* A new context: @p base with @p remote (if non-NULL) as its span context,
 * with tracestate @p ts (@p ts_len bytes, 0 for none) and @p prop_flags,
 * and with @p baggage (a reference is taken) when @p set_baggage, else the
 * base's. NULL when memory ran out. */
otelc_context *otelc__context_derive(const otelc_context *base,
                                     const otelc_span_context *remote,
                                     const char *ts, size_t ts_len,
                                     uint8_t prop_flags, bool set_baggage,
                                     otelc_baggage *baggage);

/* Record a span context (and its tracestate, possibly empty) found by a
 * propagator; replaces anything found before it. */
void otelc__acc_set_span(otelc__extract_acc *acc,
                         const otelc_span_context *sc, const char *ts,
                         size_t ts_len, uint8_t prop_flags);

/* Record a baggage (ownership of @p b taken; NULL for none). */
void otelc__acc_set_baggage(otelc__extract_acc *acc, otelc_baggage *b);

/* The built-in propagators. */
typedef struct otelc__prop_vtbl {
  otelc_status (*inject)(const otelc__ctx_view *v, const otelc_carrier *c);
  void (*extract)(otelc__extract_acc *acc, const otelc_carrier *c);
  const char *const *fields;
} otelc__prop_vtbl;

extern const otelc__prop_vtbl otelc__tracecontext_vtbl;
extern const otelc__prop_vtbl otelc__baggage_vtbl;
extern const otelc__prop_vtbl otelc__b3_single_vtbl;
extern const otelc__prop_vtbl otelc__b3_multi_vtbl;

/* ---------------------------------------------------------------- baggage */

/* Limits applied by the W3C baggage propagator: the specification requires
 * at least 64 members and 8192 bytes to pass; larger headers are cut by
 * whole members. */
#define OTELC__BAGGAGE_MAX_HEADER 8192

/* Build a baggage from @p n entries at once (names, values and metadata
 * copied, later duplicates replacing earlier ones). NULL when @p n is 0 or
 * memory ran out. */
otelc_baggage *otelc__baggage_from(const char *const *names,
                                   const char *const *values,
                                   const char *const *metadata, size_t n);

#endif /* OTELC_SRC_PROPAGATION_INTERNAL_H */
