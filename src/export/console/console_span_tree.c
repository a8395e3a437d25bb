/* A trace as an indented tree, ordered by start time. */
#include <inttypes.h>

#include "export/console/console_span.h"
#include "otelc/resource.h"

#define TREE_STR_MAX 64   /* characters of a string value in the tree */
#define TREE_BYTES_MAX 32 /* bytes of a bytes value in the tree */
#define MAX_INDENT 32     /* tree levels drawn before abbreviating */

/* Values in the tree: long strings and byte strings abbreviated. */
static const otelc__tbuf_style tree_style = {
    .max_depth = 16, .str_max = TREE_STR_MAX, .bytes_max = TREE_BYTES_MAX};

/* A duration for people: "850 ns", "12.3 us", "41.2 ms", "1.50 s". */
static void put_human_duration(otelc__tbuf *b, uint64_t ns) {
  if (ns < 1000)
    otelc__tbuf_printf(b, "%" PRIu64 " ns", ns);
  else if (ns < 1000000)
    otelc__tbuf_printf(b, "%.1f us", (double)ns / 1e3);
  else if (ns < 1000000000)
    otelc__tbuf_printf(b, "%.1f ms", (double)ns / 1e6);
  else
    otelc__tbuf_printf(b, "%.2f s", (double)ns / 1e9);
}

typedef struct node {
  otelc_span *s;
  uint64_t start;
  size_t arrival;
  uint8_t span_id[8];
  long parent, first_child, last_child, next_sibling;
  bool visited;
} node;

static int by_span_id(const void *a, const void *b) {
  const node *x = *(node *const *)a, *y = *(node *const *)b;
  return memcmp(x->span_id, y->span_id, 8);
}

static int by_start(const void *a, const void *b) {
  const node *x = *(node *const *)a, *y = *(node *const *)b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* The node whose span id is @p id, or -1. */
static long find_node(node *const *sorted, size_t n, const node *base,
                      const uint8_t id[8]) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp(sorted[mid]->span_id, id, 8);
    if (c == 0)
      return sorted[mid] - base;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* Tree guides for a line at @p depth (1 = top level): one segment per
 * ancestor level, "│  " while that ancestor has later siblings. */
static void put_guides(otelc__tbuf *b, const bool *last, size_t depth) {
  size_t shown = depth < MAX_INDENT ? depth : MAX_INDENT;
  for (size_t d = 1; d < shown; d++)
    otelc__tbuf_puts(b, last[d] ? "   " : "\xe2\x94\x82  "); /* "│  " */
  if (shown < depth)
    otelc__tbuf_printf(b, "\xe2\x80\xa6(+%zu) ", depth - shown);
}

static void put_tree_span(otelc__tbuf *b, const node *nd, const bool *last,
                          size_t depth, bool top) {
  const otelc_span *s = nd->s;
  put_guides(b, last, depth);
  otelc__tbuf_puts(b, last[depth] ? "\xe2\x94\x94\xe2\x94\x80 " /* "└─ " */
                                  : "\xe2\x94\x9c\xe2\x94\x80 "); /* "├─ " */
  otelc__tbuf_word(b, otelc_span_get_name(s));
  otelc__tbuf_printf(b, "  [%s]  ",
                     otelc__console_kind_name(otelc_span_get_kind(s)));
  put_human_duration(b, otelc__console_span_duration(s));
  const char *desc = NULL;
  if (otelc_span_get_status(s, &desc) == OTELC_STATUS_ERROR) {
    otelc__tbuf_puts(b, "  ERROR");
    if (desc && *desc) {
      otelc__tbuf_puts(b, ": ");
      otelc__tbuf_escaped(b, desc, strlen(desc), false);
    }
  }
  otelc_span_context parent;
  if (top && otelc_span_get_parent(s, &parent)) {
    otelc__tbuf_puts(b, "  parent=");
    otelc__tbuf_hex(b, parent.span_id, 8);
    if (parent.is_remote)
      otelc__tbuf_puts(b, " (remote)");
  }
  if (otelc_span_get_attr_count(s)) {
    otelc__tbuf_putc(b, ' ');
    otelc__console_span_attrs(b, s, &tree_style);
  }
  otelc__console_span_dropped(b, s);
  otelc__tbuf_putc(b, '\n');

  /* Events and links, as bullets under the span. */
  uint64_t start = otelc_span_get_start_time(s);
  size_t ne = otelc_span_get_event_count(s);
  size_t nl = otelc_span_get_link_count(s);
  for (size_t i = 0; i < ne + nl; i++) {
    put_guides(b, last, depth + 1);
    if (nd->first_child >= 0)
      otelc__tbuf_puts(b, "\xe2\x94\x82  ");
    otelc__tbuf_puts(b, "\xe2\x80\xa2 "); /* "• " */
    if (i < ne) {
      const otelc_span_event *ev = otelc_span_get_event(s, i);
      otelc__tbuf_word(b, ev->name);
      otelc__tbuf_puts(b, "  ");
      if (ev->time >= start) {
        otelc__tbuf_putc(b, '+');
        put_human_duration(b, ev->time - start);
      } else {
        otelc__tbuf_putc(b, '-');
        put_human_duration(b, start - ev->time);
      }
      if (ev->n_attrs) {
        otelc__tbuf_putc(b, ' ');
        otelc__tbuf_attrs_as(b, ev->attrs, ev->n_attrs, &tree_style);
      }
      if (ev->dropped_attrs)
        otelc__tbuf_printf(b, " dropped(attrs=%" PRIu32 ")", ev->dropped_attrs);
    } else {
      const otelc_span_link *ln = otelc_span_get_link(s, i - ne);
      otelc__tbuf_puts(b, "link trace=");
      otelc__tbuf_hex(b, ln->context.trace_id, 16);
      otelc__tbuf_puts(b, " span=");
      otelc__tbuf_hex(b, ln->context.span_id, 8);
      if (ln->n_attrs) {
        otelc__tbuf_attrs_as(b, ln->attrs, ln->n_attrs, &tree_style);
      }
      if (ln->dropped_attrs)
        otelc__tbuf_printf(b, " dropped(attrs=%" PRIu32 ")", ln->dropped_attrs);
    }
    otelc__tbuf_putc(b, '\n');
  }
}

/* Depth-first walk from @p first (and its later siblings unless
 * @p single), using cur[] and last[] of at least n + 2 entries. */
static void walk(otelc__tbuf *b, node *nodes, long first, bool single,
                 long *cur, bool *last) {
  size_t d = 1;
  cur[1] = first;
  while (d > 0 && !b->oom) {
    long i = cur[d];
    if (i < 0 || nodes[i].visited) {
      if (i >= 0) {
        cur[d] = d == 1 && single ? -1 : nodes[i].next_sibling;
        continue;
      }
      if (--d > 0) {
        long up = cur[d];
        cur[d] = d == 1 && single ? -1 : nodes[up].next_sibling;
      }
      continue;
    }
    node *nd = &nodes[i];
    nd->visited = true;
    last[d] = (d == 1 && single) || nd->next_sibling < 0;
    put_tree_span(b, nd, last, d, d == 1);
    if (nd->first_child >= 0) {
      cur[++d] = nd->first_child;
    } else {
      cur[d] = d == 1 && single ? -1 : nd->next_sibling;
    }
  }
}

otelc_status otelc__console_span_tree(otelc__tbuf *b, otelc_span *const *spans,
                                      size_t n, otelc_span *extra,
                                      bool incomplete) {
  size_t total = n + (extra != NULL);
  if (total == 0)
    return OTELC_OK;
  size_t bytes = total * (sizeof(node) + 2 * sizeof(node *)) +
                 (total + 2) * (sizeof(long) + sizeof(bool));
  char *mem = otelc__malloc(bytes);
  if (!mem)
    return OTELC_ERR_NOMEM;
  node *nodes = (node *)mem;
  node **by_id = (node **)(nodes + total);
  node **by_time = by_id + total;
  long *cur = (long *)(by_time + total);
  bool *last = (bool *)(cur + total + 2);

  for (size_t i = 0; i < total; i++) {
    otelc_span *s = i < n ? spans[i] : extra;
    otelc_span_context ctx = otelc_span_get_context(s);
    nodes[i] = (node){.s = s,
                      .start = otelc_span_get_start_time(s),
                      .arrival = i,
                      .parent = -1,
                      .first_child = -1,
                      .last_child = -1,
                      .next_sibling = -1};
    memcpy(nodes[i].span_id, ctx.span_id, 8);
    by_id[i] = by_time[i] = &nodes[i];
  }
  qsort(by_id, total, sizeof *by_id, by_span_id);
  qsort(by_time, total, sizeof *by_time, by_start);

  /* Link each span under its parent, in start order; spans whose parent
   * is remote or not here become top-level entries. */
  long first_top = -1, last_top = -1;
  for (size_t k = 0; k < total; k++) {
    node *nd = by_time[k];
    long i = nd - nodes;
    otelc_span_context parent;
    if (otelc_span_get_parent(nd->s, &parent) && !parent.is_remote)
      nd->parent = find_node(by_id, total, nodes, parent.span_id);
    if (nd->parent == i)
      nd->parent = -1;
    long *head = &first_top, *tail = &last_top;
    if (nd->parent >= 0) {
      head = &nodes[nd->parent].first_child;
      tail = &nodes[nd->parent].last_child;
    }
    if (*tail >= 0)
      nodes[*tail].next_sibling = i;
    else
      *head = i;
    *tail = i;
  }

  otelc_span_context ctx = otelc_span_get_context(nodes[0].s);
  otelc__tbuf_puts(b, "trace ");
  otelc__tbuf_hex(b, ctx.trace_id, 16);
  const otelc_value *svc =
      otelc_resource_get(otelc_span_get_resource(nodes[0].s), "service.name");
  if (svc && svc->type == OTELC_VALUE_STRING && svc->u.str) {
    otelc__tbuf_puts(b, " (service ");
    otelc__tbuf_escaped(b, svc->u.str, otelc__value_strlen(svc), false);
    otelc__tbuf_putc(b, ')');
  }
  if (incomplete)
    otelc__tbuf_puts(b, " (incomplete)");
  otelc__tbuf_putc(b, '\n');

  last[0] = true;
  walk(b, nodes, first_top, false, cur, last);
  /* Spans caught in a parent cycle (repeated span ids) are unreachable
   * from the top level: show them there too. */
  for (size_t k = 0; k < total; k++)
    if (!by_time[k]->visited)
      walk(b, nodes, by_time[k] - nodes, true, cur, last);
  otelc__free(mem);
  return b->oom ? OTELC_ERR_NOMEM : OTELC_OK;
}
