/* OTLP/JSON encoding of log records: the exact text of small requests
 * (the same records as test_otlp_logs_pb.c; protobufjs's toObject of the
 * official schema reads them back to the same message), grouping by
 * resource and scope, ids in hex and 64-bit integers as strings, what is
 * left out, every body kind, UTF-8 repair and escaping, invalid
 * arguments, the request limit and allocation-free re-encoding. */
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

static otelc_log_data rec_a(void) {
  otelc_log_data d;
  memset(&d, 0, sizeof d);
  d.observed_timestamp = 5;
  d.severity = OTELC_SEVERITY_INFO;
  d.body = (otelc_value){OTELC_VALUE_STRING, 2, {.str = "hi"}};
  d.scope = &kScope;
  return d;
}

static const char kA_json[] =
    "{\"resourceLogs\":[{\"resource\":{},\"scopeLogs\":[{\"scope\":{\"name\":"
    "\"s\"},\"logRecords\":[{\"observedTimeUnixNano\":\"5\","
    "\"severityNumber\":9,\"body\":{\"stringValue\":\"hi\"}}]}]}]}";

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

static otelc_log_data rec_b(const otelc_resource *r) {
  static const uint8_t trace[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                    9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t span[8] = {0xa1, 0xa2, 0xa3, 0xa4,
                                  0xa5, 0xa6, 0xa7, 0xa8};
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
  memcpy(d.trace_id, trace, 16);
  memcpy(d.span_id, span, 8);
  d.trace_flags = 1;
  d.scope = &kB_scope;
  d.resource = r;
  return d;
}

static const char kB_json[] =
    "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":"
    "\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},\"scopeLogs\":"
    "[{\"scope\":{\"name\":\"lib\",\"version\":\"1.0\",\"attributes\":[{"
    "\"key\":\"scope.k\",\"value\":{\"stringValue\":\"v\"}}]},"
    "\"logRecords\":[{\"timeUnixNano\":\"1000\",\"observedTimeUnixNano\":"
    "\"2000\",\"severityNumber\":17,\"severityText\":\"ERROR\",\"body\":{"
    "\"kvlistValue\":{\"values\":[{\"key\":\"msg\",\"value\":{"
    "\"stringValue\":\"boom\"}},{\"key\":\"n\",\"value\":{\"intValue\":"
    "\"3\"}},{\"key\":\"list\",\"value\":{\"arrayValue\":{\"values\":[{"
    "\"stringValue\":\"a\"},{\"boolValue\":true},{\"doubleValue\":1.5},{}"
    "]}}}]}},\"attributes\":[{\"key\":\"http.status\",\"value\":{"
    "\"intValue\":\"500\"}},{\"key\":\"ok\",\"value\":{\"boolValue\":false}"
    "},{\"key\":\"raw\",\"value\":{\"bytesValue\":\"AQID\"}}],"
    "\"droppedAttributesCount\":2,\"flags\":1,\"traceId\":"
    "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"a1a2a3a4a5a6a7a8\","
    "\"eventName\":\"app.crash\"}],\"schemaUrl\":\"u\"}],\"schemaUrl\":"
    "\"r\"}]}";

static const otelc_scope_info kC_a = {.name = "a"}, kC_b = {.name = "b"};

static const char kC_json[] =
    "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":"
    "\"service.name\",\"value\":{\"stringValue\":\"one\"}}]},\"scopeLogs\":"
    "[{\"scope\":{\"name\":\"a\"},\"logRecords\":[{\"severityNumber\":5,"
    "\"body\":{\"intValue\":\"0\"}},{\"severityNumber\":5,\"body\":{"
    "\"intValue\":\"3\"}}]},{\"scope\":{\"name\":\"b\"},\"logRecords\":[{"
    "\"severityNumber\":5,\"body\":{\"intValue\":\"2\"}}]}]},{\"resource\":"
    "{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":"
    "\"two\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"a\"},\"logRecords\":"
    "[{\"severityNumber\":5,\"body\":{\"intValue\":\"1\"}}]}]}]}";

static otelc_resource *make_resource(const char *service, const char *url) {
  otelc_resource *r = NULL;
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("service.name", service)), url,
                         &r),
      OTELC_OK);
  return r;
}

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

/* Encode and compare the whole text. */
static void expect_json(otelc__buf *b, const otelc_log_data *const *recs,
                        size_t n, const char *want) {
  assert_int_equal(otelc__otlp_logs_json(b, recs, n), OTELC_OK);
  assert_false(b->failed);
  if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0) {
    print_error("got  %.*s\nwant %s\n", (int)b->len, (const char *)b->data,
                want);
    fail();
  }
}

/* The text of the one record of a one-record request (from "{" after
 * "logRecords":[ to its "}"). */
static void expect_record(otelc__buf *b, const otelc_log_data *d,
                          const char *want) {
  static const char head[] =
      "{\"resourceLogs\":[{\"resource\":{},\"scopeLogs\":[{\"scope\":{"
      "\"name\":\"s\"},\"logRecords\":[";
  static const char tail[] = "]}]}]}";
  assert_int_equal(otelc__otlp_logs_json(b, &d, 1), OTELC_OK);
  size_t h = sizeof head - 1, t = sizeof tail - 1;
  assert_true(b->len >= h + t);
  assert_memory_equal(b->data, head, h);
  assert_memory_equal(b->data + b->len - t, tail, t);
  size_t n = b->len - h - t;
  if (n != strlen(want) || memcmp(b->data + h, want, n) != 0) {
    print_error("got  %.*s\nwant %s\n", (int)n, (const char *)b->data + h,
                want);
    fail();
  }
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_exact_text(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data a = rec_a();
  const otelc_log_data *pa = &a;
  expect_json(&b, &pa, 1, kA_json);
  otelc_resource *r = make_resource("svc", "r");
  otelc_log_data d = rec_b(r);
  const otelc_log_data *pd = &d;
  expect_json(&b, &pd, 1, kB_json);
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
  expect_json(&b, p, 4, kC_json);
  otelc__buf_free(&b);
  otelc_resource_release(r1);
  otelc_resource_release(r2);
}

/* Times are quoted decimals up to UINT64_MAX, flags a plain number, ids
 * hex only when set, each on its own; nothing set gives {}. */
static void test_fields(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data d;
  memset(&d, 0, sizeof d);
  d.scope = &kScope;
  expect_record(&b, &d, "{}");

  d.timestamp = UINT64_MAX;
  d.observed_timestamp = 1;
  d.trace_flags = 0xff;
  d.span_id[7] = 1;
  expect_record(&b, &d,
                "{\"timeUnixNano\":\"18446744073709551615\","
                "\"observedTimeUnixNano\":\"1\",\"flags\":255,"
                "\"spanId\":\"0000000000000001\"}");
  memset(d.span_id, 0, 8);
  d.trace_id[0] = 0xab;
  d.trace_flags = 0;
  d.timestamp = 0;
  d.observed_timestamp = 0;
  expect_record(&b, &d, "{\"traceId\":\"ab000000000000000000000000000000\"}");

  /* Severity 1..24 written, anything else left out; empty strings and no
   * attributes left out; a dropped count alone is written. */
  memset(&d, 0, sizeof d);
  d.scope = &kScope;
  d.severity = 24;
  d.severity_text = "";
  d.event_name = "";
  d.dropped_attrs = 3;
  d.n_attrs = 2; /* without an array: none */
  expect_record(&b, &d, "{\"severityNumber\":24,\"droppedAttributesCount\":3}");
  d.severity = 25;
  d.dropped_attrs = 0;
  expect_record(&b, &d, "{}");
  d.severity = -3;
  expect_record(&b, &d, "{}");
  otelc__buf_free(&b);
}

static void test_body_kinds(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data d;
  memset(&d, 0, sizeof d);
  d.scope = &kScope;
  static const int64_t ints[] = {INT64_MIN, 0};
  static const double doubles[] = {0.1, -2};
  static const bool bools[] = {false};
  static const char *const strs[] = {"q\"uote"};
  static const uint8_t bytes[] = {0xff, 0xfe, 0xfd, 0xfc};
  static const otelc_attr inner[] = {OTELC_STR("k", "v")};
  static const otelc_value nested[] = {
      {OTELC_VALUE_MAP, 1, {.kvs = inner}},
      {OTELC_VALUE_INT_ARRAY, 2, {.ints = ints}}};
  static const struct {
    otelc_value v;
    const char *want;
  } cases[] = {
      {{OTELC_VALUE_STRING, 0, {.str = ""}}, "{\"stringValue\":\"\"}"},
      {{OTELC_VALUE_BOOL, 0, {.b = false}}, "{\"boolValue\":false}"},
      {{OTELC_VALUE_INT, 0, {.i = 0}}, "{\"intValue\":\"0\"}"},
      {{OTELC_VALUE_INT, 0, {.i = INT64_MIN}},
       "{\"intValue\":\"-9223372036854775808\"}"},
      {{OTELC_VALUE_DOUBLE, 0, {.d = 0.1}}, "{\"doubleValue\":0.1}"},
      {{OTELC_VALUE_BYTES, 4, {.bytes = bytes}},
       "{\"bytesValue\":\"//79/A==\"}"},
      {{OTELC_VALUE_INT_ARRAY, 2, {.ints = ints}},
       "{\"arrayValue\":{\"values\":[{\"intValue\":\"-9223372036854775808\"},"
       "{\"intValue\":\"0\"}]}}"},
      {{OTELC_VALUE_DOUBLE_ARRAY, 2, {.doubles = doubles}},
       "{\"arrayValue\":{\"values\":[{\"doubleValue\":0.1},"
       "{\"doubleValue\":-2}]}}"},
      {{OTELC_VALUE_BOOL_ARRAY, 1, {.bools = bools}},
       "{\"arrayValue\":{\"values\":[{\"boolValue\":false}]}}"},
      {{OTELC_VALUE_STRING_ARRAY, 1, {.strs = strs}},
       "{\"arrayValue\":{\"values\":[{\"stringValue\":\"q\\\"uote\"}]}}"},
      {{OTELC_VALUE_ARRAY, 2, {.values = nested}},
       "{\"arrayValue\":{\"values\":[{\"kvlistValue\":{\"values\":[{\"key\":"
       "\"k\",\"value\":{\"stringValue\":\"v\"}}]}},{\"arrayValue\":{"
       "\"values\":[{\"intValue\":\"-9223372036854775808\"},{\"intValue\":"
       "\"0\"}]}}]}}"},
      {{OTELC_VALUE_MAP, 0, {.kvs = NULL}},
       "{\"kvlistValue\":{\"values\":[]}}"},
      {{OTELC_VALUE_ARRAY, 0, {.values = NULL}},
       "{\"arrayValue\":{\"values\":[]}}"},
  };
  char want[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    d.body = cases[i].v;
    snprintf(want, sizeof want, "{\"body\":%s}", cases[i].want);
    expect_record(&b, &d, want);
  }
  d.body = (otelc_value){OTELC_VALUE_EMPTY, 0, {.str = NULL}};
  expect_record(&b, &d, "{}");
  otelc__buf_free(&b);
}

/* Invalid UTF-8 becomes U+FFFD (written as the escape \ufffd), control
 * characters are escaped. */
static void test_utf8_and_escapes(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data d;
  memset(&d, 0, sizeof d);
  d.scope = &kScope;
  otelc_attr attr = OTELC_STR("k\xff", "v\xc3");
  d.attrs = &attr;
  d.n_attrs = 1;
  d.severity_text = "W\xe2\x82";
  d.event_name = "e\n\x01";
  d.body = (otelc_value){OTELC_VALUE_STRING, 4, {.str = "a\x80\"z"}};
  expect_record(&b, &d,
                "{\"severityText\":\"W\\ufffd\",\"body\":{"
                "\"stringValue\":\"a\\ufffd\\\"z\"},\"attributes\":[{"
                "\"key\":\"k\\ufffd\",\"value\":{\"stringValue\":"
                "\"v\\ufffd\"}}],\"eventName\":\"e\\n\\u0001\"}");
  otelc__buf_free(&b);
}

static void test_invalid(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  otelc_log_data d = rec_a();
  const otelc_log_data *p[2] = {&d, NULL};
  assert_int_equal(otelc__otlp_logs_json(NULL, p, 1), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc__otlp_logs_json(&b, NULL, 1), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc__otlp_logs_json(&b, p, 2), OTELC_ERR_INVALID_ARG);
  /* No records: a request without resourceLogs. */
  assert_int_equal(otelc__otlp_logs_json(&b, NULL, 0), OTELC_OK);
  assert_int_equal(b.len, strlen("{\"resourceLogs\":[]}"));
  assert_memory_equal(b.data, "{\"resourceLogs\":[]}", b.len);

  otelc_otlp_buffer buf = {0};
  otelc_log_record *none[1] = {NULL};
  assert_int_equal(otelc_otlp_encode_logs(none, 1, OTELC_OTLP_JSON, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 2, OTELC_OTLP_JSON, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 0, OTELC_OTLP_JSON, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_logs(NULL, 0, OTELC_OTLP_JSON, &buf),
                   OTELC_OK);
  assert_int_equal(buf.len, strlen("{\"resourceLogs\":[]}"));
  otelc_otlp_buffer_free(&buf);
  otelc__buf_free(&b);
}

/* A request that would pass 64 MiB is refused, whether one body grows
 * past it by escaping or a length claims more than a request holds. */
static void test_request_limit(void **state) {
  (void)state;
  size_t n = 12u * 1024 * 1024; /* each byte escapes to six */
  char *big = malloc(n);
  assert_non_null(big);
  memset(big, 0x01, n);
  otelc_log_data d = rec_a();
  d.body = (otelc_value){OTELC_VALUE_STRING, n, {.str = big}};
  const otelc_log_data *p = &d;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_logs_json(&b, &p, 1), OTELC_ERR_LIMIT);
  assert_int_equal(b.len, 0);
  free(big);
  d.body = (otelc_value){
      OTELC_VALUE_STRING, OTELC__OTLP_MAX_REQUEST + 1, {.str = "short"}};
  assert_int_equal(otelc__otlp_logs_json(&b, &p, 1), OTELC_ERR_LIMIT);
  assert_int_equal(b.len, 0);
  /* The buffer is usable again. */
  d = rec_a();
  expect_json(&b, &p, 1, kA_json);
  otelc__buf_free(&b);
}

/* Re-encoding into a warm buffer allocates nothing, with or without the
 * scratch area of a mixed batch, and gives the same text. */
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
    assert_int_equal(otelc__otlp_logs_json(&b, p, n), OTELC_OK);
    size_t len = b.len;
    char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, b.data, len);
    unsigned long calls = otelc__alloc_calls();
    for (int i = 0; i < 3; i++)
      assert_int_equal(otelc__otlp_logs_json(&b, p, n), OTELC_OK);
    assert_int_equal(otelc__alloc_calls(), calls);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, copy, len);
    free(copy);
  }
  /* Many records of two scopes, from a small buffer: the scratch area
   * moves as the buffer grows and the text stays grouped. */
  enum { N = 2000 };
  otelc_log_data *many = calloc(N, sizeof *many);
  const otelc_log_data **pm = calloc(N, sizeof *pm);
  assert_non_null(many);
  assert_non_null(pm);
  for (size_t i = 0; i < N; i++) {
    many[i] = rec_a();
    many[i].scope = i % 2 ? &kC_a : &kScope;
    pm[i] = &many[i];
  }
  otelc__buf_free(&b);
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_logs_json(&b, pm, N), OTELC_OK);
  /* The text is not NUL-terminated: search within its length. */
  const char *text = (const char *)b.data, *end = text + b.len;
  size_t count = 0;
  for (const char *q = text;
       (q = memmem(q, (size_t)(end - q), "\"scope\":", 8)); q++)
    count++;
  assert_int_equal(count, 2);
  assert_int_equal(memcmp(text, "{\"resourceLogs\":[{", 18), 0);
  assert_int_equal(memcmp(end - 6, "]}]}]}", 6), 0);
  free(pm);
  free(many);
  otelc__buf_free(&b);
  otelc_resource_release(r1);
  otelc_resource_release(r2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_text),
      cmocka_unit_test(test_grouping),
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_body_kinds),
      cmocka_unit_test(test_utf8_and_escapes),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_request_limit),
      cmocka_unit_test(test_no_allocation_when_warm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
