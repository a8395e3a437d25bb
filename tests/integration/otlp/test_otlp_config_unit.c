/*
 * test_otlp_config_unit - the OTLP exporter module (libotelc_otlp) on its
 * own, without a network: the configuration rules (every endpoint example
 * of the specification, precedence, URL checks, headers, enumerations,
 * timeouts, TLS files), the retry policy (which answers are retried,
 * Retry-After, backoff), and the response readers (partial success and
 * google.rpc.Status in protobuf and JSON, random input, quoting).
 *
 * Linked with the module's object library (otelc_otlp_objects), whose
 * internal functions the shared library hides; see modules/otlp/
 * otlp_module.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "otlp_unit_fixture.h"

/* ------------------------------------------------------------------------ */
/* Endpoint rules                                                            */
/* ------------------------------------------------------------------------ */

static void test_endpoint_table(void **state) {
  (void)state;
  static const url_case cases[] = {
      /* The specification's examples (spec facts 1.8). */
      {NULL, NULL, NULL, "http://localhost:4318/v1/traces"},
      {NULL, "http://collector:4318", NULL, "http://collector:4318/v1/traces"},
      {NULL, "http://collector:4318/mycollector/", NULL,
       "http://collector:4318/mycollector/v1/traces"},
      {"http://collector:4318", NULL, NULL, "http://collector:4318/"},
      /* A base without a trailing slash gets one. */
      {NULL, "http://collector:4318/base", NULL,
       "http://collector:4318/base/v1/traces"},
      {NULL, "http://collector:4318/", NULL, "http://collector:4318/v1/traces"},
      /* A per-signal URL is used as is. */
      {"http://collector:4318/custom/path", NULL, NULL,
       "http://collector:4318/custom/path"},
      {"http://collector:4318/v1/traces/", NULL, NULL,
       "http://collector:4318/v1/traces/"},
      {"http://collector:4318/v1/logs", NULL, NULL,
       "http://collector:4318/v1/logs"},
      /* The per-signal variable beats the generic one, both beat code. */
      {"https://t:1/x", "http://g:2", NULL, "https://t:1/x"},
      {NULL, "https://g:2/", "http://code:3/c", "https://g:2/v1/traces"},
      {"http://t:1/x", NULL, "http://code:3/", "http://t:1/x"},
      {"http://t:1/x", "http://g:2", "http://code:3/", "http://t:1/x"},
      /* Code is used like the per-signal variable. */
      {NULL, NULL, "http://code:3", "http://code:3/"},
      {NULL, NULL, "http://code:3/v1/traces", "http://code:3/v1/traces"},
      /* Queries stay at the end; the path is what gets the suffix. */
      {NULL, "http://g:2?k=v", NULL, "http://g:2/v1/traces?k=v"},
      {NULL, "http://g:2/p?k=v", NULL, "http://g:2/p/v1/traces?k=v"},
      {"http://t:1?k=v", NULL, NULL, "http://t:1/?k=v"},
      {"http://t:1#f", NULL, NULL, "http://t:1/#f"},
      /* Blanks around the value are not part of the URL; empty means
       * unset. */
      {NULL, "  http://g:2\t", NULL, "http://g:2/v1/traces"},
      {"", "http://g:2", NULL, "http://g:2/v1/traces"},
      {"   ", "http://g:2", NULL, "http://g:2/v1/traces"},
      /* Scheme case, IPv6 literals, user information, default ports. */
      {NULL, "HTTP://G:2", NULL, "HTTP://G:2/v1/traces"},
      {NULL, "http://[::1]:4318", NULL, "http://[::1]:4318/v1/traces"},
      {NULL, "https://user:pw@g", NULL, "https://user:pw@g/v1/traces"},
      {NULL, "https://g.example.com", NULL, "https://g.example.com/v1/traces"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const url_case *c = &cases[i];
    clear_env();
    set_opt("ENDPOINT", true, c->traces);
    set_opt("ENDPOINT", false, c->generic);
    otelc_otlp_opts o = {.endpoint = c->code};
    otelc__otlp_config cfg;
    otelc_status st = otelc__otlp_config_resolve(&otelc__otlp_traces, &o, &cfg);
    if (st != OTELC_OK || strcmp(cfg.url, c->want) != 0) {
      print_error("case %zu (traces=%s generic=%s code=%s): got %s (%s), "
                  "want %s\n",
                  i, c->traces ? c->traces : "-", c->generic ? c->generic : "-",
                  c->code ? c->code : "-", st == OTELC_OK ? cfg.url : "-",
                  otelc_status_name(st), c->want);
      fail();
    }
    otelc__otlp_config_free(&cfg);
  }
}

typedef struct bad_url_case {
  const char *traces, *generic, *code, *log;
} bad_url_case;

static void test_endpoint_invalid(void **state) {
  (void)state;
  static const bad_url_case cases[] = {
      {NULL, "ftp://g:2", NULL,
       "OTEL_EXPORTER_OTLP_ENDPOINT: unsupported URL scheme 'ftp'"},
      {"grpc://t:1", "http://g:2", NULL,
       "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsupported URL scheme 'grpc'"},
      {NULL, "collector:4318", NULL,
       "OTEL_EXPORTER_OTLP_ENDPOINT: not an http:// or https:// URL"},
      {NULL, "localhost", NULL,
       "OTEL_EXPORTER_OTLP_ENDPOINT: not an http:// or https:// URL"},
      {NULL, "http://", NULL,
       "OTEL_EXPORTER_OTLP_ENDPOINT: the URL has no "
       "host"},
      {"http:///v1/traces", NULL, NULL,
       "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the URL has no host"},
      {NULL, "http://user@:1/", NULL, "the URL has no host"},
      {NULL, "http://a b:1", NULL, "spaces or control characters"},
      {NULL, NULL, "file:///etc/passwd",
       "otelc_otlp_opts.endpoint: unsupported URL scheme 'file'"},
      /* The code's endpoint is checked even when the environment
       * overrides it. */
      {NULL, "http://ok:1", "ftp://x", "otelc_otlp_opts.endpoint"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bad_url_case *c = &cases[i];
    clear_env();
    log_reset();
    set_opt("ENDPOINT", true, c->traces);
    set_opt("ENDPOINT", false, c->generic);
    otelc_otlp_opts o = {.endpoint = c->code};
    otelc__otlp_config cfg;
    otelc_status st = otelc__otlp_config_resolve(&otelc__otlp_traces, &o, &cfg);
    if (st != OTELC_ERR_INVALID_ARG || !log_has(c->log)) {
      print_error("case %zu: %s, log:\n%s", i, otelc_status_name(st), g_log);
      fail();
    }
    assert_null(cfg.url);
    /* The exporter refuses to be created, and says nothing else. */
    static int dummy;
    otelc_span_exporter *e = (otelc_span_exporter *)&dummy;
    assert_int_equal(otelc_otlp_span_exporter_new(&o, &e),
                     OTELC_ERR_INVALID_ARG);
    assert_null(e);
  }
}

static void test_url_helpers(void **state) {
  (void)state;
  char out[64];
  otelc__otlp_url_for_log("http://user:pw@host:1/p?token=abc#frag", out,
                          sizeof out);
  assert_string_equal(out, "http://host:1/p");
  otelc__otlp_url_for_log("https://h", out, sizeof out);
  assert_string_equal(out, "https://h");
  otelc__otlp_url_for_log("junk", out, sizeof out);
  assert_string_equal(out, "(not a URL)");
  char small[12];
  otelc__otlp_url_for_log("http://a-very-long-host-name:4318/", small,
                          sizeof small);
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_string_equal(small + sizeof small - 4, "...");

  char scheme[8];
  assert_int_equal(otelc__otlp_url_check("https://h:1/x", scheme, 8),
                   OTELC__URL_OK);
  assert_int_equal(otelc__otlp_url_check("gopher+x://h", scheme, 8),
                   OTELC__URL_BAD_SCHEME);
  assert_string_equal(scheme, "gopher+");
  assert_int_equal(otelc__otlp_url_check("://h", scheme, 8),
                   OTELC__URL_NO_SCHEME);
  assert_int_equal(otelc__otlp_url_check("http://h\n", scheme, 8),
                   OTELC__URL_BAD_CHAR);
  assert_int_equal(otelc__otlp_url_check("http://:80/", scheme, 8),
                   OTELC__URL_NO_HOST);
}

/* ------------------------------------------------------------------------ */
/* Headers                                                                   */
/* ------------------------------------------------------------------------ */

static void expect_headers(const char *in, const char *const *want,
                           size_t n_want) {
  char **h = NULL;
  size_t n = 99, bad = 99;
  otelc_status st = otelc__otlp_parse_headers(in, &h, &n, &bad);
  if (st != OTELC_OK || n != n_want) {
    print_error("'%s': %s, %zu headers, want %zu\n", in, otelc_status_name(st),
                n, n_want);
    fail();
  }
  for (size_t i = 0; i < n; i++)
    assert_string_equal(h[i], want[i]);
  otelc__otlp_headers_free(h, n);
}

static void expect_bad_headers(const char *in, size_t entry) {
  char **h = (char **)1;
  size_t n = 99, bad = 0;
  otelc_status st = otelc__otlp_parse_headers(in, &h, &n, &bad);
  if (st != OTELC_ERR_PARSE || bad != entry || h || n) {
    print_error("'%s': %s, entry %zu, want ERR_PARSE at %zu\n", in,
                otelc_status_name(st), bad, entry);
    fail();
  }
}

static void test_headers_parse(void **state) {
  (void)state;
  expect_headers("a=b", (const char *[]){"a: b"}, 1);
  expect_headers(" a = b , c=d%20e,,", (const char *[]){"a: b", "c: d e"}, 2);
  expect_headers("Authorization=Basic%20dXNlcjpwYXNz%3D%3D",
                 (const char *[]){"Authorization: Basic dXNlcjpwYXNz=="}, 1);
  expect_headers("k=", (const char *[]){"k;"}, 1);
  expect_headers("k=v=w", (const char *[]){"k: v=w"}, 1);
  expect_headers("x-tenant=acme,x-api-key=s%2Cecret%25",
                 (const char *[]){"x-tenant: acme", "x-api-key: s,ecret%"}, 2);
  expect_headers("k=%C3%A9t%C3%A9", (const char *[]){"k: \xc3\xa9t\xc3\xa9"},
                 1);
  expect_headers("!#$%&'*+-.^_`|~09azAZ=v",
                 (const char *[]){"!#$%&'*+-.^_`|~09azAZ: v"}, 1);
  expect_headers("", NULL, 0);
  expect_headers(" , ,, ", NULL, 0);

  expect_bad_headers("a", 1);
  expect_bad_headers("a=b,c", 2);
  expect_bad_headers("a=b,,=c", 3);
  expect_bad_headers("a b=c", 1);
  expect_bad_headers("a:b=c", 1);
  expect_bad_headers("a=%zz", 1);
  expect_bad_headers("a=%4", 1);
  expect_bad_headers("a=1,b=%0d%0aX-Injected: 1", 2);
  expect_bad_headers("a=%0a", 1);
  expect_bad_headers("a=x%00y", 1);
  expect_bad_headers("\xc3\xa9=v", 1);
}

static void test_headers_env(void **state) {
  (void)state;
  otelc__otlp_config cfg;
  /* A malformed per-signal variable is ignored as a whole, reported
   * without its value; the generic one applies. */
  set_opt("HEADERS", true, "x-api-key=topsecret%zz");
  set_opt("HEADERS", false, "g=1");
  otelc_otlp_opts o = {.headers = "code=1"};
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_traces, &o, &cfg),
                   OTELC_OK);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "g: 1");
  assert_log_has("OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1");
  assert_false(log_has("topsecret"));
  assert_false(log_has("x-api-key"));
  otelc__otlp_config_free(&cfg);

  /* Both malformed: the code's list. */
  log_reset();
  set_opt("HEADERS", false, "novalue,secret2=x");
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_traces, &o, &cfg),
                   OTELC_OK);
  assert_int_equal(cfg.n_headers, 1);
  assert_string_equal(cfg.headers[0], "code: 1");
  assert_log_has("OTEL_EXPORTER_OTLP_HEADERS: entry 1");
  assert_false(log_has("novalue"));
  assert_false(log_has("topsecret"));
  otelc__otlp_config_free(&cfg);

  /* A valid per-signal list replaces everything else. */
  set_opt("HEADERS", true, "t=1,u=%20two%20");
  set_opt("HEADERS", false, "g=1");
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_traces, &o, &cfg),
                   OTELC_OK);
  assert_int_equal(cfg.n_headers, 2);
  assert_string_equal(cfg.headers[0], "t: 1");
  assert_string_equal(cfg.headers[1], "u:  two ");
  otelc__otlp_config_free(&cfg);

  /* A malformed list in code is the program's mistake. */
  clear_env();
  log_reset();
  otelc_otlp_opts bad = {.headers = "authorization=Bearer%zzhunter2"};
  assert_int_equal(otelc__otlp_config_resolve(&otelc__otlp_traces, &bad, &cfg),
                   OTELC_ERR_INVALID_ARG);
  assert_log_has("otelc_otlp_opts.headers: entry 1");
  assert_false(log_has("hunter2"));
  assert_false(log_has("Bearer"));
}

/* ------------------------------------------------------------------------ */
/* Protocol, compression, timeout, TLS files                                 */
/* ------------------------------------------------------------------------ */

static void test_protocol(void **state) {
  (void)state;
  otelc__otlp_config cfg;
  otelc_otlp_opts none = {0};

  assert_int_equal(resolve(NULL, &cfg), OTELC_OK);
  assert_false(cfg.json);
  assert_false(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 10000);
  assert_string_equal(cfg.url, "http://localhost:4318/v1/traces");
  assert_null(cfg.certificate);
  assert_int_equal(cfg.n_headers, 0);
  otelc__otlp_config_free(&cfg);

  set_opt("PROTOCOL", false, "http/json");
  assert_int_equal(resolve(&none, &cfg), OTELC_OK);
  assert_true(cfg.json);
  otelc__otlp_config_free(&cfg);

  set_opt("PROTOCOL", true, " HTTP/Protobuf ");
  assert_int_equal(resolve(&none, &cfg), OTELC_OK);
  assert_false(cfg.json);
  otelc__otlp_config_free(&cfg);

  /* gRPC, wherever it comes from (test_grpc_config has its rules). */
  set_opt("PROTOCOL", true, "grpc");
  assert_int_equal(resolve(&none, &cfg), OTELC_OK);
  assert_true(cfg.grpc);
  assert_false(cfg.json);
  otelc__otlp_config_free(&cfg);
  clear_env();
  otelc_otlp_opts grpc = {.protocol = OTELC_OTLP_GRPC};
  assert_int_equal(resolve(&grpc, &cfg), OTELC_OK);
  assert_true(cfg.grpc);
  otelc__otlp_config_free(&cfg);
  otelc_span_exporter *e = NULL;
  assert_int_equal(otelc_otlp_span_exporter_new(&grpc, &e), OTELC_OK);
  assert_non_null(e);
  otelc_span_exporter_free(e);
  /* ... unless the environment says otherwise. */
  set_opt("PROTOCOL", false, "http/protobuf");
  assert_int_equal(resolve(&grpc, &cfg), OTELC_OK);
  assert_false(cfg.grpc);
  otelc__otlp_config_free(&cfg);

  /* An invalid value is reported and ignored: the next level applies. */
  clear_env();
  log_reset();
  otelc_otlp_opts json = {.protocol = OTELC_OTLP_HTTP_JSON};
  set_opt("PROTOCOL", true, "http/xml");
  assert_int_equal(resolve(&json, &cfg), OTELC_OK);
  assert_true(cfg.json);
  assert_log_has("'http/xml' for OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  assert_log_has("using the default 'http/json'");
  otelc__otlp_config_free(&cfg);

  otelc_otlp_opts weird = {.protocol = (otelc_otlp_protocol)9};
  assert_int_equal(resolve(&weird, &cfg), OTELC_ERR_INVALID_ARG);
  otelc_otlp_opts weird_z = {.compression = (otelc_otlp_compression)7};
  assert_int_equal(resolve(&weird_z, &cfg), OTELC_ERR_INVALID_ARG);
}

static void test_compression_timeout(void **state) {
  (void)state;
  otelc__otlp_config cfg;
  otelc_otlp_opts gz = {.compression = OTELC_OTLP_COMPRESSION_GZIP,
                        .timeout_ms = 2500};
  assert_int_equal(resolve(&gz, &cfg), OTELC_OK);
  assert_true(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 2500);
  otelc__otlp_config_free(&cfg);

  set_opt("COMPRESSION", false, "none");
  set_opt("TIMEOUT", false, "3000");
  assert_int_equal(resolve(&gz, &cfg), OTELC_OK);
  assert_false(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 3000);
  otelc__otlp_config_free(&cfg);

  set_opt("COMPRESSION", true, "GZIP");
  set_opt("TIMEOUT", true, "4000");
  assert_int_equal(resolve(&gz, &cfg), OTELC_OK);
  assert_true(cfg.gzip);
  assert_int_equal(cfg.timeout_ms, 4000);
  otelc__otlp_config_free(&cfg);

  /* 0 means no limit. */
  set_opt("TIMEOUT", true, "0");
  assert_int_equal(resolve(&gz, &cfg), OTELC_OK);
  assert_int_equal(cfg.timeout_ms, INT32_MAX);
  otelc__otlp_config_free(&cfg);

  /* Invalid values: reported, the next level applies. */
  log_reset();
  set_opt("TIMEOUT", true, "-5");
  set_opt("COMPRESSION", true, "zstd");
  assert_int_equal(resolve(&gz, &cfg), OTELC_OK);
  assert_int_equal(cfg.timeout_ms, 3000);
  assert_false(cfg.gzip);
  assert_log_has("'-5' for OTEL_EXPORTER_OTLP_TRACES_TIMEOUT");
  assert_log_has("'zstd' for OTEL_EXPORTER_OTLP_TRACES_COMPRESSION");
  otelc__otlp_config_free(&cfg);

  clear_env();
  log_reset();
  set_opt("TIMEOUT", false, "soon");
  assert_int_equal(resolve(NULL, &cfg), OTELC_OK);
  assert_int_equal(cfg.timeout_ms, 10000);
  assert_log_has("'soon' for OTEL_EXPORTER_OTLP_TIMEOUT");
  otelc__otlp_config_free(&cfg);

  /* INSECURE is accepted and ignored; only garbage is reported. */
  clear_env();
  log_reset();
  set_opt("INSECURE", false, "true");
  assert_int_equal(resolve(NULL, &cfg), OTELC_OK);
  assert_int_equal(warnings(), 0);
  otelc__otlp_config_free(&cfg);
  set_opt("INSECURE", true, "yes");
  assert_int_equal(resolve(NULL, &cfg), OTELC_OK);
  assert_log_has("OTEL_EXPORTER_OTLP_TRACES_INSECURE");
  otelc__otlp_config_free(&cfg);
}

static void test_tls_paths(void **state) {
  (void)state;
  otelc__otlp_config cfg;
  char ca[] = "/tmp/otelc-otlp-ca.XXXXXX";
  int fd = mkstemp(ca);
  assert_true(fd >= 0);
  close(fd);
  otelc_otlp_opts o = {.certificate = "/nonexistent/code-ca.pem",
                       .client_key = "/nonexistent/key.pem",
                       .client_certificate = ca};
  set_opt("CERTIFICATE", true, ca);
  set_opt("CERTIFICATE", false, "/nonexistent/generic.pem");
  set_opt("CLIENT_KEY", false, "/nonexistent/generic-key.pem");
  assert_int_equal(resolve(&o, &cfg), OTELC_OK);
  assert_string_equal(cfg.certificate, ca);
  assert_string_equal(cfg.client_key, "/nonexistent/generic-key.pem");
  assert_string_equal(cfg.client_certificate, ca);
  assert_log_has("OTEL_EXPORTER_OTLP_CLIENT_KEY: cannot read");
  assert_false(log_has("generic.pem")); /* not used, not read */
  otelc__otlp_config_free(&cfg);
  unlink(ca);
}

/* ------------------------------------------------------------------------ */
/* Retry policy                                                              */
/* ------------------------------------------------------------------------ */

static void test_retry_classification(void **state) {
  (void)state;
  static const long retryable[] = {429, 502, 503, 504};
  static const long permanent[] = {0,   200, 204, 301, 400, 401, 403, 404,
                                   405, 408, 413, 415, 500, 501, 505, 599};
  for (size_t i = 0; i < sizeof retryable / sizeof retryable[0]; i++)
    assert_true(otelc__otlp_status_retryable(retryable[i]));
  for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
    assert_false(otelc__otlp_status_retryable(permanent[i]));

  static const int transient[] = {
      CURLE_COULDNT_CONNECT,    CURLE_COULDNT_RESOLVE_HOST,
      CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR,
      CURLE_RECV_ERROR,         CURLE_GOT_NOTHING,
      CURLE_PARTIAL_FILE};
  static const int fatal[] = {CURLE_OK,
                              CURLE_URL_MALFORMAT,
                              CURLE_UNSUPPORTED_PROTOCOL,
                              CURLE_WRITE_ERROR,
                              CURLE_PEER_FAILED_VERIFICATION,
                              CURLE_SSL_CACERT_BADFILE,
                              CURLE_SSL_CERTPROBLEM,
                              CURLE_OUT_OF_MEMORY,
                              CURLE_ABORTED_BY_CALLBACK};
  for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
    assert_true(otelc__otlp_transport_retryable(transient[i]));
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
    assert_false(otelc__otlp_transport_retryable(fatal[i]));
}

static void test_retry_after(void **state) {
  (void)state;
  uint64_t ms = 12345;
  time_t now = 1445412480; /* Wed, 21 Oct 2015 07:28:00 GMT */
  assert_true(otelc__otlp_parse_retry_after("5", now, &ms));
  assert_int_equal(ms, 5000);
  assert_true(otelc__otlp_parse_retry_after(" 2 ", now, &ms));
  assert_int_equal(ms, 2000);
  assert_true(otelc__otlp_parse_retry_after("0", now, &ms));
  assert_int_equal(ms, 0);
  assert_true(otelc__otlp_parse_retry_after("99999999999999999999", now, &ms));
  assert_int_equal(ms, 86400u * 1000u);
  assert_true(
      otelc__otlp_parse_retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now, &ms));
  assert_int_equal(ms, 7000);
  /* The other two date forms HTTP allows. */
  assert_true(otelc__otlp_parse_retry_after("Wednesday, 21-Oct-15 07:28:03 GMT",
                                            now, &ms));
  assert_int_equal(ms, 3000);
  assert_true(
      otelc__otlp_parse_retry_after("Wed Oct 21 07:28:01 2015", now, &ms));
  assert_int_equal(ms, 1000);
  /* A date in the past: no wait. */
  assert_true(
      otelc__otlp_parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now, &ms));
  assert_int_equal(ms, 0);
  static const char *const garbage[] = {
      "", " ", "soon", "-1", "1.5", "+3", "1 2", "5s", "Wed", "12:00", "0x10"};
  for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
    ms = 777;
    if (otelc__otlp_parse_retry_after(garbage[i], now, &ms)) {
      print_error("'%s' accepted as %llu ms\n", garbage[i],
                  (unsigned long long)ms);
      fail();
    }
  }
  assert_false(otelc__otlp_parse_retry_after(NULL, now, &ms));
  char long_value[300];
  memset(long_value, 'x', sizeof long_value - 1);
  long_value[sizeof long_value - 1] = '\0';
  assert_false(otelc__otlp_parse_retry_after(long_value, now, &ms));
}

static void test_backoff(void **state) {
  (void)state;
  uint64_t seed = 42;
  for (unsigned r = 0; r < 40; r++) {
    uint64_t d = 100;
    for (unsigned i = 0; i < r && d < 5000; i++)
      d *= 2;
    if (d > 5000)
      d = 5000;
    assert_int_equal(otelc__otlp_backoff_ms(r, 0), d / 2);
    assert_int_equal(otelc__otlp_backoff_ms(r, d - d / 2), d);
    for (int k = 0; k < 1000; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      uint64_t v = otelc__otlp_backoff_ms(r, seed);
      if (v < d / 2 || v > d) {
        print_error("retry %u: %llu outside [%llu, %llu]\n", r,
                    (unsigned long long)v, (unsigned long long)(d / 2),
                    (unsigned long long)d);
        fail();
      }
    }
  }
  assert_int_equal(otelc__otlp_backoff_ms(0, 0), 50);
  assert_int_equal(otelc__otlp_backoff_ms(1, UINT64_MAX) <= 200, 1);
  assert_true(otelc__otlp_backoff_ms(UINT32_MAX, UINT64_MAX) <= 5000);
  assert_true(otelc__otlp_backoff_ms(UINT32_MAX, 0) == 2500);
}

/* ------------------------------------------------------------------------ */
/* Response readers                                                          */
/* ------------------------------------------------------------------------ */

static void test_partial_pb(void **state) {
  (void)state;
  bool present;
  int64_t rej;
  char msg[64];
  /* partial_success {rejected_spans: 3, error_message: "bad spans"} */
  static const uint8_t full[] = {0x0a, 0x0d, 0x08, 0x03, 0x12, 0x09, 'b', 'a',
                                 'd',  ' ',  's',  'p',  'a',  'n',  's'};
  assert_true(otelc__otlp_partial_pb(full, sizeof full, &present, &rej, msg,
                                     sizeof msg));
  assert_true(present);
  assert_int_equal(rej, 3);
  assert_string_equal(msg, "bad spans");

  /* Cut to fit, never inside a character. */
  char small[5];
  assert_true(otelc__otlp_partial_pb(full, sizeof full, &present, &rej, small,
                                     sizeof small));
  assert_string_equal(small, "bad ");
  static const uint8_t utf8[] = {0x0a, 0x05, 0x12, 0x03, 'a', 0xc3, 0xa9};
  char three[3];
  assert_true(otelc__otlp_partial_pb(utf8, sizeof utf8, &present, &rej, three,
                                     sizeof three));
  assert_string_equal(three, "a");

  /* Empty answer; unknown fields of every wire type skipped. */
  assert_true(otelc__otlp_partial_pb(full, 0, &present, &rej, msg, sizeof msg));
  assert_false(present);
  assert_int_equal(rej, 0);
  static const uint8_t unknown[] = {
      0x28, 0x01,                                       /* 5: varint */
      0x31, 1,    2,    3,    4,    5,    6,    7,   8, /* 6: fixed64 */
      0x3d, 1,    2,    3,    4,                        /* 7: fixed32 */
      0x42, 0x02, 'x',  'y',                            /* 8: bytes */
      0x0a, 0x06, 0x08, 0x07, 0x18, 0x01, 0x12, 0x00};  /* 1 */
  assert_true(otelc__otlp_partial_pb(unknown, sizeof unknown, &present, &rej,
                                     msg, sizeof msg));
  assert_true(present);
  assert_int_equal(rej, 7);
  assert_string_equal(msg, "");

  /* Malformed: truncated, length past the end, groups, long varints. */
  assert_false(otelc__otlp_partial_pb(full, sizeof full - 1, &present, &rej,
                                      msg, sizeof msg));
  static const uint8_t past[] = {0x0a, 0x7f, 0x08};
  assert_false(otelc__otlp_partial_pb(past, sizeof past, &present, &rej, msg,
                                      sizeof msg));
  static const uint8_t group[] = {0x0b, 0x0c};
  assert_false(otelc__otlp_partial_pb(group, sizeof group, &present, &rej, msg,
                                      sizeof msg));
  static const uint8_t longv[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  assert_false(otelc__otlp_partial_pb(longv, sizeof longv, &present, &rej, msg,
                                      sizeof msg));
  static const uint8_t zero_field[] = {0x00, 0x01};
  assert_false(otelc__otlp_partial_pb(zero_field, sizeof zero_field, &present,
                                      &rej, msg, sizeof msg));

  /* google.rpc.Status {code: 3, message: "bad data"} */
  static const uint8_t status[] = {0x08, 0x03, 0x12, 0x08, 'b', 'a',
                                   'd',  ' ',  'd',  'a',  't', 'a'};
  assert_true(
      otelc__otlp_status_msg_pb(status, sizeof status, msg, sizeof msg));
  assert_string_equal(msg, "bad data");
  assert_false(otelc__otlp_status_msg_pb(status, 2, msg, sizeof msg));
}

static bool pj(const char *s, bool *present, int64_t *rej, char *msg,
               size_t cap) {
  return otelc__otlp_partial_json(s, strlen(s), present, rej, msg, cap);
}

static void test_partial_json(void **state) {
  (void)state;
  bool present;
  int64_t rej;
  char msg[64];
  assert_true(pj("{\"partialSuccess\":{\"rejectedSpans\":\"3\","
                 "\"errorMessage\":\"bad spans\"}}",
                 &present, &rej, msg, sizeof msg));
  assert_true(present);
  assert_int_equal(rej, 3);
  assert_string_equal(msg, "bad spans");
  assert_true(pj(" { \"partial_success\" : { \"rejected_spans\" : 4 , "
                 "\"error_message\" : \"x\" } } \n",
                 &present, &rej, msg, sizeof msg));
  assert_int_equal(rej, 4);
  assert_string_equal(msg, "x");
  assert_true(pj("{}", &present, &rej, msg, sizeof msg));
  assert_false(present);
  assert_true(pj("{\"partialSuccess\":null}", &present, &rej, msg, sizeof msg));
  assert_false(present);
  assert_true(pj("{\"partialSuccess\":{}}", &present, &rej, msg, sizeof msg));
  assert_true(present);
  assert_int_equal(rej, 0);
  assert_string_equal(msg, "");
  /* Escapes, surrogate pairs, lone surrogates. */
  assert_true(pj("{\"partialSuccess\":{\"errorMessage\":"
                 "\"a\\\"b\\\\c\\/\\u00e9\\ud83d\\ude00\\ud800x\\n\"}}",
                 &present, &rej, msg, sizeof msg));
  assert_string_equal(msg, "a\"b\\c/\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\n");
  /* Unknown members of every kind are skipped. */
  assert_true(pj("{\"x\":[1,-2.5e3,{\"y\":[true,false,null,\"}\"]}],"
                 "\"partialSuccess\":{\"z\":{},\"rejectedSpans\":1}}",
                 &present, &rej, msg, sizeof msg));
  assert_int_equal(rej, 1);
  /* Cut inside a multi-byte character: the character is dropped. */
  char four[4];
  assert_true(pj("{\"partialSuccess\":{\"errorMessage\":\"ab\xc3\xa9\"}}",
                 &present, &rej, four, sizeof four));
  assert_string_equal(four, "ab");
  assert_true(pj("{\"partialSuccess\":{\"errorMessage\":\"ab\\u00e9\"}}",
                 &present, &rej, four, sizeof four));
  assert_string_equal(four, "ab");

  static const char *const bad[] = {
      "",
      "{",
      "[]",
      "{}x",
      "{\"partialSuccess\":{\"rejectedSpans\":\"abc\"}}",
      "{\"partialSuccess\":{\"rejectedSpans\":1.5}}",
      "{\"partialSuccess\":{\"rejectedSpans\":99999999999999999999}}",
      "{\"partialSuccess\":{\"errorMessage\":\"\\q\"}}",
      "{\"partialSuccess\":{\"errorMessage\":\"\\u12\"}}",
      "{\"partialSuccess\":{\"errorMessage\":\"raw\nnewline\"}}",
      "{\"partialSuccess\":[1]}",
      "{\"a\" 1}",
      "{\"a\":tru}",
      "{\"a\":1,}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (pj(bad[i], &present, &rej, msg, sizeof msg)) {
      print_error("accepted: %s\n", bad[i]);
      fail();
    }
    assert_false(present);
  }
  /* Deep nesting is refused, not recursed into without end. */
  char deep[4096];
  size_t o = 0;
  o += (size_t)snprintf(deep, sizeof deep, "{\"x\":");
  for (int i = 0; i < 1000; i++)
    deep[o++] = '[';
  for (int i = 0; i < 1000; i++)
    deep[o++] = ']';
  deep[o++] = '}';
  deep[o] = '\0';
  assert_false(pj(deep, &present, &rej, msg, sizeof msg));

  assert_true(otelc__otlp_status_msg_json("{\"code\":3,\"message\":\"bad\"}",
                                          26, msg, sizeof msg));
  assert_string_equal(msg, "bad");
  assert_false(
      otelc__otlp_status_msg_json("{\"code\":3}", 10, msg, sizeof msg));
  assert_false(otelc__otlp_status_msg_json("not json", 8, msg, sizeof msg));
}

/* Random input never crashes a reader nor makes it read out of bounds
 * (the sanitizer builds check the latter). */
static void test_readers_random(void **state) {
  (void)state;
  uint64_t s = 0x1234567;
  static const char alphabet[] = "{}[]\":,\\u0123456789abcdefnrtl -.eE";
  for (int iter = 0; iter < 20000; iter++) {
    uint8_t buf[48];
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    size_t n = (size_t)(s >> 58) % sizeof buf;
    for (size_t i = 0; i < n; i++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      buf[i] = iter & 1 ? (uint8_t)alphabet[(s >> 33) % (sizeof alphabet - 1)]
                        : (uint8_t)(s >> 40);
    }
    uint8_t *copy = malloc(n ? n : 1); /* exact size for ASan */
    assert_non_null(copy);
    memcpy(copy, buf, n);
    bool present;
    int64_t rej;
    char msg[16];
    otelc__otlp_partial_pb(copy, n, &present, &rej, msg, sizeof msg);
    otelc__otlp_partial_json((const char *)copy, n, &present, &rej, msg,
                             sizeof msg);
    otelc__otlp_status_msg_pb(copy, n, msg, sizeof msg);
    otelc__otlp_status_msg_json((const char *)copy, n, msg, sizeof msg);
    char q[24];
    otelc__otlp_quote_text((const char *)copy, n, 10, q, sizeof q);
    assert_true(strlen(q) < sizeof q);
    free(copy);
  }
}

static void test_quote_text(void **state) {
  (void)state;
  char out[32];
  otelc__otlp_quote_text("line1\nline2\x7f", 12, 200, out, sizeof out);
  assert_string_equal(out, "line1 line2 ");
  otelc__otlp_quote_text("abcdefghij", 10, 4, out, sizeof out);
  assert_string_equal(out, "abcd...");
  otelc__otlp_quote_text("ab\xc3\xa9", 4, 3, out, sizeof out);
  assert_string_equal(out, "ab...");
  char tiny[8];
  otelc__otlp_quote_text("abcdefghij", 10, 200, tiny, sizeof tiny);
  assert_string_equal(tiny, "abcd...");
  otelc__otlp_quote_text("", 0, 200, out, sizeof out);
  assert_string_equal(out, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_endpoint_table, setup),
      cmocka_unit_test_setup(test_endpoint_invalid, setup),
      cmocka_unit_test_setup(test_url_helpers, setup),
      cmocka_unit_test_setup(test_headers_parse, setup),
      cmocka_unit_test_setup(test_headers_env, setup),
      cmocka_unit_test_setup(test_protocol, setup),
      cmocka_unit_test_setup(test_compression_timeout, setup),
      cmocka_unit_test_setup(test_tls_paths, setup),
      cmocka_unit_test_setup(test_retry_classification, setup),
      cmocka_unit_test_setup(test_retry_after, setup),
      cmocka_unit_test_setup(test_backoff, setup),
      cmocka_unit_test_setup(test_partial_pb, setup),
      cmocka_unit_test_setup(test_partial_json, setup),
      cmocka_unit_test_setup(test_readers_random, setup),
      cmocka_unit_test_setup(test_quote_text, setup),
  };
  return cmocka_run_group_tests(tests, capture_group_setup,
                                capture_group_teardown);
}
