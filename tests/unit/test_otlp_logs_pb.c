/* OTLP protobuf encoding of log records: exact bytes of small requests
 * (as the official opentelemetry-proto schema, through protobufjs,
 * encodes the same messages) including grouping by resource and scope,
 * every body kind, flags as fixed32, ids only when not zero, severities
 * outside the enum left out, UTF-8 repair, invalid arguments, the request
 * limit, running out of memory, and allocation-free re-encoding. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/internal.h"
#include "export/otlp/otlp_internal.h"
#include "otelc/logs.h"
#include "otelc/otelc.h"
#include "otelc/otlp_encode.h"

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

static const otelc_scope_info kScope = {.name = "s"};

/* A: what a plain emit gives: observed time, severity, a string body. */
static otelc_log_data rec_a(void) {
  otelc_log_data d;
  memset(&d, 0, sizeof d);
  d.observed_timestamp = 5;
  d.severity = OTELC_SEVERITY_INFO;
  d.body = (otelc_value){OTELC_VALUE_STRING, 2, {.str = "hi"}};
  d.scope = &kScope;
  return d;
}

static const uint8_t kA_bytes[] = {
    0x0a, 0x1c, 0x0a, 0x00, 0x12, 0x18, 0x0a, 0x03, 0x0a, 0x01,
    0x73, 0x12, 0x11, 0x10, 0x09, 0x2a, 0x04, 0x0a, 0x02, 0x68,
    0x69, 0x59, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* B: every field; a map body holding an array of mixed kinds (an empty
 * value among them); a resource and scope with schema URLs. */
static const otelc_value kB_list[] = {{OTELC_VALUE_STRING, 1, {.str = "a"}},
                                      {OTELC_VALUE_BOOL, 0, {.b = true}},
                                      {OTELC_VALUE_DOUBLE, 0, {.d = 1.5}},
                                      {OTELC_VALUE_EMPTY, 0, {.str = NULL}}};
static const otelc_attr kB_body[] = {
    OTELC_STR("msg", "boom"),
    OTELC_INT("n", 3),
    {"list", {OTELC_VALUE_ARRAY, 4, {.values = kB_list}}}};
static const uint8_t kB_raw[] = {1, 2, 3};
static const otelc_attr kB_attrs[] = {OTELC_INT("http.status", 500),
                                      OTELC_BOOL("ok", false),
                                      OTELC_BYTES("raw", kB_raw, 3)};
static const otelc_attr kB_scope_attrs[] = {OTELC_STR("scope.k", "v")};
static const otelc_scope_info kB_scope = {.name = "lib",
                                          .version = "1.0",
                                          .schema_url = "u",
                                          .attrs = kB_scope_attrs,
                                          .n_attrs = 1};
static const uint8_t kTrace[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                   9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t kSpan[8] = {0xa1, 0xa2, 0xa3, 0xa4,
                                 0xa5, 0xa6, 0xa7, 0xa8};

static otelc_log_data rec_b(const otelc_resource *r) {
  otelc_log_data d;
  memset(&d, 0, sizeof d);
  d.timestamp = 1000;
  d.observed_timestamp = 2000;
  d.severity = OTELC_SEVERITY_ERROR;
  d.severity_text = "ERROR";
  d.body = (otelc_value){OTELC_VALUE_MAP, 3, {.kvs = kB_body}};
  d.attrs = kB_attrs;
  d.n_attrs = 3;
  d.dropped_attrs = 2;
  d.event_name = "app.crash";
  memcpy(d.trace_id, kTrace, 16);
  memcpy(d.span_id, kSpan, 8);
  d.trace_flags = 1;
  d.scope = &kB_scope;
  d.resource = r;
  return d;
}

static const uint8_t kB_bytes[] = {
    0x0a, 0xf4, 0x01, 0x0a, 0x17, 0x0a, 0x15, 0x0a, 0x0c, 0x73, 0x65, 0x72,
    0x76, 0x69, 0x63, 0x65, 0x2e, 0x6e, 0x61, 0x6d, 0x65, 0x12, 0x05, 0x0a,
    0x03, 0x73, 0x76, 0x63, 0x12, 0xd5, 0x01, 0x0a, 0x1a, 0x0a, 0x03, 0x6c,
    0x69, 0x62, 0x12, 0x03, 0x31, 0x2e, 0x30, 0x1a, 0x0e, 0x0a, 0x07, 0x73,
    0x63, 0x6f, 0x70, 0x65, 0x2e, 0x6b, 0x12, 0x03, 0x0a, 0x01, 0x76, 0x12,
    0xb3, 0x01, 0x09, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    0x11, 0x1a, 0x05, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x2a, 0x3c, 0x32, 0x3a,
    0x0a, 0x0d, 0x0a, 0x03, 0x6d, 0x73, 0x67, 0x12, 0x06, 0x0a, 0x04, 0x62,
    0x6f, 0x6f, 0x6d, 0x0a, 0x07, 0x0a, 0x01, 0x6e, 0x12, 0x02, 0x18, 0x03,
    0x0a, 0x20, 0x0a, 0x04, 0x6c, 0x69, 0x73, 0x74, 0x12, 0x18, 0x2a, 0x16,
    0x0a, 0x03, 0x0a, 0x01, 0x61, 0x0a, 0x02, 0x10, 0x01, 0x0a, 0x09, 0x21,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0a, 0x00, 0x32, 0x12,
    0x0a, 0x0b, 0x68, 0x74, 0x74, 0x70, 0x2e, 0x73, 0x74, 0x61, 0x74, 0x75,
    0x73, 0x12, 0x03, 0x18, 0xf4, 0x03, 0x32, 0x08, 0x0a, 0x02, 0x6f, 0x6b,
    0x12, 0x02, 0x10, 0x00, 0x32, 0x0c, 0x0a, 0x03, 0x72, 0x61, 0x77, 0x12,
    0x05, 0x3a, 0x03, 0x01, 0x02, 0x03, 0x38, 0x02, 0x45, 0x01, 0x00, 0x00,
    0x00, 0x4a, 0x10, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x52, 0x08, 0xa1, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0x59, 0xd0, 0x07, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x62, 0x09, 0x61, 0x70, 0x70, 0x2e, 0x63, 0x72, 0x61, 0x73,
    0x68, 0x1a, 0x01, 0x75, 0x1a, 0x01, 0x72};

/* C: four records of two resources and two scopes, interleaved (r1/a,
 * r2/a, r1/b, r1/a), each with severity 5 and its index as an int body:
 * one ResourceLogs per resource in order of appearance, one ScopeLogs per
 * scope, records in their order. */
static const otelc_scope_info kC_a = {.name = "a"}, kC_b = {.name = "b"};

static const uint8_t kC_bytes[] = {
    0x0a, 0x3f, 0x0a, 0x17, 0x0a, 0x15, 0x0a, 0x0c, 0x73, 0x65, 0x72, 0x76,
    0x69, 0x63, 0x65, 0x2e, 0x6e, 0x61, 0x6d, 0x65, 0x12, 0x05, 0x0a, 0x03,
    0x6f, 0x6e, 0x65, 0x12, 0x15, 0x0a, 0x03, 0x0a, 0x01, 0x61, 0x12, 0x06,
    0x10, 0x05, 0x2a, 0x02, 0x18, 0x00, 0x12, 0x06, 0x10, 0x05, 0x2a, 0x02,
    0x18, 0x03, 0x12, 0x0d, 0x0a, 0x03, 0x0a, 0x01, 0x62, 0x12, 0x06, 0x10,
    0x05, 0x2a, 0x02, 0x18, 0x02, 0x0a, 0x28, 0x0a, 0x17, 0x0a, 0x15, 0x0a,
    0x0c, 0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x2e, 0x6e, 0x61, 0x6d,
    0x65, 0x12, 0x05, 0x0a, 0x03, 0x74, 0x77, 0x6f, 0x12, 0x0d, 0x0a, 0x03,
    0x0a, 0x01, 0x61, 0x12, 0x06, 0x10, 0x05, 0x2a, 0x02, 0x18, 0x01};

static otelc_resource *make_resource(const char *service, const char *url) {
  otelc_resource *r = NULL;
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("service.name", service)), url,
                         &r),
      OTELC_OK);
  return r;
}

/* The four records of C into @p d (pointers into @p ptrs). */
static void recs_c(otelc_log_data d[4], const otelc_log_data *ptrs[4],
                   const otelc_resource *r1, const otelc_resource *r2) {
  const otelc_resource *res[4] = {r1, r2, r1, r1};
  const otelc_scope_info *sc[4] = {&kC_a, &kC_a, &kC_b, &kC_a};
  for (int i = 0; i < 4; i++) {
    memset(&d[i], 0, sizeof d[i]);
    d[i].severity = OTELC_SEVERITY_DEBUG;
    d[i].body = (otelc_value){OTELC_VALUE_INT, 0, {.i = i}};
    d[i].resource = res[i];
    d[i].scope = sc[i];
    ptrs[i] = &d[i];
  }
}

static void expect_bytes(otelc__buf *b, const otelc_log_data *const *recs,
                         size_t n, const uint8_t *want, size_t len) {
  assert_int_equal(otelc__otlp_logs_pb(b, recs, n), OTELC_OK);
  assert_false(b->failed);
  assert_int_equal(b->len, len);
  assert_memory_equal(b->data, want, len);
}

/* ------------------------------------------------------------------ */
/* A small protobuf reader                                             */
/* ------------------------------------------------------------------ */

typedef struct pb {
  const uint8_t *p;
  size_t n;
} pb;

static uint64_t t_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    assert_true(shift <= 63 && *p < end);
    uint8_t c = *(*p)++;
    v |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80))
      return v;
  }
}

/* Field @p num (occurrence @p idx): whether it is there, its varint or
 * fixed value in @p v, its bytes in @p sub, its wire type in @p wt. */
static bool t_find(pb m, uint32_t num, size_t idx, uint64_t *v, pb *sub,
                   unsigned *wt) {
  const uint8_t *p = m.p, *end = m.p + m.n;
  while (p < end) {
    uint64_t tag = t_varint(&p, end), val = 0;
    pb s = {NULL, 0};
    switch (tag & 7) {
    case 0:
      val = t_varint(&p, end);
      break;
    case 1:
      assert_true(end - p >= 8);
      memcpy(&val, p, 8);
      p += 8;
      break;
    case 2:
      val = t_varint(&p, end);
      assert_true(val <= (uint64_t)(end - p));
      s = (pb){p, (size_t)val};
      p += val;
      break;
    case 5: {
      uint32_t u;
      assert_true(end - p >= 4);
      memcpy(&u, p, 4);
      val = u;
      p += 4;
      break;
    }
    default:
      fail_msg("wire type %u", (unsigned)(tag & 7));
    }
    if ((tag >> 3) == num && idx-- == 0) {
      if (v)
        *v = val;
      if (sub)
        *sub = s;
      if (wt)
        *wt = (unsigned)(tag & 7);
      return true;
    }
  }
  return false;
}

static uint64_t t_field(pb m, uint32_t num) {
  uint64_t v = 0;
  if (!t_find(m, num, 0, &v, NULL, NULL))
    fail_msg("field %u not found", num);
  return v;
}

static pb t_msg(pb m, uint32_t num, size_t idx) {
  pb s = {NULL, 0};
  if (!t_find(m, num, idx, NULL, &s, NULL))
    fail_msg("field %u[%zu] not found", num, idx);
  return s;
}

/* The first record of a one-record request. */
static pb t_record(const otelc__buf *b) {
  pb req = {b->data, b->len};
  return t_msg(t_msg(t_msg(req, 1, 0), 2, 0), 2, 0);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_exact_bytes(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data a = rec_a();
  const otelc_log_data *pa = &a;
  expect_bytes(&b, &pa, 1, kA_bytes, sizeof kA_bytes);

  otelc_resource *r = make_resource("svc", "r");
  otelc_log_data d = rec_b(r);
  const otelc_log_data *pd = &d;
  expect_bytes(&b, &pd, 1, kB_bytes, sizeof kB_bytes);
  otelc_resource_release(r);
  otelc__buf_free(&b);
}

static void test_grouping(void **state) {
  (void)state;
  otelc_resource *r1 = make_resource("one", NULL);
  otelc_resource *r2 = make_resource("two", NULL);
  otelc_log_data d[4];
  const otelc_log_data *p[4];
  recs_c(d, p, r1, r2);
  otelc__buf b;
  otelc__buf_init(&b);
  expect_bytes(&b, p, 4, kC_bytes, sizeof kC_bytes);

  /* The grouping itself: order of first appearance, stable within. */
  otelc__log_batch batch = otelc__log_batch_of_data(p, 4);
  const otelc_log_data *sorted[4];
  otelc__span_group groups[4];
  assert_int_equal(otelc__otlp_group_logs(&batch, sorted, groups), 3);
  assert_ptr_equal(groups[0].resource, r1);
  assert_ptr_equal(groups[0].scope, &kC_a);
  assert_int_equal(groups[0].first, 0);
  assert_int_equal(groups[0].count, 2);
  assert_ptr_equal(groups[1].scope, &kC_b);
  assert_ptr_equal(groups[2].resource, r2);
  assert_int_equal(groups[2].first, 3);
  assert_ptr_equal(sorted[0], p[0]);
  assert_ptr_equal(sorted[1], p[3]);
  assert_ptr_equal(sorted[2], p[2]);
  assert_ptr_equal(sorted[3], p[1]);
  otelc__buf_free(&b);
  otelc_resource_release(r1);
  otelc_resource_release(r2);
}

/* flags is fixed32 (wire type 5) holding the trace flags; ids are written
 * only when not all zero, each on its own; flags 0 is left out. */
static void test_flags_and_ids(void **state) {
  (void)state;
  otelc_log_data d = rec_a();
  const otelc_log_data *p = &d;
  otelc__buf b;
  otelc__buf_init(&b);
  d.trace_flags = 0xff;
  memcpy(d.span_id, kSpan, 8);
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  pb rec = t_record(&b);
  uint64_t v = 0;
  unsigned wt = 0;
  assert_true(t_find(rec, 8, 0, &v, NULL, &wt));
  assert_int_equal(wt, 5);
  assert_int_equal(v, 0xff);
  static const uint8_t flags[] = {0x45, 0xff, 0x00, 0x00, 0x00};
  assert_non_null(memmem(rec.p, rec.n, flags, sizeof flags));
  assert_false(t_find(rec, 9, 0, NULL, NULL, NULL));
  pb sid = t_msg(rec, 10, 0);
  assert_int_equal(sid.n, 8);
  assert_memory_equal(sid.p, kSpan, 8);

  memset(d.span_id, 0, 8);
  memcpy(d.trace_id, kTrace, 16);
  d.trace_flags = 0;
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  rec = t_record(&b);
  assert_false(t_find(rec, 8, 0, NULL, NULL, NULL));
  assert_false(t_find(rec, 10, 0, NULL, NULL, NULL));
  assert_int_equal(t_msg(rec, 9, 0).n, 16);

  /* Nothing set at all: an empty LogRecord, still sent. */
  memset(&d, 0, sizeof d);
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  assert_int_equal(t_record(&b).n, 0);
  otelc__buf_free(&b);
}

/* SeverityNumber is 0..24: 1..24 written, 0 and anything else left
 * out (a receiver's schema refuses unknown enum values). */
static void test_severity_range(void **state) {
  (void)state;
  otelc_log_data d = rec_a();
  const otelc_log_data *p = &d;
  otelc__buf b;
  otelc__buf_init(&b);
  static const int kept[] = {1, 13, 24};
  for (size_t i = 0; i < 3; i++) {
    d.severity = kept[i];
    assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
    assert_int_equal(t_field(t_record(&b), 2), (uint64_t)kept[i]);
  }
  static const int dropped[] = {0, 25, -1, 1000};
  for (size_t i = 0; i < 4; i++) {
    d.severity = dropped[i];
    assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
    assert_false(t_find(t_record(&b), 2, 0, NULL, NULL, NULL));
  }
  otelc__buf_free(&b);
}

/* Every body kind as the AnyValue of field 5; EMPTY means no body. */
static void test_body_kinds(void **state) {
  (void)state;
  otelc_log_data d = rec_a();
  const otelc_log_data *p = &d;
  otelc__buf b;
  otelc__buf_init(&b);

  d.body = (otelc_value){OTELC_VALUE_EMPTY, 0, {.str = NULL}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  assert_false(t_find(t_record(&b), 5, 0, NULL, NULL, NULL));

  /* An empty string and an int 0 are values: written. */
  d.body = (otelc_value){OTELC_VALUE_STRING, 0, {.str = ""}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  pb body = t_msg(t_record(&b), 5, 0);
  assert_int_equal(body.n, 2);
  assert_memory_equal(body.p, "\x0a\x00", 2);
  d.body = (otelc_value){OTELC_VALUE_INT, 0, {.i = 0}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_record(&b), 5, 0);
  assert_memory_equal(body.p, "\x18\x00", 2);
  d.body = (otelc_value){OTELC_VALUE_INT, 0, {.i = -1}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_record(&b), 5, 0);
  assert_int_equal(body.n, 11);
  assert_int_equal(t_field(body, 3), UINT64_MAX);
  d.body = (otelc_value){OTELC_VALUE_BOOL, 0, {.b = false}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_record(&b), 5, 0);
  assert_memory_equal(body.p, "\x10\x00", 2);
  d.body = (otelc_value){OTELC_VALUE_DOUBLE, 0, {.d = -0.0}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  assert_int_equal(t_field(t_msg(t_record(&b), 5, 0), 4), 0x8000000000000000u);
  static const uint8_t bytes[] = {0, 0xff};
  d.body = (otelc_value){OTELC_VALUE_BYTES, 2, {.bytes = bytes}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_msg(t_record(&b), 5, 0), 7, 0);
  assert_int_equal(body.n, 2);
  assert_memory_equal(body.p, bytes, 2);

  /* Typed arrays become ArrayValue; a string with an explicit length
   * holding a NUL keeps it. */
  static const char *const strs[] = {"x", "yz"};
  d.body = (otelc_value){OTELC_VALUE_STRING_ARRAY, 2, {.strs = strs}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  pb arr = t_msg(t_msg(t_record(&b), 5, 0), 5, 0);
  assert_int_equal(t_msg(t_msg(arr, 1, 1), 1, 0).n, 2);
  static const int64_t ints[] = {7, -7, 0};
  d.body = (otelc_value){OTELC_VALUE_INT_ARRAY, 3, {.ints = ints}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  arr = t_msg(t_msg(t_record(&b), 5, 0), 5, 0);
  assert_int_equal(t_field(t_msg(arr, 1, 1), 3), (uint64_t)-7);
  assert_int_equal(t_field(t_msg(arr, 1, 2), 3), 0);
  d.body = (otelc_value){OTELC_VALUE_STRING, 3, {.str = "a\0b"}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_msg(t_record(&b), 5, 0), 1, 0);
  assert_int_equal(body.n, 3);
  assert_memory_equal(body.p, "a\0b", 3);

  /* An empty map and an empty array are values too. */
  d.body = (otelc_value){OTELC_VALUE_MAP, 0, {.kvs = NULL}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_record(&b), 5, 0);
  assert_memory_equal(body.p, "\x32\x00", 2);
  d.body = (otelc_value){OTELC_VALUE_ARRAY, 0, {.values = NULL}};
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  body = t_msg(t_record(&b), 5, 0);
  assert_memory_equal(body.p, "\x2a\x00", 2);
  otelc__buf_free(&b);
}

/* Invalid UTF-8 in every string field becomes U+FFFD. */
static void test_utf8_repair(void **state) {
  (void)state;
  otelc_log_data d = rec_a();
  otelc_attr attr = OTELC_STR("k\xff", "v\xc3");
  d.severity_text = "W\xe2\x82";
  d.event_name = "\xed\xa0\x80";
  d.body = (otelc_value){OTELC_VALUE_STRING, 3, {.str = "a\x80z"}};
  d.attrs = &attr;
  d.n_attrs = 1;
  const otelc_log_data *p = &d;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_OK);
  pb rec = t_record(&b);
  pb s = t_msg(rec, 3, 0);
  assert_int_equal(s.n, 4);
  assert_memory_equal(s.p, "W\xef\xbf\xbd", 4);
  s = t_msg(rec, 12, 0);
  assert_int_equal(s.n, 9);
  assert_memory_equal(s.p, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9);
  s = t_msg(t_msg(rec, 5, 0), 1, 0);
  assert_int_equal(s.n, 5);
  assert_memory_equal(s.p, "a\xef\xbf\xbdz", 5);
  pb kv = t_msg(rec, 6, 0);
  s = t_msg(kv, 1, 0);
  assert_int_equal(s.n, 4);
  assert_memory_equal(s.p, "k\xef\xbf\xbd", 4);
  s = t_msg(t_msg(kv, 2, 0), 1, 0);
  assert_memory_equal(s.p, "v\xef\xbf\xbd", 4);
  otelc__buf_free(&b);
}

static void test_invalid(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data d = rec_a();
  const otelc_log_data *p[2] = {&d, NULL};
  assert_int_equal(otelc__otlp_logs_pb(NULL, p, 1), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc__otlp_logs_pb(&b, NULL, 1), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc__otlp_logs_pb(&b, p, 2), OTELC_ERR_INVALID_ARG);
  /* No records: an empty request, which is valid. */
  assert_int_equal(otelc__otlp_logs_pb(&b, NULL, 0), OTELC_OK);
  assert_int_equal(b.len, 0);

  otelc_otlp_buffer buf = {0};
  otelc_log_record *none[1] = {NULL};
  assert_int_equal(otelc_otlp_encode_logs(none, 1, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 1, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 0, OTELC_OTLP_PROTOBUF, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 0, (otelc_otlp_format)7, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 0, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_OK);
  assert_int_equal(buf.len, 0);
  otelc_otlp_buffer_free(&buf);
  otelc__buf_free(&b);
}

/* A body claiming the whole request size, and a mixed batch with more
 * records than a request could hold: refused before they are read. */
static void test_request_limit(void **state) {
  (void)state;
  otelc_log_data d = rec_a();
  d.body = (otelc_value){
      OTELC_VALUE_STRING, OTELC__OTLP_MAX_REQUEST, {.str = "short"}};
  const otelc_log_data *p = &d;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_ERR_LIMIT);
  assert_true(b.failed);
  assert_int_equal(b.len, 0);

  /* An attribute that fits alone, twice: the second passes the limit. */
  d = rec_a();
  otelc_attr big[2] = {OTELC_STRN("a", "x", OTELC__OTLP_MAX_REQUEST / 2 + 1),
                       OTELC_STRN("b", "x", OTELC__OTLP_MAX_REQUEST / 2 + 1)};
  char *s = malloc(OTELC__OTLP_MAX_REQUEST / 2 + 1);
  assert_non_null(s);
  memset(s, 'x', OTELC__OTLP_MAX_REQUEST / 2 + 1);
  big[0].value.u.str = big[1].value.u.str = s;
  d.attrs = big;
  d.n_attrs = 2;
  assert_int_equal(otelc__otlp_logs_pb(&b, &p, 1), OTELC_ERR_LIMIT);
  free(s);

  /* The buffer is usable again. */
  d = rec_a();
  expect_bytes(&b, &p, 1, kA_bytes, sizeof kA_bytes);
  otelc__buf_free(&b);
}

/* Many records of two scopes from a small buffer (growth part way, the
 * scratch area moving with it), then out of memory at each allocation
 * in turn. */
static void test_growth_and_nomem(void **state) {
  (void)state;
  enum { N = 3000 };
  otelc_resource *r = make_resource("svc", "r");
  otelc_log_data *d = calloc(N, sizeof *d);
  const otelc_log_data **p = calloc(N, sizeof *p);
  assert_non_null(d);
  assert_non_null(p);
  for (size_t i = 0; i < N; i++) {
    d[i] = rec_b(r);
    d[i].scope = i % 2 ? &kB_scope : &kScope;
    d[i].timestamp = i + 1;
    p[i] = &d[i];
  }
  otelc__buf b;
  otelc__buf_init(&b);
  assert_true(otelc__buf_grow(&b, 1));
  assert_int_equal(otelc__otlp_logs_pb(&b, p, N), OTELC_OK);
  pb req = {b.data, b.len};
  pb rl = t_msg(req, 1, 0);
  assert_false(t_find(req, 1, 1, NULL, NULL, NULL));
  pb s0 = t_msg(rl, 2, 0), s1 = t_msg(rl, 2, 1);
  assert_int_equal(t_msg(t_msg(s0, 1, 0), 1, 0).n, 1); /* scope "s" */
  assert_int_equal(t_msg(t_msg(s1, 1, 0), 1, 0).n, 3); /* scope "lib" */
  /* Record k of each group is the record 2k (or 2k + 1) given. */
  assert_int_equal(t_field(t_msg(s0, 2, N / 2 - 1), 1), N - 1);
  assert_int_equal(t_field(t_msg(s1, 2, N / 2 - 1), 1), N);
  pb last = t_msg(s1, 2, N / 2 - 1);
  /* Past its time (9 bytes), the record is B's. */
  assert_int_equal(last.n, 0xb3);
  assert_memory_equal(last.p + 9, kB_bytes + 71, last.n - 9);

  for (long k = 0; k < 4; k++) {
    otelc__buf c;
    otelc__buf_init(&c);
    otelc__alloc_fail_after(k);
    otelc_status st = otelc__otlp_logs_pb(&c, p, N);
    otelc__alloc_fail_after(-1);
    if (st != OTELC_OK) {
      assert_int_equal(st, OTELC_ERR_NOMEM);
      assert_true(c.failed);
      assert_int_equal(c.len, 0);
    }
    otelc__buf_free(&c);
  }
  otelc__buf_free(&b);
  free(p);
  free(d);
  otelc_resource_release(r);
}

/* Re-encoding into a warm buffer allocates nothing, whether the batch is
 * one group or needs the scratch area, and gives the same bytes. */
static void test_no_allocation_when_warm(void **state) {
  (void)state;
  otelc_resource *r1 = make_resource("one", NULL);
  otelc_resource *r2 = make_resource("two", NULL);
  otelc_log_data d[4];
  const otelc_log_data *p[4];
  recs_c(d, p, r1, r2);
  otelc__buf b;
  otelc__buf_init(&b);
  static const size_t sizes[] = {4, 1};
  for (size_t k = 0; k < 2; k++) {
    size_t n = sizes[k];
    assert_int_equal(otelc__otlp_logs_pb(&b, p, n), OTELC_OK);
    size_t len = b.len;
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, b.data, len);
    unsigned long calls = otelc__alloc_calls();
    for (int i = 0; i < 3; i++)
      assert_int_equal(otelc__otlp_logs_pb(&b, p, n), OTELC_OK);
    assert_int_equal(otelc__alloc_calls(), calls);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, copy, len);
    free(copy);
  }
  otelc__buf_free(&b);
  otelc_resource_release(r1);
  otelc_resource_release(r2);
}

/* A processor that keeps the records it is given. */
typedef struct keep {
  otelc_log_record *recs[4];
  size_t n;
} keep;

static void keep_on_emit(void *self, otelc_log_record *r,
                         const otelc_context *ctx) {
  (void)ctx;
  keep *k = self;
  if (k->n < 4) {
    otelc_log_record_retain(r);
    k->recs[k->n++] = r;
  }
}

/* The public entry point over records the SDK made: the same bytes as the
 * internal one over their data, in both formats, and no allocation once
 * the buffer is warm. */
static void test_public_over_sdk_records(void **state) {
  (void)state;
  static const otelc_log_processor_ops ops = {keep_on_emit, NULL, NULL, NULL};
  keep k = {{NULL}, 0};
  otelc_log_processor *proc = NULL;
  assert_int_equal(otelc_log_processor_new(&ops, &k, &proc), OTELC_OK);
  otelc_resource *r = make_resource("svc", "r");
  otelc_logger_provider_opts po;
  memset(&po, 0, sizeof po);
  po.resource = r;
  po.processors = &proc;
  po.n_processors = 1;
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&po, &lp), OTELC_OK);
  otelc_logger *la = otelc_logger_provider_get_logger(lp, &kC_a);
  otelc_logger *lb = otelc_logger_provider_get_logger(lp, &kB_scope);
  otelc_log_emit e;
  memset(&e, 0, sizeof e);
  e.severity = OTELC_SEVERITY_WARN;
  e.body_str = "one";
  e.attrs = kB_attrs;
  e.n_attrs = 3;
  assert_int_equal(otelc_logger_emit(la, &e), OTELC_OK);
  e.body_str = "two";
  e.event_name = "ev";
  assert_int_equal(otelc_logger_emit(lb, &e), OTELC_OK);
  assert_int_equal(otelc_logger_emit(la, &e), OTELC_OK);
  assert_int_equal(k.n, 3);

  const otelc_log_data *d[3];
  for (size_t i = 0; i < 3; i++)
    d[i] = otelc_log_record_data(k.recs[i]);
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_otlp_buffer pub = {0};
  for (int json = 0; json < 2; json++) {
    otelc_otlp_format fmt = json ? OTELC_OTLP_JSON : OTELC_OTLP_PROTOBUF;
    assert_int_equal(json ? otelc__otlp_logs_json(&b, d, 3)
                          : otelc__otlp_logs_pb(&b, d, 3),
                     OTELC_OK);
    assert_int_equal(otelc_otlp_encode_logs(k.recs, 3, fmt, &pub), OTELC_OK);
    assert_int_equal(pub.len, b.len);
    assert_memory_equal(pub.data, b.data, b.len);
    unsigned long calls = otelc__alloc_calls();
    assert_int_equal(otelc_otlp_encode_logs(k.recs, 3, fmt, &pub), OTELC_OK);
    assert_int_equal(otelc__alloc_calls(), calls);
    assert_int_equal(pub.len, b.len);
  }
  /* Two scopes: the first and third records share one ScopeLogs. */
  assert_int_equal(otelc_otlp_encode_logs(k.recs, 3, OTELC_OTLP_PROTOBUF, &pub),
                   OTELC_OK);
  pb req = {pub.data, pub.len};
  pb rl = t_msg(req, 1, 0);
  assert_int_equal(t_msg(t_msg(rl, 2, 0), 2, 1).n > 0, 1);
  assert_false(t_find(t_msg(rl, 2, 1), 2, 1, NULL, NULL, NULL));
  otelc_otlp_buffer_free(&pub);
  otelc__buf_free(&b);
  for (size_t i = 0; i < k.n; i++)
    otelc_log_record_release(k.recs[i]);
  otelc_logger_provider_free(lp);
  otelc_resource_release(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_bytes),
      cmocka_unit_test(test_grouping),
      cmocka_unit_test(test_flags_and_ids),
      cmocka_unit_test(test_severity_range),
      cmocka_unit_test(test_body_kinds),
      cmocka_unit_test(test_utf8_repair),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_request_limit),
      cmocka_unit_test(test_growth_and_nomem),
      cmocka_unit_test(test_no_allocation_when_warm),
      cmocka_unit_test(test_public_over_sdk_records),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
