/*
 * OTLP protobuf: ExportTraceServiceRequest written straight from span
 * records, and the partial success read back from a response.
 *
 * Lengths. Every nested message is preceded by its length, which is not
 * known until the message has been written. Rather than computing sizes
 * in a first pass (which, without somewhere to keep them, recomputes each
 * inner size once per enclosing level) or reserving a length slot and
 * moving the body when the length turns out shorter (which moves whole
 * ResourceSpans and ScopeSpans bodies), the encoder writes backwards: from
 * the end of the buffer towards its start, each message's contents before
 * its length and tag, so that every length is known when it is written.
 * Fields and repeated elements are written in reverse order, so that the
 * bytes, read forwards, are in the usual field order. Every byte is
 * written once; the finished request is moved to the start of the buffer
 * with one memmove at the end.
 *
 * Grouping. When the batch mixes resources or scopes, the spans sorted by
 * group and the group table (otelc__otlp_group) live at the start of the
 * same buffer, below the output, so that a warmed buffer makes encoding
 * allocation-free. A batch from one tracer needs neither.
 *
 * Strings. Protobuf string fields must hold valid UTF-8, or decoders
 * reject the whole request. Keys, names and string values are checked for
 * ASCII while they are copied (eight bytes at a time), then, if need be,
 * validated as UTF-8; an invalid one is written again with each maximal
 * ill-formed subsequence replaced by U+FFFD, as Unicode recommends.
 *
 * Cost: about 800 instructions for a span with four attributes, plus the
 * final move of its ~200 bytes (bench/bench_otlp_encode).
 */
#include "export/otlp/otlp_internal.h"
#include "otelc/resource.h"
#include "trace/trace_internal.h"

#define MIN_CAP 4096u
#define EST_SPAN_BYTES 256u /* first guess of the size of one span */

/* Tags (field number << 3 | wire type) used below. */
enum {
  T_LEN1 = 0x0A, /* field 1, LEN */
  T_LEN2 = 0x12, /* field 2, LEN */
  T_LEN3 = 0x1A, /* field 3, LEN */
  T_LEN4 = 0x22, /* field 4, LEN */
  T_ANY_BOOL = 0x10,
  T_ANY_INT = 0x18,
  T_ANY_DOUBLE = 0x21,
  T_ANY_ARRAY = 0x2A,
  T_ANY_KVLIST = 0x32,
  T_ANY_BYTES = 0x3A,
  T_SPAN_NAME = 0x2A,
  T_SPAN_KIND = 0x30,
  T_SPAN_START = 0x39,
  T_SPAN_END = 0x41,
  T_SPAN_ATTRS = 0x4A,
  T_SPAN_DROPPED_ATTRS = 0x50,
  T_SPAN_EVENTS = 0x5A,
  T_SPAN_DROPPED_EVENTS = 0x60,
  T_SPAN_LINKS = 0x6A,
  T_SPAN_DROPPED_LINKS = 0x70,
  T_SPAN_STATUS = 0x7A,
  T_EVENT_TIME = 0x09,
  T_EVENT_DROPPED = 0x20,
  T_LINK_DROPPED = 0x28,
  T_LINK_FLAGS = 0x35,
  T_STATUS_CODE = 0x18
};

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* The sequence at s[0..n), n >= 1: its length (1-4) when it is a valid
 * character, else minus the length of its maximal ill-formed subpart
 * (-1 to -3), which becomes one U+FFFD. */
static int utf8_seq(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  if (c < 0x80)
    return 1;
  uint8_t lo = 0x80, hi = 0xBF;
  int len;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; /* overlong */
    else if (c == 0xED)
      hi = 0x9F; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90; /* overlong */
    else if (c == 0xF4)
      hi = 0x8F; /* past U+10FFFF */
  } else {
    return -1;
  }
  if (n < 2 || s[1] < lo || s[1] > hi)
    return -1;
  for (int k = 2; k < len; k++)
    if ((size_t)k >= n || (s[k] & 0xC0) != 0x80)
      return -k;
  return len;
}

static bool utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      memcpy(&word, s + i, 8);
      if (!(word & 0x8080808080808080u)) {
        i += 8;
        continue;
      }
    }
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    int k = utf8_seq(s + i, n - i);
    if (k < 0)
      return false;
    i += (size_t)k;
  }
  return true;
}

/* Size of s[0..n) once repaired. */
static size_t utf8_repaired_len(const uint8_t *s, size_t n) {
  size_t out = 0;
  for (size_t i = 0; i < n;) {
    int k = utf8_seq(s + i, n - i);
    if (k > 0) {
      out += (size_t)k;
      i += (size_t)k;
    } else {
      out += 3;
      i += (size_t)-k;
    }
  }
  return out;
}

static void utf8_repair(uint8_t *out, const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n;) {
    int k = utf8_seq(s + i, n - i);
    if (k > 0) {
      memcpy(out, s + i, (size_t)k);
      out += k;
      i += (size_t)k;
    } else {
      out[0] = 0xEF;
      out[1] = 0xBF;
      out[2] = 0xBD;
      out += 3;
      i += (size_t)-k;
    }
  }
}

/* ------------------------------------------------------------------ */
/* The backwards writer                                                */
/* ------------------------------------------------------------------ */

typedef struct pbw {
  uint8_t *p;   /* output is [p, end) */
  uint8_t *lo;  /* lowest byte the output may take: data + scratch */
  uint8_t *end; /* data + cap */
  otelc__buf *b;
  size_t scratch; /* bytes at the start of data used by the grouping */
  otelc_status err;
  /* Where the spans and groups are: the caller's array and one group, or
   * the scratch area (re-read after every growth, which moves it). */
  otelc_span *const *spans;
  size_t n;
  otelc__span_group one;
} pbw;

static inline size_t used(const pbw *w) {
  return (size_t)(w->end - w->p);
}

/* The output goes at the end of [data, data + cap), above the scratch
 * area and within the request size limit. */
static void set_bounds(pbw *w, uint8_t *data, size_t cap) {
  size_t room = cap - w->scratch;
  if (room > OTELC__OTLP_MAX_REQUEST)
    room = OTELC__OTLP_MAX_REQUEST;
  w->end = data + cap;
  w->lo = w->end - room;
}

/* Capacity for @p need bytes: doubling from MIN_CAP, at most @p limit
 * (need <= limit). */
static size_t pick_cap(size_t cur, size_t need, size_t limit) {
  size_t cap = cur < MIN_CAP ? MIN_CAP : cur;
  while (cap < need)
    cap = cap > limit / 2 ? limit : cap * 2;
  return cap;
}

/* Room for @p extra more bytes below the output. A new block receives the
 * scratch area at its start and the output at its end. The output never
 * takes more than OTELC__OTLP_MAX_REQUEST bytes (w->lo sees to it), so
 * u <= max here. */
static bool grow(pbw *w, size_t extra) {
  size_t u = used(w), max = OTELC__OTLP_MAX_REQUEST;
  if (extra > max - u) {
    w->err = OTELC_ERR_LIMIT;
    w->b->failed = true;
    return false;
  }
  size_t cap = pick_cap(w->b->cap, w->scratch + u + extra, w->scratch + max);
  uint8_t *nb = otelc__malloc(cap);
  if (!nb) {
    w->err = OTELC_ERR_NOMEM;
    w->b->failed = true;
    return false;
  }
  if (w->scratch)
    memcpy(nb, w->b->data, w->scratch);
  if (u)
    memcpy(nb + cap - u, w->p, u);
  otelc__free(w->b->data);
  w->b->data = nb;
  w->b->cap = cap;
  set_bounds(w, nb, cap);
  w->p = w->end - u;
  return true;
}

static inline bool need(pbw *w, size_t n) {
  return OTELC__LIKELY((size_t)(w->p - w->lo) >= n) || grow(w, n);
}

/* The wr_* functions write just below @p p and return the new start.
 * They work on a local pointer, not on w->p: byte stores may alias the
 * writer, which would make the compiler reload w->p after each one. Room
 * must have been made by need() first. */
static inline uint8_t *wr_varint(uint8_t *p, uint64_t v) {
  if (OTELC__LIKELY(v < 0x80)) {
    *--p = (uint8_t)v;
    return p;
  }
  if (v < 0x4000) {
    p -= 2;
    p[0] = (uint8_t)(v | 0x80);
    p[1] = (uint8_t)(v >> 7);
    return p;
  }
  unsigned bits = 64u - (unsigned)__builtin_clzll(v);
  uint8_t *start = p - (bits + 6) / 7, *q = start;
  while (v >= 0x80) {
    *q++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *q = (uint8_t)v;
  return start;
}

static inline uint8_t *wr_tag_varint(uint8_t *p, uint8_t tag, uint64_t v) {
  p = wr_varint(p, v);
  *--p = tag;
  return p;
}

static inline uint8_t *wr_fixed64(uint8_t *p, uint64_t v) {
  p -= 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, &v, 8);
#else
  for (int k = 0; k < 8; k++)
    p[k] = (uint8_t)(v >> (8 * k));
#endif
  return p;
}

static inline uint8_t *wr_fixed32(uint8_t *p, uint32_t v) {
  p -= 4;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, &v, 4);
#else
  for (int k = 0; k < 4; k++)
    p[k] = (uint8_t)(v >> (8 * k));
#endif
  return p;
}

static inline uint64_t load64(const uint8_t *s) {
  uint64_t v;
  memcpy(&v, s, 8);
  return v;
}

static inline uint32_t load32(const uint8_t *s) {
  uint32_t v;
  memcpy(&v, s, 4);
  return v;
}

#define HIGH_BITS 0x8080808080808080u

/* Copy s[0..n) to @p d; true when every byte is ASCII. Keys, names and
 * most values are short: up to 16 bytes they take two (overlapping)
 * loads and stores and no call. */
static inline bool copy_ascii(uint8_t *d, const uint8_t *s, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a = load64(s), b = load64(s + n - 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
    return !((a | b) & HIGH_BITS);
  }
  if (n >= 4 && n < 8) {
    uint32_t a = load32(s), b = load32(s + n - 4);
    memcpy(d, &a, 4);
    memcpy(d + n - 4, &b, 4);
    return !((a | b) & 0x80808080u);
  }
  if (n < 4) {
    uint8_t any = 0;
    for (size_t k = 0; k < n; k++)
      any |= d[k] = s[k];
    return !(any & 0x80);
  }
  memcpy(d, s, n);
  uint64_t any = load64(s + n - 8);
  for (size_t k = 0; k + 8 <= n; k += 8)
    any |= load64(s + k);
  return !(any & HIGH_BITS);
}

static inline void put_byte(pbw *w, uint8_t c) {
  *--w->p = c;
}

/* Close the message started when used() was @p mark: its length, then
 * @p tag. */
static inline bool close_msg(pbw *w, size_t mark, uint8_t tag) {
  if (!need(w, 11))
    return false;
  w->p = wr_tag_varint(w->p, tag, used(w) - mark);
  return true;
}

static inline bool field_varint(pbw *w, uint8_t tag, uint64_t v) {
  if (!need(w, 11))
    return false;
  w->p = wr_tag_varint(w->p, tag, v);
  return true;
}

/* A bytes field (no UTF-8 check). */
static bool field_bytes(pbw *w, uint8_t tag, const void *s, size_t n) {
  if (!need(w, n + 11))
    return false;
  uint8_t *p = w->p - n;
  if (n)
    memcpy(p, s, n);
  w->p = wr_tag_varint(p, tag, n);
  return true;
}

/* s[0..n) with its ill-formed sequences replaced. */
static bool field_str_repair(pbw *w, uint8_t tag, const uint8_t *s, size_t n) {
  size_t m = utf8_repaired_len(s, n);
  if (!need(w, m + 11))
    return false;
  uint8_t *p = w->p - m;
  utf8_repair(p, s, n);
  w->p = wr_tag_varint(p, tag, m);
  return true;
}

/* Copy a string to @p d (d[0..n) must be writable) and tell whether it
 * is valid UTF-8 as it is. */
static inline bool copy_str(uint8_t *d, const uint8_t *s, size_t n) {
  return OTELC__LIKELY(copy_ascii(d, s, n)) || utf8_valid(s, n);
}

/* A string field, repaired to valid UTF-8 when needed. */
static bool field_str(pbw *w, uint8_t tag, const char *str, size_t n) {
  const uint8_t *s = (const uint8_t *)str;
  if (!need(w, n + 11))
    return false;
  uint8_t *p = w->p - n;
  if (OTELC__UNLIKELY(!copy_str(p, s, n)))
    return field_str_repair(w, tag, s, n);
  w->p = wr_tag_varint(p, tag, n);
  return true;
}

/* A string field written only when non-empty. */
static inline bool opt_str(pbw *w, uint8_t tag, const char *s) {
  return !s || !*s || field_str(w, tag, s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* Values and attributes                                               */
/* ------------------------------------------------------------------ */

static bool any_value(pbw *w, uint8_t tag, const otelc_value *v,
                      unsigned depth);

/* The elements of an array value, each an AnyValue of ArrayValue.values
 * (field 1), last first. */
static bool array_elems(pbw *w, const otelc_value *v, unsigned depth) {
  for (size_t k = v->len; k-- > 0;) {
    otelc_value e = {OTELC_VALUE_EMPTY, 0, {.str = NULL}};
    switch (v->type) {
    case OTELC_VALUE_STRING_ARRAY:
      e.type = OTELC_VALUE_STRING;
      e.u.str = v->u.strs[k] ? v->u.strs[k] : "";
      e.len = strlen(e.u.str);
      break;
    case OTELC_VALUE_BOOL_ARRAY:
      e.type = OTELC_VALUE_BOOL;
      e.u.b = v->u.bools[k];
      break;
    case OTELC_VALUE_INT_ARRAY:
      e.type = OTELC_VALUE_INT;
      e.u.i = v->u.ints[k];
      break;
    case OTELC_VALUE_DOUBLE_ARRAY:
      e.type = OTELC_VALUE_DOUBLE;
      e.u.d = v->u.doubles[k];
      break;
    default: /* OTELC_VALUE_ARRAY */
      e = v->u.values[k];
      break;
    }
    if (!any_value(w, T_LEN1, &e, depth + 1))
      return false;
  }
  return true;
}

/* KeyValue as field @p tag, any value. */
static bool key_value_any(pbw *w, uint8_t tag, const otelc_attr *a,
                          unsigned depth) {
  size_t mark = used(w);
  const char *key = a->key ? a->key : "";
  return any_value(w, T_LEN2, &a->value, depth) &&
         field_str(w, T_LEN1, key, strlen(key)) && close_msg(w, mark, tag);
}

/* KeyValue as field @p tag. Scalars and strings that need no repair (the
 * usual attributes) are written in one go, with one check for room. */
static bool key_value(pbw *w, uint8_t tag, const otelc_attr *a,
                      unsigned depth) {
  const otelc_value *v = &a->value;
  const uint8_t *vs = NULL;
  size_t vlen = 0;
  if (v->type == OTELC_VALUE_STRING) {
    vs = (const uint8_t *)(v->u.str ? v->u.str : "");
    vlen = v->u.str ? otelc__value_strlen(v) : 0;
  } else if (v->type != OTELC_VALUE_INT && v->type != OTELC_VALUE_DOUBLE &&
             v->type != OTELC_VALUE_BOOL) {
    return key_value_any(w, tag, a, depth);
  }
  const char *key = a->key ? a->key : "";
  size_t klen = strlen(key);
  /* Key and value, four tags, four lengths or values of up to 10 bytes. */
  if (!need(w, klen + vlen + 4 + 4 * 10))
    return false;
  uint8_t *end = w->p, *p = end;
  switch (v->type) {
  case OTELC_VALUE_STRING:
    p -= vlen;
    if (OTELC__UNLIKELY(!copy_str(p, vs, vlen)))
      return key_value_any(w, tag, a, depth);
    p = wr_tag_varint(p, T_LEN1, vlen);
    break;
  case OTELC_VALUE_INT:
    p = wr_tag_varint(p, T_ANY_INT, (uint64_t)v->u.i);
    break;
  case OTELC_VALUE_DOUBLE: {
    uint64_t bits;
    memcpy(&bits, &v->u.d, sizeof bits);
    p = wr_fixed64(p, bits);
    *--p = T_ANY_DOUBLE;
    break;
  }
  default: /* OTELC_VALUE_BOOL */
    *--p = v->u.b ? 1 : 0;
    *--p = T_ANY_BOOL;
    break;
  }
  p = wr_tag_varint(p, T_LEN2, (size_t)(end - p));
  p -= klen;
  if (OTELC__UNLIKELY(!copy_str(p, (const uint8_t *)key, klen)))
    return key_value_any(w, tag, a, depth);
  p = wr_tag_varint(p, T_LEN1, klen);
  w->p = wr_tag_varint(p, tag, (size_t)(end - p));
  return true;
}

/* @p n attributes as repeated KeyValue field @p tag, in their order. */
static bool attrs(pbw *w, uint8_t tag, const otelc_attr *a, size_t n) {
  for (size_t k = n; k-- > 0;)
    if (!key_value(w, tag, &a[k], 0))
      return false;
  return true;
}

/* AnyValue as field @p tag. Oneof members are written even when they hold
 * their default; EMPTY (and anything nested too deeply, or unknown) is
 * an AnyValue with no member set. */
static bool any_value(pbw *w, uint8_t tag, const otelc_value *v,
                      unsigned depth) {
  size_t mark = used(w);
  bool ok = true;
  if (depth > OTELC__MAX_VALUE_DEPTH)
    return close_msg(w, mark, tag);
  switch (v->type) {
  case OTELC_VALUE_STRING: {
    const char *s = v->u.str ? v->u.str : "";
    ok = field_str(w, T_LEN1, s, v->u.str ? otelc__value_strlen(v) : 0);
    break;
  }
  case OTELC_VALUE_BOOL:
    ok = need(w, 2);
    if (ok) {
      put_byte(w, v->u.b ? 1 : 0);
      put_byte(w, T_ANY_BOOL);
    }
    break;
  case OTELC_VALUE_INT:
    ok = field_varint(w, T_ANY_INT, (uint64_t)v->u.i);
    break;
  case OTELC_VALUE_DOUBLE: {
    uint64_t bits;
    memcpy(&bits, &v->u.d, sizeof bits);
    ok = need(w, 9);
    if (ok) {
      w->p = wr_fixed64(w->p, bits);
      put_byte(w, T_ANY_DOUBLE);
    }
    break;
  }
  case OTELC_VALUE_BYTES:
    ok = field_bytes(w, T_ANY_BYTES, v->u.bytes, v->u.bytes ? v->len : 0);
    break;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY: {
    size_t inner = used(w);
    ok = (!v->len || v->u.values) && array_elems(w, v, depth) &&
         close_msg(w, inner, T_ANY_ARRAY);
    break;
  }
  case OTELC_VALUE_MAP: {
    size_t inner = used(w);
    for (size_t k = v->u.kvs ? v->len : 0; ok && k-- > 0;)
      ok = key_value(w, T_LEN1, &v->u.kvs[k], depth + 1);
    ok = ok && close_msg(w, inner, T_ANY_KVLIST);
    break;
  }
  default: /* EMPTY */
    break;
  }
  return ok && close_msg(w, mark, tag);
}

/* ------------------------------------------------------------------ */
/* Spans                                                               */
/* ------------------------------------------------------------------ */

static inline uint32_t otlp_flags(uint8_t trace_flags, bool remote) {
  return trace_flags | OTELC__OTLP_FLAG_HAS_IS_REMOTE |
         (remote ? OTELC__OTLP_FLAG_IS_REMOTE : 0);
}

static bool event(pbw *w, const otelc_span_event *e) {
  size_t mark = used(w);
  if (e->dropped_attrs && !field_varint(w, T_EVENT_DROPPED, e->dropped_attrs))
    return false;
  if (!attrs(w, T_LEN3, e->attrs, e->attrs ? e->n_attrs : 0) ||
      !opt_str(w, T_LEN2, e->name) || !need(w, 9))
    return false;
  uint8_t *p = wr_fixed64(w->p, e->time);
  *--p = T_EVENT_TIME;
  w->p = p;
  return close_msg(w, mark, T_SPAN_EVENTS);
}

static bool link(pbw *w, const otelc_span_link *l) {
  size_t mark = used(w);
  if (!need(w, 16))
    return false;
  uint8_t *p = wr_fixed32(
      w->p, otlp_flags(l->context.trace_flags, l->context.is_remote));
  *--p = T_LINK_FLAGS;
  if (l->dropped_attrs)
    p = wr_tag_varint(p, T_LINK_DROPPED, l->dropped_attrs);
  w->p = p;
  if (!attrs(w, T_LEN4, l->attrs, l->attrs ? l->n_attrs : 0) ||
      !opt_str(w, T_LEN3, l->tracestate) ||
      !field_bytes(w, T_LEN2, l->context.span_id, 8) ||
      !field_bytes(w, T_LEN1, l->context.trace_id, 16))
    return false;
  return close_msg(w, mark, T_SPAN_LINKS);
}

static bool status(pbw *w, const otelc_span *s) {
  if (s->status == OTELC_STATUS_UNSET)
    return true;
  size_t mark = used(w);
  if (!field_varint(w, T_STATUS_CODE, (uint64_t)s->status))
    return false;
  if (s->status == OTELC_STATUS_ERROR && !opt_str(w, T_LEN2, s->status_desc))
    return false;
  return close_msg(w, mark, T_SPAN_STATUS);
}

static bool span(pbw *w, const otelc_span *s) {
  size_t mark = used(w);
  bool has_parent = (s->flags & OTELC__SPAN_HAS_PARENT) != 0;

  /* 16 flags (fixed32, tag 85 01). */
  if (!need(w, 6))
    return false;
  uint8_t *p = wr_fixed32(
      w->p, otlp_flags(s->ctx.trace_flags, has_parent && s->parent.is_remote));
  *--p = 0x01;
  *--p = 0x85;
  w->p = p;
  /* 15 status, 14-9 links, events and attributes. */
  if (!status(w, s))
    return false;
  if (s->dropped_links &&
      !field_varint(w, T_SPAN_DROPPED_LINKS, s->dropped_links))
    return false;
  for (size_t k = s->links ? s->n_links : 0; k-- > 0;)
    if (!link(w, &s->links[k]))
      return false;
  if (s->dropped_events &&
      !field_varint(w, T_SPAN_DROPPED_EVENTS, s->dropped_events))
    return false;
  for (size_t k = s->events ? s->n_events : 0; k-- > 0;)
    if (!event(w, &s->events[k]))
      return false;
  if (s->attrs.dropped &&
      !field_varint(w, T_SPAN_DROPPED_ATTRS, s->attrs.dropped))
    return false;
  if (!attrs(w, T_SPAN_ATTRS, s->attrs.items,
             s->attrs.items ? s->attrs.count : 0))
    return false;

  /* 8 end, 7 start, 6 kind, 5 name. */
  const char *name = s->name ? s->name : "";
  size_t nlen = strlen(name);
  if (!need(w, 2 * 9 + 2 + nlen + 11))
    return false;
  p = wr_fixed64(w->p, s->end_time);
  *--p = T_SPAN_END;
  p = wr_fixed64(p, s->start_time);
  *--p = T_SPAN_START;
  unsigned kind = (unsigned)s->kind;
  *--p = (uint8_t)(kind - 1 < 5 ? kind : OTELC_SPAN_KIND_INTERNAL);
  *--p = T_SPAN_KIND;
  w->p = p;
  p -= nlen;
  if (OTELC__LIKELY(copy_str(p, (const uint8_t *)name, nlen)))
    w->p = wr_tag_varint(p, T_SPAN_NAME, nlen);
  else if (!field_str_repair(w, T_SPAN_NAME, (const uint8_t *)name, nlen))
    return false;

  /* 4 parent_span_id, 3 trace_state, 2 span_id, 1 trace_id. */
  if (!need(w, 3 * 2 + 8 + 8 + 16))
    return false;
  p = w->p;
  if (has_parent) {
    p -= 8;
    memcpy(p, s->parent.span_id, 8);
    *--p = 8;
    *--p = T_LEN4;
    w->p = p;
  }
  if (s->tracestate && s->tracestate->len) {
    if (!field_str(w, T_LEN3, s->tracestate->s, s->tracestate->len) ||
        !need(w, 2 * 2 + 8 + 16))
      return false;
    p = w->p;
  }
  p -= 8;
  memcpy(p, s->ctx.span_id, 8);
  *--p = 8;
  *--p = T_LEN2;
  p -= 16;
  memcpy(p, s->ctx.trace_id, 16);
  *--p = 16;
  *--p = T_LEN1;
  w->p = p;
  return close_msg(w, mark, T_LEN2); /* ScopeSpans.spans */
}

/* ------------------------------------------------------------------ */
/* Groups                                                              */
/* ------------------------------------------------------------------ */

static inline otelc_span *sorted_at(const pbw *w, size_t k) {
  return w->scratch ? ((otelc_span **)(void *)w->b->data)[k] : w->spans[k];
}

static inline const otelc__span_group *group_at(const pbw *w, size_t g) {
  if (!w->scratch)
    return &w->one;
  return (const otelc__span_group *)(void *)(w->b->data +
                                             w->n * sizeof(otelc_span *)) +
         g;
}

/* ScopeSpans of group @p g (field 2 of ResourceSpans). */
static bool scope_spans(pbw *w, size_t g) {
  otelc__span_group grp = *group_at(w, g);
  const otelc_scope_info *sc = grp.scope;
  size_t mark = used(w);
  if (sc && !opt_str(w, T_LEN3, sc->schema_url))
    return false;
  for (size_t k = grp.count; k-- > 0;)
    if (!span(w, sorted_at(w, grp.first + k)))
      return false;
  /* 1 scope: name, version, attributes. */
  size_t inner = used(w);
  if (sc && (!attrs(w, T_LEN3, sc->attrs, sc->attrs ? sc->n_attrs : 0) ||
             !opt_str(w, T_LEN2, sc->version) || !opt_str(w, T_LEN1, sc->name)))
    return false;
  return close_msg(w, inner, T_LEN1) && close_msg(w, mark, T_LEN2);
}

/* The Resource message (field 1 of ResourceSpans). */
static bool resource(pbw *w, const otelc_resource *r) {
  size_t mark = used(w);
  for (size_t k = otelc_resource_attr_count(r); k-- > 0;) {
    const otelc_attr *a = otelc_resource_attr(r, k);
    if (a && !key_value(w, T_LEN1, a, 0))
      return false;
  }
  return close_msg(w, mark, T_LEN1);
}

/* Every group, last first: each run of groups of one resource is one
 * ResourceSpans. */
static bool request(pbw *w, size_t ng) {
  size_t g = ng;
  while (g > 0) {
    const otelc_resource *r = group_at(w, g - 1)->resource;
    size_t mark = used(w);
    if (!opt_str(w, T_LEN3, otelc_resource_schema_url(r)))
      return false;
    do {
      g--;
      if (!scope_spans(w, g))
        return false;
    } while (g > 0 && group_at(w, g - 1)->resource == r);
    if (!resource(w, r) || !close_msg(w, mark, T_LEN1))
      return false;
  }
  return true;
}

static inline const otelc_resource *span_resource(const otelc_span *s) {
  return s->tracer && s->tracer->provider ? s->tracer->provider->resource
                                          : NULL;
}

static inline const otelc_scope_info *span_scope(const otelc_span *s) {
  return s->tracer ? &s->tracer->scope : NULL;
}

otelc_status otelc__otlp_traces_pb(otelc__buf *out, otelc_span *const *spans,
                                   size_t n) {
  otelc__buf_reset(out);
  if (n == 0)
    return OTELC_OK;

  pbw w = {0};
  w.b = out;
  w.spans = spans;
  w.n = n;
  w.err = OTELC_OK;

  /* One tracer (the usual batch): no sorting, no scratch. */
  const otelc_resource *r0 = span_resource(spans[0]);
  const otelc_scope_info *sc0 = span_scope(spans[0]);
  size_t same = 1;
  while (same < n && span_scope(spans[same]) == sc0 &&
         span_resource(spans[same]) == r0)
    same++;
  if (same < n) {
    size_t per = sizeof(otelc_span *) + sizeof(otelc__span_group);
    if (n > OTELC__OTLP_MAX_REQUEST / per) {
      out->failed = true; /* far more spans than a request holds */
      return OTELC_ERR_LIMIT;
    }
    w.scratch = n * per;
  }

  /* The buffer: scratch area, then room for a first guess of the
   * output. */
  size_t max = OTELC__OTLP_MAX_REQUEST;
  size_t guess = n < max / EST_SPAN_BYTES ? n * EST_SPAN_BYTES : max;
  size_t want = w.scratch + guess;
  if (out->cap < want) {
    size_t cap = pick_cap(out->cap, want, w.scratch + max);
    uint8_t *nb = otelc__malloc(cap);
    if (!nb) {
      out->failed = true;
      return OTELC_ERR_NOMEM;
    }
    otelc__free(out->data);
    out->data = nb;
    out->cap = cap;
  }
  set_bounds(&w, out->data, out->cap);
  w.p = w.end;

  size_t ng = 1;
  if (w.scratch) {
    otelc_span **sorted = (otelc_span **)(void *)out->data;
    ng = otelc__otlp_group(spans, n, sorted,
                           (otelc__span_group *)(void *)(sorted + n));
  } else {
    w.one = (otelc__span_group){r0, sc0, 0, n};
  }

  if (!request(&w, ng)) {
    out->len = 0;
    out->failed = true;
    return w.err != OTELC_OK ? w.err : OTELC_ERR_NOMEM;
  }
  size_t len = used(&w);
  memmove(out->data, w.p, len);
  out->len = len;
  return OTELC_OK;
}
