/*
 * getting_started - the program of docs/getting-started.md: a service
 * that answers questions, with traces, metrics and correlated logs.
 *
 *   getting_started [requests]     (default 3)
 *
 * On its own it prints everything on the console. The same binary sends
 * to a collector or serves Prometheus when the environment says so:
 *
 *   OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp,prometheus \
 *   OTEL_LOGS_EXPORTER=otlp getting_started 100
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <time.h>

#include <otelc/otelc.h>

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Look the question up: a child span of the request. */
static int retrieve(otelc_telemetry *t, int request) {
  int found = 0;
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "retrieve", span) {
    sleep_ms(20);
    found = request % 3 == 2 ? 0 : 4; /* every third question: nothing */
    otelc_span_set_int(span, "documents.found", found);
    otelc_log_info("found %d documents", found); /* with the span's ids */
  }
  return found;
}

/* One request: a span, a counter, a duration histogram, log lines. */
static void handle(otelc_telemetry *t, int request) {
  uint64_t start = otelc_time_now();
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "answer.question", span) {
    otelc_span_set_int(span, "request.id", request);
    otelc_counter_add(otelc_telemetry_counter(t, "questions", "{question}"), 1,
                      NULL, 0);
    if (retrieve(t, request) == 0) {
      otelc_record_error(span, "NotFound", "no document matches",
                         otelc_telemetry_counter(t, "errors", "{error}"));
      otelc_log_warn("request %d: nothing to answer with", request);
      break; /* leaves the block: the span still ends */
    }
    sleep_ms(30);
    otelc_log_info("request %d answered", request);
  }
  double seconds = (double)(otelc_time_now() - start) / 1e9;
  otelc_histogram_record(otelc_telemetry_histogram(t, "answer.duration", "s"),
                         seconds, NULL, 0);
}

int main(int argc, char **argv) {
  int requests = argc > 1 ? atoi(argv[1]) : 3;

  /* Defaults for this program; every OTEL_* variable wins over them. */
  otelc_setup(&(otelc_setup_opts){.service_name = "qa-service",
                                  .service_version = "1.0.0",
                                  .environment = "dev"});
  otelc_telemetry *t = otelc_telemetry_get("qa");

  for (int i = 0; i < requests; i++) {
    handle(t, i);
    if (requests > 3)
      sleep_ms(200); /* a long run: time for a Prometheus scrape */
  }

  otelc_shutdown(); /* flushes all three; returns within 5 s */
  return 0;
}
