/*
 * test_otlp_http_unit - the OTLP/HTTP exporter module (libotelc_otlp) on
 * its own: the configuration rules (every endpoint example of the
 * specification, precedence, headers, enumerations, timeouts), the
 * response readers, the retry policy, and the exporter against a small
 * scripted HTTP server run by the test itself (keep-alive, gzip, retries,
 * Retry-After, the response size limit, deadlines, shutdown during a
 * wait, partial success).
 *
 * Linked with the module's object library (otelc_otlp_objects), whose
 * internal functions the shared library hides; see modules/otlp/
 * otlp_module.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "otelc/exporters.h"
#include "otelc/otelc.h"
#include "otelc/otlp.h"
#include "otelc/otlp_encode.h"
#include "otelc/sampler.h"
#include "otlp_module.h"

/* ------------------------------------------------------------------------ */
/* Diagnostics captured                                                      */
/* ------------------------------------------------------------------------ */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_log[65536];
static size_t g_log_len;
static int g_warnings;

/* OTLP_UNIT_VERBOSE=1 also prints every line. */
static void capture(otelc_log_level level, const char *msg, void *ud) {
  (void)ud;
  if (getenv("OTLP_UNIT_VERBOSE"))
    fprintf(stderr, "  log %d: %s\n", (int)level, msg);
  pthread_mutex_lock(&log_mu);
  int w = snprintf(g_log + g_log_len, sizeof g_log - g_log_len, "%d %s\n",
                   (int)level, msg);
  if (w > 0)
    g_log_len += (size_t)w < sizeof g_log - g_log_len
                     ? (size_t)w
                     : sizeof g_log - g_log_len - 1;
  if (level >= OTELC_LOG_WARN)
    g_warnings++;
  pthread_mutex_unlock(&log_mu);
}

static void log_reset(void) {
  pthread_mutex_lock(&log_mu);
  g_log_len = 0;
  g_log[0] = '\0';
  g_warnings = 0;
  pthread_mutex_unlock(&log_mu);
}

static bool log_has(const char *s) {
  pthread_mutex_lock(&log_mu);
  bool r = strstr(g_log, s) != NULL;
  pthread_mutex_unlock(&log_mu);
  return r;
}

static int log_count(const char *s) {
  pthread_mutex_lock(&log_mu);
  int n = 0;
  for (const char *p = g_log; (p = strstr(p, s)); p += strlen(s))
    n++;
  pthread_mutex_unlock(&log_mu);
  return n;
}

static int warnings(void) {
  pthread_mutex_lock(&log_mu);
  int n = g_warnings;
  pthread_mutex_unlock(&log_mu);
  return n;
}

#define assert_log_has(s)                                                      \
  do {                                                                         \
    if (!log_has(s)) {                                                         \
      print_error("log lacks \"%s\"; it holds:\n%s", (s), g_log);              \
      fail();                                                                  \
    }                                                                          \
  } while (0)

/* ------------------------------------------------------------------------ */
/* Environment                                                               */
/* ------------------------------------------------------------------------ */

static const char *const kOpts[] = {
    "ENDPOINT",    "HEADERS",    "PROTOCOL",           "COMPRESSION", "TIMEOUT",
    "CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE", "INSECURE"};

static void clear_env(void) {
  char name[96];
  for (size_t i = 0; i < sizeof kOpts / sizeof kOpts[0]; i++) {
    snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s", kOpts[i]);
    unsetenv(name);
    snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_TRACES_%s", kOpts[i]);
    unsetenv(name);
  }
}

static void set_opt(const char *opt, bool traces, const char *value) {
  char name[96];
  snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s%s",
           traces ? "TRACES_" : "", opt);
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

static int setup(void **state) {
  (void)state;
  clear_env();
  log_reset();
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Endpoint rules                                                            */
/* ------------------------------------------------------------------------ */

typedef struct url_case {
  const char *traces, *generic, *code, *want;
} url_case;

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

static otelc_status resolve(const otelc_otlp_opts *o, otelc__otlp_config *c) {
  otelc_status st = otelc__otlp_config_resolve(&otelc__otlp_traces, o, c);
  return st;
}

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

/* ------------------------------------------------------------------------ */
/* A scripted HTTP server                                                    */
/* ------------------------------------------------------------------------ */

typedef struct reply {
  int status;          /* 0: close the connection without an answer */
  const char *headers; /* extra header lines, each ending in \r\n */
  const void *body;
  size_t body_len;
  size_t big;   /* when non-zero: a body of this many 'x' */
  int delay_ms; /* before answering */
  bool close;   /* close the connection after answering */
} reply;

#define MAX_CONNECTIONS 8

typedef struct server {
  int fd;
  int port;
  pthread_t thread;
  pthread_t conn_threads[MAX_CONNECTIONS]; /* one per connection */
  int conn_fds[MAX_CONNECTIONS];
  int n_conns; /* server thread only */
  atomic_bool stop;
  const reply *script;
  size_t n_script;
  pthread_mutex_t mu; /* guards what follows */
  int requests, connections;
  char head[8192]; /* headers of the last request */
  uint8_t *body;   /* body of the last request */
  size_t body_len;
} server;

static bool send_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w <= 0)
      return false;
    c += w;
    n -= (size_t)w;
  }
  return true;
}

/* Read one request on @p fd; its number (from 0), or -1 at the end of
 * the connection. */
static int read_request(server *s, int fd) {
  char head[8192];
  size_t hl = 0;
  char *end = NULL;
  while (!end) {
    if (hl == sizeof head - 1)
      return -1;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) == 0) {
      if (atomic_load(&s->stop))
        return -1;
      continue;
    }
    ssize_t r = recv(fd, head + hl, sizeof head - 1 - hl, 0);
    if (r <= 0)
      return -1;
    hl += (size_t)r;
    head[hl] = '\0';
    end = strstr(head, "\r\n\r\n");
  }
  size_t header_len = (size_t)(end - head) + 4;
  size_t content = 0;
  for (char *l = head; l && l < end; l = strstr(l, "\r\n")) {
    if (l != head)
      l += 2;
    if (strncasecmp(l, "Content-Length:", 15) == 0)
      content = strtoul(l + 15, NULL, 10);
    if (l == head)
      l++;
  }
  uint8_t *body = malloc(content + 1);
  if (!body)
    return -1;
  size_t have = hl - header_len;
  if (have > content)
    have = content;
  memcpy(body, head + header_len, have);
  while (have < content) {
    ssize_t r = recv(fd, body + have, content - have, 0);
    if (r <= 0) {
      free(body);
      return -1;
    }
    have += (size_t)r;
  }
  pthread_mutex_lock(&s->mu);
  memcpy(s->head, head, header_len);
  s->head[header_len] = '\0';
  free(s->body);
  s->body = body;
  s->body_len = content;
  int index = s->requests++;
  pthread_mutex_unlock(&s->mu);
  return index;
}

static bool answer(server *s, int fd, const reply *r) {
  if (r->delay_ms) {
    struct timespec ts = {r->delay_ms / 1000,
                          (long)(r->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (r->status == 0)
    return false;
  size_t len = r->big ? r->big : r->body_len;
  /* Headers and a small body in one write: two small writes would meet
   * the client's delayed acknowledgement. */
  char head[2048];
  int hl = snprintf(head, sizeof head,
                    "HTTP/1.1 %d Scripted\r\nContent-Length: %zu\r\n%s%s\r\n",
                    r->status, len, r->headers ? r->headers : "",
                    r->close ? "Connection: close\r\n" : "");
  if (!r->big && (size_t)hl + len <= sizeof head) {
    if (len)
      memcpy(head + hl, r->body, len);
    return send_all(fd, head, (size_t)hl + len) && !r->close;
  }
  if (!send_all(fd, head, (size_t)hl))
    return false;
  if (r->big) {
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    for (size_t sent = 0; sent < r->big; sent += sizeof chunk) {
      size_t k = r->big - sent < sizeof chunk ? r->big - sent : sizeof chunk;
      if (!send_all(fd, chunk, k))
        return false;
    }
  } else if (len && !send_all(fd, r->body, len)) {
    return false;
  }
  (void)s;
  return !r->close;
}

typedef struct conn_arg {
  server *s;
  int fd;
} conn_arg;

/* Serves one connection until it ends or the server stops. */
static void *conn_main(void *arg) {
  conn_arg a = *(conn_arg *)arg;
  free(arg);
  int i;
  while ((i = read_request(a.s, a.fd)) >= 0) {
    const reply *r =
        &a.s->script[(size_t)i < a.s->n_script ? (size_t)i : a.s->n_script - 1];
    if (!answer(a.s, a.fd, r))
      break;
  }
  shutdown(a.fd, SHUT_RDWR);
  return NULL;
}

static void *server_main(void *arg) {
  server *s = arg;
  while (!atomic_load(&s->stop)) {
    struct pollfd p = {s->fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0)
      continue;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
      continue;
    conn_arg *a = malloc(sizeof *a);
    if (s->n_conns == MAX_CONNECTIONS || !a) {
      free(a);
      close(c);
      continue;
    }
    a->s = s;
    a->fd = c;
    pthread_mutex_lock(&s->mu);
    s->connections++;
    pthread_mutex_unlock(&s->mu);
    s->conn_fds[s->n_conns] = c;
    if (pthread_create(&s->conn_threads[s->n_conns], NULL, conn_main, a)) {
      free(a);
      close(c);
      continue;
    }
    s->n_conns++;
  }
  for (int i = 0; i < s->n_conns; i++) {
    pthread_join(s->conn_threads[i], NULL);
    close(s->conn_fds[i]);
  }
  return NULL;
}

static void server_start(server *s, const reply *script, size_t n) {
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->script = script;
  s->n_script = n;
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(s->fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(s->fd, MAX_CONNECTIONS), 0);
  socklen_t al = sizeof a;
  getsockname(s->fd, (struct sockaddr *)&a, &al);
  s->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(server *s) {
  atomic_store(&s->stop, true);
  pthread_join(s->thread, NULL);
  close(s->fd);
  free(s->body);
  pthread_mutex_destroy(&s->mu);
}

static int server_requests(server *s) {
  pthread_mutex_lock(&s->mu);
  int n = s->requests;
  pthread_mutex_unlock(&s->mu);
  return n;
}

/* A port on which nothing listens. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t al = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &al);
  close(fd);
  return ntohs(a.sin_port);
}

/* ------------------------------------------------------------------------ */
/* The exporter                                                              */
/* ------------------------------------------------------------------------ */

static otelc_tracer_provider *g_provider;
static otelc_span_exporter *g_mem;
static otelc_span *g_spans[2];

static int group_setup(void **state) {
  (void)state;
  otelc_diag_set_handler(capture, NULL);
  otelc_diag_set_level(OTELC_LOG_DEBUG);
  unsetenv("http_proxy");
  unsetenv("https_proxy");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
  if (otelc_memory_exporter_new(&g_mem) != OTELC_OK)
    return -1;
  otelc_span_processor *p = NULL;
  if (otelc_simple_span_processor_new(g_mem, &p) != OTELC_OK)
    return -1;
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &p,
                                  .n_processors = 1};
  if (otelc_tracer_provider_new(&o, &g_provider) != OTELC_OK)
    return -1;
  otelc_scope_info scope = {.name = "otelc.test.otlp_http"};
  otelc_tracer *t = otelc_tracer_provider_get_tracer(g_provider, &scope);
  otelc_span *a = otelc_span_start(t, "first", NULL);
  otelc_span_set_str(a, "k", "v");
  otelc_span_end(a);
  otelc_span_end(otelc_span_start(t, "second", NULL));
  if (otelc_memory_exporter_count(g_mem) != 2)
    return -1;
  g_spans[0] = otelc_memory_exporter_get(g_mem, 0);
  g_spans[1] = otelc_memory_exporter_get(g_mem, 1);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  otelc_tracer_provider_free(g_provider);
  otelc_diag_set_handler(NULL, NULL);
  return 0;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static otelc_span_exporter *make(const char *url, otelc_otlp_opts o) {
  o.endpoint = url;
  otelc_span_exporter *e = NULL;
  assert_int_equal(otelc_otlp_span_exporter_new(&o, &e), OTELC_OK);
  assert_non_null(otelc__otlp_state(e));
  return e;
}

static otelc_status do_export(otelc_span_exporter *e, uint32_t timeout_ms) {
  return otelc__otlp_ops.export_spans(otelc__otlp_state(e), g_spans, 2,
                                      timeout_ms);
}

static otelc_otlp_stats stats(otelc_span_exporter *e) {
  otelc_otlp_stats s;
  otelc_otlp_exporter_get_stats(e, &s);
  return s;
}

static char *url_for(server *s, char *buf, size_t cap) {
  snprintf(buf, cap, "http://127.0.0.1:%d/v1/traces", s->port);
  return buf;
}

static void test_stats_registry(void **state) {
  (void)state;
  otelc_otlp_stats s;
  memset(&s, 0xff, sizeof s);
  otelc_otlp_exporter_get_stats(NULL, &s);
  assert_int_equal(s.exports, 0);
  assert_int_equal(s.last_http_status, 0);
  otelc_otlp_exporter_get_stats(NULL, NULL);
  /* Another kind of exporter: zeros. */
  otelc_span_exporter *mem = NULL;
  assert_int_equal(otelc_memory_exporter_new(&mem), OTELC_OK);
  memset(&s, 0xff, sizeof s);
  otelc_otlp_exporter_get_stats(mem, &s);
  assert_int_equal(s.attempts, 0);
  assert_null(otelc__otlp_state(mem));
  otelc_span_exporter_free(mem);
  assert_int_equal(otelc_otlp_span_exporter_new(NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  /* Several live exporters, freed in any order. */
  otelc_span_exporter *a = make(NULL, (otelc_otlp_opts){0});
  otelc_span_exporter *b = make("http://127.0.0.1:1/", (otelc_otlp_opts){0});
  otelc_span_exporter *c = make(NULL, (otelc_otlp_opts){0});
  otelc_span_exporter_free(b);
  assert_non_null(otelc__otlp_state(a));
  assert_non_null(otelc__otlp_state(c));
  otelc_span_exporter_free(a);
  otelc_span_exporter_free(c);
}

static void test_keepalive_headers(void **state) {
  (void)state;
  static const reply ok[] = {{.status = 200,
                              .headers = "Content-Type: "
                                         "application/x-protobuf\r\n"}};
  server s;
  server_start(&s, ok, 1);
  char url[128];
  otelc_span_exporter *e =
      make(url_for(&s, url, sizeof url),
           (otelc_otlp_opts){.headers = "x-api-key=s3cr3t%20v,x-tenant=acme"});
  for (int i = 0; i < 3; i++)
    assert_int_equal(do_export(e, 5000), OTELC_OK);
  otelc_otlp_stats st = stats(e);
  assert_int_equal(st.exports, 3);
  assert_int_equal(st.attempts, 3);
  assert_int_equal(st.succeeded, 3);
  assert_int_equal(st.failed, 0);
  assert_int_equal(st.last_http_status, 200);

  pthread_mutex_lock(&s.mu);
  assert_int_equal(s.requests, 3);
  assert_int_equal(s.connections, 1); /* kept alive */
  assert_non_null(strstr(s.head, "POST /v1/traces HTTP/1.1\r\n"));
  assert_non_null(strstr(s.head, "Content-Type: application/x-protobuf\r\n"));
  char ua[64];
  snprintf(ua, sizeof ua, "User-Agent: OTel-OTLP-Exporter-C/%s\r\n",
           otelc_version());
  assert_non_null(strstr(s.head, ua));
  assert_non_null(strstr(s.head, "x-api-key: s3cr3t v\r\n"));
  assert_non_null(strstr(s.head, "x-tenant: acme\r\n"));
  assert_non_null(strstr(s.head, "Accept-Encoding: "));
  assert_null(strstr(s.head, "Expect:"));
  assert_null(strstr(s.head, "Content-Encoding"));
  /* The body is the protobuf encoding of the spans. */
  otelc_otlp_buffer want = {0};
  assert_int_equal(
      otelc_otlp_encode_spans(g_spans, 2, OTELC_OTLP_PROTOBUF, &want),
      OTELC_OK);
  assert_int_equal(s.body_len, want.len);
  assert_memory_equal(s.body, want.data, want.len);
  otelc_otlp_buffer_free(&want);
  pthread_mutex_unlock(&s.mu);

  otelc_span_exporter_free(e);
  server_stop(&s);
  assert_false(log_has("s3cr3t"));
}

static void test_gzip_json(void **state) {
  (void)state;
  static const reply ok[] = {{.status = 200,
                              .headers = "Content-Type: application/json\r\n",
                              .body = "{}",
                              .body_len = 2}};
  server s;
  server_start(&s, ok, 1);
  char url[128];
  otelc_span_exporter *e =
      make(url_for(&s, url, sizeof url),
           (otelc_otlp_opts){.protocol = OTELC_OTLP_HTTP_JSON,
                             .compression = OTELC_OTLP_COMPRESSION_GZIP});
  for (int i = 0; i < 2; i++) /* the deflate state is reused */
    assert_int_equal(do_export(e, 5000), OTELC_OK);
  otelc_otlp_buffer want = {0};
  assert_int_equal(otelc_otlp_encode_spans(g_spans, 2, OTELC_OTLP_JSON, &want),
                   OTELC_OK);
  pthread_mutex_lock(&s.mu);
  assert_non_null(strstr(s.head, "Content-Type: application/json\r\n"));
  assert_non_null(strstr(s.head, "Content-Encoding: gzip\r\n"));
  uint8_t *plain = malloc(want.len + 64);
  assert_non_null(plain);
  z_stream z = {0};
  assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = s.body;
  z.avail_in = (uInt)s.body_len;
  z.next_out = plain;
  z.avail_out = (uInt)(want.len + 64);
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  assert_int_equal(z.total_out, want.len);
  assert_memory_equal(plain, want.data, want.len);
  inflateEnd(&z);
  free(plain);
  pthread_mutex_unlock(&s.mu);
  otelc_otlp_buffer_free(&want);
  otelc_span_exporter_free(e);
  server_stop(&s);
}

static void test_retries(void **state) {
  (void)state;
  char date[64], hdr[128];
  time_t later = time(NULL) + 3;
  struct tm tm;
  gmtime_r(&later, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  snprintf(hdr, sizeof hdr, "Retry-After: %s\r\n", date);
  const reply script[] = {
      /* The connection is closed after this answer, so that the next
       * attempt's missing answer comes on a fresh connection (libcurl
       * itself retries a request that a reused connection dropped). */
      {.status = 503, .headers = "Retry-After: 0\r\n", .close = true},
      {.status = 0}, /* no answer at all */
      {.status = 429, .headers = "Retry-After: soon\r\n"}, /* backoff */
      {.status = 502},
      {.status = 504, .headers = hdr}, /* an HTTP date */
      {.status = 200},
  };
  server s;
  server_start(&s, script, sizeof script / sizeof script[0]);
  char url[128];
  otelc_span_exporter *e =
      make(url_for(&s, url, sizeof url), (otelc_otlp_opts){.timeout_ms = 8000});
  uint64_t t0 = now_ms();
  assert_int_equal(do_export(e, 30000), OTELC_OK);
  uint64_t took = now_ms() - t0;
  otelc_otlp_stats st = stats(e);
  assert_int_equal(st.attempts, 6);
  assert_int_equal(st.succeeded, 1);
  assert_int_equal(st.failed, 0);
  assert_int_equal(server_requests(&s), 6);
  /* The date was 2 to 3 s ahead when it was read. */
  if (took < 1500 || took > 6000) {
    print_error("took %llu ms\n", (unsigned long long)took);
    fail();
  }
  otelc_span_exporter_free(e);
  server_stop(&s);
}

static void test_permanent_failures(void **state) {
  (void)state;
  static const char kWho[] = "{\"code\":16,\"message\":\"who are you\"}";
  char long_msg[401];
  memset(long_msg, 'm', sizeof long_msg);
  memcpy(long_msg, "\x12\x8e\x03", 3); /* field 2, 398 bytes */
  const reply script[] = {
      {.status = 400,
       .headers = "Content-Type: application/x-protobuf\r\n",
       .body = "\x08\x03\x12\x0b"
               "bad request",
       .body_len = 15},
      {.status = 401,
       .headers = "Content-Type: application/json\r\n",
       .body = kWho,
       .body_len = sizeof kWho - 1},
      {.status = 500,
       .headers = "Content-Type: text/plain\r\n",
       .body = "plain\ntext",
       .body_len = 10},
      {.status = 413,
       .headers = "Content-Type: application/x-protobuf\r\n",
       .body = long_msg,
       .body_len = sizeof long_msg},
      {.status = 200, .big = OTELC__OTLP_MAX_RESPONSE + 1},
  };
  server s;
  server_start(&s, script, sizeof script / sizeof script[0]);
  char url[128];
  otelc_span_exporter *e =
      make(url_for(&s, url, sizeof url), (otelc_otlp_opts){.timeout_ms = 5000});
  for (int i = 0; i < 5; i++)
    assert_int_equal(do_export(e, 5000), OTELC_ERR_EXPORT);
  otelc_otlp_stats st = stats(e);
  assert_int_equal(st.exports, 5);
  assert_int_equal(st.attempts, 5); /* none retried */
  assert_int_equal(st.failed, 5);
  assert_int_equal(st.last_http_status, 200);
  assert_log_has("HTTP 400 (not retried): bad request");
  assert_log_has("HTTP 401 (not retried): who are you");
  assert_log_has("HTTP 500 (not retried): plain text");
  char cut[240];
  memset(cut, 'm', 200);
  memcpy(cut + 200, "...", 4);
  assert_log_has(cut);
  assert_false(log_has("mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "mmmmm"
                       "m"));
  assert_log_has("larger than 4194304 bytes (not retried)");
  otelc_span_exporter_free(e);
  server_stop(&s);
}

static void test_deadlines(void **state) {
  (void)state;
  char url[128];
  /* Nothing listening: retried until the deadline, the shorter of the
   * processor's and the configured timeout. */
  snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/traces", closed_port());
  otelc_span_exporter *e =
      make(url, (otelc_otlp_opts){.timeout_ms = 10000,
                                  .headers = "authorization=Bearer%20hunter2"});
  uint64_t t0 = now_ms();
  assert_int_equal(do_export(e, 700), OTELC_ERR_TIMEOUT);
  uint64_t took = now_ms() - t0;
  otelc_otlp_stats st = stats(e);
  assert_true(st.attempts >= 3);
  assert_int_equal(st.failed, 1);
  assert_int_equal(st.last_http_status, 0);
  if (took < 250 || took > 1500) {
    print_error("took %llu ms\n", (unsigned long long)took);
    fail();
  }
  assert_log_has("failed after");
  assert_false(log_has("hunter2"));
  /* No time at all: nothing is sent. */
  assert_int_equal(do_export(e, 0), OTELC_ERR_TIMEOUT);
  assert_int_equal(stats(e).attempts, st.attempts);
  otelc_span_exporter_free(e);

  /* A slow answer: the attempt is abandoned at the deadline, not
   * retried. */
  static const reply slow[] = {{.status = 200, .delay_ms = 1500}};
  server s;
  server_start(&s, slow, 1);
  e = make(url_for(&s, url, sizeof url), (otelc_otlp_opts){.timeout_ms = 400});
  t0 = now_ms();
  assert_int_equal(do_export(e, 30000), OTELC_ERR_TIMEOUT);
  took = now_ms() - t0;
  assert_int_equal(stats(e).attempts, 1);
  if (took < 350 || took > 1200) {
    print_error("took %llu ms\n", (unsigned long long)took);
    fail();
  }
  otelc_span_exporter_free(e);
  server_stop(&s);

  /* Retry-After past the deadline: fail now rather than sleep. */
  static const reply later[] = {
      {.status = 503, .headers = "Retry-After: 5\r\n"}};
  server_start(&s, later, 1);
  log_reset();
  e = make(url_for(&s, url, sizeof url), (otelc_otlp_opts){.timeout_ms = 2000});
  t0 = now_ms();
  assert_int_equal(do_export(e, 30000), OTELC_ERR_TIMEOUT);
  took = now_ms() - t0;
  assert_true(took < 1000);
  assert_int_equal(stats(e).attempts, 1);
  assert_log_has("Retry-After asks to wait past the export timeout");
  otelc_span_exporter_free(e);
  server_stop(&s);
}

typedef struct export_job {
  otelc_span_exporter *e;
  otelc_status st;
  uint64_t took;
} export_job;

static void *export_thread(void *arg) {
  export_job *j = arg;
  uint64_t t0 = now_ms();
  j->st = do_export(j->e, 20000);
  j->took = now_ms() - t0;
  return NULL;
}

static void test_shutdown_wakes_wait(void **state) {
  (void)state;
  static const reply busy[] = {
      {.status = 503, .headers = "Retry-After: 10\r\n"}};
  server s;
  server_start(&s, busy, 1);
  char url[128];
  otelc_span_exporter *e = make(url_for(&s, url, sizeof url),
                                (otelc_otlp_opts){.timeout_ms = 20000});
  export_job j = {.e = e};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, export_thread, &j), 0);
  while (server_requests(&s) < 1) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  struct timespec ts = {0, 200000000};
  nanosleep(&ts, NULL);
  uint64_t t0 = now_ms();
  assert_int_equal(otelc__otlp_ops.shutdown(otelc__otlp_state(e), 1000),
                   OTELC_OK);
  assert_true(now_ms() - t0 < 100);
  pthread_join(t, NULL);
  assert_int_equal(j.st, OTELC_ERR_SHUTDOWN);
  assert_true(j.took < 2000);
  assert_int_equal(stats(e).failed, 1);
  /* Later exports fail at once. */
  assert_int_equal(do_export(e, 1000), OTELC_ERR_SHUTDOWN);
  assert_int_equal(stats(e).attempts, 1);
  otelc_span_exporter_free(e); /* shuts down again: harmless */
  server_stop(&s);
}

static void test_partial_success(void **state) {
  (void)state;
  static const char kJson[] = "{\"partialSuccess\":{\"rejectedSpans\":\"2\","
                              "\"errorMessage\":\"json says\"}}";
  static const uint8_t partial[] = {0x0a, 0x0d, 0x08, 0x03, 0x12,
                                    0x09, 'b',  'a',  'd',  ' ',
                                    's',  'p',  'a',  'n',  's'};
  const reply script[] = {
      {.status = 200,
       .headers = "Content-Type: application/x-protobuf\r\n",
       .body = partial,
       .body_len = sizeof partial},
      {.status = 200,
       .headers = "Content-Type: application/json\r\n",
       .body = kJson,
       .body_len = sizeof kJson - 1},
  };
  server s;
  server_start(&s, script, 2);
  char url[128];
  otelc_span_exporter *e =
      make(url_for(&s, url, sizeof url), (otelc_otlp_opts){0});
  assert_int_equal(do_export(e, 5000), OTELC_OK);
  assert_int_equal(do_export(e, 5000), OTELC_OK);
  assert_int_equal(do_export(e, 5000), OTELC_OK);
  otelc_otlp_stats st = stats(e);
  assert_int_equal(st.succeeded, 3);
  assert_int_equal(st.attempts, 3);
  assert_int_equal(st.rejected_spans, 3 + 2 + 2);
  /* One warning per exporter; the rest at the debug level. */
  assert_int_equal(log_count("partial success: 3 spans rejected: bad spans"),
                   1);
  assert_int_equal(log_count("partial success: 2 spans rejected: json says"),
                   2);
  assert_int_equal(warnings(), 1);
  otelc_span_exporter_free(e);
  server_stop(&s);
}

/* https with a CA file that cannot be read: reported when the exporter is
 * made, and the export fails at once, without retries. */
static void test_tls_bad_ca(void **state) {
  (void)state;
  static const reply ok[] = {{.status = 200}};
  server s;
  server_start(&s, ok, 1);
  char url[128];
  snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/traces", s.port);
  otelc_span_exporter *e =
      make(url, (otelc_otlp_opts){.certificate = "/nonexistent/ca.pem"});
  assert_log_has("otelc_otlp_opts.certificate: cannot read "
                 "'/nonexistent/ca.pem'");
  assert_int_equal(do_export(e, 5000), OTELC_ERR_EXPORT);
  otelc_otlp_stats st = stats(e);
  assert_int_equal(st.attempts, 1);
  assert_int_equal(st.failed, 1);
  assert_int_equal(server_requests(&s), 0);
  otelc_span_exporter_free(e);
  server_stop(&s);
}

/* A forked child does not use its parent's connection: it opens its own,
 * and the parent's keeps working. */
static void test_fork(void **state) {
  (void)state;
  static const reply ok[] = {{.status = 200}};
  server s;
  server_start(&s, ok, 1);
  char url[128];
  otelc_span_exporter *e =
      make(url_for(&s, url, sizeof url), (otelc_otlp_opts){0});
  assert_int_equal(do_export(e, 5000), OTELC_OK);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(do_export(e, 5000) == OTELC_OK ? 0 : 1);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(do_export(e, 5000), OTELC_OK);
  pthread_mutex_lock(&s.mu);
  assert_int_equal(s.requests, 3);
  assert_int_equal(s.connections, 2);
  pthread_mutex_unlock(&s.mu);
  otelc_span_exporter_free(e);
  server_stop(&s);
}

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
      cmocka_unit_test_setup(test_stats_registry, setup),
      cmocka_unit_test_setup(test_keepalive_headers, setup),
      cmocka_unit_test_setup(test_gzip_json, setup),
      cmocka_unit_test_setup(test_retries, setup),
      cmocka_unit_test_setup(test_permanent_failures, setup),
      cmocka_unit_test_setup(test_deadlines, setup),
      cmocka_unit_test_setup(test_shutdown_wakes_wait, setup),
      cmocka_unit_test_setup(test_partial_success, setup),
      cmocka_unit_test_setup(test_tls_bad_ca, setup),
      cmocka_unit_test_setup(test_fork, setup),
      cmocka_unit_test_setup(test_grpc_config, setup),
      cmocka_unit_test_setup(test_grpc_framing, setup),
      cmocka_unit_test_setup(test_grpc_message, setup),
      cmocka_unit_test_setup(test_grpc_status_class, setup),
      cmocka_unit_test_setup(test_grpc_trailers, setup),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
