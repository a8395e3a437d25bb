/* The traceparent header: every valid and invalid form of W3C Trace
 * Context Level 2, the writer, and the tracecontext propagator over a
 * key/value carrier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_fixture.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"
#define TP(flags) "00-" TID "-" SID "-" flags
#define TID2 "12345678901234567890123456789012"
#define SID2 "1234567890123456"

static const uint8_t tid_bytes[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
                                      0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
                                      0x0e, 0x0e, 0x47, 0x36};
static const uint8_t sid_bytes[8] = {0x00, 0xf0, 0x67, 0xaa,
                                     0x0b, 0xa9, 0x02, 0xb7};

typedef struct tp_case {
  const char *in;
  size_t len; /* 0: strlen(in) */
  bool ok;
  const char *tid; /* expected on success */
  const char *sid;
  uint8_t flags;
} tp_case;

static const tp_case cases[] = {
    /* valid version 00 */
    {TP("01"), 0, true, TID, SID, 0x01},
    {TP("00"), 0, true, TID, SID, 0x00},
    {TP("02"), 0, true, TID, SID, 0x02},
    {TP("03"), 0, true, TID, SID, 0x03},
    /* reserved flag bits are dropped, the known ones kept */
    {TP("ff"), 0, true, TID, SID, 0x03},
    {TP("09"), 0, true, TID, SID, 0x01},
    {TP("fc"), 0, true, TID, SID, 0x00},
    {TP("06"), 0, true, TID, SID, 0x02},
    {"00-" TID2 "-" SID2 "-01", 0, true, TID2, SID2, 0x01},
    /* a single non-zero byte is enough */
    {"00-00000000000000000000000000000001-0000000000000001-01", 0, true,
     "00000000000000000000000000000001", "0000000000000001", 0x01},
    {"00-10000000000000000000000000000000-1000000000000000-01", 0, true,
     "10000000000000000000000000000000", "1000000000000000", 0x01},
    /* OWS around the whole value */
    {" " TP("01"), 0, true, TID, SID, 0x01},
    {"\t" TP("01"), 0, true, TID, SID, 0x01},
    {TP("01") " ", 0, true, TID, SID, 0x01},
    {TP("01") "\t", 0, true, TID, SID, 0x01},
    {"\t " TP("01") " \t", 0, true, TID, SID, 0x01},
    {"   \t\t  " TP("00") "\t\t   ", 0, true, TID, SID, 0x00},
    /* future versions, parsed by position */
    {"cc-" TID2 "-" SID2 "-01", 0, true, TID2, SID2, 0x01},
    {"cc-" TID2 "-" SID2 "-01-what-the-future-will-be-like", 0, true, TID2,
     SID2, 0x01},
    {"01-" TID "-" SID "-03-x", 0, true, TID, SID, 0x03},
    {"fe-" TID "-" SID "-ff-00-11", 0, true, TID, SID, 0x03},
    {"cc-" TID "-" SID "-01-", 0, true, TID, SID, 0x01},
    {"cc-" TID "-" SID "-01-a\tb c", 0, true, TID, SID, 0x01},
    {" cc-" TID "-" SID "-01-future ", 0, true, TID, SID, 0x01},

    /* empty and blank */
    {"", 0, false, NULL, NULL, 0},
    {" \t ", 0, false, NULL, NULL, 0},
    {"00", 0, false, NULL, NULL, 0},
    /* uppercase hex anywhere */
    {"00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01", 0, false, NULL, NULL, 0},
    {"00-" TID "-00F067AA0BA902B7-01", 0, false, NULL, NULL, 0},
    {"00-4bf92f3577b34da6a3ce929d0e0e473A-" SID "-01", 0, false, NULL, NULL, 0},
    {TP("0A"), 0, false, NULL, NULL, 0},
    {"0A-" TID "-" SID "-01", 0, false, NULL, NULL, 0},
    {"CC-" TID "-" SID "-01", 0, false, NULL, NULL, 0},
    /* non-hex characters */
    {".0-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"0.-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"00-.2345678901234567890123456789012-" SID2 "-01", 0, false, NULL, NULL,
     0},
    {"00-1234567890123456789012345678901.-" SID2 "-01", 0, false, NULL, NULL,
     0},
    {"00-" TID2 "-.234567890123456-01", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-123456789012345.-01", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-" SID2 "-.0", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-" SID2 "-0.", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-" SID2 "-0g", 0, false, NULL, NULL, 0},
    {"00-1234567890123456789012345678901x-" SID2 "-01", 0, false, NULL, NULL,
     0},
    {"00-12345678901234567890 23456789012-" SID2 "-01", 0, false, NULL, NULL,
     0},
    {"-0-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    /* wrong separators */
    {"00_" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"00-" TID2 "_" SID2 "-01", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-" SID2 "_01", 0, false, NULL, NULL, 0},
    {"00 " TID2 " " SID2 " 01", 0, false, NULL, NULL, 0},
    /* wrong version lengths */
    {"0-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"000-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"0000-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    /* trace id of 31 and 33 */
    {"00-1234567890123456789012345678901-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"00-123456789012345678901234567890123-" SID2 "-01", 0, false, NULL, NULL,
     0},
    /* parent id of 15 and 17 */
    {"00-" TID2 "-123456789012345-01", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-12345678901234567-01", 0, false, NULL, NULL, 0},
    /* flags of 1 and 3 */
    {"00-" TID2 "-" SID2 "-1", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-" SID2 "-001", 0, false, NULL, NULL, 0},
    /* all-zero ids */
    {"00-00000000000000000000000000000000-" SID2 "-01", 0, false, NULL, NULL,
     0},
    {"00-" TID2 "-0000000000000000-01", 0, false, NULL, NULL, 0},
    {"cc-00000000000000000000000000000000-" SID2 "-01", 0, false, NULL, NULL,
     0},
    /* version ff */
    {"ff-" TID2 "-" SID2 "-01", 0, false, NULL, NULL, 0},
    {"ff-" TID2 "-" SID2 "-01-future", 0, false, NULL, NULL, 0},
    /* version 00 with anything after the flags */
    {TP("01") ".", 0, false, NULL, NULL, 0},
    {TP("01") "-", 0, false, NULL, NULL, 0},
    {TP("01") "-extra", 0, false, NULL, NULL, 0},
    {"00-" TID2 "-" SID2 "-01-what-the-future-will-be-like", 0, false, NULL,
     NULL, 0},
    {TP("01") " x", 0, false, NULL, NULL, 0},
    /* future versions: short, or not followed by '-' */
    {"cc-" TID2 "-" SID2 "-1", 0, false, NULL, NULL, 0},
    {"cc-" TID2 "-" SID2 "-01.what-the-future-will-be-like", 0, false, NULL,
     NULL, 0},
    {"cc-" TID2 "-" SID2 "-011", 0, false, NULL, NULL, 0},
    {"cc-" TID2 "-" SID2 "-01-a\x01", 0, false, NULL, NULL, 0},
    {"cc-" TID2 "-" SID2 "-01-\x80", 0, false, NULL, NULL, 0},
    /* two headers joined by the carrier */
    {TP("01") "," TP("01"), 0, false, NULL, NULL, 0},
    {TP("01") ", " TP("00"), 0, false, NULL, NULL, 0},
    {"cc-" TID2 "-" SID2 "-01-x," TP("01"), 0, false, NULL, NULL, 0},
    {"cc-" TID2 "-" SID2 "-01," TP("01"), 0, false, NULL, NULL, 0},
    /* embedded NUL within len */
    {"00-4bf92f3577b34da6\0a3ce929d0e0e4736-" SID "-01", 55, false, NULL, NULL,
     0},
    {TP("01") "\0", 56, false, NULL, NULL, 0},
    {"\0" TP("01"), 56, false, NULL, NULL, 0},
    {"cc-" TID "-" SID "-01-\0", 57, false, NULL, NULL, 0},
    {"cc-" TID "-" SID "-01\0-", 57, false, NULL, NULL, 0},
    /* a valid value cut short by len */
    {TP("01"), 54, false, NULL, NULL, 0},
    {TP("01"), 1, false, NULL, NULL, 0},
};

static void hex_of(const uint8_t *b, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[b[i] >> 4];
    out[2 * i + 1] = d[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static void test_parse_table(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const tp_case *c = &cases[i];
    size_t len = c->len ? c->len : strlen(c->in);
    otelc_span_context sc, before;
    memset(&sc, 0xa5, sizeof sc);
    before = sc;
    otelc_status st = otelc_traceparent_parse(c->in, len, &sc);
    if ((st == OTELC_OK) != c->ok)
      fail_msg("case %zu (%.60s): status %d", i, c->in, (int)st);
    if (!c->ok) {
      assert_int_equal(st, OTELC_ERR_PARSE);
      if (memcmp(&sc, &before, sizeof sc) != 0)
        fail_msg("case %zu: output changed on failure", i);
      continue;
    }
    char t[33], s[17];
    hex_of(sc.trace_id, 16, t);
    hex_of(sc.span_id, 8, s);
    assert_string_equal(t, c->tid);
    assert_string_equal(s, c->sid);
    if (sc.trace_flags != c->flags)
      fail_msg("case %zu: flags %#x, want %#x", i, sc.trace_flags, c->flags);
    assert_true(sc.is_remote);
    assert_true(otelc_span_context_is_valid(&sc));
  }
}

static void test_parse_bytes(void **state) {
  (void)state;
  otelc_span_context sc;
  assert_int_equal(otelc_traceparent_parse(TP("01"), 55, &sc), OTELC_OK);
  assert_memory_equal(sc.trace_id, tid_bytes, 16);
  assert_memory_equal(sc.span_id, sid_bytes, 8);
  assert_int_equal(sc.trace_flags, OTELC_TRACE_FLAG_SAMPLED);
}

static void test_parse_null_args(void **state) {
  (void)state;
  otelc_span_context sc;
  assert_int_equal(otelc_traceparent_parse(NULL, 0, &sc),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_traceparent_parse(TP("01"), 55, NULL),
                   OTELC_ERR_INVALID_ARG);
}

/* The value is read only within len, not up to a NUL. */
static void test_parse_not_terminated(void **state) {
  (void)state;
  char *buf = malloc(55);
  assert_non_null(buf);
  memcpy(buf, TP("01"), 55);
  otelc_span_context sc;
  assert_int_equal(otelc_traceparent_parse(buf, 55, &sc), OTELC_OK);
  assert_int_equal(sc.trace_flags, 1);
  char *tail = malloc(60);
  assert_non_null(tail);
  memcpy(tail, "cc-" TID "-" SID "-01-abcd", 60);
  assert_int_equal(otelc_traceparent_parse(tail, 60, &sc), OTELC_OK);
  free(tail);
  free(buf);
}

static void test_parse_huge(void **state) {
  (void)state;
  const size_t big = (size_t)1 << 20;
  char *buf = malloc(big + 128);
  assert_non_null(buf);
  otelc_span_context sc;
  memset(&sc, 0, sizeof sc);

  memset(buf, 'x', big);
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_ERR_PARSE);
  for (size_t i = 0; i < big; i++)
    buf[i] = (char)(i * 7919u);
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_ERR_PARSE);

  /* a valid version-00 prefix followed by junk */
  memcpy(buf, TP("01"), 55);
  memset(buf + 55, 'z', big - 55);
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_ERR_PARSE);
  /* a valid higher-version prefix followed by junk */
  buf[0] = 'c';
  buf[1] = 'c';
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_ERR_PARSE);
  buf[55] = '-';
  buf[big - 1] = ',';
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_ERR_PARSE);
  assert_int_equal(sc.trace_flags, 0); /* untouched */
  /* ... which a higher version is allowed to append */
  buf[big - 1] = 'z';
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_OK);
  assert_memory_equal(sc.trace_id, tid_bytes, 16);

  /* a valid value in a megabyte of whitespace */
  memset(buf, ' ', big);
  memcpy(buf + big / 2, TP("03"), 55);
  buf[big - 1] = '\t';
  assert_int_equal(otelc_traceparent_parse(buf, big, &sc), OTELC_OK);
  assert_int_equal(sc.trace_flags, 3);
  free(buf);
}

static void test_format(void **state) {
  (void)state;
  otelc_span_context sc;
  memset(&sc, 0, sizeof sc);
  memcpy(sc.trace_id, tid_bytes, 16);
  memcpy(sc.span_id, sid_bytes, 8);
  char out[OTELC_TRACEPARENT_LEN + 1];

  sc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  assert_int_equal(otelc_traceparent_format(&sc, out), OTELC_TRACEPARENT_LEN);
  assert_string_equal(out, TP("01"));
  sc.trace_flags = 0;
  assert_int_equal(otelc_traceparent_format(&sc, out), OTELC_TRACEPARENT_LEN);
  assert_string_equal(out, TP("00"));
  /* random flag kept, reserved bits never written */
  sc.trace_flags = 0xff;
  otelc_traceparent_format(&sc, out);
  assert_string_equal(out, TP("03"));
  sc.trace_flags = OTELC_TRACE_FLAG_RANDOM | 0x80;
  otelc_traceparent_format(&sc, out);
  assert_string_equal(out, TP("02"));

  /* invalid span contexts write nothing usable */
  otelc_span_context bad = sc;
  memset(bad.trace_id, 0, 16);
  assert_int_equal(otelc_traceparent_format(&bad, out), 0);
  bad = sc;
  memset(bad.span_id, 0, 8);
  assert_int_equal(otelc_traceparent_format(&bad, out), 0);
  assert_int_equal(otelc_traceparent_format(NULL, out), 0);
}

/* format(parse(x)) is x for version 00 (flags masked), and a higher
 * version is written back as 00. */
static void test_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const tp_case *c = &cases[i];
    if (!c->ok)
      continue;
    otelc_span_context sc, again;
    size_t len = c->len ? c->len : strlen(c->in);
    assert_int_equal(otelc_traceparent_parse(c->in, len, &sc), OTELC_OK);
    char out[OTELC_TRACEPARENT_LEN + 1];
    assert_int_equal(otelc_traceparent_format(&sc, out), OTELC_TRACEPARENT_LEN);
    char want[OTELC_TRACEPARENT_LEN + 1];
    snprintf(want, sizeof want, "00-%s-%s-%02x", c->tid, c->sid, c->flags);
    assert_string_equal(out, want);
    assert_int_equal(
        otelc_traceparent_parse(out, OTELC_TRACEPARENT_LEN, &again), OTELC_OK);
    assert_memory_equal(&again.trace_id, &sc.trace_id, 16);
    assert_memory_equal(&again.span_id, &sc.span_id, 8);
    assert_int_equal(again.trace_flags, sc.trace_flags);
  }
  /* random ids */
  for (int i = 0; i < 1000; i++) {
    otelc_span_context sc, again;
    memset(&sc, 0, sizeof sc);
    for (int j = 0; j < 16; j++)
      sc.trace_id[j] = (uint8_t)rand();
    for (int j = 0; j < 8; j++)
      sc.span_id[j] = (uint8_t)rand();
    sc.trace_id[0] |= 1;
    sc.span_id[7] |= 1;
    sc.trace_flags = (uint8_t)rand();
    char out[OTELC_TRACEPARENT_LEN + 1];
    assert_int_equal(otelc_traceparent_format(&sc, out), OTELC_TRACEPARENT_LEN);
    assert_int_equal(strlen(out), OTELC_TRACEPARENT_LEN);
    assert_int_equal(
        otelc_traceparent_parse(out, OTELC_TRACEPARENT_LEN, &again), OTELC_OK);
    assert_memory_equal(again.trace_id, sc.trace_id, 16);
    assert_memory_equal(again.span_id, sc.span_id, 8);
    assert_int_equal(again.trace_flags, sc.trace_flags & 3);
  }
}

/* --------------------------------------------------------- propagator */

static const char *kv_get(otelc_kv_carrier *kv, const char *key) {
  return kv->carrier.get(kv->carrier.self, key);
}

static size_t kv_count(otelc_kv_carrier *kv) {
  return kv->count;
}

static void test_fields(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  assert_non_null(p);
  const char *const *f = otelc_propagator_fields(p);
  assert_non_null(f);
  assert_string_equal(f[0], "traceparent");
  assert_string_equal(f[1], "tracestate");
  assert_null(f[2]);
  otelc_propagator_free(p);
}

static void test_inject_span(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_propagator *p = otelc_propagator_tracecontext();
  otelc_span *span = otelc_span_start(f.tracer, "out", NULL);
  otelc_context *ctx = otelc_context_with_span(NULL, span);
  assert_non_null(ctx);

  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv.carrier), OTELC_OK);
  char want[OTELC_TRACEPARENT_LEN + 1];
  otelc_span_context sc = otelc_span_get_context(span);
  assert_int_equal(otelc_traceparent_format(&sc, want), OTELC_TRACEPARENT_LEN);
  const char *tp = kv_get(&kv, "traceparent");
  assert_non_null(tp);
  assert_string_equal(tp, want);
  assert_int_equal(tp[54] - '0', sc.trace_flags & 3);
  assert_null(kv_get(&kv, "tracestate"));
  otelc_kv_carrier_clear(&kv);

  /* the current context, when none is given */
  otelc_scope scope = otelc_span_activate(span);
  assert_int_equal(otelc_propagator_inject(p, NULL, &kv.carrier), OTELC_OK);
  assert_non_null(kv_get(&kv, "traceparent"));
  assert_string_equal(kv_get(&kv, "traceparent"), want);
  otelc_context_detach(scope);
  otelc_kv_carrier_clear(&kv);

  otelc_context_release(ctx);
  otelc_span_end(span);
  otelc_propagator_free(p);
  fixture_free(&f);
}

static void test_inject_remote_with_tracestate(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  otelc_span_context sc;
  assert_int_equal(otelc_traceparent_parse(TP("03"), 55, &sc), OTELC_OK);
  otelc_context *ctx = otelc_context_with_remote(NULL, &sc, "a=1,b=2");
  assert_non_null(ctx);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv.carrier), OTELC_OK);
  assert_string_equal(kv_get(&kv, "traceparent"), TP("03"));
  assert_string_equal(kv_get(&kv, "tracestate"), "a=1,b=2");
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

static void test_inject_nothing(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  /* no current span: nothing written */
  assert_int_equal(otelc_propagator_inject(p, NULL, &kv.carrier), OTELC_OK);
  assert_int_equal(kv_count(&kv), 0);
  assert_null(kv_get(&kv, "traceparent"));
  /* a read-only carrier cannot be injected into */
  otelc_span_context sc;
  assert_int_equal(otelc_traceparent_parse(TP("01"), 55, &sc), OTELC_OK);
  otelc_context *ctx = otelc_context_with_remote(NULL, &sc, NULL);
  otelc_carrier ro = kv.carrier;
  ro.set = NULL;
  assert_int_equal(otelc_propagator_inject(p, ctx, &ro), OTELC_ERR_INVALID_ARG);
  otelc_context_release(ctx);
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);
}

/* Extract from headers given as name/value pairs (NULL-terminated). */
static otelc_context *extract_from(otelc_propagator *p,
                                   const otelc_context *base,
                                   const char *const *hv) {
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  for (size_t i = 0; hv[i]; i += 2)
    assert_int_equal(otelc_kv_carrier_add(&kv, hv[i], hv[i + 1]), OTELC_OK);
  otelc_context *ctx = otelc_propagator_extract(p, base, &kv.carrier);
  otelc_kv_carrier_clear(&kv);
  return ctx;
}

static void test_extract(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"traceparent", TP("01"), "tracestate", " a=1 ,, b=2\t",
                      NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  assert_non_null(ctx);
  otelc_span_context sc;
  assert_true(otelc_context_span_context(ctx, &sc));
  assert_true(sc.is_remote);
  assert_memory_equal(sc.trace_id, tid_bytes, 16);
  assert_memory_equal(sc.span_id, sid_bytes, 8);
  assert_int_equal(sc.trace_flags, OTELC_TRACE_FLAG_SAMPLED);
  assert_null(otelc_context_span(ctx));
  assert_non_null(otelc_context_tracestate(ctx));
  assert_string_equal(otelc_context_tracestate(ctx), "a=1,b=2");

  /* and back out unchanged */
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv.carrier), OTELC_OK);
  assert_string_equal(kv_get(&kv, "traceparent"), TP("01"));
  assert_string_equal(kv_get(&kv, "tracestate"), "a=1,b=2");
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

static void test_extract_header_case(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"TrAcEpArEnT", TP("00"), "TRACESTATE", "foo=1", NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  otelc_span_context sc;
  assert_true(otelc_context_span_context(ctx, &sc));
  assert_memory_equal(sc.trace_id, tid_bytes, 16);
  assert_string_equal(otelc_context_tracestate(ctx), "foo=1");
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

static void test_extract_child_span(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"traceparent", TP("01"), NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  assert_non_null(ctx);

  otelc_span_start_opts o = {.parent = ctx};
  otelc_span *child = otelc_span_start(f.tracer, "in", &o);
  otelc_span_context cc = otelc_span_get_context(child);
  assert_memory_equal(cc.trace_id, tid_bytes, 16);
  assert_memory_not_equal(cc.span_id, sid_bytes, 8);
  assert_false(cc.is_remote);
  otelc_span_context parent;
  assert_true(otelc_span_get_parent(child, &parent));
  assert_memory_equal(parent.trace_id, tid_bytes, 16);
  assert_memory_equal(parent.span_id, sid_bytes, 8);
  assert_true(parent.is_remote);

  /* attached, the extracted context parents spans started with no
   * explicit parent */
  otelc_scope scope = otelc_context_attach(ctx);
  otelc_span *implicit = otelc_span_start(f.tracer, "implicit", NULL);
  assert_true(otelc_span_get_parent(implicit, &parent));
  assert_memory_equal(parent.span_id, sid_bytes, 8);
  otelc_span_end(implicit);
  otelc_context_detach(scope);

  otelc_span_end(child);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
  fixture_free(&f);
}

static void test_extract_unsampled_propagates(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"traceparent", TP("00"), "tracestate", "k=v", NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  assert_non_null(ctx);
  otelc_span_context sc;
  assert_true(otelc_context_span_context(ctx, &sc));
  assert_int_equal(sc.trace_flags, 0);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv.carrier), OTELC_OK);
  assert_string_equal(kv_get(&kv, "traceparent"), TP("00"));
  assert_string_equal(kv_get(&kv, "tracestate"), "k=v");
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

static void test_extract_future_version_downgraded(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"traceparent",
                      "cc-" TID "-" SID "-ff-what-the-future-will-be-like",
                      NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  assert_non_null(ctx);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv.carrier), OTELC_OK);
  assert_string_equal(kv_get(&kv, "traceparent"), TP("03"));
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

static void test_extract_invalid_gives_base(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *bad[] = {"traceparent", "00-" TID "-" SID "-01-x", "tracestate",
                       "a=1", NULL};
  assert_null(extract_from(p, NULL, bad));
  const char *absent[] = {"tracestate", "a=1", NULL};
  assert_null(extract_from(p, NULL, absent));
  const char *none[] = {NULL};
  assert_null(extract_from(p, NULL, none));

  /* with a base: a reference to it, untouched */
  otelc_span_context bsc;
  assert_int_equal(otelc_traceparent_parse("00-" TID2 "-" SID2 "-01", 55, &bsc),
                   OTELC_OK);
  otelc_context *base = otelc_context_with_remote(NULL, &bsc, "base=1");
  assert_non_null(base);
  otelc_context *ctx = extract_from(p, base, bad);
  assert_ptr_equal(ctx, base);
  otelc_span_context sc;
  assert_true(otelc_context_span_context(ctx, &sc));
  assert_memory_equal(sc.trace_id, bsc.trace_id, 16);
  assert_string_equal(otelc_context_tracestate(ctx), "base=1");
  otelc_context_release(ctx);

  /* a valid one replaces the base's span context and tracestate */
  const char *good[] = {"traceparent", TP("01"), NULL};
  ctx = extract_from(p, base, good);
  assert_true(otelc_context_span_context(ctx, &sc));
  assert_memory_equal(sc.trace_id, tid_bytes, 16);
  const char *ts = otelc_context_tracestate(ctx);
  assert_true(ts == NULL || ts[0] == '\0');
  otelc_context_release(ctx);
  otelc_context_release(base);
  otelc_propagator_free(p);
}

static void test_extract_two_traceparents(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"traceparent", "00-" TID2 "-" SID2 "-01", "traceparent",
                      TP("01"), NULL};
  assert_null(extract_from(p, NULL, hv));
  const char *same[] = {"traceparent", TP("01"), "traceparent", TP("01"), NULL};
  assert_null(extract_from(p, NULL, same));
  const char *future[] = {"traceparent", "cc-" TID "-" SID "-01-x",
                          "traceparent", TP("01"), NULL};
  assert_null(extract_from(p, NULL, future));
  otelc_propagator_free(p);
}

static void test_extract_bad_tracestate_keeps_traceparent(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  static const char *const bad_ts[] = {"foo=1,foo=2",  "FOO=1",     "foo =1",
                                       "@foo=1,bar=2", "foo.bar=1", "a=1=2",
                                       "novalue",      "a="};
  for (size_t i = 0; i < sizeof bad_ts / sizeof bad_ts[0]; i++) {
    const char *hv[] = {"traceparent", TP("01"), "tracestate", bad_ts[i], NULL};
    otelc_context *ctx = extract_from(p, NULL, hv);
    otelc_span_context sc;
    assert_true(otelc_context_span_context(ctx, &sc));
    assert_memory_equal(sc.trace_id, tid_bytes, 16);
    const char *ts = otelc_context_tracestate(ctx);
    if (ts && ts[0])
      fail_msg("tracestate %s kept as %s", bad_ts[i], ts);
    otelc_context_release(ctx);
  }
  /* 33 members: the whole tracestate goes */
  char many[33 * 8];
  size_t o = 0;
  for (int i = 0; i < 33; i++)
    o += (size_t)sprintf(many + o, "%sk%d=1", i ? "," : "", i);
  const char *hv[] = {"traceparent", TP("01"), "tracestate", many, NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  assert_non_null(ctx);
  const char *ts = otelc_context_tracestate(ctx);
  assert_true(ts == NULL || ts[0] == '\0');
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

static void test_extract_tracestate_headers_combined(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  const char *hv[] = {"traceparent", TP("00"),     "tracestate",
                      "foo=1,bar=2", "tracestate", "rojo=1,congo=2",
                      "tracestate",  "",           "tracestate",
                      "baz=3",       NULL};
  otelc_context *ctx = extract_from(p, NULL, hv);
  assert_string_equal(otelc_context_tracestate(ctx),
                      "foo=1,bar=2,rojo=1,congo=2,baz=3");
  otelc_context_release(ctx);
  /* duplicates across headers are duplicates too */
  const char *dup[] = {"traceparent", TP("00"), "tracestate", "foo=1",
                       "tracestate",  "foo=1",  NULL};
  ctx = extract_from(p, NULL, dup);
  assert_non_null(ctx);
  const char *ts = otelc_context_tracestate(ctx);
  assert_true(ts == NULL || ts[0] == '\0');
  otelc_context_release(ctx);
  /* an empty header carries nothing */
  const char *empty[] = {"traceparent", TP("00"), "tracestate", "", NULL};
  ctx = extract_from(p, NULL, empty);
  assert_non_null(ctx);
  ts = otelc_context_tracestate(ctx);
  assert_true(ts == NULL || ts[0] == '\0');
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

/* The carrier is only asked for tracestate once traceparent is valid. */
typedef struct spy {
  const char *tp;
  int tracestate_reads;
} spy;

static const char *spy_get(void *self, const char *key) {
  spy *s = self;
  if (strcmp(key, "traceparent") == 0)
    return s->tp;
  if (strcmp(key, "tracestate") == 0) {
    s->tracestate_reads++;
    return "a=1";
  }
  return NULL;
}

static void test_extract_tracestate_not_read_when_invalid(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_tracecontext();
  spy s = {"00-" TID "-" SID "-0x", 0};
  otelc_carrier c = {spy_get, NULL, NULL, &s};
  assert_null(otelc_propagator_extract(p, NULL, &c));
  assert_int_equal(s.tracestate_reads, 0);
  s.tp = TP("01");
  otelc_context *ctx = otelc_propagator_extract(p, NULL, &c);
  assert_non_null(ctx);
  assert_int_equal(s.tracestate_reads, 1);
  assert_string_equal(otelc_context_tracestate(ctx), "a=1");
  otelc_context_release(ctx);
  otelc_propagator_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_table),
      cmocka_unit_test(test_parse_bytes),
      cmocka_unit_test(test_parse_null_args),
      cmocka_unit_test(test_parse_not_terminated),
      cmocka_unit_test(test_parse_huge),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_inject_span),
      cmocka_unit_test(test_inject_remote_with_tracestate),
      cmocka_unit_test(test_inject_nothing),
      cmocka_unit_test(test_extract),
      cmocka_unit_test(test_extract_header_case),
      cmocka_unit_test(test_extract_child_span),
      cmocka_unit_test(test_extract_unsampled_propagates),
      cmocka_unit_test(test_extract_future_version_downgraded),
      cmocka_unit_test(test_extract_invalid_gives_base),
      cmocka_unit_test(test_extract_two_traceparents),
      cmocka_unit_test(test_extract_bad_tracestate_keeps_traceparent),
      cmocka_unit_test(test_extract_tracestate_headers_combined),
      cmocka_unit_test(test_extract_tracestate_not_read_when_invalid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
