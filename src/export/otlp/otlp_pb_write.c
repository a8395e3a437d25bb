/*
 * The backwards protobuf writer of the OTLP encoders (see otlp_pb_write.h):
 * buffer management, UTF-8 repair, and the messages shared by every
 * signal (AnyValue, KeyValue, Resource, InstrumentationScope).
 */
#include "export/otlp/otlp_pb_write.h"
#include "otelc/resource.h"

#define MIN_CAP 4096u

/* Tags of AnyValue's members. */
enum {
  T_ANY_BOOL = 0x10,
  T_ANY_INT = 0x18,
  T_ANY_DOUBLE = 0x21,
  T_ANY_ARRAY = 0x2A,
  T_ANY_KVLIST = 0x32,
  T_ANY_BYTES = 0x3A
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

bool otelc__pb_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      memcpy(&word, s + i, 8);
      if (!(word & OTELC__PB_HIGH_BITS)) {
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

bool otelc__pbw_str_repair(otelc__pbw *w, uint8_t tag, const uint8_t *s,
                           size_t n) {
  size_t m = utf8_repaired_len(s, n);
  if (!pbw_need(w, m + 11))
    return false;
  uint8_t *p = w->p - m;
  utf8_repair(p, s, n);
  w->p = pb_wr_tag_varint(p, tag, m);
  return true;
}

/* ------------------------------------------------------------------ */
/* The buffer                                                          */
/* ------------------------------------------------------------------ */

/* The output goes at the end of [data, data + cap), above the scratch
 * area and within the request size limit. */
static void set_bounds(otelc__pbw *w, uint8_t *data, size_t cap) {
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

/* A new block receives the scratch area at its start and the output at
 * its end. The output never takes more than OTELC__OTLP_MAX_REQUEST bytes
 * (w->lo sees to it), so u <= max here. */
bool otelc__pbw_grow(otelc__pbw *w, size_t extra) {
  size_t u = pbw_used(w), max = OTELC__OTLP_MAX_REQUEST;
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

otelc_status otelc__pbw_start(otelc__pbw *w, otelc__buf *out, size_t scratch,
                              size_t guess) {
  otelc__buf_reset(out);
  w->b = out;
  w->scratch = scratch;
  w->err = OTELC_OK;
  size_t max = OTELC__OTLP_MAX_REQUEST;
  if (guess > max)
    guess = max;
  size_t want = scratch + guess;
  if (out->cap < want) {
    size_t cap = pick_cap(out->cap, want, scratch + max);
    uint8_t *nb = otelc__malloc(cap);
    if (!nb) {
      out->failed = true;
      return OTELC_ERR_NOMEM;
    }
    otelc__free(out->data);
    out->data = nb;
    out->cap = cap;
  }
  set_bounds(w, out->data, out->cap);
  w->p = w->end;
  return OTELC_OK;
}

void otelc__pbw_finish(otelc__pbw *w) {
  size_t len = pbw_used(w);
  memmove(w->b->data, w->p, len);
  w->b->len = len;
}

/* ------------------------------------------------------------------ */
/* Values and attributes                                               */
/* ------------------------------------------------------------------ */

static bool any_value(otelc__pbw *w, uint8_t tag, const otelc_value *v,
                      unsigned depth);

/* The elements of an array value, each an AnyValue of ArrayValue.values
 * (field 1), last first. */
static bool array_elems(otelc__pbw *w, const otelc_value *v, unsigned depth) {
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
    if (!any_value(w, OTELC__PB_LEN1, &e, depth + 1))
      return false;
  }
  return true;
}

/* KeyValue as field @p tag, any value. */
static bool key_value_any(otelc__pbw *w, uint8_t tag, const otelc_attr *a,
                          unsigned depth) {
  size_t mark = pbw_used(w);
  const char *key = a->key ? a->key : "";
  return any_value(w, OTELC__PB_LEN2, &a->value, depth) &&
         pbw_str(w, OTELC__PB_LEN1, key, strlen(key)) &&
         pbw_close(w, mark, tag);
}

/* Scalars and strings that need no repair (the usual attributes) are
 * written in one go, with one check for room. */
bool otelc__pbw_key_value(otelc__pbw *w, uint8_t tag, const otelc_attr *a,
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
  if (!pbw_need(w, klen + vlen + 4 + 4 * 10))
    return false;
  uint8_t *end = w->p, *p = end;
  switch (v->type) {
  case OTELC_VALUE_STRING:
    p -= vlen;
    if (OTELC__UNLIKELY(!pb_copy_str(p, vs, vlen)))
      return key_value_any(w, tag, a, depth);
    p = pb_wr_tag_varint(p, OTELC__PB_LEN1, vlen);
    break;
  case OTELC_VALUE_INT:
    p = pb_wr_tag_varint(p, T_ANY_INT, (uint64_t)v->u.i);
    break;
  case OTELC_VALUE_DOUBLE:
    p = pb_wr_fixed64(p, pb_double_bits(v->u.d));
    *--p = T_ANY_DOUBLE;
    break;
  default: /* OTELC_VALUE_BOOL */
    *--p = v->u.b ? 1 : 0;
    *--p = T_ANY_BOOL;
    break;
  }
  p = pb_wr_tag_varint(p, OTELC__PB_LEN2, (size_t)(end - p));
  p -= klen;
  if (OTELC__UNLIKELY(!pb_copy_str(p, (const uint8_t *)key, klen)))
    return key_value_any(w, tag, a, depth);
  p = pb_wr_tag_varint(p, OTELC__PB_LEN1, klen);
  w->p = pb_wr_tag_varint(p, tag, (size_t)(end - p));
  return true;
}

bool otelc__pbw_attrs(otelc__pbw *w, uint8_t tag, const otelc_attr *a,
                      size_t n) {
  for (size_t k = a ? n : 0; k-- > 0;)
    if (!otelc__pbw_key_value(w, tag, &a[k], 0))
      return false;
  return true;
}

/* AnyValue as field @p tag. Oneof members are written even when they hold
 * their default; EMPTY (and anything nested too deeply, or unknown) is
 * an AnyValue with no member set. */
static bool any_value(otelc__pbw *w, uint8_t tag, const otelc_value *v,
                      unsigned depth) {
  size_t mark = pbw_used(w);
  bool ok = true;
  if (depth > OTELC__MAX_VALUE_DEPTH)
    return pbw_close(w, mark, tag);
  switch (v->type) {
  case OTELC_VALUE_STRING: {
    const char *s = v->u.str ? v->u.str : "";
    ok = pbw_str(w, OTELC__PB_LEN1, s, v->u.str ? otelc__value_strlen(v) : 0);
    break;
  }
  case OTELC_VALUE_BOOL:
    ok = pbw_need(w, 2);
    if (ok) {
      *--w->p = v->u.b ? 1 : 0;
      *--w->p = T_ANY_BOOL;
    }
    break;
  case OTELC_VALUE_INT:
    ok = pbw_varint(w, T_ANY_INT, (uint64_t)v->u.i);
    break;
  case OTELC_VALUE_DOUBLE:
    ok = pbw_fixed64(w, T_ANY_DOUBLE, pb_double_bits(v->u.d));
    break;
  case OTELC_VALUE_BYTES:
    ok = pbw_bytes(w, T_ANY_BYTES, v->u.bytes, v->u.bytes ? v->len : 0);
    break;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY: {
    size_t inner = pbw_used(w);
    ok = (!v->len || v->u.values) && array_elems(w, v, depth) &&
         pbw_close(w, inner, T_ANY_ARRAY);
    break;
  }
  case OTELC_VALUE_MAP: {
    size_t inner = pbw_used(w);
    for (size_t k = v->u.kvs ? v->len : 0; ok && k-- > 0;)
      ok = otelc__pbw_key_value(w, OTELC__PB_LEN1, &v->u.kvs[k], depth + 1);
    ok = ok && pbw_close(w, inner, T_ANY_KVLIST);
    break;
  }
  default: /* EMPTY */
    break;
  }
  return ok && pbw_close(w, mark, tag);
}

bool otelc__pbw_any_value(otelc__pbw *w, uint8_t tag, const otelc_value *v) {
  return any_value(w, tag, v, 0);
}

/* ------------------------------------------------------------------ */
/* Resource and scope                                                  */
/* ------------------------------------------------------------------ */

bool otelc__pbw_resource(otelc__pbw *w, const otelc_resource *r) {
  size_t mark = pbw_used(w);
  for (size_t k = otelc_resource_attr_count(r); k-- > 0;) {
    const otelc_attr *a = otelc_resource_attr(r, k);
    if (a && !otelc__pbw_key_value(w, OTELC__PB_LEN1, a, 0))
      return false;
  }
  return pbw_close(w, mark, OTELC__PB_LEN1);
}

bool otelc__pbw_scope(otelc__pbw *w, const otelc_scope_info *sc) {
  size_t mark = pbw_used(w);
  if (sc && (!otelc__pbw_attrs(w, OTELC__PB_LEN3, sc->attrs, sc->n_attrs) ||
             !pbw_opt_str(w, OTELC__PB_LEN2, sc->version) ||
             !pbw_opt_str(w, OTELC__PB_LEN1, sc->name)))
    return false;
  return pbw_close(w, mark, OTELC__PB_LEN1);
}
