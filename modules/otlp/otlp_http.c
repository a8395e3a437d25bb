/*
 * One attempt of an OTLP export over libcurl, for the transport of
 * otlp_transport.c: the easy handle and its headers, gzip, the gRPC
 * message framing, and the reading of the answer (status, partial
 * success, the server's message, Retry-After or a gRPC RetryInfo).
 *
 * HTTP (http/protobuf, http/json) is a POST of the request body. OTLP/gRPC
 * is a unary call over HTTP/2: cleartext HTTP/2 with prior knowledge (h2c)
 * for an http:// endpoint, HTTP/2 negotiated by TLS ALPN for https://
 * (with the same TLS settings as HTTP). The body is one length-prefixed
 * message (flag, 4-byte big-endian length, the protobuf request; flag 1
 * and grpc-encoding: gzip when compressed), and grpc-timeout carries the
 * time left. The answer must be HTTP 200 over HTTP/2; its grpc-status and
 * grpc-message come in the trailers (or the headers of a trailers-only
 * answer), which libcurl hands to the header callback after the body.
 * See otlp_grpc.c.
 *
 * Thread safety: every function works on one transport, from its
 * exporting thread.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "otlp_transport.h"

/* Response buffer capacity kept between attempts. */
#define RESP_KEEP (64u * 1024u)

/* ---------------------------------------------------------------- curl -- */

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
  otelc__otlp_transport *t = arg;
  size_t len = size * n;
  if (len > OTELC__OTLP_MAX_RESPONSE - t->resp_len) {
    t->resp_too_big = true;
    return 0; /* CURLE_WRITE_ERROR */
  }
  if (t->resp_len + len > t->resp_cap) {
    size_t cap = t->resp_cap ? t->resp_cap : 4096;
    while (cap < t->resp_len + len)
      cap *= 2;
    if (cap > OTELC__OTLP_MAX_RESPONSE)
      cap = OTELC__OTLP_MAX_RESPONSE;
    uint8_t *grown = otelc__realloc(t->resp, cap);
    if (!grown)
      return 0;
    t->resp = grown;
    t->resp_cap = cap;
  }
  memcpy(t->resp + t->resp_len, data, len);
  t->resp_len += len;
  return len;
}

/* gRPC: the answer's header and trailer lines. */
static size_t on_header(char *data, size_t size, size_t n, void *arg) {
  otelc__otlp_transport *t = arg;
  otelc__otlp_grpc_header_line(&t->gs, data, size * n);
  return size * n;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *line,
                                     bool *ok) {
  struct curl_slist *l = curl_slist_append(list, line);
  if (!l)
    *ok = false;
  return l ? l : list;
}

otelc_status otelc__otlp_build_headers(otelc__otlp_transport *t) {
  bool ok = true;
  struct curl_slist *h = NULL;
  if (t->cfg.grpc) {
    h = add_header(h, "content-type: application/grpc", &ok);
    h = add_header(h, "te: trailers", &ok);
    if (t->cfg.gzip)
      h = add_header(h, "grpc-encoding: gzip", &ok);
    /* libcurl's own, which gRPC has no use for. */
    h = add_header(h, "accept:", &ok);
  } else {
    h = add_header(h,
                   t->cfg.json ? "Content-Type: application/json"
                               : "Content-Type: application/x-protobuf",
                   &ok);
    if (t->cfg.gzip)
      h = add_header(h, "Content-Encoding: gzip", &ok);
    /* No "Expect: 100-continue" round trip before larger bodies. */
    h = add_header(h, "Expect:", &ok);
  }
  for (size_t i = 0; i < t->cfg.n_headers; i++)
    h = add_header(h, t->cfg.headers[i], &ok);
  if (!ok) {
    curl_slist_free_all(h);
    return OTELC_ERR_NOMEM;
  }
  t->headers = h;
  return OTELC_OK;
}

#define SETOPT(h, opt, val) ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK

CURL *otelc__otlp_make_handle(otelc__otlp_transport *t) {
  CURL *h = curl_easy_init();
  if (!h)
    return NULL;
  bool ok = true;
  SETOPT(h, CURLOPT_URL, t->cfg.url);
  SETOPT(h, CURLOPT_NOSIGNAL, 1L);
  SETOPT(h, CURLOPT_POST, 1L);
  SETOPT(h, CURLOPT_HTTPHEADER, t->headers);
  SETOPT(h, CURLOPT_USERAGENT, t->user_agent);
  if (t->cfg.grpc) {
    bool tls = strncasecmp(t->cfg.url, "https:", 6) == 0;
    SETOPT(h, CURLOPT_HTTP_VERSION,
           tls ? (long)CURL_HTTP_VERSION_2TLS
               : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, t);
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
  SETOPT(h, CURLOPT_WRITEDATA, t);
  SETOPT(h, CURLOPT_ERRORBUFFER, t->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
  SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (t->cfg.certificate)
    SETOPT(h, CURLOPT_CAINFO, t->cfg.certificate);
  if (t->cfg.client_key)
    SETOPT(h, CURLOPT_SSLKEY, t->cfg.client_key);
  if (t->cfg.client_certificate)
    SETOPT(h, CURLOPT_SSLCERT, t->cfg.client_certificate);
  if (!ok) {
    curl_easy_cleanup(h);
    return NULL;
  }
  return h;
}

/* ---------------------------------------------------------------- gzip -- */

/* Compress the request into t->gz after @p reserve bytes left free. */
static otelc_status gzip_body(otelc__otlp_transport *t, size_t reserve,
                              const uint8_t **out, size_t *out_len) {
  if (!t->zs_ready) {
    memset(&t->zs, 0, sizeof t->zs);
    /* 15 + 16: a gzip wrapper around a 32 KiB-window deflate stream. */
    if (deflateInit2(&t->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      return OTELC_ERR_NOMEM;
    t->zs_ready = true;
  } else if (deflateReset(&t->zs) != Z_OK) {
    return OTELC_ERR_NOMEM;
  }
  size_t bound = deflateBound(&t->zs, (uLong)t->body.len) + 32 + reserve;
  if (bound > t->gz_cap) {
    uint8_t *grown = otelc__realloc(t->gz, bound);
    if (!grown)
      return OTELC_ERR_NOMEM;
    t->gz = grown;
    t->gz_cap = bound;
  }
  t->zs.next_in = t->body.data;
  t->zs.avail_in = (uInt)t->body.len;
  t->zs.next_out = t->gz + reserve;
  t->zs.avail_out = (uInt)(t->gz_cap - reserve);
  if (deflate(&t->zs, Z_FINISH) != Z_STREAM_END)
    return OTELC_ERR_NOMEM;
  *out = t->gz;
  *out_len = t->gz_cap - t->zs.avail_out;
  return OTELC_OK;
}

/* The request body: the encoded spans, gzip'd when asked; for gRPC one
 * length-prefixed message (in t->gz). */
/* ------------------------------------------------------------- request -- */

/* The request body: the encoded data, gzip'd when asked; for gRPC one
 * length-prefixed message (in t->gz). */
otelc_status otelc__otlp_request_body(otelc__otlp_transport *t,
                                      const uint8_t **data, size_t *len) {
  *data = t->body.data;
  *len = t->body.len;
  if (!t->cfg.grpc)
    return t->cfg.gzip ? gzip_body(t, 0, data, len) : OTELC_OK;
  const size_t pre = OTELC__OTLP_GRPC_PREFIX;
  if (t->cfg.gzip) {
    otelc_status st = gzip_body(t, pre, data, len);
    if (st != OTELC_OK)
      return st;
  } else {
    if (t->body.len + pre > t->gz_cap) {
      uint8_t *grown = otelc__realloc(t->gz, t->body.len + pre);
      if (!grown)
        return OTELC_ERR_NOMEM;
      t->gz = grown;
      t->gz_cap = t->body.len + pre;
    }
    if (t->body.len)
      memcpy(t->gz + pre, t->body.data, t->body.len);
    *data = t->gz;
    *len = t->body.len + pre;
  }
  if (*len - pre > UINT32_MAX)
    return OTELC_ERR_LIMIT;
  otelc__otlp_grpc_frame(t->gz, t->cfg.gzip, (uint32_t)(*len - pre));
  return OTELC_OK;
}

/* ------------------------------------------------------------ answers -- */

typedef enum body_format { BODY_PROTOBUF, BODY_JSON, BODY_TEXT } body_format;

/* How the answer is encoded: by its Content-Type, else as the request
 * was (the specification has the answer use the request's type). */
static body_format answer_format(otelc__otlp_transport *t) {
  char *ct = NULL;
  if (curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
      ct) {
    if (strstr(ct, "json"))
      return BODY_JSON;
    if (strstr(ct, "protobuf"))
      return BODY_PROTOBUF;
    return BODY_TEXT; /* e.g. a proxy's text/plain or text/html */
  }
  return t->cfg.json ? BODY_JSON : BODY_PROTOBUF;
}

/* The server's message for a failure, for a log line: the message of its
 * google.rpc.Status, else the start of the body as text. */
static void server_message(otelc__otlp_transport *t, char *out, size_t cap) {
  char msg[OTELC__OTLP_MSG_QUOTE * 4 + 1];
  if (!t->resp_len) {
    snprintf(out, cap, "(no message)");
    return;
  }
  bool found = false;
  switch (answer_format(t)) {
  case BODY_JSON:
    found = otelc__otlp_status_msg_json((const char *)t->resp, t->resp_len, msg,
                                        sizeof msg);
    break;
  case BODY_PROTOBUF:
    found = otelc__otlp_status_msg_pb(t->resp, t->resp_len, msg, sizeof msg);
    break;
  case BODY_TEXT:
    break;
  }
  if (found)
    otelc__otlp_quote_text(msg, strlen(msg), OTELC__OTLP_MSG_QUOTE, out, cap);
  else
    otelc__otlp_quote_text((const char *)t->resp, t->resp_len,
                           OTELC__OTLP_MSG_QUOTE, out, cap);
}

static void read_partial_success(otelc__otlp_transport *t) {
  if (!t->resp_len)
    return;
  bool present = false;
  int64_t rejected = 0;
  char msg[OTELC__OTLP_MSG_QUOTE * 4 + 1];
  bool ok;
  if (t->cfg.grpc) {
    bool compressed = false;
    const uint8_t *m = NULL;
    size_t ml = 0;
    ok = otelc__otlp_grpc_unframe(t->resp, t->resp_len, &compressed, &m, &ml);
    if (ok && compressed) {
      /* Not asked for (no grpc-accept-encoding is sent): not read. */
      otelc_diag_log(OTELC_LOG_DEBUG,
                     "OTLP export to %s: the success answer is compressed; "
                     "ignored",
                     t->url_log);
      return;
    }
    if (ok)
      ok = otelc__otlp_partial_pb(m, ml, &present, &rejected, msg, sizeof msg);
  } else if (answer_format(t) == BODY_JSON) {
    ok = otelc__otlp_partial_json((const char *)t->resp, t->resp_len, &present,
                                  &rejected, msg, sizeof msg);
  } else {
    ok = otelc__otlp_partial_pb(t->resp, t->resp_len, &present, &rejected, msg,
                                sizeof msg);
  }
  if (!ok) {
    otelc_diag_log(OTELC_LOG_DEBUG,
                   "OTLP export to %s: the success answer (%zu bytes) could "
                   "not be read; ignored",
                   t->url_log, t->resp_len);
    return;
  }
  if (!present || (rejected <= 0 && !msg[0]))
    return;
  if (rejected > 0)
    atomic_fetch_add(&t->rejected, (uint64_t)rejected);
  char quoted[OTELC__OTLP_MSG_QUOTE + 8];
  otelc__otlp_quote_text(msg, strlen(msg), OTELC__OTLP_MSG_QUOTE, quoted,
                         sizeof quoted);
  bool first = !atomic_exchange(&t->warned_partial, true);
  otelc_diag_log(first ? OTELC_LOG_WARN : OTELC_LOG_DEBUG,
                 "OTLP export to %s: partial success: %" PRId64
                 " %s rejected: %s",
                 t->url_log, rejected, t->cfg.signal->items,
                 quoted[0] ? quoted : "(no message)");
}

/* The kind of a failed gRPC call, for log throttling: apart from HTTP
 * statuses and libcurl codes. */
#define GRPC_KIND(code) (100000L + (code))

/* A gRPC call that got an answer: HTTP 200 over HTTP/2 with a grpc-status
 * of 0 is a success; other codes are retried as the specification says. */
static otelc__otlp_outcome grpc_answer(otelc__otlp_transport *t, long status,
                                       char *why, size_t why_cap, long *kind) {
  const otelc__otlp_grpc_status *g = &t->gs;
  char msg[OTELC__OTLP_MSG_QUOTE + 8];
  if (status != 200) {
    /* Not a gRPC answer (a proxy's, say): HTTP's own retry rules, which
     * are gRPC's mapping of HTTP statuses too. */
    *kind = status;
    bool retry = otelc__otlp_status_retryable(status);
    otelc__otlp_quote_text((const char *)t->resp, t->resp_len,
                           OTELC__OTLP_MSG_QUOTE, msg, sizeof msg);
    snprintf(why, why_cap, "HTTP %ld instead of a gRPC answer%s%s%s", status,
             retry ? "" : " (not retried)", msg[0] ? ": " : "", msg);
    return retry ? OTELC__OTLP_RETRY : OTELC__OTLP_GIVE_UP;
  }
  long version = 0;
  curl_easy_getinfo(t->curl, CURLINFO_HTTP_VERSION, &version);
  if (version != CURL_HTTP_VERSION_2_0) {
    *kind = GRPC_KIND(12);
    snprintf(why, why_cap,
             "the server answered over HTTP/1, not HTTP/2 (not a gRPC "
             "endpoint?; not retried)");
    return OTELC__OTLP_GIVE_UP;
  }
  if (!g->has_status) {
    *kind = GRPC_KIND(2);
    snprintf(why, why_cap, "an answer without grpc-status (not retried)");
    return OTELC__OTLP_GIVE_UP;
  }
  if (g->code == 0) {
    read_partial_success(t);
    return OTELC__OTLP_DONE;
  }
  *kind = GRPC_KIND(g->code);
  bool retry = otelc__otlp_grpc_retryable(g->code, g->has_retry_info);
  char name[24];
  otelc__otlp_quote_text(g->message, strlen(g->message), OTELC__OTLP_MSG_QUOTE,
                         msg, sizeof msg);
  snprintf(why, why_cap, "gRPC status %s%s: %s",
           otelc__otlp_grpc_code_name(g->code, name, sizeof name),
           retry ? "" : " (not retried)", msg[0] ? msg : "(no message)");
  return retry ? OTELC__OTLP_RETRY : OTELC__OTLP_GIVE_UP;
}

otelc__otlp_outcome otelc__otlp_attempt(otelc__otlp_transport *t,
                                        const uint8_t *data, size_t len,
                                        uint64_t left_ms, char *why,
                                        size_t why_cap, long *kind) {
  t->resp_len = 0;
  t->resp_too_big = false;
  t->errbuf[0] = '\0';
  if (t->resp_cap > RESP_KEEP) {
    /* A large answer is rare: do not keep its memory for good. */
    otelc__free(t->resp);
    t->resp = NULL;
    t->resp_cap = 0;
  }
  long ms = left_ms > LONG_MAX ? LONG_MAX : (long)(left_ms ? left_ms : 1);
  curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, (const char *)data);
  curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(t->curl, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
  if (t->cfg.grpc) {
    otelc__otlp_grpc_status_reset(&t->gs);
    char value[24];
    otelc__otlp_grpc_timeout((uint64_t)ms, value, sizeof value);
    snprintf(t->timeout_line, sizeof t->timeout_line, "grpc-timeout: %s",
             value);
    t->timeout_node.data = t->timeout_line;
    t->timeout_node.next = t->headers;
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, &t->timeout_node);
  }
  atomic_fetch_add(&t->attempts, 1);
  CURLcode rc = curl_easy_perform(t->curl);
  long status = 0; /* 0 when nothing answered */
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  atomic_store(&t->last_http_status, status);

  if (t->resp_too_big) {
    *kind = -(long)CURLE_WRITE_ERROR;
    snprintf(why, why_cap,
             "HTTP %ld with an answer larger than %u bytes (not retried)",
             status, OTELC__OTLP_MAX_RESPONSE);
    return OTELC__OTLP_GIVE_UP;
  }
  if (rc != CURLE_OK) {
    *kind = -(long)rc;
    snprintf(why, why_cap, "%s",
             t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    return otelc__otlp_transport_retryable((int)rc) ? OTELC__OTLP_RETRY
                                                    : OTELC__OTLP_GIVE_UP;
  }
  if (t->cfg.grpc)
    return grpc_answer(t, status, why, why_cap, kind);
  if (status >= 200 && status < 300) {
    read_partial_success(t);
    return OTELC__OTLP_DONE;
  }
  *kind = status;
  char msg[OTELC__OTLP_MSG_QUOTE + 8];
  server_message(t, msg, sizeof msg);
  bool retry = otelc__otlp_status_retryable(status);
  snprintf(why, why_cap, "HTTP %ld%s: %s", status,
           retry ? "" : " (not retried)", msg);
  return retry ? OTELC__OTLP_RETRY : OTELC__OTLP_GIVE_UP;
}

uint64_t otelc__otlp_next_delay_ms(otelc__otlp_transport *t, unsigned retry,
                                   uint64_t random, const char **asked) {
  struct curl_header *h = NULL;
  uint64_t ms;
  *asked = NULL;
  if (t->cfg.grpc) {
    if (t->gs.has_status && t->gs.has_retry_info) {
      *asked = "RetryInfo";
      return t->gs.retry_delay_ms;
    }
  } else if (curl_easy_header(t->curl, "Retry-After", 0, CURLH_HEADER, -1,
                              &h) == CURLHE_OK &&
             h && otelc__otlp_parse_retry_after(h->value, time(NULL), &ms)) {
    *asked = "Retry-After";
    return ms;
  }
  return otelc__otlp_backoff_ms(retry, random);
}

/* The handle belongs to another process after fork(): leave it (and its
 * connection) alone and make a new one. */

void otelc__otlp_http_free(otelc__otlp_transport *t) {
  if (t->curl && t->pid == getpid())
    curl_easy_cleanup(t->curl);
  t->curl = NULL;
  curl_slist_free_all(t->headers);
  t->headers = NULL;
  if (t->zs_ready)
    deflateEnd(&t->zs);
  t->zs_ready = false;
  otelc_otlp_buffer_free(&t->body);
  otelc__free(t->gz);
  t->gz = NULL;
  otelc__free(t->resp);
  t->resp = NULL;
}
