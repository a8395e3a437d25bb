/* Arena and attribute-list storage shared by spans, events, links and
 * resources. */
#include "common/attrs.h"

struct otelc__arena_chunk {
  otelc__arena_chunk *next;
  size_t cap;
  /* data follows, 8-aligned */
};

#define CHUNK_MIN 1024

void otelc__arena_init(otelc__arena *a, void *buf, size_t cap) {
  a->cur = buf;
  a->left = buf ? cap : 0;
  a->chunks = NULL;
}

void otelc__arena_reset(otelc__arena *a, void *buf, size_t cap) {
  otelc__arena_chunk *c = a->chunks;
  while (c) {
    otelc__arena_chunk *next = c->next;
    otelc__free(c);
    c = next;
  }
  otelc__arena_init(a, buf, cap);
}

void *otelc__arena_alloc(otelc__arena *a, size_t n) {
  size_t pad = (size_t)(-(uintptr_t)a->cur & 7u);
  if (OTELC__LIKELY(a->cur && pad + n <= a->left)) {
    void *p = a->cur + pad;
    a->cur += pad + n;
    a->left -= pad + n;
    return p;
  }
  size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
  if (cap > SIZE_MAX - sizeof(otelc__arena_chunk) - 8)
    return NULL;
  otelc__arena_chunk *c = otelc__malloc(sizeof *c + cap);
  if (!c)
    return NULL;
  c->next = a->chunks;
  c->cap = cap;
  a->chunks = c;
  char *data = (char *)(c + 1);
  a->cur = data + n;
  a->left = cap - n;
  return data;
}

char *otelc__arena_strndup(otelc__arena *a, const char *s, size_t len) {
  if (len == SIZE_MAX)
    return NULL;
  char *d = otelc__arena_bytes(a, len + 1);
  if (!d)
    return NULL;
  if (len)
    memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

static otelc_status copy_value(otelc__arena *a, otelc_value *dst,
                               const otelc_value *src, uint32_t max_chars,
                               bool *truncated, int depth);

static otelc_status copy_array(otelc__arena *a, otelc_value *dst,
                               const otelc_value *src, size_t elem,
                               uint32_t max_chars, bool *truncated,
                               int depth) {
  size_t n = src->len;
  dst->len = n;
  if (n == 0) {
    dst->u.bytes = NULL;
    return OTELC_OK;
  }
  if (!src->u.bytes || n > SIZE_MAX / (elem + 8))
    return OTELC_ERR_INVALID_ARG;
  void *mem = otelc__arena_alloc(a, n * elem);
  if (!mem)
    return OTELC_ERR_NOMEM;
  switch (src->type) {
  case OTELC_VALUE_STRING_ARRAY: {
    const char **out = mem;
    for (size_t i = 0; i < n; i++) {
      const char *s = src->u.strs[i] ? src->u.strs[i] : "";
      size_t len = strlen(s), keep = otelc__utf8_prefix(s, len, max_chars);
      if (keep < len)
        *truncated = true;
      if (!(out[i] = otelc__arena_strndup(a, s, keep)))
        return OTELC_ERR_NOMEM;
    }
    break;
  }
  case OTELC_VALUE_ARRAY: {
    otelc_value *out = mem;
    for (size_t i = 0; i < n; i++) {
      otelc_status st = copy_value(a, &out[i], &src->u.values[i], max_chars,
                                   truncated, depth + 1);
      if (st != OTELC_OK)
        return st;
    }
    break;
  }
  case OTELC_VALUE_MAP: {
    otelc_attr *out = mem;
    for (size_t i = 0; i < n; i++) {
      const char *k = src->u.kvs[i].key ? src->u.kvs[i].key : "";
      if (!(out[i].key = otelc__arena_strndup(a, k, strlen(k))))
        return OTELC_ERR_NOMEM;
      otelc_status st = copy_value(a, &out[i].value, &src->u.kvs[i].value,
                                   max_chars, truncated, depth + 1);
      if (st != OTELC_OK)
        return st;
    }
    break;
  }
  default:
    memcpy(mem, src->u.bytes, n * elem);
    break;
  }
  dst->u.bytes = mem;
  return OTELC_OK;
}

static otelc_status copy_value(otelc__arena *a, otelc_value *dst,
                               const otelc_value *src, uint32_t max_chars,
                               bool *truncated, int depth) {
  dst->type = src->type;
  dst->len = 0;
  dst->u.i = 0;
  switch (src->type) {
  case OTELC_VALUE_EMPTY:
    return OTELC_OK;
  case OTELC_VALUE_BOOL:
    dst->u.b = src->u.b;
    return OTELC_OK;
  case OTELC_VALUE_INT:
    dst->u.i = src->u.i;
    return OTELC_OK;
  case OTELC_VALUE_DOUBLE:
    dst->u.d = src->u.d;
    return OTELC_OK;
  case OTELC_VALUE_STRING: {
    const char *s = src->u.str ? src->u.str : "";
    size_t len = src->u.str ? otelc__value_strlen(src) : 0;
    size_t keep = otelc__utf8_prefix(s, len, max_chars);
    if (keep < len)
      *truncated = true;
    char *d = otelc__arena_strndup(a, s, keep);
    if (!d)
      return OTELC_ERR_NOMEM;
    dst->u.str = d;
    dst->len = keep;
    return OTELC_OK;
  }
  case OTELC_VALUE_BYTES: {
    size_t len = src->u.bytes ? src->len : 0;
    if (len > max_chars) {
      len = max_chars;
      *truncated = true;
    }
    char *d = otelc__arena_alloc(a, len ? len : 1);
    if (!d)
      return OTELC_ERR_NOMEM;
    if (len)
      memcpy(d, src->u.bytes, len);
    dst->u.bytes = d;
    dst->len = len;
    return OTELC_OK;
  }
  default:
    break;
  }
  /* Arrays and maps: each level of nesting adds one to the depth, and a
   * value nested deeper than the limit becomes empty. */
  if (depth > OTELC__MAX_VALUE_DEPTH) {
    dst->type = OTELC_VALUE_EMPTY;
    *truncated = true;
    return OTELC_OK;
  }
  switch (src->type) {
  case OTELC_VALUE_STRING_ARRAY:
    return copy_array(a, dst, src, sizeof(char *), max_chars, truncated,
                      depth);
  case OTELC_VALUE_BOOL_ARRAY:
    return copy_array(a, dst, src, sizeof(bool), max_chars, truncated,
                      depth);
  case OTELC_VALUE_INT_ARRAY:
    return copy_array(a, dst, src, sizeof(int64_t), max_chars, truncated,
                      depth);
  case OTELC_VALUE_DOUBLE_ARRAY:
    return copy_array(a, dst, src, sizeof(double), max_chars, truncated,
                      depth);
  case OTELC_VALUE_ARRAY:
  case OTELC_VALUE_MAP:
    return copy_array(a, dst, src,
                      src->type == OTELC_VALUE_ARRAY ? sizeof(otelc_value)
                                                     : sizeof(otelc_attr),
                      max_chars, truncated, depth);
  default:
    return OTELC_ERR_INVALID_ARG;
  }
}

otelc_status otelc__value_copy(otelc__arena *a, otelc_value *dst,
                               const otelc_value *src, uint32_t max_chars,
                               bool *truncated) {
  otelc_status st = copy_value(a, dst, src, max_chars, truncated, 1);
  if (st != OTELC_OK) {
    dst->type = OTELC_VALUE_EMPTY;
    dst->len = 0;
  }
  return st;
}

void otelc__attr_list_init(otelc__attr_list *l, otelc_attr *inline_items,
                           uint32_t *inline_hashes, uint32_t inline_cap) {
  l->items = inline_items;
  l->hashes = inline_hashes;
  l->count = 0;
  l->cap = inline_items && inline_hashes ? inline_cap : 0;
  l->dropped = 0;
  l->heap = false;
}

void otelc__attr_list_free(otelc__attr_list *l) {
  if (l->heap) {
    otelc__free(l->items);
    otelc__free(l->hashes);
  }
  l->items = NULL;
  l->hashes = NULL;
  l->count = l->cap = 0;
  l->heap = false;
}

static inline __attribute__((always_inline)) uint32_t
key_hash(const char *key, size_t len) {
  /* Length plus the first and last bytes, read with fixed-size loads:
   * cheap, and different keys of one list rarely collide (a collision
   * only costs a string compare). */
  uint64_t a, b;
  if (len >= 8) {
    memcpy(&a, key, 8);
    memcpy(&b, key + len - 8, 8);
  } else if (len >= 4) {
    uint32_t x, y;
    memcpy(&x, key, 4);
    memcpy(&y, key + len - 4, 4);
    a = x;
    b = y;
  } else {
    const unsigned char *k = (const unsigned char *)key;
    a = len ? (uint64_t)k[0] | (uint64_t)k[len / 2] << 8 |
                  (uint64_t)k[len - 1] << 16
            : 0;
    b = 0;
  }
  uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ len) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h >> 32);
}

uint32_t otelc__key_hash(const char *key, size_t len) {
  return key_hash(key, len);
}

static inline __attribute__((always_inline)) long
find_hashed(const otelc__attr_list *l, const char *key, uint32_t h) {
  for (uint32_t i = 0; i < l->count; i++)
    if (l->hashes[i] == h &&
        (l->items[i].key == key || strcmp(l->items[i].key, key) == 0))
      return (long)i;
  return -1;
}

long otelc__attr_list_find(const otelc__attr_list *l, const char *key) {
  return find_hashed(l, key, key_hash(key, strlen(key)));
}

static bool grow(otelc__attr_list *l) {
  uint32_t cap = l->cap ? l->cap * 2 : 8;
  otelc_attr *items = otelc__malloc(sizeof(otelc_attr) * cap);
  uint32_t *hashes = otelc__malloc(sizeof(uint32_t) * cap);
  if (!items || !hashes) {
    otelc__free(items);
    otelc__free(hashes);
    return false;
  }
  if (l->count) {
    memcpy(items, l->items, sizeof(otelc_attr) * l->count);
    memcpy(hashes, l->hashes, sizeof(uint32_t) * l->count);
  }
  if (l->heap) {
    otelc__free(l->items);
    otelc__free(l->hashes);
  }
  l->items = items;
  l->hashes = hashes;
  l->cap = cap;
  l->heap = true;
  return true;
}

/* Scalars and unlimited strings without the general copy. Returns false
 * when the general path is needed. */
static inline bool copy_simple(otelc__arena *a, otelc_value *dst,
                               const otelc_value *src, uint32_t max_chars,
                               otelc_status *st) {
  switch (src->type) {
  case OTELC_VALUE_INT:
  case OTELC_VALUE_DOUBLE:
  case OTELC_VALUE_BOOL:
    *dst = *src;
    dst->len = 0;
    *st = OTELC_OK;
    return true;
  case OTELC_VALUE_STRING: {
    if (!src->u.str)
      return false;
    size_t len = src->len == OTELC_NTS ? strlen(src->u.str) : src->len;
    if (len > max_chars)
      return false; /* may need truncation */
    char *d = otelc__arena_bytes(a, len + 1);
    if (!d) {
      *st = OTELC_ERR_NOMEM;
      return true;
    }
    memcpy(d, src->u.str, len);
    d[len] = '\0';
    dst->type = OTELC_VALUE_STRING;
    dst->len = len;
    dst->u.str = d;
    *st = OTELC_OK;
    return true;
  }
  default:
    return false;
  }
}

/* The slot for @p key: the existing one, or a new one whose key has been
 * copied (*fresh set). NULL with *st set when the key is invalid, the
 * count limit drops it, or memory runs out. The new slot is not counted
 * until the caller has stored its value. */
static inline otelc_attr *slot_for(otelc__attr_list *l, otelc__arena *a,
                                   const char *key, uint32_t max_count,
                                   bool *fresh, otelc_status *st) {
  if (OTELC__UNLIKELY(!key || !key[0])) {
    *st = OTELC_ERR_INVALID_ARG;
    return NULL;
  }
  size_t klen = strlen(key);
  uint32_t h = key_hash(key, klen);
  long at = find_hashed(l, key, h);
  if (at >= 0) {
    *fresh = false;
    return &l->items[at];
  }
  if (OTELC__UNLIKELY(l->count >= max_count)) {
    l->dropped++;
    *st = OTELC_ERR_LIMIT;
    return NULL;
  }
  if (OTELC__UNLIKELY(l->count == l->cap) && !grow(l)) {
    *st = OTELC_ERR_NOMEM;
    return NULL;
  }
  char *k = otelc__arena_bytes(a, klen + 1);
  if (OTELC__UNLIKELY(!k)) {
    *st = OTELC_ERR_NOMEM;
    return NULL;
  }
  memcpy(k, key, klen + 1);
  otelc_attr *slot = &l->items[l->count];
  slot->key = k;
  l->hashes[l->count] = h;
  *fresh = true;
  return slot;
}

otelc_status otelc__attr_list_set(otelc__attr_list *l, otelc__arena *a,
                                  const otelc_attr *attr, uint32_t max_count,
                                  uint32_t max_chars) {
  if (!attr)
    return OTELC_ERR_INVALID_ARG;
  bool fresh;
  otelc_status st;
  otelc_attr *slot = slot_for(l, a, attr->key, max_count, &fresh, &st);
  if (!slot)
    return st;
  otelc_value v;
  bool truncated = false;
  if (!copy_simple(a, &v, &attr->value, max_chars, &st))
    st = otelc__value_copy(a, &v, &attr->value, max_chars, &truncated);
  if (st != OTELC_OK)
    return st; /* a new key is not counted: l->count unchanged */
  slot->value = v;
  l->count += fresh;
  return truncated ? OTELC_ERR_LIMIT : OTELC_OK;
}

otelc_status otelc__attr_list_set_scalar(otelc__attr_list *l,
                                         otelc__arena *a, const char *key,
                                         otelc_value v, uint32_t max_count) {
  bool fresh;
  otelc_status st;
  otelc_attr *slot = slot_for(l, a, key, max_count, &fresh, &st);
  if (!slot)
    return st;
  slot->value = v;
  l->count += fresh;
  return OTELC_OK;
}

otelc_status otelc__attr_list_set_str(otelc__attr_list *l, otelc__arena *a,
                                      const char *key, const char *str,
                                      size_t len, uint32_t max_count,
                                      uint32_t max_chars) {
  if (!str || (len != OTELC_NTS && len > max_chars)) {
    otelc_attr attr = {key, {OTELC_VALUE_STRING, len, {.str = str}}};
    return otelc__attr_list_set(l, a, &attr, max_count, max_chars);
  }
  if (len == OTELC_NTS)
    len = strlen(str);
  if (len > max_chars) {
    otelc_attr attr = {key, {OTELC_VALUE_STRING, len, {.str = str}}};
    return otelc__attr_list_set(l, a, &attr, max_count, max_chars);
  }
  bool fresh;
  otelc_status st;
  otelc_attr *slot = slot_for(l, a, key, max_count, &fresh, &st);
  if (!slot)
    return st;
  char *d = otelc__arena_bytes(a, len + 1);
  if (OTELC__UNLIKELY(!d))
    return OTELC_ERR_NOMEM;
  memcpy(d, str, len);
  d[len] = '\0';
  slot->value.type = OTELC_VALUE_STRING;
  slot->value.len = len;
  slot->value.u.str = d;
  l->count += fresh;
  return OTELC_OK;
}

otelc_status otelc__attrs_copy(otelc__arena *a, const otelc_attr *attrs,
                               size_t n, uint32_t max_count,
                               uint32_t max_chars, const otelc_attr **out,
                               size_t *out_n, uint32_t *dropped) {
  *out = NULL;
  *out_n = 0;
  *dropped = 0;
  if (n == 0 || !attrs)
    return OTELC_OK;
  size_t cap = n < max_count ? n : max_count;
  otelc_attr *items = cap ? otelc__arena_alloc(a, sizeof(otelc_attr) * cap)
                          : NULL;
  uint32_t *hashes =
      cap ? otelc__arena_alloc(a, sizeof(uint32_t) * cap) : NULL;
  if (cap && (!items || !hashes))
    return OTELC_ERR_NOMEM;
  otelc__attr_list l;
  otelc__attr_list_init(&l, items, hashes, (uint32_t)cap);
  otelc_status worst = OTELC_OK;
  for (size_t i = 0; i < n; i++) {
    otelc_status st =
        otelc__attr_list_set(&l, a, &attrs[i], max_count, max_chars);
    if (st == OTELC_ERR_NOMEM)
      return st;
    if (st != OTELC_OK)
      worst = st;
  }
  *out = l.items;
  *out_n = l.count;
  *dropped = l.dropped;
  return worst;
}

bool otelc__value_equal(const otelc_value *a, const otelc_value *b) {
  if (a->type != b->type)
    return false;
  switch (a->type) {
  case OTELC_VALUE_EMPTY:
    return true;
  case OTELC_VALUE_BOOL:
    return a->u.b == b->u.b;
  case OTELC_VALUE_INT:
    return a->u.i == b->u.i;
  case OTELC_VALUE_DOUBLE:
    return a->u.d == b->u.d;
  case OTELC_VALUE_STRING: {
    size_t la = otelc__value_strlen(a), lb = otelc__value_strlen(b);
    return la == lb && (la == 0 || memcmp(a->u.str, b->u.str, la) == 0);
  }
  case OTELC_VALUE_BYTES:
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->u.bytes, b->u.bytes, a->len) == 0);
  default:
    break;
  }
  if (a->len != b->len)
    return false;
  for (size_t i = 0; i < a->len; i++) {
    switch (a->type) {
    case OTELC_VALUE_STRING_ARRAY:
      if (strcmp(a->u.strs[i], b->u.strs[i]) != 0)
        return false;
      break;
    case OTELC_VALUE_BOOL_ARRAY:
      if (a->u.bools[i] != b->u.bools[i])
        return false;
      break;
    case OTELC_VALUE_INT_ARRAY:
      if (a->u.ints[i] != b->u.ints[i])
        return false;
      break;
    case OTELC_VALUE_DOUBLE_ARRAY:
      if (a->u.doubles[i] != b->u.doubles[i])
        return false;
      break;
    case OTELC_VALUE_ARRAY:
      if (!otelc__value_equal(&a->u.values[i], &b->u.values[i]))
        return false;
      break;
    case OTELC_VALUE_MAP:
      if (strcmp(a->u.kvs[i].key, b->u.kvs[i].key) != 0 ||
          !otelc__value_equal(&a->u.kvs[i].value, &b->u.kvs[i].value))
        return false;
      break;
    default:
      return false;
    }
  }
  return true;
}
