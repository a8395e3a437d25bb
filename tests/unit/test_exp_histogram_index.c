/* Mapping values to the buckets of the base-2 exponential histogram:
 * indexes at every scale against hand-computed values and against the
 * definition (random values, powers of two, subnormals, values next to
 * boundaries), and the lower boundaries of buckets. */
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

static uint64_t to_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
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

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

#if defined(__SIZEOF_FLOAT128__)
typedef __float128 wide; /* 113-bit significand */
#else
typedef long double wide;
#endif

/* The index straight from the definition base^i < v <= base^(i+1) with
 * base = 2^(2^-s). With v = 2^E * x, x in [1, 2) (from frexp):
 *  - s <= 0: log2 v is E for a power of two, else in (E, E+1); find the
 *    i with i * 2^-s < log2 v <= (i+1) * 2^-s;
 *  - s > 0: raising to the power 2^s, 2^i < v^(2^s) <= 2^(i+1). v^(2^s)
 *    is computed by squaring x s times in wide precision, halving when it
 *    reaches 2 and counting the halvings, so v^(2^s) = 2^(E*2^s + K) * y
 *    with y in [1, 2). */
static int32_t ref_index(double v, int s) {
  int fe;
  double fm = frexp(v, &fe);
  int64_t E = fe - 1;
  bool pow2 = fm == 0.5;
  if (s <= 0) {
    int64_t w = (int64_t)1 << -s;
    return (int32_t)(pow2 ? floordiv(E - 1, w) : floordiv(E, w));
  }
  wide y = (wide)fm * 2;
  int64_t K = 0;
  for (int i = 0; i < s; i++) {
    y = y * y;
    K *= 2;
    if (y >= 2) {
      y /= 2;
      K++;
    }
  }
  int64_t lo = E * ((int64_t)1 << s) + K; /* v^(2^s) in [2^lo, 2^(lo+1)) */
  return (int32_t)(y == 1 ? lo - 1 : lo);
}

/* ---------------------------------------------- hand-computed indexes -- */

/* v at scale s is in bucket index; y is 2^s * log2 v, worked out by hand
 * to a few digits: the bucket holds base^index < v <= base^(index+1),
 * so index = ceil(y) - 1. */
typedef struct icase {
  double v;
  int32_t scale, index;
  double y;
} icase;

static void check_cases(const icase *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int32_t got = otelc__exph_index(c[i].v, c[i].scale);
    if (got != c[i].index)
      fail_msg("index(%.17g, %d) = %d, expected %d", c[i].v, c[i].scale, got,
               c[i].index);
    assert_true(c[i].index < c[i].y && c[i].y <= c[i].index + 1);
  }
}

/* Scale 0, base 2: bucket i is (2^i, 2^(i+1)]. */
static void test_index_scale0(void **state) {
  (void)state;
  /* clang-format off */
  static const icase c[] = {
      {1, 0, -1, 0},     {2, 0, 0, 1},        {3, 0, 1, 1.585},
      {4, 0, 1, 2},      {5, 0, 2, 2.322},    {8, 0, 2, 3},
      {9, 0, 3, 3.170},  {0.5, 0, -2, -1},    {0.75, 0, -1, -0.415},
      {1.5, 0, 0, 0.585}, {1024, 0, 9, 10},   {1025, 0, 10, 10.0014}};
  /* clang-format on */
  check_cases(c, OTELC__ARRAY_LEN(c));
}

/* Positive scales: base sqrt(2) at scale 1, 2^(1/4) at 2, 2^(1/8) at 3,
 * 2^(2^-20) at 20. Powers of two are exact boundaries; 1e308 is
 * 2^1023.1, and DBL_MAX = 2^1024 (1 - 2^-53) gives 2^30 - 2.3e-10. */
static void test_index_positive_scales(void **state) {
  (void)state;
  /* clang-format off */
  static const icase c[] = {
      {1, 1, -1, 0},         {1.4, 1, 0, 0.971},     {1.5, 1, 1, 1.170},
      {2, 1, 1, 2},          {2.5, 1, 2, 2.644},     {3, 1, 3, 3.170},
      {4, 1, 3, 4},          {0.5, 1, -3, -2},       {0.6, 1, -2, -1.474},
      {1.1, 2, 0, 0.550},    {1.2, 2, 1, 1.052},     {1.5, 2, 2, 2.340},
      {1.7, 2, 3, 3.062},    {2, 2, 3, 4},           {3, 2, 6, 6.340},
      {10, 2, 13, 13.288},   {10, 3, 26, 26.575},    {100, 3, 53, 53.151},
      {0.1, 3, -27, -26.575}, {1.09, 3, 0, 0.9946},  {1.1, 3, 1, 1.00003},
      {1.5, 10, 599, 599.0016},     {1000, 10, 10204, 10204.963},
      {1, 20, -1, 0},               {1.5, 20, 613377, 613377.639},
      {3, 20, 1661953, 1661953.639}, {10, 20, 3483294, 3483294.074},
      {2, 20, 1048575, 1048576},    {0.5, 20, -1048577, -1048576},
      {1e308, 20, 1072854574, 1072854574.7996},
      {1e-308, 20, -1072854575, -1072854574.7996},
      {1e-300, 20, -1044988223, -1044988222.2074},
      {DBL_MAX, 20, 1073741823, 1073741824}};
  /* clang-format on */
  check_cases(c, OTELC__ARRAY_LEN(c));
}

/* Negative scales: bucket i is (2^(i*2^-s), 2^((i+1)*2^-s)].
 * Scale -1, base 4: (1/16, 1/4] | (1/4, 1] | (1, 4] | (4, 16] | (16, 64].
 * Scale -4, base 65536: 1e308 is 2^1023.1 and 1e-308 is 2^-1023.2.
 * Scale -10, base 2^1024: (2^-2048, 2^-1024] | (2^-1024, 1] | (1, 2^1024].
 * Scale -11: every double is in -1 or 0. */
static void test_index_negative_scales(void **state) {
  (void)state;
  /* clang-format off */
  static const icase c[] = {
      {0.25, -1, -2, -1},       {0.3, -1, -1, -0.868},  {1, -1, -1, 0},
      {2, -1, 0, 0.5},          {4, -1, 0, 1},          {5, -1, 1, 1.161},
      {16, -1, 1, 2},           {17, -1, 2, 2.044},     {1, -4, -1, 0},
      {1.5, -4, 0, 0.0366},     {65536, -4, 0, 1},      {65537, -4, 1, 1.000001},
      {0x1p-16, -4, -2, -1},    {0x1.8p-16, -4, -1, -0.963},
      {1e308, -4, 63, 63.947},  {1e-308, -4, -64, -63.947},
      {DBL_MAX, -10, 0, 1},     {1.0000001, -10, 0, 1.4e-10},
      {1, -10, -1, 0},          {1e-308, -10, -1, -0.99917},
      {0x1p-1024, -10, -2, -1}, {4.9e-324, -10, -2, -1.0488},
      {4.9e-324, -11, -1, -0.5244}, {1, -11, -1, 0}, {DBL_MAX, -11, 0, 0.5}};
  /* clang-format on */
  check_cases(c, OTELC__ARRAY_LEN(c));
}

/* Powers of two are boundaries at every scale: 2^k is the top of bucket
 * k * 2^s - 1 for s >= 0; its neighbours fall on either side. */
static void test_index_powers_of_two(void **state) {
  (void)state;
  for (int s = 0; s <= 20; s++) {
    for (int k = -1074; k <= 1023; k++) {
      double v = ldexp(1.0, k);
      int32_t want = (int32_t)(k * ((int64_t)1 << s) - 1);
      assert_int_equal(otelc__exph_index(v, s), want);
      assert_int_equal(otelc__exph_index_exact(v, s), want);
      if (k < -1022)
        continue; /* subnormal neighbours are relatively far away */
      assert_int_equal(otelc__exph_index(from_bits(to_bits(v) + 1), s),
                       want + 1);
      assert_int_equal(otelc__exph_index(from_bits(to_bits(v) - 1), s), want);
    }
  }
  /* negative scales: 2^k with k a multiple of 2^-s ends bucket k/2^-s - 1 */
  for (int s = -1; s >= -11; s--) {
    int w = 1 << -s;
    for (int k = -1074; k <= 1023; k++) {
      int32_t want = (int32_t)floordiv(k - 1, w);
      assert_int_equal(otelc__exph_index(ldexp(1.0, k), s), want);
    }
  }
}

/* Subnormals map exactly, by their own exponent. */
static void test_index_subnormals(void **state) {
  (void)state;
  double min_sub = from_bits(1);          /* 2^-1074 = 4.9e-324 */
  double three = from_bits(3);            /* 3 * 2^-1074 */
  double big_sub = from_bits(1ull << 51); /* 2^-1023 */
  assert_dbl_equal(min_sub, 4.9e-324);
  /* scale 0: 2^-1074 is the top of bucket -1075 */
  assert_int_equal(otelc__exph_index(min_sub, 0), -1075);
  assert_int_equal(otelc__exph_index(three, 0), -1073); /* 2^-1072.4 */
  assert_int_equal(otelc__exph_index(big_sub, 0), -1024);
  /* scale 3: 3 * 2^-1074 = 2^(-1074 + 1.585); 8 * -1072.415 = -8579.32 */
  assert_int_equal(otelc__exph_index(three, 3), -8580);
  assert_int_equal(otelc__exph_index(min_sub, 3), -1074 * 8 - 1);
  /* scale 20 */
  assert_int_equal(otelc__exph_index(min_sub, 20), -1126170625);
  assert_int_equal(otelc__exph_index(big_sub, 20), -1023 * 1048576 - 1);
  /* scale -4: 2^-1074 ends bucket floor(-1075 / 16) = -68 */
  assert_int_equal(otelc__exph_index(min_sub, -4), -68);
  /* every subnormal against the definition at a few scales */
  for (int i = 0; i < 20000; i++) {
    double v = from_bits(1 + rnd() % ((1ull << 52) - 1));
    for (int s = -4; s <= 20; s += 3)
      assert_int_equal(otelc__exph_index(v, s), ref_index(v, s));
  }
}

/* ---------------------------------------------- against the definition -- */

/* Random doubles over the whole range at each positive scale: the fast
 * log method, the exact method and the definition agree. */
static void test_index_random_vs_definition(void **state) {
  (void)state;
  for (int s = 1; s <= 20; s++) {
    for (int i = 0; i < 20000; i++) {
      double v = rnd_positive();
      int32_t want = ref_index(v, s);
      int32_t got = otelc__exph_index(v, s);
      if (got != want)
        fail_msg("index(%.17g, %d) = %d, definition %d", v, s, got, want);
      if (i % 4 == 0)
        assert_int_equal(otelc__exph_index_exact(v, s), want);
    }
    for (int i = 0; i < 20000; i++) { /* values of moderate size */
      double v =
          ldexp(1.0 + (double)(rnd() >> 11) * 0x1p-53, (int)(rnd() % 64) - 32);
      assert_int_equal(otelc__exph_index(v, s), ref_index(v, s));
    }
  }
  for (int s = -11; s <= 0; s++)
    for (int i = 0; i < 5000; i++) {
      double v = rnd_positive();
      assert_int_equal(otelc__exph_index(v, s), ref_index(v, s));
    }
}

/* Values within a few ulps of bucket boundaries, where the logarithm is
 * least reliable: still exactly the definition's index. */
static void test_index_near_boundaries(void **state) {
  (void)state;
  for (int s = 1; s <= 20; s++) {
    int64_t per = (int64_t)1 << s;
    for (int i = 0; i < 1500; i++) {
      int64_t k = (int64_t)(rnd() % (uint64_t)(2000 * per)) - 1000 * per;
      if (k % per == 0)
        continue; /* powers of two: tested separately */
      double b = otelc__exph_lower_bound((int32_t)k, s);
      for (int d = -3; d <= 3; d++) {
        double v = from_bits(to_bits(b) + (uint64_t)(int64_t)d);
        int32_t want = ref_index(v, s);
        assert_true(want == k || want == k - 1);
        int32_t got = otelc__exph_index(v, s);
        if (got != want)
          fail_msg("index(%a, %d) = %d, definition %d", v, s, got, want);
        assert_int_equal(otelc__exph_index_exact(v, s), want);
      }
    }
  }
}

/* ------------------------------------------------------ lower bounds -- */

static void test_lower_bound(void **state) {
  (void)state;
  /* scale <= 0: exact powers of two */
  assert_dbl_equal(otelc__exph_lower_bound(0, 0), 1);
  assert_dbl_equal(otelc__exph_lower_bound(3, 0), 8);
  assert_dbl_equal(otelc__exph_lower_bound(-2, 0), 0.25);
  assert_dbl_equal(otelc__exph_lower_bound(2, -1), 16);
  assert_dbl_equal(otelc__exph_lower_bound(-1, -4), 1.0 / 65536);
  assert_dbl_equal(otelc__exph_lower_bound(-1074, 0), 4.9e-324);
  assert_dbl_equal(otelc__exph_lower_bound(1023, 0), 0x1p1023);
  assert_true(isinf(otelc__exph_lower_bound(1024, 0)));
  assert_true(isinf(otelc__exph_lower_bound(1, -10)));
  assert_dbl_equal(otelc__exph_lower_bound(-2, -10), 0);
  /* scale > 0: powers of two exactly, others within a few ulps */
  assert_dbl_equal(otelc__exph_lower_bound(2, 1), 2);
  assert_dbl_equal(otelc__exph_lower_bound(-3 * (1 << 20), 20), 0.125);
  assert_true(fabs(otelc__exph_lower_bound(1, 1) - 1.4142135623730951) <=
              4.5e-16);
  assert_true(fabs(otelc__exph_lower_bound(1, 2) - 1.189207115002721) <=
              4.5e-16);
  assert_true(fabs(otelc__exph_lower_bound(-1, 3) - 0.9170040432046712) <=
              2.3e-16);
  /* the highest bucket of scale 20 starts below DBL_MAX, the next one
   * would start at 2^1024 */
  double top = otelc__exph_lower_bound(1073741823, 20);
  assert_true(isfinite(top) && top > 1.79e308);
  assert_true(isinf(otelc__exph_lower_bound(INT32_MAX, 20)));
  /* every bound separates its two buckets */
  for (int s = 1; s <= 20; s++)
    for (int i = 0; i < 2000; i++) {
      int32_t k = (int32_t)(rnd() % (1000u << s)) - (int32_t)(500u << s);
      double b = otelc__exph_lower_bound(k, s);
      assert_int_equal(otelc__exph_index(b * (1 + 1e-12), s), k);
      assert_int_equal(otelc__exph_index(b * (1 - 1e-12), s), k - 1);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_index_scale0),
      cmocka_unit_test(test_index_positive_scales),
      cmocka_unit_test(test_index_negative_scales),
      cmocka_unit_test(test_index_powers_of_two),
      cmocka_unit_test(test_index_subnormals),
      cmocka_unit_test(test_index_random_vs_definition),
      cmocka_unit_test(test_index_near_boundaries),
      cmocka_unit_test(test_lower_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
