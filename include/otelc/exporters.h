/*
 * otelc/exporters.h - span exporters that need no network: the console
 * (human-readable) and memory (tests) exporters.
 */
#ifndef OTELC_EXPORTERS_H
#define OTELC_EXPORTERS_H

#include <stdio.h>

#include "otelc/span_processor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_console_opts {
  /** Stream written to; NULL means stderr. Borrowed: it must outlive the
   *  exporter. otelc never closes it. */
  FILE *out;
  /** Do not print one line per span. */
  bool no_lines;
  /** Do not print the indented tree of a trace once its local root ends. */
  bool no_tree;
} otelc_console_opts;

/**
 * @brief An exporter writing one line per span:
 *   "span <name> trace=<hex> span=<hex> parent=<hex|-> kind=.. dur=..ms
 *    status=.. key=value ..."
 * and, once the local root of a trace has ended, the whole trace as an
 * indented tree. Traces whose root has not ended are printed as a tree
 * marked "(incomplete)" when more than 4096 spans are pending (oldest
 * trace first), and on flush and shutdown.
 * @param opts may be NULL.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 * Thread safety: the exporter is called by one processor at a time.
 */
OTELC_API otelc_status otelc_console_exporter_new(const otelc_console_opts *opts,
                                                  otelc_span_exporter **out);

/** Settings of the OTLP file exporter; zero fields take the defaults. */
typedef struct otelc_file_exporter_opts {
  /** File to append to (created 0644); NULL or "-" writes to stdout. */
  const char *path;
  /** Rotate before a write would take the file past this many bytes
   *  (0: never). Rotation renames path to path.1, path.1 to path.2, ... */
  uint64_t max_bytes;
  /** Rotated files kept (default 3); older ones are removed. */
  uint32_t max_files;
} otelc_file_exporter_opts;

/**
 * @brief An exporter writing OTLP/JSON lines: each export is one
 * ExportTraceServiceRequest on one line, the format of the OpenTelemetry
 * Collector's file exporter and receiver ("otlp/stdout" in
 * OTEL_TRACES_EXPORTER writes them to stdout). Write errors are reported
 * (once until writes succeed again) and fail the export; they never stop
 * the program.
 * @param opts may be NULL (stdout). The path is copied.
 * @return OTELC_OK, OTELC_ERR_NOMEM, OTELC_ERR_IO (the file cannot be
 * opened).
 */
OTELC_API otelc_status
otelc_file_exporter_new(const otelc_file_exporter_opts *opts,
                        otelc_span_exporter **out);

/**
 * @brief An exporter that keeps every exported span in memory, for tests.
 * Read it with the functions below while the provider that owns it lives.
 */
OTELC_API otelc_status otelc_memory_exporter_new(otelc_span_exporter **out);

/** @brief Number of spans held. Thread-safe. */
OTELC_API size_t otelc_memory_exporter_count(otelc_span_exporter *e);

/**
 * @brief The i-th span held (borrowed until clear or free), or NULL.
 * Thread-safe.
 */
OTELC_API otelc_span *otelc_memory_exporter_get(otelc_span_exporter *e,
                                                size_t i);

/** @brief Number of export calls received (batches). Thread-safe. */
OTELC_API size_t otelc_memory_exporter_batches(otelc_span_exporter *e);

/** @brief Drop every span held. Thread-safe. */
OTELC_API void otelc_memory_exporter_clear(otelc_span_exporter *e);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_EXPORTERS_H */
