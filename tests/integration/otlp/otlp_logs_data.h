/*
 * The hand-made log records of the OTLP logs tests (otlp_logs_tool,
 * otlp_logs_sdk_tool) and their JSON description, which
 * tests/peers/otlp_logs_compare.js compares with what the official schema
 * decoded. Public API only, so that both tools (one linked with the
 * static library, one with the shared one) can use it.
 * Thread safety: none (single-threaded tools).
 */
#ifndef OTELC_TESTS_OTLP_LOGS_DATA_H
#define OTELC_TESTS_OTLP_LOGS_DATA_H

#include <stdbool.h>
#include <stdio.h>

#include "otelc/logs.h"
#include "otelc/resource.h"

#define LD_RECORDS 10
#define LD_RESOURCES 2

/* The set: records over two resources and three scopes, interleaved so
 * that grouping has work to do, together using every field of the log
 * data model and every body kind, with empty fields, ids with and without
 * the sampled flag, a severity outside the enum and invalid UTF-8 in
 * every kind of string. */
typedef struct ld_set {
  otelc_resource *resources[LD_RESOURCES];
  otelc_log_data records[LD_RECORDS];
  const otelc_log_data *ptrs[LD_RECORDS];
} ld_set;

/* Build the set (the resources are created). False when out of memory. */
bool ld_build(ld_set *s);
void ld_free(ld_set *s);

/*
 * One description line for @p n records (as an exporter is handed them):
 *   {"records":[{"resource":{"attributes":[A],"schemaUrl"},
 *                "scope":{"name","version","attributes":[A],"schemaUrl"},
 *                "timeUnixNano","observedTimeUnixNano" (decimal strings),
 *                "severityNumber","severityText","body":{type,value}
 *                (absent for no body),"attributes":[A],
 *                "droppedAttributesCount","flags","traceId","spanId"
 *                (hex, "" when zero),"eventName"}...]}
 * where A is {key, type, value} (tool_json.h); strings with invalid UTF-8
 * repaired as a receiver must see them.
 */
void ld_write(FILE *f, const otelc_log_data *const *recs, size_t n);

#endif /* OTELC_TESTS_OTLP_LOGS_DATA_H */
