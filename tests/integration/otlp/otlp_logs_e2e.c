/*
 * otlp_logs_sdk_tool sdk <expected.jsonl> [--simple] [--from-env] - the
 * logs SDK end to end into the OTLP log exporter.
 *
 * A logger provider (resource service.name=otlp-logs-sdk) with a batch
 * log processor in manual-tick mode (schedule delay 50 ms), or with
 * --simple a simple processor, around the OTLP log exporter; a sampled
 * span "work" of a tracer provider. Two rounds of records, each followed
 * by a tick once the delay has passed (with --simple: a force flush; each
 * record was exported as it was emitted), then the provider's shutdown:
 *
 *   round 1: inside the span (made current):
 *              "inside the span"  INFO, {round=1}
 *              "failed"           ERROR, an exception (type IOError,
 *                                 message "disk full") and the caller's
 *                                 own exception.type=Mine, which wins
 *              "convenience 42"   otelc_log_warn through the global
 *                                 provider (scope otelc.test.convenience)
 *            outside any span:
 *              {k=v} map body     DEBUG, event name sdk.event
 *   round 2:   7 (int body)       FATAL, with the span's context given
 *                                 explicitly while no span is current
 *              "timed"            severity 10 "notice", both times given
 *
 * The exporter is the OTLP log exporter's own state
 * (otelc__otlp_log_create, configured by the environment) behind a thin
 * exporter that first writes the description of every batch it is handed
 * to <expected.jsonl> (one line per export), so that what arrives can be
 * compared with what the SDK produced, field by field.
 *
 * With --from-env the provider comes from
 * otelc_logger_provider_new_from_env instead (OTEL_LOGS_EXPORTER=otlp: the
 * module's registration, the batch processor configured by OTEL_BLRP_*
 * and the public otelc_otlp_log_exporter_new); the rounds are exported by
 * otelc_logger_provider_force_flush and nothing is written to
 * <expected.jsonl>.
 *
 * Prints one JSON line: {"ticks" (or with --simple or --from-env
 * "flushes"): [status...], "shutdown": status, "span_id", "trace_id"
 * (hex, of the span), "trace_flags" (its W3C flags: sampled, and random
 * as otelc's ids are), "expected_lines": exports described, "records":
 * records emitted, and "stats" (not with --from-env)}.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "otelc/exporters.h"
#include "otelc/otelc.h"
#include "otelc/sampler.h"
#include "otlp_logs_sdk.h"
#include "otlp_module.h"
#include "tool_json.h"

#define DELAY_MS 50u

/* The exporter handed to the processor: describes, then exports. */
typedef struct tee {
  void *otlp; /* the OTLP log exporter's state */
  FILE *expected;
  unsigned lines;
} tee;

static otelc_status tee_export(void *self, otelc_log_record *const *recs,
                               size_t n, uint32_t timeout_ms) {
  tee *t = self;
  lt_write_records(t->expected, recs, n);
  fflush(t->expected);
  t->lines++;
  return otelc__otlp_log_ops.export_logs(t->otlp, recs, n, timeout_ms);
}

static otelc_status tee_shutdown(void *self, uint32_t timeout_ms) {
  tee *t = self;
  return otelc__otlp_log_ops.shutdown(t->otlp, timeout_ms);
}

static void tee_destroy(void *self) {
  tee *t = self;
  otelc__otlp_log_ops.destroy(t->otlp);
  t->otlp = NULL;
}

static const otelc_log_exporter_ops kTeeOps = {
    .export_logs = tee_export,
    .shutdown = tee_shutdown,
    .destroy = tee_destroy,
};

static void sleep_ms(uint32_t ms) {
  struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* A tracer provider with an always-on sampler (and a memory exporter, as
 * a provider without processors has disabled tracers). */
static otelc_tracer_provider *make_tracing(void) {
  otelc_span_exporter *mem = NULL;
  lt_check(otelc_memory_exporter_new(&mem), "otelc_memory_exporter_new");
  otelc_span_processor *proc = NULL;
  lt_check(otelc_simple_span_processor_new(mem, &proc),
           "otelc_simple_span_processor_new");
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &proc,
                                  .n_processors = 1};
  otelc_tracer_provider *tp = NULL;
  lt_check(otelc_tracer_provider_new(&o, &tp), "otelc_tracer_provider_new");
  return tp;
}

static void emit(otelc_logger *l, const otelc_log_emit *e) {
  lt_check(otelc_logger_emit(l, e), "otelc_logger_emit");
}

static unsigned round1(otelc_logger *l, otelc_span *span) {
  otelc_scope sc = otelc_span_activate(span);
  otelc_log_emit e;
  memset(&e, 0, sizeof e);
  e.severity = OTELC_SEVERITY_INFO;
  e.body_str = "inside the span";
  e.attrs = (const otelc_attr[]){OTELC_INT("round", 1)};
  e.n_attrs = 1;
  emit(l, &e);

  memset(&e, 0, sizeof e);
  e.severity = OTELC_SEVERITY_ERROR;
  e.body_str = "failed";
  e.attrs = (const otelc_attr[]){OTELC_STR("exception.type", "Mine")};
  e.n_attrs = 1;
  e.exception_type = "IOError";
  e.exception_message = "disk full";
  emit(l, &e);

  otelc_log_warn("convenience %d", 42);
  otelc_context_detach(sc);

  static const otelc_attr kv[] = {OTELC_STR("k", "v")};
  otelc_value map = {OTELC_VALUE_MAP, 1, {.kvs = kv}};
  memset(&e, 0, sizeof e);
  e.severity = OTELC_SEVERITY_DEBUG;
  e.body = &map;
  e.event_name = "sdk.event";
  emit(l, &e);
  return 4;
}

static unsigned round2(otelc_logger *l, otelc_span *span) {
  otelc_context *ctx = otelc_context_with_span(NULL, span);
  if (!ctx)
    lt_die("otelc_context_with_span failed");
  otelc_value seven = {OTELC_VALUE_INT, 0, {.i = 7}};
  otelc_log_emit e;
  memset(&e, 0, sizeof e);
  e.severity = OTELC_SEVERITY_FATAL;
  e.body = &seven;
  e.context = ctx;
  emit(l, &e);
  otelc_context_release(ctx);

  memset(&e, 0, sizeof e);
  e.timestamp = 1700000000000000000u;
  e.observed_timestamp = 1700000000000000001u;
  e.severity = 10;
  e.severity_text = "notice";
  e.body_str = "timed";
  emit(l, &e);
  return 2;
}

int lt_cmd_sdk(int argc, char **argv) {
  const char *expected_path = argv[0];
  bool from_env = false, simple = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--from-env") == 0)
      from_env = true;
    else if (strcmp(argv[i], "--simple") == 0)
      simple = true;
    else
      lt_die("unknown sdk option %s", argv[i]);
  }

  otelc_tracer_provider *tp = make_tracing();
  otelc_scope_info tsc = {.name = "otelc.test.logs.tracing"};
  otelc_span *span = otelc_span_start(
      otelc_tracer_provider_get_tracer(tp, &tsc), "work", NULL);
  otelc_span_context ctx = otelc_span_get_context(span);
  char tid[33], sid[17];
  tj_hex(ctx.trace_id, 16, tid);
  tj_hex(ctx.span_id, 8, sid);

  tee t = {NULL, NULL, 0};
  otelc_log_exporter *e = NULL;
  otelc_log_processor *proc = NULL;
  otelc_logger_provider *lp = NULL;
  otelc_resource *res = NULL;
  if (from_env) {
    lt_check(otelc_logger_provider_new_from_env(NULL, &lp),
             "otelc_logger_provider_new_from_env");
  } else {
    t.expected = fopen(expected_path, "w");
    if (!t.expected)
      lt_die("cannot write %s", expected_path);
    lt_check(otelc__otlp_log_create(NULL, &t.otlp), "otelc__otlp_log_create");
    lt_check(otelc_log_exporter_new(&kTeeOps, &t, &e),
             "otelc_log_exporter_new");
    /* The counters of the OTLP state, read through the tee's handle. */
    otelc__otlp_registry_add(t.otlp, e);
    if (simple) {
      lt_check(otelc_simple_log_processor_new(e, &proc),
               "otelc_simple_log_processor_new");
    } else {
      otelc_log_batch_opts bo = {.schedule_delay_ms = DELAY_MS,
                                 .export_timeout_ms = 10000,
                                 .manual_tick = true};
      lt_check(otelc_batch_log_processor_new(e, &bo, &proc),
               "otelc_batch_log_processor_new");
    }
    lt_check(otelc_resource_new(
                 OTELC_ATTRS(OTELC_STR("service.name", "otlp-logs-sdk")), NULL,
                 &res),
             "otelc_resource_new");
    otelc_logger_provider_opts po;
    memset(&po, 0, sizeof po);
    po.resource = res;
    po.processors = &proc;
    po.n_processors = 1;
    lt_check(otelc_logger_provider_new(&po, &lp), "otelc_logger_provider_new");
  }
  otelc_logger_provider_set_global(lp);
  otelc_log_settings ls = {.no_console_line = true,
                           .logger_name = "otelc.test.convenience"};
  otelc_log_configure(&ls);
  otelc_scope_info lsc = {.name = "otelc.test.logs", .version = "0.1.0"};
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lsc);

  otelc_status st[2];
  unsigned records = round1(l, span);
  for (int r = 0; r < 2; r++) {
    if (r == 1)
      records += round2(l, span);
    if (from_env || simple) {
      st[r] = otelc_logger_provider_force_flush(lp, 10000);
    } else {
      sleep_ms(DELAY_MS + 10);
      st[r] = otelc_log_processor_tick(proc);
    }
  }
  otelc_status sh = otelc_logger_provider_shutdown(lp, 10000);
  printf("{\"%s\":[\"%s\",\"%s\"]", from_env || simple ? "flushes" : "ticks",
         otelc_status_name(st[0]), otelc_status_name(st[1]));
  if (e)
    lt_print_stats(e); /* the exporter lives until the provider is freed */
  printf(",\"shutdown\":\"%s\",\"trace_id\":\"%s\",\"span_id\":\"%s\","
         "\"trace_flags\":%u,\"expected_lines\":%u,\"records\":%u}\n",
         otelc_status_name(sh), tid, sid, (unsigned)ctx.trace_flags, t.lines,
         records);
  fflush(stdout);
  otelc_log_configure(NULL);
  otelc_logger_provider_set_global(NULL);
  otelc_logger_provider_free(lp);
  otelc_resource_release(res);
  if (t.expected && fclose(t.expected) != 0)
    lt_die("cannot write %s", expected_path);
  otelc_span_end(span);
  otelc_tracer_provider_free(tp);
  return 0;
}
