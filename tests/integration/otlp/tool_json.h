/*
 * JSON descriptions of recorded data, shared by the OTLP test tools
 * (otlp_tool.c, otlp_metrics_tool.c) to write what otelc recorded for the
 * comparisons of tests/peers/otlp_compare.js and otlp_metrics_compare.js.
 * Thread safety: none needed (the tools are single-threaded writers).
 */
#ifndef OTELC_TESTS_OTLP_TOOL_JSON_H
#define OTELC_TESTS_OTLP_TOOL_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "otelc/otelc.h"

/* Lowercase hex of @p n bytes into @p out (2n + 1 bytes). */
void tj_hex(const uint8_t *id, size_t n, char *out);

/* A JSON string of s[0..len) (NULL: ""), escaped, with invalid UTF-8
 * replaced by U+FFFD, one per maximal ill-formed subpart (Unicode's
 * recommended practice). */
void tj_strn(FILE *f, const char *s, size_t len);
void tj_str(FILE *f, const char *s);

/* A double as a JSON number with 17 significant digits, or "NaN",
 * "Infinity", "-Infinity". */
void tj_double(FILE *f, double d);

/* "type":..., "value":... of one value (no braces). */
void tj_typed(FILE *f, const otelc_value *v);

/* [{"key", "type", "value"}...] of @p n attributes. */
void tj_attrs(FILE *f, const otelc_attr *a, size_t n);

#endif /* OTELC_TESTS_OTLP_TOOL_JSON_H */
