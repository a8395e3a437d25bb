/* Samplers: built-in decisions and descriptions, the TraceIdRatioBased
 * threshold rule, ParentBased delegation, custom samplers, sampling seen
 * through spans, and OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_helpers.h"
#include "trace_fixture.h"

#define TWO56 (1ull << 56)
#define MASK56 (TWO56 - 1)

/* ------------------------------------------------------------ helpers -- */

/* splitmix64 with a fixed seed: the "random" ids are the same every run,
 * so statistical checks cannot flake. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed) {
  rng_state = seed;
}

static uint64_t rng_next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void put_be64(uint8_t *out, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)v;
    v >>= 8;
  }
}

static void random_trace_id(uint8_t id[16]) {
  put_be64(id, rng_next());
  put_be64(id + 8, rng_next());
}

/* Bytes 9..15 of the trace id, big-endian, are the randomness R. */
static void set_low56(uint8_t id[16], uint64_t r) {
  for (int i = 15; i >= 9; i--) {
    id[i] = (uint8_t)r;
    r >>= 8;
  }
}

/* Bytes 0..8 of the trace id, which must not matter. */
static void set_high(uint8_t id[16], const uint8_t high[9]) {
  memcpy(id, high, 9);
}

/* The smallest R with R >= (1 - ratio) * 2^56, computed exactly: the
 * product with a power of two is exact in double, and the conversion of
 * a non-negative value to an integer is its floor. */
static uint64_t exact_threshold(double ratio) {
  return TWO56 - (uint64_t)(ratio * 72057594037927936.0);
}

static otelc_sampling_decision decide(const otelc_sampler *s,
                                      const uint8_t tid[16],
                                      const otelc_span_context *parent,
                                      const char *tracestate) {
  otelc_sampling_params p = {.parent = parent,
                             .parent_tracestate = tracestate,
                             .trace_id = tid,
                             .name = "op",
                             .kind = OTELC_SPAN_KIND_INTERNAL};
  return otelc_sampler_should_sample(s, &p).decision;
}

static bool sampled(const otelc_sampler *s, const uint8_t tid[16]) {
  return decide(s, tid, NULL, NULL) == OTELC_SAMPLING_RECORD_AND_SAMPLE;
}

/* A span context with fixed, valid ids. */
static otelc_span_context make_sc(uint8_t flags, bool remote) {
  otelc_span_context sc;
  for (int i = 0; i < 16; i++)
    sc.trace_id[i] = (uint8_t)(0x10 + i);
  for (int i = 0; i < 8; i++)
    sc.span_id[i] = (uint8_t)(0xa0 + i);
  sc.trace_flags = flags;
  sc.is_remote = remote;
  return sc;
}

/* Patterns for bytes 0..8; byte 8 is the one a 64-bit reading would use. */
static const uint8_t high_patterns[][9] = {
    {0x01, 0, 0, 0, 0, 0, 0, 0, 0},
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    {0, 0, 0, 0, 0, 0, 0, 0x01, 0x80},
    {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x7f},
    {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0x01},
};
#define N_HIGH (sizeof high_patterns / sizeof high_patterns[0])

/* The decision for R, with every high-byte pattern and with parents of
 * every kind (whose sampled flag must be ignored), must be @p want. */
static void expect_ratio_decision(const otelc_sampler *s, uint64_t r,
                                  bool want) {
  for (size_t h = 0; h < N_HIGH; h++) {
    uint8_t tid[16];
    set_high(tid, high_patterns[h]);
    set_low56(tid, r);
    otelc_span_context parents[4] = {
        make_sc(OTELC_TRACE_FLAG_SAMPLED, true), make_sc(0, true),
        make_sc(OTELC_TRACE_FLAG_SAMPLED, false), make_sc(0, false)};
    if (sampled(s, tid) != want)
      fail_msg("%s: R=%#llx with high pattern %zu: expected %s",
               otelc_sampler_description(s), (unsigned long long)r, h,
               want ? "sampled" : "dropped");
    for (int k = 0; k < 4; k++) {
      memcpy(parents[k].trace_id, tid, 16);
      otelc_sampling_decision d = decide(s, tid, &parents[k], NULL);
      if ((d == OTELC_SAMPLING_RECORD_AND_SAMPLE) != want)
        fail_msg("%s: R=%#llx with parent %d: expected %s",
                 otelc_sampler_description(s), (unsigned long long)r, k,
                 want ? "sampled" : "dropped");
    }
  }
}

/* Around threshold T: T and T+1 are sampled, T-1 is not. */
static void expect_threshold(double ratio, uint64_t t) {
  otelc_sampler *s = otelc_sampler_traceidratio(ratio);
  assert_non_null(s);
  expect_ratio_decision(s, t, true);
  expect_ratio_decision(s, t - 1, false);
  expect_ratio_decision(s, t + 1, true);
  expect_ratio_decision(s, 0, false);
  expect_ratio_decision(s, MASK56, true);
  otelc_sampler_free(s);
}

/* ------------------------------------------------------- descriptions -- */

static void test_descriptions(void **state) {
  (void)state;
  otelc_sampler *on = otelc_sampler_always_on();
  otelc_sampler *off = otelc_sampler_always_off();
  otelc_sampler *half = otelc_sampler_traceidratio(0.5);
  otelc_sampler *tiny = otelc_sampler_traceidratio(0.0001);
  /* A custom sampler needs a function. */
  assert_null(otelc_sampler_custom(NULL, NULL, "x"));
  assert_string_equal(otelc_sampler_description(on), "AlwaysOnSampler");
  assert_string_equal(otelc_sampler_description(off), "AlwaysOffSampler");
  assert_string_equal(otelc_sampler_description(half),
                      "TraceIdRatioBased{0.500000}");
  assert_string_equal(otelc_sampler_description(tiny),
                      "TraceIdRatioBased{0.000100}");
  assert_string_equal(otelc_sampler_description(NULL), "");
  otelc_sampler_free(on);
  otelc_sampler_free(off);
  otelc_sampler_free(half);
  otelc_sampler_free(tiny);
}

static otelc_sampling_result return_sample(void *ud,
                                           const otelc_sampling_params *p) {
  (void)ud;
  (void)p;
  return (otelc_sampling_result){OTELC_SAMPLING_RECORD_AND_SAMPLE, NULL, 0,
                                 NULL};
}

static void test_parent_based_description_names_delegates(void **state) {
  (void)state;
  otelc_sampler *pb = otelc_sampler_parent_based(
      otelc_sampler_traceidratio(0.5), otelc_sampler_always_off(),
      otelc_sampler_always_on(),
      otelc_sampler_custom(return_sample, NULL, "MyLocalSampler"), NULL);
  assert_non_null(pb);
  const char *d = otelc_sampler_description(pb);
  assert_true(strncmp(d, "ParentBased", 11) == 0);
  assert_non_null(strstr(d, "TraceIdRatioBased{0.500000}"));
  assert_non_null(strstr(d, "AlwaysOffSampler"));
  assert_non_null(strstr(d, "AlwaysOnSampler"));
  assert_non_null(strstr(d, "MyLocalSampler"));
  otelc_sampler_free(pb);

  /* Defaults: AlwaysOn for the root and sampled parents, AlwaysOff for
   * the others. */
  pb = otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL);
  d = otelc_sampler_description(pb);
  assert_true(strncmp(d, "ParentBased", 11) == 0);
  assert_non_null(strstr(d, "AlwaysOnSampler"));
  assert_non_null(strstr(d, "AlwaysOffSampler"));
  otelc_sampler_free(pb);

  otelc_sampler *c = otelc_sampler_custom(return_sample, NULL, NULL);
  assert_string_equal(otelc_sampler_description(c), "CustomSampler");
  otelc_sampler_free(c);
}

/* ----------------------------------------------------- AlwaysOn / Off -- */

static void test_always_on_and_off(void **state) {
  (void)state;
  otelc_sampler *on = otelc_sampler_always_on();
  otelc_sampler *off = otelc_sampler_always_off();
  otelc_span_context parents[5] = {
      make_sc(OTELC_TRACE_FLAG_SAMPLED, true), make_sc(0, true),
      make_sc(OTELC_TRACE_FLAG_SAMPLED, false), make_sc(0, false),
      make_sc(OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM, true)};
  rng_seed(1);
  for (int i = 0; i < 100; i++) {
    uint8_t tid[16];
    random_trace_id(tid);
    assert_int_equal(decide(on, tid, NULL, NULL),
                     OTELC_SAMPLING_RECORD_AND_SAMPLE);
    assert_int_equal(decide(off, tid, NULL, NULL), OTELC_SAMPLING_DROP);
    for (int k = 0; k < 5; k++) {
      assert_int_equal(decide(on, tid, &parents[k], "a=1"),
                       OTELC_SAMPLING_RECORD_AND_SAMPLE);
      assert_int_equal(decide(off, tid, &parents[k], "a=1"),
                       OTELC_SAMPLING_DROP);
    }
  }
  /* Built-in samplers return no attributes and no tracestate. */
  uint8_t tid[16] = {1};
  otelc_sampling_params p = {.trace_id = tid, .name = "x"};
  otelc_sampling_result r = otelc_sampler_should_sample(on, &p);
  assert_null(r.attrs);
  assert_int_equal(r.n_attrs, 0);
  assert_null(r.tracestate);
  /* Missing arguments: DROP, never a crash. */
  assert_int_equal(otelc_sampler_should_sample(NULL, &p).decision,
                   OTELC_SAMPLING_DROP);
  assert_int_equal(otelc_sampler_should_sample(on, NULL).decision,
                   OTELC_SAMPLING_DROP);
  p.trace_id = NULL;
  assert_int_equal(otelc_sampler_should_sample(on, &p).decision,
                   OTELC_SAMPLING_DROP);
  otelc_sampler_free(on);
  otelc_sampler_free(off);
}

/* -------------------------------------------------- TraceIdRatioBased -- */

static void test_ratio_threshold_half_and_quarter(void **state) {
  (void)state;
  /* T = (1 - ratio) * 2^56, exact for these ratios. */
  assert_int_equal(exact_threshold(0.5), 0x80000000000000ull);
  assert_int_equal(exact_threshold(0.25), 0xc0000000000000ull);
  expect_threshold(0.5, 0x80000000000000ull);
  expect_threshold(0.25, 0xc0000000000000ull);
}

static void test_ratio_threshold_tenth(void **state) {
  (void)state;
  /* The double nearest 0.1 is 3602879701896397 / 2^55, so
   * (1 - ratio) * 2^56 is exactly 0xe6666666666666. */
  assert_int_equal(exact_threshold(0.1), 0xe6666666666666ull);
  expect_threshold(0.1, 0xe6666666666666ull);
}

static void test_ratio_one_samples_everything(void **state) {
  (void)state;
  otelc_sampler *s = otelc_sampler_traceidratio(1.0);
  expect_ratio_decision(s, 0, true);
  expect_ratio_decision(s, 1, true);
  expect_ratio_decision(s, MASK56, true);
  rng_seed(2);
  for (int i = 0; i < 1000; i++) {
    uint8_t tid[16];
    random_trace_id(tid);
    assert_true(sampled(s, tid));
  }
  otelc_sampler_free(s);
}

static void test_ratio_zero_samples_nothing(void **state) {
  (void)state;
  otelc_sampler *s = otelc_sampler_traceidratio(0.0);
  assert_string_equal(otelc_sampler_description(s),
                      "TraceIdRatioBased{0.000000}");
  expect_ratio_decision(s, 0, false);
  expect_ratio_decision(s, MASK56 - 1, false);
  expect_ratio_decision(s, MASK56, false);
  rng_seed(3);
  for (int i = 0; i < 1000; i++) {
    uint8_t tid[16];
    random_trace_id(tid);
    assert_false(sampled(s, tid));
  }
  otelc_sampler_free(s);
}

static void test_ratio_ignores_high_bytes(void **state) {
  (void)state;
  static const double ratios[] = {0.01, 0.1, 0.25, 0.5, 0.9};
  rng_seed(4);
  for (size_t k = 0; k < sizeof ratios / sizeof ratios[0]; k++) {
    otelc_sampler *s = otelc_sampler_traceidratio(ratios[k]);
    for (int i = 0; i < 2000; i++) {
      uint8_t tid[16], other[16];
      random_trace_id(tid);
      random_trace_id(other);
      memcpy(other + 9, tid + 9, 7); /* same R, other bytes 0..8 */
      assert_int_equal(sampled(s, tid), sampled(s, other));
    }
    otelc_sampler_free(s);
  }
}

static void test_ratio_is_monotonic(void **state) {
  (void)state;
  static const double ratios[] = {0.0, 0.0001, 0.001,   0.01, 0.1,
                                  0.2, 0.25,   1.0 / 3, 0.5,  0.75,
                                  0.9, 0.999,  1.0};
  enum { NR = sizeof ratios / sizeof ratios[0], N = 10000 };
  otelc_sampler *s[NR];
  for (int k = 0; k < NR; k++)
    s[k] = otelc_sampler_traceidratio(ratios[k]);
  rng_seed(5);
  for (int i = 0; i < N; i++) {
    uint8_t tid[16];
    random_trace_id(tid);
    /* Also a few ids right at each threshold. */
    if (i < 3 * NR) {
      uint64_t t = exact_threshold(ratios[i / 3]);
      set_low56(tid, (t + (uint64_t)(i % 3) - 1) & MASK56);
    }
    for (int k = 0; k + 1 < NR; k++)
      if (sampled(s[k], tid) && !sampled(s[k + 1], tid))
        fail_msg("id %d sampled at %g but not at %g", i, ratios[k],
                 ratios[k + 1]);
  }
  for (int k = 0; k < NR; k++)
    otelc_sampler_free(s[k]);
}

static void test_ratio_observed_fraction(void **state) {
  (void)state;
  enum { N = 100000 };
  otelc_sampler *s = otelc_sampler_traceidratio(0.25);
  rng_seed(6);
  int n = 0;
  for (int i = 0; i < N; i++) {
    uint8_t tid[16];
    random_trace_id(tid);
    n += sampled(s, tid);
  }
  assert_in_range(n, 23000, 27000);
  otelc_sampler_free(s);
}

static void test_ratio_tracestate_randomness(void **state) {
  (void)state;
  otelc_sampler *s = otelc_sampler_traceidratio(0.5);
  otelc_span_context parent = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  uint8_t low[16], high[16];
  memcpy(low, parent.trace_id, 16);
  memcpy(high, parent.trace_id, 16);
  set_low56(low, 0);       /* dropped by its trace id */
  set_low56(high, MASK56); /* sampled by its trace id */

  struct {
    const char *ts;
    const uint8_t *tid;
    bool want;
  } cases[] = {
      /* An explicit rv overrides the trace id's bits. */
      {"vendor=x,ot=th:0;rv:ffffffffffffff", low, true},
      {"ot=rv:ffffffffffffff", low, true},
      {"ot=rv:80000000000000;th:8", low, true},
      {"ot=rv:00000000000000", high, false},
      {"ot=rv:7fffffffffffff,vendor=x", high, false},
      {"a=b, ot=th:8;rv:7fffffffffffff", high, false},
      /* Malformed rv values are ignored: the trace id decides. */
      {"ot=rv:fffffffffffff", low, false},        /* 13 digits */
      {"ot=rv:fffffffffffff;th:0", low, false},   /* 13 digits */
      {"ot=rv:FFFFFFFFFFFFFF", low, false},       /* uppercase */
      {"ot=rv:fffffffffffffff", low, false},      /* 15 digits */
      {"ot=rv:fffffffffffffg", low, false},       /* not hex */
      {"ot=th:0;xrv:ffffffffffffff", low, false}, /* other key */
      {"vendor=rv:ffffffffffffff", low, false},   /* not ot */
      {"ot=rv:00000000000000x", high, true},      /* 15 chars */
      {"ot=rv:FFFFFFFFFFFFFF", high, true},       /* uppercase */
      {"", low, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(parent.trace_id, cases[i].tid, 16);
    otelc_sampling_decision d = decide(s, cases[i].tid, &parent, cases[i].ts);
    if ((d == OTELC_SAMPLING_RECORD_AND_SAMPLE) != cases[i].want)
      fail_msg("tracestate '%s': expected %s", cases[i].ts,
               cases[i].want ? "sampled" : "dropped");
  }
  otelc_sampler_free(s);
}

static void test_ratio_out_of_range_is_clamped(void **state) {
  (void)state;
  uint8_t zero_r[16] = {1}, max_r[16] = {1};
  set_low56(max_r, MASK56);

  test_diag_capture();
  otelc_sampler *s = otelc_sampler_traceidratio(-1.0);
  assert_int_equal(test_diag_seen.count, 1);
  assert_int_equal(test_diag_seen.level, OTELC_LOG_WARN);
  assert_string_equal(otelc_sampler_description(s),
                      "TraceIdRatioBased{0.000000}");
  assert_false(sampled(s, max_r));
  otelc_sampler_free(s);

  test_diag_capture();
  s = otelc_sampler_traceidratio(2.0);
  assert_int_equal(test_diag_seen.count, 1);
  assert_string_equal(otelc_sampler_description(s),
                      "TraceIdRatioBased{1.000000}");
  assert_true(sampled(s, zero_r));
  otelc_sampler_free(s);

  test_diag_capture();
  s = otelc_sampler_traceidratio(NAN);
  assert_int_equal(test_diag_seen.count, 1);
  const char *d = otelc_sampler_description(s);
  if (strcmp(d, "TraceIdRatioBased{0.000000}") == 0) {
    assert_false(sampled(s, max_r));
  } else {
    assert_string_equal(d, "TraceIdRatioBased{1.000000}");
    assert_true(sampled(s, zero_r));
  }
  otelc_sampler_free(s);

  /* The ends of the range are valid: no warning. */
  test_diag_capture();
  otelc_sampler_free(otelc_sampler_traceidratio(0.0));
  otelc_sampler_free(otelc_sampler_traceidratio(1.0));
  otelc_sampler_free(otelc_sampler_traceidratio(0.5));
  assert_int_equal(test_diag_seen.count, 0);
  test_diag_release();
}

/* -------------------------------------------------------- ParentBased -- */

enum { ROOT, REMOTE_SAMPLED, REMOTE_NOT, LOCAL_SAMPLED, LOCAL_NOT, N_DEL };

static const char *const delegate_names[N_DEL] = {
    "root", "remoteParentSampled", "remoteParentNotSampled",
    "localParentSampled", "localParentNotSampled"};

typedef struct call_log {
  int calls[N_DEL];
  int last; /* index of the last delegate called, -1 for none */
  bool last_had_parent;
  uint8_t last_trace_id[16];
} call_log;

typedef struct delegate {
  call_log *log;
  int index;
  otelc_sampling_decision decision;
} delegate;

static otelc_sampling_result delegate_fn(void *ud,
                                         const otelc_sampling_params *p) {
  delegate *d = ud;
  d->log->calls[d->index]++;
  d->log->last = d->index;
  d->log->last_had_parent = p->parent != NULL;
  memcpy(d->log->last_trace_id, p->trace_id, 16);
  return (otelc_sampling_result){d->decision, NULL, 0, NULL};
}

/* A ParentBased sampler whose five delegates record their calls. */
static otelc_sampler *recording_parent_based(call_log *log, delegate d[5]) {
  memset(log, 0, sizeof *log);
  log->last = -1;
  otelc_sampler *s[N_DEL];
  for (int i = 0; i < N_DEL; i++) {
    d[i].log = log;
    d[i].index = i;
    d[i].decision = OTELC_SAMPLING_RECORD_AND_SAMPLE;
    s[i] = otelc_sampler_custom(delegate_fn, &d[i], delegate_names[i]);
  }
  return otelc_sampler_parent_based(s[ROOT], s[REMOTE_SAMPLED], s[REMOTE_NOT],
                                    s[LOCAL_SAMPLED], s[LOCAL_NOT]);
}

typedef struct parent_case {
  const char *what;
  bool has_parent;
  otelc_span_context sc;
  int delegate;
  bool default_sampled; /* with the default delegates */
} parent_case;

static void parent_cases(parent_case out[7]) {
  otelc_span_context invalid = {{0}, {0}, OTELC_TRACE_FLAG_SAMPLED, true};
  otelc_span_context no_span_id = make_sc(0, false);
  memset(no_span_id.span_id, 0, 8);
  parent_case c[7] = {
      {"no parent", false, {{0}, {0}, 0, false}, ROOT, true},
      {"invalid parent", true, invalid, ROOT, true},
      {"parent without span id", true, no_span_id, ROOT, true},
      {"remote sampled", true, make_sc(OTELC_TRACE_FLAG_SAMPLED, true),
       REMOTE_SAMPLED, true},
      {"remote not sampled", true, make_sc(OTELC_TRACE_FLAG_RANDOM, true),
       REMOTE_NOT, false},
      {"local sampled", true, make_sc(OTELC_TRACE_FLAG_SAMPLED, false),
       LOCAL_SAMPLED, true},
      {"local not sampled", true, make_sc(0, false), LOCAL_NOT, false},
  };
  memcpy(out, c, sizeof c);
}

static void test_parent_based_default_table(void **state) {
  (void)state;
  otelc_sampler *pb = otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL);
  otelc_sampler *pb_off = otelc_sampler_parent_based(otelc_sampler_always_off(),
                                                     NULL, NULL, NULL, NULL);
  parent_case c[7];
  parent_cases(c);
  for (int i = 0; i < 7; i++) {
    const otelc_span_context *parent = c[i].has_parent ? &c[i].sc : NULL;
    uint8_t tid[16];
    memcpy(tid, c[i].sc.trace_id, 16);
    tid[0] |= 1;
    otelc_sampling_decision want = c[i].default_sampled
                                       ? OTELC_SAMPLING_RECORD_AND_SAMPLE
                                       : OTELC_SAMPLING_DROP;
    if (decide(pb, tid, parent, NULL) != want)
      fail_msg("default ParentBased, %s", c[i].what);
    /* A root of AlwaysOff changes only the root row. */
    if (c[i].delegate == ROOT)
      want = OTELC_SAMPLING_DROP;
    if (decide(pb_off, tid, parent, NULL) != want)
      fail_msg("ParentBased(root=AlwaysOff), %s", c[i].what);
  }
  otelc_sampler_free(pb);
  otelc_sampler_free(pb_off);
}

static void test_parent_based_custom_delegates(void **state) {
  (void)state;
  call_log log;
  delegate d[N_DEL];
  otelc_sampler *pb = recording_parent_based(&log, d);
  assert_non_null(pb);
  parent_case c[7];
  parent_cases(c);
  /* Each delegate answers differently so that the result shows which one
   * decided. */
  static const otelc_sampling_decision answer[N_DEL] = {
      OTELC_SAMPLING_RECORD_ONLY, OTELC_SAMPLING_DROP,
      OTELC_SAMPLING_RECORD_AND_SAMPLE, OTELC_SAMPLING_DROP,
      OTELC_SAMPLING_RECORD_AND_SAMPLE};
  for (int i = 0; i < N_DEL; i++)
    d[i].decision = answer[i];
  for (int i = 0; i < 7; i++) {
    memset(log.calls, 0, sizeof log.calls);
    log.last = -1;
    const otelc_span_context *parent = c[i].has_parent ? &c[i].sc : NULL;
    uint8_t tid[16];
    memcpy(tid, c[i].sc.trace_id, 16);
    tid[0] |= 1;
    otelc_sampling_decision got = decide(pb, tid, parent, NULL);
    if (log.last != c[i].delegate)
      fail_msg("%s: expected %s, got delegate %d", c[i].what,
               delegate_names[c[i].delegate], log.last);
    int total = 0;
    for (int k = 0; k < N_DEL; k++)
      total += log.calls[k];
    assert_int_equal(total, 1);
    assert_int_equal(got, answer[c[i].delegate]);
    assert_memory_equal(log.last_trace_id, tid, 16);
  }
  otelc_sampler_free(pb);
}

/* ------------------------------------------------------ custom sampler -- */

typedef struct capture {
  int calls;
  otelc_sampling_result result; /* what to return */
  /* What the last call saw (copied: the params are borrowed). */
  bool had_parent;
  otelc_span_context parent;
  bool had_parent_ts;
  char parent_ts[128];
  uint8_t trace_id[16];
  char name[64];
  otelc_span_kind kind;
  size_t n_attrs;
  char attr0_key[32];
  char attr0_str[32];
  int64_t attr1_int;
  size_t n_links;
  otelc_span_context link0;
  char link0_ts[32];
  size_t link0_n_attrs;
} capture;

static void copy_str(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src ? src : "");
}

static otelc_sampling_result capture_fn(void *ud,
                                        const otelc_sampling_params *p) {
  capture *c = ud;
  c->calls++;
  c->had_parent = p->parent != NULL;
  if (p->parent)
    c->parent = *p->parent;
  c->had_parent_ts = p->parent_tracestate != NULL;
  copy_str(c->parent_ts, sizeof c->parent_ts, p->parent_tracestate);
  memcpy(c->trace_id, p->trace_id, 16);
  copy_str(c->name, sizeof c->name, p->name);
  c->kind = p->kind;
  c->n_attrs = p->n_attrs;
  c->attr0_key[0] = c->attr0_str[0] = '\0';
  if (p->n_attrs >= 1) {
    copy_str(c->attr0_key, sizeof c->attr0_key, p->attrs[0].key);
    if (p->attrs[0].value.type == OTELC_VALUE_STRING)
      copy_str(c->attr0_str, sizeof c->attr0_str, p->attrs[0].value.u.str);
  }
  if (p->n_attrs >= 2 && p->attrs[1].value.type == OTELC_VALUE_INT)
    c->attr1_int = p->attrs[1].value.u.i;
  c->n_links = p->n_links;
  if (p->n_links >= 1) {
    c->link0 = p->links[0].context;
    copy_str(c->link0_ts, sizeof c->link0_ts, p->links[0].tracestate);
    c->link0_n_attrs = p->links[0].n_attrs;
  }
  return c->result;
}

static otelc_sampler *capture_sampler(capture *c,
                                      otelc_sampling_decision decision) {
  memset(c, 0, sizeof *c);
  c->result.decision = decision;
  return otelc_sampler_custom(capture_fn, c, "Capture");
}

static void test_custom_sampler_sees_span_inputs(void **state) {
  (void)state;
  capture c;
  fixture f;
  fixture_init(&f, capture_sampler(&c, OTELC_SAMPLING_RECORD_AND_SAMPLE), NULL);
  otelc_span_context lsc = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  otelc_link link = {lsc, "l=1",
                     OTELC_ATTRS(OTELC_INT("x", 1), OTELC_INT("y", 2))};
  otelc_attr attrs[] = {OTELC_STR("http.method", "GET"), OTELC_INT("n", 42)};
  otelc_span_start_opts o = {.kind = OTELC_SPAN_KIND_CLIENT,
                             .attrs = attrs,
                             .n_attrs = 2,
                             .links = &link,
                             .n_links = 1};
  otelc_span *root = otelc_span_start(f.tracer, "root op", &o);
  assert_int_equal(c.calls, 1);
  otelc_span_context rsc = otelc_span_get_context(root);
  assert_false(c.had_parent);
  assert_false(c.had_parent_ts);
  assert_memory_equal(c.trace_id, rsc.trace_id, 16);
  assert_string_equal(c.name, "root op");
  assert_int_equal(c.kind, OTELC_SPAN_KIND_CLIENT);
  assert_int_equal(c.n_attrs, 2);
  assert_string_equal(c.attr0_key, "http.method");
  assert_string_equal(c.attr0_str, "GET");
  assert_int_equal(c.attr1_int, 42);
  assert_int_equal(c.n_links, 1);
  assert_memory_equal(c.link0.span_id, lsc.span_id, 8);
  assert_string_equal(c.link0_ts, "l=1");
  assert_int_equal(c.link0_n_attrs, 2);

  /* A child: the sampler gets the parent's trace id and the parent. */
  otelc_context *pctx = otelc_context_with_span(NULL, root);
  otelc_span_start_opts co = {.parent = pctx};
  otelc_span *child = otelc_span_start(f.tracer, "child", &co);
  assert_int_equal(c.calls, 2);
  assert_true(c.had_parent);
  assert_memory_equal(c.parent.trace_id, rsc.trace_id, 16);
  assert_memory_equal(c.parent.span_id, rsc.span_id, 8);
  assert_false(c.parent.is_remote);
  assert_true(c.parent.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  assert_memory_equal(c.trace_id, rsc.trace_id, 16);
  assert_string_equal(c.name, "child");
  assert_int_equal(c.kind, OTELC_SPAN_KIND_INTERNAL); /* 0 means INTERNAL */
  assert_int_equal(c.n_attrs, 0);
  assert_int_equal(c.n_links, 0);
  otelc_span_context csc = otelc_span_get_context(child);
  assert_memory_equal(csc.trace_id, rsc.trace_id, 16);

  /* The current span is the parent when none is given. */
  otelc_scope sc = otelc_span_activate(child);
  otelc_span *grandchild = otelc_span_start(f.tracer, "grandchild", NULL);
  assert_true(c.had_parent);
  assert_memory_equal(c.parent.span_id, csc.span_id, 8);
  assert_memory_equal(c.trace_id, rsc.trace_id, 16);
  otelc_context_detach(sc);

  /* A remote parent with a tracestate. */
  otelc_span_context remote = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  otelc_context *rctx = otelc_context_with_remote(NULL, &remote, "r=1");
  assert_non_null(rctx);
  co.parent = rctx;
  otelc_span *rchild = otelc_span_start(f.tracer, "rchild", &co);
  assert_true(c.had_parent);
  assert_true(c.parent.is_remote);
  assert_memory_equal(c.trace_id, remote.trace_id, 16);
  assert_string_equal(c.parent_ts, "r=1");

  otelc_span_end(rchild);
  otelc_span_end(grandchild);
  otelc_span_end(child);
  otelc_span_end(root);
  otelc_context_release(pctx);
  otelc_context_release(rctx);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 4);
  fixture_free(&f);
}

/* A processor that counts on_end calls, next to the simple processor. */
static void count_on_end(void *self, otelc_span *span) {
  (void)span;
  ++*(int *)self;
}

static otelc_status ok_flush(void *self, uint32_t ms) {
  (void)self;
  (void)ms;
  return OTELC_OK;
}

static void test_custom_record_only(void **state) {
  (void)state;
  capture c;
  otelc_span_exporter *mem;
  otelc_span_processor *procs[2];
  int ended = 0;
  assert_int_equal(otelc_memory_exporter_new(&mem), OTELC_OK);
  assert_int_equal(otelc_simple_span_processor_new(mem, &procs[0]), OTELC_OK);
  otelc_span_processor_ops ops = {
      .on_end = count_on_end, .force_flush = ok_flush, .shutdown = ok_flush};
  assert_int_equal(otelc_span_processor_new(&ops, &ended, &procs[1]), OTELC_OK);
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  otelc_tracer_provider_opts o = {
      .sampler = capture_sampler(&c, OTELC_SAMPLING_RECORD_ONLY),
      .limits = &lim,
      .processors = procs,
      .n_processors = 2};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  otelc_scope_info scope = {"test.scope", NULL, NULL, NULL, 0};
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, &scope);

  otelc_span *s = otelc_span_start(t, "record only", NULL);
  assert_true(otelc_span_is_recording(s));
  otelc_span_context sc = otelc_span_get_context(s);
  assert_true(otelc_span_context_is_valid(&sc));
  assert_false(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  assert_int_equal(otelc_span_set_int(s, "k", 1), OTELC_OK);
  otelc_span_end(s);
  /* Processors see it; the exporter behind the simple one does not. */
  assert_int_equal(ended, 1);
  assert_int_equal(otelc_memory_exporter_count(mem), 0);
  otelc_tracer_provider_free(tp);
}

static void test_custom_drop(void **state) {
  (void)state;
  capture c;
  fixture f;
  fixture_init(&f, capture_sampler(&c, OTELC_SAMPLING_DROP), NULL);
  enum { N = 200 };
  static uint8_t ids[N][8];
  otelc_span_context remote = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  otelc_context *rctx = otelc_context_with_remote(NULL, &remote, NULL);
  for (int i = 0; i < N; i++) {
    otelc_span_start_opts o = {.parent = i % 2 ? rctx : NULL};
    otelc_span *s = otelc_span_start(f.tracer, "dropped", &o);
    assert_false(otelc_span_is_recording(s));
    assert_int_equal(otelc_span_set_int(s, "k", 1), OTELC_ERR_STATE);
    otelc_span_context sc = otelc_span_get_context(s);
    assert_true(otelc_span_context_is_valid(&sc));
    assert_false(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
    assert_false(sc.is_remote);
    if (i % 2)
      assert_memory_equal(sc.trace_id, remote.trace_id, 16);
    else
      assert_memory_not_equal(sc.trace_id, remote.trace_id, 16);
    assert_memory_not_equal(sc.span_id, remote.span_id, 8);
    memcpy(ids[i], sc.span_id, 8);
    otelc_span_end(s);
  }
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      assert_memory_not_equal(ids[i], ids[j], 8);
  assert_int_equal(c.calls, N);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 0);
  otelc_context_release(rctx);
  fixture_free(&f);
}

static void test_custom_returned_attributes(void **state) {
  (void)state;
  capture c;
  fixture f;
  fixture_init(&f, capture_sampler(&c, OTELC_SAMPLING_RECORD_AND_SAMPLE), NULL);
  char rule[] = "rule-7"; /* must be copied */
  otelc_attr extra[] = {OTELC_STR("sampler.rule", rule),
                        OTELC_DOUBLE("sampler.ratio", 0.5)};
  c.result.attrs = extra;
  c.result.n_attrs = 2;
  otelc_span_start_opts o = {.attrs = OTELC_ATTRS(OTELC_INT("own", 1))};
  otelc_span *s = otelc_span_start(f.tracer, "x", &o);
  rule[0] = 'X';
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 3);
  assert_int_equal(otelc_span_find_attr(e, "own")->u.i, 1);
  assert_string_equal(otelc_span_find_attr(e, "sampler.rule")->u.str, "rule-7");
  assert_true(otelc_span_find_attr(e, "sampler.ratio")->u.d == 0.5);
  fixture_free(&f);
}

static void test_custom_returned_tracestate(void **state) {
  (void)state;
  capture c;
  fixture f;
  fixture_init(&f, capture_sampler(&c, OTELC_SAMPLING_RECORD_AND_SAMPLE), NULL);
  otelc_span_context remote = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  otelc_context *parent = otelc_context_with_remote(NULL, &remote, "a=1");
  assert_non_null(parent);
  otelc_span_start_opts o = {.parent = parent};

  /* NULL keeps the parent's tracestate. */
  c.result.tracestate = NULL;
  otelc_span *s = otelc_span_start(f.tracer, "keep", &o);
  assert_string_equal(c.parent_ts, "a=1");
  assert_string_equal(otelc_span_get_tracestate(s), "a=1");
  otelc_span_end(s);

  /* A returned tracestate replaces it (and is copied). */
  char ts[] = "b=2,a=1";
  c.result.tracestate = ts;
  s = otelc_span_start(f.tracer, "replace", &o);
  ts[0] = 'X';
  assert_string_equal(otelc_span_get_tracestate(s), "b=2,a=1");
  otelc_span_end(s);

  /* "" clears it. */
  c.result.tracestate = "";
  s = otelc_span_start(f.tracer, "clear", &o);
  const char *got = otelc_span_get_tracestate(s);
  assert_true(got == NULL || got[0] == '\0');
  otelc_span_end(s);

  /* Also for a dropped span, which still propagates it. */
  c.result.decision = OTELC_SAMPLING_DROP;
  c.result.tracestate = "c=3";
  s = otelc_span_start(f.tracer, "dropped", &o);
  assert_false(otelc_span_is_recording(s));
  assert_string_equal(otelc_span_get_tracestate(s), "c=3");
  otelc_span_end(s);

  /* Exported spans carry what the sampler decided. */
  assert_int_equal(otelc_memory_exporter_count(f.mem), 3);
  assert_string_equal(otelc_span_get_tracestate(fixture_span(&f, 0)), "a=1");
  assert_string_equal(otelc_span_get_tracestate(fixture_span(&f, 1)),
                      "b=2,a=1");
  got = otelc_span_get_tracestate(fixture_span(&f, 2));
  assert_true(got == NULL || got[0] == '\0');
  otelc_context_release(parent);
  fixture_free(&f);
}

static void test_custom_out_of_range_decision_is_drop(void **state) {
  (void)state;
  capture c;
  otelc_sampler *s = capture_sampler(&c, (otelc_sampling_decision)7);
  uint8_t tid[16] = {1, 2, 3};
  assert_int_equal(decide(s, tid, NULL, NULL), OTELC_SAMPLING_DROP);
  c.result.decision = (otelc_sampling_decision)-1;
  assert_int_equal(decide(s, tid, NULL, NULL), OTELC_SAMPLING_DROP);
  c.result.decision = OTELC_SAMPLING_RECORD_ONLY;
  assert_int_equal(decide(s, tid, NULL, NULL), OTELC_SAMPLING_RECORD_ONLY);
  c.result.decision = (otelc_sampling_decision)3;

  fixture f;
  fixture_init(&f, s, NULL);
  otelc_span *sp = otelc_span_start(f.tracer, "x", NULL);
  assert_false(otelc_span_is_recording(sp));
  otelc_span_context sc = otelc_span_get_context(sp);
  assert_true(otelc_span_context_is_valid(&sc));
  assert_false(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  otelc_span_end(sp);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 0);
  fixture_free(&f);
}

/* --------------------------------------------------- through the spans -- */

static void test_default_sampler_through_spans(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL),
               NULL);
  /* Root: sampled, random flag set (otelc made the trace id). */
  otelc_span *root = otelc_span_start(f.tracer, "root", NULL);
  otelc_span_context rsc = otelc_span_get_context(root);
  assert_int_equal(rsc.trace_flags,
                   OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM);
  /* Child of a sampled local parent: sampled, same trace. */
  otelc_scope scope = otelc_span_activate(root);
  otelc_span *child = otelc_span_start(f.tracer, "child", NULL);
  otelc_context_detach(scope);
  otelc_span_context csc = otelc_span_get_context(child);
  assert_true(otelc_span_is_recording(child));
  assert_int_equal(csc.trace_flags,
                   OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM);
  assert_memory_equal(csc.trace_id, rsc.trace_id, 16);
  otelc_span_end(child);
  otelc_span_end(root);

  /* Child of an unsampled remote parent: dropped, parent's trace id. */
  otelc_span_context remote = make_sc(0, true);
  otelc_context *rctx = otelc_context_with_remote(NULL, &remote, "k=v");
  otelc_span_start_opts o = {.parent = rctx};
  otelc_span *dropped = otelc_span_start(f.tracer, "dropped", &o);
  assert_false(otelc_span_is_recording(dropped));
  otelc_span_context dsc = otelc_span_get_context(dropped);
  assert_true(otelc_span_context_is_valid(&dsc));
  assert_memory_equal(dsc.trace_id, remote.trace_id, 16);
  assert_memory_not_equal(dsc.span_id, remote.span_id, 8);
  assert_int_equal(dsc.trace_flags, 0); /* no random flag to inherit */
  assert_string_equal(otelc_span_get_tracestate(dropped), "k=v");
  /* ...and so is its child (local, not sampled parent). */
  scope = otelc_span_activate(dropped);
  otelc_span *grandchild = otelc_span_start(f.tracer, "grandchild", NULL);
  otelc_context_detach(scope);
  assert_false(otelc_span_is_recording(grandchild));
  otelc_span_context gsc = otelc_span_get_context(grandchild);
  assert_memory_equal(gsc.trace_id, remote.trace_id, 16);
  otelc_span_end(grandchild);
  otelc_span_end(dropped);
  otelc_context_release(rctx);

  /* A sampled remote parent: sampled child. */
  remote = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  rctx = otelc_context_with_remote(NULL, &remote, NULL);
  o.parent = rctx;
  otelc_span *s = otelc_span_start(f.tracer, "remote child", &o);
  assert_true(otelc_span_is_recording(s));
  otelc_span_context ssc = otelc_span_get_context(s);
  assert_int_equal(ssc.trace_flags, OTELC_TRACE_FLAG_SAMPLED);
  assert_memory_equal(ssc.trace_id, remote.trace_id, 16);
  otelc_span_end(s);
  otelc_context_release(rctx);

  /* root=true ignores the parent. */
  remote = make_sc(0, true);
  rctx = otelc_context_with_remote(NULL, &remote, NULL);
  otelc_span_start_opts ro = {.parent = rctx, .root = true};
  s = otelc_span_start(f.tracer, "new root", &ro);
  assert_true(otelc_span_is_recording(s));
  assert_memory_not_equal(otelc_span_get_context(s).trace_id, remote.trace_id,
                          16);
  otelc_span_end(s);
  otelc_context_release(rctx);

  assert_int_equal(otelc_memory_exporter_count(f.mem), 4);
  fixture_free(&f);
}

static void test_random_flag_inherited_from_remote_parent(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL),
               NULL);
  static const uint8_t flags[] = {
      0, OTELC_TRACE_FLAG_SAMPLED, OTELC_TRACE_FLAG_RANDOM,
      OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM};
  for (size_t i = 0; i < sizeof flags; i++) {
    otelc_span_context remote = make_sc(flags[i], true);
    otelc_context *rctx = otelc_context_with_remote(NULL, &remote, NULL);
    otelc_span_start_opts o = {.parent = rctx};
    otelc_span *s = otelc_span_start(f.tracer, "child", &o);
    /* The child is sampled exactly when the parent was (default
     * sampler), and keeps the parent's random flag. */
    assert_int_equal(otelc_span_get_context(s).trace_flags, flags[i]);
    /* A local child of that child inherits it in turn. */
    otelc_scope scope = otelc_span_activate(s);
    otelc_span *g = otelc_span_start(f.tracer, "grandchild", NULL);
    otelc_context_detach(scope);
    assert_int_equal(otelc_span_get_context(g).trace_flags, flags[i]);
    otelc_span_end(g);
    otelc_span_end(s);
    otelc_context_release(rctx);
  }
  /* New roots get the random flag, sampled or not. */
  otelc_span *root = otelc_span_start(f.tracer, "root", NULL);
  assert_true(otelc_span_get_context(root).trace_flags &
              OTELC_TRACE_FLAG_RANDOM);
  otelc_span_end(root);
  fixture_free(&f);

  fixture_init(&f, otelc_sampler_always_off(), NULL);
  root = otelc_span_start(f.tracer, "root", NULL);
  assert_int_equal(otelc_span_get_context(root).trace_flags,
                   OTELC_TRACE_FLAG_RANDOM);
  otelc_span_end(root);
  fixture_free(&f);
}

static void test_parent_based_custom_delegates_through_spans(void **state) {
  (void)state;
  call_log log;
  delegate d[N_DEL];
  fixture f;
  fixture_init(&f, recording_parent_based(&log, d), NULL);

  otelc_span *sampled_root = otelc_span_start(f.tracer, "r", NULL);
  assert_int_equal(log.last, ROOT);
  assert_false(log.last_had_parent);
  d[ROOT].decision = OTELC_SAMPLING_RECORD_ONLY;
  otelc_span *unsampled_root = otelc_span_start(f.tracer, "r2", NULL);
  assert_int_equal(log.last, ROOT);
  assert_true(otelc_span_is_recording(unsampled_root));

  otelc_context *lctx = otelc_context_with_span(NULL, sampled_root);
  otelc_span_start_opts o = {.parent = lctx};
  otelc_span_end(otelc_span_start(f.tracer, "c", &o));
  assert_int_equal(log.last, LOCAL_SAMPLED);
  assert_true(log.last_had_parent);
  assert_memory_equal(log.last_trace_id,
                      otelc_span_get_context(sampled_root).trace_id, 16);
  otelc_context_release(lctx);

  lctx = otelc_context_with_span(NULL, unsampled_root);
  o.parent = lctx;
  otelc_span_end(otelc_span_start(f.tracer, "c", &o));
  assert_int_equal(log.last, LOCAL_NOT);
  otelc_context_release(lctx);

  otelc_span_context remote = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  otelc_context *rctx = otelc_context_with_remote(NULL, &remote, NULL);
  o.parent = rctx;
  otelc_span_end(otelc_span_start(f.tracer, "c", &o));
  assert_int_equal(log.last, REMOTE_SAMPLED);
  assert_memory_equal(log.last_trace_id, remote.trace_id, 16);
  otelc_context_release(rctx);

  remote = make_sc(OTELC_TRACE_FLAG_RANDOM, true);
  rctx = otelc_context_with_remote(NULL, &remote, NULL);
  o.parent = rctx;
  otelc_span_end(otelc_span_start(f.tracer, "c", &o));
  assert_int_equal(log.last, REMOTE_NOT);
  otelc_context_release(rctx);

  for (int i = 0; i < N_DEL; i++)
    assert_int_equal(log.calls[i], i == ROOT ? 2 : 1);
  otelc_span_end(unsampled_root);
  otelc_span_end(sampled_root);
  fixture_free(&f);
}

static void test_ratio_sampler_reads_parent_tracestate(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, otelc_sampler_traceidratio(0.5), NULL);
  otelc_span_context remote = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  set_low56(remote.trace_id, 0); /* the trace id alone says drop */
  otelc_context *rctx = otelc_context_with_remote(NULL, &remote, NULL);
  otelc_span_start_opts o = {.parent = rctx};
  otelc_span *s = otelc_span_start(f.tracer, "no rv", &o);
  assert_false(otelc_span_is_recording(s)); /* parent flag ignored */
  otelc_span_end(s);
  otelc_context_release(rctx);

  rctx = otelc_context_with_remote(NULL, &remote,
                                   "vendor=x,ot=th:0;rv:ffffffffffffff");
  o.parent = rctx;
  s = otelc_span_start(f.tracer, "rv", &o);
  assert_true(otelc_span_is_recording(s));
  otelc_span_end(s);
  otelc_context_release(rctx);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 1);
  fixture_free(&f);
}

/* --------------------------------------------------------- environment -- */

static char *saved_sampler, *saved_arg;

static char *save_var(const char *name) {
  const char *v = getenv(name);
  return v ? strdup(v) : NULL;
}

static void restore_var(const char *name, char *v) {
  if (v)
    setenv(name, v, 1);
  else
    unsetenv(name);
  free(v);
}

static int env_group_setup(void **state) {
  (void)state;
  saved_sampler = save_var("OTEL_TRACES_SAMPLER");
  saved_arg = save_var("OTEL_TRACES_SAMPLER_ARG");
  return 0;
}

static int env_group_teardown(void **state) {
  (void)state;
  restore_var("OTEL_TRACES_SAMPLER", saved_sampler);
  restore_var("OTEL_TRACES_SAMPLER_ARG", saved_arg);
  saved_sampler = saved_arg = NULL;
  return 0;
}

static int env_teardown(void **state) {
  (void)state;
  unsetenv("OTEL_TRACES_SAMPLER");
  unsetenv("OTEL_TRACES_SAMPLER_ARG");
  test_diag_release();
  return 0;
}

/* NULL unsets. Starts capturing warnings. */
static void set_sampler_env(const char *sampler, const char *arg) {
  if (sampler)
    setenv("OTEL_TRACES_SAMPLER", sampler, 1);
  else
    unsetenv("OTEL_TRACES_SAMPLER");
  if (arg)
    setenv("OTEL_TRACES_SAMPLER_ARG", arg, 1);
  else
    unsetenv("OTEL_TRACES_SAMPLER_ARG");
  test_diag_capture();
}

/* Decisions of @p s for a root, a sampled and an unsampled remote parent:
 * a three-letter string of 'S' (sampled) and '-' (not). */
static void behaviour(const otelc_sampler *s, char out[4]) {
  uint8_t tid[16] = {1};
  set_low56(tid, MASK56);
  otelc_span_context yes = make_sc(OTELC_TRACE_FLAG_SAMPLED, true);
  otelc_span_context no = make_sc(0, true);
  const otelc_span_context *parents[3] = {NULL, &yes, &no};
  for (int i = 0; i < 3; i++)
    out[i] =
        decide(s, tid, parents[i], NULL) == OTELC_SAMPLING_RECORD_AND_SAMPLE
            ? 'S'
            : '-';
  out[3] = '\0';
}

/* A root with R = 0 is sampled only at ratio 1. */
static bool samples_r0(const otelc_sampler *s) {
  uint8_t tid[16] = {1};
  set_low56(tid, 0);
  return sampled(s, tid);
}

static void test_env_each_value(void **state) {
  (void)state;
  static const struct {
    const char *value;
    const char *desc_prefix;
    const char *behaviour;
  } cases[] = {
      {"always_on", "AlwaysOnSampler", "SSS"},
      {"always_off", "AlwaysOffSampler", "---"},
      {"traceidratio", "TraceIdRatioBased{1.000000}", "SSS"},
      {"parentbased_always_on", "ParentBased", "SS-"},
      {"parentbased_always_off", "ParentBased", "-S-"},
      {"parentbased_traceidratio", "ParentBased", "SS-"},
      {"AlWaYs_On", "AlwaysOnSampler", "SSS"},
      {"ALWAYS_OFF", "AlwaysOffSampler", "---"},
      {"TraceIdRatio", "TraceIdRatioBased{1.000000}", "SSS"},
      {"ParentBased_Always_On", "ParentBased", "SS-"},
      {"PARENTBASED_ALWAYS_OFF", "ParentBased", "-S-"},
      {"ParentBased_TraceIdRatio", "ParentBased", "SS-"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    set_sampler_env(cases[i].value, NULL);
    otelc_sampler *s = otelc_sampler_from_env();
    assert_non_null(s);
    const char *d = otelc_sampler_description(s);
    if (strncmp(d, cases[i].desc_prefix, strlen(cases[i].desc_prefix)) != 0)
      fail_msg("%s: description '%s'", cases[i].value, d);
    char b[4];
    behaviour(s, b);
    if (strcmp(b, cases[i].behaviour) != 0)
      fail_msg("%s: behaviour %s, expected %s", cases[i].value, b,
               cases[i].behaviour);
    assert_int_equal(test_diag_seen.count, 0);
    otelc_sampler_free(s);
  }
  /* parentbased_traceidratio really has a ratio root. */
  set_sampler_env("parentbased_traceidratio", "0.25");
  otelc_sampler *s = otelc_sampler_from_env();
  assert_non_null(
      strstr(otelc_sampler_description(s), "TraceIdRatioBased{0.250000}"));
  assert_false(samples_r0(s));
  otelc_sampler_free(s);
}

static void test_env_default_when_unset_or_empty(void **state) {
  (void)state;
  const char *values[] = {NULL, ""};
  for (int i = 0; i < 2; i++) {
    set_sampler_env(values[i], NULL);
    otelc_sampler *s = otelc_sampler_from_env();
    assert_true(strncmp(otelc_sampler_description(s), "ParentBased", 11) == 0);
    char b[4];
    behaviour(s, b);
    assert_string_equal(b, "SS-");
    assert_int_equal(test_diag_seen.count, 0);
    otelc_sampler_free(s);
  }
  /* An ARG without a sampler is not used. */
  set_sampler_env(NULL, "0.25");
  otelc_sampler *s = otelc_sampler_from_env();
  assert_null(strstr(otelc_sampler_description(s), "TraceIdRatio"));
  assert_int_equal(test_diag_seen.count, 0);
  otelc_sampler_free(s);
}

static void test_env_unknown_value_warns_and_defaults(void **state) {
  (void)state;
  const char *values[] = {"no_such_sampler", "jaeger_remote", "always-on"};
  for (int i = 0; i < 3; i++) {
    set_sampler_env(values[i], NULL);
    otelc_sampler *s = otelc_sampler_from_env();
    assert_non_null(s);
    assert_int_equal(test_diag_seen.count, 1);
    assert_int_equal(test_diag_seen.level, OTELC_LOG_WARN);
    assert_non_null(strstr(test_diag_seen.last, "OTEL_TRACES_SAMPLER"));
    assert_non_null(strstr(test_diag_seen.last, values[i]));
    assert_true(strncmp(otelc_sampler_description(s), "ParentBased", 11) == 0);
    char b[4];
    behaviour(s, b);
    assert_string_equal(b, "SS-");
    otelc_sampler_free(s);
  }
}

static void test_env_ratio_argument(void **state) {
  (void)state;
  /* Unset or empty: 1.0. */
  const char *unset[] = {NULL, ""};
  for (int i = 0; i < 2; i++) {
    set_sampler_env("traceidratio", unset[i]);
    otelc_sampler *s = otelc_sampler_from_env();
    assert_string_equal(otelc_sampler_description(s),
                        "TraceIdRatioBased{1.000000}");
    assert_true(samples_r0(s));
    assert_int_equal(test_diag_seen.count, 0);
    otelc_sampler_free(s);
  }
  /* Valid values. */
  static const struct {
    const char *arg;
    const char *desc;
  } ok[] = {{"0.25", "TraceIdRatioBased{0.250000}"},
            {"0", "TraceIdRatioBased{0.000000}"},
            {"1", "TraceIdRatioBased{1.000000}"},
            {" 0.5 ", "TraceIdRatioBased{0.500000}"},
            {"1e-4", "TraceIdRatioBased{0.000100}"}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    set_sampler_env("traceidratio", ok[i].arg);
    otelc_sampler *s = otelc_sampler_from_env();
    assert_string_equal(otelc_sampler_description(s), ok[i].desc);
    assert_int_equal(test_diag_seen.count, 0);
    otelc_sampler_free(s);
  }
  /* Invalid values: one warning naming the variable and the value, then
   * ratio 1.0. */
  const char *bad[] = {"abc", "1.5", "-0.1", "nan", "0.5x", "inf"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *samplers[] = {"traceidratio", "parentbased_traceidratio"};
    for (int k = 0; k < 2; k++) {
      set_sampler_env(samplers[k], bad[i]);
      otelc_sampler *s = otelc_sampler_from_env();
      assert_non_null(s);
      if (test_diag_seen.count != 1)
        fail_msg("%s=%s: %d warnings", samplers[k], bad[i],
                 test_diag_seen.count);
      assert_non_null(strstr(test_diag_seen.last, "OTEL_TRACES_SAMPLER_ARG"));
      assert_non_null(strstr(test_diag_seen.last, bad[i]));
      assert_non_null(
          strstr(otelc_sampler_description(s), "TraceIdRatioBased{1.000000}"));
      assert_true(samples_r0(s));
      otelc_sampler_free(s);
    }
  }
  /* The argument of a sampler that takes none is not read. */
  set_sampler_env("always_on", "abc");
  otelc_sampler *s = otelc_sampler_from_env();
  assert_string_equal(otelc_sampler_description(s), "AlwaysOnSampler");
  assert_int_equal(test_diag_seen.count, 0);
  otelc_sampler_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_descriptions),
      cmocka_unit_test(test_parent_based_description_names_delegates),
      cmocka_unit_test(test_always_on_and_off),
      cmocka_unit_test(test_ratio_threshold_half_and_quarter),
      cmocka_unit_test(test_ratio_threshold_tenth),
      cmocka_unit_test(test_ratio_one_samples_everything),
      cmocka_unit_test(test_ratio_zero_samples_nothing),
      cmocka_unit_test(test_ratio_ignores_high_bytes),
      cmocka_unit_test(test_ratio_is_monotonic),
      cmocka_unit_test(test_ratio_observed_fraction),
      cmocka_unit_test(test_ratio_tracestate_randomness),
      cmocka_unit_test(test_ratio_out_of_range_is_clamped),
      cmocka_unit_test(test_parent_based_default_table),
      cmocka_unit_test(test_parent_based_custom_delegates),
      cmocka_unit_test(test_custom_sampler_sees_span_inputs),
      cmocka_unit_test(test_custom_record_only),
      cmocka_unit_test(test_custom_drop),
      cmocka_unit_test(test_custom_returned_attributes),
      cmocka_unit_test(test_custom_returned_tracestate),
      cmocka_unit_test(test_custom_out_of_range_decision_is_drop),
      cmocka_unit_test(test_default_sampler_through_spans),
      cmocka_unit_test(test_random_flag_inherited_from_remote_parent),
      cmocka_unit_test(test_parent_based_custom_delegates_through_spans),
      cmocka_unit_test(test_ratio_sampler_reads_parent_tracestate),
      cmocka_unit_test_teardown(test_env_each_value, env_teardown),
      cmocka_unit_test_teardown(test_env_default_when_unset_or_empty,
                                env_teardown),
      cmocka_unit_test_teardown(test_env_unknown_value_warns_and_defaults,
                                env_teardown),
      cmocka_unit_test_teardown(test_env_ratio_argument, env_teardown),
  };
  return cmocka_run_group_tests(tests, env_group_setup, env_group_teardown);
}
