/*
 * What the two parts of otlp_metrics_tool share: failure reporting,
 * option parsing, the exporter's counters as JSON, and the commands of
 * otlp_metrics_sdk.c. Thread safety: none (single-threaded tool).
 */
#ifndef OTELC_TESTS_OTLP_METRICS_TOOL_H
#define OTELC_TESTS_OTLP_METRICS_TOOL_H

#include <stdint.h>

#include "otelc/metrics.h"
#include "otelc/otlp.h"

/* Print "otlp_metrics_tool: ..." on stderr and exit with status 1. */
__attribute__((format(printf, 1, 2), noreturn)) void mt_die(const char *fmt,
                                                            ...);

/* mt_die unless @p st is OTELC_OK. */
void mt_check(otelc_status st, const char *what);

/* The decimal value of option @p opt, or mt_die. */
uint32_t mt_parse_u32(const char *opt, const char *v);

/* Monotonic milliseconds. */
uint64_t mt_mono_ms(void);

/* ,"stats":{exports, attempts, succeeded, failed, rejected,
 * last_http_status} of an OTLP metric exporter, on stdout. */
void mt_print_stats(otelc_metric_exporter *e);

/* The preference named by @p v (default, cumulative, delta, lowmemory),
 * or mt_die. */
otelc_temporality_preference mt_temporality(const char *v);

/* otlp_metrics_tool sdk ... (see otlp_metrics_tool.c). */
int mt_cmd_sdk(int argc, char **argv);

#endif /* OTELC_TESTS_OTLP_METRICS_TOOL_H */
