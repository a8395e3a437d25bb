/*
 * test_otlp_http_unit - the OTLP/HTTP exporter of libotelc_otlp against a
 * small scripted HTTP server run by the test itself: the stats registry,
 * keep-alive and the request's headers and body, gzip and JSON, retries
 * and Retry-After, permanent failures and the response size limit,
 * deadlines, shutdown during a wait, partial success, an unreadable CA
 * file, and a forked child.
 *
 * Linked with the module's object library (otelc_otlp_objects), whose
 * internal functions the shared library hides; see modules/otlp/
 * otlp_module.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
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

#include "otelc/exporters.h"
#include "otelc/otelc.h"
#include "otelc/otlp.h"
#include "otelc/otlp_encode.h"
#include "otelc/sampler.h"
#include "otlp_unit_fixture.h"

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
  capture_diagnostics();
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

int main(void) {
  const struct CMUnitTest tests[] = {
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
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
