/*
 * Exemplar reservoirs, one per series, created on the first offer:
 * SimpleFixedSize (uniform sampling over a collection interval) and
 * AlignedHistogramBucket (one uniformly sampled exemplar per bucket).
 * Offers and collection are serialised by the reservoir's spin lock.
 */
#ifndef OTELC_SRC_METRICS_EXEMPLAR_H
#define OTELC_SRC_METRICS_EXEMPLAR_H

#include "metrics/metrics_internal.h"

/* The span context current when a measurement is made. */
typedef struct otelc__ex_span {
  bool valid;
  bool sampled;
  uint8_t trace_id[16];
  uint8_t span_id[8];
} otelc__ex_span;

/* Read the current span of this thread into @p out. */
void otelc__ex_span_current(otelc__ex_span *out);

/* Offer a measurement of series @p s: value @p v (in the instrument's
 * type) and @p d as a double (bucket choice). The attributes the stream
 * dropped are those of @p m outside idx[0..n) (none when idx is NULL),
 * or, when @p m is NULL, @p fattrs. Thread-safe. */
void otelc__exemplar_offer(otelc__mstore *st, otelc__series *s, otelc__num v,
                           double d, const otelc__mattrs *m,
                           const uint32_t *idx, uint32_t n,
                           const otelc_attr *fattrs, size_t n_fattrs,
                           const otelc__ex_span *span);

/* Append the exemplars of @p res to out->exemplars (filtered attributes
 * copied into out->mem) and empty the reservoir. Returns the number
 * appended. Thread-safe. */
size_t otelc__reservoir_collect(struct otelc__reservoir *res,
                                otelc__outbuf *out, bool is_double);

/* In a forked child: release the lock. */
void otelc__reservoir_after_fork(struct otelc__reservoir *res);

#endif /* OTELC_SRC_METRICS_EXEMPLAR_H */
