/*
 * W3C Trace Context (Level 2): the traceparent parser and writer, and the
 * propagator that carries traceparent and tracestate.
 *
 *   traceparent = version "-" trace-id "-" parent-id "-" trace-flags
 *                 2 hex      32 hex       16 hex          2 hex
 *
 * All hex is lowercase. Version ff is invalid; version 00 is exactly 55
 * characters; a higher version is read by position (the version-00
 * fields, then either the end or "-" and whatever that version adds) and
 * written back as version 00. Only the sampled and random flags are kept.
 *
 * The parser is straight-line code: the ids are checked and decoded
 * several characters at a time, the version and flags through a lookup
 * table, and the verdict is taken once at the end. The rest of the
 * value is touched only to trim optional whitespace and to check what a
 * higher version appends.
 */
#include "propagation/propagation_internal.h"

#include <stdint.h>

/* SSE2 (every x86-64) decodes and encodes the ids sixteen characters at a
 * time; elsewhere 64-bit words do it eight at a time. */
#if defined(__SSE2__) && !defined(OTELC_NO_SIMD)
#define TP_SIMD 1
#include <emmintrin.h>
#else
#define TP_SIMD 0
#endif

#define TP_LEN OTELC_TRACEPARENT_LEN
#define TP_FLAGS_KNOWN (OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM)

static const char H_TRACEPARENT[] = "traceparent";
static const char H_TRACESTATE[] = "tracestate";

/* Lowercase hex digit -> 0x10 | value; anything else -> 0. AND-ing the
 * entries of a field keeps bit 4 only when every character is a digit. */
#define X(c, v) [c] = 0x10 | (v)
static const uint8_t tp_hex[256] = {
    X('0', 0),   X('1', 1),   X('2', 2),   X('3', 3),  X('4', 4),   X('5', 5),
    X('6', 6),   X('7', 7),   X('8', 8),   X('9', 9),  X('a', 0xa), X('b', 0xb),
    X('c', 0xc), X('d', 0xd), X('e', 0xe), X('f', 0xf)};
#undef X

static const char tp_digits[17] = "0123456789abcdef";

static inline bool tp_ows(uint8_t ch) {
  return ch == ' ' || ch == '\t';
}

/* Decode @p n bytes from 2n hex characters at @p s (used for the version
 * and the flags); returns the AND of the table entries, whose bit 4 is
 * clear if any character was not a digit. */
static inline unsigned tp_unhex(const uint8_t *s, size_t n, uint8_t *out) {
  unsigned ok = 0x10;
  for (size_t i = 0; i < n; i++) {
    unsigned hi = tp_hex[s[2 * i]], lo = tp_hex[s[2 * i + 1]];
    ok &= hi & lo;
    out[i] = (uint8_t)((hi << 4) | (lo & 0x0f));
  }
  return ok;
}

#if !TP_SIMD
/* The ids are decoded eight characters at a time in a 64-bit word. */
#define W_ONES 0x0101010101010101ull
#define W_HIGH 0x8080808080808080ull
#define W_LOW7 0x7f7f7f7f7f7f7f7full

static inline uint64_t tp_load8(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, sizeof x);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  x = __builtin_bswap64(x);
#endif
  return x; /* character i in bits 8i .. 8i+7 */
}

/* The high bit of each byte of @p x that lies in [lo, hi], for
 * 1 <= lo <= hi <= 0x7e; @p l7 is x & W_LOW7. No byte carries into the
 * next one: each sum stays within 0 .. 0xfe. */
static inline uint64_t tp_in_range(uint64_t x, uint64_t l7, unsigned lo,
                                   unsigned hi) {
  uint64_t ge = l7 + W_ONES * (0x80u - lo);
  uint64_t le = W_ONES * (0x80u + hi) - l7;
  return ge & le & ~x & W_HIGH;
}

/* Decode 8 lowercase hex characters at @p p into 4 bytes at @p out;
 * returns non-zero if any character is not one. @p any gets the OR of
 * the bytes. */
static inline uint64_t tp_hex8(const uint8_t *p, uint8_t *out, uint32_t *any) {
  uint64_t x = tp_load8(p);
  uint64_t l7 = x & W_LOW7;
  uint64_t ok = tp_in_range(x, l7, '0', '9') | tp_in_range(x, l7, 'a', 'f');
  /* '0'-'9' -> 0-9 and 'a'-'f' -> 1-6 + 9 */
  uint64_t v = (x & (W_ONES * 0x0f)) + ((x >> 6) & W_ONES) * 9;
  /* pair the nibbles into the even bytes, then pack those four */
  uint64_t t = ((v << 4) | (v >> 8)) & 0x00ff00ff00ff00ffull;
  t = (t | (t >> 8)) & 0x0000ffff0000ffffull;
  t = (t | (t >> 16)) & 0xffffffffull;
  out[0] = (uint8_t)t;
  out[1] = (uint8_t)(t >> 8);
  out[2] = (uint8_t)(t >> 16);
  out[3] = (uint8_t)(t >> 24);
  *any |= (uint32_t)t;
  return ok ^ W_HIGH;
}
#endif

#if TP_SIMD

/* Decode 16 lowercase hex characters at @p p into 8 bytes at @p out;
 * returns a bit per character, all 16 set when every one is a digit. */
static inline unsigned tp_hex16(const uint8_t *p, uint8_t *out) {
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                              _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
  __m128i af = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
                             _mm_cmplt_epi8(x, _mm_set1_epi8('f' + 1)));
  unsigned ok = (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, af));
  /* digits: c - '0'; letters: c - 'a' + 10 */
  __m128i v = _mm_sub_epi8(x, _mm_set1_epi8('0'));
  v = _mm_sub_epi8(v, _mm_and_si128(af, _mm_set1_epi8('a' - '0' - 10)));
  /* each 16-bit lane holds a pair: first digit low, second high */
  __m128i hi = _mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0x0f)), 4);
  __m128i lo = _mm_and_si128(_mm_srli_epi16(v, 8), _mm_set1_epi16(0x0f));
  __m128i b = _mm_or_si128(hi, lo);
  _mm_storel_epi64((__m128i *)(void *)out, _mm_packus_epi16(b, b));
  return ok;
}

/* 2n lowercase hex characters of the n (8 or 16) bytes at @p in. */
static inline void tp_put_hex16(char *o, const uint8_t *in) {
  __m128i x = _mm_loadu_si128((const __m128i *)(const void *)in);
  __m128i mask = _mm_set1_epi8(0x0f);
  __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), mask);
  __m128i lo = _mm_and_si128(x, mask);
  __m128i a = _mm_unpacklo_epi8(hi, lo), b = _mm_unpackhi_epi8(hi, lo);
  /* nibble -> '0'..'9', 'a'..'f' */
  __m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0');
  __m128i gap = _mm_set1_epi8('a' - '0' - 10);
  a = _mm_add_epi8(_mm_add_epi8(a, zero),
                   _mm_and_si128(_mm_cmpgt_epi8(a, nine), gap));
  b = _mm_add_epi8(_mm_add_epi8(b, zero),
                   _mm_and_si128(_mm_cmpgt_epi8(b, nine), gap));
  _mm_storeu_si128((__m128i *)(void *)o, a);
  _mm_storeu_si128((__m128i *)(void *)(o + 16), b);
}

static inline void tp_put_hex8(char *o, const uint8_t *in) {
  __m128i x = _mm_loadl_epi64((const __m128i *)(const void *)in);
  __m128i mask = _mm_set1_epi8(0x0f);
  __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), mask);
  __m128i lo = _mm_and_si128(x, mask);
  __m128i a = _mm_unpacklo_epi8(hi, lo);
  a = _mm_add_epi8(_mm_add_epi8(a, _mm_set1_epi8('0')),
                   _mm_and_si128(_mm_cmpgt_epi8(a, _mm_set1_epi8(9)),
                                 _mm_set1_epi8('a' - '0' - 10)));
  _mm_storeu_si128((__m128i *)(void *)o, a);
}
#endif

/* What a higher version may append after the flags: "-" and then
 * printable ASCII or tabs, without ',' (a comma means the carrier joined
 * two traceparent headers, and more than one is invalid). */
static bool tp_tail_ok(const uint8_t *s, size_t n) {
  if (s[0] != '-')
    return false;
  for (size_t i = 1; i < n; i++) {
    uint8_t ch = s[i];
    if (ch == ',' || ((ch < 0x20 || ch > 0x7e) && ch != '\t'))
      return false;
  }
  return true;
}

otelc_status otelc_traceparent_parse(const char *s, size_t len,
                                     otelc_span_context *out) {
  if (!s || !out)
    return OTELC_ERR_INVALID_ARG;
  const uint8_t *p = (const uint8_t *)s;
  const uint8_t *end = p + len;
  while (p < end && tp_ows(*p))
    p++;
  while (end > p && tp_ows(end[-1]))
    end--;
  size_t n = (size_t)(end - p);
  if (n < TP_LEN)
    return OTELC_ERR_PARSE;

  otelc_span_context sc;
  uint8_t version, flags;
  unsigned ok = tp_unhex(p, 1, &version) & tp_unhex(p + 53, 1, &flags);
#if TP_SIMD
  uint64_t bad =
      (tp_hex16(p + 3, sc.trace_id) & tp_hex16(p + 19, sc.trace_id + 8) &
       tp_hex16(p + 36, sc.span_id)) ^
      0xffffu;
  uint64_t t0, t1, s0;
  memcpy(&t0, sc.trace_id, 8);
  memcpy(&t1, sc.trace_id + 8, 8);
  memcpy(&s0, sc.span_id, 8);
  bool any_trace = (t0 | t1) != 0, any_span = s0 != 0;
#else
  uint32_t any_trace = 0, any_span = 0;
  uint64_t bad = tp_hex8(p + 3, sc.trace_id, &any_trace) |
                 tp_hex8(p + 11, sc.trace_id + 4, &any_trace) |
                 tp_hex8(p + 19, sc.trace_id + 8, &any_trace) |
                 tp_hex8(p + 27, sc.trace_id + 12, &any_trace) |
                 tp_hex8(p + 36, sc.span_id, &any_span) |
                 tp_hex8(p + 44, sc.span_id + 4, &any_span);
#endif
  if (!(ok & 0x10) || bad || p[2] != '-' || p[35] != '-' || p[52] != '-' ||
      !any_trace || !any_span || version == 0xff)
    return OTELC_ERR_PARSE;
  if (n != TP_LEN && (version == 0 || !tp_tail_ok(p + TP_LEN, n - TP_LEN)))
    return OTELC_ERR_PARSE;
  sc.trace_flags = flags & TP_FLAGS_KNOWN;
  sc.is_remote = true;
  *out = sc;
  return OTELC_OK;
}

#if !TP_SIMD
static inline char *tp_put_hex(char *o, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i++) {
    *o++ = tp_digits[in[i] >> 4];
    *o++ = tp_digits[in[i] & 0x0f];
  }
  return o;
}
#endif

size_t otelc_traceparent_format(const otelc_span_context *sc, char *out) {
  if (!out)
    return 0;
  if (!otelc_span_context_is_valid(sc)) {
    out[0] = '\0';
    return 0;
  }
  uint8_t flags = sc->trace_flags & TP_FLAGS_KNOWN;
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
#if TP_SIMD
  tp_put_hex16(out + 3, sc->trace_id);
  tp_put_hex8(out + 36, sc->span_id);
#else
  tp_put_hex(out + 3, sc->trace_id, 16);
  tp_put_hex(out + 36, sc->span_id, 8);
#endif
  out[35] = '-';
  out[52] = '-';
  out[53] = '0';
  out[54] = tp_digits[flags];
  out[55] = '\0';
  return TP_LEN;
}

/* ------------------------------------------------------------ propagator */

static otelc_status tc_inject(const otelc__ctx_view *v,
                              const otelc_carrier *c) {
  if (!c || !c->set)
    return OTELC_ERR_INVALID_ARG;
  if (!v || !v->has_sc)
    return OTELC_OK;
  char tp[TP_LEN + 1];
  if (otelc_traceparent_format(&v->sc, tp) == 0)
    return OTELC_OK;
  otelc_status st = c->set(c->self, H_TRACEPARENT, tp);
  if (st != OTELC_OK || !v->tracestate || v->tracestate_len == 0)
    return st;

  /* The context keeps its tracestate normalised but not NUL-terminated. */
  char ts[OTELC_TRACESTATE_MAX + 1];
  size_t n = v->tracestate_len;
  if (n <= OTELC_TRACESTATE_MAX) {
    memcpy(ts, v->tracestate, n);
    ts[n] = '\0';
  } else {
    long r = otelc_tracestate_normalize(v->tracestate, n, ts, sizeof ts);
    if (r <= 0)
      return OTELC_OK;
  }
  return c->set(c->self, H_TRACESTATE, ts);
}

static void tc_extract(otelc__extract_acc *acc, const otelc_carrier *c) {
  if (!acc || !c || !c->get)
    return;
  const char *tp = c->get(c->self, H_TRACEPARENT);
  if (!tp)
    return;
  otelc_span_context sc;
  if (otelc_traceparent_parse(tp, strlen(tp), &sc) != OTELC_OK)
    return; /* and tracestate is not looked at */

  /* A bad tracestate is dropped; the traceparent still counts. */
  char ts[OTELC_TRACESTATE_MAX + 1];
  size_t ts_len = 0;
  const char *raw = c->get(c->self, H_TRACESTATE);
  if (raw) {
    long r = otelc_tracestate_normalize(raw, strlen(raw), ts, sizeof ts);
    if (r > 0)
      ts_len = (size_t)r;
  }
  otelc__acc_set_span(acc, &sc, ts_len ? ts : NULL, ts_len, 0);
}

static const char *const tc_fields[] = {H_TRACEPARENT, H_TRACESTATE, NULL};

const otelc__prop_vtbl otelc__tracecontext_vtbl = {tc_inject, tc_extract,
                                                   tc_fields};
