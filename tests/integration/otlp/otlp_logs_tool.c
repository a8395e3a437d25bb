/*
 * otlp_logs_tool - otelc's side of the OTLP logs encoding test.
 *
 *   otlp_logs_tool encode <dir>
 *       Encodes the hand-made records of otlp_logs_data.c (two resources,
 *       three scopes, interleaved; every field and body kind) with the
 *       logs encoders and writes
 *         <dir>/request.pb      the ExportLogsServiceRequest in protobuf
 *         <dir>/request.json    the same in OTLP/JSON
 *         <dir>/expected.jsonl  their description (ld_write), one line
 *         <dir>/empty.pb, <dir>/empty.json  the request for no records
 *
 * The records are built by hand as otelc_log_data, so the tool uses the
 * encoders' internal entry points (otelc__otlp_logs_pb/json), which
 * otelc_otlp_encode_logs wraps for SDK records: it is linked with the
 * static library. (The SDK's records go through the public function in
 * otlp_logs_sdk_tool.)
 *
 * Exit status: 0 on success; 1 on a failure (an encoder failed, a file
 * could not be written); 2 on misuse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/otlp/otlp_internal.h"
#include "otelc/otelc.h"
#include "otlp_logs_data.h"

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt,
                                                                ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("otlp_logs_tool: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void write_file(const char *dir, const char *name, const void *data,
                       size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
    die("cannot write %s", path);
}

static void check(otelc_status st, const char *what) {
  if (st != OTELC_OK)
    die("%s: %s", what, otelc_strerror(st));
}

static int cmd_encode(const char *dir) {
  ld_set s;
  if (!ld_build(&s))
    die("cannot make the resources");
  otelc__buf b;
  otelc__buf_init(&b);
  check(otelc__otlp_logs_pb(&b, s.ptrs, LD_RECORDS), "protobuf");
  write_file(dir, "request.pb", b.data, b.len);
  check(otelc__otlp_logs_json(&b, s.ptrs, LD_RECORDS), "json");
  write_file(dir, "request.json", b.data, b.len);
  check(otelc__otlp_logs_pb(&b, NULL, 0), "protobuf, no records");
  write_file(dir, "empty.pb", b.data, b.len);
  check(otelc__otlp_logs_json(&b, NULL, 0), "json, no records");
  write_file(dir, "empty.json", b.data, b.len);
  otelc__buf_free(&b);

  char path[4096];
  snprintf(path, sizeof path, "%s/expected.jsonl", dir);
  FILE *f = fopen(path, "w");
  if (!f)
    die("cannot write %s", path);
  ld_write(f, s.ptrs, LD_RECORDS);
  if (fclose(f) != 0)
    die("cannot write %s", path);
  ld_free(&s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "encode") == 0)
    return cmd_encode(argv[2]);
  fprintf(stderr, "usage: otlp_logs_tool encode <dir>\n");
  return 2;
}
