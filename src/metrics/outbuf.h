/*
 * Reusable buffers for collected data: growable arrays and a bump
 * allocator that settle at the size a reader needs, so that collections
 * in the steady state allocate nothing. Not thread-safe: each belongs to
 * one reader, used under its collection lock.
 */
#ifndef OTELC_SRC_METRICS_OUTBUF_H
#define OTELC_SRC_METRICS_OUTBUF_H

#include "common/internal.h"

/* A growable array of elements of one size. */
typedef struct otelc__vec {
  void *p;
  size_t n, cap;
} otelc__vec;

/* Append @p count zeroed elements of @p elem bytes; returns the first, or
 * NULL when memory ran out. Earlier pointers into the array may move. */
void *otelc__vec_push(otelc__vec *v, size_t elem, size_t count);
static inline void otelc__vec_clear(otelc__vec *v) {
  v->n = 0;
}
void otelc__vec_free(otelc__vec *v);

/* Bump allocation from one block; what does not fit goes to extra blocks,
 * and the next reset replaces them all by one block large enough. */
typedef struct otelc__bump_extra otelc__bump_extra;
typedef struct otelc__bump {
  char *base;
  size_t used, cap;
  size_t extra_bytes;
  otelc__bump_extra *extra;
} otelc__bump;

/* @p n bytes aligned to 8, or NULL. */
void *otelc__bump_alloc(otelc__bump *b, size_t n);
/* Copy a NUL-terminated string, or NULL. */
char *otelc__bump_strdup(otelc__bump *b, const char *s, size_t len);
void otelc__bump_reset(otelc__bump *b);
void otelc__bump_free(otelc__bump *b);

/* Deep-copy @p n attributes into @p b; NULL when memory ran out (or n is
 * 0). */
otelc_attr *otelc__bump_attrs(otelc__bump *b, const otelc_attr *attrs,
                              size_t n);

/* The buffers a reader fills during a collection. */
typedef struct otelc__outbuf {
  otelc__vec scopes;    /* otelc_scope_metrics */
  otelc__vec metrics;   /* otelc_metric */
  otelc__vec numbers;   /* otelc_number_point */
  otelc__vec hists;     /* otelc_histogram_point */
  otelc__vec exphs;     /* otelc_exp_histogram_point */
  otelc__vec u64;       /* bucket counts */
  otelc__vec exemplars; /* otelc_exemplar */
  otelc__vec series;    /* otelc__series * swept after delta reads */
  otelc__bump mem;      /* exemplar attributes */
} otelc__outbuf;

void otelc__outbuf_clear(otelc__outbuf *o);
void otelc__outbuf_free(otelc__outbuf *o);

#endif /* OTELC_SRC_METRICS_OUTBUF_H */
