/* Reusable buffers for collected data. */
#include "metrics/outbuf.h"

#include "common/attrs.h"
#include "metrics/attrset.h"

void *otelc__vec_push(otelc__vec *v, size_t elem, size_t count) {
  if (count > SIZE_MAX / elem - v->n)
    return NULL;
  if (v->n + count > v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    while (cap < v->n + count)
      cap *= 2;
    if (cap > SIZE_MAX / elem)
      return NULL;
    void *p = otelc__realloc(v->p, cap * elem);
    if (!p)
      return NULL;
    v->p = p;
    v->cap = cap;
  }
  void *out = (char *)v->p + v->n * elem;
  memset(out, 0, count * elem);
  v->n += count;
  return out;
}

void otelc__vec_free(otelc__vec *v) {
  otelc__free(v->p);
  v->p = NULL;
  v->n = v->cap = 0;
}

struct otelc__bump_extra {
  otelc__bump_extra *next;
  /* data follows, 8-aligned */
};

void *otelc__bump_alloc(otelc__bump *b, size_t n) {
  n = (n + 7u) & ~(size_t)7u;
  if (n == 0)
    n = 8;
  if (b->base && n <= b->cap - b->used) {
    void *p = b->base + b->used;
    b->used += n;
    return p;
  }
  if (n > SIZE_MAX - sizeof(otelc__bump_extra) - 8)
    return NULL;
  otelc__bump_extra *e = otelc__malloc(sizeof *e + 8 + n);
  if (!e)
    return NULL;
  e->next = b->extra;
  b->extra = e;
  b->extra_bytes += n;
  return (char *)e + ((sizeof *e + 7u) & ~(size_t)7u);
}

char *otelc__bump_strdup(otelc__bump *b, const char *s, size_t len) {
  char *d = otelc__bump_alloc(b, len + 1);
  if (d) {
    if (len)
      memcpy(d, s, len);
    d[len] = '\0';
  }
  return d;
}

static void free_extra(otelc__bump *b) {
  otelc__bump_extra *e = b->extra;
  while (e) {
    otelc__bump_extra *next = e->next;
    otelc__free(e);
    e = next;
  }
  b->extra = NULL;
}

void otelc__bump_reset(otelc__bump *b) {
  if (b->extra) {
    /* Grow the main block to what this round needed. */
    size_t want = b->cap + b->extra_bytes;
    want += want / 2;
    free_extra(b);
    b->extra_bytes = 0;
    char *p = otelc__malloc(want);
    if (p) {
      otelc__free(b->base);
      b->base = p;
      b->cap = want;
    }
  }
  b->used = 0;
}

void otelc__bump_free(otelc__bump *b) {
  free_extra(b);
  otelc__free(b->base);
  memset(b, 0, sizeof *b);
}

otelc_attr *otelc__bump_attrs(otelc__bump *b, const otelc_attr *attrs,
                              size_t n) {
  if (n == 0 || !attrs)
    return NULL;
  size_t size = 0;
  for (size_t i = 0; i < n; i++) {
    const char *k = attrs[i].key ? attrs[i].key : "";
    size += ((strlen(k) + 8u) & ~(size_t)7u) +
            otelc__mvalue_copy_size(&attrs[i].value, 0) + 8;
  }
  otelc_attr *out = otelc__bump_alloc(b, n * sizeof *out);
  char *block = otelc__bump_alloc(b, size);
  if (!out || !block)
    return NULL;
  otelc__arena a;
  otelc__arena_init(&a, block, size);
  for (size_t i = 0; i < n; i++) {
    const char *k = attrs[i].key ? attrs[i].key : "";
    bool cut = false;
    out[i].key = otelc__arena_strndup(&a, k, strlen(k));
    if (!out[i].key || otelc__value_copy(&a, &out[i].value, &attrs[i].value,
                                         UINT32_MAX, &cut) != OTELC_OK) {
      otelc__arena_reset(&a, NULL, 0);
      return NULL;
    }
  }
  if (a.chunks) { /* the estimate was short: never expected */
    otelc__arena_reset(&a, NULL, 0);
    return NULL;
  }
  return out;
}

void otelc__outbuf_clear(otelc__outbuf *o) {
  otelc__vec_clear(&o->scopes);
  otelc__vec_clear(&o->metrics);
  otelc__vec_clear(&o->numbers);
  otelc__vec_clear(&o->hists);
  otelc__vec_clear(&o->exphs);
  otelc__vec_clear(&o->u64);
  otelc__vec_clear(&o->exemplars);
  otelc__vec_clear(&o->series);
  otelc__bump_reset(&o->mem);
}

void otelc__outbuf_free(otelc__outbuf *o) {
  otelc__vec_free(&o->scopes);
  otelc__vec_free(&o->metrics);
  otelc__vec_free(&o->numbers);
  otelc__vec_free(&o->hists);
  otelc__vec_free(&o->exphs);
  otelc__vec_free(&o->u64);
  otelc__vec_free(&o->exemplars);
  otelc__vec_free(&o->series);
  otelc__bump_free(&o->mem);
}
