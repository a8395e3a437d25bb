/*
 * Base-2 exponential bucket histogram (see exp_histogram.h).
 *
 * Mapping. A positive finite v is split into 2^e * m with m in [1, 2)
 * straight from its IEEE-754 bits (subnormals are normalised with a
 * leading-zero count, so they map exactly). Bucket i at scale s holds
 * base^i < v <= base^(i+1), i.e. i = ceil(2^s * log2 v) - 1:
 *  - scale <= 0: i = (e, or e - 1 for a power of two) >> -s (floor);
 *  - scale > 0, power of two: i = e * 2^s - 1;
 *  - scale > 0 otherwise: 2^s * log2 m is irrational, so
 *    i = e * 2^s + floor(2^s * log2 m). log2 m comes from a table and a
 *    short series (error below 2^-52, measured against a 64-bit log2
 *    over 2e8 significands), far smaller than the margin of 2^-44 * 2^s
 *    required between 2^s * log2 m and an integer; inside that margin
 *    (about one value in 2^(43-s)) the index is computed exactly by
 *    repeated squaring (otelc__exph_index_exact). The result is thus the
 *    exact index, not the spec's +-1.
 * libm is not linked, so log and exp are computed here.
 *
 * Storage. Each range is a circular array of max_size counters, so that
 * growing downwards needs no move. When a new index would make a range
 * span more than max_size indexes, both ranges are downscaled by the
 * least delta that makes it fit: the array is rotated to start at
 * index_start, then bucket i is added into bucket i >> delta.
 */
#include "metrics/exp_histogram.h"

#include <math.h>

#ifdef __clang__
/* The double-double arithmetic below needs every rounding as written. */
#pragma STDC FP_CONTRACT OFF
#endif

#define SIG_MASK ((UINT64_C(1) << 52) - 1)
#define EXP_MASK UINT64_C(0x7ff)

/* --------------------------------------------------------- arithmetic -- */

/* floor(x / 2^d) without relying on the sign behaviour of >>. */
static inline int32_t shr_floor(int32_t x, int32_t d) {
  if (OTELC__UNLIKELY(d > 30))
    return x < 0 ? -1 : 0;
  return x >= 0 ? x >> d : ~(~x >> d);
}

static inline int64_t shr_floor64(int64_t x, int32_t d) {
  return x >= 0 ? x >> d : ~(~x >> d);
}

/* Split positive finite non-zero @p v into 2^e * (1 + sig / 2^52). */
static inline void decompose(double v, int32_t *e, uint64_t *sig) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  uint64_t f = bits & SIG_MASK;
  int32_t be = (int32_t)((bits >> 52) & EXP_MASK);
  if (OTELC__LIKELY(be != 0)) {
    *e = be - 1023;
    *sig = f;
    return;
  }
  /* Subnormal: v = f * 2^-1074 with the leading one at bit `top`. */
  int32_t top = 63 - __builtin_clzll(f);
  *e = top - 1074;
  *sig = (f << (52 - top)) & SIG_MASK;
}

/* The double 1 + sig / 2^52, in [1, 2). */
static inline double sig_to_double(uint64_t sig) {
  uint64_t bits = (UINT64_C(1023) << 52) | sig;
  double m;
  memcpy(&m, &bits, sizeof m);
  return m;
}

/* log2(1 + (2k + 1) / 64) for k = 0..31, correctly rounded. */
static const double log2_mid[32] = {
    0.02236781302845451, 0.06608919045777244, 0.10852445677816905,
    0.14974711950468206, 0.18982455888001723, 0.22881869049588088,
    0.2667865406949014,  0.30378074817710293, 0.33985000288462475,
    0.37503943134692475, 0.4093909361377018,  0.4429434958487283,
    0.47573343096639775, 0.5077946401986962,  0.5391588111080314,
    0.5698556083309478,  0.5999128421871277,  0.6293566200796096,
    0.6582114827517948,  0.6865005271832184,  0.7142455176661227,
    0.7414669864011469,  0.7681843247769263,  0.794415866350106,
    0.8201789624151877,  0.8454900509443752,  0.8703647195834046,
    0.8948177633079435,  0.9188632372745945,  0.9425145053392399,
    0.965784284662087,   0.9886846867721658,
};

/* log2 m for m = 1 + sig / 2^52 in [1, 2), absolute error below 2^-52.
 * c is the middle of m's 1/32-wide interval (m - c is exact) and
 * log2 m = log2 c + log2(m / c), where with s = (m - c) / (m + c),
 * |s| <= 1/128: ln(m / c) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + s^7/7 +
 * ...); the terms left out are below 2^-70. */
static inline double log2_sig(uint64_t sig) {
  uint32_t k = (uint32_t)(sig >> 47);
  double m = sig_to_double(sig);
  double c = 1.0 + (double)(2 * k + 1) * 0x1p-6;
  double s = (m - c) / (m + c), z = s * s;
  double q = 0.4121985831111324; /* 2 / (7 ln 2) */
  q = q * z + 0.5770780163555853;
  q = q * z + 0.9617966939259756;
  q = q * z + 2.8853900817779268; /* 2 / ln 2 */
  return log2_mid[k] + s * q;
}

/* exp(x) for |x| <= 0.35: Taylor series to x^14/14! (remainder < 1e-18). */
static double exp_small(double x) {
  static const double inv_fact[] = {
      1.0,
      1.0,
      0.5,
      1.6666666666666666e-01,
      4.1666666666666664e-02,
      8.3333333333333332e-03,
      1.3888888888888889e-03,
      1.9841269841269841e-04,
      2.4801587301587302e-05,
      2.7557319223985893e-06,
      2.7557319223985888e-07,
      2.5052108385441720e-08,
      2.0876756987868100e-09,
      1.6059043836821613e-10,
      1.1470745597729725e-11,
  };
  double r = inv_fact[14];
  for (int k = 13; k >= 0; k--)
    r = r * x + inv_fact[k];
  return r;
}

/* a * b = *p + *e exactly (Dekker's product: no fused multiply-add). */
static void two_prod(double a, double b, double *p, double *e) {
  const double split = 134217729.0; /* 2^27 + 1 */
  double t = split * a;
  double ah = t - (t - a), al = a - ah;
  t = split * b;
  double bh = t - (t - b), bl = b - bh;
  *p = a * b;
  *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

/* floor(2^scale * log2 m) for m in (1, 2): square m @p scale times in
 * double-double; each square that reaches 2 is halved and gives a one
 * bit. The relative error after 20 squarings is about 2^-83, so a wrong
 * bit would need m within that distance of a boundary 2^(k / 2^scale),
 * an irrational number. */
static int32_t exact_sub_index(double m, int32_t scale) {
  double hi = m, lo = 0.0;
  int32_t j = 0;
  for (int32_t k = 0; k < scale; k++) {
    double p, e;
    two_prod(hi, hi, &p, &e);
    e += 2.0 * hi * lo + lo * lo;
    hi = p + e;
    lo = e - (hi - p);
    j *= 2;
    if (hi > 2.0 || (hi == 2.0 && lo >= 0.0)) {
      hi *= 0.5;
      lo *= 0.5;
      j += 1;
    }
  }
  return j;
}

/* ------------------------------------------------------------ mapping -- */

/* floor(2^scale * log2 m) for m = 1 + sig / 2^52 in (1, 2), scale > 0. */
static inline int32_t sub_index(uint64_t sig, int32_t scale) {
  double pow2 = (double)(UINT32_C(1) << scale);
  double y = log2_sig(sig) * pow2; /* in [0, 2^scale): exact floor */
  int32_t i = (int32_t)y;
  i -= y < (double)i;
  double f = y - (double)i, margin = pow2 * 0x1p-44;
  if (OTELC__UNLIKELY(f < margin || f > 1.0 - margin))
    return exact_sub_index(sig_to_double(sig), scale);
  return i;
}

static inline int32_t index_of(double v, int32_t scale) {
  int32_t e;
  uint64_t sig;
  decompose(v, &e, &sig);
  if (scale <= 0)
    return shr_floor(sig ? e : e - 1, -scale);
  if (sig == 0)
    return e * ((int32_t)1 << scale) - 1;
  return e * ((int32_t)1 << scale) + sub_index(sig, scale);
}

int32_t otelc__exph_index(double v, int32_t scale) {
  return index_of(v, scale);
}

int32_t otelc__exph_index_exact(double v, int32_t scale) {
  int32_t e;
  uint64_t sig;
  decompose(v, &e, &sig);
  if (scale <= 0)
    return shr_floor(sig ? e : e - 1, -scale);
  if (sig == 0)
    return e * ((int32_t)1 << scale) - 1;
  return e * ((int32_t)1 << scale) + exact_sub_index(sig_to_double(sig), scale);
}

double otelc__exph_lower_bound(int32_t index, int32_t scale) {
  int64_t p;
  double frac = 1.0;
  if (scale <= 0) {
    int32_t k = scale < -30 ? 30 : -scale; /* beyond 30: only 0, 1, Inf */
    p = (int64_t)index * ((int64_t)1 << k);
  } else {
    /* 2^(index / 2^s) = 2^p * 2^t with t in (-1/2, 1/2] */
    p = shr_floor64(index, scale);
    int64_t r = (int64_t)index - p * ((int64_t)1 << scale);
    double t = (double)r / (double)((int64_t)1 << scale);
    if (t > 0.5) {
      t -= 1.0;
      p++;
    }
    frac = exp_small(t * 0.6931471805599453);
  }
  if (p > 1024)
    return HUGE_VAL;
  if (p < -1100)
    return 0.0;
  return ldexp(frac, (int)p);
}

/* ------------------------------------------------------------- ranges -- */

/* The slot of @p idx, which lies within max_size of index_base. */
static inline uint32_t slot_of(const otelc__exph_range *r, uint32_t n,
                               int32_t idx) {
  int32_t d = idx - r->index_base;
  return d < 0 ? (uint32_t)(d + (int32_t)n) : (uint32_t)d;
}

/* Buckets spanned by lo..hi at @p d scales lower. */
static inline int64_t span_after(int64_t lo, int64_t hi, int32_t d) {
  return shr_floor64(hi, d) - shr_floor64(lo, d) + 1;
}

/* The least delta that makes lo..hi span at most @p n buckets. */
static int32_t delta_to_fit(int64_t lo, int64_t hi, uint32_t n) {
  int32_t d = 0;
  while (span_after(lo, hi, d) > (int64_t)n && d < 62)
    d++;
  return d;
}

static void reverse(uint64_t *a, uint32_t lo, uint32_t hi) {
  while (lo + 1 < hi) {
    uint64_t t = a[lo];
    a[lo++] = a[--hi];
    a[hi] = t;
  }
}

/* Merge the buckets of @p r into the scale @p d lower. */
static void range_downscale(otelc__exph_range *r, uint32_t n, int32_t d) {
  if (r->empty || d == 0)
    return;
  /* Rotate left so that index_start is at slot 0. */
  uint32_t k = slot_of(r, n, r->index_start);
  if (k) {
    reverse(r->counts, 0, k);
    reverse(r->counts, k, n);
    reverse(r->counts, 0, n);
  }
  int32_t start = shr_floor(r->index_start, d);
  uint32_t span = (uint32_t)(r->index_end - r->index_start) + 1;
  for (uint32_t i = 0; i < span; i++) {
    uint64_t c = r->counts[i];
    uint32_t to = (uint32_t)(shr_floor(r->index_start + (int32_t)i, d) - start);
    if (c && to != i) {
      r->counts[i] = 0;
      r->counts[to] += c;
    }
  }
  r->index_start = r->index_base = start;
  r->index_end = shr_floor(r->index_end, d);
}

static void downscale(otelc__exph *h, int32_t d) {
  range_downscale(&h->pos, h->max_size, d);
  range_downscale(&h->neg, h->max_size, d);
  h->scale -= d;
}

/* Add @p c to bucket @p idx of @p r, whose counts exist and which holds
 * idx within max_size buckets. */
static void range_add(otelc__exph_range *r, uint32_t n, int32_t idx,
                      uint64_t c) {
  if (r->empty) {
    r->index_start = r->index_end = r->index_base = idx;
    r->empty = false;
  } else if (idx < r->index_start) {
    r->index_start = idx;
  } else if (idx > r->index_end) {
    r->index_end = idx;
  }
  r->counts[slot_of(r, n, idx)] += c;
}

/* Allocate the counts of @p r if needed. */
static bool range_alloc(otelc__exph_range *r, uint32_t n) {
  if (!r->counts)
    r->counts = otelc__calloc(n, sizeof *r->counts);
  return r->counts != NULL;
}

/* The zeroing half of reset for one range. */
static void range_clear(otelc__exph_range *r, uint32_t n) {
  if (r->counts && !r->empty) {
    uint32_t first = slot_of(r, n, r->index_start);
    uint32_t span = (uint32_t)(r->index_end - r->index_start) + 1;
    if (first + span <= n) {
      memset(r->counts + first, 0, span * sizeof *r->counts);
    } else {
      memset(r->counts + first, 0, (n - first) * sizeof *r->counts);
      memset(r->counts, 0, (first + span - n) * sizeof *r->counts);
    }
  }
  r->empty = true;
  r->index_start = r->index_end = r->index_base = 0;
}

/* ---------------------------------------------------------- histogram -- */

void otelc__exph_init(otelc__exph *h, uint32_t max_size, int32_t max_scale,
                      bool record_min_max) {
  memset(h, 0, sizeof *h);
  if (max_size == 0)
    max_size = OTELC__EXPH_DEFAULT_MAX_SIZE;
  if (max_size < 2)
    max_size = 2;
  if (max_size > OTELC__EXPH_LIMIT_MAX_SIZE)
    max_size = OTELC__EXPH_LIMIT_MAX_SIZE;
  if (max_scale > OTELC__EXPH_MAX_SCALE)
    max_scale = OTELC__EXPH_MAX_SCALE;
  if (max_scale < OTELC__EXPH_MIN_SCALE)
    max_scale = OTELC__EXPH_MIN_SCALE;
  h->max_size = max_size;
  h->max_scale = h->scale = max_scale;
  h->record_min_max = record_min_max;
  h->pos.empty = h->neg.empty = true;
}

void otelc__exph_free(otelc__exph *h) {
  otelc__free(h->pos.counts);
  otelc__free(h->neg.counts);
  h->pos.counts = h->neg.counts = NULL;
  otelc__exph_reset(h);
}

void otelc__exph_reset(otelc__exph *h) {
  range_clear(&h->pos, h->max_size);
  range_clear(&h->neg, h->max_size);
  h->scale = h->max_scale;
  h->count = h->zero_count = 0;
  h->sum = h->min = h->max = 0.0;
}

/* Count @p v (already placed) in count, sum, min and max. */
static inline void add_stats(otelc__exph *h, double v) {
  h->sum += v;
  if (h->record_min_max) {
    if (h->count == 0 || v < h->min)
      h->min = v;
    if (h->count == 0 || v > h->max)
      h->max = v;
  }
  h->count++;
}

/* Record into @p r a value of index @p idx that lies outside the range's
 * buckets (or the range is empty). */
static otelc_status record_slow(otelc__exph *h, otelc__exph_range *r,
                                int32_t idx) {
  uint32_t n = h->max_size;
  if (!range_alloc(r, n))
    return OTELC_ERR_NOMEM;
  if (!r->empty) {
    int64_t lo = idx < r->index_start ? idx : r->index_start;
    int64_t hi = idx > r->index_end ? idx : r->index_end;
    int32_t d = delta_to_fit(lo, hi, n);
    if (d > 0) {
      downscale(h, d);
      idx = shr_floor(idx, d);
    }
  }
  range_add(r, n, idx, 1);
  return OTELC_OK;
}

otelc_status otelc__exph_record(otelc__exph *h, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  if (OTELC__UNLIKELY(((bits >> 52) & EXP_MASK) == EXP_MASK))
    return OTELC_ERR_INVALID_ARG; /* NaN, +-Inf */
  if (OTELC__UNLIKELY((bits << 1) == 0)) {
    h->zero_count++;
    add_stats(h, v);
    return OTELC_OK;
  }
  otelc__exph_range *r = (bits >> 63) ? &h->neg : &h->pos;
  double a = (bits >> 63) ? -v : v;
  int32_t idx = index_of(a, h->scale);
  if (OTELC__LIKELY(!r->empty && idx >= r->index_start &&
                    idx <= r->index_end)) {
    r->counts[slot_of(r, h->max_size, idx)]++;
  } else {
    otelc_status st = record_slow(h, r, idx);
    if (st != OTELC_OK)
      return st;
  }
  add_stats(h, v);
  return OTELC_OK;
}

/* Widen lo..hi (valid when *have) with the range @p r of a histogram at
 * @p scale, seen at the lower scale @p to. */
static void widen(int64_t *lo, int64_t *hi, bool *have,
                  const otelc__exph_range *r, int32_t scale, int32_t to) {
  if (r->empty)
    return;
  int64_t a = shr_floor(r->index_start, scale - to);
  int64_t b = shr_floor(r->index_end, scale - to);
  if (!*have || a < *lo)
    *lo = a;
  if (!*have || b > *hi)
    *hi = b;
  *have = true;
}

/* Add the buckets of @p s (at @p scale) into @p d (at @p to <= scale). */
static void range_merge(otelc__exph_range *d, uint32_t dn,
                        const otelc__exph_range *s, uint32_t sn, int32_t scale,
                        int32_t to) {
  if (s->empty)
    return;
  for (int64_t i = s->index_start; i <= s->index_end; i++) {
    uint64_t c = s->counts[slot_of(s, sn, (int32_t)i)];
    if (c)
      range_add(d, dn, shr_floor((int32_t)i, scale - to), c);
  }
}

otelc_status otelc__exph_merge(otelc__exph *dst, const otelc__exph *src) {
  if (src->count == 0)
    return OTELC_OK;
  uint32_t n = dst->max_size;
  if ((!src->pos.empty && !range_alloc(&dst->pos, n)) ||
      (!src->neg.empty && !range_alloc(&dst->neg, n)))
    return OTELC_ERR_NOMEM;
  int32_t to = dst->scale < src->scale ? dst->scale : src->scale;
  int32_t d = 0;
  const otelc__exph_range *dr[2] = {&dst->pos, &dst->neg};
  const otelc__exph_range *sr[2] = {&src->pos, &src->neg};
  for (int k = 0; k < 2; k++) {
    int64_t lo = 0, hi = 0;
    bool have = false;
    widen(&lo, &hi, &have, dr[k], dst->scale, to);
    widen(&lo, &hi, &have, sr[k], src->scale, to);
    int32_t dk = have ? delta_to_fit(lo, hi, n) : 0;
    if (dk > d)
      d = dk;
  }
  if (dst->scale - to + d > 0)
    downscale(dst, dst->scale - to + d);
  range_merge(&dst->pos, n, &src->pos, src->max_size, src->scale, dst->scale);
  range_merge(&dst->neg, n, &src->neg, src->max_size, src->scale, dst->scale);
  if (dst->record_min_max && src->record_min_max) {
    if (dst->count == 0 || src->min < dst->min)
      dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max)
      dst->max = src->max;
  }
  dst->count += src->count;
  dst->zero_count += src->zero_count;
  dst->sum += src->sum;
  return OTELC_OK;
}

/* Write @p r densely into @p buf and describe it in @p out. */
static void range_snapshot(const otelc__exph_range *r, uint32_t n,
                           uint64_t *buf, otelc_exp_buckets *out) {
  out->counts = buf;
  out->offset = 0;
  out->n = 0;
  if (r->empty)
    return;
  uint32_t first = slot_of(r, n, r->index_start);
  uint32_t span = (uint32_t)(r->index_end - r->index_start) + 1;
  uint32_t head = first + span <= n ? span : n - first;
  memcpy(buf, r->counts + first, head * sizeof *buf);
  memcpy(buf + head, r->counts, (span - head) * sizeof *buf);
  out->offset = r->index_start;
  out->n = span;
}

void otelc__exph_snapshot(const otelc__exph *h, bool with_sum,
                          otelc_exp_histogram_point *out, uint64_t *pos_buf,
                          uint64_t *neg_buf) {
  out->count = h->count;
  out->has_sum = with_sum;
  out->sum = with_sum ? h->sum : 0.0;
  out->has_min_max = h->record_min_max && h->count > 0;
  out->min = out->has_min_max ? h->min : 0.0;
  out->max = out->has_min_max ? h->max : 0.0;
  out->scale = h->scale;
  out->zero_count = h->zero_count;
  out->zero_threshold = 0.0;
  range_snapshot(&h->pos, h->max_size, pos_buf, &out->positive);
  range_snapshot(&h->neg, h->max_size, neg_buf, &out->negative);
}
