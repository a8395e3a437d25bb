/*
 * The console exporter: one human-readable line per span and, once the
 * local root of a trace has ended, the whole trace as an indented tree.
 *
 * Spans are held (retained) per trace until the trace's local root
 * arrives: a span without a parent, or whose parent is remote. At most
 * MAX_HELD spans are held; beyond that the oldest pending traces are
 * printed as they are, marked "(incomplete)", and so is everything still
 * pending on force_flush and shutdown. The two forms are drawn by
 * console_span_line.c and console_span_tree.c.
 *
 * Output is assembled in a buffer and written with one fwrite and one
 * fflush per export call (or per OUT_CHUNK bytes), so that lines of
 * other writers of the same stream are not cut in the middle.
 */
#include <pthread.h>
#include <stdio.h>

#include "export/console/console_span.h"

#define MAX_HELD 4096    /* spans held while waiting for roots */
#define OUT_CHUNK 65536  /* write out when the buffer reaches this */
#define KEEP_BUF 1048576 /* larger buffers are freed after writing */
#define N_BUCKETS 256

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
  otelc__tbuf buf;
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
  return otelc__tbuf_write(&c->buf, c->out, KEEP_BUF);
}

/* Print pending trace @p p (plus @p extra) and forget it. */
static otelc_status print_pending(console *c, pending *p, otelc_span *extra,
                                  bool incomplete) {
  otelc_status st =
      otelc__console_span_tree(&c->buf, p->spans, p->n, extra, incomplete);
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
             : otelc__console_span_tree(&c->buf, NULL, 0, s, false);
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
      otelc__console_span_line(&c->buf, spans[i]);
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
  otelc__tbuf_free(&c->buf);
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
