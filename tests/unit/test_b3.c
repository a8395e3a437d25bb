/* B3 propagation: the single "b3" header and the X-B3-* headers, read
 * and written through the public propagator API. */
#include <string.h>

#include "test_helpers.h"
#include "trace_fixture.h"

#define TID "80f198ee56343ba864fe8b2a57d3eff7"
#define SID "e457b5a2e4d86bd1"
#define PID "05e3ac9a4f6e3b90"
#define TID16 "64fe8b2a57d3eff7"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- helpers -- */

/* A carrier holding @p n key/value pairs given as a flat array. */
static void carrier_fill(otelc_kv_carrier *kv, const char *const *pairs,
                         size_t n) {
  otelc_kv_carrier_init(kv);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(otelc_kv_carrier_add(kv, pairs[2 * i], pairs[2 * i + 1]),
                     OTELC_OK);
}

#define PAIRS(...) ((const char *const[]){__VA_ARGS__})
#define NPAIRS(...) (sizeof(PAIRS(__VA_ARGS__)) / sizeof(char *) / 2)

/* Extract with @p p from the given pairs; the resulting context. */
static otelc_context *extract_pairs(const otelc_propagator *p,
                                    const char *const *pairs, size_t n) {
  otelc_kv_carrier kv;
  carrier_fill(&kv, pairs, n);
  otelc_context *ctx = otelc_propagator_extract(p, NULL, &kv.carrier);
  otelc_kv_carrier_clear(&kv);
  return ctx;
}

#define EXTRACT(p, ...)                                                        \
  extract_pairs((p), PAIRS(__VA_ARGS__), NPAIRS(__VA_ARGS__))

static const char *kv_get(otelc_kv_carrier *kv, const char *key) {
  return kv->carrier.get(kv->carrier.self, key);
}

static void id_from_hex(const char *hex, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
}

/* @p ctx carries a remote span context with these ids and flags. */
static void assert_sc(const otelc_context *ctx, const char *tid_hex,
                      const char *sid_hex, uint8_t flags) {
  otelc_span_context sc;
  assert_non_null(ctx);
  assert_true(otelc_context_span_context(ctx, &sc));
  char t[33], s[17];
  otelc_trace_id_to_hex(sc.trace_id, t);
  otelc_span_id_to_hex(sc.span_id, s);
  assert_string_equal(t, tid_hex);
  assert_string_equal(s, sid_hex);
  assert_int_equal(sc.trace_flags, flags);
  assert_true(sc.is_remote);
}

/* Nothing was extracted: with no base the result is empty (NULL). */
static void assert_nothing(otelc_context *ctx, const char *what) {
  otelc_span_context sc;
  if (ctx && otelc_context_span_context(ctx, &sc))
    fail_msg("extracted a context from %s", what);
  otelc_context_release(ctx);
}

/* Inject @p ctx with @p p into a fresh carrier. */
static void inject_into(const otelc_propagator *p, const otelc_context *ctx,
                        otelc_kv_carrier *kv) {
  otelc_kv_carrier_init(kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv->carrier), OTELC_OK);
}

/* Extract the single header @p b3 and inject the result back with @p p. */
static void roundtrip_single(const otelc_propagator *p, const char *b3,
                             otelc_kv_carrier *out) {
  otelc_propagator *single = otelc_propagator_b3();
  otelc_context *ctx = EXTRACT(single, "b3", b3);
  assert_non_null(ctx);
  inject_into(p, ctx, out);
  otelc_context_release(ctx);
  otelc_propagator_free(single);
}

/* ------------------------------------------------------ single header -- */

static void test_single_sampling_states(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  assert_non_null(p);
  otelc_context *c = EXTRACT(p, "b3", TID "-" SID "-1");
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);

  c = EXTRACT(p, "b3", TID "-" SID "-0");
  assert_sc(c, TID, SID, 0);
  otelc_context_release(c);

  /* Debug implies accept. */
  c = EXTRACT(p, "b3", TID "-" SID "-d");
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);

  /* Absent: deferred, the sampled flag stays clear. */
  c = EXTRACT(p, "b3", TID "-" SID);
  assert_sc(c, TID, SID, 0);
  otelc_context_release(c);
  otelc_propagator_free(p);
}

static void test_single_spec_example(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  otelc_context *c = EXTRACT(p, "b3", TID "-" SID "-1-" PID);
  /* The parent span id is read past, never used; no random flag. */
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);

  c = EXTRACT(p, "b3", TID "-" SID "-d-" PID);
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);
  c = EXTRACT(p, "b3", TID "-" SID "-0-" PID);
  assert_sc(c, TID, SID, 0);
  otelc_context_release(c);
  otelc_propagator_free(p);
}

static void test_single_short_trace_id(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  otelc_context *c = EXTRACT(p, "b3", TID16 "-" SID "-1");
  assert_sc(c, "0000000000000000" TID16, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);
  c = EXTRACT(p, "b3", TID16 "-" SID);
  assert_sc(c, "0000000000000000" TID16, SID, 0);
  otelc_context_release(c);
  otelc_propagator_free(p);
}

static void test_single_only_sampling_state(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  static const char *const only[] = {"0", "1", "d"};
  for (size_t i = 0; i < N_ELEMS(only); i++) {
    otelc_context *c = EXTRACT(p, "b3", only[i]);
    assert_null(c);
  }
  otelc_propagator_free(p);
}

static void test_single_malformed(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "-",
      "--",
      "---",
      "0-0",
      TID,
      TID "-",
      TID "-" SID "-",
      TID "-" SID "--",
      TID "-" SID "-1-",
      TID "-" SID "-1-" PID "-",
      TID "-" SID "-1-" PID "0",
      TID "-" SID "-1-05e3ac9a4f6e3b9",
      TID "-" SID "-1-05E3AC9A4F6E3B90",
      TID "-" SID "-1-0000000000000000",
      TID "-" SID "-" PID, /* a parent needs a sampling state */
      TID "-" SID "-x",
      TID "-" SID "-10",
      TID "-" SID "-D",
      TID "-" SID "-true",
      TID "-" SID "1",
      "80F198EE56343BA864FE8B2A57D3EFF7-" SID "-1", /* uppercase */
      TID "-E457B5A2E4D86BD1-1",
      "80f198ee56343ba864fe8b2a57d3eff-" SID "-1",   /* 31 */
      "80f198ee56343ba864fe8b2a57d3eff70-" SID "-1", /* 33 */
      "64fe8b2a57d3eff-" SID "-1",                   /* 15 */
      "864fe8b2a57d3eff7-" SID "-1",                 /* 17 */
      TID "-e457b5a2e4d86bd-1",
      TID "-e457b5a2e4d86bd10-1",
      "00000000000000000000000000000000-" SID "-1",
      "0000000000000000-" SID "-1",
      TID "-0000000000000000-1",
      "-" SID "-1",
      TID "--1",
      "g0f198ee56343ba864fe8b2a57d3eff7-" SID "-1",
      TID "-" SID "-1 x",
      TID " " SID "-1",
      "d-" TID "-" SID,
      "1-" TID "-" SID,
  };
  otelc_propagator *p = otelc_propagator_b3();
  otelc_propagator *m = otelc_propagator_b3multi();
  for (size_t i = 0; i < N_ELEMS(bad); i++) {
    assert_nothing(EXTRACT(p, "b3", bad[i]), bad[i]);
    assert_nothing(EXTRACT(m, "b3", bad[i]), bad[i]);
  }
  otelc_propagator_free(m);
  otelc_propagator_free(p);
}

static void test_single_first_value_wins(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  const char *other = "11111111111111111111111111111111-2222222222222222-0";
  otelc_context *c = EXTRACT(p, "b3", TID "-" SID "-1", "b3", other);
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);

  /* One header holding a list, as a proxy may write it. */
  c = EXTRACT(p, "b3", TID "-" SID "-d,bogus");
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);

  /* A broken first value is not rescued by a good second one. */
  c = EXTRACT(p, "b3", "garbage", "b3", TID "-" SID "-1");
  assert_nothing(c, "broken first b3");
  otelc_propagator_free(p);
}

/* A carrier whose "b3" is a fixed, already joined value. */
static const char *get_fixed_b3(void *self, const char *key) {
  return strcmp(key, "b3") == 0 ? self : NULL;
}

static void test_single_empty_first_value(void **state) {
  (void)state;
  static const char *const joined[] = {
      "," TID "-" SID "-1",
      " ," TID "-" SID "-1",
      "\t, " TID "-" SID "-1",
  };
  otelc_propagator *p = otelc_propagator_b3();
  for (size_t i = 0; i < N_ELEMS(joined); i++) {
    otelc_carrier c = {get_fixed_b3, NULL, NULL, (void *)joined[i]};
    assert_nothing(otelc_propagator_extract(p, NULL, &c), joined[i]);
  }
  /* Spaces and tabs around the first value are allowed. */
  otelc_carrier c = {get_fixed_b3, NULL, NULL,
                     (void *)" \t" TID "-" SID "-1 , x"};
  otelc_context *ctx = otelc_propagator_extract(p, NULL, &c);
  assert_sc(ctx, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

/* ------------------------------------------------------- multi headers -- */

static void test_multi_sampling_states(void **state) {
  (void)state;
  static const struct {
    const char *sampled, *flags;
    uint8_t want;
  } cases[] = {
      {"1", NULL, OTELC_TRACE_FLAG_SAMPLED},
      {"0", NULL, 0},
      {"true", NULL, OTELC_TRACE_FLAG_SAMPLED},
      {"false", NULL, 0},
      {NULL, NULL, 0}, /* deferred */
      {NULL, "1", OTELC_TRACE_FLAG_SAMPLED},
      {"0", "1", OTELC_TRACE_FLAG_SAMPLED}, /* debug wins */
      {"1", "0", OTELC_TRACE_FLAG_SAMPLED},
      {NULL, "0", 0},
  };
  otelc_propagator *p = otelc_propagator_b3multi();
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    otelc_kv_carrier kv;
    otelc_kv_carrier_init(&kv);
    otelc_kv_carrier_add(&kv, "X-B3-TraceId", TID);
    otelc_kv_carrier_add(&kv, "X-B3-SpanId", SID);
    if (cases[i].sampled)
      otelc_kv_carrier_add(&kv, "X-B3-Sampled", cases[i].sampled);
    if (cases[i].flags)
      otelc_kv_carrier_add(&kv, "X-B3-Flags", cases[i].flags);
    otelc_context *c = otelc_propagator_extract(p, NULL, &kv.carrier);
    assert_sc(c, TID, SID, cases[i].want);
    otelc_context_release(c);
    otelc_kv_carrier_clear(&kv);
  }
  otelc_propagator_free(p);
}

static void test_multi_spec_example(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  otelc_context *c = EXTRACT(p, "X-B3-TraceId", TID, "X-B3-SpanId", SID,
                             "X-B3-ParentSpanId", PID, "X-B3-Sampled", "1");
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);
  /* Lowercase names, as gRPC sends them. */
  c = EXTRACT(p, "x-b3-traceid", TID, "x-b3-spanid", SID, "x-b3-sampled", "0");
  assert_sc(c, TID, SID, 0);
  otelc_context_release(c);
  otelc_propagator_free(p);
}

static void test_multi_short_trace_id(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3multi();
  otelc_context *c = EXTRACT(p, "x-b3-traceid", TID16, "x-b3-spanid", SID,
                             "x-b3-sampled", "1");
  assert_sc(c, "0000000000000000" TID16, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);
  otelc_propagator_free(p);
}

static void test_multi_malformed(void **state) {
  (void)state;
  static const struct {
    const char *tid, *sid, *sampled, *flags, *parent;
  } bad[] = {
      {NULL, SID, "1", NULL, NULL},
      {TID, NULL, "1", NULL, NULL},
      {"", SID, "1", NULL, NULL},
      {TID, "", "1", NULL, NULL},
      {"-", SID, "1", NULL, NULL},
      {TID, "-", "1", NULL, NULL},
      {"80F198EE56343BA864FE8B2A57D3EFF7", SID, "1", NULL, NULL},
      {TID, "E457B5A2E4D86BD1", "1", NULL, NULL},
      {"80f198ee56343ba864fe8b2a57d3eff", SID, "1", NULL, NULL},
      {"864fe8b2a57d3eff7", SID, "1", NULL, NULL},
      {TID, "e457b5a2e4d86bd", "1", NULL, NULL},
      {TID, "e457b5a2e4d86bd1a", "1", NULL, NULL},
      {"00000000000000000000000000000000", SID, "1", NULL, NULL},
      {"0000000000000000", SID, "1", NULL, NULL},
      {TID, "0000000000000000", "1", NULL, NULL},
      {TID "-" SID, SID, "1", NULL, NULL},
      {TID, SID, "", NULL, NULL},
      {TID, SID, "-", NULL, NULL},
      {TID, SID, "2", NULL, NULL},
      {TID, SID, "d", NULL, NULL},
      {TID, SID, "yes", NULL, NULL},
      {TID, SID, "TRUE", NULL, NULL},
      {TID, SID, NULL, "", NULL},
      {TID, SID, NULL, "-", NULL},
      {TID, SID, NULL, "2", NULL},
      {TID, SID, NULL, "d", NULL},
      {TID, SID, "1", NULL, "-"},
      {TID, SID, "1", NULL, ""},
      {TID, SID, "1", NULL, "05E3AC9A4F6E3B90"},
      {TID, SID, "1", NULL, "05e3ac9a4f6e3b9"},
      {TID, SID, "1", NULL, "0000000000000000"},
  };
  otelc_propagator *p = otelc_propagator_b3multi();
  for (size_t i = 0; i < N_ELEMS(bad); i++) {
    otelc_kv_carrier kv;
    otelc_kv_carrier_init(&kv);
    if (bad[i].tid)
      otelc_kv_carrier_add(&kv, "x-b3-traceid", bad[i].tid);
    if (bad[i].sid)
      otelc_kv_carrier_add(&kv, "x-b3-spanid", bad[i].sid);
    if (bad[i].sampled)
      otelc_kv_carrier_add(&kv, "x-b3-sampled", bad[i].sampled);
    if (bad[i].flags)
      otelc_kv_carrier_add(&kv, "x-b3-flags", bad[i].flags);
    if (bad[i].parent)
      otelc_kv_carrier_add(&kv, "x-b3-parentspanid", bad[i].parent);
    otelc_context *c = otelc_propagator_extract(p, NULL, &kv.carrier);
    char what[64];
    snprintf(what, sizeof what, "multi case %zu", i);
    assert_nothing(c, what);
    otelc_kv_carrier_clear(&kv);
  }
  otelc_propagator_free(p);
}

static void test_multi_first_value_wins(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3multi();
  otelc_context *c = EXTRACT(p, "x-b3-traceid", TID, "x-b3-traceid",
                             "11111111111111111111111111111111", "x-b3-spanid",
                             SID, "x-b3-spanid", "2222222222222222",
                             "x-b3-sampled", "1", "x-b3-sampled", "0");
  assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);

  c = EXTRACT(p, "x-b3-traceid", TID, "x-b3-spanid", SID, "x-b3-sampled", "0",
              "x-b3-sampled", "1");
  assert_sc(c, TID, SID, 0);
  otelc_context_release(c);

  c = EXTRACT(p, "x-b3-traceid", "bad", "x-b3-traceid", TID, "x-b3-spanid",
              SID);
  assert_nothing(c, "broken first x-b3-traceid");
  otelc_propagator_free(p);
}

/* ------------------------------------------------- single versus multi -- */

static void test_single_wins_over_multi(void **state) {
  (void)state;
  otelc_propagator *props[2] = {otelc_propagator_b3(),
                                otelc_propagator_b3multi()};
  for (size_t i = 0; i < 2; i++) {
    otelc_context *c =
        EXTRACT(props[i], "x-b3-traceid", "11111111111111111111111111111111",
                "x-b3-spanid", "2222222222222222", "x-b3-sampled", "0", "b3",
                TID "-" SID "-1");
    assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
    otelc_context_release(c);
    otelc_propagator_free(props[i]);
  }
}

static void test_multi_when_single_unusable(void **state) {
  (void)state;
  static const char *const singles[] = {"",  "-", "garbage",       "0",
                                        "1", "d", TID "-" SID "-x"};
  otelc_propagator *props[2] = {otelc_propagator_b3(),
                                otelc_propagator_b3multi()};
  for (size_t i = 0; i < 2; i++) {
    for (size_t j = 0; j < N_ELEMS(singles); j++) {
      otelc_context *c = EXTRACT(props[i], "b3", singles[j], "x-b3-traceid",
                                 TID, "x-b3-spanid", SID, "x-b3-flags", "1");
      assert_sc(c, TID, SID, OTELC_TRACE_FLAG_SAMPLED);
      otelc_context_release(c);
    }
    otelc_propagator_free(props[i]);
  }
}

static void test_extract_keeps_base(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  otelc_span_context sc;
  memset(&sc, 0, sizeof sc);
  id_from_hex(TID, sc.trace_id, 16);
  id_from_hex(SID, sc.span_id, 8);
  otelc_context *base = otelc_context_with_remote(NULL, &sc, NULL);
  assert_non_null(base);

  otelc_kv_carrier kv;
  carrier_fill(&kv, PAIRS("b3", "junk"), 1);
  otelc_context *c = otelc_propagator_extract(p, base, &kv.carrier);
  assert_sc(c, TID, SID, 0);
  otelc_context_release(c);
  otelc_kv_carrier_clear(&kv);

  /* A valid header replaces the base's span context. */
  carrier_fill(&kv,
               PAIRS("b3", "11111111111111111111111111111111-"
                           "2222222222222222-1"),
               1);
  c = otelc_propagator_extract(p, base, &kv.carrier);
  assert_sc(c, "11111111111111111111111111111111", "2222222222222222",
            OTELC_TRACE_FLAG_SAMPLED);
  otelc_context_release(c);
  otelc_kv_carrier_clear(&kv);

  /* No headers at all. */
  c = otelc_propagator_extract(p, NULL, &kv.carrier);
  assert_null(c);
  otelc_context_release(base);
  otelc_propagator_free(p);
}

/* ------------------------------------------------------------- inject -- */

static void test_inject_single(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3();
  static const struct {
    const char *in, *out;
  } cases[] = {
      {TID "-" SID "-1", TID "-" SID "-1"},
      {TID "-" SID "-0", TID "-" SID "-0"},
      {TID "-" SID "-d", TID "-" SID "-d"},
      {TID "-" SID, TID "-" SID "-0"},
      {TID "-" SID "-1-" PID, TID "-" SID "-1"},
      {TID16 "-" SID "-1", "0000000000000000" TID16 "-" SID "-1"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    otelc_kv_carrier kv;
    roundtrip_single(p, cases[i].in, &kv);
    assert_int_equal(kv.count, 1);
    assert_string_equal(kv_get(&kv, "b3"), cases[i].out);
    otelc_kv_carrier_clear(&kv);
  }
  otelc_propagator_free(p);
}

static void test_inject_multi(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_b3multi();
  otelc_kv_carrier kv;

  roundtrip_single(p, TID "-" SID "-1-" PID, &kv);
  assert_int_equal(kv.count, 3);
  assert_string_equal(kv_get(&kv, "x-b3-traceid"), TID);
  assert_string_equal(kv_get(&kv, "x-b3-spanid"), SID);
  assert_string_equal(kv_get(&kv, "x-b3-sampled"), "1");
  assert_null(kv_get(&kv, "x-b3-flags"));
  assert_null(kv_get(&kv, "x-b3-parentspanid"));
  assert_null(kv_get(&kv, "b3"));
  /* Lowercase names on the wire. */
  for (size_t i = 0; i < kv.count; i++)
    for (const char *k = kv.items[i].key; *k; k++)
      assert_false(*k >= 'A' && *k <= 'Z');
  otelc_kv_carrier_clear(&kv);

  roundtrip_single(p, TID "-" SID "-0", &kv);
  assert_int_equal(kv.count, 3);
  assert_string_equal(kv_get(&kv, "x-b3-sampled"), "0");
  otelc_kv_carrier_clear(&kv);

  /* Debug: X-B3-Flags: 1 and no X-B3-Sampled. */
  roundtrip_single(p, TID "-" SID "-d-" PID, &kv);
  assert_int_equal(kv.count, 3);
  assert_string_equal(kv_get(&kv, "x-b3-traceid"), TID);
  assert_string_equal(kv_get(&kv, "x-b3-spanid"), SID);
  assert_string_equal(kv_get(&kv, "x-b3-flags"), "1");
  assert_null(kv_get(&kv, "x-b3-sampled"));
  assert_null(kv_get(&kv, "x-b3-parentspanid"));
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);
}

static void test_debug_multi_to_single(void **state) {
  (void)state;
  otelc_propagator *m = otelc_propagator_b3multi();
  otelc_propagator *s = otelc_propagator_b3();
  otelc_context *c = EXTRACT(m, "x-b3-traceid", TID, "x-b3-spanid", SID,
                             "x-b3-flags", "1", "x-b3-parentspanid", PID);
  otelc_kv_carrier kv;
  inject_into(s, c, &kv);
  assert_string_equal(kv_get(&kv, "b3"), TID "-" SID "-d");
  otelc_kv_carrier_clear(&kv);
  inject_into(m, c, &kv);
  assert_string_equal(kv_get(&kv, "x-b3-flags"), "1");
  assert_null(kv_get(&kv, "x-b3-sampled"));
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(c);
  otelc_propagator_free(s);
  otelc_propagator_free(m);
}

static void test_inject_nothing_without_context(void **state) {
  (void)state;
  otelc_propagator *props[2] = {otelc_propagator_b3(),
                                otelc_propagator_b3multi()};
  for (size_t i = 0; i < 2; i++) {
    otelc_kv_carrier kv;
    otelc_kv_carrier_init(&kv);
    /* Nothing is current on this thread. */
    assert_int_equal(otelc_propagator_inject(props[i], NULL, &kv.carrier),
                     OTELC_OK);
    assert_int_equal(kv.count, 0);
    otelc_propagator_free(props[i]);
  }
}

static otelc_status set_fails(void *self, const char *key, const char *value) {
  (void)self;
  (void)key;
  (void)value;
  return OTELC_ERR_NOMEM;
}

static const char *get_nothing(void *self, const char *key) {
  (void)self;
  (void)key;
  return NULL;
}

static void test_inject_carrier_errors(void **state) {
  (void)state;
  otelc_propagator *props[2] = {otelc_propagator_b3(),
                                otelc_propagator_b3multi()};
  otelc_context *c = NULL;
  {
    otelc_propagator *s = otelc_propagator_b3();
    c = EXTRACT(s, "b3", TID "-" SID "-1");
    otelc_propagator_free(s);
  }
  assert_non_null(c);
  for (size_t i = 0; i < 2; i++) {
    otelc_carrier ro = {get_nothing, NULL, NULL, NULL};
    assert_int_equal(otelc_propagator_inject(props[i], c, &ro),
                     OTELC_ERR_INVALID_ARG);
    otelc_carrier failing = {get_nothing, set_fails, NULL, NULL};
    assert_int_equal(otelc_propagator_inject(props[i], c, &failing),
                     OTELC_ERR_NOMEM);
    otelc_propagator_free(props[i]);
  }
  otelc_context_release(c);
}

static void test_fields(void **state) {
  (void)state;
  otelc_propagator *s = otelc_propagator_b3();
  otelc_propagator *m = otelc_propagator_b3multi();
  const char *const *f = otelc_propagator_fields(s);
  assert_non_null(f);
  assert_string_equal(f[0], "b3");
  assert_null(f[1]);
  f = otelc_propagator_fields(m);
  assert_non_null(f);
  static const char *const want[] = {"x-b3-traceid", "x-b3-spanid",
                                     "x-b3-sampled", "x-b3-flags"};
  for (size_t i = 0; i < N_ELEMS(want); i++)
    assert_string_equal(f[i], want[i]);
  assert_null(f[N_ELEMS(want)]);
  otelc_propagator_free(m);
  otelc_propagator_free(s);
}

/* --------------------------------------------------- spans and B3 ids -- */

static void test_child_of_extracted_context(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL),
               NULL);
  otelc_propagator *p = otelc_propagator_b3();
  otelc_context *c = EXTRACT(p, "b3", TID16 "-" SID "-1-" PID);
  assert_non_null(c);

  otelc_span_start_opts o = {0};
  o.kind = OTELC_SPAN_KIND_SERVER;
  o.parent = c;
  otelc_span *child = otelc_span_start(f.tracer, "server", &o);
  otelc_span_context sc = otelc_span_get_context(child);
  char t[33], s[17];
  otelc_trace_id_to_hex(sc.trace_id, t);
  otelc_span_id_to_hex(sc.span_id, s);
  assert_string_equal(t, "0000000000000000" TID16);
  /* The B3 span id is the parent's, never reused for the server span. */
  assert_string_not_equal(s, SID);
  assert_false(sc.is_remote);
  assert_true(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  otelc_span_end(child);

  assert_int_equal(otelc_memory_exporter_count(f.mem), 1);
  otelc_span_context parent;
  assert_true(otelc_span_get_parent(fixture_span(&f, 0), &parent));
  assert_true(parent.is_remote);
  otelc_span_id_to_hex(parent.span_id, s);
  assert_string_equal(s, SID);
  otelc_trace_id_to_hex(parent.trace_id, t);
  assert_string_equal(t, "0000000000000000" TID16);

  otelc_context_release(c);
  otelc_propagator_free(p);
  fixture_free(&f);
}

static void test_unsampled_parent_gives_unsampled_child(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL),
               NULL);
  otelc_propagator *p = otelc_propagator_b3multi();
  otelc_context *c =
      EXTRACT(p, "x-b3-traceid", TID, "x-b3-spanid", SID, "x-b3-sampled", "0");
  otelc_span_start_opts o = {0};
  o.parent = c;
  otelc_span *child = otelc_span_start(f.tracer, "child", &o);
  otelc_span_context sc = otelc_span_get_context(child);
  assert_false(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  otelc_span_end(child);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 0);

  /* The decision is still propagated onwards. */
  otelc_kv_carrier kv;
  otelc_context *cc = otelc_context_with_span(NULL, child);
  inject_into(p, cc, &kv);
  assert_string_equal(kv_get(&kv, "x-b3-sampled"), "0");
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(cc);
  otelc_context_release(c);
  otelc_propagator_free(p);
  fixture_free(&f);
}

static void test_debug_survives_child_span(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL),
               NULL);
  otelc_propagator *s = otelc_propagator_b3();
  otelc_propagator *m = otelc_propagator_b3multi();
  otelc_context *c = EXTRACT(s, "b3", TID "-" SID "-d");
  assert_non_null(c);

  otelc_span_start_opts o = {0};
  o.parent = c;
  otelc_span *child = otelc_span_start(f.tracer, "child", &o);
  otelc_span_context sc = otelc_span_get_context(child);
  char sid[17];
  otelc_span_id_to_hex(sc.span_id, sid);
  otelc_scope scope = otelc_span_activate(child);

  /* Injecting the current context: the child's ids, still debug. */
  otelc_kv_carrier kv;
  inject_into(s, NULL, &kv);
  char want[64];
  snprintf(want, sizeof want, "%s-%s-d", TID, sid);
  assert_string_equal(kv_get(&kv, "b3"), want);
  otelc_kv_carrier_clear(&kv);

  inject_into(m, NULL, &kv);
  assert_string_equal(kv_get(&kv, "x-b3-spanid"), sid);
  assert_string_equal(kv_get(&kv, "x-b3-flags"), "1");
  assert_null(kv_get(&kv, "x-b3-sampled"));
  otelc_kv_carrier_clear(&kv);

  assert_int_equal(otelc_context_detach(scope), OTELC_OK);
  otelc_span_end(child);
  otelc_context_release(c);
  otelc_propagator_free(m);
  otelc_propagator_free(s);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_sampling_states),
      cmocka_unit_test(test_single_spec_example),
      cmocka_unit_test(test_single_short_trace_id),
      cmocka_unit_test(test_single_only_sampling_state),
      cmocka_unit_test(test_single_malformed),
      cmocka_unit_test(test_single_first_value_wins),
      cmocka_unit_test(test_single_empty_first_value),
      cmocka_unit_test(test_multi_sampling_states),
      cmocka_unit_test(test_multi_spec_example),
      cmocka_unit_test(test_multi_short_trace_id),
      cmocka_unit_test(test_multi_malformed),
      cmocka_unit_test(test_multi_first_value_wins),
      cmocka_unit_test(test_single_wins_over_multi),
      cmocka_unit_test(test_multi_when_single_unusable),
      cmocka_unit_test(test_extract_keeps_base),
      cmocka_unit_test(test_inject_single),
      cmocka_unit_test(test_inject_multi),
      cmocka_unit_test(test_debug_multi_to_single),
      cmocka_unit_test(test_inject_nothing_without_context),
      cmocka_unit_test(test_inject_carrier_errors),
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_child_of_extracted_context),
      cmocka_unit_test(test_unsampled_parent_gives_unsampled_child),
      cmocka_unit_test(test_debug_survives_child_span),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
