/*
 * OTLP protobuf responses: a bounded reader of the partial success in an
 * Export*ServiceResponse. Unknown fields of every wire type are skipped;
 * truncated input, over-long varints and lengths past the end are errors.
 */
#include "export/otlp/otlp_internal.h"

/* ------------------------------------------------------------------ */
/* Reading a response                                                  */
/* ------------------------------------------------------------------ */

typedef struct pbr {
  const uint8_t *p, *end;
} pbr;

/* A varint of at most 10 bytes whose value fits 64 bits. */
static bool rd_varint(pbr *r, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift <= 63; shift += 7) {
    if (r->p == r->end)
      return false;
    uint8_t c = *r->p++;
    if (shift == 63 && c > 1)
      return false;
    v |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* A tag: field number (>= 1, < 2^29) and wire type. */
static bool rd_tag(pbr *r, uint32_t *field, unsigned *wt) {
  uint64_t t;
  if (!rd_varint(r, &t) || t > UINT32_MAX || (t >> 3) == 0)
    return false;
  *field = (uint32_t)(t >> 3);
  *wt = (unsigned)(t & 7);
  return true;
}

static bool rd_skip(pbr *r, unsigned wt, uint32_t field, unsigned depth);

/* The rest of a group opened by @p field, up to its end tag. */
static bool rd_skip_group(pbr *r, uint32_t field, unsigned depth) {
  if (depth > 32)
    return false;
  for (;;) {
    uint32_t f;
    unsigned wt;
    if (!rd_tag(r, &f, &wt))
      return false;
    if (wt == 4)
      return f == field;
    if (!rd_skip(r, wt, f, depth + 1))
      return false;
  }
}

/* The value of a field of wire type @p wt. */
static bool rd_skip(pbr *r, unsigned wt, uint32_t field, unsigned depth) {
  uint64_t v;
  size_t left = (size_t)(r->end - r->p);
  switch (wt) {
  case 0:
    return rd_varint(r, &v);
  case 1:
    if (left < 8)
      return false;
    r->p += 8;
    return true;
  case 2:
    if (!rd_varint(r, &v) || v > (size_t)(r->end - r->p))
      return false;
    r->p += v;
    return true;
  case 3:
    return rd_skip_group(r, field, depth);
  case 5:
    if (left < 4)
      return false;
    r->p += 4;
    return true;
  default: /* 4 (an end group with no start), 6, 7 */
    return false;
  }
}

/* The bytes of a LEN field as a sub-reader. */
static bool rd_len(pbr *r, pbr *sub) {
  uint64_t v;
  if (!rd_varint(r, &v) || v > (size_t)(r->end - r->p))
    return false;
  sub->p = r->p;
  sub->end = r->p + v;
  r->p += v;
  return true;
}

static bool rd_partial(pbr *r, int64_t *rejected, char *msg, size_t msg_cap) {
  while (r->p < r->end) {
    uint32_t f;
    unsigned wt;
    if (!rd_tag(r, &f, &wt))
      return false;
    if (f == 1 && wt == 0) {
      uint64_t v;
      if (!rd_varint(r, &v))
        return false;
      *rejected = (int64_t)v;
    } else if (f == 2 && wt == 2) {
      pbr s;
      if (!rd_len(r, &s))
        return false;
      if (msg_cap) {
        size_t n = (size_t)(s.end - s.p);
        if (n > msg_cap - 1) {
          /* Cut before a character that would not fit whole. */
          n = msg_cap - 1;
          for (int k = 0; k < 3 && n > 0 && (s.p[n] & 0xC0) == 0x80; k++)
            n--;
        }
        memcpy(msg, s.p, n);
        msg[n] = '\0';
      }
    } else if (!rd_skip(r, wt, f, 0)) {
      return false;
    }
  }
  return true;
}

otelc_status otelc__otlp_partial_success_pb(const uint8_t *p, size_t n,
                                            bool *present, int64_t *rejected,
                                            char *msg, size_t msg_cap) {
  int64_t rej = 0;
  bool seen = false;
  if (present)
    *present = false;
  if (!msg)
    msg_cap = 0;
  if (msg_cap)
    msg[0] = '\0';
  if (rejected)
    *rejected = 0;
  if (n == 0)
    return OTELC_OK;
  if (!p)
    return OTELC_ERR_INVALID_ARG;
  pbr r = {p, p + n};
  bool ok = true;
  while (ok && r.p < r.end) {
    uint32_t f;
    unsigned wt;
    pbr sub;
    if (!rd_tag(&r, &f, &wt))
      ok = false;
    else if (f == 1 && wt == 2)
      ok = (seen = true) && rd_len(&r, &sub) &&
           rd_partial(&sub, &rej, msg, msg_cap);
    else if (f == 1)
      ok = false; /* the known field with the wrong wire type */
    else
      ok = rd_skip(&r, wt, f, 0);
  }
  if (!ok) {
    if (msg_cap)
      msg[0] = '\0';
    return OTELC_ERR_PARSE;
  }
  if (rejected)
    *rejected = rej;
  if (present)
    *present = seen;
  return OTELC_OK;
}
