/*
 * otelc_setup and otelc_shutdown: the globals they install and remove,
 * the flush of all three signals, the bound on shutdown with a collector
 * that never answers, handles across set-up cycles, OTEL_SDK_DISABLED,
 * shutdown_at_exit, and running out of memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/internal.h"
#include "test_helpers.h"
#include "test_setup_fixture.h"

static int setup_each(void **state) {
  (void)state;
  setup_fixture_clear_env();
  rec_reset();
  hang_reset();
  return 0;
}

static int teardown_each(void **state) {
  (void)state;
  otelc_shutdown();
  hang_release(); /* let abandoned export threads finish */
  setup_fixture_clear_env();
  test_diag_release();
  return 0;
}

/* Slack for timing bounds: valgrind slows everything down. */
static double slack_ms(void) {
  return getenv("OTELC_TEST_UNDER_VALGRIND") ? 1500 : 300;
}

/* ------------------------------------------------------------ at exit -- */

static int pipe_fd = -1;

static otelc_status pipe_export(void *self, otelc_span *const *spans, size_t n,
                                uint32_t timeout_ms) {
  (void)self;
  (void)timeout_ms;
  for (size_t i = 0; i < n; i++) {
    char line[80];
    int len =
        snprintf(line, sizeof line, "%s\n", otelc_span_get_name(spans[i]));
    if (write(pipe_fd, line, (size_t)len) != len)
      return OTELC_ERR_IO;
  }
  return OTELC_OK;
}

static otelc_status pipe_factory(otelc_span_exporter **out) {
  static const otelc_span_exporter_ops ops = {pipe_export, NULL, NULL, NULL};
  return otelc_span_exporter_new(&ops, NULL, out);
}

/* A child that sets up with shutdown_at_exit and returns from its work
 * without shutting down: its span is flushed when it exits. Runs first,
 * while the process has no other threads. */
static void test_shutdown_at_exit(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    pipe_fd = fds[1];
    otelc_span_exporter_register("pipe", pipe_factory);
    otelc_setup_opts o = {.exporters = "pipe", .shutdown_at_exit = true};
    /* A second cycle registers nothing more. */
    if (otelc_setup(&o) != OTELC_OK || otelc_shutdown() != OTELC_OK ||
        otelc_setup(&o) != OTELC_OK)
      _exit(3);
    otelc_span_end(otelc_span_start(otelc_tracer_get("child", NULL),
                                    "flushed.at.exit", NULL));
    exit(0); /* atexit handlers run */
  }
  close(fds[1]);
  char buf[256] = {0};
  size_t got = 0;
  ssize_t r;
  while (got < sizeof buf - 1 &&
         (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
    got += (size_t)r;
  close(fds[0]);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_string_equal(buf, "flushed.at.exit\n");
}

/* ------------------------------------------------------------ globals -- */

static void test_installs_and_removes_globals(void **state) {
  (void)state;
  otelc_propagator *before = otelc_propagator_global();
  assert_null(otelc_tracer_provider_global());
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.exporters = "rec"}),
                   OTELC_OK);
  assert_non_null(otelc_tracer_provider_global());
  assert_non_null(otelc_meter_provider_global());
  assert_non_null(otelc_logger_provider_global());
  assert_ptr_not_equal(otelc_propagator_global(), before);

  test_diag_capture();
  assert_int_equal(otelc_setup(NULL), OTELC_ERR_STATE);
  assert_int_equal(test_diag_seen.count, 1);
  test_diag_release();
  assert_non_null(otelc_tracer_provider_global());

  assert_int_equal(otelc_shutdown(), OTELC_OK);
  assert_null(otelc_tracer_provider_global());
  assert_null(otelc_meter_provider_global());
  assert_null(otelc_logger_provider_global());
  assert_ptr_equal(otelc_propagator_global(), before);
  assert_int_equal(otelc_shutdown(), OTELC_OK); /* again: nothing to do */

  /* A new cycle works. */
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.exporters = "rec"}),
                   OTELC_OK);
  assert_non_null(otelc_tracer_provider_global());
}

/* ----------------------------------------------------------- flushing -- */

/* Record one span, one counter point and one log record. */
static void record_one_of_each(void) {
  otelc_telemetry *t = otelc_telemetry_get("flush.test");
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "flushed.span", span) {
    (void)span;
    otelc_counter_add(otelc_telemetry_counter(t, "flushed.count", NULL), 1,
                      NULL, 0);
    otelc_telemetry_logf(t, OTELC_SEVERITY_INFO, NULL, 0, "flushed log");
  }
}

/* Nothing is exported before shutdown (5 s batch delays, 60 s metric
 * interval); shutdown exports all three. */
static void test_shutdown_flushes_all_three(void **state) {
  (void)state;
  assert_int_equal(otelc_setup(&(otelc_setup_opts){
                       .exporters = "rec", .no_log_console_line = true}),
                   OTELC_OK);
  record_one_of_each();
  assert_null(rec_find_span("flushed.span"));
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  const rec_span *s = rec_find_span("flushed.span");
  assert_non_null(s);
  assert_true(s->end_time > 0);
  const rec_point *p = rec_find_point("flushed.count");
  assert_non_null(p);
  assert_true(p->is_int);
  assert_int_equal(p->i, 1);
  assert_non_null(rec_find_log("flushed log"));
}

/* A collector that never answers ("hang" next to "rec" for every
 * signal): shutdown still returns within its timeout, reports it, and
 * the working exporters got all three signals. */
static void test_shutdown_bounded_with_collector_down(void **state) {
  (void)state;
  const uint32_t timeout_ms = 900;
  test_diag_capture(); /* the abandoned exporters are reported */
  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){.exporters = "rec,hang",
                                      .no_log_console_line = true,
                                      .shutdown_timeout_ms = timeout_ms}),
      OTELC_OK);
  record_one_of_each();
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  otelc_status st = otelc_shutdown();
  clock_gettime(CLOCK_MONOTONIC, &b);
  double took = ms_between(&a, &b);
  if (took > timeout_ms + slack_ms())
    fail_msg("otelc_shutdown took %.0f ms with a %u ms timeout", took,
             (unsigned)timeout_ms);
  assert_int_equal(st, OTELC_ERR_TIMEOUT);
  assert_non_null(rec_find_span("flushed.span"));
  assert_non_null(rec_find_point("flushed.count"));
  assert_non_null(rec_find_log("flushed log"));
  pthread_mutex_lock(&hang_mu);
  int calls = hang_calls;
  pthread_mutex_unlock(&hang_mu);
  assert_int_equal(calls, 3); /* each signal reached its dead exporter */
}

/* The same with nothing but dead exporters and the variables setting
 * them, the way an operator would. */
static void test_shutdown_bounded_by_env_config(void **state) {
  (void)state;
  setenv("OTEL_TRACES_EXPORTER", "hang", 1);
  setenv("OTEL_METRICS_EXPORTER", "hang", 1);
  setenv("OTEL_LOGS_EXPORTER", "hang", 1);
  test_diag_capture();
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.no_log_console_line = true,
                                                   .shutdown_timeout_ms = 600}),
                   OTELC_OK);
  record_one_of_each();
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  assert_int_equal(otelc_shutdown(), OTELC_ERR_TIMEOUT);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double took = ms_between(&a, &b);
  if (took > 600 + slack_ms())
    fail_msg("otelc_shutdown took %.0f ms with a 600 ms timeout", took);
}

/* ------------------------------------------------------------ handles -- */

/* A handle taken before otelc_setup works once set up, is a no-op after
 * otelc_shutdown (instruments handed out stay usable), and follows the
 * next otelc_setup. */
static void test_handles_across_cycles(void **state) {
  (void)state;
  otelc_telemetry *t = otelc_telemetry_get("cycles");
  assert_ptr_equal(otelc_telemetry_get("cycles"), t);
  otelc_counter *before = otelc_telemetry_counter(t, "cycles.count", NULL);
  assert_false(otelc_counter_enabled(before));
  otelc_span *s = otelc_span_start(otelc_telemetry_tracer(t), "x", NULL);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);

  otelc_setup_opts o = {.exporters = "rec", .no_log_console_line = true};
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  otelc_counter *first = otelc_telemetry_counter(t, "cycles.count", NULL);
  assert_ptr_not_equal(first, before);
  assert_true(otelc_counter_enabled(first));
  otelc_counter_add(first, 5, NULL, 0);
  otelc_meter *m1 = otelc_telemetry_meter(t);
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  const rec_point *p = rec_find_point("cycles.count");
  assert_non_null(p);
  assert_int_equal(p->i, 5);

  /* After shutdown: no-ops, and what was handed out is still usable. */
  otelc_counter_add(first, 1, NULL, 0);
  assert_false(otelc_counter_enabled(first));
  assert_false(
      otelc_counter_enabled(otelc_telemetry_counter(t, "cycles.count", NULL)));
  s = otelc_span_start(otelc_telemetry_tracer(t), "x", NULL);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);
  otelc_counter_add(otelc_meter_counter(m1, "late", NULL), 1, NULL, 0);

  rec_reset();
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  otelc_counter *second = otelc_telemetry_counter(t, "cycles.count", NULL);
  assert_ptr_not_equal(second, first);
  assert_true(otelc_counter_enabled(second));
  assert_ptr_not_equal(otelc_telemetry_meter(t), m1);
  otelc_counter_add(second, 2, NULL, 0);
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "second.cycle", span) {
    assert_true(otelc_span_is_recording(span));
  }
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  p = rec_find_point("cycles.count");
  assert_non_null(p);
  assert_int_equal(p->i, 2); /* the new provider's count only */
  assert_non_null(rec_find_span("second.cycle"));
}

/* ----------------------------------------------------- SDK disabled -- */

/* OTEL_SDK_DISABLED: no-op providers for every signal; propagation keeps
 * working, as the specification says. */
static void test_sdk_disabled(void **state) {
  (void)state;
  setenv("OTEL_SDK_DISABLED", "true", 1);
  assert_int_equal(otelc_setup(&(otelc_setup_opts){
                       .exporters = "rec", .no_log_console_line = true}),
                   OTELC_OK);
  record_one_of_each();
  otelc_telemetry *t = otelc_telemetry_get("flush.test");
  assert_false(
      otelc_counter_enabled(otelc_telemetry_counter(t, "flushed.count", NULL)));
  const char *names[] = {"traceparent"};
  const char *values[] = {
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"};
  otelc_context *ctx = otelc_extract_headers(names, values, 1);
  assert_non_null(ctx);
  otelc_scope sc = otelc_context_attach(ctx);
  char *lines[4];
  size_t n = otelc_inject_header_lines(lines, 4);
  otelc_context_detach(sc);
  otelc_context_release(ctx);
  assert_int_equal(n, 1);
  assert_string_equal(
      lines[0],
      "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  free(lines[0]);
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  assert_null(rec_find_span("flushed.span"));
  assert_null(rec_find_point("flushed.count"));
  assert_null(rec_find_log("flushed log"));
}

/* ------------------------------------------------------- no memory -- */

/* Whichever allocation fails, otelc_setup either succeeds or fails with
 * OTELC_ERR_NOMEM leaving nothing installed; the next try works. */
static void test_setup_out_of_memory(void **state) {
  (void)state;
  test_diag_capture();
  otelc_setup_opts o = {.exporters = "rec",
                        .service_name = "oom",
                        .service_version = "1",
                        .no_log_console_line = true};
  int failures = 0;
  for (long n = 0; n < 400; n++) {
    otelc__alloc_fail_after(n);
    otelc_status st = otelc_setup(&o);
    otelc__alloc_fail_after(-1);
    if (st == OTELC_OK) {
      assert_int_equal(otelc_shutdown(), OTELC_OK);
      continue;
    }
    failures++;
    assert_int_equal(st, OTELC_ERR_NOMEM);
    assert_null(otelc_tracer_provider_global());
    assert_null(otelc_meter_provider_global());
    assert_null(otelc_logger_provider_global());
    assert_null(otelc_config_get("OTEL_SERVICE_NAME"));
  }
  assert_true(failures > 0);
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  assert_string_equal(otelc_config_get("OTEL_SERVICE_NAME"), "oom");
}

int main(void) {
  if (!setup_fixture_register())
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_shutdown_at_exit, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_installs_and_removes_globals,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_shutdown_flushes_all_three,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_shutdown_bounded_with_collector_down,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_shutdown_bounded_by_env_config,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_handles_across_cycles, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_sdk_disabled, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_setup_out_of_memory, setup_each,
                                      teardown_each),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
