/*
 * The Prometheus text writer's parts: an output buffer, number and string
 * formatting with the text format's escapes, the non-OTLP representation
 * of attribute values, and the translation of OpenTelemetry names, units
 * and attribute keys to Prometheus metric and label names. Not installed;
 * the unit tests reach these functions through the static library.
 *
 * Everything here is pure (no globals), hence safe from any thread.
 */
#ifndef OTELC_SRC_EXPORT_PROMETHEUS_INTERNAL_H
#define OTELC_SRC_EXPORT_PROMETHEUS_INTERNAL_H

#include "common/internal.h"
#include "otelc/prometheus.h"

/* ------------------------------------------------------------------------ */
/* Output buffer                                                             */
/* ------------------------------------------------------------------------ */

/* A growable byte buffer; all writes are no-ops once an allocation failed
 * (failed is then set and stays set). */
typedef struct otelc__pw {
  uint8_t *data;
  size_t len, cap;
  bool failed;
} otelc__pw;

/* Room for @p extra more bytes; false (and failed) on overflow or when
 * memory ran out. */
bool otelc__pw_grow(otelc__pw *w, size_t extra);
static inline bool otelc__pw_reserve(otelc__pw *w, size_t extra) {
  return OTELC__LIKELY(w->cap - w->len >= extra) || otelc__pw_grow(w, extra);
}
static inline void otelc__pw_put(otelc__pw *w, const void *p, size_t n) {
  if (n && otelc__pw_reserve(w, n)) {
    memcpy(w->data + w->len, p, n);
    w->len += n;
  }
}
static inline void otelc__pw_char(otelc__pw *w, char c) {
  if (otelc__pw_reserve(w, 1))
    w->data[w->len++] = (uint8_t)c;
}
static inline void otelc__pw_str(otelc__pw *w, const char *s) {
  otelc__pw_put(w, s, strlen(s));
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                   */
/* ------------------------------------------------------------------------ */

/* Longest text otelc__prom_fmt_double writes, NUL included. */
#define OTELC__PROM_NUM_MAX 32

/* A sample value as Go's strconv.ParseFloat reads it: "NaN", "+Inf",
 * "-Inf", else the shortest "%g" form that reads back as @p d, with '.'
 * as the decimal point whatever the locale. Returns the length. */
size_t otelc__prom_fmt_double(double d, char out[OTELC__PROM_NUM_MAX]);
/* Decimal forms of integers. Return the length. */
size_t otelc__prom_fmt_int(int64_t v, char out[OTELC__PROM_NUM_MAX]);
size_t otelc__prom_fmt_uint(uint64_t v, char out[OTELC__PROM_NUM_MAX]);

void otelc__pw_double(otelc__pw *w, double d);
void otelc__pw_int(otelc__pw *w, int64_t v);
void otelc__pw_uint(otelc__pw *w, uint64_t v);

/* ------------------------------------------------------------------------ */
/* Escaped text                                                              */
/* ------------------------------------------------------------------------ */

/* Length of the well-formed UTF-8 character at s[0..n) (1 to 4), or 0 when
 * the bytes there are not one (overlong forms, surrogates and code points
 * above U+10FFFF included). n must be at least 1. */
size_t otelc__prom_utf8_len(const unsigned char *s, size_t n);

/* A label value's text: '\' -> "\\", '"' -> "\"", newline -> "\n";
 * ill-formed UTF-8 becomes U+FFFD. */
void otelc__pw_label_text(otelc__pw *w, const char *s, size_t n);
/* A HELP docstring: '\' -> "\\", newline -> "\n"; ill-formed UTF-8
 * becomes U+FFFD. */
void otelc__pw_help_text(otelc__pw *w, const char *s, size_t n);

/* An attribute value as a label value (escaped as by
 * otelc__pw_label_text), in the specification's representation for
 * non-OTLP protocols: strings as they are, booleans and numbers as JSON
 * (NaN, Infinity, -Infinity bare), bytes as base64, empty as "", arrays
 * and maps as compact JSON (non-finite numbers and bytes then as JSON
 * strings, empty values as null). Nesting deeper than 64 levels is
 * written as null. */
void otelc__pw_attr_value(otelc__pw *w, const otelc_value *v);

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

/* Longest metric name written (bytes, NUL excluded); metrics whose name
 * would be longer are dropped. */
#define OTELC__PROM_NAME_MAX 1023

/* What a metric becomes. */
typedef enum otelc__prom_kind {
  OTELC__PROM_DROP = 0,
  OTELC__PROM_COUNTER = 1,
  OTELC__PROM_GAUGE = 2,
  OTELC__PROM_HISTOGRAM = 3
} otelc__prom_kind;

/*
 * The unit suffix of UCUM unit @p unit, without its leading '_': parts in
 * braces removed, words from the specification's table ("s" -> "seconds",
 * "By" -> "bytes", ...), "a/b" -> "<a>_per_<b>" with the denominator in
 * the singular ("s" -> "second", "m" -> "minute", ...), "1" -> nothing,
 * other units kept and sanitised like names (runs of '_' collapsed,
 * leading and trailing '_' removed). Returns the length (0: no suffix), or
 * (size_t)-1 when it does not fit in @p cap - 1 bytes.
 */
size_t otelc__prom_unit_suffix(const char *unit, char *out, size_t cap);

/*
 * The Prometheus name of a metric called @p name with unit @p unit that
 * becomes @p kind: the name sanitised to [a-zA-Z_:][a-zA-Z0-9_:]* (other
 * characters become '_', runs of '_' are collapsed, a leading digit gets
 * a '_' in front), then, when @p suffixes, the unit suffix unless the name
 * already ends with it, then "_total" for counters unless the name already
 * ends with it. Histograms get no "_bucket"/"_sum"/"_count" here. Returns
 * the length, or 0 when the result is empty or longer than
 * OTELC__PROM_NAME_MAX (or @p cap - 1).
 */
size_t otelc__prom_metric_name(const char *name, const char *unit,
                               otelc__prom_kind kind, bool suffixes, char *out,
                               size_t cap);

/*
 * Label names are made from attribute keys by the same rules without ':'
 * ([a-zA-Z_][a-zA-Z0-9_]*), optionally behind a prefix ("otel_scope_").
 * They are produced a character at a time, so that keys of any length are
 * compared and written without a buffer.
 */
typedef struct otelc__prom_label_it {
  const char *pfx; /* read first, then key; both NUL-terminated */
  const char *key;
  int pending; /* a character to return next, or -1 */
  int prev;    /* the last character returned, or -1 */
} otelc__prom_label_it;

void otelc__prom_label_it_init(otelc__prom_label_it *it, const char *prefix,
                               const char *key);
/* The next character of the label name, or -1 at its end. */
int otelc__prom_label_it_next(otelc__prom_label_it *it);

/* Whether two (prefix, key) pairs give the same label name. */
bool otelc__prom_label_eq(const char *pfx_a, const char *key_a,
                          const char *pfx_b, const char *key_b);
/* Whether (prefix, key) gives @p label exactly. */
bool otelc__prom_label_is(const char *pfx, const char *key, const char *label);
/* Write the label name of (prefix, key). Returns false when it is empty. */
bool otelc__pw_label_name(otelc__pw *w, const char *pfx, const char *key);

#endif /* OTELC_SRC_EXPORT_PROMETHEUS_INTERNAL_H */
