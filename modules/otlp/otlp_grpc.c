/*
 * The parts of OTLP/gRPC that do not need a connection: the endpoint rule,
 * the length-prefixed message framing, the grpc-timeout value, and the
 * reading of an answer's grpc-status, grpc-message (percent-encoded) and
 * grpc-status-details-bin (a base64 google.rpc.Status, from which a
 * RetryInfo delay is taken). The exporter (otlp_http.c) sends the request
 * over libcurl's HTTP/2 with these.
 *
 * Everything here reads untrusted input of bounded size, never allocates
 * except where it returns a new string, and never reads past the end.
 */
#include <stdio.h>
#include <strings.h>

#include "common/internal.h"
#include "otlp_module.h"

/* Largest grpc-status-details-bin decoded; bigger ones are ignored. */
#define DETAILS_MAX 4096u

/* ------------------------------------------------------------- endpoint -- */

/* Length of "scheme" when @p s starts with "scheme://", else 0. */
static size_t scheme_of(const char *s) {
  const char *sep = strstr(s, "://");
  if (!sep || sep == s)
    return 0;
  for (const char *p = s; p < sep; p++) {
    char c = *p;
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (p > s && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok)
      return 0;
  }
  return (size_t)(sep - s);
}

otelc_status otelc__otlp_grpc_with_scheme(const char *endpoint, bool insecure,
                                          char **out) {
  if (scheme_of(endpoint)) {
    *out = otelc__strdup(endpoint);
    return *out ? OTELC_OK : OTELC_ERR_NOMEM;
  }
  const char *scheme = insecure ? "http://" : "https://";
  size_t ns = strlen(scheme), ne = strlen(endpoint);
  *out = otelc__malloc(ns + ne + 1);
  if (!*out)
    return OTELC_ERR_NOMEM;
  memcpy(*out, scheme, ns);
  memcpy(*out + ns, endpoint, ne + 1);
  return OTELC_OK;
}

otelc_status otelc__otlp_grpc_url(const char *endpoint, bool insecure,
                                  const char *method, char **out) {
  size_t sl = scheme_of(endpoint);
  const char *scheme = endpoint;
  const char *auth = endpoint;
  if (sl) {
    auth = endpoint + sl + 3;
  } else {
    scheme = insecure ? "http" : "https";
    sl = strlen(scheme);
  }
  size_t an = strcspn(auth, "/?#");
  const char *at = memchr(auth, '@', an);
  if (at) {
    an -= (size_t)(at + 1 - auth);
    auth = at + 1;
  }
  size_t nm = strlen(method);
  char *s = otelc__malloc(sl + 3 + an + nm + 1);
  if (!s) {
    *out = NULL;
    return OTELC_ERR_NOMEM;
  }
  memcpy(s, scheme, sl);
  memcpy(s + sl, "://", 3);
  memcpy(s + sl + 3, auth, an);
  memcpy(s + sl + 3 + an, method, nm + 1);
  *out = s;
  return OTELC_OK;
}

/* -------------------------------------------------------------- framing -- */

void otelc__otlp_grpc_frame(uint8_t out[5], bool compressed, uint32_t len) {
  out[0] = compressed ? 1 : 0;
  out[1] = (uint8_t)(len >> 24);
  out[2] = (uint8_t)(len >> 16);
  out[3] = (uint8_t)(len >> 8);
  out[4] = (uint8_t)len;
}

bool otelc__otlp_grpc_unframe(const uint8_t *p, size_t n, bool *compressed,
                              const uint8_t **msg, size_t *msg_len) {
  if (!p || n < OTELC__OTLP_GRPC_PREFIX || p[0] > 1)
    return false;
  uint32_t len = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 8 | (uint32_t)p[4];
  if (len > n - OTELC__OTLP_GRPC_PREFIX)
    return false;
  *compressed = p[0] == 1;
  *msg = p + OTELC__OTLP_GRPC_PREFIX;
  *msg_len = len;
  return true;
}

/* --------------------------------------------------------------- values -- */

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

size_t otelc__otlp_grpc_decode_message(const char *p, size_t n, char *out,
                                       size_t cap) {
  if (!cap)
    return 0;
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < cap; i++) {
    int hi, lo;
    if (p[i] == '%' && i + 2 < n && (hi = hex_digit(p[i + 1])) >= 0 &&
        (lo = hex_digit(p[i + 2])) >= 0) {
      out[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      out[o++] = p[i];
    }
  }
  out[o] = '\0';
  return o;
}

bool otelc__otlp_grpc_retryable(long code, bool retry_info) {
  switch (code) {
  case 1:  /* CANCELLED */
  case 4:  /* DEADLINE_EXCEEDED */
  case 10: /* ABORTED */
  case 11: /* OUT_OF_RANGE */
  case 14: /* UNAVAILABLE */
  case 15: /* DATA_LOSS */
    return true;
  case 8: /* RESOURCE_EXHAUSTED: only when the server says when to retry */
    return retry_info;
  default:
    return false;
  }
}

const char *otelc__otlp_grpc_code_name(long code, char *buf, size_t cap) {
  static const char *const names[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};
  if (code >= 0 && code < (long)(sizeof names / sizeof names[0]))
    return names[code];
  snprintf(buf, cap, "code %ld", code);
  return buf;
}

void otelc__otlp_grpc_timeout(uint64_t ms, char *out, size_t cap) {
  if (ms <= 99999999u) {
    snprintf(out, cap, "%llum", (unsigned long long)ms);
    return;
  }
  uint64_t s = ms / 1000u + (ms % 1000u != 0);
  if (s > 99999999u)
    s = 99999999u;
  snprintf(out, cap, "%lluS", (unsigned long long)s);
}

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

size_t otelc__otlp_base64_decode(const char *p, size_t n, uint8_t *out,
                                 size_t cap) {
  while (n > 0 && p[n - 1] == '=')
    n--;
  if (n % 4 == 1)
    return (size_t)-1;
  size_t o = 0;
  uint32_t acc = 0;
  unsigned bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64_value(p[i]);
    if (v < 0)
      return (size_t)-1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= cap)
        return (size_t)-1;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1u;
    }
  }
  return o;
}

/* -------------------------------------------------------------- answers -- */

void otelc__otlp_grpc_status_reset(otelc__otlp_grpc_status *s) {
  s->has_status = false;
  s->code = 0;
  s->message[0] = '\0';
  s->has_retry_info = false;
  s->retry_delay_ms = 0;
  s->compressed = false;
}

/* Line @p p[0..n) names header @p name: its value, trimmed, in
 * *value[0..*vn). */
static bool header_is(const char *p, size_t n, const char *name,
                      const char **value, size_t *vn) {
  size_t k = strlen(name);
  if (n <= k || p[k] != ':' || strncasecmp(p, name, k) != 0)
    return false;
  const char *v = p + k + 1;
  size_t len = n - k - 1;
  while (len > 0 && (*v == ' ' || *v == '\t')) {
    v++;
    len--;
  }
  while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
                     v[len - 1] == '\r' || v[len - 1] == '\n'))
    len--;
  *value = v;
  *vn = len;
  return true;
}

void otelc__otlp_grpc_header_line(otelc__otlp_grpc_status *s, const char *line,
                                  size_t n) {
  const char *v;
  size_t vn;
  if (header_is(line, n, "grpc-status", &v, &vn)) {
    long code = 0;
    size_t i = 0;
    for (; i < vn && i < 6 && v[i] >= '0' && v[i] <= '9'; i++)
      code = code * 10 + (v[i] - '0');
    if (i > 0 && i == vn) {
      s->has_status = true;
      s->code = code;
    } else {
      /* Not a number: as good as UNKNOWN. */
      s->has_status = true;
      s->code = 2;
    }
  } else if (header_is(line, n, "grpc-message", &v, &vn)) {
    otelc__otlp_grpc_decode_message(v, vn, s->message, sizeof s->message);
  } else if (header_is(line, n, "grpc-status-details-bin", &v, &vn)) {
    uint8_t buf[DETAILS_MAX];
    size_t len = otelc__otlp_base64_decode(v, vn, buf, sizeof buf);
    uint64_t ms;
    if (len != (size_t)-1 && otelc__otlp_status_retry_delay_pb(buf, len, &ms)) {
      s->has_retry_info = true;
      s->retry_delay_ms = ms;
    }
  } else if (header_is(line, n, "grpc-encoding", &v, &vn)) {
    s->compressed = !(vn == 8 && strncasecmp(v, "identity", 8) == 0);
  }
}
