/*
 * Reading OTEL_* environment variables with the specification's parsing
 * rules. Every invalid value produces one warning naming the variable and
 * the value exactly as given, and the default is used.
 */
#ifndef OTELC_SRC_COMMON_ENV_H
#define OTELC_SRC_COMMON_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value, or NULL when unset or empty (empty means unset); when the
 * variable is unset, the default otelc_setup registered for it, if any
 * (see otelc_config_get). Every function below reads through this one. */
const char *otelc__env_get(const char *name);

/* Boolean: only a case-insensitive "true" is true; unset/empty gives
 * @p def; "false" is false; anything else warns and is false. Spaces and
 * tabs around the value are ignored. */
bool otelc__env_bool(const char *name, bool def);

/* Integer in [min, max] (max at most INT32_MAX); otherwise warn, default.
 * Surrounding spaces are allowed; signs other than a leading '+' are not. */
uint32_t otelc__env_uint(const char *name, uint32_t def, uint32_t min,
                         uint32_t max);

/* True when the variable is set to a valid integer in [0, INT32_MAX],
 * which is stored in *out. Warns on invalid values and returns false. */
bool otelc__env_uint_opt(const char *name, uint32_t *out);

/* A limit: the value of @p name, or else @p general (when >= 0), or else
 * *v unchanged. Invalid values are reported and treated as unset. */
void otelc__env_limit(const char *name, int64_t general, uint32_t *v);

/* The value of a general limit variable, or -1 when unset or invalid. */
int64_t otelc__env_general_limit(const char *name);

/* Duration in milliseconds (non-negative integer); otherwise default. */
uint32_t otelc__env_duration_ms(const char *name, uint32_t def);

/* Timeout in milliseconds; 0 means no limit and yields INT32_MAX. An
 * unset or invalid value gives @p def as it is. */
uint32_t otelc__env_timeout_ms(const char *name, uint32_t def);

/* Floating point number in [min, max]; otherwise warn and default. */
double otelc__env_double(const char *name, double def, double min, double max);

/* Case-insensitive match against @p names (n entries), ignoring spaces
 * and tabs around the value; returns the index, or @p def (with a
 * warning) for an unknown value, or @p def if unset. */
int otelc__env_enum(const char *name, const char *const *names, size_t n,
                    int def);

/* A trimmed token of a comma-separated list. */
typedef struct otelc__token {
  const char *p;
  size_t len;
} otelc__token;

/* Split @p s at commas into at most @p max trimmed tokens (spaces and tabs
 * removed from both ends; empty tokens skipped). Returns the count found,
 * which may exceed max (only max are stored). */
size_t otelc__split_list(const char *s, otelc__token *out, size_t max);

/* Case-insensitive token compare with a NUL-terminated word. */
bool otelc__token_eq(otelc__token t, const char *word);

/* Size of the buffer otelc__env_quote writes. */
#define OTELC__QUOTE_BUF 168

/* Copy @p v for a diagnostic line into @p out: control characters other
 * than tab become \xNN so the line stays one line, and values longer
 * than 160 bytes are cut and end in "...". Returns @p out. */
const char *otelc__env_quote(const char *v, char out[OTELC__QUOTE_BUF]);

/* Percent-decode src[0..len) into dst (at least len+1 bytes, NUL added).
 * Returns the decoded length, or (size_t)-1 for a malformed escape. */
size_t otelc__percent_decode(const char *src, size_t len, char *dst);

#endif /* OTELC_SRC_COMMON_ENV_H */
