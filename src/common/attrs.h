/*
 * Copying attribute values into an arena and keeping attribute lists with
 * the specification's limits (count, value length, nesting depth).
 */
#ifndef OTELC_SRC_COMMON_ATTRS_H
#define OTELC_SRC_COMMON_ATTRS_H

#include "common/internal.h"

/* Bump allocator: first from a caller-provided inline buffer, then from
 * heap chunks that are freed together by otelc__arena_reset. */
typedef struct otelc__arena_chunk otelc__arena_chunk;
typedef struct otelc__arena {
  char *cur;
  size_t left;
  otelc__arena_chunk *chunks;
} otelc__arena;

void otelc__arena_init(otelc__arena *a, void *buf, size_t cap);
/* Memory for n bytes aligned to 8; NULL when out of memory. */
void *otelc__arena_alloc(otelc__arena *a, size_t n);
/* Memory for n bytes with no alignment (for strings). */
static inline char *otelc__arena_bytes(otelc__arena *a, size_t n) {
  if (OTELC__LIKELY(n <= a->left)) {
    char *p = a->cur;
    a->cur += n;
    a->left -= n;
    return p;
  }
  return otelc__arena_alloc(a, n);
}
/* Copy s[0..len) and add a NUL. */
char *otelc__arena_strndup(otelc__arena *a, const char *s, size_t len);
/* Free the heap chunks and restart at buf. */
void otelc__arena_reset(otelc__arena *a, void *buf, size_t cap);

/* Maximum nesting of ARRAY/MAP values; deeper ones become EMPTY. */
#define OTELC__MAX_VALUE_DEPTH 64

/* Deep-copy @p src into @p dst using @p a. Strings (and string-array
 * elements, and strings nested in arrays and maps) are cut to at most
 * @p max_chars characters at a UTF-8 boundary; bytes to max_chars bytes.
 * *truncated is set when anything was cut or flattened.
 * Returns OTELC_OK or OTELC_ERR_NOMEM (dst is then EMPTY). */
otelc_status otelc__value_copy(otelc__arena *a, otelc_value *dst,
                               const otelc_value *src, uint32_t max_chars,
                               bool *truncated);

/* A growable attribute list whose keys and values live in an arena.
 * Up to @c inline_cap entries use @c inline_items; more move to the heap. */
typedef struct otelc__attr_list {
  otelc_attr *items;
  uint32_t *hashes; /* hash of each key, compared before the key itself */
  uint32_t count;
  uint32_t cap;
  uint32_t dropped;
  bool heap; /* items and hashes were allocated with otelc__malloc */
} otelc__attr_list;

/* @p inline_hashes has room for @p inline_cap entries, like
 * @p inline_items; both may be NULL (with inline_cap 0). */
void otelc__attr_list_init(otelc__attr_list *l, otelc_attr *inline_items,
                           uint32_t *inline_hashes, uint32_t inline_cap);

/* Hash of a key of @p len bytes, as stored in otelc__attr_list.hashes. */
uint32_t otelc__key_hash(const char *key, size_t len);
/* Frees heap items (not the arena). */
void otelc__attr_list_free(otelc__attr_list *l);

/* Set (replace by key, or append) within @p max_count entries.
 * Returns OTELC_OK, OTELC_ERR_LIMIT (dropped, counted in l->dropped, or
 * value truncated), OTELC_ERR_INVALID_ARG (NULL/empty key), or
 * OTELC_ERR_NOMEM. */
otelc_status otelc__attr_list_set(otelc__attr_list *l, otelc__arena *a,
                                  const otelc_attr *attr, uint32_t max_count,
                                  uint32_t max_chars);

/* Fast forms of otelc__attr_list_set: a scalar (INT, DOUBLE or BOOL;
 * never truncated) and a string value (OTELC_NTS for NUL-terminated). */
otelc_status otelc__attr_list_set_scalar(otelc__attr_list *l,
                                         otelc__arena *a, const char *key,
                                         otelc_value v, uint32_t max_count);
otelc_status otelc__attr_list_set_str(otelc__attr_list *l, otelc__arena *a,
                                      const char *key, const char *str,
                                      size_t len, uint32_t max_count,
                                      uint32_t max_chars);

/* Index of @p key or -1. */
long otelc__attr_list_find(const otelc__attr_list *l, const char *key);

/* Copy @p n attrs into a fresh arena-backed array (for events and links),
 * deduplicating keys (the last one wins) and applying the limits.
 * *out_n receives the count kept, *dropped the count dropped. */
otelc_status otelc__attrs_copy(otelc__arena *a, const otelc_attr *attrs,
                               size_t n, uint32_t max_count,
                               uint32_t max_chars, const otelc_attr **out,
                               size_t *out_n, uint32_t *dropped);

/* Compare two values for equality (deep). */
bool otelc__value_equal(const otelc_value *a, const otelc_value *b);

#endif /* OTELC_SRC_COMMON_ATTRS_H */
