/*
 * Grouping telemetry items by (resource, instrumentation scope) for OTLP,
 * where every Resource* message holds the Scope* messages of one resource
 * and every Scope* message the items (spans, log records) of one scope.
 *
 * Spans of one tracer share its scope (&tracer->scope) and its provider's
 * resource; log records of one logger share the logger's scope and
 * resource. So pointers are compared, never contents. A batch holds few
 * groups, so a linear search (starting with the group of the previous
 * item) beats any hashing: O(n * groups), without allocation.
 *
 * The algorithm is written once (build_groups, group_of) over a key
 * function; the span and log entry points supply theirs and place the
 * items themselves, each in its own array type.
 *
 * Thread safety: reads the items only; the caller owns the output arrays.
 */
#include "export/otlp/otlp_internal.h"
#include "trace/trace_internal.h"

/* The (resource, scope) of item @p i of @p items. */
typedef void (*key_fn)(const void *items, size_t i, const otelc_resource **r,
                       const otelc_scope_info **sc);

/* Index of the group of (r, sc) among groups[0..ng), or ng; @p hint is
 * tried first. */
static size_t find_group(const otelc__span_group *groups, size_t ng,
                         size_t hint, const otelc_resource *r,
                         const otelc_scope_info *sc) {
  if (hint < ng && groups[hint].scope == sc && groups[hint].resource == r)
    return hint;
  for (size_t g = 0; g < ng; g++)
    if (groups[g].scope == sc && groups[g].resource == r)
      return g;
  return ng;
}

/* The groups of @p n items and the first offset of each, with counts set
 * to 0 for the placing pass. A new group goes right after the last group
 * of its resource, so that groups of one resource stay adjacent;
 * resources and, within one, scopes keep the order in which they first
 * appear. Returns the number of groups. */
static inline size_t build_groups(const void *items, size_t n, key_fn key,
                                  otelc__span_group *groups) {
  size_t ng = 0, g = 0;
  for (size_t i = 0; i < n; i++) {
    const otelc_resource *r;
    const otelc_scope_info *sc;
    key(items, i, &r, &sc);
    g = find_group(groups, ng, g, r, sc);
    if (g == ng) {
      size_t at = ng;
      for (size_t k = ng; k > 0; k--)
        if (groups[k - 1].resource == r) {
          at = k;
          break;
        }
      memmove(&groups[at + 1], &groups[at], (ng - at) * sizeof *groups);
      groups[at] = (otelc__span_group){r, sc, 0, 0};
      ng++;
      g = at;
    }
    groups[g].count++;
  }
  size_t first = 0;
  for (size_t k = 0; k < ng; k++) {
    groups[k].first = first;
    first += groups[k].count;
    groups[k].count = 0;
  }
  return ng;
}

/* The slot of item @p i in the sorted order (items keep their order
 * within a group); *hint carries the previous item's group. */
static inline size_t slot_of(const void *items, size_t i, key_fn key,
                             otelc__span_group *groups, size_t ng,
                             size_t *hint) {
  const otelc_resource *r;
  const otelc_scope_info *sc;
  key(items, i, &r, &sc);
  size_t g = find_group(groups, ng, *hint, r, sc);
  *hint = g;
  return groups[g].first + groups[g].count++;
}

/* ------------------------------------------------------------- spans -- */

/* As otelc_span_get_resource and otelc_span_get_scope. */
static void span_key(const void *items, size_t i, const otelc_resource **r,
                     const otelc_scope_info **sc) {
  const otelc_span *s = ((otelc_span *const *)items)[i];
  *r = s->tracer && s->tracer->provider ? s->tracer->provider->resource : NULL;
  *sc = s->tracer ? &s->tracer->scope : NULL;
}

size_t otelc__otlp_group(otelc_span *const *spans, size_t n,
                         otelc_span **sorted, otelc__span_group *groups) {
  size_t ng = build_groups(spans, n, span_key, groups), hint = 0;
  for (size_t i = 0; i < n; i++)
    sorted[slot_of(spans, i, span_key, groups, ng, &hint)] = spans[i];
  return ng;
}

/* ------------------------------------------------------- log records -- */

static void log_key(const void *items, size_t i, const otelc_resource **r,
                    const otelc_scope_info **sc) {
  const otelc__log_batch *b = items;
  const otelc_log_data *d = b->at(b->items, i);
  *r = d->resource;
  *sc = d->scope;
}

size_t otelc__otlp_group_logs(const otelc__log_batch *b,
                              const otelc_log_data **sorted,
                              otelc__span_group *groups) {
  size_t ng = build_groups(b, b->n, log_key, groups), hint = 0;
  for (size_t i = 0; i < b->n; i++)
    sorted[slot_of(b, i, log_key, groups, ng, &hint)] = b->at(b->items, i);
  return ng;
}
