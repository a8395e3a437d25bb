/*
 * otlp_metrics_tool - otelc's side of the OTLP metrics tests.
 *
 *   otlp_metrics_tool encode <dir>
 *       Encodes the hand-made collection of otlp_metrics_data.c with
 *       otelc_otlp_encode_metrics and writes
 *         <dir>/request.pb     the ExportMetricsServiceRequest in protobuf
 *         <dir>/request.json   the same in OTLP/JSON
 *         <dir>/expected.jsonl its description (md_write), one line
 *
 *   otlp_metrics_tool export <expected.jsonl> [options]   (libotelc_otlp)
 *       Makes an exporter with otelc_otlp_metric_exporter_new, hands it
 *       the same collection through its export operation (what a reader
 *       does), shuts it down, writes one description line per export and
 *       prints one JSON line on stdout: {"new": status, "exports":
 *       [status...], "export_ms": [ms...], "shutdown": status, "points":
 *       points per export, "stats": the exporter's counters}. Options:
 *         --endpoint URL      otelc_otlp_opts.endpoint
 *         --protocol P        protobuf, json or grpc
 *         --gzip              gzip compression
 *         --headers H         otelc_otlp_opts.headers
 *         --timeout MS        otelc_otlp_opts.timeout_ms
 *         --export-timeout MS the reader's timeout of each export (30000)
 *         --exports N         exports of the collection (1)
 *         --empty             export a collection without points instead
 *
 *   otlp_metrics_tool prefs [--temporality T]            (libotelc_otlp)
 *       Prints the reader preferences the exporter asks for:
 *       {"new", "temporality": [per instrument kind 0-7],
 *        "histogram_aggregation": n}. T: default (the environment),
 *       cumulative, delta, lowmemory.
 *
 *   otlp_metrics_tool sdk <expected.jsonl> [options]     (libotelc_otlp)
 *       The metrics SDK end to end; see otlp_metrics_sdk.c.
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
#include "otelc/otlp_encode.h"
#include "otlp_metrics_data.h"
#include "otlp_metrics_tool.h"
#ifdef OTELC_HAVE_OTLP_HTTP
#include "otlp_module.h"
#endif

void mt_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("otlp_metrics_tool: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

void mt_check(otelc_status st, const char *what) {
  if (st != OTELC_OK)
    mt_die("%s: %s", what, otelc_strerror(st));
}

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
    mt_die("cannot write %s", path);
}

static int cmd_encode(const char *dir) {
  otelc_resource_metrics d;
  if (!md_build(&d))
    mt_die("cannot make the resource");
  char path[4096];
  otelc_otlp_buffer buf = {0};
  mt_check(otelc_otlp_encode_metrics(&d, OTELC_OTLP_PROTOBUF, &buf),
           "otelc_otlp_encode_metrics(protobuf)");
  snprintf(path, sizeof path, "%s/request.pb", dir);
  write_file(path, buf.data, buf.len);
  mt_check(otelc_otlp_encode_metrics(&d, OTELC_OTLP_JSON, &buf),
           "otelc_otlp_encode_metrics(json)");
  snprintf(path, sizeof path, "%s/request.json", dir);
  write_file(path, buf.data, buf.len);
  otelc_otlp_buffer_free(&buf);

  snprintf(path, sizeof path, "%s/expected.jsonl", dir);
  FILE *f = fopen(path, "w");
  if (!f)
    mt_die("cannot write %s", path);
  md_write(f, &d);
  if (fclose(f) != 0)
    mt_die("cannot write %s", path);
  md_free(&d);
  return 0;
}

#ifdef OTELC_HAVE_OTLP_HTTP

uint32_t mt_parse_u32(const char *opt, const char *v) {
  char *end;
  unsigned long n = strtoul(v, &end, 10);
  if (!*v || *end || n > UINT32_MAX)
    mt_die("%s wants a number, not '%s'", opt, v);
  return (uint32_t)n;
}

uint64_t mt_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void mt_print_stats(otelc_metric_exporter *e) {
  otelc_otlp_stats s;
  otelc_otlp_metric_exporter_get_stats(e, &s);
  printf(",\"stats\":{\"exports\":%" PRIu64 ",\"attempts\":%" PRIu64
         ",\"succeeded\":%" PRIu64 ",\"failed\":%" PRIu64
         ",\"rejected\":%" PRIu64 ",\"last_http_status\":%ld}",
         s.exports, s.attempts, s.succeeded, s.failed, s.rejected_spans,
         s.last_http_status);
}

otelc_temporality_preference mt_temporality(const char *v) {
  static const char *const names[] = {"default", "cumulative", "delta",
                                      "lowmemory"};
  for (int i = 0; i < 4; i++)
    if (strcmp(v, names[i]) == 0)
      return (otelc_temporality_preference)i;
  mt_die("--temporality wants default, cumulative, delta or lowmemory");
}

static int cmd_export(int argc, char **argv) {
  const char *expected_path = argv[0];
  otelc_otlp_opts oo = {0};
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
      mt_die("%s wants a value", a);
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
        mt_die("--protocol wants protobuf, json or grpc");
    } else if (strcmp(a, "--headers") == 0) {
      oo.headers = v;
    } else if (strcmp(a, "--timeout") == 0) {
      oo.timeout_ms = mt_parse_u32(a, v);
    } else if (strcmp(a, "--export-timeout") == 0) {
      export_timeout = mt_parse_u32(a, v);
    } else if (strcmp(a, "--exports") == 0) {
      exports = mt_parse_u32(a, v);
    } else {
      mt_die("unknown option %s", a);
    }
  }

  otelc_metric_exporter *e = NULL;
  otelc_status st =
      otelc_otlp_metric_exporter_new(&oo, OTELC_TEMPORALITY_PREF_DEFAULT, &e);
  if (st != OTELC_OK) {
    printf("{\"new\":\"%s\"}\n", otelc_status_name(st));
    return 0;
  }
  void *state = otelc__otlp_metric_state(e);
  if (!state)
    mt_die("otelc__otlp_metric_state found no exporter");

  otelc_resource_metrics d;
  if (!md_build(&d))
    mt_die("cannot make the resource");
  otelc_resource_metrics none = {d.resource, NULL, 0};
  const otelc_resource_metrics *data = empty ? &none : &d;
  FILE *f = fopen(expected_path, "w");
  if (!f)
    mt_die("cannot write %s", expected_path);
  printf("{\"new\":\"OK\",\"points\":%zu,\"exports\":[", md_points(data));
  uint64_t *ms = calloc(exports ? exports : 1, sizeof *ms);
  if (!ms)
    mt_die("out of memory");
  for (uint32_t i = 0; i < exports; i++) {
    md_write(f, data);
    uint64_t t0 = mt_mono_ms();
    st = otelc__otlp_metric_ops.export_metrics(state, data, export_timeout);
    ms[i] = mt_mono_ms() - t0;
    printf("%s\"%s\"", i ? "," : "", otelc_status_name(st));
  }
  printf("],\"export_ms\":[");
  for (uint32_t i = 0; i < exports; i++)
    printf("%s%" PRIu64, i ? "," : "", ms[i]);
  free(ms);
  if (fclose(f) != 0)
    mt_die("cannot write %s", expected_path);
  st = otelc__otlp_metric_ops.shutdown(state, 1000);
  printf("],\"shutdown\":\"%s\"", otelc_status_name(st));
  st = otelc__otlp_metric_ops.export_metrics(state, data, export_timeout);
  printf(",\"after_shutdown\":\"%s\"", otelc_status_name(st));
  mt_print_stats(e);
  printf("}\n");
  fflush(stdout);
  otelc_metric_exporter_free(e);
  md_free(&d);
  return 0;
}

static int cmd_prefs(int argc, char **argv) {
  otelc_temporality_preference pref = OTELC_TEMPORALITY_PREF_DEFAULT;
  if (argc == 2 && strcmp(argv[0], "--temporality") == 0)
    pref = mt_temporality(argv[1]);
  else if (argc != 0)
    mt_die("prefs takes --temporality T only");
  otelc_metric_reader_prefs prefs;
  void *state = NULL;
  otelc_status st = otelc__otlp_metric_create(NULL, pref, &prefs, &state);
  printf("{\"new\":\"%s\"", otelc_status_name(st));
  if (st == OTELC_OK) {
    printf(",\"temporality\":[");
    for (int k = 0; k < OTELC_INSTRUMENT_KIND_COUNT; k++)
      printf("%s%d", k ? "," : "", (int)prefs.temporality[k]);
    printf("],\"histogram_aggregation\":%d", (int)prefs.histogram_aggregation);
    otelc__otlp_metric_ops.destroy(state);
  }
  printf("}\n");
  return 0;
}

#endif /* OTELC_HAVE_OTLP_HTTP */

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "encode") == 0)
    return cmd_encode(argv[2]);
#ifdef OTELC_HAVE_OTLP_HTTP
  if (argc >= 3 && strcmp(argv[1], "export") == 0)
    return cmd_export(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "prefs") == 0)
    return cmd_prefs(argc - 2, argv + 2);
  if (argc >= 3 && strcmp(argv[1], "sdk") == 0)
    return mt_cmd_sdk(argc - 2, argv + 2);
#else
  if (argc >= 2 && strcmp(argv[1], "encode") != 0) {
    fprintf(stderr, "otlp_metrics_tool: built without libotelc_otlp\n");
    return 4;
  }
#endif
  fprintf(stderr, "usage: otlp_metrics_tool encode <dir>\n"
                  "       otlp_metrics_tool export <expected.jsonl> [opts]\n"
                  "       otlp_metrics_tool prefs [--temporality T]\n"
                  "       otlp_metrics_tool sdk <expected.jsonl> [opts]\n");
  return 2;
}
