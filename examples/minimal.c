/*
 * minimal - the smallest traced program: a provider configured by the
 * environment (the console exporter unless OTEL_TRACES_EXPORTER says
 * otherwise), one span with a child, and a clean shutdown.
 *
 *   minimal
 *   OTEL_SERVICE_NAME=checkout minimal
 */
#include <otelc/otelc.h>

int main(void) {
  otelc_tracer_provider *tp = NULL;
  if (otelc_tracer_provider_new_from_env("console", &tp) != OTELC_OK)
    return 1;
  otelc_tracer_provider_set_global(tp);

  otelc_tracer *tr = otelc_tracer_get("minimal", "1.0.0");
  otelc_span *work = otelc_span_start(tr, "work", NULL);
  otelc_span_set_int(work, "items", 3);
  otelc_scope sc = otelc_span_activate(work);
  otelc_span *step = otelc_span_start(tr, "work.step", NULL); /* a child */
  otelc_span_end(step);
  otelc_context_detach(sc);
  otelc_span_end(work);

  otelc_tracer_provider_set_global(NULL);
  otelc_tracer_provider_shutdown(tp, 5000); /* flushes; returns within 5 s */
  otelc_tracer_provider_free(tp);
  return 0;
}
