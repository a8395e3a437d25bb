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
