/*
 * Base-2 exponential bucket histogram: the state of one series and the
 * mapping of values to bucket indexes (the data model's rules).
 *
 * At scale s the base is 2^(2^-s) and bucket i holds the values v with
 * base^i < |v| <= base^(i+1). Positive and negative values go to two
 * ranges that always share one scale; zeros go to zero_count (the zero
 * threshold is 0, and subnormal values get buckets of their own). A new
 * histogram is at max_scale and is downscaled (pairs of buckets merged,
 * index >> delta) by the least amount that lets each range fit in
 * max_size buckets, so it is always at the highest scale that holds its
 * data.
 *
 * Not thread-safe: the caller serialises record, merge, snapshot and
 * reset on one state (the metrics SDK holds the series lock).
 */
#ifndef OTELC_SRC_METRICS_EXP_HISTOGRAM_H
#define OTELC_SRC_METRICS_EXP_HISTOGRAM_H

#include "common/internal.h"
#include "otelc/metrics.h"

#define OTELC__EXPH_DEFAULT_MAX_SIZE 160u
#define OTELC__EXPH_DEFAULT_MAX_SCALE 20
/* The range of max_scale. Downscaling never needs to go below
 * MIN_SCALE (every double fits in 3 buckets there), except with
 * max_size 2 when a range holds both a value <= 2^-1024 (a subnormal)
 * and one > 1: that needs scale -11, where every double fits in two
 * buckets (indexes -1 and 0). */
#define OTELC__EXPH_MIN_SCALE (-10)
#define OTELC__EXPH_MAX_SCALE 20
/* The largest max_size kept (2^24 buckets of 8 bytes per range). */
#define OTELC__EXPH_LIMIT_MAX_SIZE (1u << 24)

/* One range (positive or negative) of buckets: a circular array of
 * max_size counters indexed by bucket index, allocated on first use.
 * Slots outside index_start..index_end are always zero. */
typedef struct otelc__exph_range {
  uint64_t *counts; /* max_size slots, NULL until the first value */
  int32_t index_start, index_end; /* inclusive, both non-empty buckets;
                                     valid when !empty */
  int32_t index_base; /* an index of the range whose count is at slot 0:
                         index i is at slot (i - index_base) mod max_size */
  bool empty;         /* no value in this range */
} otelc__exph_range;

typedef struct otelc__exph {
  uint32_t max_size;
  int32_t max_scale;
  int32_t scale; /* current scale (starts at max_scale) */
  bool record_min_max;
  uint64_t count; /* zero_count + every bucket count */
  uint64_t zero_count;
  double sum;      /* of the recorded values */
  double min, max; /* valid when record_min_max and count > 0 */
  otelc__exph_range pos, neg;
} otelc__exph;

/* Prepare an empty histogram (allocates nothing yet). max_size 0 means
 * the default 160, 1 means 2 (one bucket cannot hold both values <= 1
 * and > 1 at any scale) and it is at most 2^24; max_scale is clamped to
 * -10..20. Snapshot buffers need h->max_size slots, so callers should
 * reject a max_size of 1 rather than rely on the clamp. */
void otelc__exph_init(otelc__exph *h, uint32_t max_size, int32_t max_scale,
                      bool record_min_max);
/* Free its buckets (the histogram is then empty and may be reused). */
void otelc__exph_free(otelc__exph *h);
/* Back to empty at max_scale, keeping the bucket memory. */
void otelc__exph_reset(otelc__exph *h);

/* Record one value: 0 and -0 go to zero_count; otherwise the value's
 * bucket is incremented, downscaling first when the range would need
 * more than max_size buckets. Allocates only the first time a range
 * gets a value. Returns OTELC_OK; OTELC_ERR_INVALID_ARG for NaN and
 * +-Inf, which are ignored (counted nowhere, not in sum/min/max); or
 * OTELC_ERR_NOMEM when the buckets could not be allocated (the value is
 * then lost entirely and the histogram is unchanged). */
otelc_status otelc__exph_record(otelc__exph *h, double v);

/* Merge @p src into @p dst (used to accumulate deltas into a cumulative
 * state): dst is downscaled to the lower of the two scales and further
 * until the union fits dst's max_size, then counts, sum, min and max are
 * combined. @p src is not modified and must not be @p dst. Returns
 * OTELC_OK or OTELC_ERR_NOMEM (dst then unchanged). */
otelc_status otelc__exph_merge(otelc__exph *dst, const otelc__exph *src);

/* Copy @p h into @p out. The positive and negative counts are written
 * densely into @p pos_buf and @p neg_buf (max_size slots each), which
 * @p out then points at; an empty range has n 0 and offset 0, and a
 * non-empty one starts and ends with a non-zero count. attrs, times,
 * exemplars and flags of @p out are left untouched. has_sum is set from
 * @p with_sum (sum is 0 without it), has_min_max from record_min_max
 * when the histogram is not empty; zero_threshold is 0. */
void otelc__exph_snapshot(const otelc__exph *h, bool with_sum,
                          otelc_exp_histogram_point *out, uint64_t *pos_buf,
                          uint64_t *neg_buf);

/* The bucket index of finite positive @p v (subnormals included) at
 * @p scale (-11..20). Exact for every value: for scale <= 0 from the
 * IEEE exponent, for powers of two by their exponent, otherwise from a
 * logarithm whose error is far below the distance to the nearest bucket
 * boundary, with otelc__exph_index_exact taking over in the rare cases
 * where it is not. */
int32_t otelc__exph_index(double v, int32_t scale);

/* The same index computed the slow way (repeated squaring of the
 * significand in double-double arithmetic, one bit of the index per
 * step), for values close to a boundary and for tests. */
int32_t otelc__exph_index_exact(double v, int32_t scale);

/* The lower boundary base^index of bucket @p index at @p scale (within
 * a few ulps for scale > 0; exact powers of two otherwise; +Inf above
 * the double range, 0 below it). For tests and the console exporter. */
double otelc__exph_lower_bound(int32_t index, int32_t scale);

#endif /* OTELC_SRC_METRICS_EXP_HISTOGRAM_H */
