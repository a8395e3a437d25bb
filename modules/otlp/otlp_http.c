/*
 * The OTLP span exporter, over HTTP (http/protobuf, http/json) or gRPC:
 * libcurl for the transport, zlib for gzip.
 *
 * One libcurl easy handle per exporter, reused by every export so that the
 * connection is kept alive between batches. An export encodes the spans
 * into a reused buffer (otelc_otlp_encode_spans), compresses them into
 * another when gzip is on, and POSTs them until one attempt succeeds, an
 * answer says not to retry, or the export's deadline would pass:
 *
 *   deadline = start + min(timeout given by the processor, configured
 *                          timeout)
 *
 * Each attempt is given the time left as its libcurl timeout. Between
 * attempts the exporter waits the backoff delay, or what Retry-After (or,
 * over gRPC, a RetryInfo) asked for, on a condition variable that
 * shutdown signals; a wait that would end past the deadline is not
 * started, the export fails at once. Both transports share this loop;
 * they differ only in the request they build and how they read the
 * answer.
 *
 * OTLP/gRPC is a unary call over HTTP/2: cleartext HTTP/2 with prior
 * knowledge (h2c) for an http:// endpoint, HTTP/2 negotiated by TLS ALPN
 * for https:// (with the same TLS settings as HTTP). The body is one
 * length-prefixed message (flag, 4-byte big-endian length, the protobuf
 * ExportTraceServiceRequest; flag 1 and grpc-encoding: gzip when
 * compressed), and grpc-timeout carries the time left. The answer must be
 * HTTP 200 over HTTP/2; its grpc-status and grpc-message come in the
 * trailers (or the headers of a trailers-only answer), which libcurl
 * hands to the header callback after the body. See otlp_grpc.c.
 *
 * libcurl's global state is initialised once per process, with
 * curl_global_init(CURL_GLOBAL_DEFAULT) under a pthread_once, when the
 * first exporter is created, and never cleaned up (other parts of the
 * program may use libcurl too). A program that calls curl_global_init
 * itself should do so before creating an exporter from another thread,
 * as libcurl asks.
 *
 * After fork() the child leaves the inherited handle alone (cleaning it
 * up could close a TLS session its parent still uses) and opens a
 * connection of its own.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "common/internal.h"
#include "otelc/otlp_encode.h"
#include "otelc/version.h"
#include "otlp_module.h"

/* A warning for a failure like the last one warned about is repeated at
 * most this often; the others go to the debug level. */
#define REWARN_NS (60ull * 1000000000ull)
/* Response buffer capacity kept between attempts. */
#define RESP_KEEP (64u * 1024u)

typedef struct otlp_exporter otlp_exporter;

struct otlp_exporter {
  otelc__otlp_config cfg;
  char url_log[256]; /* cfg.url without secrets, for log lines */
  char user_agent[64];

  CURL *curl;
  CURL *inherited; /* the parent's handle after fork(), never touched */
  struct curl_slist *headers;
  pid_t pid; /* the process the handle belongs to */
  char errbuf[CURL_ERROR_SIZE];

  /* gRPC: the answer's status, and the per-attempt grpc-timeout header,
   * a list node placed before the fixed headers. */
  otelc__otlp_grpc_status gs;
  struct curl_slist timeout_node;
  char timeout_line[48];

  otelc_otlp_buffer body; /* encoded request */
  uint8_t *gz;            /* compressed request */
  size_t gz_cap;
  z_stream zs;
  bool zs_ready;

  uint8_t *resp; /* response body, at most OTELC__OTLP_MAX_RESPONSE */
  size_t resp_len, resp_cap;
  bool resp_too_big;

  uint64_t rng; /* jitter; used by the exporting thread only */

  /* Shutdown, and the wait between attempts. */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_bool shut;

  /* Log throttling (exporting thread only). */
  long last_warned_kind;
  uint64_t last_warned_ns;
  uint64_t failed_in_row;
  atomic_bool warned_partial;

  _Atomic uint64_t exports, attempts, succeeded, failed, rejected_spans;
  _Atomic long last_http_status;

  /* The registry of live exporters, for otelc_otlp_exporter_get_stats. */
  otelc_span_exporter *handle;
  otlp_exporter *next;
};

/* ------------------------------------------------------------ registry -- */

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static otlp_exporter *registry;

static void registry_add(otlp_exporter *x, otelc_span_exporter *e) {
  pthread_mutex_lock(&registry_mu);
  x->handle = e;
  x->next = registry;
  registry = x;
  pthread_mutex_unlock(&registry_mu);
}

static void registry_remove(otlp_exporter *x) {
  pthread_mutex_lock(&registry_mu);
  for (otlp_exporter **p = &registry; *p; p = &(*p)->next) {
    if (*p == x) {
      *p = x->next;
      break;
    }
  }
  pthread_mutex_unlock(&registry_mu);
}

void *otelc__otlp_state(otelc_span_exporter *e) {
  void *found = NULL;
  pthread_mutex_lock(&registry_mu);
  for (otlp_exporter *x = registry; x && !found; x = x->next)
    if (x->handle == e)
      found = x;
  pthread_mutex_unlock(&registry_mu);
  return found;
}

void otelc_otlp_exporter_get_stats(otelc_span_exporter *e,
                                   otelc_otlp_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (!e)
    return;
  pthread_mutex_lock(&registry_mu);
  for (otlp_exporter *x = registry; x; x = x->next) {
    if (x->handle != e)
      continue;
    out->exports = atomic_load(&x->exports);
    out->attempts = atomic_load(&x->attempts);
    out->succeeded = atomic_load(&x->succeeded);
    out->failed = atomic_load(&x->failed);
    out->rejected_spans = atomic_load(&x->rejected_spans);
    out->last_http_status = atomic_load(&x->last_http_status);
    break;
  }
  pthread_mutex_unlock(&registry_mu);
}

/* ---------------------------------------------------------------- time -- */

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: enough for jitter. */
static uint64_t next_random(otlp_exporter *x) {
  uint64_t z = (x->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Wait @p ms unless shut down first; false when shut down. */
static bool wait_ms(otlp_exporter *x, uint64_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t ns = (uint64_t)ts.tv_nsec + (ms % 1000u) * 1000000ull;
  ts.tv_sec += (time_t)(ms / 1000u + ns / 1000000000ull);
  ts.tv_nsec = (long)(ns % 1000000000ull);
  pthread_mutex_lock(&x->mu);
  while (!atomic_load(&x->shut)) {
    if (pthread_cond_timedwait(&x->cv, &x->mu, &ts) == ETIMEDOUT)
      break;
  }
  bool ok = !atomic_load(&x->shut);
  pthread_mutex_unlock(&x->mu);
  return ok;
}

/* ------------------------------------------------------------- logging -- */

/* A failure: warned about when it differs from the last warning or that
 * one is old; otherwise logged at the debug level. */
OTELC_PRINTF(3, 4)
static void log_failure(otlp_exporter *x, long kind, const char *fmt, ...) {
  uint64_t now = mono_ns();
  otelc_log_level level = OTELC_LOG_DEBUG;
  if (kind != x->last_warned_kind || x->last_warned_ns == 0 ||
      now - x->last_warned_ns >= REWARN_NS) {
    level = OTELC_LOG_WARN;
    x->last_warned_kind = kind;
    x->last_warned_ns = now;
  }
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  otelc_diag_log(level, "%s", buf);
}

/* ---------------------------------------------------------------- curl -- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void) {
  curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
  otlp_exporter *x = arg;
  size_t len = size * n;
  if (len > OTELC__OTLP_MAX_RESPONSE - x->resp_len) {
    x->resp_too_big = true;
    return 0; /* CURLE_WRITE_ERROR */
  }
  if (x->resp_len + len > x->resp_cap) {
    size_t cap = x->resp_cap ? x->resp_cap : 4096;
    while (cap < x->resp_len + len)
      cap *= 2;
    if (cap > OTELC__OTLP_MAX_RESPONSE)
      cap = OTELC__OTLP_MAX_RESPONSE;
    uint8_t *grown = otelc__realloc(x->resp, cap);
    if (!grown)
      return 0;
    x->resp = grown;
    x->resp_cap = cap;
  }
  memcpy(x->resp + x->resp_len, data, len);
  x->resp_len += len;
  return len;
}

/* gRPC: the answer's header and trailer lines. */
static size_t on_header(char *data, size_t size, size_t n, void *arg) {
  otlp_exporter *x = arg;
  otelc__otlp_grpc_header_line(&x->gs, data, size * n);
  return size * n;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *line,
                                     bool *ok) {
  struct curl_slist *l = curl_slist_append(list, line);
  if (!l)
    *ok = false;
  return l ? l : list;
}

static otelc_status build_headers(otlp_exporter *x) {
  bool ok = true;
  struct curl_slist *h = NULL;
  if (x->cfg.grpc) {
    h = add_header(h, "content-type: application/grpc", &ok);
    h = add_header(h, "te: trailers", &ok);
    if (x->cfg.gzip)
      h = add_header(h, "grpc-encoding: gzip", &ok);
    /* libcurl's own, which gRPC has no use for. */
    h = add_header(h, "accept:", &ok);
  } else {
    h = add_header(h,
                   x->cfg.json ? "Content-Type: application/json"
                               : "Content-Type: application/x-protobuf",
                   &ok);
    if (x->cfg.gzip)
      h = add_header(h, "Content-Encoding: gzip", &ok);
    /* No "Expect: 100-continue" round trip before larger bodies. */
    h = add_header(h, "Expect:", &ok);
  }
  for (size_t i = 0; i < x->cfg.n_headers; i++)
    h = add_header(h, x->cfg.headers[i], &ok);
  if (!ok) {
    curl_slist_free_all(h);
    return OTELC_ERR_NOMEM;
  }
  x->headers = h;
  return OTELC_OK;
}

#define SETOPT(h, opt, val) ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK

/* A configured easy handle, or NULL. */
static CURL *make_handle(otlp_exporter *x) {
  CURL *h = curl_easy_init();
  if (!h)
    return NULL;
  bool ok = true;
  SETOPT(h, CURLOPT_URL, x->cfg.url);
  SETOPT(h, CURLOPT_NOSIGNAL, 1L);
  SETOPT(h, CURLOPT_POST, 1L);
  SETOPT(h, CURLOPT_HTTPHEADER, x->headers);
  SETOPT(h, CURLOPT_USERAGENT, x->user_agent);
  if (x->cfg.grpc) {
    bool tls = strncasecmp(x->cfg.url, "https:", 6) == 0;
    SETOPT(h, CURLOPT_HTTP_VERSION,
           tls ? (long)CURL_HTTP_VERSION_2TLS
               : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, x);
    /* libcurl before 8.0.0 cannot reuse a prior-knowledge HTTP/2
     * connection (the second request on it fails with "Error in the HTTP2
     * framing layer"): with those, each h2c call has a connection of its
     * own. HTTP/2 over TLS is not affected. */
    if (!tls && curl_version_info(CURLVERSION_NOW)->version_num < 0x080000)
      SETOPT(h, CURLOPT_FORBID_REUSE, 1L);
  } else {
    /* Every encoding libcurl can decode; answers are then read, and
     * limited, after decompression. */
    SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
  }
  SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
  SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
  SETOPT(h, CURLOPT_WRITEDATA, x);
  SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
  SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (x->cfg.certificate)
    SETOPT(h, CURLOPT_CAINFO, x->cfg.certificate);
  if (x->cfg.client_key)
    SETOPT(h, CURLOPT_SSLKEY, x->cfg.client_key);
  if (x->cfg.client_certificate)
    SETOPT(h, CURLOPT_SSLCERT, x->cfg.client_certificate);
  if (!ok) {
    curl_easy_cleanup(h);
    return NULL;
  }
  return h;
}

/* ---------------------------------------------------------------- gzip -- */

/* Compress the request into x->gz after @p reserve bytes left free. */
static otelc_status gzip_body(otlp_exporter *x, size_t reserve,
                              const uint8_t **out, size_t *out_len) {
  if (!x->zs_ready) {
    memset(&x->zs, 0, sizeof x->zs);
    /* 15 + 16: a gzip wrapper around a 32 KiB-window deflate stream. */
    if (deflateInit2(&x->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      return OTELC_ERR_NOMEM;
    x->zs_ready = true;
  } else if (deflateReset(&x->zs) != Z_OK) {
    return OTELC_ERR_NOMEM;
  }
  size_t bound = deflateBound(&x->zs, (uLong)x->body.len) + 32 + reserve;
  if (bound > x->gz_cap) {
    uint8_t *grown = otelc__realloc(x->gz, bound);
    if (!grown)
      return OTELC_ERR_NOMEM;
    x->gz = grown;
    x->gz_cap = bound;
  }
  x->zs.next_in = x->body.data;
  x->zs.avail_in = (uInt)x->body.len;
  x->zs.next_out = x->gz + reserve;
  x->zs.avail_out = (uInt)(x->gz_cap - reserve);
  if (deflate(&x->zs, Z_FINISH) != Z_STREAM_END)
    return OTELC_ERR_NOMEM;
  *out = x->gz;
  *out_len = x->gz_cap - x->zs.avail_out;
  return OTELC_OK;
}

/* The request body: the encoded spans, gzip'd when asked; for gRPC one
 * length-prefixed message (in x->gz). */
static otelc_status request_body(otlp_exporter *x, otelc_span *const *spans,
                                 size_t n, const uint8_t **data, size_t *len) {
  otelc_status st = otelc_otlp_encode_spans(
      spans, n, x->cfg.json ? OTELC_OTLP_JSON : OTELC_OTLP_PROTOBUF, &x->body);
  if (st != OTELC_OK)
    return st;
  *data = x->body.data;
  *len = x->body.len;
  if (!x->cfg.grpc)
    return x->cfg.gzip ? gzip_body(x, 0, data, len) : OTELC_OK;
  const size_t pre = OTELC__OTLP_GRPC_PREFIX;
  if (x->cfg.gzip) {
    st = gzip_body(x, pre, data, len);
    if (st != OTELC_OK)
      return st;
  } else {
    if (x->body.len + pre > x->gz_cap) {
      uint8_t *grown = otelc__realloc(x->gz, x->body.len + pre);
      if (!grown)
        return OTELC_ERR_NOMEM;
      x->gz = grown;
      x->gz_cap = x->body.len + pre;
    }
    if (x->body.len)
      memcpy(x->gz + pre, x->body.data, x->body.len);
    *data = x->gz;
    *len = x->body.len + pre;
  }
  if (*len - pre > UINT32_MAX)
    return OTELC_ERR_LIMIT;
  otelc__otlp_grpc_frame(x->gz, x->cfg.gzip, (uint32_t)(*len - pre));
  return OTELC_OK;
}

/* -------------------------------------------------------------- export -- */

typedef enum body_format { BODY_PROTOBUF, BODY_JSON, BODY_TEXT } body_format;

/* How the answer is encoded: by its Content-Type, else as the request
 * was (the specification has the answer use the request's type). */
static body_format answer_format(otlp_exporter *x) {
  char *ct = NULL;
  if (curl_easy_getinfo(x->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
      ct) {
    if (strstr(ct, "json"))
      return BODY_JSON;
    if (strstr(ct, "protobuf"))
      return BODY_PROTOBUF;
    return BODY_TEXT; /* e.g. a proxy's text/plain or text/html */
  }
  return x->cfg.json ? BODY_JSON : BODY_PROTOBUF;
}

/* The server's message for a failure, for a log line: the message of its
 * google.rpc.Status, else the start of the body as text. */
static void server_message(otlp_exporter *x, char *out, size_t cap) {
  char msg[OTELC__OTLP_MSG_QUOTE * 4 + 1];
  if (!x->resp_len) {
    snprintf(out, cap, "(no message)");
    return;
  }
  bool found = false;
  switch (answer_format(x)) {
  case BODY_JSON:
    found = otelc__otlp_status_msg_json((const char *)x->resp, x->resp_len, msg,
                                        sizeof msg);
    break;
  case BODY_PROTOBUF:
    found = otelc__otlp_status_msg_pb(x->resp, x->resp_len, msg, sizeof msg);
    break;
  case BODY_TEXT:
    break;
  }
  if (found)
    otelc__otlp_quote_text(msg, strlen(msg), OTELC__OTLP_MSG_QUOTE, out, cap);
  else
    otelc__otlp_quote_text((const char *)x->resp, x->resp_len,
                           OTELC__OTLP_MSG_QUOTE, out, cap);
}

static void read_partial_success(otlp_exporter *x) {
  if (!x->resp_len)
    return;
  bool present = false;
  int64_t rejected = 0;
  char msg[OTELC__OTLP_MSG_QUOTE * 4 + 1];
  bool ok;
  if (x->cfg.grpc) {
    bool compressed = false;
    const uint8_t *m = NULL;
    size_t ml = 0;
    ok = otelc__otlp_grpc_unframe(x->resp, x->resp_len, &compressed, &m, &ml);
    if (ok && compressed) {
      /* Not asked for (no grpc-accept-encoding is sent): not read. */
      otelc_diag_log(OTELC_LOG_DEBUG,
                     "OTLP export to %s: the success answer is compressed; "
                     "ignored",
                     x->url_log);
      return;
    }
    if (ok)
      ok = otelc__otlp_partial_pb(m, ml, &present, &rejected, msg, sizeof msg);
  } else if (answer_format(x) == BODY_JSON) {
    ok = otelc__otlp_partial_json((const char *)x->resp, x->resp_len, &present,
                                  &rejected, msg, sizeof msg);
  } else {
    ok = otelc__otlp_partial_pb(x->resp, x->resp_len, &present, &rejected, msg,
                                sizeof msg);
  }
  if (!ok) {
    otelc_diag_log(OTELC_LOG_DEBUG,
                   "OTLP export to %s: the success answer (%zu bytes) could "
                   "not be read; ignored",
                   x->url_log, x->resp_len);
    return;
  }
  if (!present || (rejected <= 0 && !msg[0]))
    return;
  if (rejected > 0)
    atomic_fetch_add(&x->rejected_spans, (uint64_t)rejected);
  char quoted[OTELC__OTLP_MSG_QUOTE + 8];
  otelc__otlp_quote_text(msg, strlen(msg), OTELC__OTLP_MSG_QUOTE, quoted,
                         sizeof quoted);
  bool first = !atomic_exchange(&x->warned_partial, true);
  otelc_diag_log(first ? OTELC_LOG_WARN : OTELC_LOG_DEBUG,
                 "OTLP export to %s: partial success: %" PRId64
                 " spans rejected: %s",
                 x->url_log, rejected, quoted[0] ? quoted : "(no message)");
}

typedef enum outcome { DONE_OK, RETRY, GIVE_UP } outcome;

/* The kind of a failed gRPC call, for log throttling: apart from HTTP
 * statuses and libcurl codes. */
#define GRPC_KIND(code) (100000L + (code))

/* A gRPC call that got an answer: HTTP 200 over HTTP/2 with a grpc-status
 * of 0 is a success; other codes are retried as the specification says. */
static outcome grpc_answer(otlp_exporter *x, long status, char *why,
                           size_t why_cap, long *kind) {
  const otelc__otlp_grpc_status *g = &x->gs;
  char msg[OTELC__OTLP_MSG_QUOTE + 8];
  if (status != 200) {
    /* Not a gRPC answer (a proxy's, say): HTTP's own retry rules, which
     * are gRPC's mapping of HTTP statuses too. */
    *kind = status;
    bool retry = otelc__otlp_status_retryable(status);
    otelc__otlp_quote_text((const char *)x->resp, x->resp_len,
                           OTELC__OTLP_MSG_QUOTE, msg, sizeof msg);
    snprintf(why, why_cap, "HTTP %ld instead of a gRPC answer%s%s%s", status,
             retry ? "" : " (not retried)", msg[0] ? ": " : "", msg);
    return retry ? RETRY : GIVE_UP;
  }
  long version = 0;
  curl_easy_getinfo(x->curl, CURLINFO_HTTP_VERSION, &version);
  if (version != CURL_HTTP_VERSION_2_0) {
    *kind = GRPC_KIND(12);
    snprintf(why, why_cap,
             "the server answered over HTTP/1, not HTTP/2 (not a gRPC "
             "endpoint?; not retried)");
    return GIVE_UP;
  }
  if (!g->has_status) {
    *kind = GRPC_KIND(2);
    snprintf(why, why_cap, "an answer without grpc-status (not retried)");
    return GIVE_UP;
  }
  if (g->code == 0) {
    read_partial_success(x);
    return DONE_OK;
  }
  *kind = GRPC_KIND(g->code);
  bool retry = otelc__otlp_grpc_retryable(g->code, g->has_retry_info);
  char name[24];
  otelc__otlp_quote_text(g->message, strlen(g->message), OTELC__OTLP_MSG_QUOTE,
                         msg, sizeof msg);
  snprintf(why, why_cap, "gRPC status %s%s: %s",
           otelc__otlp_grpc_code_name(g->code, name, sizeof name),
           retry ? "" : " (not retried)", msg[0] ? msg : "(no message)");
  return retry ? RETRY : GIVE_UP;
}

/* Perform one attempt; on a failure, describe it into @p why and its kind
 * (the HTTP status, or minus the libcurl code) into @p kind. */
static outcome attempt(otlp_exporter *x, const uint8_t *data, size_t len,
                       uint64_t left_ms, char *why, size_t why_cap,
                       long *kind) {
  x->resp_len = 0;
  x->resp_too_big = false;
  x->errbuf[0] = '\0';
  if (x->resp_cap > RESP_KEEP) {
    /* A large answer is rare: do not keep its memory for good. */
    otelc__free(x->resp);
    x->resp = NULL;
    x->resp_cap = 0;
  }
  long t = left_ms > LONG_MAX ? LONG_MAX : (long)(left_ms ? left_ms : 1);
  curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, (const char *)data);
  curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, t);
  curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS, t);
  if (x->cfg.grpc) {
    otelc__otlp_grpc_status_reset(&x->gs);
    char value[24];
    otelc__otlp_grpc_timeout((uint64_t)t, value, sizeof value);
    snprintf(x->timeout_line, sizeof x->timeout_line, "grpc-timeout: %s",
             value);
    x->timeout_node.data = x->timeout_line;
    x->timeout_node.next = x->headers;
    curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, &x->timeout_node);
  }
  atomic_fetch_add(&x->attempts, 1);
  CURLcode rc = curl_easy_perform(x->curl);
  long status = 0; /* 0 when nothing answered */
  curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
  atomic_store(&x->last_http_status, status);

  if (x->resp_too_big) {
    *kind = -(long)CURLE_WRITE_ERROR;
    snprintf(why, why_cap,
             "HTTP %ld with an answer larger than %u bytes (not retried)",
             status, OTELC__OTLP_MAX_RESPONSE);
    return GIVE_UP;
  }
  if (rc != CURLE_OK) {
    *kind = -(long)rc;
    snprintf(why, why_cap, "%s",
             x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    return otelc__otlp_transport_retryable((int)rc) ? RETRY : GIVE_UP;
  }
  if (x->cfg.grpc)
    return grpc_answer(x, status, why, why_cap, kind);
  if (status >= 200 && status < 300) {
    read_partial_success(x);
    return DONE_OK;
  }
  *kind = status;
  char msg[OTELC__OTLP_MSG_QUOTE + 8];
  server_message(x, msg, sizeof msg);
  bool retry = otelc__otlp_status_retryable(status);
  snprintf(why, why_cap, "HTTP %ld%s: %s", status,
           retry ? "" : " (not retried)", msg);
  return retry ? RETRY : GIVE_UP;
}

/* The wait before the next attempt: what the server asked for when the
 * answer says (Retry-After over HTTP, a RetryInfo over gRPC), else the
 * backoff for retry number @p retry. @p *asked names the server's field, or
 * is NULL. */
static uint64_t next_delay_ms(otlp_exporter *x, unsigned retry,
                              const char **asked) {
  struct curl_header *h = NULL;
  uint64_t ms;
  *asked = NULL;
  if (x->cfg.grpc) {
    if (x->gs.has_status && x->gs.has_retry_info) {
      *asked = "RetryInfo";
      return x->gs.retry_delay_ms;
    }
  } else if (curl_easy_header(x->curl, "Retry-After", 0, CURLH_HEADER, -1,
                              &h) == CURLHE_OK &&
             h && otelc__otlp_parse_retry_after(h->value, time(NULL), &ms)) {
    *asked = "Retry-After";
    return ms;
  }
  return otelc__otlp_backoff_ms(retry, next_random(x));
}

/* The handle belongs to another process after fork(): leave it (and its
 * connection) alone and make a new one. */
static bool own_handle(otlp_exporter *x) {
  pid_t pid = getpid();
  if (x->curl && x->pid == pid)
    return true;
  if (x->curl)
    x->inherited = x->curl;
  x->curl = make_handle(x);
  x->pid = pid;
  return x->curl != NULL;
}

static otelc_status otlp_export(void *self, otelc_span *const *spans, size_t n,
                                uint32_t timeout_ms) {
  otlp_exporter *x = self;
  if (atomic_load(&x->shut))
    return OTELC_ERR_SHUTDOWN;
  atomic_fetch_add(&x->exports, 1);
  if (n == 0) {
    atomic_fetch_add(&x->succeeded, 1);
    return OTELC_OK;
  }
  uint64_t start = mono_ns();
  uint32_t limit =
      timeout_ms < x->cfg.timeout_ms ? timeout_ms : x->cfg.timeout_ms;
  uint64_t deadline = start + (uint64_t)limit * 1000000ull;

  const uint8_t *data = NULL;
  size_t len = 0;
  otelc_status st = request_body(x, spans, n, &data, &len);
  if (st == OTELC_OK && !own_handle(x))
    st = OTELC_ERR_NOMEM;
  if (st != OTELC_OK) {
    atomic_fetch_add(&x->failed, 1);
    log_failure(x, -1000 - (long)st,
                "OTLP export of %zu spans to %s failed before sending: %s; "
                "the spans are dropped",
                n, x->url_log,
                st == OTELC_ERR_LIMIT ? "the request would pass 64 MiB"
                                      : otelc_strerror(st));
    return st;
  }

  char why[512] = "no time for an attempt";
  long kind = 0;
  unsigned tries = 0;
  const char *stop;
  st = OTELC_ERR_EXPORT;
  for (;;) {
    uint64_t now = mono_ns();
    if (now >= deadline) {
      stop = "the export timeout ran out";
      st = OTELC_ERR_TIMEOUT;
      break;
    }
    outcome o = attempt(x, data, len, (deadline - now + 999999) / 1000000, why,
                        sizeof why, &kind);
    tries++;
    if (o == DONE_OK) {
      atomic_fetch_add(&x->succeeded, 1);
      if (x->failed_in_row) {
        otelc_diag_log(OTELC_LOG_INFO,
                       "OTLP exports to %s succeed again (%" PRIu64
                       " failed before)",
                       x->url_log, x->failed_in_row);
        x->failed_in_row = 0;
        x->last_warned_kind = 0;
        x->last_warned_ns = 0;
      }
      return OTELC_OK;
    }
    if (o == GIVE_UP) {
      stop = NULL;
      break;
    }
    if (atomic_load(&x->shut)) {
      stop = "the exporter is shut down";
      st = OTELC_ERR_SHUTDOWN;
      break;
    }
    const char *asked;
    uint64_t delay = next_delay_ms(x, tries - 1, &asked);
    now = mono_ns();
    if (now >= deadline || delay * 1000000ull >= deadline - now) {
      stop = !asked        ? "the export timeout ran out"
             : x->cfg.grpc ? "RetryInfo asks to wait past the export timeout"
                           : "Retry-After asks to wait past the export timeout";
      st = OTELC_ERR_TIMEOUT;
      break;
    }
    otelc_diag_log(OTELC_LOG_DEBUG,
                   "OTLP export to %s: attempt %u failed: %s; next attempt "
                   "in %" PRIu64 " ms%s%s%s",
                   x->url_log, tries, why, delay, asked ? " (" : "",
                   asked ? asked : "", asked ? ")" : "");
    if (!wait_ms(x, delay)) {
      stop = "the exporter is shut down";
      st = OTELC_ERR_SHUTDOWN;
      break;
    }
  }
  atomic_fetch_add(&x->failed, 1);
  x->failed_in_row++;
  log_failure(x, kind,
              "OTLP export of %zu spans to %s failed after %u attempt%s in "
              "%" PRIu64 " ms: %s%s%s; the spans are dropped",
              n, x->url_log, tries, tries == 1 ? "" : "s",
              (uint64_t)((mono_ns() - start) / 1000000u), why, stop ? "; " : "",
              stop ? stop : "");
  return st;
}

static otelc_status otlp_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms; /* nothing is waited for */
  otlp_exporter *x = self;
  pthread_mutex_lock(&x->mu);
  atomic_store(&x->shut, true);
  pthread_cond_broadcast(&x->cv);
  pthread_mutex_unlock(&x->mu);
  return OTELC_OK;
}

static void otlp_destroy(void *self) {
  otlp_exporter *x = self;
  if (!x)
    return;
  registry_remove(x);
  if (x->curl && x->pid == getpid())
    curl_easy_cleanup(x->curl);
  curl_slist_free_all(x->headers);
  if (x->zs_ready)
    deflateEnd(&x->zs);
  otelc_otlp_buffer_free(&x->body);
  otelc__free(x->gz);
  otelc__free(x->resp);
  otelc__otlp_config_free(&x->cfg);
  pthread_cond_destroy(&x->cv);
  pthread_mutex_destroy(&x->mu);
  otelc__free(x);
}

const otelc_span_exporter_ops otelc__otlp_ops = {
    .export_spans = otlp_export,
    .force_flush = NULL, /* exports are synchronous: nothing is pending */
    .shutdown = otlp_shutdown,
    .destroy = otlp_destroy,
};

static bool init_sync(otlp_exporter *x) {
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca) != 0)
    return false;
  bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&x->cv, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!ok)
    return false;
  if (pthread_mutex_init(&x->mu, NULL) != 0) {
    pthread_cond_destroy(&x->cv);
    return false;
  }
  return true;
}

otelc_status otelc_otlp_span_exporter_new(const otelc_otlp_opts *opts,
                                          otelc_span_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  otlp_exporter *x = otelc__calloc(1, sizeof *x);
  if (!x)
    return OTELC_ERR_NOMEM;
  if (!init_sync(x)) {
    otelc__free(x);
    return OTELC_ERR_NOMEM;
  }
  otelc_status st = otelc__otlp_config_resolve(opts, &x->cfg);
  if (st == OTELC_OK) {
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK) {
      otelc_diag_log(OTELC_LOG_ERROR,
                     "OTLP exporter: libcurl could not be initialised: %s",
                     curl_easy_strerror(curl_init_result));
      st = OTELC_ERR_IO;
    }
  }
  if (st == OTELC_OK) {
    otelc__otlp_url_for_log(x->cfg.url, x->url_log, sizeof x->url_log);
    snprintf(x->user_agent, sizeof x->user_agent, "OTel-OTLP-Exporter-C/%s",
             otelc_version());
    x->rng = mono_ns() ^ (uint64_t)(uintptr_t)x ^ (uint64_t)getpid() << 32;
    st = build_headers(x);
  }
  if (st == OTELC_OK) {
    x->pid = getpid();
    x->curl = make_handle(x);
    if (!x->curl)
      st = OTELC_ERR_IO;
  }
  if (st != OTELC_OK) {
    otlp_destroy(x);
    return st;
  }
  otelc_diag_log(OTELC_LOG_DEBUG,
                 "OTLP exporter: %s %s (from %s), compression %s, timeout "
                 "%" PRIu32 " ms, %zu extra header%s",
                 x->cfg.grpc   ? "grpc"
                 : x->cfg.json ? "http/json"
                               : "http/protobuf",
                 x->url_log, x->cfg.url_from, x->cfg.gzip ? "gzip" : "none",
                 x->cfg.timeout_ms, x->cfg.n_headers,
                 x->cfg.n_headers == 1 ? "" : "s");
  otelc_span_exporter *e = NULL;
  st = otelc_span_exporter_new(&otelc__otlp_ops, x,
                               &e); /* destroys x on failure */
  if (st != OTELC_OK)
    return st;
  registry_add(x, e);
  *out = e;
  return OTELC_OK;
}

/* ------------------------------------------------------- registration -- */

static otelc_status otlp_factory(otelc_span_exporter **out) {
  return otelc_otlp_span_exporter_new(NULL, out);
}

/* Loading the library makes "otlp" usable in OTEL_TRACES_EXPORTER.
 * libotelc, which this library links, is initialised first. */
__attribute__((constructor)) static void otlp_register(void) {
  otelc_span_exporter_register("otlp", otlp_factory);
}
