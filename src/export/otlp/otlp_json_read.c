/*
 * OTLP/JSON responses: a bounded, tolerant reader of the partial success
 * in an Export*ServiceResponse. It never reads past the given length,
 * skips unknown keys (nested values included, without recursion), and
 * decodes escapes in the error message.
 */
#include <stdlib.h>

#include "export/otlp/otlp_internal.h"

/* ---------------------------------------------- partial success reader -- */

/* Nesting the reader follows before it gives up. */
#define READ_MAX_DEPTH 64

typedef struct rd {
  const char *p, *end;
  bool present; /* a partialSuccess object was found */
} rd;

static void skip_ws(rd *r) {
  while (r->p < r->end &&
         (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

/* Consume @p c (after white space). */
static bool eat(rd *r, char c) {
  skip_ws(r);
  if (r->p < r->end && *r->p == c) {
    r->p++;
    return true;
  }
  return false;
}

static int hex_val(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool read_hex4(rd *r, unsigned *out) {
  if (r->end - r->p < 4)
    return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_val(r->p[i]);
    if (h < 0)
      return false;
    v = v << 4 | (unsigned)h;
  }
  r->p += 4;
  *out = v;
  return true;
}

/* Where a decoded string goes: at most cap - 1 bytes and a NUL, cut at a
 * character boundary; once something did not fit, nothing more is added,
 * so the result is always a prefix. */
typedef struct sink {
  char *s;
  size_t cap, len;
  bool full;
} sink;

static void sink_add(sink *k, const char *p, size_t n) {
  if (!k->s || k->full)
    return;
  if (k->cap - 1 - k->len < n) {
    k->full = true;
    return;
  }
  memcpy(k->s + k->len, p, n);
  k->len += n;
  k->s[k->len] = '\0';
}

static size_t utf8_encode(unsigned cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A string starting at its opening quote, decoded into @p k (may have no
 * storage, to skip). Raw bytes are copied as they are, one character (a
 * lead byte and its continuation bytes) at a time; \u0000 and lone
 * surrogates become U+FFFD. */
static bool read_string(rd *r, sink *k) {
  skip_ws(r);
  if (r->p >= r->end || *r->p != '"')
    return false;
  r->p++;
  while (r->p < r->end) {
    unsigned char c = (unsigned char)*r->p;
    if (c == '"') {
      r->p++;
      return true;
    }
    if (c < 0x20)
      return false;
    if (c != '\\') {
      const char *start = r->p++;
      if (c >= 0xC0)
        while (r->p < r->end && r->p - start < 4 &&
               ((unsigned char)*r->p & 0xC0) == 0x80)
          r->p++;
      sink_add(k, start, (size_t)(r->p - start));
      continue;
    }
    r->p++;
    if (r->p >= r->end)
      return false;
    char e = *r->p++;
    char one;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      one = e;
      break;
    case 'b':
      one = '\b';
      break;
    case 'f':
      one = '\f';
      break;
    case 'n':
      one = '\n';
      break;
    case 'r':
      one = '\r';
      break;
    case 't':
      one = '\t';
      break;
    case 'u': {
      unsigned cp;
      if (!read_hex4(r, &cp))
        return false;
      if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 &&
          r->p[0] == '\\' && r->p[1] == 'u') {
        rd look = {r->p + 2, r->end, false};
        unsigned lo;
        if (read_hex4(&look, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          r->p = look.p;
        }
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
      char u[4];
      sink_add(k, u, utf8_encode(cp, u));
      continue;
    }
    default:
      return false;
    }
    sink_add(k, &one, 1);
  }
  return false;
}

/* A JSON number, its syntax checked, truncated towards zero and clamped
 * to the int64 range. */
static bool read_number(rd *r, int64_t *out) {
  const char *p = r->p, *end = r->end;
  bool neg = false;
  if (p < end && *p == '-') {
    neg = true;
    p++;
  }
  if (p >= end || *p < '0' || *p > '9')
    return false;
  /* Significant digits (leading zeros dropped) and the position of the
   * decimal point among them. */
  char dig[20];
  int nd = 0;
  long point = 0;
  if (*p == '0') {
    p++;
  } else {
    while (p < end && *p >= '0' && *p <= '9') {
      if (nd < (int)sizeof dig)
        dig[nd++] = *p;
      if (point < 100000)
        point++;
      p++;
    }
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || *p < '0' || *p > '9')
      return false;
    while (p < end && *p >= '0' && *p <= '9') {
      if (nd == 0 && *p == '0') {
        if (point > -100000)
          point--;
      } else if (nd < (int)sizeof dig) {
        dig[nd++] = *p;
      }
      p++;
    }
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-'))
      eneg = *p++ == '-';
    if (p >= end || *p < '0' || *p > '9')
      return false;
    long ex = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (ex < 100000)
        ex = ex * 10 + (*p - '0');
      p++;
    }
    point += eneg ? -ex : ex;
  }
  r->p = p;
  /* The integer part: the first `point` significant digits. */
  uint64_t v = 0;
  bool overflow = false;
  for (long i = 0; i < point && !overflow; i++) {
    unsigned d = i < nd ? (unsigned)(dig[i] - '0') : 0;
    if (v > (UINT64_MAX - d) / 10)
      overflow = true;
    else
      v = v * 10 + d;
  }
  uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  if (overflow || v > lim)
    v = lim;
  *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v)
             : (int64_t)v;
  return true;
}

static bool read_literal(rd *r, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
    return false;
  r->p += n;
  return true;
}

/* Skip any value, checking its syntax, with an explicit stack so that
 * deep nesting costs no recursion. */
static bool skip_value(rd *r) {
  uint64_t is_obj = 0; /* bit d: level d is an object */
  int depth = 0;
  sink none = {0};
  for (;;) {
    /* A value starts here. */
    skip_ws(r);
    if (r->p >= r->end)
      return false;
    char c = *r->p;
    if (c == '{' || c == '[') {
      r->p++;
      if (depth >= READ_MAX_DEPTH)
        return false;
      if (c == '{')
        is_obj |= 1ull << depth;
      else
        is_obj &= ~(1ull << depth);
      depth++;
      if (eat(r, c == '{' ? '}' : ']')) {
        depth--;
      } else {
        if (c == '{' && (!read_string(r, &none) || !eat(r, ':')))
          return false;
        continue;
      }
    } else if (c == '"') {
      if (!read_string(r, &none))
        return false;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      int64_t ignored;
      if (!read_number(r, &ignored))
        return false;
    } else if (!read_literal(r, "true") && !read_literal(r, "false") &&
               !read_literal(r, "null")) {
      return false;
    }
    /* After a value: close containers or move to the next member. */
    for (;;) {
      if (depth == 0)
        return true;
      bool obj = (is_obj >> (depth - 1)) & 1;
      if (eat(r, ',')) {
        if (obj && (!read_string(r, &none) || !eat(r, ':')))
          return false;
        break;
      }
      if (!eat(r, obj ? '}' : ']'))
        return false;
      depth--;
    }
  }
}

/* The key of the next member (decoded into a short buffer; longer keys
 * match nothing) and its colon. */
static bool read_key(rd *r, char key[32]) {
  sink k = {key, 32, 0, false};
  key[0] = '\0';
  if (!read_string(r, &k) || !eat(r, ':'))
    return false;
  if (k.full)
    key[0] = '\0';
  return true;
}

/* A count: a number, a string holding one, or null (0). */
static bool read_count(rd *r, int64_t *out) {
  skip_ws(r);
  if (r->p >= r->end)
    return false;
  if (*r->p == '"') {
    char tmp[64];
    sink k = {tmp, sizeof tmp, 0, false};
    if (!read_string(r, &k) || k.full)
      return false;
    rd in = {tmp, tmp + k.len, false};
    return read_number(&in, out) && in.p == in.end;
  }
  if (*r->p == 'n')
    return read_literal(r, "null");
  if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
    return read_number(r, out);
  return skip_value(r); /* another type: ignored */
}

/* Proto3 JSON readers accept a field's lowerCamelCase name and its
 * original proto name alike. */
static bool named(const char *key, const char *camel, const char *proto) {
  return strcmp(key, camel) == 0 || strcmp(key, proto) == 0;
}

/* The members of an object whose '{' has been read. With @p inner, the
 * fields of the partial success are taken; otherwise "partialSuccess"
 * is descended into. */
static bool read_object(rd *r, bool inner, int64_t *rejected, sink *msg) {
  if (eat(r, '}'))
    return true;
  do {
    char key[32];
    if (!read_key(r, key))
      return false;
    bool ok;
    skip_ws(r);
    bool is_obj = r->p < r->end && *r->p == '{';
    if (!inner && is_obj && named(key, "partialSuccess", "partial_success")) {
      r->p++;
      r->present = true;
      ok = read_object(r, true, rejected, msg);
    } else if (inner && (named(key, "rejectedSpans", "rejected_spans") ||
                         named(key, "rejectedLogRecords",
                               "rejected_log_records") ||
                         named(key, "rejectedDataPoints",
                               "rejected_data_points"))) {
      ok = read_count(r, rejected);
    } else if (inner && named(key, "errorMessage", "error_message") &&
               r->p < r->end && *r->p == '"') {
      if (msg->s) {
        msg->len = 0;
        msg->full = false;
        msg->s[0] = '\0';
      }
      ok = read_string(r, msg);
    } else {
      ok = skip_value(r);
    }
    if (!ok)
      return false;
  } while (eat(r, ','));
  return eat(r, '}');
}

otelc_status otelc__otlp_partial_success_json(const char *p, size_t n,
                                              bool *present,
                                              int64_t *rejected, char *msg,
                                              size_t msg_cap) {
  int64_t count = 0;
  if (present)
    *present = false;
  sink k = {msg_cap ? msg : NULL, msg_cap, 0, false};
  if (k.s)
    k.s[0] = '\0';
  if (rejected)
    *rejected = 0;
  if (!p)
    return n ? OTELC_ERR_INVALID_ARG : OTELC_OK;
  rd r = {p, p + n, false};
  if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    r.p += 3;
  skip_ws(&r);
  if (r.p == r.end)
    return OTELC_OK;
  bool ok = eat(&r, '{') && read_object(&r, false, &count, &k);
  skip_ws(&r);
  if (!ok || r.p != r.end) {
    if (k.s)
      k.s[0] = '\0';
    return OTELC_ERR_PARSE;
  }
  if (rejected)
    *rejected = count;
  if (present)
    *present = r.present;
  return OTELC_OK;
}
