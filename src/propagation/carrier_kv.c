/* A carrier over an owned array of key/value strings. */
#include <strings.h>

#include "propagation/propagation_internal.h"

#define KV_MAX_ITEMS 1024
#define KV_MAX_BYTES (1u << 20)

static const char *kv_get(void *self, const char *key) {
  otelc_kv_carrier *kv = self;
  const char *first = NULL;
  size_t n = 0, total = 0;
  for (size_t i = 0; i < kv->count; i++)
    if (strcasecmp(kv->items[i].key, key) == 0) {
      if (!first)
        first = kv->items[i].value;
      n++;
      total += strlen(kv->items[i].value) + 1;
    }
  if (n <= 1)
    return first;
  /* Repeated header: join the values in order, as HTTP does. */
  char *buf = otelc__realloc(kv->joined, total);
  if (!buf)
    return first;
  kv->joined = buf;
  size_t at = 0;
  bool later = false; /* a comma goes before every value but the first */
  for (size_t i = 0; i < kv->count; i++)
    if (strcasecmp(kv->items[i].key, key) == 0) {
      size_t len = strlen(kv->items[i].value);
      if (later)
        buf[at++] = ',';
      later = true;
      memcpy(buf + at, kv->items[i].value, len);
      at += len;
    }
  buf[at] = '\0';
  return buf;
}

static otelc_status kv_set(void *self, const char *key, const char *value) {
  otelc_kv_carrier *kv = self;
  if (!key || !value)
    return OTELC_ERR_INVALID_ARG;
  /* Replace: drop every earlier value of the key, then add. */
  size_t w = 0;
  for (size_t i = 0; i < kv->count; i++) {
    if (strcasecmp(kv->items[i].key, key) == 0) {
      kv->bytes -= strlen(kv->items[i].key) + strlen(kv->items[i].value);
      otelc__free(kv->items[i].key);
      otelc__free(kv->items[i].value);
    } else {
      kv->items[w++] = kv->items[i];
    }
  }
  kv->count = w;
  return otelc_kv_carrier_add(kv, key, value);
}

static void kv_keys(void *self, void (*fn)(void *ud, const char *key),
                    void *ud) {
  otelc_kv_carrier *kv = self;
  for (size_t i = 0; i < kv->count; i++)
    fn(ud, kv->items[i].key);
}

void otelc_kv_carrier_init(otelc_kv_carrier *kv) {
  if (!kv)
    return;
  kv->items = NULL;
  kv->count = kv->cap = 0;
  kv->bytes = 0;
  kv->joined = NULL;
  kv->carrier.get = kv_get;
  kv->carrier.set = kv_set;
  kv->carrier.keys = kv_keys;
  kv->carrier.self = kv;
}

otelc_status otelc_kv_carrier_add(otelc_kv_carrier *kv, const char *key,
                                  const char *value) {
  if (!kv || !key || !value)
    return OTELC_ERR_INVALID_ARG;
  size_t bytes = strlen(key) + strlen(value);
  if (kv->count >= KV_MAX_ITEMS || kv->bytes + bytes > KV_MAX_BYTES)
    return OTELC_ERR_LIMIT;
  if (kv->count == kv->cap) {
    size_t cap = kv->cap ? kv->cap * 2 : 8;
    otelc_kv *items = otelc__realloc(kv->items, cap * sizeof *items);
    if (!items)
      return OTELC_ERR_NOMEM;
    kv->items = items;
    kv->cap = cap;
  }
  char *k = otelc__strdup(key), *v = otelc__strdup(value);
  if (!k || !v) {
    otelc__free(k);
    otelc__free(v);
    return OTELC_ERR_NOMEM;
  }
  kv->items[kv->count].key = k;
  kv->items[kv->count].value = v;
  kv->count++;
  kv->bytes += bytes;
  return OTELC_OK;
}

void otelc_kv_carrier_clear(otelc_kv_carrier *kv) {
  if (!kv)
    return;
  for (size_t i = 0; i < kv->count; i++) {
    otelc__free(kv->items[i].key);
    otelc__free(kv->items[i].value);
  }
  otelc__free(kv->items);
  otelc__free(kv->joined);
  otelc_kv_carrier_init(kv);
}
