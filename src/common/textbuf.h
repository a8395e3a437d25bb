/*
 * A growable text buffer and the human-readable forms of values used by
 * the console outputs: keys bare when they can be, strings quoted with
 * quotes, backslashes and control characters escaped and invalid UTF-8
 * bytes shown as \xNN, numbers as printf prints them, byte strings as
 * 0x<hex>, arrays as [a, b] and maps as {k=v, k=v}. These are the forms
 * the span console exporter prints. Not thread-safe: one buffer per
 * writer.
 */
#ifndef OTELC_SRC_COMMON_TEXTBUF_H
#define OTELC_SRC_COMMON_TEXTBUF_H

#include "common/internal.h"

typedef struct otelc__tbuf {
  char *p;
  size_t len, cap;
  bool oom; /* an append failed: the content is incomplete */
} otelc__tbuf;

/* Room for @p more bytes plus a NUL; false (and b->oom) when memory ran
 * out. The buffer keeps its memory when emptied (len = 0). */
bool otelc__tbuf_grow(otelc__tbuf *b, size_t more);
static inline bool otelc__tbuf_reserve(otelc__tbuf *b, size_t more) {
  if (OTELC__LIKELY(!b->oom && b->len + more < b->cap))
    return true;
  return otelc__tbuf_grow(b, more);
}
static inline void otelc__tbuf_put(otelc__tbuf *b, const char *s, size_t n) {
  if (otelc__tbuf_reserve(b, n)) {
    memcpy(b->p + b->len, s, n);
    b->len += n;
  }
}
static inline void otelc__tbuf_putc(otelc__tbuf *b, char c) {
  if (otelc__tbuf_reserve(b, 1))
    b->p[b->len++] = c;
}
static inline void otelc__tbuf_puts(otelc__tbuf *b, const char *s) {
  otelc__tbuf_put(b, s, strlen(s));
}
void otelc__tbuf_printf(otelc__tbuf *b, const char *fmt, ...)
    OTELC_PRINTF(2, 3);
/* Lowercase hex of n bytes. */
void otelc__tbuf_hex(otelc__tbuf *b, const uint8_t *in, size_t n);
/* Free the memory and zero the buffer. */
void otelc__tbuf_free(otelc__tbuf *b);

/* s[0..len) with quotes (when @p quote), backslashes and control
 * characters escaped and invalid UTF-8 bytes as \xNN, in quotes when
 * @p quote. */
void otelc__tbuf_escaped(otelc__tbuf *b, const char *s, size_t len, bool quote);
/* Free text on a line of its own: only what would break the line or the
 * terminal is escaped (\n, \r, other control characters and invalid
 * UTF-8 bytes as \xNN); tabs, quotes and backslashes stay as they are. */
void otelc__tbuf_text(otelc__tbuf *b, const char *s, size_t len);
/* A key or name: bare when made of printable ASCII other than space,
 * '"', '\\' and '=', else quoted and escaped. */
void otelc__tbuf_word(otelc__tbuf *b, const char *s);
/* A value; arrays and maps nested deeper than 16 levels are shown as
 * [...] and {...}. */
void otelc__tbuf_value(otelc__tbuf *b, const otelc_value *v);
/* " key=value" for each attribute. */
void otelc__tbuf_attrs(otelc__tbuf *b, const otelc_attr *attrs, size_t n);
/* UTC ISO 8601 with nanoseconds ("2024-05-01T12:00:00.000000001Z"), or
 * "-" for 0. */
void otelc__tbuf_time(otelc__tbuf *b, uint64_t ns);

#endif /* OTELC_SRC_COMMON_TEXTBUF_H */
