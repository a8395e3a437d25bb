/*
 * What the two parts of otlp_logs_sdk_tool share: failure reporting, the
 * exporter's counters as JSON, descriptions of SDK records, and the
 * command of otlp_logs_e2e.c. Thread safety: none (single-threaded tool).
 */
#ifndef OTELC_TESTS_OTLP_LOGS_SDK_H
#define OTELC_TESTS_OTLP_LOGS_SDK_H

#include <stdio.h>

#include "otelc/logs.h"
#include "otelc/otlp.h"

/* Most records one export of the tool describes. */
#define LT_MAX_RECORDS 64

/* Print "otlp_logs_sdk_tool: ..." on stderr and exit with status 1. */
__attribute__((format(printf, 1, 2), noreturn)) void lt_die(const char *fmt,
                                                            ...);

/* lt_die unless @p st is OTELC_OK. */
void lt_check(otelc_status st, const char *what);

/* ,"stats":{exports, attempts, succeeded, failed, rejected,
 * last_http_status} of an OTLP log exporter, on stdout. */
void lt_print_stats(otelc_log_exporter *e);

/* The description line (ld_write) of @p n records. */
void lt_write_records(FILE *f, otelc_log_record *const *recs, size_t n);

/* otlp_logs_sdk_tool sdk ... (see otlp_logs_e2e.c). */
int lt_cmd_sdk(int argc, char **argv);

#endif /* OTELC_TESTS_OTLP_LOGS_SDK_H */
