/*
 * The console exporter: one human-readable line per span and, once the
 * local root of a trace has ended, the whole trace as an indented tree.
 *
 * Spans are held (retained) per trace until the trace's local root
 * arrives: a span without a parent, or whose parent is remote. At most
 * MAX_HELD spans are held; beyond that the oldest pending traces are
 * printed as they are, marked "(incomplete)", and so is everything still
 * pending on force_flush and shutdown.
 *
 * Output is assembled in a buffer and written with one fwrite and one
 * fflush per export call (or per OUT_CHUNK bytes), so that lines of
 * other writers of the same stream are not cut in the middle.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>

#include "common/internal.h"
#include "otelc/exporters.h"
#include "otelc/resource.h"

#define MAX_HELD 4096      /* spans held while waiting for roots */
#define OUT_CHUNK 65536    /* write out when the buffer reaches this */
#define KEEP_BUF 1048576   /* larger buffers are freed after writing */
#define TREE_STR_MAX 64    /* characters of a string value in the tree */
#define TREE_BYTES_MAX 32  /* bytes of a bytes value in the tree */
#define MAX_INDENT 32      /* tree levels drawn before abbreviating */
#define MAX_VALUE_DEPTH 16 /* nested arrays and maps drawn */
#define N_BUCKETS 256

/* ------------------------------------------------------------- buffer -- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  bool oom; /* an append failed: the content is incomplete */
} sbuf;

static bool sb_reserve(sbuf *b, size_t more) {
  if (b->oom)
    return false;
  if (b->len + more + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *p = otelc__realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

static void sb_put(sbuf *b, const char *s, size_t n) {
  if (!sb_reserve(b, n))
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void sb_puts(sbuf *b, const char *s) {
  sb_put(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c) {
  if (sb_reserve(b, 1))
    b->p[b->len++] = c;
}

static void sb_printf(sbuf *b, const char *fmt, ...) OTELC_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof tmp) {
    sb_put(b, tmp, (size_t)n);
    return;
  }
  if (!sb_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static void sb_hex(sbuf *b, const uint8_t *in, size_t n) {
  static const char digits[] = "0123456789abcdef";
  if (!sb_reserve(b, 2 * n))
    return;
  for (size_t i = 0; i < n; i++) {
    b->p[b->len++] = digits[in[i] >> 4];
    b->p[b->len++] = digits[in[i] & 15];
  }
}

/* ------------------------------------------------------------ strings -- */

/* Length of the well-formed UTF-8 sequence at s[0..len) (len > 0), or 0
 * when it is not one (overlong forms, surrogates and values above
 * U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t len) {
  unsigned char c = s[0], lo = 0x80, hi = 0xbf;
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  if (len < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k < n; k++)
    if ((s[k] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* Append s[0..len) with quotes, backslashes and control characters
 * escaped and invalid UTF-8 bytes shown as \xNN; in quotes when @p quote.
 * At most @p max characters (0: no limit); a cut string is followed by
 * an ellipsis. */
static void put_escaped(sbuf *b, const char *str, size_t len, size_t max,
                        bool quote) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0, chars = 0;
  if (quote)
    sb_putc(b, '"');
  while (i < len && !b->oom) {
    if (max && chars++ == max)
      break;
    unsigned char c = s[i];
    size_t n = 1;
    if (c == '"' && quote) {
      sb_put(b, "\\\"", 2);
    } else if (c == '\\') {
      sb_put(b, "\\\\", 2);
    } else if (c == '\n') {
      sb_put(b, "\\n", 2);
    } else if (c == '\r') {
      sb_put(b, "\\r", 2);
    } else if (c == '\t') {
      sb_put(b, "\\t", 2);
    } else if (c < 0x20 || c == 0x7f || (n = utf8_seq(s + i, len - i)) == 0) {
      char esc[4] = {'\\', 'x', digits[c >> 4], digits[c & 15]};
      sb_put(b, esc, 4);
      n = 1;
    } else {
      sb_put(b, str + i, n);
    }
    i += n;
  }
  if (quote)
    sb_putc(b, '"');
  if (i < len)
    sb_puts(b, "\xe2\x80\xa6"); /* U+2026 HORIZONTAL ELLIPSIS */
}

/* A name or key: bare when made of printable ASCII other than space,
 * '"', '\\' and '=', else quoted and escaped. */
static void put_word(sbuf *b, const char *s) {
  if (!s)
    s = "";
  size_t len = strlen(s);
  bool bare = len > 0;
  for (size_t i = 0; i < len && bare; i++) {
    unsigned char c = (unsigned char)s[i];
    bare = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
  }
  if (bare)
    sb_put(b, s, len);
  else
    put_escaped(b, s, len, 0, true);
}

/* -------------------------------------------------------------- values -- */

/* @p tree: abbreviate long strings and bytes. */
static void put_value(sbuf *b, const otelc_value *v, bool tree, int depth);

static void put_attrs(sbuf *b, const otelc_attr *attrs, size_t n,
                      const char *sep, bool tree, int depth) {
  for (size_t i = 0; i < n; i++) {
    if (i)
      sb_puts(b, sep);
    put_word(b, attrs[i].key);
    sb_putc(b, '=');
    put_value(b, &attrs[i].value, tree, depth);
  }
}

static void put_double(sbuf *b, double d) {
  sb_printf(b, "%g", d);
}

static void put_value(sbuf *b, const otelc_value *v, bool tree, int depth) {
  size_t n = v->len;
  if (depth >= MAX_VALUE_DEPTH &&
      (v->type == OTELC_VALUE_ARRAY || v->type == OTELC_VALUE_MAP)) {
    sb_puts(b,
            v->type == OTELC_VALUE_MAP ? "{\xe2\x80\xa6}" : "[\xe2\x80\xa6]");
    return;
  }
  switch (v->type) {
  case OTELC_VALUE_STRING:
    if (v->u.str)
      put_escaped(b, v->u.str, otelc__value_strlen(v), tree ? TREE_STR_MAX : 0,
                  true);
    else
      sb_puts(b, "\"\"");
    return;
  case OTELC_VALUE_BOOL:
    sb_puts(b, v->u.b ? "true" : "false");
    return;
  case OTELC_VALUE_INT:
    sb_printf(b, "%" PRId64, v->u.i);
    return;
  case OTELC_VALUE_DOUBLE:
    put_double(b, v->u.d);
    return;
  case OTELC_VALUE_BYTES: {
    size_t shown = tree && n > TREE_BYTES_MAX ? TREE_BYTES_MAX : n;
    sb_puts(b, "0x");
    if (v->u.bytes)
      sb_hex(b, v->u.bytes, shown);
    if (shown < n)
      sb_puts(b, "\xe2\x80\xa6");
    return;
  }
  case OTELC_VALUE_MAP:
    sb_putc(b, '{');
    if (v->u.kvs)
      put_attrs(b, v->u.kvs, n, ", ", tree, depth + 1);
    sb_putc(b, '}');
    return;
  case OTELC_VALUE_STRING_ARRAY:
  case OTELC_VALUE_BOOL_ARRAY:
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
  case OTELC_VALUE_ARRAY:
    break;
  case OTELC_VALUE_EMPTY:
  default:
    sb_puts(b, "null");
    return;
  }
  sb_putc(b, '[');
  for (size_t i = 0; i < n && v->u.bytes; i++) {
    if (i)
      sb_puts(b, ", ");
    switch (v->type) {
    case OTELC_VALUE_STRING_ARRAY: {
      const char *s = v->u.strs[i];
      if (s)
        put_escaped(b, s, strlen(s), tree ? TREE_STR_MAX : 0, true);
      else
        sb_puts(b, "null");
      break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
      sb_puts(b, v->u.bools[i] ? "true" : "false");
      break;
    case OTELC_VALUE_INT_ARRAY:
      sb_printf(b, "%" PRId64, v->u.ints[i]);
      break;
    case OTELC_VALUE_DOUBLE_ARRAY:
      put_double(b, v->u.doubles[i]);
      break;
    default:
      put_value(b, &v->u.values[i], tree, depth + 1);
      break;
    }
  }
  sb_putc(b, ']');
}

/* ------------------------------------------------------- span pieces -- */

static const char *kind_name(otelc_span_kind k) {
  switch (k) {
  case OTELC_SPAN_KIND_UNSPECIFIED:
  case OTELC_SPAN_KIND_INTERNAL:
    return "internal";
  case OTELC_SPAN_KIND_SERVER:
    return "server";
  case OTELC_SPAN_KIND_CLIENT:
    return "client";
  case OTELC_SPAN_KIND_PRODUCER:
    return "producer";
  case OTELC_SPAN_KIND_CONSUMER:
    return "consumer";
  }
  return "unknown";
}

static uint64_t span_duration(const otelc_span *s) {
  uint64_t start = otelc_span_get_start_time(s);
  uint64_t end = otelc_span_get_end_time(s);
  return end > start ? end - start : 0;
}

/* A duration for people: "850 ns", "12.3 us", "41.2 ms", "1.50 s". */
static void put_human_duration(sbuf *b, uint64_t ns) {
  if (ns < 1000)
    sb_printf(b, "%" PRIu64 " ns", ns);
  else if (ns < 1000000)
    sb_printf(b, "%.1f us", (double)ns / 1e3);
  else if (ns < 1000000000)
    sb_printf(b, "%.1f ms", (double)ns / 1e6);
  else
    sb_printf(b, "%.2f s", (double)ns / 1e9);
}

/* " dropped(attrs=N events=N links=N)" when anything was dropped. */
static void put_dropped(sbuf *b, const otelc_span *s) {
  uint32_t a, e, l;
  otelc_span_get_dropped(s, &a, &e, &l);
  if (a || e || l)
    sb_printf(
        b, " dropped(attrs=%" PRIu32 " events=%" PRIu32 " links=%" PRIu32 ")",
        a, e, l);
}

static void put_span_attrs(sbuf *b, const otelc_span *s, bool tree) {
  size_t n = otelc_span_get_attr_count(s);
  for (size_t i = 0; i < n; i++) {
    const otelc_attr *a = otelc_span_get_attr(s, i);
    if (!a)
      continue;
    sb_putc(b, ' ');
    put_attrs(b, a, 1, "", tree, 0);
  }
}

/* The one-line form of a span, with its newline. */
static void put_line(sbuf *b, const otelc_span *s) {
  otelc_span_context ctx = otelc_span_get_context(s), parent;
  sb_puts(b, "span ");
  put_word(b, otelc_span_get_name(s));
  sb_puts(b, " trace=");
  sb_hex(b, ctx.trace_id, 16);
  sb_puts(b, " span=");
  sb_hex(b, ctx.span_id, 8);
  sb_puts(b, " parent=");
  if (otelc_span_get_parent(s, &parent)) {
    sb_hex(b, parent.span_id, 8);
    if (parent.is_remote)
      sb_puts(b, "(remote)");
  } else {
    sb_putc(b, '-');
  }
  sb_printf(b, " kind=%s", kind_name(otelc_span_get_kind(s)));
  uint64_t dur = span_duration(s);
  sb_printf(b, " dur=%" PRIu64 ".%03" PRIu64 "ms", dur / 1000000,
            dur / 1000 % 1000);
  const char *desc = NULL;
  switch (otelc_span_get_status(s, &desc)) {
  case OTELC_STATUS_OK:
    sb_puts(b, " status=OK");
    break;
  case OTELC_STATUS_ERROR:
    sb_puts(b, " status=ERROR");
    if (desc && *desc) {
      sb_putc(b, '(');
      put_escaped(b, desc, strlen(desc), 0, true);
      sb_putc(b, ')');
    }
    break;
  default:
    sb_puts(b, " status=UNSET");
    break;
  }
  if (otelc_span_get_attr_count(s)) {
    sb_puts(b, " attrs:");
    put_span_attrs(b, s, false);
  }
  sb_printf(b, " events=%zu links=%zu", otelc_span_get_event_count(s),
            otelc_span_get_link_count(s));
  put_dropped(b, s);
  sb_putc(b, '\n');
}

/* --------------------------------------------------------------- trees -- */

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
static void put_guides(sbuf *b, const bool *last, size_t depth) {
  size_t shown = depth < MAX_INDENT ? depth : MAX_INDENT;
  for (size_t d = 1; d < shown; d++)
    sb_puts(b, last[d] ? "   " : "\xe2\x94\x82  "); /* "│  " */
  if (shown < depth)
    sb_printf(b, "\xe2\x80\xa6(+%zu) ", depth - shown);
}

static void put_tree_span(sbuf *b, const node *nd, const bool *last,
                          size_t depth, bool top) {
  const otelc_span *s = nd->s;
  put_guides(b, last, depth);
  sb_puts(b, last[depth] ? "\xe2\x94\x94\xe2\x94\x80 "   /* "└─ " */
                         : "\xe2\x94\x9c\xe2\x94\x80 "); /* "├─ " */
  put_word(b, otelc_span_get_name(s));
  sb_printf(b, "  [%s]  ", kind_name(otelc_span_get_kind(s)));
  put_human_duration(b, span_duration(s));
  const char *desc = NULL;
  if (otelc_span_get_status(s, &desc) == OTELC_STATUS_ERROR) {
    sb_puts(b, "  ERROR");
    if (desc && *desc) {
      sb_puts(b, ": ");
      put_escaped(b, desc, strlen(desc), 0, false);
    }
  }
  otelc_span_context parent;
  if (top && otelc_span_get_parent(s, &parent)) {
    sb_puts(b, "  parent=");
    sb_hex(b, parent.span_id, 8);
    if (parent.is_remote)
      sb_puts(b, " (remote)");
  }
  if (otelc_span_get_attr_count(s)) {
    sb_putc(b, ' ');
    put_span_attrs(b, s, true);
  }
  put_dropped(b, s);
  sb_putc(b, '\n');

  /* Events and links, as bullets under the span. */
  uint64_t start = otelc_span_get_start_time(s);
  size_t ne = otelc_span_get_event_count(s);
  size_t nl = otelc_span_get_link_count(s);
  for (size_t i = 0; i < ne + nl; i++) {
    put_guides(b, last, depth + 1);
    if (nd->first_child >= 0)
      sb_puts(b, "\xe2\x94\x82  ");
    sb_puts(b, "\xe2\x80\xa2 "); /* "• " */
    if (i < ne) {
      const otelc_span_event *ev = otelc_span_get_event(s, i);
      put_word(b, ev->name);
      sb_puts(b, "  ");
      if (ev->time >= start) {
        sb_putc(b, '+');
        put_human_duration(b, ev->time - start);
      } else {
        sb_putc(b, '-');
        put_human_duration(b, start - ev->time);
      }
      if (ev->n_attrs) {
        sb_puts(b, "  ");
        put_attrs(b, ev->attrs, ev->n_attrs, " ", true, 0);
      }
      if (ev->dropped_attrs)
        sb_printf(b, " dropped(attrs=%" PRIu32 ")", ev->dropped_attrs);
    } else {
      const otelc_span_link *ln = otelc_span_get_link(s, i - ne);
      sb_puts(b, "link trace=");
      sb_hex(b, ln->context.trace_id, 16);
      sb_puts(b, " span=");
      sb_hex(b, ln->context.span_id, 8);
      if (ln->n_attrs) {
        sb_putc(b, ' ');
        put_attrs(b, ln->attrs, ln->n_attrs, " ", true, 0);
      }
      if (ln->dropped_attrs)
        sb_printf(b, " dropped(attrs=%" PRIu32 ")", ln->dropped_attrs);
    }
    sb_putc(b, '\n');
  }
}

/* Depth-first walk from @p first (and its later siblings unless
 * @p single), using cur[] and last[] of at least n + 2 entries. */
static void walk(sbuf *b, node *nodes, long first, bool single, long *cur,
                 bool *last) {
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

/* Print spans[0..n) (plus @p extra if not NULL), all of one trace, as a
 * tree ordered by start time. */
static otelc_status put_tree(sbuf *b, otelc_span *const *spans, size_t n,
                             otelc_span *extra, bool incomplete) {
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
  sb_puts(b, "trace ");
  sb_hex(b, ctx.trace_id, 16);
  const otelc_value *svc =
      otelc_resource_get(otelc_span_get_resource(nodes[0].s), "service.name");
  if (svc && svc->type == OTELC_VALUE_STRING && svc->u.str) {
    sb_puts(b, " (service ");
    put_escaped(b, svc->u.str, otelc__value_strlen(svc), 0, false);
    sb_putc(b, ')');
  }
  if (incomplete)
    sb_puts(b, " (incomplete)");
  sb_putc(b, '\n');

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

/* ---------------------------------------------------- pending traces -- */

typedef struct pending {
  uint8_t trace_id[16];
  otelc_span **spans;
  size_t n, cap;
  struct pending *hnext;       /* hash chain */
  struct pending *prev, *next; /* by age, oldest first */
} pending;

typedef struct console {
  pthread_mutex_t mu;
  FILE *out;
  bool lines, tree;
  bool shut;
  size_t held; /* spans held over every pending trace */
  pending *buckets[N_BUCKETS];
  pending *oldest, *newest;
  sbuf buf;
} console;

static size_t bucket_of(const uint8_t id[16]) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (int i = 0; i < 16; i++)
    h = (h ^ id[i]) * 16777619u;
  return h % N_BUCKETS;
}

static pending *find_pending(console *c, const uint8_t id[16]) {
  for (pending *p = c->buckets[bucket_of(id)]; p; p = p->hnext)
    if (memcmp(p->trace_id, id, 16) == 0)
      return p;
  return NULL;
}

static pending *new_pending(console *c, const uint8_t id[16]) {
  pending *p = otelc__calloc(1, sizeof *p);
  if (!p)
    return NULL;
  memcpy(p->trace_id, id, 16);
  size_t h = bucket_of(id);
  p->hnext = c->buckets[h];
  c->buckets[h] = p;
  p->prev = c->newest;
  if (c->newest)
    c->newest->next = p;
  else
    c->oldest = p;
  c->newest = p;
  return p;
}

/* Unlink @p p, release its spans and free it. */
static void drop_pending(console *c, pending *p) {
  pending **pp = &c->buckets[bucket_of(p->trace_id)];
  while (*pp != p)
    pp = &(*pp)->hnext;
  *pp = p->hnext;
  if (p->prev)
    p->prev->next = p->next;
  else
    c->oldest = p->next;
  if (p->next)
    p->next->prev = p->prev;
  else
    c->newest = p->prev;
  for (size_t i = 0; i < p->n; i++)
    otelc_span_release(p->spans[i]);
  c->held -= p->n;
  otelc__free(p->spans);
  otelc__free(p);
}

static void worse(otelc_status *st, otelc_status s) {
  if (*st == OTELC_OK)
    *st = s;
}

/* Write the buffer out and empty it. */
static otelc_status emit(console *c) {
  sbuf *b = &c->buf;
  otelc_status st = OTELC_OK;
  if (b->oom) {
    st = OTELC_ERR_NOMEM;
  } else if (b->len > 0) {
    if (fwrite(b->p, 1, b->len, c->out) != b->len)
      st = OTELC_ERR_IO;
    if (fflush(c->out) != 0)
      st = OTELC_ERR_IO;
    if (st != OTELC_OK)
      clearerr(c->out);
  }
  b->len = 0;
  b->oom = false;
  if (b->cap > KEEP_BUF) {
    otelc__free(b->p);
    b->p = NULL;
    b->cap = 0;
  }
  return st;
}

/* Print pending trace @p p (plus @p extra) and forget it. */
static otelc_status print_pending(console *c, pending *p, otelc_span *extra,
                                  bool incomplete) {
  otelc_status st = put_tree(&c->buf, p->spans, p->n, extra, incomplete);
  drop_pending(c, p);
  if (c->buf.len >= OUT_CHUNK)
    worse(&st, emit(c));
  return st;
}

static otelc_status print_all_pending(console *c) {
  otelc_status st = OTELC_OK;
  while (c->oldest)
    worse(&st, print_pending(c, c->oldest, NULL, true));
  worse(&st, emit(c));
  return st;
}

/* Take @p s into the tree bookkeeping: print its trace if it is a local
 * root, else hold it. */
static otelc_status take(console *c, otelc_span *s) {
  otelc_span_context ctx = otelc_span_get_context(s), parent;
  bool root = !otelc_span_get_parent(s, &parent) || parent.is_remote;
  pending *p = find_pending(c, ctx.trace_id);
  if (root)
    return p ? print_pending(c, p, s, false)
             : put_tree(&c->buf, NULL, 0, s, false);
  otelc_status st = OTELC_OK;
  while (c->held >= MAX_HELD && c->oldest) {
    if (c->oldest == p)
      p = NULL;
    worse(&st, print_pending(c, c->oldest, NULL, true));
  }
  if (!p && !(p = new_pending(c, ctx.trace_id)))
    return OTELC_ERR_NOMEM;
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 8;
    otelc_span **grown = otelc__realloc(p->spans, cap * sizeof *grown);
    if (!grown) {
      if (p->n == 0)
        drop_pending(c, p);
      return OTELC_ERR_NOMEM;
    }
    p->spans = grown;
    p->cap = cap;
  }
  otelc_span_retain(s);
  p->spans[p->n++] = s;
  c->held++;
  return st;
}

/* ------------------------------------------------------------ exporter -- */

static otelc_status con_export(void *self, otelc_span *const *spans, size_t n,
                               uint32_t timeout_ms) {
  (void)timeout_ms;
  console *c = self;
  otelc_status st = OTELC_OK;
  if (!spans && n)
    return OTELC_ERR_INVALID_ARG;
  pthread_mutex_lock(&c->mu);
  if (c->shut) {
    pthread_mutex_unlock(&c->mu);
    return OTELC_ERR_SHUTDOWN;
  }
  for (size_t i = 0; i < n; i++) {
    if (!spans[i])
      continue;
    if (c->lines)
      put_line(&c->buf, spans[i]);
    if (c->tree)
      worse(&st, take(c, spans[i]));
    if (c->buf.len >= OUT_CHUNK)
      worse(&st, emit(c));
  }
  worse(&st, emit(c));
  pthread_mutex_unlock(&c->mu);
  return st;
}

static otelc_status con_flush(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  console *c = self;
  pthread_mutex_lock(&c->mu);
  otelc_status st = c->shut ? OTELC_ERR_SHUTDOWN : print_all_pending(c);
  pthread_mutex_unlock(&c->mu);
  return st;
}

static otelc_status con_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  console *c = self;
  pthread_mutex_lock(&c->mu);
  otelc_status st = OTELC_ERR_SHUTDOWN;
  if (!c->shut) {
    st = print_all_pending(c);
    c->shut = true;
  }
  pthread_mutex_unlock(&c->mu);
  return st;
}

static void con_destroy(void *self) {
  console *c = self;
  while (c->oldest)
    drop_pending(c, c->oldest);
  otelc__free(c->buf.p);
  pthread_mutex_destroy(&c->mu);
  otelc__free(c);
}

otelc_status otelc_console_exporter_new(const otelc_console_opts *opts,
                                        otelc_span_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  console *c = otelc__calloc(1, sizeof *c);
  if (!c)
    return OTELC_ERR_NOMEM;
  if (pthread_mutex_init(&c->mu, NULL) != 0) {
    otelc__free(c);
    return OTELC_ERR_NOMEM;
  }
  c->out = opts && opts->out ? opts->out : stderr;
  c->lines = !(opts && opts->no_lines);
  c->tree = !(opts && opts->no_tree);
  static const otelc_span_exporter_ops ops = {con_export, con_flush,
                                              con_shutdown, con_destroy};
  return otelc_span_exporter_new(&ops, c, out);
}
