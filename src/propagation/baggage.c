/* Baggage: an immutable list of name/value/metadata entries in one
 * allocation (the entry table followed by the strings). */
#include "propagation/propagation_internal.h"

typedef struct entry {
  const char *name, *value, *metadata; /* metadata may be NULL */
} entry;

struct otelc_baggage {
  _Atomic uint32_t refs;
  uint32_t n;
  entry e[];
};

/* Build a baggage from up to @p n entries, later names replacing earlier
 * ones in place; @p skip (if non-NULL) is left out. */
static otelc_baggage *build(const char *const *names,
                            const char *const *values,
                            const char *const *metadata, size_t n,
                            const char *skip) {
  size_t bytes = 0, kept = 0;
  for (size_t i = 0; i < n; i++) {
    bytes += strlen(names[i]) + strlen(values[i]) + 2;
    if (metadata && metadata[i])
      bytes += strlen(metadata[i]) + 1;
  }
  if (n > OTELC_BAGGAGE_MAX_ENTRIES * 4 + 1)
    return NULL; /* callers bound n; this keeps the sizes below sane */
  otelc_baggage *b =
      otelc__malloc(sizeof *b + n * sizeof(entry) + bytes + 1);
  if (!b)
    return NULL;
  char *p = (char *)&b->e[n];
  for (size_t i = 0; i < n; i++) {
    if (skip && strcmp(names[i], skip) == 0)
      continue;
    size_t at = kept;
    for (size_t j = 0; j < kept; j++)
      if (strcmp(b->e[j].name, names[i]) == 0)
        at = j; /* a later duplicate replaces the value in place */
    entry *en = &b->e[at];
    if (at == kept) {
      size_t l = strlen(names[i]) + 1;
      memcpy(p, names[i], l);
      en->name = p;
      p += l;
      kept++;
    }
    size_t l = strlen(values[i]) + 1;
    memcpy(p, values[i], l);
    en->value = p;
    p += l;
    en->metadata = NULL;
    if (metadata && metadata[i]) {
      l = strlen(metadata[i]) + 1;
      memcpy(p, metadata[i], l);
      en->metadata = p;
      p += l;
    }
  }
  atomic_init(&b->refs, 1);
  b->n = (uint32_t)kept;
  return b;
}

otelc_baggage *otelc__baggage_from(const char *const *names,
                                   const char *const *values,
                                   const char *const *metadata, size_t n) {
  if (n == 0 || !names || !values)
    return NULL;
  return build(names, values, metadata, n, NULL);
}

/* The entries of @p b as parallel arrays, plus room for one more. */
typedef struct flat {
  const char *names[OTELC_BAGGAGE_MAX_ENTRIES + 1];
  const char *values[OTELC_BAGGAGE_MAX_ENTRIES + 1];
  const char *metadata[OTELC_BAGGAGE_MAX_ENTRIES + 1];
  size_t n;
} flat;

static void flatten(const otelc_baggage *b, flat *f) {
  f->n = 0;
  for (uint32_t i = 0; b && i < b->n; i++) {
    f->names[f->n] = b->e[i].name;
    f->values[f->n] = b->e[i].value;
    f->metadata[f->n] = b->e[i].metadata;
    f->n++;
  }
}

otelc_status otelc_baggage_set(const otelc_baggage *b, const char *name,
                               const char *value, const char *metadata,
                               otelc_baggage **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  if (!name || !name[0] || !value)
    return OTELC_ERR_INVALID_ARG;
  if (b && b->n >= OTELC_BAGGAGE_MAX_ENTRIES &&
      !otelc_baggage_get(b, name))
    return OTELC_ERR_LIMIT;
  flat f;
  flatten(b, &f);
  f.names[f.n] = name;
  f.values[f.n] = value;
  f.metadata[f.n] = metadata;
  f.n++;
  *out = build(f.names, f.values, f.metadata, f.n, NULL);
  return *out ? OTELC_OK : OTELC_ERR_NOMEM;
}

otelc_status otelc_baggage_remove(const otelc_baggage *b, const char *name,
                                  otelc_baggage **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  if (!name)
    return OTELC_ERR_INVALID_ARG;
  if (!otelc_baggage_get(b, name)) {
    *out = otelc_baggage_ref((otelc_baggage *)b);
    return OTELC_OK;
  }
  if (b->n == 1)
    return OTELC_OK; /* empty: NULL */
  flat f;
  flatten(b, &f);
  *out = build(f.names, f.values, f.metadata, f.n, name);
  return *out ? OTELC_OK : OTELC_ERR_NOMEM;
}

const char *otelc_baggage_get(const otelc_baggage *b, const char *name) {
  if (!b || !name)
    return NULL;
  for (uint32_t i = 0; i < b->n; i++)
    if (strcmp(b->e[i].name, name) == 0)
      return b->e[i].value;
  return NULL;
}

size_t otelc_baggage_count(const otelc_baggage *b) { return b ? b->n : 0; }

bool otelc_baggage_entry(const otelc_baggage *b, size_t i, const char **name,
                         const char **value, const char **metadata) {
  if (!b || i >= b->n)
    return false;
  if (name)
    *name = b->e[i].name;
  if (value)
    *value = b->e[i].value;
  if (metadata)
    *metadata = b->e[i].metadata;
  return true;
}

otelc_baggage *otelc_baggage_ref(otelc_baggage *b) {
  if (b)
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
  return b;
}

void otelc_baggage_release(otelc_baggage *b) {
  if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
    otelc__free(b);
}
