/* The per-thread stack of active contexts, and context values. */
#include <stddef.h>

#include "common/blocks.h"
#include "common/tls.h"
#include "propagation/propagation_internal.h"
#include "trace/trace_internal.h"

struct otelc_context {
  _Atomic uint32_t refs;
  bool has_remote;
  uint8_t prop_flags;        /* of the remote context */
  otelc_span *span;          /* referenced, or NULL */
  otelc_span_context remote; /* valid when span is NULL and has_remote */
  otelc__tstate *tracestate; /* of the remote context */
  otelc_baggage *baggage;    /* referenced, or NULL */
};

#define STACK_MAX 256

typedef struct frame {
  otelc_span *span;   /* span activated directly (referenced) */
  otelc_context *ctx; /* or context activated (referenced) */
  uint32_t check;
} frame;

/* A thread's active contexts; allocated on its first activation and
 * freed when it exits. */
typedef struct otelc__ctx_stack {
  uint32_t depth;
  uint32_t serial;
  frame frames[STACK_MAX];
} stack;
_Static_assert(offsetof(stack, depth) == 0,
               "otelc__ctx_depth reads the depth as the stack's first member");

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
static void stack_init(void) {
  otelc__tls_on_exit(stack_exit);
}

/* The calling thread's stack, or NULL if it has none (nothing active). */
static inline stack *get_stack(void) {
  return otelc__tls_data.stack;
}

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

bool otelc__context_parent(const otelc_context *ctx, otelc__parent *out) {
  if (!ctx)
    return false;
  if (ctx->span && !otelc__span_is_noop(ctx->span)) {
    out->span = ctx->span;
    out->sc = ctx->span->ctx;
    out->ts = ctx->span->tracestate;
    out->prop_flags = ctx->span->prop_flags;
    return otelc_span_context_is_valid(&out->sc);
  }
  if (ctx->has_remote) {
    out->span = NULL;
    out->sc = ctx->remote;
    out->ts = ctx->tracestate;
    out->prop_flags = ctx->prop_flags;
    return true;
  }
  return false;
}

bool otelc__current_parent(otelc__parent *out) {
  stack *st = get_stack();
  if (!st)
    return false;
  for (uint32_t i = st->depth; i-- > 0;) {
    frame *f = &st->frames[i];
    if (f->span) {
      out->span = f->span;
      out->sc = f->span->ctx;
      out->ts = f->span->tracestate;
      out->prop_flags = f->span->prop_flags;
      return true;
    }
    /* A context frame decides: its span, or nothing (an empty context
     * hides what is below it). */
    return otelc__context_parent(f->ctx, out);
  }
  return false;
}

/* The baggage of the innermost context frame: span activations keep the
 * baggage of the context they were activated in. */
static otelc_baggage *current_baggage(void) {
  stack *st = get_stack();
  for (uint32_t i = st ? st->depth : 0; i-- > 0;)
    if (st->frames[i].ctx)
      return st->frames[i].ctx->baggage;
  return NULL;
}

_Static_assert(sizeof(struct otelc_context) <=
                   OTELC__BLOCK_SIZE(OTELC__BLOCK_64),
               "a context must fit a small block");

static otelc_context *ctx_new(void) {
  otelc_context *c = otelc__block_alloc(OTELC__BLOCK_64);
  if (c) {
    memset(c, 0, sizeof *c);
    atomic_init(&c->refs, 1);
  }
  return c;
}

otelc_context *otelc_context_current(void) {
  otelc__parent par;
  bool has = otelc__current_parent(&par);
  otelc_baggage *bg = current_baggage();
  if (!has && !bg)
    return NULL;
  otelc_context *c = ctx_new();
  if (!c)
    return NULL;
  if (has && par.span) {
    otelc__span_ref(par.span);
    c->span = par.span;
  } else if (has) {
    c->remote = par.sc;
    c->has_remote = true;
    c->tracestate = otelc__tstate_ref(par.ts);
    c->prop_flags = par.prop_flags;
  }
  c->baggage = otelc_baggage_ref(bg);
  return c;
}

otelc_context *otelc_context_with_span(const otelc_context *parent,
                                       otelc_span *span) {
  otelc_context *c = ctx_new();
  if (!c)
    return NULL;
  if (span && !otelc__span_is_noop(span)) {
    otelc__span_ref(span);
    c->span = span;
  }
  c->baggage = otelc_baggage_ref(parent ? parent->baggage : NULL);
  return c;
}

otelc_context *otelc__context_derive(const otelc_context *base,
                                     const otelc_span_context *remote,
                                     const char *ts, size_t ts_len,
                                     uint8_t prop_flags, bool set_baggage,
                                     otelc_baggage *baggage) {
  otelc_context *c = ctx_new();
  if (!c)
    return NULL;
  if (remote) {
    c->remote = *remote;
    c->remote.is_remote = true;
    c->has_remote = true;
    c->prop_flags = prop_flags;
    if (ts_len && !(c->tracestate = otelc__tstate_new(ts, ts_len))) {
      otelc__block_free(c, OTELC__BLOCK_64);
      return NULL;
    }
  } else if (base) {
    if (base->span)
      otelc__span_ref(c->span = base->span);
    c->remote = base->remote;
    c->has_remote = base->has_remote;
    c->prop_flags = base->prop_flags;
    c->tracestate = otelc__tstate_ref(base->tracestate);
  }
  c->baggage = otelc_baggage_ref(set_baggage ? baggage
                                 : base      ? base->baggage
                                             : NULL);
  return c;
}

otelc_context *otelc_context_with_remote(const otelc_context *parent,
                                         const otelc_span_context *sc,
                                         const char *tracestate) {
  if (!otelc_span_context_is_valid(sc))
    return NULL;
  return otelc__context_derive(parent, sc, tracestate,
                               tracestate ? strlen(tracestate) : 0, 0, false,
                               NULL);
}

otelc_context *otelc_context_with_baggage(const otelc_context *parent,
                                          otelc_baggage *b) {
  return otelc__context_derive(parent, NULL, NULL, 0, 0, true, b);
}

const otelc_baggage *otelc_context_baggage(const otelc_context *ctx) {
  return ctx ? ctx->baggage : NULL;
}

const otelc_baggage *otelc_baggage_current(void) {
  return current_baggage();
}

void otelc__context_view(const otelc_context *ctx, otelc__ctx_view *out) {
  otelc__parent par;
  bool has =
      ctx ? otelc__context_parent(ctx, &par) : otelc__current_parent(&par);
  out->has_sc = has && otelc_span_context_is_valid(&par.sc);
  if (out->has_sc) {
    out->sc = par.sc;
    out->prop_flags = par.prop_flags;
    out->tracestate = par.ts ? par.ts->s : NULL;
    out->tracestate_len = par.ts ? par.ts->len : 0;
  } else {
    out->prop_flags = 0;
    out->tracestate = NULL;
    out->tracestate_len = 0;
  }
  out->baggage = ctx ? ctx->baggage : current_baggage();
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
  otelc_baggage_release(ctx->baggage);
  otelc__block_free(ctx, OTELC__BLOCK_64);
}

otelc_span *otelc_context_span(const otelc_context *ctx) {
  return ctx ? ctx->span : NULL;
}

bool otelc_context_span_context(const otelc_context *ctx,
                                otelc_span_context *out) {
  otelc__parent par;
  if (!otelc__context_parent(ctx, &par))
    return false;
  if (out)
    *out = par.sc;
  return true;
}

const char *otelc_context_tracestate(const otelc_context *ctx) {
  otelc__parent par;
  if (!otelc__context_parent(ctx, &par) || !par.ts)
    return NULL;
  return par.ts->s;
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
  otelc_context *held =
      ctx ? otelc_context_ref(ctx) : (otelc_context *)&empty_ctx;
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
  otelc__parent par;
  return otelc__current_parent(&par) ? par.span : NULL;
}

bool otelc_current_span_context(otelc_span_context *out) {
  otelc__parent par;
  if (!otelc__current_parent(&par) || !otelc_span_context_is_valid(&par.sc))
    return false;
  if (out)
    *out = par.sc;
  return true;
}
