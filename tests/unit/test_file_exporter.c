/* The OTLP/JSON lines file exporter: one request per line, rotation by
 * size, and write errors that fail the export without stopping anything. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_helpers.h"
#include "trace_fixture.h"

typedef struct env {
  char dir[64];
  char path[128];
} env;

static void env_init(env *e) {
  snprintf(e->dir, sizeof e->dir, "/tmp/otelc-file-XXXXXX");
  assert_non_null(mkdtemp(e->dir));
  snprintf(e->path, sizeof e->path, "%s/spans.jsonl", e->dir);
}

static void env_free(env *e) {
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
  assert_int_equal(system(cmd), 0);
}

static otelc_tracer_provider *provider(otelc_span_exporter *exp,
                                       otelc_tracer **t) {
  otelc_span_processor *p;
  assert_int_equal(otelc_simple_span_processor_new(exp, &p), OTELC_OK);
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &p,
                                  .n_processors = 1};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  *t = otelc_tracer_provider_get_tracer(tp,
                                        &(otelc_scope_info){.name = "file"});
  return tp;
}

/* Lines in @p path, checking that each is one request and that the file
 * ends with a newline. 0 when the file does not exist. */
static size_t count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return 0;
  static char line[1 << 16];
  size_t n = 0;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    assert_true(len > 0 && line[len - 1] == '\n');
    assert_memory_equal(line, "{\"resourceSpans\"", 16);
    n++;
  }
  fclose(f);
  return n;
}

static void test_one_line_per_export(void **state) {
  (void)state;
  env e;
  env_init(&e);
  otelc_span_exporter *exp;
  otelc_file_exporter_opts o = {.path = e.path};
  assert_int_equal(otelc_file_exporter_new(&o, &exp), OTELC_OK);
  otelc_tracer *t;
  otelc_tracer_provider *tp = provider(exp, &t);
  for (int i = 0; i < 5; i++) {
    otelc_span *s = otelc_span_start(t, "line", NULL);
    otelc_span_set_str(s, "text", "with \"quotes\" and a\nnewline");
    otelc_span_end(s);
  }
  otelc_tracer_provider_free(tp);
  assert_int_equal(count_lines(e.path), 5);
  env_free(&e);
}

static void test_rotation_by_size(void **state) {
  (void)state;
  env e;
  env_init(&e);
  otelc_span_exporter *exp;
  otelc_file_exporter_opts o = {.path = e.path, .max_bytes = 1500,
                                .max_files = 2};
  assert_int_equal(otelc_file_exporter_new(&o, &exp), OTELC_OK);
  otelc_tracer *t;
  otelc_tracer_provider *tp = provider(exp, &t);
  for (int i = 0; i < 40; i++)
    otelc_span_end(otelc_span_start(t, "rotated", NULL));
  otelc_tracer_provider_free(tp);
  char p1[160], p2[160], p3[160];
  snprintf(p1, sizeof p1, "%s.1", e.path);
  snprintf(p2, sizeof p2, "%s.2", e.path);
  snprintf(p3, sizeof p3, "%s.3", e.path);
  struct stat sb;
  assert_int_equal(stat(e.path, &sb), 0);
  assert_true((uint64_t)sb.st_size <= 1500);
  assert_int_equal(stat(p1, &sb), 0);
  assert_true((uint64_t)sb.st_size <= 1500);
  assert_int_equal(stat(p2, &sb), 0);
  assert_int_not_equal(stat(p3, &sb), 0); /* only max_files kept */
  /* Whole lines only, in every file. */
  size_t total = count_lines(e.path) + count_lines(p1) +
                 count_lines(p2);
  assert_true(total > 0 && total < 40);
  env_free(&e);
}

static void test_unopenable_path(void **state) {
  (void)state;
  test_diag_capture();
  otelc_span_exporter *exp = NULL;
  otelc_file_exporter_opts o = {.path = "/nonexistent-dir/x/spans.jsonl"};
  assert_int_equal(otelc_file_exporter_new(&o, &exp), OTELC_ERR_IO);
  assert_null(exp);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "/nonexistent-dir/x"));
  test_diag_release();
  assert_int_equal(otelc_file_exporter_new(NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
}

static void test_write_errors_fail_exports_and_warn_once(void **state) {
  (void)state;
  if (access("/dev/full", W_OK) != 0)
    skip();
  test_diag_capture();
  otelc_span_exporter *exp;
  otelc_file_exporter_opts o = {.path = "/dev/full"};
  assert_int_equal(otelc_file_exporter_new(&o, &exp), OTELC_OK);
  otelc_tracer *t;
  otelc_span_processor *p;
  assert_int_equal(otelc_simple_span_processor_new(exp, &p), OTELC_OK);
  otelc_tracer_provider_opts po = {.sampler = otelc_sampler_always_on(),
                                   .processors = &p,
                                   .n_processors = 1};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&po, &tp), OTELC_OK);
  t = otelc_tracer_provider_get_tracer(tp, &(otelc_scope_info){.name = "x"});
  for (int i = 0; i < 3; i++)
    otelc_span_end(otelc_span_start(t, "lost", NULL));
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(p, &st);
  assert_int_equal(st.export_failed, 3);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
  otelc_tracer_provider_free(tp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_line_per_export),
      cmocka_unit_test(test_rotation_by_size),
      cmocka_unit_test(test_unopenable_path),
      cmocka_unit_test(test_write_errors_fail_exports_and_warn_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
