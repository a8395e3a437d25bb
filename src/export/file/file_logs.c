/* OTLP/JSON lines of log records to a file (or stdout), with rotation by
 * size: each export is one ExportLogsServiceRequest on one line. Calls
 * are serialised by the exporter's lock. */
#include <pthread.h>

#include "export/file/file_sink.h"
#include "otelc/logs.h"
#include "otelc/otlp_encode.h"

typedef struct file_logs {
  pthread_mutex_t mu;
  otelc__file_sink sink;
  otelc_otlp_buffer buf;
} file_logs;

/* Add the newline that ends the line, in the same buffer so that the
 * line is written with one call. */
static bool add_newline(otelc_otlp_buffer *b) {
  if (b->len == b->cap) {
    uint8_t *p = otelc__realloc(b->data, b->cap + 64);
    if (!p)
      return false;
    b->data = p;
    b->cap += 64;
  }
  b->data[b->len++] = '\n';
  return true;
}

static otelc_status fl_export(void *self, otelc_log_record *const *records,
                              size_t n, uint32_t timeout_ms) {
  (void)timeout_ms;
  file_logs *f = self;
  if (n == 0)
    return OTELC_OK;
  pthread_mutex_lock(&f->mu);
  otelc_status st =
      otelc_otlp_encode_logs(records, n, OTELC_OTLP_JSON, &f->buf);
  if (st == OTELC_OK && !add_newline(&f->buf))
    st = OTELC_ERR_NOMEM;
  if (st == OTELC_OK)
    st = otelc__file_sink_write(&f->sink, f->buf.data, f->buf.len);
  pthread_mutex_unlock(&f->mu);
  return st;
}

static otelc_status fl_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  file_logs *f = self;
  pthread_mutex_lock(&f->mu);
  otelc__file_sink_close(&f->sink);
  pthread_mutex_unlock(&f->mu);
  return OTELC_OK;
}

static void fl_destroy(void *self) {
  file_logs *f = self;
  otelc__file_sink_free(&f->sink);
  otelc_otlp_buffer_free(&f->buf);
  pthread_mutex_destroy(&f->mu);
  otelc__free(f);
}

otelc_status otelc_file_log_exporter_new(const otelc_file_exporter_opts *opts,
                                         otelc_log_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  file_logs *f = otelc__calloc(1, sizeof *f);
  if (!f)
    return OTELC_ERR_NOMEM;
  otelc_status st = otelc__file_sink_open(&f->sink, opts);
  if (st != OTELC_OK) {
    otelc__free(f);
    return st;
  }
  pthread_mutex_init(&f->mu, NULL);
  static const otelc_log_exporter_ops ops = {fl_export, NULL, fl_shutdown,
                                             fl_destroy};
  return otelc_log_exporter_new(&ops, f, out);
}
