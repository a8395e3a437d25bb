/* The base-2 exponential histogram: recording, downscaling, the zero
 * bucket, negatives, NaN/Inf, merge, reset, snapshots and allocation
 * failures (the index mapping is in test_exp_histogram_index.c). */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/exp_histogram.h"

/* ---------------------------------------------------------- utilities -- */

#define assert_dbl_equal(a, b)                                                 \
  do {                                                                         \
    double a_ = (a), b_ = (b);                                                 \
    if (!(a_ == b_))                                                           \
      fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                      \
  } while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: deterministic pseudo-random numbers. */
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dull;
}

static double from_bits(uint64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

/* A random positive finite double with uniformly random bits (so every
 * binary exponent, subnormals included, is as likely). */
static double rnd_positive(void) {
  for (;;) {
    uint64_t b = rnd() & 0x7fffffffffffffffull;
    if ((b >> 52) != 0x7ff && b != 0)
      return from_bits(b);
  }
}

/* A histogram's dense buckets and stats. */
typedef struct snap {
  otelc_exp_histogram_point p;
  uint64_t pos[512], neg[512];
} snap;

static void take(const otelc__exph *h, snap *s) {
  memset(s, 0, sizeof *s);
  otelc__exph_snapshot(h, true, &s->p, s->pos, s->neg);
}

/* Check one range of a snapshot: offset and exact counts. */
static void check_buckets(const otelc_exp_buckets *b, int32_t offset,
                          const uint64_t *counts, size_t n) {
  assert_int_equal(b->n, n);
  if (n)
    assert_int_equal(b->offset, offset);
  for (size_t i = 0; i < n; i++)
    if (b->counts[i] != counts[i])
      fail_msg("bucket %d: %llu, expected %llu", (int)(offset + (int)i),
               (unsigned long long)b->counts[i], (unsigned long long)counts[i]);
}
#define BUCKETS(b, off, ...)                                                   \
  check_buckets(b, off, (const uint64_t[]){__VA_ARGS__},                       \
                sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

/* Record each value, asserting success. */
static void rec_all(otelc__exph *h, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (otelc__exph_record(h, v[i]) != OTELC_OK)
      fail_msg("record(%.17g) failed", v[i]);
}
#define REC(h, ...)                                                            \
  rec_all(h, (const double[]){__VA_ARGS__},                                    \
          sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

/* ---------------------------------------------------------- recording -- */

/* A histogram holding one value stays at max_scale, however often it is
 * recorded, and so does one with one value per range. */
static void test_single_value_keeps_max_scale(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 160, 20, true);
  for (int i = 0; i < 1000; i++)
    REC(&h, 1.5);
  REC(&h, -1e300);
  take(&h, &s);
  assert_int_equal(s.p.scale, 20);
  assert_int_equal(s.p.count, 1001);
  BUCKETS(&s.p.positive, 613377, 1000);
  BUCKETS(&s.p.negative, otelc__exph_index(1e300, 20), 1);
  otelc__exph_free(&h);
  otelc__exph_init(&h, 160, 5, false); /* a lower max_scale */
  REC(&h, 1e-300);
  assert_int_equal(h.scale, 5);
  otelc__exph_free(&h);
}

/* max_size 4 and the values 1, 2, 4, ... 128: the scale drops only as
 * far as needed, and the buckets (hand-computed) follow. */
static void test_downscale_as_values_arrive(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 4, 20, true);
  REC(&h, 1); /* bucket -1 at scale 20 */
  take(&h, &s);
  assert_int_equal(s.p.scale, 20);
  BUCKETS(&s.p.positive, -1, 1);
  /* 2 is bucket 2^20 - 1: -1..2^20-1 fits 4 buckets first at scale 1,
   * where 1 is bucket -1 and 2 is bucket 1 (sqrt 2, 2] */
  REC(&h, 2);
  take(&h, &s);
  assert_int_equal(s.p.scale, 1);
  BUCKETS(&s.p.positive, -1, 1, 0, 1);
  /* 4 is bucket 3 at scale 1: five buckets; at scale 0: -1, 0, 1 */
  REC(&h, 4);
  take(&h, &s);
  assert_int_equal(s.p.scale, 0);
  BUCKETS(&s.p.positive, -1, 1, 1, 1);
  /* 8 is bucket 2 at scale 0: four buckets fit */
  REC(&h, 8);
  take(&h, &s);
  assert_int_equal(s.p.scale, 0);
  BUCKETS(&s.p.positive, -1, 1, 1, 1, 1);
  /* 16 (bucket 3) -> scale -1, base 4: 1 | 2, 4 | 8, 16 */
  REC(&h, 16);
  take(&h, &s);
  assert_int_equal(s.p.scale, -1);
  BUCKETS(&s.p.positive, -1, 1, 2, 2);
  /* 32 and 64 are bucket 2, (16, 64] */
  REC(&h, 32, 64);
  take(&h, &s);
  assert_int_equal(s.p.scale, -1);
  BUCKETS(&s.p.positive, -1, 1, 2, 2, 2);
  /* 128 (bucket 3) -> scale -2, base 16: 1 | 2..16 | 32..128 */
  REC(&h, 128);
  take(&h, &s);
  assert_int_equal(s.p.scale, -2);
  BUCKETS(&s.p.positive, -1, 1, 4, 3);
  assert_int_equal(s.p.count, 8);
  assert_dbl_equal(s.p.sum, 255);
  assert_dbl_equal(s.p.min, 1);
  assert_dbl_equal(s.p.max, 128);
  otelc__exph_free(&h);
}

/* Downscaling for one range also downscales the other: both share the
 * scale, and the other's buckets are those of its values there. */
static void test_downscale_shares_scale(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 4, 20, false);
  REC(&h, -1.5, -1.5000001);
  assert_int_equal(h.scale, 20); /* 613377.64 and 613377.74: one bucket */
  /* 1 and 1000 (2^9.97) are -1 and 9 at scale 0; 4 buckets hold them
   * first at scale -2, base 16: -1 and 2, (256, 4096] */
  REC(&h, 1, 1000);
  take(&h, &s);
  assert_int_equal(s.p.scale, -2);
  BUCKETS(&s.p.positive, -1, 1, 0, 0, 1);
  BUCKETS(&s.p.negative, 0, 2); /* 1.5 at scale -2: (1, 16] */
  otelc__exph_free(&h);
}

/* max_size 2 with the smallest subnormal and a large value needs scale
 * -11; max_size 160 holds the whole double range at scale -4. */
static void test_extreme_ranges(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 2, 20, true);
  REC(&h, 4.9e-324, DBL_MAX);
  take(&h, &s);
  assert_int_equal(s.p.scale, -11);
  BUCKETS(&s.p.positive, -1, 1, 1);
  otelc__exph_free(&h);

  otelc__exph_init(&h, 160, 20, true);
  REC(&h, 4.9e-324, DBL_MAX, -1e-308, -1e308);
  take(&h, &s);
  /* exponents -1075..1023: 132 buckets at scale -4, 263 at scale -3 */
  assert_int_equal(s.p.scale, -4);
  assert_int_equal(s.p.positive.offset, -68);
  assert_int_equal(s.p.positive.n, 132);
  assert_int_equal(s.p.negative.offset, -64);
  assert_int_equal(s.p.negative.n, 128);
  assert_dbl_equal(s.p.min, -1e308);
  assert_dbl_equal(s.p.max, DBL_MAX);
  otelc__exph_free(&h);
}

/* 0 and -0 go to the zero bucket without changing the scale. */
static void test_zero_bucket(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 160, 20, true);
  REC(&h, 0.0, -0.0);
  take(&h, &s);
  assert_int_equal(s.p.count, 2);
  assert_int_equal(s.p.zero_count, 2);
  assert_dbl_equal(s.p.zero_threshold, 0);
  assert_int_equal(s.p.positive.n + s.p.negative.n, 0);
  assert_int_equal(s.p.scale, 20);
  assert_dbl_equal(s.p.sum, 0);
  assert_true(s.p.has_min_max);
  assert_dbl_equal(s.p.min, 0);
  assert_dbl_equal(s.p.max, 0);
  assert_null(h.pos.counts); /* nothing allocated for zeros */
  REC(&h, 4.9e-324);
  take(&h, &s);
  assert_int_equal(s.p.zero_count, 2); /* a subnormal is not zero */
  assert_int_equal(s.p.positive.n, 1);
  otelc__exph_free(&h);
}

/* Negative values use the negative range by their absolute value. */
static void test_negatives(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 160, 0, true);
  REC(&h, -3, -5, -4, 0.75);
  take(&h, &s);
  assert_int_equal(s.p.scale, 0);
  BUCKETS(&s.p.negative, 1, 2, 1); /* 3, 4 | 5 */
  BUCKETS(&s.p.positive, -1, 1);
  assert_dbl_equal(s.p.sum, -11.25);
  assert_dbl_equal(s.p.min, -5);
  assert_dbl_equal(s.p.max, 0.75);
  otelc__exph_free(&h);
}

/* NaN and infinities are refused and leave no trace. */
static void test_nan_inf_ignored(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 160, 20, true);
  unsigned long calls = otelc__alloc_calls();
  const double bad[] = {NAN, -NAN, INFINITY, -INFINITY};
  for (int i = 0; i < 4; i++)
    assert_int_equal(otelc__exph_record(&h, bad[i]), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(h.count, 0);
  REC(&h, 2);
  assert_int_equal(otelc__exph_record(&h, NAN), OTELC_ERR_INVALID_ARG);
  take(&h, &s);
  assert_int_equal(s.p.count, 1);
  assert_dbl_equal(s.p.sum, 2);
  assert_dbl_equal(s.p.min, 2);
  assert_dbl_equal(s.p.max, 2);
  assert_int_equal(s.p.scale, 20);
  otelc__exph_free(&h);
}

/* Without record_min_max the snapshot says so; with_sum false drops sum. */
static void test_min_max_and_sum_flags(void **state) {
  (void)state;
  otelc__exph h;
  otelc_exp_histogram_point p;
  uint64_t pb[160], nb[160];
  otelc__exph_init(&h, 160, 20, false);
  REC(&h, 7);
  otelc__exph_snapshot(&h, false, &p, pb, nb);
  assert_false(p.has_min_max);
  assert_false(p.has_sum);
  assert_int_equal(p.count, 1);
  otelc__exph_free(&h);
  otelc__exph_init(&h, 160, 20, true); /* empty: no min/max either */
  otelc__exph_snapshot(&h, true, &p, pb, nb);
  assert_false(p.has_min_max);
  assert_true(p.has_sum);
  assert_int_equal(p.count, 0);
  assert_int_equal(p.positive.n, 0);
  otelc__exph_free(&h);
}

/* The circular array wraps when a range grows downwards; the snapshot
 * is still in index order. */
static void test_snapshot_wraps(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 4, 0, true);
  REC(&h, 8, 1, 1.5, 1.5); /* 2 (at slot 0), -1, 0, 0 */
  take(&h, &s);
  assert_int_equal(s.p.scale, 0);
  BUCKETS(&s.p.positive, -1, 1, 2, 0, 1);
  REC(&h, 16); /* a downscale from the wrapped state: base 4 */
  take(&h, &s);
  assert_int_equal(s.p.scale, -1);
  BUCKETS(&s.p.positive, -1, 1, 2, 2);
  otelc__exph_free(&h);
}

/* Random values against a model: the final scale is the highest at
 * which both ranges fit, and each bucket counts exactly the values that
 * map to it there. */
static void check_against_values(const double *v, size_t n, uint32_t max,
                                 int32_t max_scale) {
  otelc__exph h;
  otelc__exph_init(&h, max, max_scale, true);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(otelc__exph_record(&h, v[i]), OTELC_OK);
  snap s;
  take(&h, &s);
  int32_t sc = s.p.scale;
  assert_true(sc <= max_scale && sc >= -11);
  /* maximal: one scale up, some range would not fit */
  if (sc < max_scale) {
    int64_t lo[2] = {INT64_MAX, INT64_MAX}, hi[2] = {INT64_MIN, INT64_MIN};
    for (size_t i = 0; i < n; i++) {
      if (v[i] == 0)
        continue;
      int r = v[i] < 0;
      int64_t k = otelc__exph_index(fabs(v[i]), sc + 1);
      lo[r] = k < lo[r] ? k : lo[r];
      hi[r] = k > hi[r] ? k : hi[r];
    }
    assert_true((hi[0] >= lo[0] && hi[0] - lo[0] + 1 > max) ||
                (hi[1] >= lo[1] && hi[1] - lo[1] + 1 > max));
  }
  uint64_t zeros = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] == 0) {
      zeros++;
      continue;
    }
    const otelc_exp_buckets *b = v[i] < 0 ? &s.p.negative : &s.p.positive;
    uint64_t *counts = v[i] < 0 ? s.neg : s.pos;
    int64_t k = (int64_t)otelc__exph_index(fabs(v[i]), sc) - b->offset;
    assert_true(k >= 0 && (size_t)k < b->n);
    assert_true(counts[k] > 0);
    counts[k]--;
  }
  for (size_t i = 0; i < s.p.positive.n; i++)
    assert_int_equal(s.pos[i], 0);
  for (size_t i = 0; i < s.p.negative.n; i++)
    assert_int_equal(s.neg[i], 0);
  assert_int_equal(s.p.zero_count, zeros);
  assert_int_equal(s.p.count, n);
  assert_true(s.p.positive.n <= max && s.p.negative.n <= max);
  otelc__exph_free(&h);
}

/* A random value of one of several shapes. */
static double rnd_value(int shape) {
  double u = (double)(rnd() >> 11) * 0x1p-53;
  switch (shape) {
  case 0: /* over [2^-10, 2^17), positive */
    return ldexp(1 + u, -10 + (int)(rnd() % 27));
  case 1: /* narrow: 1000 +- 0.01 */
    return 1000 + (u - 0.5) * 0.02;
  case 2: /* anything, either sign, some zeros */
    if (rnd() % 10 == 0)
      return 0;
    return (rnd() & 1) ? rnd_positive() : -rnd_positive();
  default: /* latencies around 1 ms .. 100 s, either sign */
    return ((rnd() & 3) ? 1 : -1) * ldexp(1 + u, -10 + (int)(rnd() % 17));
  }
}

static void test_random_against_model(void **state) {
  (void)state;
  static double v[600];
  static const uint32_t sizes[] = {2, 3, 4, 8, 20, 160};
  for (int shape = 0; shape < 4; shape++)
    for (size_t si = 0; si < OTELC__ARRAY_LEN(sizes); si++)
      for (int rep = 0; rep < 4; rep++) {
        size_t n = 1 + (size_t)(rnd() % OTELC__ARRAY_LEN(v));
        for (size_t i = 0; i < n; i++)
          v[i] = rnd_value(shape);
        check_against_values(v, n, sizes[si], rep == 3 ? 3 : 20);
      }
}

/* -------------------------------------------------------------- merge -- */

/* Hand-computed merges of histograms at different scales. */
static void test_merge_hand(void **state) {
  (void)state;
  otelc__exph a, b;
  snap s;
  /* a: 1, 2, 4, 8 at scale 0 (-1..2); b: 3 alone at scale 20 */
  otelc__exph_init(&a, 4, 20, true);
  otelc__exph_init(&b, 4, 20, true);
  REC(&a, 1, 2, 4, 8);
  REC(&b, 3);
  assert_int_equal(a.scale, 0);
  assert_int_equal(b.scale, 20);
  assert_int_equal(otelc__exph_merge(&b, &a), OTELC_OK); /* into scale 20 */
  take(&b, &s);
  assert_int_equal(s.p.scale, 0);
  BUCKETS(&s.p.positive, -1, 1, 1, 2, 1);
  assert_int_equal(s.p.count, 5);
  assert_dbl_equal(s.p.sum, 18);
  assert_dbl_equal(s.p.min, 1);
  assert_dbl_equal(s.p.max, 8);
  otelc__exph_free(&b);

  /* a: 1, 8 at scale 0 (-1..2); b: 16, 32 at scale 1 (7, 9); the union
   * -1..4 at scale 0 does not fit 4 buckets: scale -1, base 4 */
  otelc__exph_init(&b, 4, 20, true);
  otelc__exph_reset(&a);
  REC(&a, 1, 8);
  REC(&b, 16, 32, -2);
  assert_int_equal(a.scale, 0);
  assert_int_equal(b.scale, 1);
  assert_int_equal(otelc__exph_merge(&a, &b), OTELC_OK);
  take(&a, &s);
  assert_int_equal(s.p.scale, -1);
  BUCKETS(&s.p.positive, -1, 1, 0, 2, 1);
  BUCKETS(&s.p.negative, 0, 1);
  assert_int_equal(s.p.count, 5);
  assert_dbl_equal(s.p.min, -2);
  assert_dbl_equal(s.p.max, 32);
  take(&b, &s); /* b is unchanged */
  assert_int_equal(s.p.scale, 1);
  BUCKETS(&s.p.positive, 7, 1, 0, 1);
  otelc__exph_free(&a);
  otelc__exph_free(&b);

  /* src holds 1, 2, 4 .. 1024 in 160 buckets at scale 3 (-1..79); dst
   * has 4 buckets: scale -2, base 16: 1 | 2..16 | 32..256 | 512, 1024 */
  otelc__exph_init(&a, 4, 20, true);
  otelc__exph_init(&b, 160, 20, true);
  for (double x = 1; x <= 1024; x *= 2)
    REC(&b, x);
  assert_int_equal(b.scale, 3);
  assert_int_equal(otelc__exph_merge(&a, &b), OTELC_OK);
  take(&a, &s);
  assert_int_equal(s.p.scale, -2);
  BUCKETS(&s.p.positive, -1, 1, 4, 4, 2);
  otelc__exph_free(&a);
  otelc__exph_free(&b);
}

/* Merging an empty histogram changes nothing; merging into an empty one
 * copies, at the lower of the two scales. */
static void test_merge_empty(void **state) {
  (void)state;
  otelc__exph a, b;
  snap s;
  otelc__exph_init(&a, 160, 20, true);
  otelc__exph_init(&b, 160, 5, true);
  REC(&a, 10);
  assert_int_equal(otelc__exph_merge(&a, &b), OTELC_OK);
  take(&a, &s);
  assert_int_equal(s.p.scale, 20);
  assert_int_equal(s.p.count, 1);
  BUCKETS(&s.p.positive, 3483294, 1);
  assert_int_equal(otelc__exph_merge(&b, &a), OTELC_OK);
  take(&b, &s);
  assert_int_equal(s.p.scale, 5); /* b's current scale is lower */
  BUCKETS(&s.p.positive, otelc__exph_index(10, 5), 1);
  assert_dbl_equal(s.p.min, 10);
  assert_dbl_equal(s.p.sum, 10);
  otelc__exph_free(&a);
  otelc__exph_free(&b);
}

/* Split random values between two histograms and merge: the same as
 * recording all of them into one. */
static void test_merge_equals_recording_all(void **state) {
  (void)state;
  for (int rep = 0; rep < 200; rep++) {
    uint32_t max = (uint32_t)(2 + rnd() % 40);
    otelc__exph a, b, all;
    otelc__exph_init(&a, max, 20, true);
    otelc__exph_init(&b, max, 20, true);
    otelc__exph_init(&all, max, 20, true);
    int shape = (int)(rnd() % 4);
    size_t n = 1 + rnd() % 300;
    for (size_t i = 0; i < n; i++) {
      double x = rnd_value(shape);
      assert_int_equal(otelc__exph_record((rnd() & 1) ? &a : &b, x), OTELC_OK);
      assert_int_equal(otelc__exph_record(&all, x), OTELC_OK);
    }
    assert_int_equal(otelc__exph_merge(&a, &b), OTELC_OK);
    static snap sa, sall;
    take(&a, &sa);
    take(&all, &sall);
    assert_int_equal(sa.p.scale, sall.p.scale);
    assert_int_equal(sa.p.count, sall.p.count);
    assert_int_equal(sa.p.zero_count, sall.p.zero_count);
    check_buckets(&sa.p.positive, sall.p.positive.offset, sall.pos,
                  sall.p.positive.n);
    check_buckets(&sa.p.negative, sall.p.negative.offset, sall.neg,
                  sall.p.negative.n);
    assert_dbl_equal(sa.p.min, sall.p.min);
    assert_dbl_equal(sa.p.max, sall.p.max);
    otelc__exph_free(&a);
    otelc__exph_free(&b);
    otelc__exph_free(&all);
  }
}

/* -------------------------------------------------- reset and memory -- */

static void test_reset(void **state) {
  (void)state;
  otelc__exph h;
  snap s;
  otelc__exph_init(&h, 4, 20, true);
  for (double x = 1; x <= 1024; x *= 2)
    REC(&h, x, -x);
  REC(&h, 0);
  assert_true(h.scale < 0);
  uint64_t *pos = h.pos.counts, *neg = h.neg.counts;
  otelc__exph_reset(&h);
  take(&h, &s);
  assert_int_equal(s.p.scale, 20);
  assert_int_equal(s.p.count + s.p.zero_count, 0);
  assert_int_equal(s.p.positive.n + s.p.negative.n, 0);
  assert_dbl_equal(s.p.sum, 0);
  assert_ptr_equal(h.pos.counts, pos); /* memory kept, and zeroed */
  assert_ptr_equal(h.neg.counts, neg);
  for (int i = 0; i < 4; i++)
    assert_int_equal(pos[i] + neg[i], 0);
  /* recording again needs no allocation and starts from max_scale */
  unsigned long calls = otelc__alloc_calls();
  REC(&h, 3, -3);
  assert_int_equal(otelc__alloc_calls(), calls);
  take(&h, &s);
  assert_int_equal(s.p.scale, 20);
  BUCKETS(&s.p.positive, 1661953, 1);
  BUCKETS(&s.p.negative, 1661953, 1);
  assert_dbl_equal(s.p.min, -3);
  otelc__exph_free(&h);
}

/* Only the first value of each range allocates; downscales do not. */
static void test_no_allocation_after_first(void **state) {
  (void)state;
  otelc__exph h;
  otelc__exph_init(&h, 8, 20, true);
  unsigned long calls = otelc__alloc_calls();
  REC(&h, 1, -1);
  assert_int_equal(otelc__alloc_calls(), calls + 2);
  for (int i = 0; i < 5000; i++)
    REC(&h, rnd_value(2));
  assert_int_equal(otelc__alloc_calls(), calls + 2);
  otelc__exph_free(&h);
}

/* A failed bucket allocation loses the value and nothing else. */
static void test_alloc_failure(void **state) {
  (void)state;
  otelc__exph h;
  otelc__exph_init(&h, 160, 20, true);
  otelc__alloc_fail_after(0);
  assert_int_equal(otelc__exph_record(&h, 1.5), OTELC_ERR_NOMEM);
  assert_int_equal(otelc__exph_record(&h, 0), OTELC_OK); /* no allocation */
  otelc__alloc_fail_after(-1);
  snap s;
  take(&h, &s);
  assert_int_equal(s.p.count, 1);
  assert_int_equal(s.p.zero_count, 1);
  assert_int_equal(s.p.positive.n, 0);
  assert_dbl_equal(s.p.sum, 0);
  assert_dbl_equal(s.p.min, 0);
  assert_dbl_equal(s.p.max, 0);
  /* the positive range works once memory is back; the negative fails */
  assert_int_equal(otelc__exph_record(&h, 1.5), OTELC_OK);
  otelc__alloc_fail_after(0);
  assert_int_equal(otelc__exph_record(&h, -7), OTELC_ERR_NOMEM);
  assert_int_equal(otelc__exph_record(&h, 1e6), OTELC_OK); /* downscale */
  otelc__alloc_fail_after(-1);
  take(&h, &s);
  assert_int_equal(s.p.count, 3);
  assert_int_equal(s.p.negative.n, 0);
  assert_dbl_equal(s.p.sum, 1e6 + 1.5);
  assert_dbl_equal(s.p.min, 0);
  assert_dbl_equal(s.p.max, 1e6);
  uint64_t total = s.p.zero_count;
  for (size_t i = 0; i < s.p.positive.n; i++)
    total += s.pos[i];
  assert_int_equal(total, s.p.count);

  /* merge into a histogram whose range cannot be allocated: unchanged */
  otelc__exph dst;
  otelc__exph_init(&dst, 160, 20, true);
  assert_int_equal(otelc__exph_record(&dst, 0), OTELC_OK);
  otelc__alloc_fail_after(0);
  assert_int_equal(otelc__exph_merge(&dst, &h), OTELC_ERR_NOMEM);
  otelc__alloc_fail_after(-1);
  take(&dst, &s);
  assert_int_equal(s.p.count, 1);
  assert_int_equal(s.p.scale, 20);
  assert_int_equal(s.p.positive.n, 0);
  assert_int_equal(otelc__exph_merge(&dst, &h), OTELC_OK);
  take(&dst, &s);
  assert_int_equal(s.p.count, 4);
  otelc__exph_free(&dst);
  otelc__exph_free(&h);
}

/* init fixes out-of-range parameters. */
static void test_init_clamps(void **state) {
  (void)state;
  otelc__exph h;
  otelc__exph_init(&h, 0, 99, true);
  assert_int_equal(h.max_size, 160);
  assert_int_equal(h.scale, 20);
  otelc__exph_init(&h, 1, -99, true);
  assert_int_equal(h.max_size, 2);
  assert_int_equal(h.scale, -10);
  otelc__exph_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_value_keeps_max_scale),
      cmocka_unit_test(test_downscale_as_values_arrive),
      cmocka_unit_test(test_downscale_shares_scale),
      cmocka_unit_test(test_extreme_ranges),
      cmocka_unit_test(test_zero_bucket),
      cmocka_unit_test(test_negatives),
      cmocka_unit_test(test_nan_inf_ignored),
      cmocka_unit_test(test_min_max_and_sum_flags),
      cmocka_unit_test(test_snapshot_wraps),
      cmocka_unit_test(test_random_against_model),
      cmocka_unit_test(test_merge_hand),
      cmocka_unit_test(test_merge_empty),
      cmocka_unit_test(test_merge_equals_recording_all),
      cmocka_unit_test(test_reset),
      cmocka_unit_test(test_no_allocation_after_first),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_init_clamps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
