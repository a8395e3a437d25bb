/* Emitting a record: filters, copying the caller's data into a pooled
 * record, trace correlation, and handing it to the processors. */
#include "logs/logs_internal.h"
#include "trace/trace_internal.h"

/* The span context a record belongs to: @p ctx's, or else the current
 * one. False when there is none (or it is not valid). */
static inline bool correlate(const otelc_context *ctx, otelc__parent *par) {
  bool has = ctx ? otelc__context_parent(ctx, par) : otelc__current_parent(par);
  if (!has)
    return false;
  uint64_t span, t1, t2;
  memcpy(&span, par->sc.span_id, 8);
  memcpy(&t1, par->sc.trace_id, 8);
  memcpy(&t2, par->sc.trace_id + 8, 8);
  return span != 0 && (t1 | t2) != 0;
}

/* The logger's provider, following a global proxy; NULL when nothing
 * would be kept (no provider, no processors, shut down). */
static inline otelc_logger_provider *live_provider(otelc_logger **lp) {
  otelc_logger *l = *lp;
  if (!l->provider && !(l = otelc__logger_resolve(l)))
    return NULL;
  otelc_logger_provider *p = l->provider;
  if (OTELC__UNLIKELY(p->n_procs == 0 ||
                      atomic_load_explicit(&p->shut, memory_order_relaxed)))
    return NULL;
  *lp = l;
  return p;
}

/* Set @p key to @p s unless the record already has it. */
static otelc_status set_unless_present(otelc_log_record *r, const char *key,
                                       const char *s) {
  if (!s || otelc__attr_list_find(&r->attrs, key) >= 0)
    return OTELC_OK;
  otelc_status st = otelc__attr_list_set_str(
      &r->attrs, &r->arena, key, s, OTELC_NTS, r->max_attrs, r->max_chars);
  return st == OTELC_ERR_NOMEM ? st : OTELC_OK;
}

static inline const char *copy_str(otelc_log_record *r, const char *s,
                                   otelc_status *st) {
  if (!s)
    return NULL;
  char *d = otelc__arena_strndup(&r->arena, s, strlen(s));
  if (!d)
    *st = OTELC_ERR_NOMEM;
  return d;
}

/* Copy everything of @p rec into @p r. Returns OTELC_OK, OTELC_ERR_NOMEM
 * or OTELC_ERR_INVALID_ARG (a body of unknown type). */
static otelc_status fill(otelc_log_record *r, const otelc_log_emit *rec) {
  otelc_log_data *d = &r->data;
  otelc_status st = OTELC_OK;
  d->timestamp = rec->timestamp;
  d->observed_timestamp =
      rec->observed_timestamp ? rec->observed_timestamp : otelc_time_now();
  d->severity = rec->severity;
  d->severity_text = copy_str(r, rec->severity_text, &st);
  d->event_name = copy_str(r, rec->event_name, &st);
  /* Strings, the usual body, are copied here; other values deeply. */
  const char *str = rec->body_str;
  size_t len = OTELC_NTS;
  if (rec->body &&
      (rec->body->type != OTELC_VALUE_STRING || !rec->body->u.str)) {
    bool cut = false; /* attribute limits do not apply to the body */
    otelc_status bs =
        otelc__value_copy(&r->arena, &d->body, rec->body, UINT32_MAX, &cut);
    if (bs != OTELC_OK)
      return bs;
    str = NULL;
  } else if (rec->body) {
    str = rec->body->u.str;
    len = rec->body->len;
  } else if (!str) {
    d->body = (otelc_value){OTELC_VALUE_EMPTY, 0, {.i = 0}};
  }
  if (str) {
    if (len == OTELC_NTS)
      len = strlen(str);
    char *s = otelc__arena_bytes(&r->arena, len + 1);
    if (!s)
      return OTELC_ERR_NOMEM;
    memcpy(s, str, len);
    s[len] = '\0';
    d->body = (otelc_value){OTELC_VALUE_STRING, len, {.str = s}};
  }
  if (rec->n_attrs && st == OTELC_OK)
    st = otelc__log_record_add_attrs(r, rec->attrs, rec->n_attrs);
  if (OTELC__UNLIKELY(rec->exception_type || rec->exception_message ||
                      rec->exception_stacktrace) &&
      st == OTELC_OK) {
    /* The caller's own exception.* attributes win. */
    st = set_unless_present(r, "exception.type", rec->exception_type);
    if (st == OTELC_OK)
      st = set_unless_present(r, "exception.message", rec->exception_message);
    if (st == OTELC_OK)
      st = set_unless_present(r, "exception.stacktrace",
                              rec->exception_stacktrace);
  }
  return st;
}

otelc_status otelc_logger_emit(otelc_logger *l, const otelc_log_emit *rec) {
  if (OTELC__UNLIKELY(!l || !rec || (rec->n_attrs && !rec->attrs) ||
                      rec->severity < 0 || rec->severity > 24))
    return OTELC_ERR_INVALID_ARG;
  otelc_logger_provider *p = live_provider(&l);
  if (!p || !otelc__log_severity_passes(p, rec->severity))
    return OTELC_OK;
  otelc__parent par;
  bool has = correlate(rec->context, &par);
  if (p->trace_based && has && !(par.sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED))
    return OTELC_OK;

  otelc_log_record *r = otelc__log_record_alloc();
  if (OTELC__UNLIKELY(!r))
    return OTELC_ERR_NOMEM;
  r->frozen = false;
  r->warned = false;
  r->max_attrs = p->limits.attr_count;
  r->max_chars = p->limits.attr_value_length;
  /* An empty arena over the inline bytes and an empty list over the
   * inline slots (what otelc__arena_init and otelc__attr_list_init set,
   * without two calls per record). */
  r->arena =
      (otelc__arena){.cur = r->inline_bytes, .left = sizeof r->inline_bytes};
  r->attrs = (otelc__attr_list){.items = r->inline_attrs,
                                .hashes = r->inline_hashes,
                                .cap = OTELC__LOG_INLINE_ATTRS};
  otelc_log_data *d = &r->data;
  if (has) {
    memcpy(d->trace_id, par.sc.trace_id, 16);
    memcpy(d->span_id, par.sc.span_id, 8);
    d->trace_flags = par.sc.trace_flags;
  } else {
    memset(d->trace_id, 0, 16);
    memset(d->span_id, 0, 8);
    d->trace_flags = 0;
  }
  d->scope = &l->scope;
  d->resource = p->resource;
  otelc_status st = fill(r, rec);
  otelc__log_record_sync(r);
  if (OTELC__UNLIKELY(st != OTELC_OK)) {
    atomic_store_explicit(&r->refs, 1, memory_order_relaxed);
    otelc__log_record_unref(r);
    return st;
  }
  /* One reference per processor, each consumed by its on_emit. Nobody
   * else can see the record yet: a plain store. */
  size_t n = p->n_procs;
  atomic_store_explicit(&r->refs, (uint32_t)n, memory_order_relaxed);
  for (size_t i = 0; i < n; i++)
    p->procs[i]->vt->on_emit(p->procs[i], r, rec->context);
  return OTELC_OK;
}

bool otelc_logger_enabled(const otelc_logger *cl, int severity,
                          const char *event_name) {
  (void)event_name; /* no processor filters by event name */
  if (!cl)
    return false;
  otelc_logger *l = (otelc_logger *)cl;
  otelc_logger_provider *p = live_provider(&l);
  if (!p || !otelc__log_severity_passes(p, severity))
    return false;
  if (p->trace_based) {
    otelc__parent par;
    if (correlate(NULL, &par) &&
        !(par.sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED))
      return false;
  }
  return true;
}
