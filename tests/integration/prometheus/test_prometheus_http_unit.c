/* libotelc_prometheus's parts on their own: configuration from options
 * and the environment, the scrape-timeout header, and the HTTP server
 * driven by a scrape callback that writes a hand-built collection
 * (answers, headers, HEAD, errors, concurrent scrapes, a stalled client,
 * stopping during a scrape, buffer reuse, bind failures, IPv6); then the
 * reader with the metrics SDK (serving, shutdown closing the port, the
 * port from the environment). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "otelc/metrics.h"
#include "otelc/prometheus.h"
#include "prom_module.h"

/* ---------------------------------------------------------- diagnostics -- */

static char last_diag[1024];
static int n_diag;
static pthread_mutex_t diag_mu = PTHREAD_MUTEX_INITIALIZER;

static void diag_handler(otelc_log_level level, const char *msg, void *ud) {
  (void)ud;
  if (level < OTELC_LOG_WARN)
    return;
  pthread_mutex_lock(&diag_mu);
  n_diag++;
  snprintf(last_diag, sizeof last_diag, "%s", msg);
  pthread_mutex_unlock(&diag_mu);
}

static void diag_reset(void) {
  pthread_mutex_lock(&diag_mu);
  n_diag = 0;
  last_diag[0] = '\0';
  pthread_mutex_unlock(&diag_mu);
}

static int setup(void **state) {
  (void)state;
  unsetenv("OTEL_EXPORTER_PROMETHEUS_HOST");
  unsetenv("OTEL_EXPORTER_PROMETHEUS_PORT");
  otelc_diag_set_handler(diag_handler, NULL);
  diag_reset();
  return 0;
}

/* -------------------------------------------------------- configuration -- */

static void test_config_defaults_and_options(void **state) {
  (void)state;
  otelc__prom_config c;
  assert_int_equal(otelc__prom_config_resolve(NULL, &c), OTELC_OK);
  assert_string_equal(c.host, "localhost");
  assert_int_equal(c.port, 9464);
  otelc_prometheus_opts o = {.host = "[::1]", .port = 9000};
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_string_equal(c.host, "::1");
  assert_int_equal(c.port, 9000);
  assert_string_equal(c.host_from, "option");
  o.port = -1;
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_int_equal(c.port, 0);
  o.port = 70000;
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_ERR_INVALID_ARG);
  o.port = -2;
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_ERR_INVALID_ARG);
  o.port = 0;
  o.host = "bad host";
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_ERR_INVALID_ARG);
  o.host = "[]";
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_ERR_INVALID_ARG);
}

static void test_config_environment(void **state) {
  (void)state;
  otelc__prom_config c;
  otelc_prometheus_opts o = {.host = "127.0.0.1", .port = 9000};
  setenv("OTEL_EXPORTER_PROMETHEUS_HOST", " 0.0.0.0 ", 1);
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "9500", 1);
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_string_equal(c.host, "0.0.0.0");
  assert_int_equal(c.port, 9500);
  assert_string_equal(c.port_from, "OTEL_EXPORTER_PROMETHEUS_PORT");
  /* Invalid values are reported and the options stay. */
  diag_reset();
  setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "a b", 1);
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "0", 1);
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_string_equal(c.host, "127.0.0.1");
  assert_int_equal(c.port, 9000);
  assert_int_equal(n_diag, 2);
  assert_non_null(strstr(last_diag, "OTEL_EXPORTER_PROMETHEUS_PORT"));
  unsetenv("OTEL_EXPORTER_PROMETHEUS_HOST");
  diag_reset();
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "65536", 1);
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_int_equal(c.port, 9000);
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "http", 1);
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_int_equal(c.port, 9000);
  assert_int_equal(n_diag, 2);
  /* Empty means unset. */
  setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "", 1);
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", "", 1);
  assert_int_equal(otelc__prom_config_resolve(NULL, &c), OTELC_OK);
  assert_string_equal(c.host, "localhost");
  assert_int_equal(c.port, 9464);
  unsetenv("OTEL_EXPORTER_PROMETHEUS_HOST");
  unsetenv("OTEL_EXPORTER_PROMETHEUS_PORT");
}

static void test_timeout_header(void **state) {
  (void)state;
  uint32_t ms = 0;
  assert_true(otelc__prom_parse_timeout("10", SIZE_MAX, &ms));
  assert_int_equal(ms, 10000);
  assert_true(otelc__prom_parse_timeout(" 0.5\t", SIZE_MAX, &ms));
  assert_int_equal(ms, 500);
  assert_true(otelc__prom_parse_timeout("2.2509", SIZE_MAX, &ms));
  assert_int_equal(ms, 2250);
  assert_true(otelc__prom_parse_timeout(".25", SIZE_MAX, &ms));
  assert_int_equal(ms, 250);
  assert_true(otelc__prom_parse_timeout("99999999999999999999", SIZE_MAX, &ms));
  assert_int_equal(ms, 86400000);
  assert_true(otelc__prom_parse_timeout("3x", 1, &ms)); /* length-bound */
  assert_int_equal(ms, 3000);
  const char *bad[] = {"",      " ",   "0",   "0.0", "-1",    "1e3",
                       "1.2.3", "abc", "1 2", ".",   "0.0004"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ms = 7;
    assert_false(otelc__prom_parse_timeout(bad[i], SIZE_MAX, &ms));
    assert_int_equal(ms, 7);
  }
  assert_false(otelc__prom_parse_timeout(NULL, SIZE_MAX, &ms));
  assert_int_equal(otelc__prom_collect_timeout(NULL), 10000);
  assert_int_equal(otelc__prom_collect_timeout("junk"), 10000);
  assert_int_equal(otelc__prom_collect_timeout("2"), 1800);
  assert_int_equal(otelc__prom_collect_timeout("0.01"), 50);
  assert_int_equal(otelc__prom_collect_timeout("120"), 30000);
}

/* --------------------------------------------------------- HTTP client -- */

typedef struct http_resp {
  int status;
  char head[4096]; /* status line and headers */
  char body[65536];
  size_t body_len;
} http_resp;

static int connect_to(int family, uint16_t port) {
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int rc;
  if (family == AF_INET6) {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    a.sin6_addr = in6addr_loopback;
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  } else {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Send @p req (a full request) and read the answer until the server
 * closes. False when the connection fails. */
static bool http_do(int family, uint16_t port, const char *req, http_resp *r) {
  memset(r, 0, sizeof *r);
  int fd = connect_to(family, port);
  if (fd < 0)
    return false;
  size_t n = strlen(req);
  if (send(fd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
    close(fd);
    return false;
  }
  static __thread char raw[sizeof r->head + sizeof r->body];
  size_t got = 0;
  for (;;) {
    ssize_t k = recv(fd, raw + got, sizeof raw - 1 - got, 0);
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  close(fd);
  raw[got] = '\0';
  char *end = strstr(raw, "\r\n\r\n");
  if (!end)
    return false;
  size_t hl = (size_t)(end - raw);
  if (hl >= sizeof r->head)
    return false;
  memcpy(r->head, raw, hl);
  r->head[hl] = '\0';
  r->body_len = got - hl - 4;
  memcpy(r->body, end + 4, r->body_len);
  r->body[r->body_len] = '\0';
  if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
    return false;
  return true;
}

static bool get(uint16_t port, const char *method, const char *path,
                const char *extra, http_resp *r) {
  char req[512];
  snprintf(req, sizeof req,
           "%s %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n",
           method, path, extra ? extra : "");
  return http_do(AF_INET, port, req, r);
}

/* A header's value (case-insensitive name), or NULL. */
static const char *header(const http_resp *r, const char *name, char *out,
                          size_t cap) {
  const char *p = strstr(r->head, "\r\n");
  size_t nl = strlen(name);
  while (p) {
    p += 2;
    if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (*v == ' ')
        v++;
      const char *e = strstr(v, "\r\n");
      size_t len = e ? (size_t)(e - v) : strlen(v);
      if (len >= cap)
        len = cap - 1;
      memcpy(out, v, len);
      out[len] = '\0';
      return out;
    }
    p = strstr(p, "\r\n");
  }
  return NULL;
}

/* ------------------------------------------------------------ the fake -- */

typedef struct fake {
  atomic_int calls;
  atomic_uint last_timeout;
  int sleep_ms;
  otelc_status fail;
  void *_Atomic last_data; /* the buffer's memory at the last call */
  atomic_int reused;       /* calls that got memory already grown */
} fake;

static const char *const EXPECTED = "# HELP up_seconds Uptime.\n"
                                    "# TYPE up_seconds gauge\n"
                                    "up_seconds{otel_scope_name=\"fake\"} 42\n";

static otelc_status fake_scrape(void *ctx, otelc_otlp_buffer *out,
                                uint32_t timeout_ms) {
  fake *f = ctx;
  atomic_fetch_add(&f->calls, 1);
  atomic_store(&f->last_timeout, timeout_ms);
  if (out->data)
    atomic_fetch_add(&f->reused, 1);
  if (f->sleep_ms) {
    struct timespec ts = {f->sleep_ms / 1000,
                          (long)(f->sleep_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (f->fail != OTELC_OK)
    return f->fail;
  static const otelc_scope_info scope = {.name = "fake"};
  const otelc_number_point pt = {.is_int = true, .value.i = 42};
  otelc_metric m = {.name = "up",
                    .description = "Uptime.",
                    .unit = "s",
                    .type = OTELC_METRIC_GAUGE,
                    .n_points = 1};
  m.points.numbers = &pt;
  const otelc_scope_metrics sm = {&scope, &m, 1};
  const otelc_resource_metrics d = {NULL, &sm, 1};
  otelc_status st = otelc_prometheus_write(&d, NULL, out);
  atomic_store(&f->last_data, out->data);
  return st;
}

static otelc__prom_server *start(fake *f, const char *host, int32_t port) {
  otelc__prom_config c;
  otelc_prometheus_opts o = {.host = host, .port = port};
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  otelc__prom_server *s = NULL;
  assert_int_equal(otelc__prom_server_start(&c, fake_scrape, f, &s), OTELC_OK);
  assert_non_null(s);
  assert_int_not_equal(otelc__prom_server_port(s), 0);
  return s;
}

/* ------------------------------------------------------------- answers -- */

static void test_get_head_and_errors(void **state) {
  (void)state;
  fake f = {0};
  otelc__prom_server *s = start(&f, "127.0.0.1", -1);
  uint16_t port = otelc__prom_server_port(s);
  http_resp r;
  char v[256];

  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 200);
  assert_string_equal(header(&r, "Content-Type", v, sizeof v),
                      "text/plain; version=0.0.4; charset=utf-8");
  assert_string_equal(r.body, EXPECTED);
  assert_int_equal(atomic_load(&f.last_timeout), 10000);

  /* HEAD: the same headers, no body. */
  assert_true(get(port, "HEAD", "/metrics", NULL, &r));
  assert_int_equal(r.status, 200);
  char len[16];
  snprintf(len, sizeof len, "%zu", strlen(EXPECTED));
  assert_string_equal(header(&r, "Content-Length", v, sizeof v), len);
  assert_int_equal(r.body_len, 0);

  /* The scraper's timeout shortens the collection's. */
  assert_true(get(port, "GET", "/metrics",
                  "X-Prometheus-Scrape-Timeout-Seconds: 2\r\n", &r));
  assert_int_equal(r.status, 200);
  assert_int_equal(atomic_load(&f.last_timeout), 1800);

  /* A query string is not part of the path. */
  assert_true(get(port, "GET", "/metrics?x=1", NULL, &r));
  assert_int_equal(r.status, 200);

  int calls = atomic_load(&f.calls);
  assert_true(get(port, "GET", "/", NULL, &r));
  assert_int_equal(r.status, 404);
  assert_true(get(port, "GET", "/metrics/", NULL, &r));
  assert_int_equal(r.status, 404);
  assert_true(get(port, "POST", "/metrics", "Content-Length: 0\r\n", &r));
  assert_int_equal(r.status, 405);
  assert_string_equal(header(&r, "Allow", v, sizeof v), "GET, HEAD");
  assert_true(get(port, "DELETE", "/metrics", NULL, &r));
  assert_int_equal(r.status, 405);
  assert_true(get(port, "POST", "/other", "Content-Length: 0\r\n", &r));
  assert_int_equal(r.status, 404);
  assert_int_equal(atomic_load(&f.calls), calls); /* none collected */

  /* A failing collection: 503 with a short text. */
  f.fail = OTELC_ERR_SHUTDOWN;
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 503);
  assert_string_equal(r.body, "shutting down\n");
  f.fail = OTELC_ERR_STATE;
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 503);
  assert_string_equal(r.body, "collection failed\n");
  f.fail = OTELC_OK;

  otelc__prom_server_stop(s, 1000);
  assert_false(get(port, "GET", "/metrics", NULL, &r)); /* refused */
  otelc__prom_server_stop(s, 1000);                     /* again: nothing */
  otelc__prom_server_free(s);
}

static void test_buffer_reused(void **state) {
  (void)state;
  fake f = {0};
  otelc__prom_server *s = start(&f, "127.0.0.1", -1);
  uint16_t port = otelc__prom_server_port(s);
  http_resp r;
  for (int i = 0; i < 5; i++) {
    assert_true(get(port, "GET", "/metrics", NULL, &r));
    assert_int_equal(r.status, 200);
  }
  /* One at a time: every scrape after the first reuses grown memory. */
  assert_int_equal(atomic_load(&f.calls), 5);
  assert_int_equal(atomic_load(&f.reused), 4);
  otelc__prom_server_free(s);
}

typedef struct client {
  uint16_t port;
  int ok;
} client;

static void *scrape_many(void *arg) {
  client *c = arg;
  http_resp *r = malloc(sizeof *r);
  for (int i = 0; i < 20; i++)
    if (r && get(c->port, "GET", "/metrics", NULL, r) && r->status == 200 &&
        strcmp(r->body, EXPECTED) == 0)
      c->ok++;
  free(r);
  return NULL;
}

static void test_concurrent_scrapes(void **state) {
  (void)state;
  fake f = {0};
  otelc__prom_server *s = start(&f, "127.0.0.1", -1);
  enum { T = 8 };
  pthread_t th[T];
  client cl[T];
  for (int i = 0; i < T; i++) {
    cl[i] = (client){otelc__prom_server_port(s), 0};
    assert_int_equal(pthread_create(&th[i], NULL, scrape_many, &cl[i]), 0);
  }
  for (int i = 0; i < T; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(cl[i].ok, 20);
  }
  assert_int_equal(atomic_load(&f.calls), T * 20);
  otelc__prom_server_free(s);
}

/* Time limits stretch under valgrind, which runs code far slower. */
static double slack(void) {
  return getenv("OTELC_TEST_UNDER_VALGRIND") ? 10.0 : 1.0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_stalled_client(void **state) {
  (void)state;
  fake f = {0};
  otelc__prom_server *s = start(&f, "127.0.0.1", -1);
  uint16_t port = otelc__prom_server_port(s);
  /* Connections that send half a request and then nothing. */
  int stalled[3];
  for (int i = 0; i < 3; i++) {
    stalled[i] = connect_to(AF_INET, port);
    assert_true(stalled[i] >= 0);
    assert_int_equal(send(stalled[i], "GET /met", 8, MSG_NOSIGNAL), 8);
  }
  /* Other scrapes are served meanwhile. */
  http_resp r;
  double t0 = now_s();
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 200);
  assert_true(now_s() - t0 < 2.0 * slack());
  /* Stopping does not wait for them. */
  t0 = now_s();
  otelc__prom_server_free(s);
  assert_true(now_s() - t0 < 3.0 * slack());
  for (int i = 0; i < 3; i++)
    close(stalled[i]);
}

typedef struct slow_get {
  uint16_t port;
  http_resp r;
  bool ok;
} slow_get;

static void *do_slow_get(void *arg) {
  slow_get *g = arg;
  g->ok = get(g->port, "GET", "/metrics", NULL, &g->r);
  return NULL;
}

static void test_stop_during_scrape(void **state) {
  (void)state;
  fake f = {.sleep_ms = 400};
  otelc__prom_server *s = start(&f, "127.0.0.1", -1);
  slow_get *g = calloc(1, sizeof *g);
  assert_non_null(g);
  g->port = otelc__prom_server_port(s);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, do_slow_get, g), 0);
  while (atomic_load(&f.calls) == 0) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  /* The scrape under way completes; a new one is refused. */
  otelc__prom_server_stop(s, 5000);
  pthread_join(th, NULL);
  assert_true(g->ok);
  assert_int_equal(g->r.status, 200);
  assert_string_equal(g->r.body, EXPECTED);
  http_resp r;
  assert_false(get(g->port, "GET", "/metrics", NULL, &r));
  free(g);
  otelc__prom_server_free(s);
}

/* ------------------------------------------------------------ binding -- */

static void test_port_in_use(void **state) {
  (void)state;
  fake f = {0};
  otelc__prom_server *s = start(&f, "127.0.0.1", -1);
  uint16_t port = otelc__prom_server_port(s);
  otelc__prom_config c;
  otelc_prometheus_opts o = {.host = "127.0.0.1", .port = port};
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  diag_reset();
  otelc__prom_server *s2 = NULL;
  assert_int_equal(otelc__prom_server_start(&c, fake_scrape, &f, &s2),
                   OTELC_ERR_IO);
  assert_null(s2);
  char want[32];
  snprintf(want, sizeof want, "port %u", (unsigned)port);
  assert_non_null(strstr(last_diag, want));
  assert_non_null(strstr(last_diag, "in use"));
  /* The first server still answers. */
  http_resp r;
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 200);
  otelc__prom_server_free(s);

  /* Through the public constructor too. */
  otelc__prom_server *s3 = start(&f, "127.0.0.1", -1);
  otelc_metric_reader *reader = NULL;
  o.port = otelc__prom_server_port(s3);
  diag_reset();
  assert_int_equal(otelc_prometheus_reader_new(&o, &reader), OTELC_ERR_IO);
  assert_null(reader);
  assert_non_null(strstr(last_diag, "in use"));
  otelc__prom_server_free(s3);
}

static void test_bad_host(void **state) {
  (void)state;
  otelc__prom_config c;
  otelc_prometheus_opts o = {.host = "no-such-host.invalid", .port = -1};
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  diag_reset();
  otelc__prom_server *s = NULL;
  fake f = {0};
  assert_int_equal(otelc__prom_server_start(&c, fake_scrape, &f, &s),
                   OTELC_ERR_IO);
  assert_non_null(strstr(last_diag, "no-such-host.invalid"));
  /* An address of no local interface. */
  o.host = "192.0.2.1";
  assert_int_equal(otelc__prom_config_resolve(&o, &c), OTELC_OK);
  assert_int_equal(otelc__prom_server_start(&c, fake_scrape, &f, &s),
                   OTELC_ERR_IO);
  assert_non_null(strstr(last_diag, "192.0.2.1"));
  /* Invalid options never reach the network. */
  otelc_metric_reader *reader = NULL;
  o.port = 123456;
  assert_int_equal(otelc_prometheus_reader_new(&o, &reader),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_prometheus_reader_new(&o, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_prometheus_reader_port(NULL), 0);
}

static bool have_ipv6_loopback(void) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  struct sockaddr_in6 a = {.sin6_family = AF_INET6};
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static void test_ipv6_and_localhost(void **state) {
  (void)state;
  if (!have_ipv6_loopback())
    skip();
  fake f = {0};
  http_resp r;
  otelc__prom_server *s = start(&f, "[::1]", -1);
  uint16_t port = otelc__prom_server_port(s);
  assert_true(http_do(AF_INET6, port,
                      "GET /metrics HTTP/1.1\r\nHost: [::1]\r\n"
                      "Connection: close\r\n\r\n",
                      &r));
  assert_int_equal(r.status, 200);
  otelc__prom_server_free(s);

  /* "localhost" listens on every address it resolves to (127.0.0.1, and
   * ::1 where the system maps it), on one port. */
  bool v4 = false, v6 = false;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  assert_int_equal(getaddrinfo("localhost", NULL, &hints, &res), 0);
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    v4 |= ai->ai_family == AF_INET;
    v6 |= ai->ai_family == AF_INET6;
  }
  freeaddrinfo(res);
  assert_true(v4 || v6);
  s = start(&f, "localhost", -1);
  port = otelc__prom_server_port(s);
  const char *req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
                    "Connection: close\r\n\r\n";
  assert_int_equal(http_do(AF_INET, port, req, &r), v4);
  if (v4)
    assert_int_equal(r.status, 200);
  assert_int_equal(http_do(AF_INET6, port, req, &r), v6);
  if (v6)
    assert_int_equal(r.status, 200);
  otelc__prom_server_free(s);
}

/* ------------------------------------------------------ through the SDK -- */

static uint16_t free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static void test_reader_serves_and_stops(void **state) {
  (void)state;
  otelc_prometheus_opts o = {
      .host = "127.0.0.1", .port = -1, .without_target_info = true};
  otelc_metric_reader *reader = NULL;
  assert_int_equal(otelc_prometheus_reader_new(&o, &reader), OTELC_OK);
  uint16_t port = otelc_prometheus_reader_port(reader);
  assert_int_not_equal(port, 0);
  http_resp r;
  /* Listening already, but no provider to collect from yet. */
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 503);

  otelc_meter_provider_opts mo = {.readers = &reader, .n_readers = 1};
  otelc_meter_provider *mp = NULL;
  assert_int_equal(otelc_meter_provider_new(&mo, &mp), OTELC_OK);
  const otelc_scope_info scope = {.name = "t"};
  otelc_meter *m = otelc_meter_provider_get_meter(mp, &scope);
  otelc_instrument_opts io = {.description = "Jobs.", .unit = "{job}"};
  otelc_counter *c = otelc_meter_counter(m, "jobs.done", &io);
  otelc_counter_add(c, 3, NULL, 0);
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "# HELP jobs_done_total Jobs.\n"
                              "# TYPE jobs_done_total counter\n"
                              "jobs_done_total{otel_scope_name=\"t\"} 3\n");
  otelc_counter_add(c, 2, NULL, 0);
  assert_true(get(port, "GET", "/metrics", NULL, &r));
  assert_non_null(strstr(r.body, "jobs_done_total{otel_scope_name=\"t\"} 5\n"));

  /* Shutting the provider down stops the endpoint. */
  assert_int_equal(otelc_meter_provider_shutdown(mp, 2000), OTELC_OK);
  assert_false(get(port, "GET", "/metrics", NULL, &r));
  assert_int_equal(otelc_prometheus_reader_port(reader), port);
  otelc_meter_provider_free(mp);
}

static void test_reader_port_from_environment(void **state) {
  (void)state;
  uint16_t want = free_port();
  char v[16];
  snprintf(v, sizeof v, "%u", (unsigned)want);
  setenv("OTEL_EXPORTER_PROMETHEUS_PORT", v, 1);
  setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1", 1);
  otelc_prometheus_opts o = {.host = "::1", .port = -1};
  otelc_metric_reader *reader = NULL;
  otelc_status st = otelc_prometheus_reader_new(&o, &reader);
  unsetenv("OTEL_EXPORTER_PROMETHEUS_PORT");
  unsetenv("OTEL_EXPORTER_PROMETHEUS_HOST");
  assert_int_equal(st, OTELC_OK);
  assert_int_equal(otelc_prometheus_reader_port(reader), want);
  http_resp r;
  assert_true(get(want, "GET", "/metrics", NULL, &r)); /* on 127.0.0.1 */
  assert_int_equal(r.status, 503);                     /* no provider */
  otelc_metric_reader_free(reader);
  assert_false(get(want, "GET", "/metrics", NULL, &r));

  /* Another kind of reader has no port. */
  otelc_metric_reader *pull = NULL;
  assert_int_equal(otelc_pull_reader_new(NULL, NULL, NULL, &pull), OTELC_OK);
  assert_int_equal(otelc_prometheus_reader_port(pull), 0);
  otelc_metric_reader_free(pull);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_config_defaults_and_options, setup),
      cmocka_unit_test_setup(test_config_environment, setup),
      cmocka_unit_test_setup(test_timeout_header, setup),
      cmocka_unit_test_setup(test_get_head_and_errors, setup),
      cmocka_unit_test_setup(test_buffer_reused, setup),
      cmocka_unit_test_setup(test_concurrent_scrapes, setup),
      cmocka_unit_test_setup(test_stalled_client, setup),
      cmocka_unit_test_setup(test_stop_during_scrape, setup),
      cmocka_unit_test_setup(test_port_in_use, setup),
      cmocka_unit_test_setup(test_bad_host, setup),
      cmocka_unit_test_setup(test_ipv6_and_localhost, setup),
      cmocka_unit_test_setup(test_reader_serves_and_stops, setup),
      cmocka_unit_test_setup(test_reader_port_from_environment, setup),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  otelc_diag_set_handler(NULL, NULL);
  return rc;
}
