/*
 * The OTLP/JSON writer shared by the encoders (traces in otlp_json.c,
 * metrics in otlp_metrics_json.c, logs in otlp_logs_json.c): the proto3 JSON
 * mapping with OTLP's changes (hex ids, integer enums, lowerCamelCase names),
 * written forwards into a growable buffer.
 *
 * Writing allocates nothing but the output buffer's growth. Failures
 * (no memory, the request limit) are sticky: they set b->failed, later
 * writes do nothing, and the encoder checks once at the end.
 *
 * Every string is escaped for JSON and made valid UTF-8: each ill-formed
 * sequence (stray continuation bytes, overlong forms, UTF-16 surrogates,
 * code points past U+10FFFF, truncated sequences) becomes one U+FFFD per
 * maximal invalid subpart, as the Unicode standard recommends, so that a
 * receiver never rejects the request for its strings.
 *
 * Thread safety: a writer belongs to one thread; the functions keep no
 * state of their own.
 */
#ifndef OTELC_SRC_EXPORT_OTLP_JSON_WRITE_H
#define OTELC_SRC_EXPORT_OTLP_JSON_WRITE_H

#include "common/attrs.h"
#include "export/otlp/otlp_internal.h"

typedef struct otelc__jw {
  otelc__buf *b;
  bool limit; /* a reservation failed because of the size limit */
} otelc__jw;

/* Room for @p k more bytes past b->len; false (b->failed set) when memory
 * ran out or the request limit would pass (then w->limit too). */
bool otelc__jw_grow(otelc__jw *w, size_t k);

/* A single item larger than any request: refused as the limit. */
void otelc__json_too_big(otelc__jw *w);

/* The status of a failed write: OTELC_ERR_LIMIT or OTELC_ERR_NOMEM. */
static inline otelc_status jw_failure(const otelc__jw *w) {
  return w->limit ? OTELC_ERR_LIMIT : OTELC_ERR_NOMEM;
}

/* Room for @p k more bytes. */
static inline bool jw_room(otelc__jw *w, size_t k) {
  return OTELC__LIKELY(w->b->cap - w->b->len >= k) || otelc__jw_grow(w, k);
}

static inline void jw_put(otelc__jw *w, const void *p, size_t k) {
  if (jw_room(w, k)) {
    memcpy(w->b->data + w->b->len, p, k);
    w->b->len += k;
  }
}

static inline void jw_putc(otelc__jw *w, char c) {
  if (jw_room(w, 1))
    w->b->data[w->b->len++] = (uint8_t)c;
}

/* A string literal (keys and punctuation). */
#define JW_LIT(w, s) jw_put((w), (s), sizeof(s) - 1)

/* An unsigned integer as a JSON number (32-bit fields, enums). */
void otelc__json_u64(otelc__jw *w, uint64_t v);
/* 64-bit integers as proto3 JSON wants them: quoted decimals. */
void otelc__json_u64_str(otelc__jw *w, uint64_t v);
void otelc__json_i64_str(otelc__jw *w, int64_t v);
/* A double: the shortest decimal that reads back as @p d; "NaN",
 * "Infinity" and "-Infinity" as strings. Locale-independent. */
void otelc__json_double(otelc__jw *w, double d);
/* "<lowercase hex>" of an id of @p n bytes (a multiple of four). */
void otelc__json_hex(otelc__jw *w, const uint8_t *id, size_t n);
/* "<standard base64 with padding>" of @p n bytes. */
void otelc__json_b64(otelc__jw *w, const uint8_t *p, size_t n);
/* A JSON string holding s[0..n) (NULL: ""), escaped and made valid
 * UTF-8. */
void otelc__json_str(otelc__jw *w, const char *s, size_t n);
void otelc__json_cstr(otelc__jw *w, const char *s);
/* An AnyValue object. */
void otelc__json_value(otelc__jw *w, const otelc_value *v, unsigned depth);
/* The members of a repeated KeyValue, without the brackets. */
void otelc__json_attrs(otelc__jw *w, const otelc_attr *a, size_t n,
                       unsigned depth);
/* ,"attributes":[...] when there are any, and ,"droppedAttributesCount"
 * when some were dropped. */
void otelc__json_attr_field(otelc__jw *w, const otelc_attr *a, size_t n,
                            uint32_t dropped);
/* "resource":{...} of @p r (its attributes). */
void otelc__json_resource(otelc__jw *w, const otelc_resource *r);
/* "scope":{...} of @p sc (name, version, attributes; NULL: {}). */
void otelc__json_scope(otelc__jw *w, const otelc_scope_info *sc);
/* ,"schemaUrl":"..." when @p url is not empty. */
void otelc__json_schema_url(otelc__jw *w, const char *url);

#endif /* OTELC_SRC_EXPORT_OTLP_JSON_WRITE_H */
