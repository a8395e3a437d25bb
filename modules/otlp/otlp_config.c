/*
 * The OTLP exporters' configuration: otelc_otlp_opts and the
 * OTEL_EXPORTER_OTLP_* environment variables, with the specification's
 * endpoint rules, for any signal (traces, metrics, logs).
 *
 * Precedence, for every option: the per-signal variable
 * (OTEL_EXPORTER_OTLP_TRACES_<OPT>, OTEL_EXPORTER_OTLP_METRICS_<OPT>,
 * OTEL_EXPORTER_OTLP_LOGS_<OPT>),
 * then OTEL_EXPORTER_OTLP_<OPT>, then the field of otelc_otlp_opts, then
 * the specification's default. Settings made in code are defaults that
 * the environment overrides, as everywhere in otelc (see
 * otelc/resource.h), so that a program is configured for production by
 * environment alone.
 *
 * Thread safety: the functions read the environment and keep no state.
 */
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include "common/env.h"
#include "common/internal.h"
#include "otlp_module.h"

#define ENV_PREFIX "OTEL_EXPORTER_OTLP_"

const otelc__otlp_signal otelc__otlp_traces = {
    ENV_PREFIX "TRACES_",
    ENV_PREFIX "TRACES_ENDPOINT",
    "v1/traces",
    "http://localhost:4318/v1/traces",
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "spans"};

const otelc__otlp_signal otelc__otlp_metrics = {
    ENV_PREFIX "METRICS_",
    ENV_PREFIX "METRICS_ENDPOINT",
    "v1/metrics",
    "http://localhost:4318/v1/metrics",
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "data points"};

const otelc__otlp_signal otelc__otlp_logs = {
    ENV_PREFIX "LOGS_",
    ENV_PREFIX "LOGS_ENDPOINT",
    "v1/logs",
    "http://localhost:4318/v1/logs",
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    "log records"};

/* The per-signal variable for @p opt ("ENDPOINT") into @p out. */
static const char *signal_var(const otelc__otlp_config *c, const char *opt,
                              char *out, size_t cap) {
  snprintf(out, cap, "%s%s", c->signal->env, opt);
  return out;
}

static bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* s[0..*len) without spaces and tabs at either end. */
static const char *trim(const char *s, size_t *len) {
  size_t n = *len;
  while (n > 0 && is_blank(*s)) {
    s++;
    n--;
  }
  while (n > 0 && is_blank(s[n - 1]))
    n--;
  *len = n;
  return s;
}

/* ------------------------------------------------------------------ URLs -- */

/* Length of the scheme, or 0 when @p url does not start with
 * "scheme://". */
static size_t scheme_len(const char *url) {
  const char *sep = strstr(url, "://");
  if (!sep || sep == url)
    return 0;
  for (const char *p = url; p < sep; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (p > url &&
               ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok)
      return 0;
  }
  return (size_t)(sep - url);
}

/* Offset of the end of the authority (the first '/', '?' or '#' after
 * "scheme://", or the end). */
static size_t authority_end(const char *url, size_t scheme) {
  return scheme + 3 + strcspn(url + scheme + 3, "/?#");
}

otelc__otlp_url_error otelc__otlp_url_check(const char *url, char *scheme,
                                            size_t scheme_cap) {
  if (scheme_cap)
    scheme[0] = '\0';
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7f)
      return OTELC__URL_BAD_CHAR;
  size_t sl = scheme_len(url);
  if (sl == 0)
    return OTELC__URL_NO_SCHEME;
  if (!((sl == 4 && strncasecmp(url, "http", 4) == 0) ||
        (sl == 5 && strncasecmp(url, "https", 5) == 0))) {
    if (scheme_cap)
      snprintf(scheme, scheme_cap, "%.*s", (int)sl, url);
    return OTELC__URL_BAD_SCHEME;
  }
  size_t start = sl + 3, end = authority_end(url, sl);
  /* The host follows any user information. */
  const char *at = memchr(url + start, '@', end - start);
  size_t host = at ? (size_t)(at - url) + 1 : start;
  if (host >= end || url[host] == ':')
    return OTELC__URL_NO_HOST;
  return OTELC__URL_OK;
}

/* A new string: a[0..na) + b + c. */
static char *concat3(const char *a, size_t na, const char *b, const char *c) {
  size_t nb = strlen(b), nc = strlen(c);
  char *s = otelc__malloc(na + nb + nc + 1);
  if (!s)
    return NULL;
  memcpy(s, a, na);
  memcpy(s + na, b, nb);
  memcpy(s + na + nb, c, nc + 1);
  return s;
}

otelc_status otelc__otlp_signal_url(const char *url, char **out) {
  size_t sl = scheme_len(url);
  size_t end = sl ? authority_end(url, sl) : strlen(url);
  /* No path: the authority is followed by nothing, a query or a
   * fragment. */
  if (sl && url[end] != '/')
    *out = concat3(url, end, "/", url + end);
  else
    *out = otelc__strdup(url);
  return *out ? OTELC_OK : OTELC_ERR_NOMEM;
}

otelc_status otelc__otlp_base_url(const char *base, const char *path,
                                  char **out) {
  size_t sl = scheme_len(base);
  size_t auth = sl ? authority_end(base, sl) : 0;
  /* The path ends where a query or fragment starts. */
  size_t end = auth + strcspn(base + auth, "?#");
  bool slash = end > auth && base[end - 1] == '/';
  size_t np = strlen(path);
  char *s = otelc__malloc(strlen(base) + np + 2);
  if (!s) {
    *out = NULL;
    return OTELC_ERR_NOMEM;
  }
  size_t o = 0;
  memcpy(s, base, end);
  o = end;
  if (!slash)
    s[o++] = '/';
  memcpy(s + o, path, np);
  o += np;
  strcpy(s + o, base + end);
  *out = s;
  return OTELC_OK;
}

void otelc__otlp_url_for_log(const char *url, char *out, size_t cap) {
  if (!cap)
    return;
  size_t sl = scheme_len(url);
  if (!sl) {
    snprintf(out, cap, "(not a URL)");
    return;
  }
  size_t start = sl + 3, end = authority_end(url, sl);
  const char *at = memchr(url + start, '@', end - start);
  size_t host = at ? (size_t)(at - url) + 1 : start;
  size_t path_end = end + strcspn(url + end, "?#");
  int w = snprintf(out, cap, "%.*s://%.*s%.*s", (int)sl, url, (int)(end - host),
                   url + host, (int)(path_end - end), url + end);
  if (w >= 0 && (size_t)w >= cap && cap > 4)
    memcpy(out + cap - 4, "...", 4);
}

/* --------------------------------------------------------------- headers -- */

/* An HTTP token character (RFC 9110 tchar). */
static bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

void otelc__otlp_headers_free(char **h, size_t n) {
  if (!h)
    return;
  for (size_t i = 0; i < n; i++)
    otelc__free(h[i]);
  otelc__free(h);
}

/* One "key=value" entry into a "Key: value" line; NULL and *st set on
 * failure. */
static char *header_line(const char *p, size_t len, otelc_status *st) {
  const char *eq = memchr(p, '=', len);
  *st = OTELC_ERR_PARSE;
  if (!eq)
    return NULL;
  size_t kl = (size_t)(eq - p), vl = len - kl - 1;
  const char *k = trim(p, &kl), *v = trim(eq + 1, &vl);
  if (kl == 0)
    return NULL;
  for (size_t i = 0; i < kl; i++)
    if (!is_tchar(k[i]))
      return NULL;
  char *line = otelc__malloc(kl + vl + 3);
  if (!line) {
    *st = OTELC_ERR_NOMEM;
    return NULL;
  }
  memcpy(line, k, kl);
  size_t dl = otelc__percent_decode(v, vl, line + kl + 2);
  bool bad = dl == (size_t)-1;
  for (size_t i = 0; !bad && i < dl; i++) {
    char c = line[kl + 2 + i];
    bad = c == '\r' || c == '\n' || c == '\0';
  }
  if (bad) {
    otelc__free(line);
    return NULL;
  }
  if (dl == 0) {
    /* libcurl sends "Key;" as an empty header ("Key:" would remove it). */
    line[kl] = ';';
    line[kl + 1] = '\0';
  } else {
    line[kl] = ':';
    line[kl + 1] = ' ';
  }
  *st = OTELC_OK;
  return line;
}

otelc_status otelc__otlp_parse_headers(const char *s, char ***out, size_t *n,
                                       size_t *bad_entry) {
  *out = NULL;
  *n = 0;
  if (bad_entry)
    *bad_entry = 0;
  size_t cap = 1;
  for (const char *p = s; *p; p++)
    cap += *p == ',';
  char **lines = otelc__calloc(cap, sizeof *lines);
  if (!lines)
    return OTELC_ERR_NOMEM;
  size_t count = 0, entry = 0;
  otelc_status st = OTELC_OK;
  const char *p = s;
  for (;;) {
    size_t len = strcspn(p, ",");
    size_t tl = len;
    const char *t = trim(p, &tl);
    entry++;
    if (tl > 0) {
      char *line = header_line(t, tl, &st);
      if (!line) {
        if (bad_entry && st == OTELC_ERR_PARSE)
          *bad_entry = entry;
        break;
      }
      lines[count++] = line;
    }
    if (!p[len])
      break;
    p += len + 1;
  }
  if (st != OTELC_OK || count == 0) {
    otelc__otlp_headers_free(lines, count);
    return st;
  }
  *out = lines;
  *n = count;
  return OTELC_OK;
}

/* ----------------------------------------------------------- resolution -- */

/* A copy of variable @p name with blanks trimmed, or NULL when unset or
 * blank. *nomem is set when the copy failed. */
static char *env_trimmed(const char *name, bool *nomem) {
  const char *v = otelc__env_get(name);
  if (!v)
    return NULL;
  size_t len = strlen(v);
  const char *t = trim(v, &len);
  if (len == 0)
    return NULL;
  char *c = otelc__strndup(t, len);
  if (!c)
    *nomem = true;
  return c;
}

static void report_url(const char *from, otelc__otlp_url_error e,
                       const char *scheme) {
  char q[OTELC__QUOTE_BUF];
  switch (e) {
  case OTELC__URL_BAD_SCHEME:
    otelc__warn("%s: unsupported URL scheme '%s' (expected http or https); "
                "the OTLP exporter is not created",
                from, otelc__env_quote(scheme, q));
    break;
  case OTELC__URL_NO_SCHEME:
    otelc__warn("%s: not an http:// or https:// URL; the OTLP exporter is "
                "not created",
                from);
    break;
  case OTELC__URL_NO_HOST:
    otelc__warn("%s: the URL has no host; the OTLP exporter is not created",
                from);
    break;
  default:
    otelc__warn("%s: the URL contains spaces or control characters; the "
                "OTLP exporter is not created",
                from);
    break;
  }
}

static otelc_status check_url(const char *url, const char *from) {
  char scheme[24];
  otelc__otlp_url_error e = otelc__otlp_url_check(url, scheme, sizeof scheme);
  if (e == OTELC__URL_OK)
    return OTELC_OK;
  report_url(from, e, scheme);
  return OTELC_ERR_INVALID_ARG;
}

/* An endpoint checked as the protocol takes it: for gRPC, one without a
 * scheme gets the scheme INSECURE selects first. */
static otelc_status check_endpoint(const char *url, const char *from,
                                   const otelc__otlp_config *c) {
  if (!c->grpc)
    return check_url(url, from);
  char *full = NULL;
  otelc_status st = otelc__otlp_grpc_with_scheme(url, c->insecure, &full);
  if (st == OTELC_OK)
    st = check_url(full, from);
  otelc__free(full);
  return st;
}

/* The request URL for an endpoint that passed check_endpoint: for gRPC the
 * method's path on the endpoint's authority, whichever variable gave it;
 * for HTTP a per-signal endpoint as is (@p base false) or the generic one
 * with the signal's path appended. */
static otelc_status endpoint_url(const char *url, bool base,
                                 otelc__otlp_config *c) {
  if (c->grpc)
    return otelc__otlp_grpc_url(url, c->insecure, c->signal->grpc_method,
                                &c->url);
  if (base)
    return otelc__otlp_base_url(url, c->signal->path, &c->url);
  return otelc__otlp_signal_url(url, &c->url);
}

static otelc_status resolve_url(const otelc_otlp_opts *opts,
                                otelc__otlp_config *c) {
  bool nomem = false;
  otelc_status st;
  /* The endpoint given in code is checked even when the environment
   * overrides it: a program's mistake shows whatever the environment. */
  if (opts && opts->endpoint) {
    st = check_endpoint(opts->endpoint, "otelc_otlp_opts.endpoint", c);
    if (st != OTELC_OK)
      return st;
  }
  char *v = env_trimmed(c->signal->endpoint_var, &nomem);
  if (nomem)
    return OTELC_ERR_NOMEM;
  if (v) {
    c->url_from = c->signal->endpoint_var;
    st = check_endpoint(v, c->url_from, c);
    if (st == OTELC_OK)
      st = endpoint_url(v, false, c);
    otelc__free(v);
    return st;
  }
  v = env_trimmed(ENV_PREFIX "ENDPOINT", &nomem);
  if (nomem)
    return OTELC_ERR_NOMEM;
  if (v) {
    c->url_from = ENV_PREFIX "ENDPOINT";
    st = check_endpoint(v, c->url_from, c);
    if (st == OTELC_OK)
      st = endpoint_url(v, true, c);
    otelc__free(v);
    return st;
  }
  if (opts && opts->endpoint) {
    c->url_from = "otelc_otlp_opts.endpoint";
    return endpoint_url(opts->endpoint, false, c);
  }
  c->url_from = "the default";
  if (c->grpc)
    return endpoint_url(OTELC__OTLP_GRPC_DEFAULT_URL, false, c);
  c->url = otelc__strdup(c->signal->default_url);
  return c->url ? OTELC_OK : OTELC_ERR_NOMEM;
}

/* Headers of variable @p name into @p c; false when unset or malformed
 * (reported without any part of the value, which may hold secrets). */
static bool env_headers(const char *name, otelc__otlp_config *c,
                        otelc_status *st) {
  const char *v = otelc__env_get(name);
  if (!v)
    return false;
  size_t bad = 0;
  *st = otelc__otlp_parse_headers(v, &c->headers, &c->n_headers, &bad);
  if (*st == OTELC_ERR_PARSE) {
    otelc__warn("%s: entry %zu is not a valid key=value pair (keys are "
                "HTTP tokens, values percent-encoded); the variable is "
                "ignored",
                name, bad);
    *st = OTELC_OK;
    return false;
  }
  return true;
}

static otelc_status resolve_headers(const otelc_otlp_opts *opts,
                                    otelc__otlp_config *c) {
  char **code = NULL;
  size_t n_code = 0, bad = 0;
  if (opts && opts->headers) {
    otelc_status st =
        otelc__otlp_parse_headers(opts->headers, &code, &n_code, &bad);
    if (st == OTELC_ERR_PARSE) {
      otelc__warn("otelc_otlp_opts.headers: entry %zu is not a valid "
                  "key=value pair (keys are HTTP tokens, values "
                  "percent-encoded)",
                  bad);
      return OTELC_ERR_INVALID_ARG;
    }
    if (st != OTELC_OK)
      return st;
  }
  otelc_status st = OTELC_OK;
  char name[64];
  if (env_headers(signal_var(c, "HEADERS", name, sizeof name), c, &st) ||
      (st == OTELC_OK && env_headers(ENV_PREFIX "HEADERS", c, &st))) {
    otelc__otlp_headers_free(code, n_code);
    return st;
  }
  if (st != OTELC_OK) {
    otelc__otlp_headers_free(code, n_code);
    return st;
  }
  c->headers = code;
  c->n_headers = n_code;
  return OTELC_OK;
}

/* HTTP/2 wants header names in lowercase. */
static void lowercase_names(otelc__otlp_config *c) {
  for (size_t i = 0; i < c->n_headers; i++)
    for (char *p = c->headers[i]; *p && *p != ':' && *p != ';'; p++)
      if (*p >= 'A' && *p <= 'Z')
        *p = (char)(*p - 'A' + 'a');
}

/* A path option: per-signal variable, generic one, code (the field
 * @p field of otelc_otlp_opts), or NULL. */
static otelc_status resolve_path(const otelc__otlp_config *c, const char *opt,
                                 const char *field, const char *code,
                                 char **out) {
  char sig[64], generic[64], in_code[64];
  signal_var(c, opt, sig, sizeof sig);
  snprintf(generic, sizeof generic, ENV_PREFIX "%s", opt);
  const char *v = otelc__env_get(sig);
  const char *from = sig;
  if (!v) {
    v = otelc__env_get(generic);
    from = generic;
  }
  if (!v) {
    v = code;
    snprintf(in_code, sizeof in_code, "otelc_otlp_opts.%s", field);
    from = in_code;
  }
  *out = NULL;
  if (!v)
    return OTELC_OK;
  if (access(v, R_OK) != 0) {
    char q[OTELC__QUOTE_BUF];
    otelc__warn("%s: cannot read '%s'; TLS connections will fail", from,
                otelc__env_quote(v, q));
  }
  *out = otelc__strdup(v);
  return *out ? OTELC_OK : OTELC_ERR_NOMEM;
}

/* Index of the protocol names in otelc__env_enum. */
enum { P_GRPC, P_PROTOBUF, P_JSON };

static int protocol_index(otelc_otlp_protocol p) {
  switch (p) {
  case OTELC_OTLP_GRPC:
    return P_GRPC;
  case OTELC_OTLP_HTTP_JSON:
    return P_JSON;
  default:
    return P_PROTOBUF;
  }
}

static otelc_status resolve_enums(const otelc_otlp_opts *opts,
                                  otelc__otlp_config *c) {
  static const char *const protocols[] = {"grpc", "http/protobuf", "http/json"};
  static const char *const compressions[] = {"none", "gzip"};
  otelc_otlp_protocol proto = opts ? opts->protocol : 0;
  otelc_otlp_compression comp = opts ? opts->compression : 0;
  if ((unsigned)proto > OTELC_OTLP_GRPC) {
    otelc__warn("otelc_otlp_opts.protocol: unknown value %d", (int)proto);
    return OTELC_ERR_INVALID_ARG;
  }
  if ((unsigned)comp > OTELC_OTLP_COMPRESSION_GZIP) {
    otelc__warn("otelc_otlp_opts.compression: unknown value %d", (int)comp);
    return OTELC_ERR_INVALID_ARG;
  }
  /* Each variable's default is what the lower levels give, so that an
   * invalid value is reported with the setting actually used. */
  char name[64];
  int p = otelc__env_enum(ENV_PREFIX "PROTOCOL", protocols, 3,
                          protocol_index(proto));
  p = otelc__env_enum(signal_var(c, "PROTOCOL", name, sizeof name), protocols,
                      3, p);
  c->grpc = p == P_GRPC;
  c->json = p == P_JSON;
  int z = otelc__env_enum(ENV_PREFIX "COMPRESSION", compressions, 2,
                          comp == OTELC_OTLP_COMPRESSION_GZIP);
  z = otelc__env_enum(signal_var(c, "COMPRESSION", name, sizeof name),
                      compressions, 2, z);
  c->gzip = z == 1;

  uint32_t t = opts && opts->timeout_ms ? opts->timeout_ms
                                        : OTELC__OTLP_DEFAULT_TIMEOUT_MS;
  t = otelc__env_timeout_ms(ENV_PREFIX "TIMEOUT", t);
  c->timeout_ms =
      otelc__env_timeout_ms(signal_var(c, "TIMEOUT", name, sizeof name), t);

  /* INSECURE only concerns a gRPC endpoint without a scheme; it is read
   * whatever the protocol so that invalid values are always reported. */
  bool insecure = otelc__env_bool(ENV_PREFIX "INSECURE", false);
  c->insecure =
      otelc__env_bool(signal_var(c, "INSECURE", name, sizeof name), insecure);
  return OTELC_OK;
}

void otelc__otlp_config_free(otelc__otlp_config *c) {
  if (!c)
    return;
  otelc__free(c->url);
  otelc__free(c->certificate);
  otelc__free(c->client_key);
  otelc__free(c->client_certificate);
  otelc__otlp_headers_free(c->headers, c->n_headers);
  memset(c, 0, sizeof *c);
}

otelc_status otelc__otlp_config_resolve(const otelc__otlp_signal *sig,
                                        const otelc_otlp_opts *opts,
                                        otelc__otlp_config *out) {
  memset(out, 0, sizeof *out);
  out->signal = sig ? sig : &otelc__otlp_traces;
  otelc_status st = resolve_enums(opts, out);
  if (st == OTELC_OK)
    st = resolve_url(opts, out);
  if (st == OTELC_OK)
    st = resolve_headers(opts, out);
  if (st == OTELC_OK && out->grpc)
    lowercase_names(out);
  if (st == OTELC_OK)
    st = resolve_path(out, "CERTIFICATE", "certificate",
                      opts ? opts->certificate : NULL, &out->certificate);
  if (st == OTELC_OK)
    st = resolve_path(out, "CLIENT_KEY", "client_key",
                      opts ? opts->client_key : NULL, &out->client_key);
  if (st == OTELC_OK)
    st = resolve_path(out, "CLIENT_CERTIFICATE", "client_certificate",
                      opts ? opts->client_certificate : NULL,
                      &out->client_certificate);
  if (st != OTELC_OK)
    otelc__otlp_config_free(out);
  return st;
}
