/*
 * prop_tool - otelc's side of the propagation interop tests.
 *
 *   prop_tool inject <w3c|b3|b3multi> [flags]
 *       Starts a span under a remote parent (random ids, the given W3C
 *       flags, default 1, tracestate "vendor=a,other=b"), puts baggage in
 *       the current context, injects it into a key/value carrier and
 *       prints one JSON line {"headers":{...},"expect":{...}}: the headers
 *       written, and what a peer extracting them must find.
 *
 *   prop_tool extract <w3c|b3|b3multi>
 *       Reads a JSON object of headers (string values, or arrays of
 *       strings for repeated headers) on stdin, extracts, and prints
 *       {traceId, spanId, traceFlags, isRemote, traceState, baggage}.
 *
 *   prop_tool http <url>
 *       Starts a CLIENT span, makes it current with baggage, injects the
 *       current context into a libcurl header list with the global
 *       propagator, GETs <url> and prints
 *       {"headers":{...},"client":{traceId, spanId},"expectBaggage":{...},
 *        "server":<response body>}.
 *
 *   prop_tool nats-carrier        (only when built with libnats)
 *       Injects into the headers of a natsMsg through otelc_nats_carrier,
 *       reads them back with natsMsgHeader_Get and extracts again; exits
 *       non-zero on any difference. No server is needed.
 *
 * Exit status: 0 on success, 1 on a failure, 2 on misuse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "otelc/carrier_curl.h"
#include "otelc/otelc.h"
#ifdef OTELC_HAVE_NATS
#include "otelc/carrier_nats.h"
#endif

/* ------------------------------------------------------------------------ */
/* What the tests put into baggage                                           */
/* ------------------------------------------------------------------------ */

/* The same names and values as BAGGAGE in tests/peers/compare.js: a plain
 * value, and one with spaces, a comma, an equals sign, a percent sign and
 * non-ASCII UTF-8 ("a b,c=d 100% e-acute euro nihon"), with properties. */
static const struct {
  const char *name, *value, *metadata;
} kBaggage[] = {
    {"user.id", "42", NULL},
    {"query", "a b,c=d 100% \xc3\xa9\xe2\x82\xac \xe6\x97\xa5\xe6\x9c\xac",
     "p1;p2=v"},
};
#define N_BAGGAGE (sizeof kBaggage / sizeof kBaggage[0])

static const char kTraceState[] = "vendor=a,other=b";

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt,
                                                                ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("prop_tool: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void random_bytes(uint8_t *out, size_t n) {
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f || fread(out, 1, n, f) != n)
    die("cannot read /dev/urandom");
  fclose(f);
  out[n - 1] |= 1; /* never all zeros */
}

/* Write @p s as a JSON string (UTF-8 passed through). NULL gives null. */
static void json_str(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"':
      fputs("\\\"", f);
      break;
    case '\\':
      fputs("\\\\", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        fprintf(f, "\\u%04x", *p);
      else
        fputc(*p, f);
    }
  }
  fputc('"', f);
}

static void json_key(FILE *f, const char *key) {
  json_str(f, key);
  fputc(':', f);
}

/* {"name":{"value":..,"metadata":..},...} for a baggage. */
static void json_baggage(FILE *f, const otelc_baggage *b) {
  fputc('{', f);
  size_t n = otelc_baggage_count(b);
  for (size_t i = 0; i < n; i++) {
    const char *name = NULL, *value = NULL, *md = NULL;
    if (!otelc_baggage_entry(b, i, &name, &value, &md))
      break;
    if (i)
      fputc(',', f);
    json_key(f, name);
    fputs("{\"value\":", f);
    json_str(f, value);
    fputs(",\"metadata\":", f);
    json_str(f, md && *md ? md : NULL);
    fputc('}', f);
  }
  fputc('}', f);
}

/* The same for the table above (what was put in). */
static void json_expected_baggage(FILE *f) {
  fputc('{', f);
  for (size_t i = 0; i < N_BAGGAGE; i++) {
    if (i)
      fputc(',', f);
    json_key(f, kBaggage[i].name);
    fputs("{\"value\":", f);
    json_str(f, kBaggage[i].value);
    fputs(",\"metadata\":", f);
    json_str(f, kBaggage[i].metadata);
    fputc('}', f);
  }
  fputc('}', f);
}

static otelc_baggage *make_baggage(void) {
  otelc_baggage *b = NULL;
  for (size_t i = 0; i < N_BAGGAGE; i++) {
    otelc_baggage *next = NULL;
    otelc_status st = otelc_baggage_set(b, kBaggage[i].name, kBaggage[i].value,
                                        kBaggage[i].metadata, &next);
    if (st != OTELC_OK)
      die("otelc_baggage_set(%s): %s", kBaggage[i].name, otelc_strerror(st));
    otelc_baggage_release(b);
    b = next;
  }
  return b;
}

static otelc_propagator *make_propagator(const char *format) {
  if (strcmp(format, "w3c") == 0) {
    otelc_propagator *members[2] = {otelc_propagator_tracecontext(),
                                    otelc_propagator_baggage()};
    return otelc_propagator_composite(members, 2);
  }
  if (strcmp(format, "b3") == 0)
    return otelc_propagator_b3();
  if (strcmp(format, "b3multi") == 0)
    return otelc_propagator_b3multi();
  fprintf(stderr, "prop_tool: unknown format \"%s\" (w3c, b3, b3multi)\n",
          format);
  exit(2);
}

/* A provider that keeps ended spans in memory, ParentBased(AlwaysOn)
 * whatever the environment says. */
static otelc_tracer_provider *make_provider(void) {
  otelc_span_exporter *exp = NULL;
  otelc_span_processor *proc = NULL;
  if (otelc_memory_exporter_new(&exp) != OTELC_OK ||
      otelc_simple_span_processor_new(exp, &proc) != OTELC_OK)
    die("cannot create the span processor");
  otelc_tracer_provider_opts opts = {
      .sampler = otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL),
      .processors = &proc,
      .n_processors = 1,
  };
  otelc_tracer_provider *p = NULL;
  otelc_status st = otelc_tracer_provider_new(&opts, &p);
  if (st != OTELC_OK)
    die("otelc_tracer_provider_new: %s", otelc_strerror(st));
  return p;
}

static otelc_tracer *tracer_of(otelc_tracer_provider *p) {
  otelc_scope_info scope = {.name = "prop_tool", .version = "1"};
  return otelc_tracer_provider_get_tracer(p, &scope);
}

/* ------------------------------------------------------------------------ */
/* A tolerant reader for a JSON object of strings                            */
/* ------------------------------------------------------------------------ */

typedef struct reader {
  const char *p, *end;
} reader;

static void skip_ws(reader *r) {
  while (r->p < r->end &&
         (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *out, unsigned cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* A JSON string at r->p (the opening quote), decoded into a new buffer. */
static char *read_string(reader *r) {
  if (r->p >= r->end || *r->p != '"')
    return NULL;
  r->p++;
  /* Decoding never makes the text longer than its escaped form. */
  char *out = malloc((size_t)(r->end - r->p) + 1);
  if (!out)
    die("out of memory");
  size_t n = 0;
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if (c != '\\') {
      out[n++] = c;
      continue;
    }
    if (r->p >= r->end)
      break;
    c = *r->p++;
    switch (c) {
    case 'b':
      out[n++] = '\b';
      break;
    case 'f':
      out[n++] = '\f';
      break;
    case 'n':
      out[n++] = '\n';
      break;
    case 'r':
      out[n++] = '\r';
      break;
    case 't':
      out[n++] = '\t';
      break;
    case 'u': {
      unsigned cp, lo;
      if (r->end - r->p < 4 || hex4(r->p, &cp) != 0)
        goto bad;
      r->p += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 &&
          r->p[0] == '\\' && r->p[1] == 'u' && hex4(r->p + 2, &lo) == 0 &&
          lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        r->p += 6;
      } else if (cp >= 0xd800 && cp < 0xe000) {
        cp = 0xfffd; /* a lone surrogate */
      }
      n += put_utf8(out + n, cp);
      break;
    }
    default: /* \" \\ \/ and, tolerantly, anything else */
      out[n++] = c;
    }
  }
  if (r->p >= r->end)
    goto bad;
  r->p++; /* closing quote */
  out[n] = '\0';
  return out;
bad:
  free(out);
  return NULL;
}

/* A scalar other than a string (number, true, false, null): its text. */
static char *read_bare(reader *r) {
  const char *start = r->p;
  while (r->p < r->end && *r->p != ',' && *r->p != '}' && *r->p != ']' &&
         *r->p != ' ' && *r->p != '\t' && *r->p != '\n' && *r->p != '\r')
    r->p++;
  size_t n = (size_t)(r->p - start);
  if (n == 0)
    return NULL;
  char *out = malloc(n + 1);
  if (!out)
    die("out of memory");
  memcpy(out, start, n);
  out[n] = '\0';
  return out;
}

static void add_header(otelc_kv_carrier *kv, const char *key,
                       const char *value) {
  otelc_status st = otelc_kv_carrier_add(kv, key, value);
  if (st != OTELC_OK)
    die("otelc_kv_carrier_add(%s): %s", key, otelc_strerror(st));
}

/* Read {"key": "value" | ["v1", "v2"] | scalar, ...}; null values are
 * skipped, arrays become repeated headers. */
static void read_headers(const char *text, size_t len, otelc_kv_carrier *kv) {
  reader r = {text, text + len};
  skip_ws(&r);
  if (r.p >= r.end || *r.p != '{')
    die("stdin: expected a JSON object");
  r.p++;
  skip_ws(&r);
  if (r.p < r.end && *r.p == '}')
    return;
  for (;;) {
    skip_ws(&r);
    char *key = read_string(&r);
    if (!key)
      die("stdin: expected a string key at offset %ld", (long)(r.p - text));
    skip_ws(&r);
    if (r.p >= r.end || *r.p != ':')
      die("stdin: expected ':' after \"%s\"", key);
    r.p++;
    skip_ws(&r);
    if (r.p < r.end && *r.p == '[') {
      r.p++;
      skip_ws(&r);
      while (r.p < r.end && *r.p != ']') {
        char *v = *r.p == '"' ? read_string(&r) : read_bare(&r);
        if (!v)
          die("stdin: bad array element for \"%s\"", key);
        if (strcmp(v, "null") != 0)
          add_header(kv, key, v);
        free(v);
        skip_ws(&r);
        if (r.p < r.end && *r.p == ',') {
          r.p++;
          skip_ws(&r);
        }
      }
      if (r.p >= r.end)
        die("stdin: unterminated array for \"%s\"", key);
      r.p++;
    } else {
      char *v = (r.p < r.end && *r.p == '"') ? read_string(&r) : read_bare(&r);
      if (!v)
        die("stdin: bad value for \"%s\"", key);
      if (strcmp(v, "null") != 0)
        add_header(kv, key, v);
      free(v);
    }
    free(key);
    skip_ws(&r);
    if (r.p < r.end && *r.p == ',') {
      r.p++;
      continue;
    }
    if (r.p < r.end && *r.p == '}')
      return;
    die("stdin: expected ',' or '}' at offset %ld", (long)(r.p - text));
  }
}

static char *read_all(FILE *f, size_t *len) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (!buf)
    die("out of memory");
  for (;;) {
    if (n == cap) {
      if (cap > (64u << 20))
        die("stdin: too large");
      char *grown = realloc(buf, cap * 2);
      if (!grown)
        die("out of memory");
      buf = grown;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0)
      break;
    n += got;
  }
  *len = n;
  return buf;
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                  */
/* ------------------------------------------------------------------------ */

/* Everything a command sets up around the span it propagates. */
typedef struct traced {
  otelc_tracer_provider *provider;
  otelc_context *remote, *with_baggage;
  otelc_baggage *baggage;
  otelc_span *span;
  otelc_span_context parent; /* the remote parent, when there is one */
  otelc_scope s_remote, s_span, s_baggage;
} traced;

/* Start a span (under a remote parent with @p flags and the test
 * tracestate unless @p root), make it current, and add the baggage. */
static void traced_begin(traced *t, bool root, uint8_t flags,
                         otelc_span_kind kind, const char *name) {
  memset(t, 0, sizeof *t);
  t->provider = make_provider();
  if (!root) {
    random_bytes(t->parent.trace_id, sizeof t->parent.trace_id);
    random_bytes(t->parent.span_id, sizeof t->parent.span_id);
    t->parent.trace_flags = flags;
    t->parent.is_remote = true;
    t->remote = otelc_context_with_remote(NULL, &t->parent, kTraceState);
    if (!t->remote)
      die("otelc_context_with_remote failed");
    t->s_remote = otelc_context_attach(t->remote);
  }
  otelc_span_start_opts so = {.kind = kind, .root = root};
  t->span = otelc_span_start(tracer_of(t->provider), name, &so);
  t->s_span = otelc_span_activate(t->span);
  t->baggage = make_baggage();
  otelc_context *cur = otelc_context_current();
  t->with_baggage = otelc_context_with_baggage(cur, t->baggage);
  otelc_context_release(cur);
  if (!t->with_baggage)
    die("otelc_context_with_baggage failed");
  t->s_baggage = otelc_context_attach(t->with_baggage);
}

static void traced_end(traced *t) {
  otelc_context_detach(t->s_baggage);
  otelc_context_release(t->with_baggage);
  otelc_baggage_release(t->baggage);
  otelc_context_detach(t->s_span);
  otelc_span_end(t->span);
  if (t->remote) {
    otelc_context_detach(t->s_remote);
    otelc_context_release(t->remote);
  }
  otelc_tracer_provider_shutdown(t->provider, 2000);
  otelc_tracer_provider_free(t->provider);
}

static void json_span_ids(FILE *f, const otelc_span_context *sc) {
  char tid[33], sid[17];
  otelc_trace_id_to_hex(sc->trace_id, tid);
  otelc_span_id_to_hex(sc->span_id, sid);
  fputs("\"traceId\":", f);
  json_str(f, tid);
  fputs(",\"spanId\":", f);
  json_str(f, sid);
}

static int cmd_inject(const char *format, const char *flags_arg) {
  char *endp = NULL;
  long flags = flags_arg ? strtol(flags_arg, &endp, 0) : 1;
  if (flags_arg && (*endp || flags < 0 || flags > 255)) {
    fprintf(stderr, "prop_tool: bad flags \"%s\"\n", flags_arg);
    return 2;
  }
  otelc_propagator *prop = make_propagator(format);
  traced t;
  traced_begin(&t, false, (uint8_t)flags, OTELC_SPAN_KIND_CLIENT,
               "prop_tool.inject");

  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  otelc_status st = otelc_propagator_inject(prop, NULL, &kv.carrier);
  if (st != OTELC_OK)
    die("otelc_propagator_inject: %s", otelc_strerror(st));

  /* The child continues the parent's trace, keeps its sampled and random
   * flags (ParentBased sampler) and its tracestate, and has its own span
   * id. */
  otelc_span_context child = otelc_span_get_context(t.span);
  otelc_span_context expect = t.parent;
  memcpy(expect.span_id, child.span_id, sizeof expect.span_id);
  expect.trace_flags &= OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM;

  fputs("{\"headers\":{", stdout);
  for (size_t i = 0; i < kv.count; i++) {
    if (i)
      fputc(',', stdout);
    json_key(stdout, kv.items[i].key);
    json_str(stdout, kv.items[i].value);
  }
  fputs("},\"expect\":{", stdout);
  json_span_ids(stdout, &expect);
  printf(",\"traceFlags\":%u,\"traceState\":", expect.trace_flags);
  json_str(stdout, kTraceState);
  fputs(",\"baggage\":", stdout);
  json_expected_baggage(stdout);
  fputs("},\"span\":{", stdout);
  json_span_ids(stdout, &child);
  printf(",\"traceFlags\":%u,\"traceState\":", child.trace_flags);
  json_str(stdout, otelc_span_get_tracestate(t.span));
  fputs("}}\n", stdout);

  otelc_kv_carrier_clear(&kv);
  traced_end(&t);
  otelc_propagator_free(prop);
  return 0;
}

static int cmd_extract(const char *format) {
  otelc_propagator *prop = make_propagator(format);
  size_t len = 0;
  char *text = read_all(stdin, &len);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  read_headers(text, len, &kv);
  free(text);

  otelc_context *ctx = otelc_propagator_extract(prop, NULL, &kv.carrier);
  otelc_span_context sc;
  fputc('{', stdout);
  if (otelc_context_span_context(ctx, &sc)) {
    json_span_ids(stdout, &sc);
    printf(",\"traceFlags\":%u,\"isRemote\":%s,\"traceState\":", sc.trace_flags,
           sc.is_remote ? "true" : "false");
    const char *ts = otelc_context_tracestate(ctx);
    json_str(stdout, ts && *ts ? ts : NULL);
  } else {
    fputs("\"traceId\":null,\"spanId\":null,\"traceFlags\":null,"
          "\"isRemote\":null,\"traceState\":null",
          stdout);
  }
  fputs(",\"baggage\":", stdout);
  json_baggage(stdout, otelc_context_baggage(ctx));
  fputs("}\n", stdout);

  otelc_context_release(ctx);
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(prop);
  return 0;
}

typedef struct body {
  char *data;
  size_t len;
} body;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
  body *b = ud;
  size_t n = size * nmemb;
  if (b->len + n > (1u << 20))
    return 0; /* a test response is small; stop a runaway one */
  char *grown = realloc(b->data, b->len + n + 1);
  if (!grown)
    return 0;
  b->data = grown;
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

static int cmd_http(const char *url) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    die("curl_global_init failed");
  traced t;
  traced_begin(&t, true, 0, OTELC_SPAN_KIND_CLIENT, "GET");
  otelc_tracer_provider_set_global(t.provider);

  struct curl_slist *headers = NULL;
  otelc_curl_carrier cc;
  otelc_curl_carrier_init(&cc, &headers);
  otelc_status st = otelc_inject(&cc.carrier);
  if (st != OTELC_OK)
    die("otelc_inject: %s", otelc_strerror(st));

  CURL *curl = curl_easy_init();
  if (!curl)
    die("curl_easy_init failed");
  body b = {NULL, 0};
  char err[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 15000L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);

  otelc_span_context client = otelc_span_get_context(t.span);
  fputs("{\"headers\":{", stdout);
  bool first = true;
  for (struct curl_slist *l = headers; l; l = l->next) {
    const char *colon = strchr(l->data, ':');
    if (!colon)
      continue;
    char name[256];
    size_t n = (size_t)(colon - l->data);
    if (n >= sizeof name)
      n = sizeof name - 1;
    memcpy(name, l->data, n);
    name[n] = '\0';
    const char *v = colon + 1;
    while (*v == ' ')
      v++;
    if (!first)
      fputc(',', stdout);
    first = false;
    json_key(stdout, name);
    json_str(stdout, v);
  }
  fputs("},\"client\":{", stdout);
  json_span_ids(stdout, &client);
  fputs("},\"expectBaggage\":", stdout);
  json_expected_baggage(stdout);
  fputs(",\"server\":", stdout);
  int ret = 0;
  if (rc != CURLE_OK || status != 200 || !b.data || b.data[0] != '{') {
    char msg[512];
    snprintf(msg, sizeof msg, "GET %s: %s (HTTP %ld)", url,
             rc != CURLE_OK ? (err[0] ? err : curl_easy_strerror(rc))
                            : "unexpected response",
             status);
    fputs("{\"error\":", stdout);
    json_str(stdout, msg);
    fputs(",\"body\":", stdout);
    json_str(stdout, b.data);
    fputc('}', stdout);
    ret = 1;
  } else {
    fputs(b.data, stdout);
  }
  fputs("}\n", stdout);

  free(b.data);
  curl_slist_free_all(headers);
  otelc_curl_carrier_clear(&cc);
  otelc_tracer_provider_set_global(NULL);
  traced_end(&t);
  curl_global_cleanup();
  return ret;
}

#ifdef OTELC_HAVE_NATS
static int failures;

static void expect_str(const char *what, const char *want, const char *got) {
  if (want == got || (want && got && strcmp(want, got) == 0))
    return;
  fprintf(stderr, "nats-carrier: %s: expected \"%s\", got \"%s\"\n", what,
          want ? want : "(null)", got ? got : "(null)");
  failures++;
}

static void expect_true(const char *what, bool ok) {
  if (!ok) {
    fprintf(stderr, "nats-carrier: %s\n", what);
    failures++;
  }
}

/* Extract @p msg's headers and compare with the span context and
 * baggage they should carry. */
static void check_extract(const char *label, natsMsg *msg,
                          otelc_propagator *prop,
                          const otelc_span_context *want, bool baggage) {
  otelc_nats_carrier nc;
  otelc_nats_carrier_init(&nc, msg);
  otelc_context *ctx = otelc_propagator_extract(prop, NULL, &nc.carrier);
  otelc_span_context sc;
  char what[128], want_hex[33], got_hex[33];
  snprintf(what, sizeof what, "%s: extracted a span context", label);
  if (!otelc_context_span_context(ctx, &sc)) {
    expect_true(what, false);
  } else {
    otelc_trace_id_to_hex(want->trace_id, want_hex);
    otelc_trace_id_to_hex(sc.trace_id, got_hex);
    snprintf(what, sizeof what, "%s: trace id", label);
    expect_str(what, want_hex, got_hex);
    otelc_span_id_to_hex(want->span_id, want_hex);
    otelc_span_id_to_hex(sc.span_id, got_hex);
    snprintf(what, sizeof what, "%s: span id", label);
    expect_str(what, want_hex, got_hex);
    snprintf(what, sizeof what, "%s: trace flags %u, want %u", label,
             sc.trace_flags, want->trace_flags);
    expect_true(what, sc.trace_flags == want->trace_flags);
    snprintf(what, sizeof what, "%s: is_remote", label);
    expect_true(what, sc.is_remote);
    snprintf(what, sizeof what, "%s: tracestate", label);
    expect_str(what, kTraceState, otelc_context_tracestate(ctx));
  }
  if (baggage) {
    const otelc_baggage *b = otelc_context_baggage(ctx);
    snprintf(what, sizeof what, "%s: baggage entries", label);
    expect_true(what, otelc_baggage_count(b) == N_BAGGAGE);
    for (size_t i = 0; i < N_BAGGAGE; i++) {
      snprintf(what, sizeof what, "%s: baggage %s", label, kBaggage[i].name);
      expect_str(what, kBaggage[i].value,
                 otelc_baggage_get(b, kBaggage[i].name));
    }
  }
  otelc_context_release(ctx);
  otelc_nats_carrier_clear(&nc);
}

static int cmd_nats_carrier(void) {
  /* Messages are freed through the library's collector: open it. */
  if (nats_Open(-1) != NATS_OK)
    die("nats_Open failed");
  otelc_propagator *prop = make_propagator("w3c");
  traced t;
  traced_begin(&t, false, OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM,
               OTELC_SPAN_KIND_PRODUCER, "prop_tool.nats publish");
  otelc_span_context want = otelc_span_get_context(t.span);
  want.trace_flags &= OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM;
  char traceparent[OTELC_TRACEPARENT_LEN + 1];
  if (otelc_traceparent_format(&want, traceparent) != OTELC_TRACEPARENT_LEN)
    die("otelc_traceparent_format failed");

  /* Inject into a message through the carrier, read back natively. */
  natsMsg *msg = NULL;
  if (natsMsg_Create(&msg, "otelc.test", NULL, "x", 1) != NATS_OK)
    die("natsMsg_Create failed");
  otelc_nats_carrier nc;
  otelc_nats_carrier_init(&nc, msg);
  otelc_status st = otelc_propagator_inject(prop, NULL, &nc.carrier);
  expect_true("inject returned OTELC_OK", st == OTELC_OK);
  otelc_nats_carrier_clear(&nc);

  const char *v = NULL;
  natsStatus ns = natsMsgHeader_Get(msg, "traceparent", &v);
  expect_true("natsMsgHeader_Get(traceparent)", ns == NATS_OK);
  expect_str("traceparent header", traceparent, ns == NATS_OK ? v : NULL);
  v = NULL;
  ns = natsMsgHeader_Get(msg, "tracestate", &v);
  expect_str("tracestate header", kTraceState, ns == NATS_OK ? v : NULL);
  v = NULL;
  ns = natsMsgHeader_Get(msg, "baggage", &v);
  expect_true("natsMsgHeader_Get(baggage)", ns == NATS_OK && v && *v);
  check_extract("same message", msg, prop, &want, true);

  /* Other clients may capitalise the keys; a repeated baggage header is
   * one list. */
  natsMsg *other = NULL;
  if (natsMsg_Create(&other, "otelc.test", NULL, "x", 1) != NATS_OK)
    die("natsMsg_Create failed");
  natsMsgHeader_Set(other, "Traceparent", traceparent);
  natsMsgHeader_Set(other, "TraceState", kTraceState);
  natsMsgHeader_Add(other, "baggage", "user.id=42");
  natsMsgHeader_Add(other, "baggage",
                    "query=a%20b%2Cc%3Dd%20100%25%20%C3%A9%E2%82%AC%20"
                    "%E6%97%A5%E6%9C%AC;p1;p2=v");
  check_extract("capitalised keys, repeated baggage", other, prop, &want, true);

  natsMsg_Destroy(other);
  natsMsg_Destroy(msg);
  traced_end(&t);
  otelc_propagator_free(prop);
  nats_Close();
  if (failures) {
    fprintf(stderr, "nats-carrier: %d check(s) failed\n", failures);
    return 1;
  }
  printf("nats-carrier: all checks passed (%s)\n", traceparent);
  return 0;
}
#endif

static int usage(void) {
  fputs("usage: prop_tool inject <w3c|b3|b3multi> [flags]\n"
        "       prop_tool extract <w3c|b3|b3multi>   < headers.json\n"
        "       prop_tool http <url>\n"
#ifdef OTELC_HAVE_NATS
        "       prop_tool nats-carrier\n"
#endif
        ,
        stderr);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  const char *cmd = argv[1];
  if (strcmp(cmd, "inject") == 0 && (argc == 3 || argc == 4))
    return cmd_inject(argv[2], argc == 4 ? argv[3] : NULL);
  if (strcmp(cmd, "extract") == 0 && argc == 3)
    return cmd_extract(argv[2]);
  if (strcmp(cmd, "http") == 0 && argc == 3)
    return cmd_http(argv[2]);
#ifdef OTELC_HAVE_NATS
  if (strcmp(cmd, "nats-carrier") == 0 && argc == 2)
    return cmd_nats_carrier();
#endif
  return usage();
}
