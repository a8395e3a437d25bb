/*
 * The HTTP side of the Prometheus endpoint: listening sockets for every
 * address of the configured host, one libmicrohttpd daemon per socket
 * running a thread per connection (bounded in number and idle time, so a
 * slow client holds only its own thread), and a small pool of output
 * buffers reused across scrapes.
 *
 * Thread safety: requests run on libmicrohttpd's threads, several at
 * once; the pool is guarded by a mutex, the stop flag and the count of
 * scrapes under way are atomics.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/internal.h"
#include "prom_module.h"

/* Idle buffers kept for later scrapes. */
#define POOL_MAX 4u

typedef struct pooled {
  struct otelc__prom_server *srv;
  otelc_otlp_buffer buf;
} pooled;

struct otelc__prom_server {
  struct MHD_Daemon *daemons[OTELC__PROM_MAX_LISTEN];
  size_t n_daemons;
  uint16_t port;
  otelc__prom_scrape_fn scrape;
  void *ctx;
  atomic_bool stopping;
  atomic_int in_flight;
  pthread_mutex_t mu; /* pool and stopped */
  pooled *idle[POOL_MAX];
  size_t n_idle;
  bool stopped;
};

/* ---------------------------------------------------------------- pool -- */

static pooled *pool_get(otelc__prom_server *s) {
  pooled *p = NULL;
  pthread_mutex_lock(&s->mu);
  if (s->n_idle > 0)
    p = s->idle[--s->n_idle];
  pthread_mutex_unlock(&s->mu);
  if (!p) {
    p = otelc__calloc(1, sizeof *p);
    if (p)
      p->srv = s;
  }
  return p;
}

static void pool_put(pooled *p) {
  otelc__prom_server *s = p->srv;
  pthread_mutex_lock(&s->mu);
  if (s->n_idle < POOL_MAX) {
    s->idle[s->n_idle++] = p;
    p = NULL;
  }
  pthread_mutex_unlock(&s->mu);
  if (p) {
    otelc_otlp_buffer_free(&p->buf);
    otelc__free(p);
  }
}

/* libmicrohttpd frees a response with this. */
static void body_done(void *cls) {
  pool_put(cls);
}

/* ------------------------------------------------------------ requests -- */

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned int code,
                                   const char *text, bool allow) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "text/plain; charset=utf-8");
  if (allow)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result answer_metrics(otelc__prom_server *s,
                                      struct MHD_Connection *c) {
  if (atomic_load(&s->stopping))
    return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down\n",
                       false);
  const char *hdr = MHD_lookup_connection_value(
      c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
  uint32_t timeout_ms = otelc__prom_collect_timeout(hdr);
  pooled *p = pool_get(s);
  if (!p)
    return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
                       false);
  atomic_fetch_add(&s->in_flight, 1);
  otelc_status st = atomic_load(&s->stopping)
                        ? OTELC_ERR_SHUTDOWN
                        : s->scrape(s->ctx, &p->buf, timeout_ms);
  atomic_fetch_sub(&s->in_flight, 1);
  if (st != OTELC_OK) {
    pool_put(p);
    if (st == OTELC_ERR_NOMEM)
      return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
                         false);
    otelc_diag_log(OTELC_LOG_DEBUG,
                   "Prometheus endpoint: collection failed (%s)",
                   otelc_status_name(st));
    return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                       st == OTELC_ERR_SHUTDOWN ? "shutting down\n"
                                                : "collection failed\n",
                       false);
  }
#if MHD_VERSION >= 0x00097302
  struct MHD_Response *r =
      MHD_create_response_from_buffer_with_free_callback_cls(
          p->buf.len, p->buf.data, body_done, p);
  if (!r)
    pool_put(p);
#else
  struct MHD_Response *r = MHD_create_response_from_buffer(
      p->buf.len, p->buf.data, MHD_RESPMEM_MUST_COPY);
  body_done(p);
#endif
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          OTELC_PROMETHEUS_CONTENT_TYPE);
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ret;
}

/* libmicrohttpd's request handler: called once with the headers (and
 * again for any body, which is ignored). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req) {
  (void)version;
  (void)upload_data;
  static int marker;
  if (*req == NULL) {
    *req = &marker; /* first call: the headers are in */
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (strcmp(url, OTELC__PROM_PATH) != 0)
      return answer_text(c, MHD_HTTP_NOT_FOUND, "not found\n", false);
    if (!get && !head)
      return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
                         true);
    if (*upload_data_size == 0)
      return answer_metrics(cls, c);
  }
  *upload_data_size = 0; /* a body is read and ignored */
  return MHD_YES;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
    OTELC_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  for (size_t i = 0; i < n; i++) /* one line, whatever a client sent */
    if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
      msg[i] = ' ';
  otelc_diag_log(OTELC_LOG_DEBUG, "Prometheus endpoint (libmicrohttpd): %s",
                 msg);
}

/* ----------------------------------------------------------- listening -- */

static void addr_text(const struct sockaddr *sa, socklen_t len, char *out,
                      size_t cap) {
  char host[NI_MAXHOST];
  if (getnameinfo(sa, len, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
    snprintf(host, sizeof host, "?");
  snprintf(out, cap, sa->sa_family == AF_INET6 ? "[%s]" : "%s", host);
}

static void set_port(struct sockaddr *sa, uint16_t port) {
  if (sa->sa_family == AF_INET6)
    ((struct sockaddr_in6 *)(void *)sa)->sin6_port = htons(port);
  else
    ((struct sockaddr_in *)(void *)sa)->sin_port = htons(port);
}

typedef struct listen_addr {
  struct sockaddr_storage sa;
  socklen_t len;
} listen_addr;

/* Whether errno @p e means the system lacks the address family. */
static bool family_missing(int e) {
  return e == EAFNOSUPPORT || e == EADDRNOTAVAIL || e == EPROTONOSUPPORT;
}

/* Bind and listen on @p a at @p port. Returns the socket, or -1 with
 * errno set. */
static int listen_on(listen_addr *a, uint16_t port, bool v6only) {
  set_port((struct sockaddr *)&a->sa, port);
  int fd =
      socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (a->sa.ss_family == AF_INET6 && v6only)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a->sa, a->len) != 0 || listen(fd, 64) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void close_all(int *fds, size_t *n) {
  for (size_t i = 0; i < *n; i++)
    close(fds[i]);
  *n = 0;
}

/* Listen on every address of cfg->host; fills fds and the port. */
static otelc_status open_listeners(const otelc__prom_config *cfg, int *fds,
                                   size_t *n_fds, uint16_t *port_out) {
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int rc = getaddrinfo(cfg->host, NULL, &hints, &res);
  if (rc != 0) {
    otelc_diag_log(OTELC_LOG_ERROR,
                   "Prometheus endpoint: cannot resolve host \"%s\" (from "
                   "%s): %s",
                   cfg->host, cfg->host_from, gai_strerror(rc));
    return OTELC_ERR_IO;
  }
  listen_addr addrs[OTELC__PROM_MAX_LISTEN];
  size_t n_addrs = 0;
  for (struct addrinfo *ai = res; ai && n_addrs < OTELC__PROM_MAX_LISTEN;
       ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
        ai->ai_addrlen > sizeof addrs[0].sa)
      continue;
    bool dup = false;
    for (size_t i = 0; i < n_addrs && !dup; i++)
      dup = addrs[i].len == ai->ai_addrlen &&
            memcmp(&addrs[i].sa, ai->ai_addr, ai->ai_addrlen) == 0;
    if (dup)
      continue;
    memset(&addrs[n_addrs], 0, sizeof addrs[n_addrs]);
    memcpy(&addrs[n_addrs].sa, ai->ai_addr, ai->ai_addrlen);
    addrs[n_addrs].len = (socklen_t)ai->ai_addrlen;
    n_addrs++;
  }
  freeaddrinfo(res);

  char where[NI_MAXHOST + 4] = "?";
  int err = EADDRNOTAVAIL;
  /* With a free port chosen by the system for the first address, another
   * address may already use it: try again a few times. */
  for (int attempt = 0; attempt < 8; attempt++) {
    uint16_t port = cfg->port;
    bool retry = false;
    *n_fds = 0;
    for (size_t i = 0; i < n_addrs; i++) {
      int fd = listen_on(&addrs[i], port, n_addrs > 1);
      if (fd < 0) {
        err = errno;
        addr_text((struct sockaddr *)&addrs[i].sa, addrs[i].len, where,
                  sizeof where);
        if (family_missing(err) && n_addrs > 1) {
          otelc_diag_log(OTELC_LOG_DEBUG, "Prometheus endpoint: %s skipped: %s",
                         where, strerror(err));
          continue;
        }
        retry = err == EADDRINUSE && cfg->port == 0 && *n_fds > 0;
        close_all(fds, n_fds);
        break;
      }
      fds[(*n_fds)++] = fd;
      if (port == 0) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
          port = ntohs(ss.ss_family == AF_INET6
                           ? ((struct sockaddr_in6 *)(void *)&ss)->sin6_port
                           : ((struct sockaddr_in *)(void *)&ss)->sin_port);
      }
    }
    if (*n_fds > 0) {
      *port_out = port;
      return OTELC_OK;
    }
    if (!retry)
      break;
  }
  if (n_addrs == 0)
    snprintf(where, sizeof where, "%s", cfg->host);
  otelc_diag_log(OTELC_LOG_ERROR,
                 "Prometheus endpoint: cannot listen on %s port %u (host "
                 "\"%s\" from %s, port from %s): %s",
                 where, (unsigned)cfg->port, cfg->host, cfg->host_from,
                 cfg->port_from,
                 n_addrs ? strerror(err) : "no IPv4 or IPv6 address");
  return OTELC_ERR_IO;
}

/* -------------------------------------------------------------- server -- */

otelc_status otelc__prom_server_start(const otelc__prom_config *cfg,
                                      otelc__prom_scrape_fn scrape, void *ctx,
                                      otelc__prom_server **out) {
  if (!cfg || !scrape || !out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  otelc__prom_server *s = otelc__calloc(1, sizeof *s);
  if (!s)
    return OTELC_ERR_NOMEM;
  if (pthread_mutex_init(&s->mu, NULL) != 0) {
    otelc__free(s);
    return OTELC_ERR_NOMEM;
  }
  s->scrape = scrape;
  s->ctx = ctx;
  int fds[OTELC__PROM_MAX_LISTEN];
  size_t n_fds = 0;
  otelc_status st = open_listeners(cfg, fds, &n_fds, &s->port);
  if (st != OTELC_OK) {
    otelc__prom_server_free(s);
    return st;
  }
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
                       MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                       MHD_USE_ERROR_LOG;
  for (size_t i = 0; i < n_fds; i++) {
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, (void *)NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fds[i],
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)OTELC__PROM_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)OTELC__PROM_CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!d) {
      otelc_diag_log(OTELC_LOG_ERROR,
                     "Prometheus endpoint: libmicrohttpd did not start on "
                     "port %u",
                     (unsigned)s->port);
      for (size_t j = i; j < n_fds; j++)
        close(fds[j]);
      otelc__prom_server_free(s);
      return OTELC_ERR_IO;
    }
    s->daemons[s->n_daemons++] = d; /* it owns the socket now */
  }
  *out = s;
  return OTELC_OK;
}

uint16_t otelc__prom_server_port(const otelc__prom_server *s) {
  return s ? s->port : 0;
}

void otelc__prom_server_stop(otelc__prom_server *s, uint32_t timeout_ms) {
  if (!s)
    return;
  atomic_store(&s->stopping, true);
  pthread_mutex_lock(&s->mu);
  bool first = !s->stopped;
  s->stopped = true;
  pthread_mutex_unlock(&s->mu);
  if (!first)
    return;
  /* Scrapes under way get their time; new ones are refused already. */
  struct timespec nap = {0, 2 * 1000 * 1000};
  for (uint32_t waited = 0;
       atomic_load(&s->in_flight) > 0 && waited < timeout_ms; waited += 2)
    nanosleep(&nap, NULL);
  for (size_t i = 0; i < s->n_daemons; i++)
    MHD_stop_daemon(s->daemons[i]);
  s->n_daemons = 0;
}

void otelc__prom_server_free(otelc__prom_server *s) {
  if (!s)
    return;
  otelc__prom_server_stop(s, 1000);
  for (size_t i = 0; i < s->n_idle; i++) {
    otelc_otlp_buffer_free(&s->idle[i]->buf);
    otelc__free(s->idle[i]);
  }
  pthread_mutex_destroy(&s->mu);
  otelc__free(s);
}
