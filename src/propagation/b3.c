/*
 * B3 propagation (openzipkin/b3-propagation), single header "b3" and
 * multi headers "x-b3-*".
 *
 * Extraction is the same for both propagators: the single header first,
 * then, when it is absent, invalid or carries no ids, the multi headers.
 * Every field is checked before anything is recorded, so a malformed
 * header never yields a half-parsed context. When a header repeats, the
 * carrier joins its values with ','; B3 says the first value wins.
 *
 * Injection differs: the single propagator writes "b3", the multi one
 * writes X-B3-TraceId, X-B3-SpanId and X-B3-Sampled or X-B3-Flags (never
 * X-B3-ParentSpanId), all with lowercase names.
 *
 * Sampling state: "1" sets the sampled flag, "0" clears it, debug ("d" or
 * X-B3-Flags: 1) sets it and is kept as OTELC__PROP_B3_DEBUG so that it is
 * propagated onwards. An absent state means "defer": B3 leaves the
 * decision to the receiver, and a remote span context has no third state,
 * so the sampled flag is left clear and the parent-based sampler treats
 * the parent as not sampled (a deployment that wants deferred requests
 * sampled configures its sampler for it). The random flag is never set:
 * B3 makes no promise about how its trace ids were generated.
 */
#include "propagation/propagation_internal.h"

#include <stdint.h>

#define B3_TRACE_HEX 32
#define B3_TRACE_HEX_SHORT 16
#define B3_SPAN_HEX 16

static const char H_SINGLE[] = "b3";
static const char H_TRACE[] = "x-b3-traceid";
static const char H_SPAN[] = "x-b3-spanid";
static const char H_SAMPLED[] = "x-b3-sampled";
static const char H_FLAGS[] = "x-b3-flags";
static const char H_PARENT[] = "x-b3-parentspanid";

/* What a sampling field said. */
typedef enum b3_sampling { B3_DEFER, B3_DENY, B3_ACCEPT, B3_DEBUG } b3_sampling;

/* A header value cut to its first comma-separated member, without the
 * spaces and tabs HTTP allows around it. */
typedef struct b3_field {
  const char *p;
  size_t len;
} b3_field;

static bool b3_get(const otelc_carrier *c, const char *key, b3_field *out) {
  const char *v = c->get(c->self, key);
  if (!v)
    return false;
  const char *end = strchr(v, ',');
  if (!end)
    end = v + strlen(v);
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  out->p = v;
  out->len = (size_t)(end - v);
  return true;
}

static inline int b3_nibble(char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1; /* B3 ids are lowercase hex only */
}

/* Decode exactly 2 * n lowercase hex digits into @p out; false if any is
 * not one or if every byte is zero. */
static bool b3_unhex(const char *s, size_t n, uint8_t *out) {
  uint8_t any = 0;
  for (size_t i = 0; i < n; i++) {
    int hi = b3_nibble(s[2 * i]), lo = b3_nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi << 4 | lo);
    any |= out[i];
  }
  return any != 0;
}

/* A trace id of 32 hex digits, or of 16 left-padded with zeros. */
static bool b3_trace_id(const char *s, size_t len, uint8_t out[16]) {
  if (len == B3_TRACE_HEX)
    return b3_unhex(s, 16, out);
  if (len == B3_TRACE_HEX_SHORT) {
    memset(out, 0, 8);
    return b3_unhex(s, 8, out + 8);
  }
  return false;
}

static bool b3_span_id(const char *s, size_t len, uint8_t out[8]) {
  return len == B3_SPAN_HEX && b3_unhex(s, 8, out);
}

/* Finish a span context and record it. */
static void b3_record(otelc__extract_acc *acc, otelc_span_context *sc,
                      b3_sampling sampling) {
  uint8_t prop = 0;
  sc->trace_flags = 0;
  if (sampling == B3_ACCEPT || sampling == B3_DEBUG)
    sc->trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  if (sampling == B3_DEBUG)
    prop = OTELC__PROP_B3_DEBUG;
  sc->is_remote = true;
  otelc__acc_set_span(acc, sc, NULL, 0, prop);
}

/* Parse "{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]". True
 * with @p sc filled when the value carries a valid context; false when it
 * is malformed or only a sampling state. */
static bool b3_parse_single(const b3_field *f, otelc_span_context *sc,
                            b3_sampling *sampling) {
  const char *s = f->p;
  size_t len = f->len;
  const char *dash = memchr(s, '-', len);
  if (!dash)
    return false; /* also a lone sampling state: no ids to continue */
  size_t tlen = (size_t)(dash - s);
  if (!b3_trace_id(s, tlen, sc->trace_id))
    return false;
  size_t pos = tlen + 1;
  if (len - pos < B3_SPAN_HEX || !b3_span_id(s + pos, B3_SPAN_HEX, sc->span_id))
    return false;
  pos += B3_SPAN_HEX;
  *sampling = B3_DEFER;
  if (pos == len)
    return true;
  /* "-" and a one-character sampling state */
  if (len - pos < 2 || s[pos] != '-')
    return false;
  switch (s[pos + 1]) {
  case '1':
    *sampling = B3_ACCEPT;
    break;
  case '0':
    *sampling = B3_DENY;
    break;
  case 'd':
    *sampling = B3_DEBUG;
    break;
  default:
    return false;
  }
  pos += 2;
  if (pos == len)
    return true;
  /* "-" and a parent span id, checked but not used */
  uint8_t parent[8];
  return len - pos == 1 + B3_SPAN_HEX && s[pos] == '-' &&
         b3_span_id(s + pos + 1, B3_SPAN_HEX, parent);
}

static bool b3_extract_single(otelc__extract_acc *acc, const otelc_carrier *c) {
  b3_field f;
  otelc_span_context sc;
  b3_sampling sampling;
  memset(&sc, 0, sizeof sc);
  if (!b3_get(c, H_SINGLE, &f) || !b3_parse_single(&f, &sc, &sampling))
    return false;
  b3_record(acc, &sc, sampling);
  return true;
}

static bool b3_field_is(const b3_field *f, const char *lit) {
  size_t n = strlen(lit);
  return f->len == n && memcmp(f->p, lit, n) == 0;
}

static void b3_extract_multi(otelc__extract_acc *acc, const otelc_carrier *c) {
  b3_field f;
  otelc_span_context sc;
  b3_sampling sampling = B3_DEFER;
  memset(&sc, 0, sizeof sc);
  if (!b3_get(c, H_TRACE, &f) || !b3_trace_id(f.p, f.len, sc.trace_id))
    return;
  if (!b3_get(c, H_SPAN, &f) || !b3_span_id(f.p, f.len, sc.span_id))
    return;
  if (b3_get(c, H_SAMPLED, &f)) {
    /* "true" and "false" come from older senders; B3 asks receivers to
     * accept them. */
    if (b3_field_is(&f, "1") || b3_field_is(&f, "true"))
      sampling = B3_ACCEPT;
    else if (b3_field_is(&f, "0") || b3_field_is(&f, "false"))
      sampling = B3_DENY;
    else
      return;
  }
  if (b3_get(c, H_FLAGS, &f)) {
    if (b3_field_is(&f, "1"))
      sampling = B3_DEBUG; /* debug implies accept, whatever Sampled says */
    else if (!b3_field_is(&f, "0"))
      return;
  }
  if (b3_get(c, H_PARENT, &f)) {
    uint8_t parent[8];
    if (!b3_span_id(f.p, f.len, parent))
      return;
  }
  b3_record(acc, &sc, sampling);
}

static void b3_extract(otelc__extract_acc *acc, const otelc_carrier *c) {
  if (!acc || !c || !c->get)
    return;
  if (!b3_extract_single(acc, c))
    b3_extract_multi(acc, c);
}

/* The span context to write, or NULL when there is none. */
static const otelc_span_context *b3_inject_sc(const otelc__ctx_view *v) {
  if (!v || !v->has_sc || !otelc_span_context_is_valid(&v->sc))
    return NULL;
  return &v->sc;
}

static inline bool b3_debug(const otelc__ctx_view *v) {
  return (v->prop_flags & OTELC__PROP_B3_DEBUG) != 0;
}

static otelc_status b3_inject_single(const otelc__ctx_view *v,
                                     const otelc_carrier *c) {
  if (!c || !c->set)
    return OTELC_ERR_INVALID_ARG;
  const otelc_span_context *sc = b3_inject_sc(v);
  if (!sc)
    return OTELC_OK;
  /* trace id, '-', span id, '-', state, NUL */
  char buf[B3_TRACE_HEX + 1 + B3_SPAN_HEX + 2 + 1];
  char *p = buf;
  otelc_trace_id_to_hex(sc->trace_id, p);
  p += B3_TRACE_HEX;
  *p++ = '-';
  otelc_span_id_to_hex(sc->span_id, p);
  p += B3_SPAN_HEX;
  *p++ = '-';
  if (b3_debug(v))
    *p++ = 'd';
  else
    *p++ = (sc->trace_flags & OTELC_TRACE_FLAG_SAMPLED) ? '1' : '0';
  *p = '\0';
  return c->set(c->self, H_SINGLE, buf);
}

static otelc_status b3_inject_multi(const otelc__ctx_view *v,
                                    const otelc_carrier *c) {
  if (!c || !c->set)
    return OTELC_ERR_INVALID_ARG;
  const otelc_span_context *sc = b3_inject_sc(v);
  if (!sc)
    return OTELC_OK;
  char trace[B3_TRACE_HEX + 1], span[B3_SPAN_HEX + 1];
  otelc_trace_id_to_hex(sc->trace_id, trace);
  otelc_span_id_to_hex(sc->span_id, span);
  otelc_status st = c->set(c->self, H_TRACE, trace);
  if (st == OTELC_OK)
    st = c->set(c->self, H_SPAN, span);
  if (st != OTELC_OK)
    return st;
  /* Debug implies accept: B3 asks senders not to add Sampled to it. */
  if (b3_debug(v))
    return c->set(c->self, H_FLAGS, "1");
  return c->set(c->self, H_SAMPLED,
                (sc->trace_flags & OTELC_TRACE_FLAG_SAMPLED) ? "1" : "0");
}

static const char *const b3_single_fields[] = {H_SINGLE, NULL};
static const char *const b3_multi_fields[] = {H_TRACE, H_SPAN, H_SAMPLED,
                                              H_FLAGS, NULL};

const otelc__prop_vtbl otelc__b3_single_vtbl = {
    .inject = b3_inject_single,
    .extract = b3_extract,
    .fields = b3_single_fields,
};

const otelc__prop_vtbl otelc__b3_multi_vtbl = {
    .inject = b3_inject_multi,
    .extract = b3_extract,
    .fields = b3_multi_fields,
};
