/*
 * test_otlp_grpc_unit - the gRPC parts of the OTLP exporter module
 * (libotelc_otlp) on their own: the endpoint rules (scheme, INSECURE, the
 * method as the path, lowercase header names), the message framing,
 * grpc-message decoding, the status codes' retry classes and names,
 * grpc-timeout, the trailers (grpc-status, grpc-status-details-bin with
 * RetryInfo, grpc-encoding), base64 and the RetryInfo reader.
 *
 * Linked with the module's object library (otelc_otlp_objects), whose
 * internal functions the shared library hides; see modules/otlp/
 * otlp_module.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_unit_fixture.h"

/* ------------------------------------------------------------------------ */
/* gRPC: endpoint rules, framing, status, grpc-message, trailers            */
/* ------------------------------------------------------------------------ */

#define GRPC_METHOD                                                            \
  "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

/* The URL a grpc configuration resolves to, given the variables and the
 * code's endpoint; NULL when resolution fails. Free with free(). */
static char *grpc_resolved(const char *traces, const char *generic,
                           const char *code, otelc_status *st) {
  otelc__otlp_config cfg;
  otelc_otlp_opts o = {.protocol = OTELC_OTLP_GRPC, .endpoint = code};
  set_opt("ENDPOINT", true, traces);
  set_opt("ENDPOINT", false, generic);
  *st = resolve(&o, &cfg);
  if (*st != OTELC_OK)
    return NULL;
  assert_true(cfg.grpc);
  char *url = strdup(cfg.url);
  otelc__otlp_config_free(&cfg);
  return url;
}

static void test_grpc_config(void **state) {
  (void)state;
  static const url_case cases[] = {
      /* The default is http://localhost:4317. */
      {NULL, NULL, NULL, "http://localhost:4317" GRPC_METHOD},
      /* Never extended with v1/traces; the endpoint's path, query and
       * fragment are not used; the method is the path. */
      {NULL, "http://collector:4317", NULL,
       "http://collector:4317" GRPC_METHOD},
      {NULL, "http://collector:4317/mycollector/", NULL,
       "http://collector:4317" GRPC_METHOD},
      {"https://t:1/x?y#z", "http://g:2", "http://c:3",
       "https://t:1" GRPC_METHOD},
      {NULL, NULL, "http://c:3/v1/traces", "http://c:3" GRPC_METHOD},
      {NULL, "http://g:2", "http://c:3", "http://g:2" GRPC_METHOD},
      /* User information is left out; a missing port stays missing. */
      {"http://user:pw@t:9", NULL, NULL, "http://t:9" GRPC_METHOD},
      {"https://t", NULL, NULL, "https://t" GRPC_METHOD},
      {"http://[::1]:4317", NULL, NULL, "http://[::1]:4317" GRPC_METHOD},
      /* No scheme: https unless INSECURE is true. */
      {"collector:4317", NULL, NULL, "https://collector:4317" GRPC_METHOD},
      {NULL, "collector:4317", NULL, "https://collector:4317" GRPC_METHOD},
      {NULL, NULL, "collector:4317", "https://collector:4317" GRPC_METHOD},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    otelc_status st;
    char *url =
        grpc_resolved(cases[i].traces, cases[i].generic, cases[i].code, &st);
    if (!url || strcmp(url, cases[i].want) != 0) {
      print_error("case %zu: got %s (%s), want %s\n", i, url ? url : "NULL",
                  otelc_status_name(st), cases[i].want);
      fail();
    }
    free(url);
  }

  /* INSECURE=true: an endpoint without a scheme is cleartext. */
  otelc_status st;
  set_opt("INSECURE", false, "true");
  char *url = grpc_resolved("collector:4317", NULL, NULL, &st);
  assert_string_equal(url, "http://collector:4317" GRPC_METHOD);
  free(url);
  url = grpc_resolved(NULL, NULL, "collector:4317", &st);
  assert_string_equal(url, "http://collector:4317" GRPC_METHOD);
  free(url);
  /* The scheme overrides INSECURE. */
  url = grpc_resolved("https://collector:4317", NULL, NULL, &st);
  assert_string_equal(url, "https://collector:4317" GRPC_METHOD);
  free(url);
  /* The per-signal INSECURE beats the generic one. */
  set_opt("INSECURE", true, "false");
  url = grpc_resolved("collector:4317", NULL, NULL, &st);
  assert_string_equal(url, "https://collector:4317" GRPC_METHOD);
  free(url);
  set_opt("INSECURE", false, "false");
  set_opt("INSECURE", true, "true");
  url = grpc_resolved("collector:4317", NULL, NULL, &st);
  assert_string_equal(url, "http://collector:4317" GRPC_METHOD);
  free(url);
  clear_env();

  /* HTTP/protobuf keeps its own rules (no INSECURE, v1/traces added). */
  otelc__otlp_config cfg;
  set_opt("INSECURE", false, "true");
  set_opt("ENDPOINT", false, "http://g:2");
  assert_int_equal(resolve(NULL, &cfg), OTELC_OK);
  assert_false(cfg.grpc);
  assert_string_equal(cfg.url, "http://g:2/v1/traces");
  otelc__otlp_config_free(&cfg);
  set_opt("ENDPOINT", false, "g:2");
  assert_int_equal(resolve(NULL, &cfg), OTELC_ERR_INVALID_ARG);
  clear_env();

  /* Unusable endpoints are refused as for HTTP. */
  log_reset();
  url = grpc_resolved("ftp://t:1", NULL, NULL, &st);
  assert_null(url);
  assert_int_equal(st, OTELC_ERR_INVALID_ARG);
  assert_log_has("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsupported URL scheme "
                 "'ftp'");
  url = grpc_resolved(NULL, NULL, "http://", &st);
  assert_null(url);
  assert_int_equal(st, OTELC_ERR_INVALID_ARG);
  url = grpc_resolved(NULL, "col lector:1", NULL, &st);
  assert_null(url);
  assert_int_equal(st, OTELC_ERR_INVALID_ARG);
  clear_env();

  /* Header names in lowercase, for HTTP/2; values untouched. */
  otelc_otlp_opts h = {.protocol = OTELC_OTLP_GRPC,
                       .headers = "X-Api-Key=Va%20Lue,Empty="};
  assert_int_equal(resolve(&h, &cfg), OTELC_OK);
  assert_int_equal(cfg.n_headers, 2);
  assert_string_equal(cfg.headers[0], "x-api-key: Va Lue");
  assert_string_equal(cfg.headers[1], "empty;");
  otelc__otlp_config_free(&cfg);
  h.protocol = OTELC_OTLP_HTTP_PROTOBUF;
  assert_int_equal(resolve(&h, &cfg), OTELC_OK);
  assert_string_equal(cfg.headers[0], "X-Api-Key: Va Lue");
  otelc__otlp_config_free(&cfg);

  /* The pure helpers on their own. */
  char *out = NULL;
  assert_int_equal(otelc__otlp_grpc_with_scheme("h:1", true, &out), OTELC_OK);
  assert_string_equal(out, "http://h:1");
  free(out);
  assert_int_equal(otelc__otlp_grpc_with_scheme("h:1", false, &out), OTELC_OK);
  assert_string_equal(out, "https://h:1");
  free(out);
  assert_int_equal(otelc__otlp_grpc_with_scheme("HTTP://h:1", false, &out),
                   OTELC_OK);
  assert_string_equal(out, "HTTP://h:1");
  free(out);
  assert_int_equal(otelc__otlp_grpc_url("h:1/p", true, GRPC_METHOD, &out),
                   OTELC_OK);
  assert_string_equal(out, "http://h:1" GRPC_METHOD);
  free(out);
}

static void test_grpc_framing(void **state) {
  (void)state;
  uint8_t b[16];
  otelc__otlp_grpc_frame(b, false, 0x01020304u);
  static const uint8_t want[] = {0, 1, 2, 3, 4};
  assert_memory_equal(b, want, 5);
  otelc__otlp_grpc_frame(b, true, 3);
  static const uint8_t want_z[] = {1, 0, 0, 0, 3};
  assert_memory_equal(b, want_z, 5);
  memcpy(b + 5, "abc", 3);

  bool z = false;
  const uint8_t *m = NULL;
  size_t ml = 0;
  assert_true(otelc__otlp_grpc_unframe(b, 8, &z, &m, &ml));
  assert_true(z);
  assert_ptr_equal(m, b + 5);
  assert_int_equal(ml, 3);
  /* Bytes after the first message are not its. */
  assert_true(otelc__otlp_grpc_unframe(b, 12, &z, &m, &ml));
  assert_int_equal(ml, 3);
  /* Too short for the prefix or for the length it announces. */
  assert_false(otelc__otlp_grpc_unframe(b, 7, &z, &m, &ml));
  assert_false(otelc__otlp_grpc_unframe(b, 4, &z, &m, &ml));
  assert_false(otelc__otlp_grpc_unframe(NULL, 0, &z, &m, &ml));
  /* An empty message. */
  otelc__otlp_grpc_frame(b, false, 0);
  assert_true(otelc__otlp_grpc_unframe(b, 5, &z, &m, &ml));
  assert_false(z);
  assert_int_equal(ml, 0);
  /* A flag other than 0 or 1. */
  b[0] = 2;
  assert_false(otelc__otlp_grpc_unframe(b, 5, &z, &m, &ml));
  /* A length that would wrap. */
  static const uint8_t huge[] = {0, 0xff, 0xff, 0xff, 0xff, 0};
  assert_false(otelc__otlp_grpc_unframe(huge, sizeof huge, &z, &m, &ml));

  /* A partial success inside a frame, as the exporter reads it. */
  static const uint8_t answer[] = {0,    0,    0,    0,    7,    0x0a,
                                   0x05, 0x08, 0x03, 0x12, 0x01, 'x'};
  assert_true(otelc__otlp_grpc_unframe(answer, sizeof answer, &z, &m, &ml));
  bool present = false;
  int64_t rejected = 0;
  char msg[16];
  assert_true(
      otelc__otlp_partial_pb(m, ml, &present, &rejected, msg, sizeof msg));
  assert_true(present);
  assert_int_equal(rejected, 3);
  assert_string_equal(msg, "x");
}

static void test_grpc_message(void **state) {
  (void)state;
  char out[64];
  const char *in = "a%20b%25c";
  assert_int_equal(
      otelc__otlp_grpc_decode_message(in, strlen(in), out, sizeof out), 5);
  assert_string_equal(out, "a b%c");
  /* UTF-8 as gRPC sends it. */
  in = "caf%C3%A9 %E2%9C%93";
  otelc__otlp_grpc_decode_message(in, strlen(in), out, sizeof out);
  assert_string_equal(out, "caf\xc3\xa9 \xe2\x9c\x93");
  /* Bad escapes are kept as they are, never an error. */
  in = "100% sure %zz %4";
  otelc__otlp_grpc_decode_message(in, strlen(in), out, sizeof out);
  assert_string_equal(out, "100% sure %zz %4");
  in = "end%";
  otelc__otlp_grpc_decode_message(in, strlen(in), out, sizeof out);
  assert_string_equal(out, "end%");
  /* Lowercase hex too. */
  in = "%7e%7E";
  otelc__otlp_grpc_decode_message(in, strlen(in), out, sizeof out);
  assert_string_equal(out, "~~");
  /* Cut to fit. */
  char small[4];
  in = "%41%42%43%44%45";
  assert_int_equal(
      otelc__otlp_grpc_decode_message(in, strlen(in), small, sizeof small), 3);
  assert_string_equal(small, "ABC");
  assert_int_equal(otelc__otlp_grpc_decode_message("", 0, out, sizeof out), 0);
  assert_string_equal(out, "");
}

static void test_grpc_status_class(void **state) {
  (void)state;
  /* The specification's table: retryable, and not. */
  static const long retryable[] = {1, 4, 10, 11, 14, 15};
  static const long permanent[] = {2, 3, 5, 6, 7, 9, 12, 13, 16, 17, 99, -1};
  for (size_t i = 0; i < sizeof retryable / sizeof retryable[0]; i++) {
    assert_true(otelc__otlp_grpc_retryable(retryable[i], false));
    assert_true(otelc__otlp_grpc_retryable(retryable[i], true));
  }
  for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++) {
    assert_false(otelc__otlp_grpc_retryable(permanent[i], false));
    assert_false(otelc__otlp_grpc_retryable(permanent[i], true));
  }
  /* RESOURCE_EXHAUSTED only with a RetryInfo. */
  assert_false(otelc__otlp_grpc_retryable(8, false));
  assert_true(otelc__otlp_grpc_retryable(8, true));
  /* OK is not a failure to retry. */
  assert_false(otelc__otlp_grpc_retryable(0, false));

  char buf[24];
  assert_string_equal(otelc__otlp_grpc_code_name(0, buf, sizeof buf), "OK");
  assert_string_equal(otelc__otlp_grpc_code_name(3, buf, sizeof buf),
                      "INVALID_ARGUMENT");
  assert_string_equal(otelc__otlp_grpc_code_name(14, buf, sizeof buf),
                      "UNAVAILABLE");
  assert_string_equal(otelc__otlp_grpc_code_name(16, buf, sizeof buf),
                      "UNAUTHENTICATED");
  assert_string_equal(otelc__otlp_grpc_code_name(17, buf, sizeof buf),
                      "code 17");
  assert_string_equal(otelc__otlp_grpc_code_name(-3, buf, sizeof buf),
                      "code -3");

  /* grpc-timeout: at most 8 digits. */
  otelc__otlp_grpc_timeout(0, buf, sizeof buf);
  assert_string_equal(buf, "0m");
  otelc__otlp_grpc_timeout(10000, buf, sizeof buf);
  assert_string_equal(buf, "10000m");
  otelc__otlp_grpc_timeout(99999999u, buf, sizeof buf);
  assert_string_equal(buf, "99999999m");
  otelc__otlp_grpc_timeout(100000000u, buf, sizeof buf);
  assert_string_equal(buf, "100000S");
  otelc__otlp_grpc_timeout(100000001u, buf, sizeof buf);
  assert_string_equal(buf, "100001S");
  otelc__otlp_grpc_timeout(UINT64_MAX, buf, sizeof buf);
  assert_string_equal(buf, "99999999S");
}

/* google.rpc.Status{code 14, message "x", details [Any{RetryInfo{
 * retry_delay {seconds 1, nanos 500000000}}}]}, base64 as gRPC sends it
 * (unpadded) and padded. */
#define RETRY_INFO_B64                                                         \
  "CA4SAXgaNgoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBjLlJldHJ5SW5mbxIKCggIAR" \
  "C"                                                                          \
  "AyrXuAQ"
/* google.rpc.Status{code 3, details [Any{BadRequest{}}]}. */
#define BAD_REQUEST_B64                                                        \
  "CAMaLQopdHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBjLkJhZFJlcXVlc3QSAA=="

static void grpc_line(otelc__otlp_grpc_status *g, const char *line) {
  otelc__otlp_grpc_header_line(g, line, strlen(line));
}

static void test_grpc_trailers(void **state) {
  (void)state;
  otelc__otlp_grpc_status g;
  otelc__otlp_grpc_status_reset(&g);
  /* What libcurl hands over: the status line, headers, then trailers. */
  grpc_line(&g, "HTTP/2 200 \r\n");
  grpc_line(&g, "content-type: application/grpc\r\n");
  grpc_line(&g, "\r\n");
  assert_false(g.has_status);
  grpc_line(&g, "grpc-status: 14\r\n");
  grpc_line(&g, "grpc-message: scripted%20failure%3A%20100%25\r\n");
  assert_true(g.has_status);
  assert_int_equal(g.code, 14);
  assert_string_equal(g.message, "scripted failure: 100%");
  assert_false(g.has_retry_info);
  assert_false(g.compressed);

  /* Names in any case, blanks around values. */
  otelc__otlp_grpc_status_reset(&g);
  assert_false(g.has_status);
  assert_string_equal(g.message, "");
  grpc_line(&g, "Grpc-Status:  0 \r\n");
  assert_true(g.has_status);
  assert_int_equal(g.code, 0);
  /* Not a number: as good as UNKNOWN. */
  grpc_line(&g, "grpc-status: abc");
  assert_int_equal(g.code, 2);
  grpc_line(&g, "grpc-status: 1234567");
  assert_int_equal(g.code, 2);
  grpc_line(&g, "grpc-status:");
  assert_int_equal(g.code, 2);
  /* Lookalike names are not it. */
  otelc__otlp_grpc_status_reset(&g);
  grpc_line(&g, "grpc-statusx: 3");
  grpc_line(&g, "x-grpc-status: 3");
  assert_false(g.has_status);

  /* RetryInfo in grpc-status-details-bin, unpadded and padded. */
  grpc_line(&g, "grpc-status-details-bin: " RETRY_INFO_B64 "\r\n");
  assert_true(g.has_retry_info);
  assert_int_equal(g.retry_delay_ms, 1500);
  otelc__otlp_grpc_status_reset(&g);
  grpc_line(&g, "grpc-status-details-bin: " RETRY_INFO_B64 "==");
  assert_true(g.has_retry_info);
  assert_int_equal(g.retry_delay_ms, 1500);
  /* Other details, or garbage: no RetryInfo. */
  otelc__otlp_grpc_status_reset(&g);
  grpc_line(&g, "grpc-status-details-bin: " BAD_REQUEST_B64);
  assert_false(g.has_retry_info);
  grpc_line(&g, "grpc-status-details-bin: !!!not base64");
  assert_false(g.has_retry_info);
  grpc_line(&g, "grpc-status-details-bin: CA4SAXga");
  assert_false(g.has_retry_info);

  /* grpc-encoding of the answer. */
  grpc_line(&g, "grpc-encoding: identity");
  assert_false(g.compressed);
  grpc_line(&g, "grpc-encoding: gzip");
  assert_true(g.compressed);

  /* A long grpc-message is cut, never overflows. */
  char line[4096];
  int o = snprintf(line, sizeof line, "grpc-message: ");
  while (o < (int)sizeof line - 4)
    o += snprintf(line + o, sizeof line - (size_t)o, "%%41");
  otelc__otlp_grpc_status_reset(&g);
  grpc_line(&g, line);
  assert_int_equal(strlen(g.message), sizeof g.message - 1);

  /* base64 on its own. */
  uint8_t b[8];
  assert_int_equal(otelc__otlp_base64_decode("YWJj", 4, b, sizeof b), 3);
  assert_memory_equal(b, "abc", 3);
  assert_int_equal(otelc__otlp_base64_decode("YWI=", 4, b, sizeof b), 2);
  assert_int_equal(otelc__otlp_base64_decode("YWI", 3, b, sizeof b), 2);
  assert_int_equal(otelc__otlp_base64_decode("-_8", 3, b, sizeof b), 2);
  assert_int_equal(b[0], 0xfb);
  assert_int_equal(b[1], 0xff);
  assert_int_equal(otelc__otlp_base64_decode("", 0, b, sizeof b), 0);
  assert_int_equal(otelc__otlp_base64_decode("Y", 1, b, sizeof b), (size_t)-1);
  assert_int_equal(otelc__otlp_base64_decode("YW*j", 4, b, sizeof b),
                   (size_t)-1);
  assert_int_equal(otelc__otlp_base64_decode("YWJjYWJjYWJj", 12, b, sizeof b),
                   (size_t)-1);

  /* The RetryInfo reader: durations rounded up, capped, negatives 0. */
  uint64_t ms = 7;
  static const uint8_t no_delay[] = {0x1a, 0x2b, 0x0a, 0x28};
  assert_false(
      otelc__otlp_status_retry_delay_pb(no_delay, sizeof no_delay, &ms));
  /* Any{type_url ".../google.rpc.RetryInfo", value RetryInfo{retry_delay
   * {nanos 1}}} */
  uint8_t st[96];
  static const char type[] = "type.googleapis.com/google.rpc.RetryInfo";
  size_t tl = sizeof type - 1, n = 0;
  st[n++] = 0x1a;
  st[n++] = (uint8_t)(2 + tl + 2 + 4);
  st[n++] = 0x0a;
  st[n++] = (uint8_t)tl;
  memcpy(st + n, type, tl);
  n += tl;
  st[n++] = 0x12;
  st[n++] = 4;
  st[n++] = 0x0a;
  st[n++] = 2;
  st[n++] = 0x10;
  st[n++] = 1;
  assert_true(otelc__otlp_status_retry_delay_pb(st, n, &ms));
  assert_int_equal(ms, 1);
  st[n - 2] = 0x08; /* seconds 1 */
  assert_true(otelc__otlp_status_retry_delay_pb(st, n, &ms));
  assert_int_equal(ms, 1000);
  st[n - 1] = 0x7f; /* seconds 127 */
  assert_true(otelc__otlp_status_retry_delay_pb(st, n, &ms));
  assert_int_equal(ms, 127000);
  /* Truncated: malformed. */
  assert_false(otelc__otlp_status_retry_delay_pb(st, n - 1, &ms));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_grpc_config, setup),
      cmocka_unit_test_setup(test_grpc_framing, setup),
      cmocka_unit_test_setup(test_grpc_message, setup),
      cmocka_unit_test_setup(test_grpc_status_class, setup),
      cmocka_unit_test_setup(test_grpc_trailers, setup),
  };
  return cmocka_run_group_tests(tests, capture_group_setup,
                                capture_group_teardown);
}
