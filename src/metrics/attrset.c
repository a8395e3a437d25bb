/* Attribute-set hashing: the slow paths (many attributes, duplicate keys,
 * arrays and maps) and sorting. */
#include "metrics/attrset.h"

#include "common/attrs.h"

#define MAX_DEPTH OTELC__MAX_VALUE_DEPTH

static uint64_t double_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

uint64_t otelc__mvalue_hash_slow(const otelc_value *v, int depth) {
  uint64_t h = otelc__mix((uint64_t)v->type ^ OTELC__H2, OTELC__H3);
  if (depth > MAX_DEPTH)
    return h;
  switch (v->type) {
  case OTELC_VALUE_STRING: {
    size_t n = v->u.str ? otelc__value_strlen(v) : 0;
    return otelc__hash_bytes(v->u.str ? v->u.str : "", n, OTELC__H3);
  }
  case OTELC_VALUE_INT:
    return otelc__mix((uint64_t)v->u.i ^ OTELC__H3, OTELC__H4);
  case OTELC_VALUE_BOOL:
    return v->u.b ? OTELC__H1 : OTELC__H4;
  case OTELC_VALUE_DOUBLE:
    return otelc__mix(double_bits(v->u.d) ^ OTELC__H1, OTELC__H2);
  case OTELC_VALUE_BYTES:
    return otelc__hash_bytes(v->u.bytes ? v->u.bytes : "",
                             v->u.bytes ? v->len : 0, OTELC__H4);
  case OTELC_VALUE_EMPTY:
    return h;
  default:
    break;
  }
  if (!v->u.bytes)
    return h;
  for (size_t i = 0; i < v->len; i++) {
    uint64_t e;
    switch (v->type) {
    case OTELC_VALUE_STRING_ARRAY: {
      const char *s = v->u.strs[i] ? v->u.strs[i] : "";
      e = otelc__hash_bytes(s, strlen(s), OTELC__H3);
      break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
      e = v->u.bools[i] ? OTELC__H1 : OTELC__H4;
      break;
    case OTELC_VALUE_INT_ARRAY:
      e = otelc__mix((uint64_t)v->u.ints[i] ^ OTELC__H3, OTELC__H4);
      break;
    case OTELC_VALUE_DOUBLE_ARRAY:
      e = otelc__mix(double_bits(v->u.doubles[i]) ^ OTELC__H1, OTELC__H2);
      break;
    case OTELC_VALUE_ARRAY:
      e = otelc__mvalue_hash_slow(&v->u.values[i], depth + 1);
      break;
    case OTELC_VALUE_MAP: {
      const char *k = v->u.kvs[i].key ? v->u.kvs[i].key : "";
      e = otelc__hash_bytes(k, strlen(k), OTELC__H1) ^
          otelc__mvalue_hash_slow(&v->u.kvs[i].value, depth + 1);
      break;
    }
    default:
      return h;
    }
    h = otelc__mix(h ^ e, OTELC__H1);
  }
  return h;
}

bool otelc__mvalue_eq_slow(const otelc_value *a, const otelc_value *b,
                           int depth) {
  if (a->type != b->type)
    return false;
  switch (a->type) {
  case OTELC_VALUE_EMPTY:
    return true;
  case OTELC_VALUE_STRING: {
    size_t la = a->u.str ? otelc__value_strlen(a) : 0;
    size_t lb = b->u.str ? otelc__value_strlen(b) : 0;
    return la == lb && (la == 0 || memcmp(a->u.str, b->u.str, la) == 0);
  }
  case OTELC_VALUE_INT:
    return a->u.i == b->u.i;
  case OTELC_VALUE_BOOL:
    return a->u.b == b->u.b;
  case OTELC_VALUE_DOUBLE:
    return double_bits(a->u.d) == double_bits(b->u.d);
  case OTELC_VALUE_BYTES: {
    size_t la = a->u.bytes ? a->len : 0, lb = b->u.bytes ? b->len : 0;
    return la == lb && (la == 0 || memcmp(a->u.bytes, b->u.bytes, la) == 0);
  }
  default:
    break;
  }
  if (depth > MAX_DEPTH)
    return true; /* both were cut to EMPTY when copied */
  size_t na = a->u.bytes ? a->len : 0, nb = b->u.bytes ? b->len : 0;
  if (na != nb)
    return false;
  for (size_t i = 0; i < na; i++) {
    switch (a->type) {
    case OTELC_VALUE_STRING_ARRAY: {
      const char *x = a->u.strs[i] ? a->u.strs[i] : "";
      const char *y = b->u.strs[i] ? b->u.strs[i] : "";
      if (strcmp(x, y) != 0)
        return false;
      break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
      if (a->u.bools[i] != b->u.bools[i])
        return false;
      break;
    case OTELC_VALUE_INT_ARRAY:
      if (a->u.ints[i] != b->u.ints[i])
        return false;
      break;
    case OTELC_VALUE_DOUBLE_ARRAY:
      if (double_bits(a->u.doubles[i]) != double_bits(b->u.doubles[i]))
        return false;
      break;
    case OTELC_VALUE_ARRAY:
      if (!otelc__mvalue_eq_slow(&a->u.values[i], &b->u.values[i], depth + 1))
        return false;
      break;
    case OTELC_VALUE_MAP: {
      const char *x = a->u.kvs[i].key ? a->u.kvs[i].key : "";
      const char *y = b->u.kvs[i].key ? b->u.kvs[i].key : "";
      if (strcmp(x, y) != 0 ||
          !otelc__mvalue_eq_slow(&a->u.kvs[i].value, &b->u.kvs[i].value,
                                 depth + 1))
        return false;
      break;
    }
    default:
      return false;
    }
  }
  return true;
}

bool otelc__mattrs_init_slow(otelc__mattrs *m, const otelc_attr *attrs,
                             size_t n) {
  if (n && !attrs)
    n = 0;
  m->heap = NULL;
  m->f_last = NULL;
  m->at = m->buf;
  m->f_idx = m->idx_buf;
  if (n > OTELC__MATTR_STACK) {
    size_t per = sizeof(otelc__mattr) + sizeof(uint32_t);
    if (n > SIZE_MAX / per)
      return false;
    char *p = otelc__malloc(n * per);
    if (!p)
      return false;
    m->heap = p;
    m->at = (otelc__mattr *)p;
    m->f_idx = (uint32_t *)(m->at + n);
  }
  /* Keep the last occurrence of each key, at the place of the first. */
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    otelc__mattr x;
    otelc__mattr_prep(&x, &attrs[i]);
    size_t j = 0;
    for (; j < kept; j++)
      if (m->at[j].khash == x.khash && m->at[j].klen == x.klen &&
          memcmp(m->at[j].key, x.key, x.klen) == 0)
        break;
    m->at[j] = x;
    if (j == kept)
      kept++;
  }
  m->n = (uint32_t)kept;
  uint64_t sum = otelc__set_hash_start((uint32_t)kept);
  for (size_t i = 0; i < kept; i++)
    sum += m->at[i].pair;
  m->hash = sum;
  return true;
}

void otelc__mattrs_sorted(const otelc__mattrs *m, const uint32_t *idx,
                          uint32_t n, uint32_t *order) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = idx ? idx[i] : i;
    uint32_t j = i;
    while (j > 0 && strcmp(m->at[order[j - 1]].key, m->at[v].key) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = v;
  }
}

static size_t pad8(size_t n) {
  return (n + 7u) & ~(size_t)7u;
}

size_t otelc__mvalue_copy_size(const otelc_value *v, int depth) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    return pad8((v->u.str ? otelc__value_strlen(v) : 0) + 1);
  case OTELC_VALUE_BYTES:
    return pad8((v->u.bytes ? v->len : 0) + 1);
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
  case OTELC_VALUE_MAP:
    break;
  default:
    return 0;
  }
  if (depth > MAX_DEPTH || !v->u.bytes || v->len == 0)
    return 0;
  size_t total = 0;
  switch (v->type) {
  case OTELC_VALUE_STRING_ARRAY:
    total = pad8(v->len * sizeof(char *));
    for (size_t i = 0; i < v->len; i++)
      total += pad8((v->u.strs[i] ? strlen(v->u.strs[i]) : 0) + 1);
    return total;
  case OTELC_VALUE_BOOL_ARRAY:
    return pad8(v->len * sizeof(bool));
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
    return pad8(v->len * 8);
  case OTELC_VALUE_ARRAY:
    total = pad8(v->len * sizeof(otelc_value));
    for (size_t i = 0; i < v->len; i++)
      total += otelc__mvalue_copy_size(&v->u.values[i], depth + 1);
    return total;
  default: /* MAP */
    total = pad8(v->len * sizeof(otelc_attr));
    for (size_t i = 0; i < v->len; i++) {
      const char *k = v->u.kvs[i].key ? v->u.kvs[i].key : "";
      total += pad8(strlen(k) + 1) +
               otelc__mvalue_copy_size(&v->u.kvs[i].value, depth + 1);
    }
    return total;
  }
}
