/*
 * The console log exporter: one human-readable line per record,
 *
 *   <time> <SEVERITY> <body> [trace:<hex> span:<hex>] event=<name>
 *       key=value ... dropped(attrs=N)                       (one line)
 *
 * <time> is the record's timestamp, else its observed timestamp, in UTC
 * ISO 8601 with nanoseconds. <SEVERITY> is the short name of the severity
 * number, or the severity text when the number is 0 ("UNSPECIFIED" when
 * there is neither). A string body is printed as it is with control
 * characters escaped; other bodies and attribute values take the forms of
 * the span console exporter. The [...] part appears when the record is
 * correlated with a span, event= when it has an event name, and
 * dropped(...) when attributes were dropped.
 *
 * Each export call is assembled in a buffer and written with one fwrite
 * and one fflush, so other writers of the stream cannot cut a line.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>

#include "common/textbuf.h"
#include "otelc/logs.h"

#define KEEP_BUF 1048576 /* larger buffers are freed after writing */
#define OUT_CHUNK 65536  /* write out when the buffer reaches this */

typedef struct console {
  pthread_mutex_t mu;
  FILE *out;
  otelc__tbuf buf;
} console;

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

/* The line of one record, with its newline. */
static void put_record(otelc__tbuf *b, const otelc_log_data *d) {
  otelc__tbuf_time(b, d->timestamp ? d->timestamp : d->observed_timestamp);
  otelc__tbuf_putc(b, ' ');
  if (d->severity == 0 && d->severity_text && d->severity_text[0])
    otelc__tbuf_word(b, d->severity_text);
  else
    otelc__tbuf_puts(b, otelc_severity_name(d->severity));
  if (d->body.type == OTELC_VALUE_STRING) {
    otelc__tbuf_putc(b, ' ');
    if (d->body.u.str)
      otelc__tbuf_text(b, d->body.u.str, otelc__value_strlen(&d->body));
  } else if (d->body.type != OTELC_VALUE_EMPTY) {
    otelc__tbuf_putc(b, ' ');
    otelc__tbuf_value(b, &d->body);
  }
  if (!all_zero(d->span_id, 8)) {
    otelc__tbuf_puts(b, " [trace:");
    otelc__tbuf_hex(b, d->trace_id, 16);
    otelc__tbuf_puts(b, " span:");
    otelc__tbuf_hex(b, d->span_id, 8);
    otelc__tbuf_putc(b, ']');
  }
  if (d->event_name) {
    otelc__tbuf_puts(b, " event=");
    otelc__tbuf_word(b, d->event_name);
  }
  otelc__tbuf_attrs(b, d->attrs, d->n_attrs);
  if (d->dropped_attrs)
    otelc__tbuf_printf(b, " dropped(attrs=%" PRIu32 ")", d->dropped_attrs);
  otelc__tbuf_putc(b, '\n');
}

static otelc_status con_export(void *self, otelc_log_record *const *records,
                               size_t n, uint32_t timeout_ms) {
  (void)timeout_ms;
  console *c = self;
  if (!records && n)
    return OTELC_ERR_INVALID_ARG;
  otelc_status st = OTELC_OK;
  pthread_mutex_lock(&c->mu);
  for (size_t i = 0; i < n; i++) {
    const otelc_log_data *d = otelc_log_record_data(records[i]);
    if (d)
      put_record(&c->buf, d);
    if (c->buf.len >= OUT_CHUNK) {
      otelc_status w = otelc__tbuf_write(&c->buf, c->out, KEEP_BUF);
      if (st == OTELC_OK)
        st = w;
    }
  }
  otelc_status w = otelc__tbuf_write(&c->buf, c->out, KEEP_BUF);
  pthread_mutex_unlock(&c->mu);
  return st != OTELC_OK ? st : w;
}

static otelc_status con_flush(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  console *c = self;
  pthread_mutex_lock(&c->mu);
  int rc = fflush(c->out);
  pthread_mutex_unlock(&c->mu);
  return rc == 0 ? OTELC_OK : OTELC_ERR_IO;
}

static void con_destroy(void *self) {
  console *c = self;
  otelc__tbuf_free(&c->buf);
  pthread_mutex_destroy(&c->mu);
  otelc__free(c);
}

otelc_status otelc_console_log_exporter_new(FILE *out,
                                            otelc_log_exporter **out_e) {
  if (!out_e)
    return OTELC_ERR_INVALID_ARG;
  *out_e = NULL;
  console *c = otelc__calloc(1, sizeof *c);
  if (!c)
    return OTELC_ERR_NOMEM;
  pthread_mutex_init(&c->mu, NULL);
  c->out = out ? out : stderr;
  static const otelc_log_exporter_ops ops = {con_export, con_flush, NULL,
                                             con_destroy};
  return otelc_log_exporter_new(&ops, c, out_e);
}
