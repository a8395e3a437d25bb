/*
 * Attribute sets of metric series: an order-independent hash computed in
 * one pass over the caller's attributes, and comparison of those
 * attributes with a series' stored (sorted, copied) set without
 * allocating.
 *
 * Every attribute gets a 64-bit "pair" hash of its key and value; the set
 * hash is the sum of the pair hashes of the attributes it holds, so that
 * any order gives the same hash and a subset (after a view's attribute
 * filter) is hashed by summing fewer terms.
 *
 * Everything here works on the caller's stack and is thread-safe.
 */
#ifndef OTELC_SRC_METRICS_ATTRSET_H
#define OTELC_SRC_METRICS_ATTRSET_H

#include "common/internal.h"

/* Attributes prepared on the stack without allocating; more use the heap. */
#define OTELC__MATTR_STACK 16

/* Constants of the mixer (odd, with well spread bits). */
#define OTELC__H1 0xa0761d6478bd642full
#define OTELC__H2 0xe7037ed1a0b428dbull
#define OTELC__H3 0x8ebc6af09c88c6e3ull
#define OTELC__H4 0x589965cc75374cc3ull

/* Multiply into 128 bits and fold the halves. */
static inline uint64_t otelc__mix(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t otelc__rd64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

static inline uint64_t otelc__rd32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Hash of n bytes, without a loop up to 32 bytes (the usual keys and
 * values): overlapping loads from both ends cover every byte. */
static inline uint64_t otelc__hash_bytes(const void *data, size_t n,
                                         uint64_t seed) {
  const unsigned char *p = data;
  uint64_t a, b;
  if (OTELC__LIKELY(n <= 16)) {
    if (n >= 8) {
      a = otelc__rd64(p);
      b = otelc__rd64(p + n - 8);
    } else if (n >= 4) {
      a = otelc__rd32(p);
      b = otelc__rd32(p + n - 4);
    } else if (n > 0) {
      a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else if (n <= 32) {
    seed = otelc__mix(otelc__rd64(p) ^ OTELC__H2, otelc__rd64(p + 8) ^ seed);
    a = otelc__rd64(p + n - 16);
    b = otelc__rd64(p + n - 8);
  } else {
    size_t left = n;
    while (left > 16) {
      seed = otelc__mix(otelc__rd64(p) ^ OTELC__H2, otelc__rd64(p + 8) ^ seed);
      p += 16;
      left -= 16;
    }
    /* The last 16 bytes, overlapping what came before if need be. */
    a = otelc__rd64(p + left - 16);
    b = otelc__rd64(p + left - 8);
  }
  return otelc__mix(OTELC__H2 ^ n, otelc__mix(a ^ OTELC__H2, b ^ seed));
}

/* Equality of two byte ranges of the same length; up to 32 bytes without
 * a call. */
static inline bool otelc__bytes_eq(const void *x, const void *y, size_t n) {
  const unsigned char *a = x, *b = y;
  if (n >= 8) {
    if (n <= 16)
      return ((otelc__rd64(a) ^ otelc__rd64(b)) |
              (otelc__rd64(a + n - 8) ^ otelc__rd64(b + n - 8))) == 0;
    if (n <= 32)
      return ((otelc__rd64(a) ^ otelc__rd64(b)) |
              (otelc__rd64(a + 8) ^ otelc__rd64(b + 8)) |
              (otelc__rd64(a + n - 16) ^ otelc__rd64(b + n - 16)) |
              (otelc__rd64(a + n - 8) ^ otelc__rd64(b + n - 8))) == 0;
    return memcmp(a, b, n) == 0;
  }
  if (n >= 4)
    return ((otelc__rd32(a) ^ otelc__rd32(b)) |
            (otelc__rd32(a + n - 4) ^ otelc__rd32(b + n - 4))) == 0;
  if (n > 0)
    return a[0] == b[0] && a[n >> 1] == b[n >> 1] && a[n - 1] == b[n - 1];
  return true;
}

/* Hash of a value other than a scalar or string (deep for arrays and
 * maps). */
uint64_t otelc__mvalue_hash_slow(const otelc_value *v, int depth);

/* Deep equality consistent with otelc__mvalue_hash_slow (doubles by
 * bits); b is a stored value with explicit lengths. */
bool otelc__mvalue_eq_slow(const otelc_value *a, const otelc_value *b,
                           int depth);

/* One of the caller's attributes, hashed and measured. */
typedef struct otelc__mattr {
  uint64_t pair;   /* hash of key and value */
  uint64_t khash;  /* hash of the key only */
  const char *key; /* never NULL */
  uint32_t klen;
  uint32_t type; /* otelc_value_type */
  size_t vlen;   /* byte length of a string value */
  uint64_t word; /* INT, DOUBLE bits, BOOL, or the string's address */
  const otelc_attr *src;
} otelc__mattr;

/* A stored attribute of a series, in the form comparisons use. */
typedef struct otelc__sattr {
  uint64_t pair;
  const char *key;
  uint32_t klen;
  uint16_t type;
  bool nul_free; /* a string value without NUL bytes in it */
  size_t vlen;
  uint64_t word;            /* as in otelc__mattr, for the copy */
  const otelc_value *value; /* the stored copy */
  /* Pointers that name this key and string value for as long as the
   * series lives: the first caller's, when they point into memory that
   * never changes (see common/immutable.h), else the copies'. A caller
   * passing the same pointer (and string length field) passes the same
   * bytes, with no need to compare them. */
  const char *key_id;
  const char *str_id;
  size_t str_id_len; /* the otelc_value.len that goes with str_id */
} otelc__sattr;

/* Hash and measure @p a into @p x. */
static inline void otelc__mattr_prep(otelc__mattr *x, const otelc_attr *a) {
  const char *k = a->key ? a->key : "";
  size_t kl = strlen(k);
  uint64_t kh = otelc__hash_bytes(k, kl, OTELC__H1);
  const otelc_value *v = &a->value;
  uint64_t vh;
  x->vlen = 0;
  switch (v->type) {
  case OTELC_VALUE_STRING: {
    const char *str = v->u.str ? v->u.str : "";
    size_t n = v->u.str ? otelc__value_strlen(v) : 0;
    x->vlen = n;
    x->word = (uint64_t)(uintptr_t)str;
    vh = otelc__hash_bytes(str, n, OTELC__H3);
    break;
  }
  case OTELC_VALUE_INT:
    x->word = (uint64_t)v->u.i;
    vh = x->word;
    break;
  case OTELC_VALUE_BOOL:
    x->word = v->u.b ? 1 : 0;
    vh = x->word ^ OTELC__H2;
    break;
  case OTELC_VALUE_DOUBLE:
    memcpy(&x->word, &v->u.d, 8);
    vh = x->word ^ OTELC__H4;
    break;
  default:
    x->word = 0;
    vh = otelc__mvalue_hash_slow(v, 0);
    break;
  }
  x->khash = kh;
  x->key = k;
  x->klen = (uint32_t)kl;
  x->type = (uint32_t)v->type;
  x->src = a;
  x->pair = otelc__mix(kh ^ OTELC__H3 ^ v->type, vh ^ OTELC__H1);
}

/* Whether caller attribute @p x equals stored attribute @p y. */
static inline bool otelc__mattr_same(const otelc__mattr *x,
                                     const otelc__sattr *y) {
  if (x->pair != y->pair || x->klen != y->klen || x->type != y->type ||
      !otelc__bytes_eq(x->key, y->key, x->klen))
    return false;
  switch (x->type) {
  case OTELC_VALUE_INT:
  case OTELC_VALUE_BOOL:
  case OTELC_VALUE_DOUBLE:
    return x->word == y->word;
  case OTELC_VALUE_STRING:
    return x->vlen == y->vlen &&
           otelc__bytes_eq((const char *)(uintptr_t)x->word,
                           (const char *)(uintptr_t)y->word, x->vlen);
  default:
    return otelc__mvalue_eq_slow(&x->src->value, y->value, 0);
  }
}

/* The caller's attributes of one measurement, hashed. Keys are unique
 * (a later duplicate replaces an earlier one). */
typedef struct otelc__mattrs {
  otelc__mattr *at;
  uint32_t n;
  uint64_t hash; /* of all n */
  /* The last attribute filter applied and its result (see
   * otelc__mattrs_filter); several streams often share one. */
  const void *f_last;
  uint32_t f_n;
  uint64_t f_hash;
  uint32_t *f_idx;
  /* Storage. */
  otelc__mattr buf[OTELC__MATTR_STACK];
  uint32_t idx_buf[OTELC__MATTR_STACK];
  void *heap; /* arrays for more than OTELC__MATTR_STACK attributes */
} otelc__mattrs;

static inline uint64_t otelc__set_hash_start(uint32_t n) {
  return (uint64_t)n * OTELC__H4;
}

/* Slow path of otelc__mattrs_init: many attributes, or duplicate keys.
 * Returns false when memory ran out (the measurement is then dropped). */
bool otelc__mattrs_init_slow(otelc__mattrs *m, const otelc_attr *attrs,
                             size_t n);

/* Hash @p attrs. A NULL key counts as "". Returns false when memory ran
 * out. Release with otelc__mattrs_done. */
static inline __attribute__((always_inline)) bool
otelc__mattrs_init(otelc__mattrs *m, const otelc_attr *attrs, size_t n) {
  m->f_last = NULL;
  m->heap = NULL;
  if (OTELC__UNLIKELY(n > OTELC__MATTR_STACK || (n && !attrs)))
    return otelc__mattrs_init_slow(m, attrs, n);
  m->at = m->buf;
  m->n = (uint32_t)n;
  m->f_idx = m->idx_buf;
  uint64_t h = otelc__set_hash_start((uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    otelc__mattr *x = &m->buf[i];
    otelc__mattr_prep(x, &attrs[i]);
    /* A duplicate key: rebuild without the earlier occurrences. */
    for (size_t j = 0; j < i; j++)
      if (OTELC__UNLIKELY(m->buf[j].khash == x->khash))
        return otelc__mattrs_init_slow(m, attrs, n);
    h += x->pair;
  }
  m->hash = h;
  return true;
}

static inline void otelc__mattrs_done(otelc__mattrs *m) {
  if (OTELC__UNLIKELY(m->heap != NULL))
    otelc__free(m->heap);
}

/* Write into @p order the indexes @p idx (NULL: 0..n-1) sorted by key. */
void otelc__mattrs_sorted(const otelc__mattrs *m, const uint32_t *idx,
                          uint32_t n, uint32_t *order);

/* Upper bound of the bytes otelc__value_copy needs for @p v. */
size_t otelc__mvalue_copy_size(const otelc_value *v, int depth);

#endif /* OTELC_SRC_METRICS_ATTRSET_H */
