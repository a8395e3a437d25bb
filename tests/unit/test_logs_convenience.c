/* Convenience logging: the exact console line with and without a span,
 * attributes on the line, long messages cut at a UTF-8 boundary, the
 * minimum severity, the syslog adapters and severity names. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "common/internal.h"
#include "logs_fixture.h"

static FILE *out;

static void configure(int min_severity, bool no_line, const char *name) {
  if (!out)
    out = tmpfile();
  assert_non_null(out);
  otelc_log_settings s = {.min_severity = min_severity,
                          .no_console_line = no_line,
                          .console = out,
                          .logger_name = name};
  otelc_log_configure(&s);
}

/* Everything written to the console stream since the last call. */
static char *take_output(void) {
  static char buf[65536];
  fflush(out);
  rewind(out);
  size_t n = fread(buf, 1, sizeof buf - 1, out);
  buf[n] = '\0';
  assert_int_equal(ftruncate(fileno(out), 0), 0);
  rewind(out);
  return buf;
}

static int setup(void **state) {
  lfix *f = calloc(1, sizeof *f);
  lfix_init(f);
  otelc_logger_provider_set_global(f->lp);
  configure(0, false, NULL);
  take_output();
  *state = f;
  return 0;
}

static int teardown(void **state) {
  lfix *f = *state;
  otelc_logger_provider_set_global(NULL);
  otelc_log_configure(NULL);
  lfix_free(f);
  free(f);
  return 0;
}

static void test_line_and_record_without_span(void **state) {
  lfix *f = *state;
  otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "hello %d", 42);
  assert_string_equal(take_output(), "INFO hello 42\n");
  assert_int_equal(lfix_count(f), 1);
  const otelc_log_data *d = lfix_get(f, 0);
  assert_int_equal(d->severity, OTELC_SEVERITY_INFO);
  assert_string_equal(d->body.u.str, "hello 42");
  assert_int_equal(d->body.len, 8);
  assert_null(d->severity_text);
  assert_string_equal(d->scope->name, "otelc.log");
  assert_true(lfix_zero(d->span_id, 8));
}

static void test_line_and_record_in_span(void **state) {
  lfix *f = *state;
  otelc_span *s = otelc_span_start(f->tracer, "op", NULL);
  otelc_scope sc = otelc_span_activate(s);
  otelc_log_warn("retry %s", "soon");
  otelc_context_detach(sc);
  otelc_span_context ctx = otelc_span_get_context(s);
  char tid[33], sid[17], want[128];
  for (int i = 0; i < 16; i++)
    snprintf(tid + 2 * i, 3, "%02x", ctx.trace_id[i]);
  for (int i = 0; i < 8; i++)
    snprintf(sid + 2 * i, 3, "%02x", ctx.span_id[i]);
  snprintf(want, sizeof want, "WARN retry soon [trace:%s span:%s]\n", tid, sid);
  assert_string_equal(take_output(), want);
  const otelc_log_data *d = lfix_get(f, 0);
  assert_memory_equal(d->span_id, ctx.span_id, 8);
  assert_memory_equal(d->trace_id, ctx.trace_id, 16);
  otelc_span_end(s);
}

static void test_attributes_on_line_and_record(void **state) {
  lfix *f = *state;
  const char *tags[] = {"a", "b"};
  otelc_attr attrs[] = {
      OTELC_STR("user", "bob smith"),   OTELC_INT("n", 3),
      OTELC_BOOL("ok", false),          OTELC_DOUBLE("r", 0.5),
      OTELC_STR_ARRAY("tags", tags, 2), OTELC_STR("odd key", "q\"x")};
  otelc_logf(OTELC_SEVERITY_ERROR, attrs, 6, "done");
  assert_string_equal(take_output(),
                      "ERROR done user=\"bob smith\" n=3 ok=false r=0.5 "
                      "tags=[\"a\", \"b\"] \"odd key\"=\"q\\\"x\"\n");
  const otelc_log_data *d = lfix_get(f, 0);
  assert_int_equal(d->n_attrs, 6);
  assert_string_equal(lfix_attr(d, "user")->u.str, "bob smith");
}

static void test_control_characters_escaped_on_line(void **state) {
  lfix *f = *state;
  otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "a\nb\tc\\d\x01");
  assert_string_equal(take_output(), "INFO a\\nb\tc\\d\\x01\n");
  /* The record keeps the message as it was. */
  assert_string_equal(lfix_get(f, 0)->body.u.str, "a\nb\tc\\d\x01");
}

static void test_long_message_cut_at_utf8_boundary(void **state) {
  lfix *f = *state;
  otelc_log_settings s = {.no_console_line = true};
  otelc_log_configure(&s);
  char *a = malloc(5000);
  /* 4094 bytes, then a 2-byte character that would straddle the limit. */
  memset(a, 'a', 4094);
  a[4094] = '\0';
  otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "%s\xc3\xa9tail", a);
  /* 4093 bytes + the 2-byte character: exactly 4095 bytes fit. */
  a[4093] = '\0';
  otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "%s\xc3\xa9tail", a);
  /* A 4-byte character starting at 4092 is cut whole. */
  a[4092] = '\0';
  otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "%s\xf0\x9f\x98\x80", a);
  free(a);
  assert_int_equal(lfix_count(f), 3);
  const otelc_log_data *d = lfix_get(f, 0);
  assert_int_equal(d->body.len, 4094);
  assert_int_equal(strlen(d->body.u.str), 4094);
  d = lfix_get(f, 1);
  assert_int_equal(d->body.len, 4095);
  assert_memory_equal(d->body.u.str + 4093, "\xc3\xa9", 2);
  d = lfix_get(f, 2);
  assert_int_equal(d->body.len, 4092);
  assert_string_equal(take_output(), "");
}

static void test_long_message_on_line(void **state) {
  (void)state;
  char *a = malloc(5000);
  memset(a, 'x', 4999);
  a[4999] = '\0';
  otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "%s", a);
  free(a);
  const char *line = take_output();
  assert_int_equal(strlen(line), 5 + 4095 + 1);
  assert_int_equal(line[5 + 4095], '\n');
}

static void test_min_severity_suppresses_line_and_record(void **state) {
  lfix *f = *state;
  configure(OTELC_SEVERITY_WARN, false, NULL);
  otelc_log_info("quiet");
  otelc_log_debug("quieter");
  assert_string_equal(take_output(), "");
  assert_int_equal(lfix_count(f), 0);
  otelc_log_error("loud");
  otelc_logf(0, NULL, 0, "unspecified");
  assert_string_equal(take_output(), "ERROR loud\nUNSPECIFIED unspecified\n");
  assert_int_equal(lfix_count(f), 2);
}

static void test_no_console_line(void **state) {
  lfix *f = *state;
  configure(0, true, NULL);
  otelc_log_info("record only");
  assert_string_equal(take_output(), "");
  assert_int_equal(lfix_count(f), 1);
}

static void test_line_without_global_provider(void **state) {
  lfix *f = *state;
  otelc_logger_provider_set_global(NULL);
  otelc_log_fatal("still printed %s", "here");
  assert_string_equal(take_output(), "FATAL still printed here\n");
  assert_int_equal(lfix_count(f), 0);
}

static void test_logger_name_setting(void **state) {
  lfix *f = *state;
  configure(0, true, "my.app");
  otelc_log_info("named");
  assert_string_equal(lfix_get(f, 0)->scope->name, "my.app");
  configure(0, true, NULL);
  otelc_log_info("default");
  assert_string_equal(lfix_get(f, 1)->scope->name, "otelc.log");
}

static void test_errno_message(void **state) {
  (void)state;
  errno = ENOENT;
  otelc_logf(OTELC_SEVERITY_ERROR, NULL, 0, "open: %m");
  assert_int_equal(errno, ENOENT); /* left as it was */
  assert_string_equal(take_output(), "ERROR open: No such file or directory\n");
}

static void test_syslog_mapping(void **state) {
  (void)state;
  static const struct {
    int prio;
    int severity;
  } map[] = {{LOG_EMERG, 24},
             {LOG_ALERT, 23},
             {LOG_CRIT, 21},
             {LOG_ERR, 17},
             {LOG_WARNING, 13},
             {LOG_NOTICE, 10},
             {LOG_INFO, 9},
             {LOG_DEBUG, 5},
             {LOG_LOCAL3 | LOG_ERR, 17},
             {LOG_DAEMON | LOG_DEBUG, 5}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    assert_int_equal(otelc_severity_from_syslog(map[i].prio), map[i].severity);
}

static void test_syslog_adapter(void **state) {
  lfix *f = *state;
  otelc_syslog(LOG_USER | LOG_ERR, "disk %s", "full");
  otelc_syslog(LOG_NOTICE, "notice");
  assert_string_equal(take_output(), "ERROR disk full\nINFO2 notice\n");
  const otelc_log_data *d = lfix_get(f, 0);
  assert_int_equal(d->severity, 17);
  assert_string_equal(d->severity_text, "err");
  assert_string_equal(d->body.u.str, "disk full");
  d = lfix_get(f, 1);
  assert_int_equal(d->severity, 10);
  assert_string_equal(d->severity_text, "notice");
}

/* A library's log hook type, as otelc_vsyslog_hook is meant to fill. */
typedef void (*log_hook)(void *user_data, int priority, const char *fmt,
                         va_list ap);

static void call_hook(log_hook h, void *ud, int prio, const char *fmt, ...)
    OTELC_PRINTF(4, 5);
static void call_hook(log_hook h, void *ud, int prio, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  h(ud, prio, fmt, ap);
  va_end(ap);
}

static void test_vsyslog_hook(void **state) {
  lfix *f = *state;
  call_hook(otelc_vsyslog_hook, NULL, LOG_WARNING, "%d retries", 3);
  call_hook(otelc_vsyslog_hook, (void *)1, LOG_CRIT, "%s", "crit");
  assert_string_equal(take_output(), "WARN 3 retries\nFATAL crit\n");
  assert_int_equal(lfix_get(f, 0)->severity, 13);
  assert_string_equal(lfix_get(f, 0)->severity_text, "warning");
  assert_int_equal(lfix_get(f, 1)->severity, 21);
  assert_string_equal(lfix_get(f, 1)->severity_text, "crit");
}

static void test_syslog_below_minimum(void **state) {
  lfix *f = *state;
  configure(OTELC_SEVERITY_WARN, false, NULL);
  otelc_syslog(LOG_INFO, "dropped");
  otelc_syslog(LOG_DEBUG, "dropped");
  otelc_syslog(LOG_WARNING, "kept");
  assert_string_equal(take_output(), "WARN kept\n");
  assert_int_equal(lfix_count(f), 1);
}

static void test_severity_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "UNSPECIFIED", "TRACE",  "TRACE2", "TRACE3", "TRACE4", "DEBUG",  "DEBUG2",
      "DEBUG3",      "DEBUG4", "INFO",   "INFO2",  "INFO3",  "INFO4",  "WARN",
      "WARN2",       "WARN3",  "WARN4",  "ERROR",  "ERROR2", "ERROR3", "ERROR4",
      "FATAL",       "FATAL2", "FATAL3", "FATAL4"};
  for (int i = 0; i <= 24; i++)
    assert_string_equal(otelc_severity_name(i), want[i]);
  assert_string_equal(otelc_severity_name(-1), "UNSPECIFIED");
  assert_string_equal(otelc_severity_name(25), "UNSPECIFIED");
}

static void ignore(void *self, otelc_log_record *r, const otelc_context *c) {
  (void)self;
  (void)r;
  (void)c;
}

static void test_steady_state_allocates_nothing(void **state) {
  (void)state;
  static const otelc_log_processor_ops ops = {ignore, NULL, NULL, NULL};
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_log_processor_new(&ops, NULL, &p), OTELC_OK);
  otelc_log_limits lim = {128, UINT32_MAX};
  otelc_logger_provider_opts o = {
      .processors = &p, .n_processors = 1, .limits = &lim};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  otelc_logger_provider_set_global(lp);
  configure(0, true, NULL);
  otelc_attr a = OTELC_INT("n", 1);
  for (int i = 0; i < 100; i++)
    otelc_logf(OTELC_SEVERITY_INFO, &a, 1, "warm %d %s", i, "up");
  unsigned long before = otelc__alloc_calls();
  for (int i = 0; i < 10000; i++)
    otelc_logf(OTELC_SEVERITY_INFO, &a, 1, "steady %d %s", i, "state");
  assert_int_equal(otelc__alloc_calls(), before);
  otelc_logger_provider_set_global(NULL);
  otelc_log_configure(NULL);
  otelc_logger_provider_free(lp);
}

enum { THREADS = 4, LINES = 300 };

static void *log_lines(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < LINES; i++)
    otelc_logf(OTELC_SEVERITY_INFO, NULL, 0, "thread %d line %d %s", id, i,
               "padding padding padding padding padding padding padding");
  return NULL;
}

static void test_concurrent_lines_do_not_interleave(void **state) {
  lfix *f = *state;
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    pthread_create(&th[i], NULL, log_lines, (void *)(intptr_t)i);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  fflush(out);
  rewind(out);
  char line[256];
  int n = 0;
  while (fgets(line, sizeof line, out)) {
    int id, i;
    char tail[128];
    assert_int_equal(
        sscanf(line, "INFO thread %d line %d %127[a-z ]\n", &id, &i, tail), 3);
    assert_string_equal(tail, "padding padding padding padding padding "
                              "padding padding");
    n++;
  }
  assert_int_equal(n, THREADS * LINES);
  assert_int_equal(lfix_count(f), THREADS * LINES);
  take_output();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_line_and_record_without_span, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_line_and_record_in_span, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_attributes_on_line_and_record, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_control_characters_escaped_on_line,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_long_message_cut_at_utf8_boundary,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_long_message_on_line, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_min_severity_suppresses_line_and_record, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_console_line, setup, teardown),
      cmocka_unit_test_setup_teardown(test_line_without_global_provider, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_logger_name_setting, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_errno_message, setup, teardown),
      cmocka_unit_test(test_syslog_mapping),
      cmocka_unit_test_setup_teardown(test_syslog_adapter, setup, teardown),
      cmocka_unit_test_setup_teardown(test_vsyslog_hook, setup, teardown),
      cmocka_unit_test_setup_teardown(test_syslog_below_minimum, setup,
                                      teardown),
      cmocka_unit_test(test_severity_names),
      cmocka_unit_test(test_steady_state_allocates_nothing),
      cmocka_unit_test_setup_teardown(test_concurrent_lines_do_not_interleave,
                                      setup, teardown),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  if (out)
    fclose(out);
  return rc;
}
