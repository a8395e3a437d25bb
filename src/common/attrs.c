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
  char *d = otelc__arena_alloc(a, len + 1);
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
    if (depth >= OTELC__MAX_VALUE_DEPTH) {
      /* Too deep: the specification replaces it with an empty value. */
      dst->type = OTELC_VALUE_EMPTY;
      *truncated = true;
      return OTELC_OK;
    }
    return copy_array(a, dst, src,
                      src->type == OTELC_VALUE_ARRAY ? sizeof(otelc_value)
                                                     : sizeof(otelc_attr),
                      max_chars, truncated, depth);
  }
  return OTELC_ERR_INVALID_ARG;
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
                           uint32_t inline_cap) {
  l->items = inline_items;
  l->count = 0;
  l->cap = inline_items ? inline_cap : 0;
  l->dropped = 0;
  l->heap = false;
}

void otelc__attr_list_free(otelc__attr_list *l) {
  if (l->heap)
    otelc__free(l->items);
  l->items = NULL;
  l->count = l->cap = 0;
  l->heap = false;
}

long otelc__attr_list_find(const otelc__attr_list *l, const char *key) {
  for (uint32_t i = 0; i < l->count; i++) {
    const char *k = l->items[i].key;
    if (k == key || strcmp(k, key) == 0)
      return (long)i;
  }
  return -1;
}

static bool grow(otelc__attr_list *l) {
  uint32_t cap = l->cap ? l->cap * 2 : 8;
  otelc_attr *items = otelc__malloc(sizeof(otelc_attr) * cap);
  if (!items)
    return false;
  if (l->count)
    memcpy(items, l->items, sizeof(otelc_attr) * l->count);
  if (l->heap)
    otelc__free(l->items);
  l->items = items;
  l->cap = cap;
  l->heap = true;
  return true;
}

otelc_status otelc__attr_list_set(otelc__attr_list *l, otelc__arena *a,
                                  const otelc_attr *attr, uint32_t max_count,
                                  uint32_t max_chars) {
  if (!attr || !attr->key || !attr->key[0])
    return OTELC_ERR_INVALID_ARG;
  long at = otelc__attr_list_find(l, attr->key);
  otelc_attr *slot;
  if (at >= 0) {
    slot = &l->items[at];
  } else {
    if (l->count >= max_count) {
      l->dropped++;
      return OTELC_ERR_LIMIT;
    }
    if (l->count == l->cap && !grow(l))
      return OTELC_ERR_NOMEM;
    slot = &l->items[l->count];
    size_t klen = strlen(attr->key);
    char *k = otelc__arena_strndup(a, attr->key, klen);
    if (!k)
      return OTELC_ERR_NOMEM;
    slot->key = k;
  }
  bool truncated = false;
  otelc_value v;
  otelc_status st = otelc__value_copy(a, &v, &attr->value, max_chars,
                                      &truncated);
  if (st != OTELC_OK)
    return st; /* a new key is not counted: l->count unchanged */
  slot->value = v;
  if (at < 0)
    l->count++;
  return truncated ? OTELC_ERR_LIMIT : OTELC_OK;
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
  if (cap && !items)
    return OTELC_ERR_NOMEM;
  otelc__attr_list l = {items, 0, (uint32_t)cap, 0, false};
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
