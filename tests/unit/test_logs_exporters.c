/* The log exporters: the console line format, the memory exporter, and
 * OTLP/JSON lines to a file with rotation. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs_fixture.h"
#include "test_helpers.h"

/* A provider with a simple processor over @p e and the given count
 * limit. */
static otelc_logger_provider *provider_for(otelc_log_exporter *e,
                                           uint32_t count_limit) {
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_simple_log_processor_new(e, &p), OTELC_OK);
  otelc_log_limits lim = {count_limit, UINT32_MAX};
  otelc_logger_provider_opts o = {
      .processors = &p, .n_processors = 1, .limits = &lim};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  return lp;
}

static char *read_file(FILE *f) {
  static char buf[8192];
  fflush(f);
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  return buf;
}

static void hex(const uint8_t *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void test_console_line_format(void **state) {
  (void)state;
  FILE *out = tmpfile();
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_console_log_exporter_new(out, &e), OTELC_OK);
  otelc_logger_provider *lp = provider_for(e, 1);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  lfix f = {0};
  lfix_init(&f); /* for its tracer */
  otelc_span *s = otelc_span_start(f.tracer, "op", NULL);
  otelc_scope sc = otelc_span_activate(s);
  otelc_attr attrs[] = {OTELC_STR("path", "/var")};
  otelc_log_emit r1 = {.timestamp = 1700000000123456789ull,
                       .severity = OTELC_SEVERITY_ERROR,
                       .severity_text = "error",
                       .body_str = "disk full\n",
                       .attrs = attrs,
                       .n_attrs = 1};
  assert_int_equal(otelc_logger_emit(l, &r1), OTELC_OK);
  otelc_context_detach(sc);

  otelc_attr kvs[] = {OTELC_INT("a", 1), OTELC_STR("b", "x")};
  otelc_value map = {OTELC_VALUE_MAP, 2, {.kvs = kvs}};
  otelc_log_emit r2 = {.observed_timestamp = 1700000000000000000ull,
                       .severity_text = "custom",
                       .body = &map,
                       .event_name = "app.evt",
                       .attrs = kvs,
                       .n_attrs = 2};
  assert_int_equal(otelc_logger_emit(l, &r2), OTELC_OK);
  otelc_log_emit r3 = {.observed_timestamp = 1000000001ull};
  assert_int_equal(otelc_logger_emit(l, &r3), OTELC_OK);
  uint8_t bytes[] = {1, 0xab};
  otelc_value bv = {OTELC_VALUE_BYTES, 2, {.bytes = bytes}};
  otelc_log_emit r4 = {.observed_timestamp = 1000000001ull,
                       .severity = OTELC_SEVERITY_DEBUG + 1,
                       .body = &bv};
  assert_int_equal(otelc_logger_emit(l, &r4), OTELC_OK);

  otelc_span_context ctx = otelc_span_get_context(s);
  char tid[33], sid[17], want[1024];
  hex(ctx.trace_id, 16, tid);
  hex(ctx.span_id, 8, sid);
  snprintf(want, sizeof want,
           "2023-11-14T22:13:20.123456789Z ERROR disk full\\n "
           "[trace:%s span:%s] path=\"/var\"\n"
           "2023-11-14T22:13:20.000000000Z custom {a=1, b=\"x\"} "
           "event=app.evt a=1 dropped(attrs=1)\n"
           "1970-01-01T00:00:01.000000001Z UNSPECIFIED\n"
           "1970-01-01T00:00:01.000000001Z DEBUG2 0x01ab\n",
           tid, sid);
  assert_string_equal(read_file(out), want);
  otelc_span_end(s);
  otelc_logger_provider_free(lp);
  lfix_free(&f);
  fclose(out);
}

static void test_memory_exporter(void **state) {
  (void)state;
  otelc_log_exporter *mem = NULL;
  assert_int_equal(otelc_memory_log_exporter_new(&mem), OTELC_OK);
  otelc_logger_provider *lp = provider_for(mem, 128);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  lfix_emit(l, 9, "one");
  lfix_emit(l, 9, "two");
  assert_int_equal(otelc_memory_log_exporter_count(mem), 2);
  assert_string_equal(
      otelc_log_record_data(otelc_memory_log_exporter_get(mem, 1))->body.u.str,
      "two");
  assert_null(otelc_memory_log_exporter_get(mem, 2));
  otelc_memory_log_exporter_clear(mem);
  assert_int_equal(otelc_memory_log_exporter_count(mem), 0);
  lfix_emit(l, 9, "three");
  assert_int_equal(otelc_memory_log_exporter_count(mem), 1);
  /* Another kind of exporter is not a memory exporter. */
  otelc_log_exporter *con = NULL;
  assert_int_equal(otelc_console_log_exporter_new(NULL, &con), OTELC_OK);
  assert_int_equal(otelc_memory_log_exporter_count(con), 0);
  assert_null(otelc_memory_log_exporter_get(con, 0));
  otelc_memory_log_exporter_clear(con);
  assert_int_equal(otelc_memory_log_exporter_count(NULL), 0);
  otelc_log_exporter_free(con);
  otelc_logger_provider_free(lp);
}

static char tmpdir[64];

static int make_dir(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/otelc-logs-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static size_t count_lines(const char *path, char *content, size_t cap) {
  FILE *f = fopen(path, "r");
  if (!f)
    return 0;
  size_t n = fread(content, 1, cap - 1, f);
  content[n] = '\0';
  fclose(f);
  size_t lines = 0;
  for (size_t i = 0; i < n; i++)
    lines += content[i] == '\n';
  return lines;
}

static void test_file_exporter_writes_json_lines(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "%s/logs.jsonl", tmpdir);
  otelc_file_exporter_opts o = {.path = path};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_file_log_exporter_new(&o, &e), OTELC_OK);
  otelc_logger_provider *lp = provider_for(e, 128);
  otelc_logger *l = otelc_logger_provider_get_logger(
      lp, &(otelc_scope_info){.name = "file.test"});
  lfix_emit(l, OTELC_SEVERITY_WARN, "first record");
  lfix_emit(l, OTELC_SEVERITY_INFO, "second record");
  otelc_logger_provider_free(lp);
  static char content[65536];
  assert_int_equal(count_lines(path, content, sizeof content), 2);
  assert_non_null(strstr(content, "\"resourceLogs\""));
  assert_non_null(strstr(content, "first record"));
  assert_non_null(strstr(content, "second record"));
  assert_non_null(strstr(content, "file.test"));
  char *second = strchr(content, '\n') + 1;
  assert_null(strstr(second, "first record")); /* one export per line */
}

static void test_file_exporter_rotates(void **state) {
  (void)state;
  char path[128], rotated[140];
  snprintf(path, sizeof path, "%s/rot.jsonl", tmpdir);
  snprintf(rotated, sizeof rotated, "%s.1", path);
  otelc_file_exporter_opts o = {.path = path, .max_bytes = 200, .max_files = 2};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_file_log_exporter_new(&o, &e), OTELC_OK);
  otelc_logger_provider *lp = provider_for(e, 128);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  for (int i = 0; i < 4; i++)
    lfix_emit(l, 9, "a record long enough to pass the size limit");
  otelc_logger_provider_free(lp);
  static char content[65536];
  /* Each line alone passes 200 bytes: one per file, two files kept. */
  assert_int_equal(count_lines(path, content, sizeof content), 1);
  assert_int_equal(count_lines(rotated, content, sizeof content), 1);
  char third[140];
  snprintf(third, sizeof third, "%s.3", path);
  assert_int_equal(access(third, F_OK), -1);
}

static void test_file_exporter_bad_path(void **state) {
  (void)state;
  otelc_file_exporter_opts o = {.path = "/nonexistent-dir/x/logs.jsonl"};
  otelc_log_exporter *e = NULL;
  test_diag_capture();
  assert_int_equal(otelc_file_log_exporter_new(&o, &e), OTELC_ERR_IO);
  assert_null(e);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
  assert_int_equal(otelc_file_log_exporter_new(&o, NULL),
                   OTELC_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_console_line_format),
      cmocka_unit_test(test_memory_exporter),
      cmocka_unit_test(test_file_exporter_writes_json_lines),
      cmocka_unit_test(test_file_exporter_rotates),
      cmocka_unit_test(test_file_exporter_bad_path),
  };
  return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
