/*
 * What the exporter reads from a collector's answer: the partial_success
 * of an ExportTraceServiceResponse and the message of a google.rpc.Status,
 * in protobuf or in OTLP/JSON, plus the retry policy (which answers are
 * worth another attempt, Retry-After, backoff).
 *
 * The readers take untrusted input of at most OTELC__OTLP_MAX_RESPONSE
 * bytes: they never allocate, never read past the end, and bound their
 * recursion; anything malformed makes them return false.
 */
#include <curl/curl.h>
#include <stdio.h>

#include "common/internal.h"
#include "otelc/otlp_encode.h"
#include "otlp_module.h"

/* The longest prefix of src[0..n) of at most @p limit bytes that does not
 * end inside a UTF-8 sequence. */
static size_t cut_len(const char *src, size_t n, size_t limit) {
  if (n <= limit)
    return n;
  size_t k = limit;
  /* src[limit] continues a sequence: cut before that sequence's lead. */
  while (k > 0 && ((unsigned char)src[k] & 0xc0) == 0x80)
    k--;
  return k;
}

/* Copy src[0..n) into out (cap bytes), cut so that no multi-byte UTF-8
 * character is split, NUL-terminated. */
static void copy_cut(const char *src, size_t n, char *out, size_t cap) {
  if (!cap)
    return;
  n = cut_len(src, n, cap - 1);
  memcpy(out, src, n);
  out[n] = '\0';
}

/* Drop a multi-byte sequence left incomplete at the end of out[0..*o). */
static void drop_partial(const char *out, size_t *o) {
  size_t k = *o;
  while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
    k--;
  if (k == 0)
    return;
  unsigned char lead = (unsigned char)out[k - 1];
  size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (*o - (k - 1) < want)
    *o = k - 1;
}

void otelc__otlp_quote_text(const char *p, size_t n, size_t max, char *out,
                            size_t cap) {
  if (cap < 5) {
    if (cap)
      out[0] = '\0';
    return;
  }
  size_t limit = max < cap - 4 ? max : cap - 4; /* room for "..." */
  size_t take = cut_len(p, n, limit);
  memcpy(out, p, take);
  for (size_t i = 0; i < take; i++) {
    unsigned char c = (unsigned char)out[i];
    if (c < 0x20 || c == 0x7f)
      out[i] = ' ';
  }
  if (n > limit)
    memcpy(out + take, "...", 4);
  else
    out[take] = '\0';
}

/* -------------------------------------------------------------- protobuf -- */

typedef struct pb {
  const uint8_t *p, *end;
} pb;

static bool pb_varint(pb *r, uint64_t *v) {
  uint64_t x = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end)
      return false;
    uint8_t b = *r->p++;
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return false; /* more than ten bytes */
}

/* The next field: its number, wire type and, for length-delimited ones,
 * the payload; varints in *v. Other wire types are skipped. */
static bool pb_field(pb *r, uint32_t *num, uint32_t *wt, uint64_t *v,
                     pb *payload) {
  uint64_t key;
  if (!pb_varint(r, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
    return false;
  *num = (uint32_t)(key >> 3);
  *wt = (uint32_t)(key & 7);
  switch (*wt) {
  case 0:
    return pb_varint(r, v);
  case 1:
  case 5: {
    size_t k = *wt == 1 ? 8 : 4;
    if ((size_t)(r->end - r->p) < k)
      return false;
    r->p += k;
    return true;
  }
  case 2: {
    uint64_t len;
    if (!pb_varint(r, &len) || len > (uint64_t)(r->end - r->p))
      return false;
    payload->p = r->p;
    payload->end = r->p + len;
    r->p += len;
    return true;
  }
  default:
    return false; /* groups are not used by these messages */
  }
}

/* The partial success is read by libotelc's reader, which this library
 * shares rather than repeats. */
bool otelc__otlp_partial_pb(const uint8_t *p, size_t n, bool *present,
                            int64_t *rejected, char *msg, size_t msg_cap) {
  return otelc_otlp_decode_partial_success(p, n, OTELC_OTLP_PROTOBUF, present,
                                           rejected, msg, msg_cap) == OTELC_OK;
}

bool otelc__otlp_status_msg_pb(const uint8_t *p, size_t n, char *msg,
                               size_t cap) {
  pb r = {p, p ? p + n : p};
  bool found = false;
  if (cap)
    msg[0] = '\0';
  while (r.p < r.end) {
    uint32_t num, wt;
    uint64_t v = 0;
    pb s = {0};
    if (!pb_field(&r, &num, &wt, &v, &s))
      return false;
    if (num == 2 && wt == 2) {
      copy_cut((const char *)s.p, (size_t)(s.end - s.p), msg, cap);
      found = true;
    }
  }
  return found;
}

/* google.protobuf.Duration {1 seconds int64, 2 nanos int32} in ms,
 * rounded up, at most a day; negative durations are 0. */
static bool pb_duration_ms(pb r, uint64_t *ms) {
  int64_t sec = 0, nanos = 0;
  while (r.p < r.end) {
    uint32_t num, wt;
    uint64_t v = 0;
    pb s = {0};
    if (!pb_field(&r, &num, &wt, &v, &s))
      return false;
    if (num == 1 && wt == 0)
      sec = (int64_t)v;
    else if (num == 2 && wt == 0)
      nanos = (int64_t)(int32_t)(uint32_t)v;
  }
  if (sec < 0 || (sec == 0 && nanos <= 0)) {
    *ms = 0;
    return true;
  }
  if (sec >= 86400) {
    *ms = 86400000u;
    return true;
  }
  int64_t total = sec * 1000 + (nanos + 999999) / 1000000;
  *ms = total > 0 ? (uint64_t)total : 0;
  return true;
}

/* google.protobuf.Any {1 type_url string, 2 value bytes}: the delay when
 * it holds a google.rpc.RetryInfo {1 retry_delay Duration}. */
static bool pb_any_retry_info(pb r, uint64_t *ms) {
  static const char kType[] = "/google.rpc.RetryInfo";
  const size_t kn = sizeof kType - 1;
  bool is_retry = false;
  pb value = {0};
  bool has_value = false;
  while (r.p < r.end) {
    uint32_t num, wt;
    uint64_t v = 0;
    pb s = {0};
    if (!pb_field(&r, &num, &wt, &v, &s))
      return false;
    if (num == 1 && wt == 2) {
      size_t len = (size_t)(s.end - s.p);
      is_retry = len >= kn && memcmp(s.end - kn, kType, kn) == 0;
    } else if (num == 2 && wt == 2) {
      value = s;
      has_value = true;
    }
  }
  if (!is_retry)
    return false;
  *ms = 0;
  if (!has_value)
    return true; /* an empty RetryInfo: no delay given */
  while (value.p < value.end) {
    uint32_t num, wt;
    uint64_t v = 0;
    pb s = {0};
    if (!pb_field(&value, &num, &wt, &v, &s))
      return false;
    if (num == 1 && wt == 2 && !pb_duration_ms(s, ms))
      return false;
  }
  return true;
}

bool otelc__otlp_status_retry_delay_pb(const uint8_t *p, size_t n,
                                       uint64_t *ms) {
  pb r = {p, p ? p + n : p};
  bool found = false;
  while (r.p < r.end) {
    uint32_t num, wt;
    uint64_t v = 0;
    pb s = {0};
    if (!pb_field(&r, &num, &wt, &v, &s))
      return false;
    uint64_t d;
    if (num == 3 && wt == 2 && !found && pb_any_retry_info(s, &d)) {
      *ms = d;
      found = true;
    }
  }
  return found;
}

/* ------------------------------------------------------------------ JSON -- */

#define JSON_MAX_DEPTH 64

typedef struct js {
  const char *p, *end;
} js;

static void js_ws(js *r) {
  while (r->p < r->end &&
         (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static bool js_lit(js *r, char c) {
  js_ws(r);
  if (r->p < r->end && *r->p == c) {
    r->p++;
    return true;
  }
  return false;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool js_hex4(js *r, uint32_t *cp) {
  if (r->end - r->p < 4)
    return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(r->p[i]);
    if (h < 0)
      return false;
    v = v << 4 | (uint32_t)h;
  }
  r->p += 4;
  *cp = v;
  return true;
}

/* Append code point @p cp as UTF-8 to out[*o..cap-1); stops when full
 * (setting *full so later bytes are dropped too). */
static void put_cp(char *out, size_t cap, size_t *o, bool *full, uint32_t cp) {
  char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xc0 | cp >> 6);
    b[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xe0 | cp >> 12);
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    b[0] = (char)(0xf0 | cp >> 18);
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  if (*full || !out || *o + n >= cap) {
    *full = true;
    return;
  }
  memcpy(out + *o, b, n);
  *o += n;
}

/* A JSON string (the opening quote is next), decoded into @p out (@p cap
 * bytes, may be NULL to skip), cut at a character boundary. */
static bool js_string(js *r, char *out, size_t cap) {
  size_t o = 0;
  bool full = false;
  if (!js_lit(r, '"'))
    return false;
  while (r->p < r->end) {
    unsigned char c = (unsigned char)*r->p++;
    if (c == '"') {
      if (out && cap) {
        if (full)
          drop_partial(out, &o);
        out[o] = '\0';
      }
      return true;
    }
    if (c < 0x20)
      return false;
    if (c != '\\') {
      /* Raw bytes, copied as they are (a character cut at the end is
       * dropped when the string closes). */
      if (!full && out && o + 1 < cap) {
        out[o++] = (char)c;
      } else {
        full = true;
      }
      continue;
    }
    if (r->p >= r->end)
      return false;
    char e = *r->p++;
    uint32_t cp;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      cp = (uint32_t)e;
      break;
    case 'b':
      cp = '\b';
      break;
    case 'f':
      cp = '\f';
      break;
    case 'n':
      cp = '\n';
      break;
    case 'r':
      cp = '\r';
      break;
    case 't':
      cp = '\t';
      break;
    case 'u':
      if (!js_hex4(r, &cp))
        return false;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        uint32_t lo;
        js save = *r;
        if (r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
          r->p += 2;
          if (js_hex4(r, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            break;
          }
        }
        *r = save;
        cp = 0xfffd;
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        cp = 0xfffd;
      }
      break;
    default:
      return false;
    }
    put_cp(out, cap, &o, &full, cp);
  }
  return false;
}

/* A JSON number: the text, checked loosely (digits, sign, '.', exponent). */
static bool js_number(js *r, const char **start, size_t *len) {
  js_ws(r);
  const char *s = r->p;
  while (r->p < r->end &&
         ((*r->p >= '0' && *r->p <= '9') || *r->p == '-' || *r->p == '+' ||
          *r->p == '.' || *r->p == 'e' || *r->p == 'E'))
    r->p++;
  *start = s;
  *len = (size_t)(r->p - s);
  return *len > 0;
}

static bool js_value(js *r, int depth);

static bool js_container(js *r, int depth, bool object) {
  if (depth > JSON_MAX_DEPTH)
    return false;
  char close = object ? '}' : ']';
  if (js_lit(r, close))
    return true;
  for (;;) {
    if (object && (!js_string(r, NULL, 0) || !js_lit(r, ':')))
      return false;
    if (!js_value(r, depth + 1))
      return false;
    if (js_lit(r, close))
      return true;
    if (!js_lit(r, ','))
      return false;
  }
}

static bool js_word(js *r, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
    return false;
  r->p += n;
  return true;
}

/* Skip one value. */
static bool js_value(js *r, int depth) {
  js_ws(r);
  if (r->p >= r->end)
    return false;
  switch (*r->p) {
  case '"':
    return js_string(r, NULL, 0);
  case '{':
    r->p++;
    return js_container(r, depth, true);
  case '[':
    r->p++;
    return js_container(r, depth, false);
  case 't':
    return js_word(r, "true");
  case 'f':
    return js_word(r, "false");
  case 'n':
    return js_word(r, "null");
  default: {
    const char *s;
    size_t n;
    return js_number(r, &s, &n);
  }
  }
}

/* An int64 written as a JSON number or a decimal string (proto3 JSON). */
static bool js_int64(js *r, int64_t *out) {
  char buf[32];
  const char *s;
  size_t n;
  js_ws(r);
  if (r->p < r->end && *r->p == '"') {
    if (!js_string(r, buf, sizeof buf))
      return false;
    s = buf;
    n = strlen(buf);
  } else if (!js_number(r, &s, &n)) {
    return false;
  }
  size_t i = 0;
  bool neg = false;
  if (i < n && s[i] == '-') {
    neg = true;
    i++;
  }
  if (i == n)
    return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    if (v > (UINT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > (uint64_t)INT64_MAX)
    return false;
  *out = neg ? -(int64_t)v : (int64_t)v;
  return true;
}

/* Key @p k is one of the two spellings (lowerCamel, proto name). */
static bool key_is(const char *k, const char *camel, const char *proto) {
  return strcmp(k, camel) == 0 || strcmp(k, proto) == 0;
}

/* Walk the members of the object that starts next, calling @p member for
 * each key (the value is next); it must consume the value. */
typedef bool (*js_member_fn)(js *r, const char *key, void *ctx);

static bool js_object(js *r, js_member_fn member, void *ctx) {
  if (!js_lit(r, '{'))
    return false;
  if (js_lit(r, '}'))
    return true;
  for (;;) {
    char key[64];
    if (!js_string(r, key, sizeof key) || !js_lit(r, ':'))
      return false;
    if (!member(r, key, ctx))
      return false;
    if (js_lit(r, '}'))
      return true;
    if (!js_lit(r, ','))
      return false;
  }
}

/* The rest after the top-level value must be blank. */
static bool js_done(js *r) {
  js_ws(r);
  return r->p == r->end;
}

typedef struct partial_ctx {
  bool present;
  int64_t rejected;
  char *msg;
  size_t cap;
} partial_ctx;

static bool partial_member(js *r, const char *key, void *ctx) {
  partial_ctx *c = ctx;
  js_ws(r);
  bool null = r->p < r->end && *r->p == 'n';
  if (null)
    return js_word(r, "null");
  /* The rejected items of each signal's partial success. */
  if (key_is(key, "rejectedSpans", "rejected_spans") ||
      key_is(key, "rejectedDataPoints", "rejected_data_points") ||
      key_is(key, "rejectedLogRecords", "rejected_log_records"))
    return js_int64(r, &c->rejected);
  if (key_is(key, "errorMessage", "error_message"))
    return js_string(r, c->msg, c->cap);
  return js_value(r, 1);
}

static bool response_member(js *r, const char *key, void *ctx) {
  partial_ctx *c = ctx;
  if (!key_is(key, "partialSuccess", "partial_success"))
    return js_value(r, 1);
  js_ws(r);
  if (r->p < r->end && *r->p == 'n')
    return js_word(r, "null");
  c->present = true;
  return js_object(r, partial_member, ctx);
}

bool otelc__otlp_partial_json(const char *p, size_t n, bool *present,
                              int64_t *rejected, char *msg, size_t msg_cap) {
  js r = {p, p ? p + n : p};
  partial_ctx c = {false, 0, msg, msg_cap};
  if (msg_cap)
    msg[0] = '\0';
  bool ok = js_object(&r, response_member, &c) && js_done(&r);
  *present = ok && c.present;
  *rejected = ok ? c.rejected : 0;
  if (!ok && msg_cap)
    msg[0] = '\0';
  return ok;
}

typedef struct status_ctx {
  bool found;
  char *msg;
  size_t cap;
} status_ctx;

static bool status_member(js *r, const char *key, void *ctx) {
  status_ctx *c = ctx;
  js_ws(r);
  if (strcmp(key, "message") == 0 && r->p < r->end && *r->p == '"') {
    c->found = true;
    return js_string(r, c->msg, c->cap);
  }
  return js_value(r, 1);
}

bool otelc__otlp_status_msg_json(const char *p, size_t n, char *msg,
                                 size_t cap) {
  js r = {p, p ? p + n : p};
  status_ctx c = {false, msg, cap};
  if (cap)
    msg[0] = '\0';
  bool ok = js_object(&r, status_member, &c) && js_done(&r);
  if (!ok && cap)
    msg[0] = '\0';
  return ok && c.found;
}

/* ---------------------------------------------------------- retry policy -- */

bool otelc__otlp_status_retryable(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

bool otelc__otlp_transport_retryable(int curl_code) {
  switch ((CURLcode)curl_code) {
  case CURLE_COULDNT_RESOLVE_HOST: /* DNS may be down for a moment */
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

bool otelc__otlp_parse_retry_after(const char *value, time_t now,
                                   uint64_t *ms) {
  if (!value)
    return false;
  while (*value == ' ' || *value == '\t')
    value++;
  size_t len = strlen(value);
  while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
    len--;
  if (len == 0)
    return false;
  size_t digits = 0;
  while (digits < len && value[digits] >= '0' && value[digits] <= '9')
    digits++;
  if (digits == len) {
    /* delay-seconds; anything past a day is as good as a day. */
    uint64_t s = 0;
    for (size_t i = 0; i < len && s <= 86400; i++)
      s = s * 10 + (uint64_t)(value[i] - '0');
    *ms = (s > 86400 ? 86400 : s) * 1000u;
    return true;
  }
  char buf[128];
  if (len >= sizeof buf)
    return false;
  memcpy(buf, value, len);
  buf[len] = '\0';
  time_t t = curl_getdate(buf, NULL);
  if (t == (time_t)-1)
    return false;
  *ms = t > now ? (uint64_t)(t - now) * 1000u : 0;
  return true;
}

uint64_t otelc__otlp_backoff_ms(unsigned retry, uint64_t random) {
  uint64_t delay = OTELC__OTLP_BACKOFF_INITIAL_MS;
  for (unsigned i = 0; i < retry && delay < OTELC__OTLP_BACKOFF_MAX_MS; i++)
    delay *= 2;
  if (delay > OTELC__OTLP_BACKOFF_MAX_MS)
    delay = OTELC__OTLP_BACKOFF_MAX_MS;
  uint64_t lo = delay / 2;
  return lo + random % (delay - lo + 1);
}
