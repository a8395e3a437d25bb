/*
 * otlp_metrics_tool sdk <expected.jsonl> [options] - the metrics SDK end
 * to end into the OTLP metric exporter.
 *
 * A meter provider with a periodic reader in manual-tick mode (interval
 * --interval-ms, 50 by default) around the OTLP metric exporter, a view
 * that makes "sdk.latency.exp" an exponential histogram, and the
 * always-on exemplar filter. Two rounds of measurements, each followed by
 * a tick once the interval has passed (one export each), then the
 * provider's shutdown (a last export when there is anything to send):
 *
 *   round 1: sdk.requests (int counter) +3 {method=GET} inside a sampled
 *            span (an exemplar with its ids), +2 {method=POST}, +1 {};
 *            sdk.queue (double up-down counter) +5.5, -2.25 {};
 *            sdk.latency (histogram, advisory bounds 1, 10, 100) 0.5, 5,
 *            50, 500 {route=/a}; sdk.latency.exp 0, 1, 2, 4 {};
 *            sdk.temperature (int gauge) 21 then 23 {room=a}
 *   round 2: sdk.requests +10 {method=GET}; sdk.latency 7 {route=/a};
 *            sdk.latency.exp 3 {}
 *
 * The exporter is the OTLP metric exporter's own state
 * (otelc__otlp_metric_create, configured by the environment, temporality
 * by --temporality or the environment) behind a thin exporter that first
 * writes the description of every collection it is handed to
 * <expected.jsonl> (one line per export), so that what arrives can be
 * compared with what the SDK produced, field by field.
 *
 * With --from-env the provider comes from
 * otelc_meter_provider_new_from_env instead (OTEL_METRICS_EXPORTER=otlp:
 * the module's registration, its periodic reader and the public
 * otelc_otlp_metric_exporter_new); the rounds are exported by
 * otelc_meter_provider_force_flush and nothing is written to
 * <expected.jsonl>.
 *
 * Prints one JSON line: {"ticks": [status...], "flushes": [status...],
 * "shutdown": status, "span_id", "trace_id" (hex, of the span of round
 * 1), "expected_lines": exports described, and "stats" (not with
 * --from-env)}.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "otelc/exporters.h"
#include "otelc/otelc.h"
#include "otelc/sampler.h"
#include "otlp_metrics_data.h"
#include "otlp_metrics_tool.h"
#include "otlp_module.h"
#include "tool_json.h"

/* The exporter handed to the reader: describes, then exports. */
typedef struct tee {
  void *otlp; /* the OTLP metric exporter's state */
  FILE *expected;
  unsigned lines;
} tee;

static otelc_status tee_export(void *self, const otelc_resource_metrics *d,
                               uint32_t timeout_ms) {
  tee *t = self;
  md_write(t->expected, d);
  fflush(t->expected);
  t->lines++;
  return otelc__otlp_metric_ops.export_metrics(t->otlp, d, timeout_ms);
}

static otelc_status tee_shutdown(void *self, uint32_t timeout_ms) {
  tee *t = self;
  return otelc__otlp_metric_ops.shutdown(t->otlp, timeout_ms);
}

static void tee_destroy(void *self) {
  tee *t = self;
  otelc__otlp_metric_ops.destroy(t->otlp);
  t->otlp = NULL;
}

static const otelc_metric_exporter_ops kTeeOps = {
    .export_metrics = tee_export,
    .shutdown = tee_shutdown,
    .destroy = tee_destroy,
};

static void sleep_ms(uint32_t ms) {
  struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

typedef struct instruments {
  otelc_counter *requests;
  otelc_up_down_counter *queue;
  otelc_histogram *latency, *latency_exp;
  otelc_gauge *temperature;
} instruments;

static instruments make_instruments(otelc_meter_provider *mp) {
  otelc_scope_info sc = {.name = "otelc.test.sdk",
                         .version = "0.1.0",
                         .schema_url =
                             "https://opentelemetry.io/schemas/1.26.0"};
  otelc_meter *m = otelc_meter_provider_get_meter(mp, &sc);
  static const double bounds[] = {1, 10, 100};
  otelc_instrument_opts req = {.unit = "{request}", .description = "Requests"};
  otelc_instrument_opts dbl = {.is_double = true};
  otelc_instrument_opts lat = {.unit = "ms",
                               .is_double = true,
                               .advisory_boundaries = bounds,
                               .n_advisory_boundaries = 3};
  otelc_instrument_opts cel = {.unit = "Cel"};
  instruments in = {
      .requests = otelc_meter_counter(m, "sdk.requests", &req),
      .queue = otelc_meter_up_down_counter(m, "sdk.queue", &dbl),
      .latency = otelc_meter_histogram(m, "sdk.latency", &lat),
      .latency_exp = otelc_meter_histogram(m, "sdk.latency.exp", &dbl),
      .temperature = otelc_meter_gauge(m, "sdk.temperature", &cel)};
  return in;
}

/* Round 1; the GET requests inside @p span. */
static void round1(const instruments *in, otelc_span *span) {
  otelc_scope sc = otelc_span_activate(span);
  otelc_counter_add(in->requests, 3, OTELC_ATTRS(OTELC_STR("method", "GET")));
  otelc_context_detach(sc);
  otelc_counter_add(in->requests, 2, OTELC_ATTRS(OTELC_STR("method", "POST")));
  otelc_counter_add(in->requests, 1, NULL, 0);
  otelc_up_down_counter_add_double(in->queue, 5.5, NULL, 0);
  otelc_up_down_counter_add_double(in->queue, -2.25, NULL, 0);
  static const double lat[] = {0.5, 5, 50, 500};
  for (size_t i = 0; i < 4; i++)
    otelc_histogram_record(in->latency, lat[i],
                           OTELC_ATTRS(OTELC_STR("route", "/a")));
  static const double exp[] = {0, 1, 2, 4};
  for (size_t i = 0; i < 4; i++)
    otelc_histogram_record(in->latency_exp, exp[i], NULL, 0);
  otelc_gauge_record_int(in->temperature, 21,
                         OTELC_ATTRS(OTELC_STR("room", "a")));
  otelc_gauge_record_int(in->temperature, 23,
                         OTELC_ATTRS(OTELC_STR("room", "a")));
}

static void round2(const instruments *in) {
  otelc_counter_add(in->requests, 10, OTELC_ATTRS(OTELC_STR("method", "GET")));
  otelc_histogram_record(in->latency, 7, OTELC_ATTRS(OTELC_STR("route", "/a")));
  otelc_histogram_record(in->latency_exp, 3, NULL, 0);
}

/* A tracer provider with an always-on sampler (and a memory exporter, as
 * a provider without processors has disabled tracers). */
static otelc_tracer_provider *make_tracing(void) {
  otelc_span_exporter *mem = NULL;
  mt_check(otelc_memory_exporter_new(&mem), "otelc_memory_exporter_new");
  otelc_span_processor *proc = NULL;
  mt_check(otelc_simple_span_processor_new(mem, &proc),
           "otelc_simple_span_processor_new");
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &proc,
                                  .n_processors = 1};
  otelc_tracer_provider *tp = NULL;
  mt_check(otelc_tracer_provider_new(&o, &tp), "otelc_tracer_provider_new");
  return tp;
}

int mt_cmd_sdk(int argc, char **argv) {
  const char *expected_path = argv[0];
  bool from_env = false;
  uint32_t interval = 50;
  otelc_temporality_preference pref = OTELC_TEMPORALITY_PREF_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--from-env") == 0) {
      from_env = true;
    } else if (strcmp(a, "--interval-ms") == 0 && v) {
      interval = mt_parse_u32(a, v);
      i++;
    } else if (strcmp(a, "--temporality") == 0 && v) {
      pref = mt_temporality(v);
      i++;
    } else {
      mt_die("unknown sdk option %s", a);
    }
  }

  otelc_tracer_provider *tp = make_tracing();
  otelc_scope_info tsc = {.name = "otelc.test.sdk.tracing"};
  otelc_span *span = otelc_span_start(
      otelc_tracer_provider_get_tracer(tp, &tsc), "work", NULL);
  otelc_span_context ctx = otelc_span_get_context(span);
  char tid[33], sid[17];
  tj_hex(ctx.trace_id, 16, tid);
  tj_hex(ctx.span_id, 8, sid);

  tee t = {0};
  otelc_metric_exporter *e = NULL;
  otelc_metric_reader *reader = NULL;
  otelc_meter_provider *mp = NULL;
  if (from_env) {
    mt_check(otelc_meter_provider_new_from_env(NULL, &mp),
             "otelc_meter_provider_new_from_env");
  } else {
    t.expected = fopen(expected_path, "w");
    if (!t.expected)
      mt_die("cannot write %s", expected_path);
    otelc_metric_reader_prefs prefs;
    mt_check(otelc__otlp_metric_create(NULL, pref, &prefs, &t.otlp),
             "otelc__otlp_metric_create");
    mt_check(otelc_metric_exporter_new(&kTeeOps, &t, &prefs, &e),
             "otelc_metric_exporter_new");
    /* The counters of the OTLP state, read through the tee's handle. */
    otelc__otlp_registry_add(t.otlp, e);
    otelc_periodic_reader_opts ro = {
        .interval_ms = interval, .timeout_ms = 10000, .manual_tick = true};
    mt_check(otelc_periodic_reader_new(e, &ro, &reader),
             "otelc_periodic_reader_new");
    otelc_view view = {.instrument_name = "sdk.latency.exp",
                       .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM,
                                       .max_size = 20}};
    otelc_meter_provider_opts mo = {.readers = &reader,
                                    .n_readers = 1,
                                    .views = &view,
                                    .n_views = 1,
                                    .exemplar_filter =
                                        OTELC_EXEMPLAR_FILTER_ALWAYS_ON};
    mt_check(otelc_meter_provider_new(&mo, &mp), "otelc_meter_provider_new");
  }
  instruments in = make_instruments(mp);

  otelc_status st1, st2;
  round1(&in, span);
  if (from_env) {
    st1 = otelc_meter_provider_force_flush(mp, 10000);
  } else {
    sleep_ms(interval + 10);
    st1 = otelc_metric_reader_tick(reader);
  }
  round2(&in);
  if (from_env) {
    st2 = otelc_meter_provider_force_flush(mp, 10000);
  } else {
    sleep_ms(interval + 10);
    st2 = otelc_metric_reader_tick(reader);
  }
  otelc_status sh = otelc_meter_provider_shutdown(mp, 10000);
  printf("{\"%s\":[\"%s\",\"%s\"]", from_env ? "flushes" : "ticks",
         otelc_status_name(st1), otelc_status_name(st2));
  if (e)
    mt_print_stats(e); /* the exporter lives until the provider is freed */
  printf(",\"shutdown\":\"%s\",\"trace_id\":\"%s\",\"span_id\":\"%s\","
         "\"expected_lines\":%u}\n",
         otelc_status_name(sh), tid, sid, t.lines);
  fflush(stdout);
  otelc_meter_provider_free(mp);
  if (t.expected && fclose(t.expected) != 0)
    mt_die("cannot write %s", expected_path);
  otelc_span_end(span);
  otelc_tracer_provider_free(tp);
  return 0;
}
