/*
 * The small functions of the facade: scoped spans, the current ids, error
 * recording, and header propagation as plain strings. Each is a thin
 * layer over the public API; all are safe from any thread.
 */
#include <stdio.h>

#include "otelc/propagation.h"
#include "otelc/trace.h"
#include "setup/setup_internal.h"

/* ------------------------------------------------------- scoped spans -- */

/* Start a span (a child of the current one unless @p opts says
 * otherwise) and make it current. */
otelc_span_guard
otelc_span_guard_begin_opts(otelc_tracer *t, const char *name,
                            const otelc_span_start_opts *opts) {
  otelc_span_guard g;
  g.span = otelc_span_start(t, name, opts);
  g.scope = otelc_span_activate(g.span);
  g.state = 0;
  return g;
}

/* The same without options; not a call to the above, which an exported
 * symbol could not be inlined into. */
otelc_span_guard otelc_span_guard_begin(otelc_tracer *t, const char *name) {
  otelc_span_guard g;
  g.span = otelc_span_start(t, name, NULL);
  g.scope = otelc_span_activate(g.span);
  g.state = 0;
  return g;
}

/* Restore what was current before, then end the span. Runs once: the
 * guard forgets its span. */
void otelc_span_guard_end(otelc_span_guard *g) {
  if (!g || !g->span)
    return;
  otelc_context_detach(g->scope);
  otelc_span_end(g->span);
  g->span = NULL;
}

/* ---------------------------------------------------------------- ids -- */

bool otelc_current_trace_id(char out[33]) {
  otelc_span_context sc;
  if (!otelc_current_span_context(&sc)) {
    out[0] = '\0';
    return false;
  }
  otelc_trace_id_to_hex(sc.trace_id, out);
  return true;
}

bool otelc_current_span_id(char out[17]) {
  otelc_span_context sc;
  if (!otelc_current_span_context(&sc)) {
    out[0] = '\0';
    return false;
  }
  otelc_span_id_to_hex(sc.span_id, out);
  return true;
}

/* -------------------------------------------------------------- errors -- */

void otelc_record_error(otelc_span *s, const char *type, const char *message,
                        otelc_counter *errors) {
  if (!s)
    s = otelc_span_current();
  if (s) {
    otelc_span_record_exception(s, type, message, NULL, NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, message ? message : type);
  }
  if (errors)
    /* "_OTHER" is the semantic conventions' value for an unknown type. */
    otelc_counter_add(
        errors, 1,
        OTELC_ATTRS(OTELC_STR("error.type", type && *type ? type : "_OTHER")));
}

/* --------------------------------------------------------- propagation -- */

size_t otelc_inject_header_lines(char **lines, size_t cap) {
  if (!lines || cap == 0)
    return 0;
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  otelc_inject(&kv.carrier);
  size_t n = 0;
  for (size_t i = 0; i < kv.count && n < cap; i++) {
    size_t len = strlen(kv.items[i].key) + strlen(kv.items[i].value) + 3;
    char *line = otelc__malloc(len); /* plain malloc: free() frees it */
    if (!line)
      break;
    snprintf(line, len, "%s: %s", kv.items[i].key, kv.items[i].value);
    lines[n++] = line;
  }
  otelc_kv_carrier_clear(&kv);
  return n;
}

otelc_context *otelc_extract_headers(const char *const *names,
                                     const char *const *values, size_t n) {
  if (!names || !values)
    return NULL;
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  for (size_t i = 0; i < n; i++)
    if (names[i] && values[i] &&
        otelc_kv_carrier_add(&kv, names[i], values[i]) != OTELC_OK)
      break; /* limits reached: use what fits */
  otelc_context *ctx = otelc_extract(&kv.carrier);
  otelc_kv_carrier_clear(&kv);
  return ctx;
}
