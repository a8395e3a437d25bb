/*
 * Appending whole requests to a file (or stdout) with rotation by size:
 * what the OTLP file exporters share. Not thread-safe: the exporter
 * serialises calls.
 */
#ifndef OTELC_SRC_EXPORT_FILE_SINK_H
#define OTELC_SRC_EXPORT_FILE_SINK_H

#include "common/internal.h"
#include "otelc/exporters.h"

typedef struct otelc__file_sink {
  char *path;    /* NULL: stdout */
  int fd;        /* -1 once closed */
  uint64_t size; /* bytes in the current file */
  uint64_t max_bytes;
  uint32_t max_files;
  bool warned; /* an error was reported and writes have not recovered */
} otelc__file_sink;

/* Open the file of @p opts (NULL, a NULL path or "-": stdout). Returns
 * OTELC_OK, OTELC_ERR_NOMEM or OTELC_ERR_IO (reported; the sink is then
 * left empty). */
otelc_status otelc__file_sink_open(otelc__file_sink *s,
                                   const otelc_file_exporter_opts *opts);

/* Append p[0..n), rotating first when the file would pass max_bytes and
 * reopening a closed file. Errors are reported once until a write
 * succeeds again. Returns OTELC_OK or OTELC_ERR_IO. */
otelc_status otelc__file_sink_write(otelc__file_sink *s, const void *p,
                                    size_t n);

/* Close the file (never stdout); a later write reopens it. */
void otelc__file_sink_close(otelc__file_sink *s);
/* Close and free what the sink holds. */
void otelc__file_sink_free(otelc__file_sink *s);

#endif /* OTELC_SRC_EXPORT_FILE_SINK_H */
