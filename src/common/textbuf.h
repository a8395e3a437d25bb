/*
 * A growable text buffer and the human-readable forms of values used by
 * the console outputs (spans, metrics and logs): keys bare when they can
 * be, strings quoted with quotes, backslashes and control characters
 * escaped and invalid UTF-8 bytes shown as \xNN, integers in decimal,
 * doubles as %g or in the shortest form that reads back exactly, byte
 * strings as 0x<hex>, arrays as [a, b], maps as {k=v, k=v} and times in
 * UTC ISO 8601. Where the outputs differ (nesting drawn, doubles, long
 * strings cut) an otelc__tbuf_style says which form to use. Not
 * thread-safe: one buffer per writer.
 */
#ifndef OTELC_SRC_COMMON_TEXTBUF_H
#define OTELC_SRC_COMMON_TEXTBUF_H

#include <stdio.h>

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
/* Write the content to @p out with one fwrite and one fflush (nothing
 * when empty), then empty the buffer, freeing its memory when it grew
 * beyond @p keep bytes. Returns OTELC_OK, OTELC_ERR_NOMEM when an append
 * failed (nothing is written) or OTELC_ERR_IO (the stream's error is
 * cleared). */
otelc_status otelc__tbuf_write(otelc__tbuf *b, FILE *out, size_t keep);

/* s[0..len) with backslashes, tabs and control characters escaped and
 * invalid UTF-8 bytes as \xNN; in quotes, and with quotes escaped, when
 * @p quote. */
void otelc__tbuf_escaped(otelc__tbuf *b, const char *s, size_t len, bool quote);
/* Free text on a line of its own: only what would break the line or the
 * terminal is escaped (\n, \r, other control characters and invalid
 * UTF-8 bytes as \xNN); tabs, quotes and backslashes stay as they are. */
void otelc__tbuf_text(otelc__tbuf *b, const char *s, size_t len);
/* A key or name: bare when made of printable ASCII other than space,
 * '"', '\\' and '=', else quoted and escaped. */
void otelc__tbuf_word(otelc__tbuf *b, const char *s);
/* A double in the shorter of %.15g and %.17g that reads back exactly. */
void otelc__tbuf_double(otelc__tbuf *b, double d);
/* UTC ISO 8601 with nanoseconds ("2024-05-01T12:00:00.000000001Z"), or
 * "-" for 0. */
void otelc__tbuf_time(otelc__tbuf *b, uint64_t ns);

/* How values are drawn. */
typedef struct otelc__tbuf_style {
  /* Arrays and maps nested this deep are shown as [...] and {...};
   * arrays of strings, bools, ints and doubles too when @p cut_typed. */
  int max_depth;
  bool cut_typed;
  /* Doubles as otelc__tbuf_double prints them, else as %g. */
  bool exact;
  /* When not 0: characters of a string and bytes of a byte string shown,
   * what is cut being replaced by an ellipsis. */
  size_t str_max, bytes_max;
} otelc__tbuf_style;

/* Nesting drawn 16 levels deep, doubles as %g, nothing cut: the form of
 * otelc__tbuf_value and otelc__tbuf_attrs. */
extern const otelc__tbuf_style otelc__tbuf_plain;

/* A value in style @p st. */
void otelc__tbuf_value_as(otelc__tbuf *b, const otelc_value *v,
                          const otelc__tbuf_style *st);
/* " key=value" for each attribute, values in style @p st. */
void otelc__tbuf_attrs_as(otelc__tbuf *b, const otelc_attr *attrs, size_t n,
                          const otelc__tbuf_style *st);
static inline void otelc__tbuf_value(otelc__tbuf *b, const otelc_value *v) {
  otelc__tbuf_value_as(b, v, &otelc__tbuf_plain);
}
static inline void otelc__tbuf_attrs(otelc__tbuf *b, const otelc_attr *attrs,
                                     size_t n) {
  otelc__tbuf_attrs_as(b, attrs, n, &otelc__tbuf_plain);
}

#endif /* OTELC_SRC_COMMON_TEXTBUF_H */
