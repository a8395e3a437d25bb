/* The pieces of a span shared by its forms, and its one-line form. */
#include <inttypes.h>

#include "export/console/console_span.h"

const char *otelc__console_kind_name(otelc_span_kind k) {
  switch (k) {
  case OTELC_SPAN_KIND_UNSPECIFIED:
  case OTELC_SPAN_KIND_INTERNAL:
    return "internal";
  case OTELC_SPAN_KIND_SERVER:
    return "server";
  case OTELC_SPAN_KIND_CLIENT:
    return "client";
  case OTELC_SPAN_KIND_PRODUCER:
    return "producer";
  case OTELC_SPAN_KIND_CONSUMER:
    return "consumer";
  }
  return "unknown";
}

uint64_t otelc__console_span_duration(const otelc_span *s) {
  uint64_t start = otelc_span_get_start_time(s);
  uint64_t end = otelc_span_get_end_time(s);
  return end > start ? end - start : 0;
}

void otelc__console_span_dropped(otelc__tbuf *b, const otelc_span *s) {
  uint32_t a, e, l;
  otelc_span_get_dropped(s, &a, &e, &l);
  if (a || e || l)
    otelc__tbuf_printf(
        b, " dropped(attrs=%" PRIu32 " events=%" PRIu32 " links=%" PRIu32 ")",
        a, e, l);
}

void otelc__console_span_attrs(otelc__tbuf *b, const otelc_span *s,
                               const otelc__tbuf_style *st) {
  size_t n = otelc_span_get_attr_count(s);
  for (size_t i = 0; i < n; i++) {
    const otelc_attr *a = otelc_span_get_attr(s, i);
    if (!a)
      continue;
    otelc__tbuf_attrs_as(b, a, 1, st);
  }
}

void otelc__console_span_line(otelc__tbuf *b, const otelc_span *s) {
  otelc_span_context ctx = otelc_span_get_context(s), parent;
  otelc__tbuf_puts(b, "span ");
  otelc__tbuf_word(b, otelc_span_get_name(s));
  otelc__tbuf_puts(b, " trace=");
  otelc__tbuf_hex(b, ctx.trace_id, 16);
  otelc__tbuf_puts(b, " span=");
  otelc__tbuf_hex(b, ctx.span_id, 8);
  otelc__tbuf_puts(b, " parent=");
  if (otelc_span_get_parent(s, &parent)) {
    otelc__tbuf_hex(b, parent.span_id, 8);
    if (parent.is_remote)
      otelc__tbuf_puts(b, "(remote)");
  } else {
    otelc__tbuf_putc(b, '-');
  }
  otelc__tbuf_printf(b, " kind=%s",
                     otelc__console_kind_name(otelc_span_get_kind(s)));
  uint64_t dur = otelc__console_span_duration(s);
  otelc__tbuf_printf(b, " dur=%" PRIu64 ".%03" PRIu64 "ms", dur / 1000000,
                     dur / 1000 % 1000);
  const char *desc = NULL;
  switch (otelc_span_get_status(s, &desc)) {
  case OTELC_STATUS_OK:
    otelc__tbuf_puts(b, " status=OK");
    break;
  case OTELC_STATUS_ERROR:
    otelc__tbuf_puts(b, " status=ERROR");
    if (desc && *desc) {
      otelc__tbuf_putc(b, '(');
      otelc__tbuf_escaped(b, desc, strlen(desc), true);
      otelc__tbuf_putc(b, ')');
    }
    break;
  default:
    otelc__tbuf_puts(b, " status=UNSET");
    break;
  }
  if (otelc_span_get_attr_count(s)) {
    otelc__tbuf_puts(b, " attrs:");
    otelc__console_span_attrs(b, s, &otelc__tbuf_plain);
  }
  otelc__tbuf_printf(b, " events=%zu links=%zu", otelc_span_get_event_count(s),
                     otelc_span_get_link_count(s));
  otelc__console_span_dropped(b, s);
  otelc__tbuf_putc(b, '\n');
}
