/*
 * Grouping spans by (resource, instrumentation scope) for OTLP, where
 * every ResourceSpans holds the ScopeSpans of one resource and every
 * ScopeSpans the spans of one scope.
 *
 * Spans of one tracer share its scope (&tracer->scope) and its provider's
 * resource, so pointers are compared, never contents. A batch holds few
 * groups, so a linear search (starting with the group of the previous
 * span) beats any hashing: O(n * groups), without allocation.
 */
#include "export/otlp/otlp_internal.h"
#include "trace/trace_internal.h"

/* As otelc_span_get_resource and otelc_span_get_scope. */
static inline const otelc_resource *span_resource(const otelc_span *s) {
  return s->tracer && s->tracer->provider ? s->tracer->provider->resource
                                          : NULL;
}

static inline const otelc_scope_info *span_scope(const otelc_span *s) {
  return s->tracer ? &s->tracer->scope : NULL;
}

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

size_t otelc__otlp_group(otelc_span *const *spans, size_t n,
                         otelc_span **sorted, otelc__span_group *groups) {
  size_t ng = 0, g = 0;

  /* 1. The groups and their sizes. A new group goes right after the last
   *    group of its resource, so that groups of one resource stay
   *    adjacent; resources and, within one, scopes keep the order in
   *    which they first appear. */
  for (size_t i = 0; i < n; i++) {
    const otelc_resource *r = span_resource(spans[i]);
    const otelc_scope_info *sc = span_scope(spans[i]);
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

  /* 2. Ranges: first offsets; count restarts at 0 and is refilled. */
  size_t first = 0;
  for (size_t k = 0; k < ng; k++) {
    groups[k].first = first;
    first += groups[k].count;
    groups[k].count = 0;
  }

  /* 3. Place every span in its group's range, in the order given. */
  g = 0;
  for (size_t i = 0; i < n; i++) {
    g = find_group(groups, ng, g, span_resource(spans[i]),
                   span_scope(spans[i]));
    sorted[groups[g].first + groups[g].count++] = spans[i];
  }
  return ng;
}
