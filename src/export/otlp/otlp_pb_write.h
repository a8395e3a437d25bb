/*
 * The backwards protobuf writer shared by the OTLP encoders (traces in
 * otlp_pb.c, metrics in otlp_metrics_pb.c, logs in otlp_logs_pb.c), and the
 * messages every signal has: AnyValue, KeyValue, Resource,
 * InstrumentationScope.
 *
 * Lengths. Every nested message is preceded by its length, which is not
 * known until the message has been written. Rather than computing sizes
 * in a first pass (which, without somewhere to keep them, recomputes each
 * inner size once per enclosing level) or reserving a length slot and
 * moving the body when the length turns out shorter (which moves whole
 * resource and scope bodies), the encoders write backwards: from the end
 * of the buffer towards its start, each message's contents before its
 * length and tag, so that every length is known when it is written.
 * Fields and repeated elements are written in reverse order, so that the
 * bytes, read forwards, are in field-number order (the order protobuf
 * writers use). Every byte is written once; the finished request is moved
 * to the start of the buffer with one memmove at the end.
 *
 * A scratch area at the start of the buffer, below the output, may hold
 * an encoder's working data (the trace encoder's grouping); it moves with
 * the buffer when the buffer grows.
 *
 * Strings. Protobuf string fields must hold valid UTF-8, or decoders
 * reject the whole request. Keys, names and string values are checked for
 * ASCII while they are copied (eight bytes at a time), then, if need be,
 * validated as UTF-8; an invalid one is written again with each maximal
 * ill-formed subsequence replaced by U+FFFD, as Unicode recommends.
 *
 * Thread safety: a writer belongs to one thread; the functions keep no
 * state of their own.
 */
#ifndef OTELC_SRC_EXPORT_OTLP_PB_WRITE_H
#define OTELC_SRC_EXPORT_OTLP_PB_WRITE_H

#include "common/attrs.h"
#include "export/otlp/otlp_internal.h"

/* Tags (field number << 3 | wire type) every message uses. */
enum {
  OTELC__PB_LEN1 = 0x0A, /* field 1, LEN */
  OTELC__PB_LEN2 = 0x12, /* field 2, LEN */
  OTELC__PB_LEN3 = 0x1A, /* field 3, LEN */
  OTELC__PB_LEN4 = 0x22  /* field 4, LEN */
};

typedef struct otelc__pbw {
  uint8_t *p;   /* output is [p, end) */
  uint8_t *lo;  /* lowest byte the output may take: data + scratch */
  uint8_t *end; /* data + cap */
  otelc__buf *b;
  size_t scratch; /* bytes at the start of data used by the encoder */
  otelc_status err;
} otelc__pbw;

/* Prepare @p w to write into @p out (emptied): @p scratch bytes reserved
 * at the start, room for a first guess of @p guess output bytes. Returns
 * OTELC_OK or OTELC_ERR_NOMEM (out->failed set). */
otelc_status otelc__pbw_start(otelc__pbw *w, otelc__buf *out, size_t scratch,
                              size_t guess);

/* Move the finished output to the start of the buffer (over the scratch
 * area) and set its length. */
void otelc__pbw_finish(otelc__pbw *w);

/* Room for @p extra more bytes below the output; false (w->err and
 * b->failed set) when memory ran out or the request limit would pass. */
bool otelc__pbw_grow(otelc__pbw *w, size_t extra);

/* Whether s[0..n) is valid UTF-8. */
bool otelc__pb_utf8_valid(const uint8_t *s, size_t n);

/* A string field of s[0..n) with its ill-formed sequences replaced. */
bool otelc__pbw_str_repair(otelc__pbw *w, uint8_t tag, const uint8_t *s,
                           size_t n);

/* KeyValue as field @p tag (any value kind, nested values bounded by
 * OTELC__MAX_VALUE_DEPTH). */
bool otelc__pbw_key_value(otelc__pbw *w, uint8_t tag, const otelc_attr *a,
                          unsigned depth);

/* An AnyValue message of @p v (any kind; EMPTY: no member set) as field
 * @p tag, as a log record's body is written. */
bool otelc__pbw_any_value(otelc__pbw *w, uint8_t tag, const otelc_value *v);

/* @p n attributes as repeated KeyValue field @p tag, in their order. */
bool otelc__pbw_attrs(otelc__pbw *w, uint8_t tag, const otelc_attr *a,
                      size_t n);

/* The Resource message of @p r as field 1 (of ResourceSpans,
 * ResourceMetrics, ...). */
bool otelc__pbw_resource(otelc__pbw *w, const otelc_resource *r);

/* The InstrumentationScope message of @p sc (name, version, attributes;
 * NULL: an empty one) as field 1 (of ScopeSpans, ScopeMetrics, ...). */
bool otelc__pbw_scope(otelc__pbw *w, const otelc_scope_info *sc);

/* ------------------------------------------------------------------ */
/* Inline pieces                                                       */
/* ------------------------------------------------------------------ */

static inline size_t pbw_used(const otelc__pbw *w) {
  return (size_t)(w->end - w->p);
}

static inline bool pbw_need(otelc__pbw *w, size_t n) {
  return OTELC__LIKELY((size_t)(w->p - w->lo) >= n) || otelc__pbw_grow(w, n);
}

/* The pb_wr_* functions write just below @p p and return the new start.
 * They work on a local pointer, not on w->p: byte stores may alias the
 * writer, which would make the compiler reload w->p after each one. Room
 * must have been made by pbw_need() first. */
static inline uint8_t *pb_wr_varint(uint8_t *p, uint64_t v) {
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

static inline uint8_t *pb_wr_tag_varint(uint8_t *p, uint8_t tag, uint64_t v) {
  p = pb_wr_varint(p, v);
  *--p = tag;
  return p;
}

static inline uint8_t *pb_wr_fixed64(uint8_t *p, uint64_t v) {
  p -= 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, &v, 8);
#else
  for (int k = 0; k < 8; k++)
    p[k] = (uint8_t)(v >> (8 * k));
#endif
  return p;
}

static inline uint8_t *pb_wr_fixed32(uint8_t *p, uint32_t v) {
  p -= 4;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(p, &v, 4);
#else
  for (int k = 0; k < 4; k++)
    p[k] = (uint8_t)(v >> (8 * k));
#endif
  return p;
}

static inline uint64_t pb_double_bits(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}

static inline uint64_t pb_load64(const uint8_t *s) {
  uint64_t v;
  memcpy(&v, s, 8);
  return v;
}

static inline uint32_t pb_load32(const uint8_t *s) {
  uint32_t v;
  memcpy(&v, s, 4);
  return v;
}

#define OTELC__PB_HIGH_BITS 0x8080808080808080u

/* Copy s[0..n) to @p d; true when every byte is ASCII. Keys, names and
 * most values are short: up to 16 bytes they take two (overlapping)
 * loads and stores and no call. */
static inline bool pb_copy_ascii(uint8_t *d, const uint8_t *s, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a = pb_load64(s), b = pb_load64(s + n - 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
    return !((a | b) & OTELC__PB_HIGH_BITS);
  }
  if (n >= 4 && n < 8) {
    uint32_t a = pb_load32(s), b = pb_load32(s + n - 4);
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
  uint64_t any = pb_load64(s + n - 8);
  for (size_t k = 0; k + 8 <= n; k += 8)
    any |= pb_load64(s + k);
  return !(any & OTELC__PB_HIGH_BITS);
}

/* Copy a string to @p d (d[0..n) must be writable) and tell whether it
 * is valid UTF-8 as it is. */
static inline bool pb_copy_str(uint8_t *d, const uint8_t *s, size_t n) {
  return OTELC__LIKELY(pb_copy_ascii(d, s, n)) || otelc__pb_utf8_valid(s, n);
}

/* Close the message started when pbw_used() was @p mark: its length, then
 * @p tag. */
static inline bool pbw_close(otelc__pbw *w, size_t mark, uint8_t tag) {
  if (!pbw_need(w, 11))
    return false;
  w->p = pb_wr_tag_varint(w->p, tag, pbw_used(w) - mark);
  return true;
}

static inline bool pbw_varint(otelc__pbw *w, uint8_t tag, uint64_t v) {
  if (!pbw_need(w, 11))
    return false;
  w->p = pb_wr_tag_varint(w->p, tag, v);
  return true;
}

/* A fixed64 (or double) field with a one-byte tag. */
static inline bool pbw_fixed64(otelc__pbw *w, uint8_t tag, uint64_t v) {
  if (!pbw_need(w, 9))
    return false;
  uint8_t *p = pb_wr_fixed64(w->p, v);
  *--p = tag;
  w->p = p;
  return true;
}

/* A bytes field (no UTF-8 check). */
static inline bool pbw_bytes(otelc__pbw *w, uint8_t tag, const void *s,
                             size_t n) {
  if (!pbw_need(w, n + 11))
    return false;
  uint8_t *p = w->p - n;
  if (n)
    memcpy(p, s, n);
  w->p = pb_wr_tag_varint(p, tag, n);
  return true;
}

/* A string field, repaired to valid UTF-8 when needed. */
static inline bool pbw_str(otelc__pbw *w, uint8_t tag, const char *str,
                           size_t n) {
  const uint8_t *s = (const uint8_t *)str;
  if (!pbw_need(w, n + 11))
    return false;
  uint8_t *p = w->p - n;
  if (OTELC__UNLIKELY(!pb_copy_str(p, s, n)))
    return otelc__pbw_str_repair(w, tag, s, n);
  w->p = pb_wr_tag_varint(p, tag, n);
  return true;
}

/* A string field written only when non-empty. */
static inline bool pbw_opt_str(otelc__pbw *w, uint8_t tag, const char *s) {
  return !s || !*s || pbw_str(w, tag, s, strlen(s));
}

#endif /* OTELC_SRC_EXPORT_OTLP_PB_WRITE_H */
