/*
 * The span console exporter's two forms of a span: one line per span
 * (console_span_line.c) and whole traces as indented trees
 * (console_span_tree.c), both appended to a text buffer.
 */
#ifndef OTELC_SRC_EXPORT_CONSOLE_CONSOLE_SPAN_H
#define OTELC_SRC_EXPORT_CONSOLE_CONSOLE_SPAN_H

#include "common/textbuf.h"
#include "otelc/exporters.h"

/* "internal", "server", "client", "producer" or "consumer". */
const char *otelc__console_kind_name(otelc_span_kind k);
/* End time minus start time, 0 when not after it. */
uint64_t otelc__console_span_duration(const otelc_span *s);
/* " dropped(attrs=N events=N links=N)" when anything was dropped. */
void otelc__console_span_dropped(otelc__tbuf *b, const otelc_span *s);
/* " key=value" for each attribute of @p s, values in style @p st. */
void otelc__console_span_attrs(otelc__tbuf *b, const otelc_span *s,
                               const otelc__tbuf_style *st);

/* The one-line form of a span, with its newline. */
void otelc__console_span_line(otelc__tbuf *b, const otelc_span *s);
/* Print spans[0..n) (plus @p extra if not NULL), all of one trace, as a
 * tree ordered by start time, marked "(incomplete)" when @p incomplete.
 * Returns OTELC_OK or OTELC_ERR_NOMEM. */
otelc_status otelc__console_span_tree(otelc__tbuf *b, otelc_span *const *spans,
                                      size_t n, otelc_span *extra,
                                      bool incomplete);

#endif /* OTELC_SRC_EXPORT_CONSOLE_CONSOLE_SPAN_H */
