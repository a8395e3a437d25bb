/*
 * otlp_logs_sdk_tool - the OTLP log exporter (libotelc_otlp) driven with
 * records made by the logs SDK, for the HTTP, gRPC and end-to-end tests.
 *
 *   otlp_logs_sdk_tool export <expected.jsonl> [options]
 *       Emits the hand-made records of otlp_logs_data.c through two logger
 *       providers (one per resource; attribute count limit 10, so that the
 *       record with every attribute kind has some dropped), each with a
 *       processor that keeps what it is given, and a logger per scope;
 *       records with trace ids are emitted with a remote span context.
 *       Makes an exporter with otelc_otlp_log_exporter_new, hands it the
 *       kept records through its export operation (what a log processor
 *       does), shuts it down, writes one description line per export
 *       (ld_write) and prints one JSON line on stdout: {"new": status,
 *       "records": records per export, "exports": [status...],
 *       "export_ms": [ms...], "shutdown", "after_shutdown", "stats": the
 *       exporter's counters}. Options:
 *         --endpoint URL      otelc_otlp_opts.endpoint
 *         --protocol P        protobuf, json or grpc
 *         --gzip              gzip compression
 *         --headers H         otelc_otlp_opts.headers
 *         --timeout MS        otelc_otlp_opts.timeout_ms
 *         --export-timeout MS the processor's timeout of each export
 *                             (30000)
 *         --exports N         exports of the records (1)
 *         --empty             export no records instead
 *
 *   otlp_logs_sdk_tool sdk <expected.jsonl> [--simple] [--from-env]
 *       The logs SDK end to end; see otlp_logs_e2e.c.
 *
 * Statuses are otelc_status_name() strings. Exit status: 0 on success; 1
 * on a failure (an otelc call failed, a file could not be written); 2 on
 * misuse.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelc/otelc.h"
#include "otlp_logs_data.h"
#include "otlp_logs_sdk.h"
#include "otlp_module.h"

void lt_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("otlp_logs_sdk_tool: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

void lt_check(otelc_status st, const char *what) {
  if (st != OTELC_OK)
    lt_die("%s: %s", what, otelc_strerror(st));
}

static uint32_t parse_u32(const char *opt, const char *v) {
  char *end;
  unsigned long n = strtoul(v, &end, 10);
  if (!*v || *end || n > UINT32_MAX)
    lt_die("%s wants a number, not '%s'", opt, v);
  return (uint32_t)n;
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void lt_print_stats(otelc_log_exporter *e) {
  otelc_otlp_stats s;
  otelc_otlp_log_exporter_get_stats(e, &s);
  printf(",\"stats\":{\"exports\":%" PRIu64 ",\"attempts\":%" PRIu64
         ",\"succeeded\":%" PRIu64 ",\"failed\":%" PRIu64
         ",\"rejected\":%" PRIu64 ",\"last_http_status\":%ld}",
         s.exports, s.attempts, s.succeeded, s.failed, s.rejected_spans,
         s.last_http_status);
}

void lt_write_records(FILE *f, otelc_log_record *const *recs, size_t n) {
  const otelc_log_data *d[LT_MAX_RECORDS];
  if (n > LT_MAX_RECORDS)
    lt_die("%zu records to describe, at most %d", n, LT_MAX_RECORDS);
  for (size_t i = 0; i < n; i++)
    d[i] = otelc_log_record_data(recs[i]);
  ld_write(f, d, n);
}

/* ------------------------------------------------- the kept records -- */

/* A processor that keeps every record it is given. */
typedef struct keep {
  otelc_log_record *recs[LT_MAX_RECORDS];
  size_t n;
} keep;

static void keep_on_emit(void *self, otelc_log_record *r,
                         const otelc_context *ctx) {
  (void)ctx;
  keep *k = self;
  if (k->n == LT_MAX_RECORDS)
    lt_die("too many records");
  otelc_log_record_retain(r);
  k->recs[k->n++] = r;
}

static const otelc_log_processor_ops kKeepOps = {keep_on_emit, NULL, NULL,
                                                 NULL};

/* Emit record @p d of the set with logger @p l. */
static void emit(otelc_logger *l, const otelc_log_data *d) {
  otelc_log_emit e;
  memset(&e, 0, sizeof e);
  e.timestamp = d->timestamp;
  e.observed_timestamp = d->observed_timestamp;
  /* The SDK takes SeverityNumbers only. */
  e.severity = d->severity >= 0 && d->severity <= 24 ? d->severity : 0;
  e.severity_text = d->severity_text;
  if (d->body.type != OTELC_VALUE_EMPTY)
    e.body = &d->body;
  e.attrs = d->attrs;
  e.n_attrs = d->n_attrs;
  e.event_name = d->event_name;
  otelc_context *ctx = NULL;
  otelc_span_context sc;
  memcpy(sc.trace_id, d->trace_id, 16);
  memcpy(sc.span_id, d->span_id, 8);
  sc.trace_flags = d->trace_flags;
  sc.is_remote = true;
  if (otelc_span_context_is_valid(&sc)) {
    ctx = otelc_context_with_remote(NULL, &sc, NULL);
    if (!ctx)
      lt_die("otelc_context_with_remote failed");
    e.context = ctx;
  }
  lt_check(otelc_logger_emit(l, &e), "otelc_logger_emit");
  otelc_context_release(ctx);
}

/* The set's records as the SDK makes them, in @p k; the providers in
 * @p lps (one per resource). */
static void make_records(const ld_set *s, keep *k,
                         otelc_logger_provider *lps[LD_RESOURCES]) {
  otelc_log_limits limits = {.attr_count = 10, .attr_value_length = UINT32_MAX};
  for (size_t r = 0; r < LD_RESOURCES; r++) {
    otelc_log_processor *p = NULL;
    lt_check(otelc_log_processor_new(&kKeepOps, k, &p),
             "otelc_log_processor_new");
    otelc_logger_provider_opts o;
    memset(&o, 0, sizeof o);
    o.resource = s->resources[r];
    o.processors = &p;
    o.n_processors = 1;
    o.limits = &limits;
    lt_check(otelc_logger_provider_new(&o, &lps[r]),
             "otelc_logger_provider_new");
  }
  for (size_t i = 0; i < LD_RECORDS; i++) {
    const otelc_log_data *d = &s->records[i];
    size_t r = d->resource == s->resources[0] ? 0 : 1;
    emit(otelc_logger_provider_get_logger(lps[r], d->scope), d);
  }
}

/* ------------------------------------------------------------ export -- */

static int cmd_export(int argc, char **argv) {
  const char *expected_path = argv[0];
  otelc_otlp_opts oo;
  memset(&oo, 0, sizeof oo);
  uint32_t export_timeout = 30000, exports = 1;
  bool empty = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--gzip") == 0) {
      oo.compression = OTELC_OTLP_COMPRESSION_GZIP;
      continue;
    }
    if (strcmp(a, "--empty") == 0) {
      empty = true;
      continue;
    }
    if (!v)
      lt_die("%s wants a value", a);
    i++;
    if (strcmp(a, "--endpoint") == 0) {
      oo.endpoint = v;
    } else if (strcmp(a, "--protocol") == 0) {
      if (strcmp(v, "json") == 0)
        oo.protocol = OTELC_OTLP_HTTP_JSON;
      else if (strcmp(v, "protobuf") == 0)
        oo.protocol = OTELC_OTLP_HTTP_PROTOBUF;
      else if (strcmp(v, "grpc") == 0)
        oo.protocol = OTELC_OTLP_GRPC;
      else
        lt_die("--protocol wants protobuf, json or grpc");
    } else if (strcmp(a, "--headers") == 0) {
      oo.headers = v;
    } else if (strcmp(a, "--timeout") == 0) {
      oo.timeout_ms = parse_u32(a, v);
    } else if (strcmp(a, "--export-timeout") == 0) {
      export_timeout = parse_u32(a, v);
    } else if (strcmp(a, "--exports") == 0) {
      exports = parse_u32(a, v);
    } else {
      lt_die("unknown option %s", a);
    }
  }

  otelc_log_exporter *e = NULL;
  otelc_status st = otelc_otlp_log_exporter_new(&oo, &e);
  if (st != OTELC_OK) {
    printf("{\"new\":\"%s\"}\n", otelc_status_name(st));
    return 0;
  }
  void *state = otelc__otlp_log_state(e);
  if (!state)
    lt_die("otelc__otlp_log_state found no exporter");

  ld_set s;
  if (!ld_build(&s))
    lt_die("cannot make the resources");
  keep k = {{NULL}, 0};
  otelc_logger_provider *lps[LD_RESOURCES] = {NULL};
  make_records(&s, &k, lps);
  size_t n = empty ? 0 : k.n;

  FILE *f = fopen(expected_path, "w");
  if (!f)
    lt_die("cannot write %s", expected_path);
  printf("{\"new\":\"OK\",\"records\":%zu,\"exports\":[", n);
  uint64_t *ms = calloc(exports ? exports : 1, sizeof *ms);
  if (!ms)
    lt_die("out of memory");
  for (uint32_t i = 0; i < exports; i++) {
    lt_write_records(f, k.recs, n);
    uint64_t t0 = mono_ms();
    st = otelc__otlp_log_ops.export_logs(state, k.recs, n, export_timeout);
    ms[i] = mono_ms() - t0;
    printf("%s\"%s\"", i ? "," : "", otelc_status_name(st));
  }
  printf("],\"export_ms\":[");
  for (uint32_t i = 0; i < exports; i++)
    printf("%s%" PRIu64, i ? "," : "", ms[i]);
  free(ms);
  if (fclose(f) != 0)
    lt_die("cannot write %s", expected_path);
  st = otelc__otlp_log_ops.shutdown(state, 1000);
  printf("],\"shutdown\":\"%s\"", otelc_status_name(st));
  st = otelc__otlp_log_ops.export_logs(state, k.recs, n, export_timeout);
  printf(",\"after_shutdown\":\"%s\"", otelc_status_name(st));
  lt_print_stats(e);
  printf("}\n");
  fflush(stdout);
  otelc_log_exporter_free(e);
  for (size_t i = 0; i < k.n; i++)
    otelc_log_record_release(k.recs[i]);
  for (size_t r = 0; r < LD_RESOURCES; r++)
    otelc_logger_provider_free(lps[r]);
  ld_free(&s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "export") == 0)
    return cmd_export(argc - 2, argv + 2);
  if (argc >= 3 && strcmp(argv[1], "sdk") == 0)
    return lt_cmd_sdk(argc - 2, argv + 2);
  fprintf(stderr, "usage: otlp_logs_sdk_tool export <expected.jsonl> [opts]\n"
                  "       otlp_logs_sdk_tool sdk <expected.jsonl> [opts]\n");
  return 2;
}
