/* The per-thread stack of active contexts, and context values. */
#include "common/tls.h"
#include "trace/trace_internal.h"

struct otelc_context {
  _Atomic uint32_t refs;
  otelc_span *span;          /* referenced, or NULL */
  otelc_span_context remote; /* valid when span is NULL and has_remote */
  bool has_remote;
  otelc__tstate *tracestate; /* of the remote context */
};

#define STACK_MAX 256

typedef struct frame {
  otelc_span *span;    /* span activated directly (referenced) */
  otelc_context *ctx;  /* or context activated (referenced) */
  uint32_t check;
} frame;

/* A thread's active contexts; allocated on its first activation and
 * freed when it exits. */
typedef struct otelc__ctx_stack {
  uint32_t depth;
  uint32_t serial;
  frame frames[STACK_MAX];
} stack;

static void pop(stack *st);

static void stack_exit(otelc__tls *t) {
  stack *st = t->stack;
  if (!st)
    return;
  while (st->depth) /* activations the thread never undid */
    pop(st);
  t->stack = NULL;
  otelc__free(st);
}

static pthread_once_t stack_once = PTHREAD_ONCE_INIT;
static void stack_init(void) { otelc__tls_on_exit(stack_exit); }

/* The calling thread's stack, or NULL if it has none (nothing active). */
static inline stack *get_stack(void) { return otelc__tls_data.stack; }

static stack *make_stack(void) {
  otelc__tls *t = &otelc__tls_data;
  if (t->stack)
    return t->stack;
  pthread_once(&stack_once, stack_init);
  stack *st = otelc__calloc(1, sizeof *st);
  if (!st)
    return NULL;
  t->stack = st;
  if (!t->registered)
    otelc__tls_register(t);
  return st;
}

static const otelc_context empty_ctx;

bool otelc__context_parent(const otelc_context *ctx, otelc_span **span,
                           otelc_span_context *sc, otelc__tstate **ts) {
  if (!ctx)
    return false;
  if (ctx->span && !otelc__span_is_noop(ctx->span)) {
    *span = ctx->span;
    *sc = ctx->span->ctx;
    *ts = ctx->span->tracestate;
    return otelc_span_context_is_valid(sc);
  }
  if (ctx->has_remote) {
    *span = NULL;
    *sc = ctx->remote;
    *ts = ctx->tracestate;
    return true;
  }
  return false;
}

bool otelc__current_parent(otelc_span **span, otelc_span_context *sc,
                           otelc__tstate **ts) {
  stack *st = get_stack();
  if (!st)
    return false;
  for (uint32_t i = st->depth; i-- > 0;) {
    frame *f = &st->frames[i];
    if (f->span) {
      if (otelc__span_is_noop(f->span))
        continue; /* transparent: look further down */
      *span = f->span;
      *sc = f->span->ctx;
      *ts = f->span->tracestate;
      return true;
    }
    if (f->ctx) {
      if (otelc__context_parent(f->ctx, span, sc, ts))
        return true;
      if (f->ctx->span && otelc__span_is_noop(f->ctx->span))
        continue;
      return false; /* an empty context hides what is below it */
    }
  }
  return false;
}

static otelc_context *ctx_new(void) {
  otelc_context *c = otelc__calloc(1, sizeof *c);
  if (c)
    atomic_init(&c->refs, 1);
  return c;
}

otelc_context *otelc_context_current(void) {
  otelc_span *span = NULL;
  otelc_span_context sc;
  otelc__tstate *ts = NULL;
  if (!otelc__current_parent(&span, &sc, &ts))
    return NULL;
  otelc_context *c = ctx_new();
  if (!c)
    return NULL;
  if (span) {
    otelc__span_ref(span);
    c->span = span;
  } else {
    c->remote = sc;
    c->has_remote = true;
    c->tracestate = otelc__tstate_ref(ts);
  }
  return c;
}

otelc_context *otelc_context_with_span(const otelc_context *parent,
                                       otelc_span *span) {
  (void)parent; /* no other values are propagated yet */
  otelc_context *c = ctx_new();
  if (!c)
    return NULL;
  if (span && !otelc__span_is_noop(span)) {
    otelc__span_ref(span);
    c->span = span;
  }
  return c;
}

otelc_context *otelc_context_with_remote(const otelc_context *parent,
                                         const otelc_span_context *sc,
                                         const char *tracestate) {
  (void)parent;
  if (!otelc_span_context_is_valid(sc))
    return NULL;
  otelc_context *c = ctx_new();
  if (!c)
    return NULL;
  c->remote = *sc;
  c->remote.is_remote = true;
  c->has_remote = true;
  if (tracestate && tracestate[0]) {
    c->tracestate = otelc__tstate_new(tracestate, strlen(tracestate));
    if (!c->tracestate) {
      otelc__free(c);
      return NULL;
    }
  }
  return c;
}

otelc_context *otelc_context_ref(otelc_context *ctx) {
  if (ctx)
    atomic_fetch_add_explicit(&ctx->refs, 1, memory_order_relaxed);
  return ctx;
}

void otelc_context_release(otelc_context *ctx) {
  if (!ctx || ctx == &empty_ctx)
    return;
  if (atomic_fetch_sub_explicit(&ctx->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (ctx->span)
    otelc__span_unref(ctx->span);
  otelc__tstate_release(ctx->tracestate);
  otelc__free(ctx);
}

otelc_span *otelc_context_span(const otelc_context *ctx) {
  return ctx ? ctx->span : NULL;
}

bool otelc_context_span_context(const otelc_context *ctx,
                                otelc_span_context *out) {
  otelc_span *span = NULL;
  otelc__tstate *ts = NULL;
  otelc_span_context sc;
  if (!otelc__context_parent(ctx, &span, &sc, &ts))
    return false;
  if (out)
    *out = sc;
  return true;
}

const char *otelc_context_tracestate(const otelc_context *ctx) {
  otelc_span *span = NULL;
  otelc__tstate *ts = NULL;
  otelc_span_context sc;
  if (!otelc__context_parent(ctx, &span, &sc, &ts) || !ts)
    return NULL;
  return ts->s;
}

static otelc_scope push(otelc_span *span, otelc_context *ctx) {
  stack *st = get_stack();
  otelc_scope sc = {0, 0};
  if (OTELC__UNLIKELY(!st) && !(st = make_stack())) {
    otelc__warn("out of memory activating a context; it was not made "
                "current");
    return sc;
  }
  if (OTELC__UNLIKELY(st->depth >= STACK_MAX)) {
    otelc__warn("more than %d nested activations on one thread; the "
                "context was not made current",
                STACK_MAX);
    return sc;
  }
  frame *f = &st->frames[st->depth++];
  f->span = span;
  f->ctx = ctx;
  f->check = ++st->serial ? st->serial : ++st->serial;
  sc.depth = st->depth;
  sc.check = f->check;
  return sc;
}

otelc_scope otelc_context_attach(otelc_context *ctx) {
  /* A NULL context is activated as an empty one: nothing is current
   * until it is detached. */
  otelc_context *held = ctx ? otelc_context_ref(ctx) : (otelc_context *)&empty_ctx;
  otelc_scope sc = push(NULL, held);
  if (sc.check == 0)
    otelc_context_release(held);
  return sc;
}

otelc_scope otelc_span_activate(otelc_span *span) {
  /* The no-op span is transparent to every lookup, so activating it
   * changes nothing: no frame, no allocation. */
  if (!span || otelc__span_is_noop(span))
    return (otelc_scope){0, 0};
  otelc__span_ref(span);
  otelc_scope sc = push(span, NULL);
  if (sc.check == 0)
    otelc__span_unref(span);
  return sc;
}

static void pop(stack *st) {
  frame *f = &st->frames[--st->depth];
  if (f->span && !otelc__span_is_noop(f->span))
    otelc__span_unref(f->span);
  if (f->ctx)
    otelc_context_release(f->ctx);
  f->span = NULL;
  f->ctx = NULL;
  f->check = 0;
}

otelc_status otelc_context_detach(otelc_scope scope) {
  stack *st = get_stack();
  if (scope.check == 0)
    return OTELC_OK; /* the activation failed; nothing to undo */
  if (!st || scope.depth == 0 || scope.depth > st->depth ||
      st->frames[scope.depth - 1].check != scope.check) {
    otelc__warn("detach of a context that is not active on this thread");
    return OTELC_ERR_STATE;
  }
  otelc_status rc = OTELC_OK;
  if (scope.depth != st->depth) {
    otelc__warn("contexts detached out of order; %u inner activation(s) "
                "undone as well",
                st->depth - scope.depth);
    rc = OTELC_ERR_STATE;
  }
  while (st->depth >= scope.depth)
    pop(st);
  return rc;
}

otelc_span *otelc_span_current(void) {
  otelc_span *span = NULL;
  otelc_span_context sc;
  otelc__tstate *ts = NULL;
  if (!otelc__current_parent(&span, &sc, &ts))
    return NULL;
  return span;
}

bool otelc_current_span_context(otelc_span_context *out) {
  otelc_span *span = NULL;
  otelc_span_context sc;
  otelc__tstate *ts = NULL;
  if (!otelc__current_parent(&span, &sc, &ts) ||
      !otelc_span_context_is_valid(&sc))
    return false;
  if (out)
    *out = sc;
  return true;
}
