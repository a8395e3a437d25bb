/*
 * The facade over a set-up otelc: per-component handles, instruments by
 * name, error recording, the current ids, header propagation, and logs
 * correlated with the current span (through otelc_logf and
 * otelc_telemetry_logf).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_helpers.h"
#include "test_setup_fixture.h"

static int setup_each(void **state) {
  (void)state;
  setup_fixture_clear_env();
  rec_reset();
  return 0;
}

static int teardown_each(void **state) {
  (void)state;
  otelc_shutdown();
  setup_fixture_clear_env();
  test_diag_release();
  return 0;
}

static void set_up(void) {
  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){.service_name = "facade-test",
                                      .exporters = "rec",
                                      .no_log_console_line = true}),
      OTELC_OK);
}

/* ------------------------------------------------------------ handles -- */

static void test_handles_by_component(void **state) {
  (void)state;
  set_up();
  otelc_telemetry *a = otelc_telemetry_get("retriever");
  assert_non_null(a);
  assert_ptr_equal(otelc_telemetry_get("retriever"), a);
  otelc_telemetry *b = otelc_telemetry_get("llm");
  assert_ptr_not_equal(a, b);
  /* NULL: the service name. */
  assert_ptr_equal(otelc_telemetry_get(NULL),
                   otelc_telemetry_get("facade-test"));
  /* The component is the instrumentation scope of all three. */
  assert_string_equal(otelc_tracer_scope(otelc_telemetry_tracer(a))->name,
                      "retriever");
  assert_ptr_equal(otelc_telemetry_meter(a),
                   otelc_meter_get("retriever", NULL));
  otelc_telemetry_logf(a, OTELC_SEVERITY_INFO, NULL, 0, "scoped");
  OTELC_WITH_SPAN(otelc_telemetry_tracer(a), "scoped.span", span) {
    (void)span;
  }
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  const rec_log *l = rec_find_log("scoped");
  assert_non_null(l);
  assert_string_equal(l->scope, "retriever");
  assert_non_null(rec_find_span("scoped.span"));
}

/* -------------------------------------------------------- instruments -- */

static void test_instruments_cached_by_name(void **state) {
  (void)state;
  set_up();
  test_diag_capture();
  otelc_telemetry *t = otelc_telemetry_get("cache");
  otelc_counter *c = otelc_telemetry_counter(t, "cache.hits", "{hit}");
  assert_true(otelc_counter_enabled(c));
  assert_ptr_equal(otelc_telemetry_counter(t, "cache.hits", "{hit}"), c);
  otelc_histogram *h = otelc_telemetry_histogram(t, "cache.latency", "s");
  assert_ptr_equal(otelc_telemetry_histogram(t, "cache.latency", "s"), h);
  otelc_up_down_counter *u =
      otelc_telemetry_up_down_counter(t, "cache.size", NULL);
  assert_ptr_equal(otelc_telemetry_up_down_counter(t, "cache.size", ""), u);
  otelc_gauge *g = otelc_telemetry_gauge(t, "cache.load", "1");
  assert_ptr_equal(otelc_telemetry_gauge(t, "cache.load", "1"), g);
  /* The same name in another component is another meter's instrument. */
  otelc_counter *other = otelc_telemetry_counter(otelc_telemetry_get("cache2"),
                                                 "cache.hits", "{hit}");
  assert_ptr_not_equal(other, c);
  assert_int_equal(test_diag_seen.count, 0);

  otelc_counter_add(c, 2, NULL, 0);
  otelc_counter_add(otelc_telemetry_counter(t, "cache.hits", "{hit}"), 3, NULL,
                    0);
  otelc_histogram_record(h, 0.25, NULL, 0); /* not truncated */
  otelc_histogram *ms = otelc_telemetry_histogram(t, "cache.latency.ms", "ms");
  otelc_histogram_record(ms, 12, NULL, 0);
  otelc_up_down_counter_add(u, -4, NULL, 0);
  otelc_gauge_record(g, 0.5, NULL, 0);
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  const rec_point *p = rec_find_point("cache.hits");
  assert_non_null(p);
  assert_int_equal(p->i, 5);
  assert_string_equal(p->unit, "{hit}");
  p = rec_find_point("cache.latency");
  assert_non_null(p);
  assert_true(p->histogram);
  assert_int_equal(p->count, 1);
  assert_true(p->d == 0.25);
  /* In seconds: the semantic conventions' duration buckets, 5 ms..10 s;
   * otherwise the specification's default ones, 0..10000. */
  assert_int_equal(p->n_bounds, 14);
  assert_true(p->first_bound == 0.005);
  p = rec_find_point("cache.latency.ms");
  assert_non_null(p);
  assert_int_equal(p->n_bounds, 15);
  assert_true(p->first_bound == 0);
  p = rec_find_point("cache.size");
  assert_non_null(p);
  assert_int_equal(p->i, -4);
  p = rec_find_point("cache.load");
  assert_non_null(p);
  assert_true(p->d == 0.5);
}

/* Another unit or another kind under a known name: a working instrument
 * and the metrics SDK's warning, once (the result is cached too). */
static void test_conflicting_instruments_warn(void **state) {
  (void)state;
  set_up();
  test_diag_capture();
  otelc_telemetry *t = otelc_telemetry_get("conflicts");
  otelc_counter *c = otelc_telemetry_counter(t, "jobs", "{job}");
  assert_int_equal(test_diag_seen.count, 0);

  otelc_counter *ms = otelc_telemetry_counter(t, "jobs", "ms");
  assert_ptr_not_equal(ms, c);
  assert_true(otelc_counter_enabled(ms));
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "jobs"));
  assert_non_null(strstr(test_diag_seen.last, "conflicts"));
  assert_ptr_equal(otelc_telemetry_counter(t, "jobs", "ms"), ms);
  assert_int_equal(test_diag_seen.count, 1);

  otelc_histogram *h = otelc_telemetry_histogram(t, "jobs", "{job}");
  assert_true(otelc_histogram_enabled(h));
  assert_int_equal(test_diag_seen.count, 2);
  assert_non_null(strstr(test_diag_seen.last, "conflicts"));
  assert_ptr_equal(otelc_telemetry_histogram(t, "jobs", "{job}"), h);
  assert_ptr_equal(otelc_telemetry_counter(t, "jobs", "{job}"), c);
  assert_int_equal(test_diag_seen.count, 2);

  /* An invalid name: the SDK's warning and a no-op instrument. */
  otelc_counter *bad = otelc_telemetry_counter(t, "1bad", NULL);
  assert_false(otelc_counter_enabled(bad));
  assert_int_equal(test_diag_seen.count, 3);
  assert_false(otelc_counter_enabled(otelc_telemetry_counter(t, NULL, NULL)));
}

/* Many threads asking for the same instruments get the same ones. */
#define THREADS 4
static otelc_counter *seen_by[THREADS];

static void *ask(void *arg) {
  size_t i = (size_t)(uintptr_t)arg;
  otelc_telemetry *t = otelc_telemetry_get("threads");
  for (int k = 0; k < 200; k++) {
    char name[16];
    snprintf(name, sizeof name, "n%d", k % 20);
    otelc_counter_add(otelc_telemetry_counter(t, name, NULL), 1, NULL, 0);
  }
  seen_by[i] = otelc_telemetry_counter(t, "n0", NULL);
  return NULL;
}

static void test_instruments_from_threads(void **state) {
  (void)state;
  set_up();
  pthread_t th[THREADS];
  for (size_t i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, ask, (void *)(uintptr_t)i),
                     0);
  for (size_t i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  for (size_t i = 1; i < THREADS; i++)
    assert_ptr_equal(seen_by[i], seen_by[0]);
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  const rec_point *p = rec_find_point("n7");
  assert_non_null(p);
  assert_int_equal(p->i, THREADS * 10);
}

/* -------------------------------------------------------------- errors -- */

static void test_record_error(void **state) {
  (void)state;
  set_up();
  otelc_telemetry *t = otelc_telemetry_get("errors");
  otelc_counter *errors = otelc_telemetry_counter(t, "llm.errors", "{error}");
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "failing", span) {
    otelc_record_error(span, "TimeoutError", "no answer in 2s", errors);
  }
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "failing.current", span) {
    (void)span;
    otelc_record_error(NULL, NULL, "unknown", errors); /* the current span */
  }
  otelc_record_error(NULL, "Outside", "no span", NULL); /* nothing to do */
  assert_int_equal(otelc_shutdown(), OTELC_OK);

  const rec_span *s = rec_find_span("failing");
  assert_non_null(s);
  assert_int_equal(s->status, OTELC_STATUS_ERROR);
  assert_string_equal(s->status_desc, "no answer in 2s");
  assert_string_equal(s->event, "exception");
  assert_string_equal(s->exception_type, "TimeoutError");
  assert_string_equal(s->exception_message, "no answer in 2s");
  s = rec_find_span("failing.current");
  assert_non_null(s);
  assert_int_equal(s->status, OTELC_STATUS_ERROR);
  assert_string_equal(s->event, "exception");
  assert_string_equal(s->exception_message, "unknown");

  size_t timeouts = 0, others = 0;
  pthread_mutex_lock(&rec_mu);
  for (size_t i = 0; i < rec_n_points; i++) {
    if (strcmp(rec_points[i].metric, "llm.errors") != 0)
      continue;
    assert_int_equal(rec_points[i].i, 1);
    timeouts += strcmp(rec_points[i].error_type, "TimeoutError") == 0;
    others += strcmp(rec_points[i].error_type, "_OTHER") == 0;
  }
  pthread_mutex_unlock(&rec_mu);
  assert_int_equal(timeouts, 1);
  assert_int_equal(others, 1);
}

/* ----------------------------------------------------------------- ids -- */

static void test_current_ids(void **state) {
  (void)state;
  set_up();
  char trace[33], span_hex[17];
  assert_false(otelc_current_trace_id(trace));
  assert_string_equal(trace, "");
  assert_false(otelc_current_span_id(span_hex));
  assert_string_equal(span_hex, "");
  OTELC_WITH_SPAN(otelc_tracer_get("ids", NULL), "with.ids", span) {
    otelc_span_context sc = otelc_span_get_context(span);
    char want_t[33], want_s[17];
    otelc_trace_id_to_hex(sc.trace_id, want_t);
    otelc_span_id_to_hex(sc.span_id, want_s);
    assert_true(otelc_current_trace_id(trace));
    assert_string_equal(trace, want_t);
    assert_true(otelc_current_span_id(span_hex));
    assert_string_equal(span_hex, want_s);
  }
  assert_false(otelc_current_trace_id(trace));
}

/* --------------------------------------------------------- propagation -- */

/* W3C trace context and baggage in, the same out. */
static void test_headers_round_trip(void **state) {
  (void)state;
  set_up();
  const char *names[] = {"TraceParent", "tracestate", "Baggage", "x-other"};
  const char *values[] = {
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "vendor=abc,other=xyz", "user.id=42,tier=gold", "ignored"};
  otelc_context *ctx = otelc_extract_headers(names, values, 4);
  assert_non_null(ctx);
  otelc_span_context sc;
  assert_true(otelc_context_span_context(ctx, &sc));
  assert_true(sc.is_remote);

  otelc_scope scope = otelc_context_attach(ctx);
  char trace[33];
  assert_true(otelc_current_trace_id(trace));
  assert_string_equal(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
  char *lines[8];
  size_t n = otelc_inject_header_lines(lines, 8);
  otelc_context_detach(scope);
  otelc_context_release(ctx);
  assert_int_equal(n, 3);
  bool tp = false, ts = false, bg = false;
  for (size_t i = 0; i < n; i++) {
    tp = tp || strcmp(lines[i], "traceparent: 00-4bf92f3577b34da6a3ce929d0e"
                                "0e4736-00f067aa0ba902b7-01") == 0;
    ts = ts || strcmp(lines[i], "tracestate: vendor=abc,other=xyz") == 0;
    bg =
        bg || (strncmp(lines[i], "baggage: ", 9) == 0 &&
               strstr(lines[i], "user.id=42") && strstr(lines[i], "tier=gold"));
    free(lines[i]);
  }
  assert_true(tp);
  assert_true(ts);
  assert_true(bg);

  /* A local span: its ids go out, and come back as the remote parent. */
  OTELC_WITH_SPAN(otelc_tracer_get("prop", NULL), "client.call", span) {
    otelc_span_context mine = otelc_span_get_context(span);
    n = otelc_inject_header_lines(lines, 1); /* room for one line only */
    assert_int_equal(n, 1);
    const char *colon = strchr(lines[0], ':');
    assert_non_null(colon);
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(colon - lines[0]), lines[0]);
    const char *hn[] = {name};
    const char *hv[] = {colon + 2};
    otelc_context *back = otelc_extract_headers(hn, hv, 1);
    free(lines[0]);
    assert_non_null(back);
    assert_true(otelc_context_span_context(back, &sc));
    assert_memory_equal(sc.trace_id, mine.trace_id, 16);
    assert_memory_equal(sc.span_id, mine.span_id, 8);
    otelc_context_release(back);
  }

  /* Nothing valid, or nothing at all. */
  const char *bad_v[] = {"00-zz-00-01"};
  assert_null(otelc_extract_headers(names, bad_v, 1));
  assert_null(otelc_extract_headers(NULL, NULL, 0));
  assert_int_equal(otelc_inject_header_lines(lines, 8), 0); /* no context */
  assert_int_equal(otelc_inject_header_lines(NULL, 8), 0);
}

/* ---------------------------------------------------------------- logs -- */

/* A log inside a span carries its trace and span ids; outside, none;
 * through otelc_log_* and otelc_telemetry_logf alike. */
static void test_logs_correlated(void **state) {
  (void)state;
  set_up();
  otelc_telemetry *t = otelc_telemetry_get("agent");
  otelc_span_context sc = {0};
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "agent.step", span) {
    sc = otelc_span_get_context(span);
    otelc_log_info("inside %d", 1);
    otelc_telemetry_logf(t, OTELC_SEVERITY_WARN, NULL, 0, "inside %d", 2);
  }
  otelc_log_info("outside %d", 1);
  otelc_telemetry_logf(t, OTELC_SEVERITY_WARN, NULL, 0, "outside %d", 2);
  assert_int_equal(otelc_shutdown(), OTELC_OK);

  static const uint8_t zeros[16] = {0};
  const char *in[] = {"inside 1", "inside 2"};
  const char *out[] = {"outside 1", "outside 2"};
  for (size_t i = 0; i < 2; i++) {
    const rec_log *l = rec_find_log(in[i]);
    assert_non_null(l);
    assert_memory_equal(l->trace_id, sc.trace_id, 16);
    assert_memory_equal(l->span_id, sc.span_id, 8);
    l = rec_find_log(out[i]);
    assert_non_null(l);
    assert_memory_equal(l->trace_id, zeros, 16);
    assert_memory_equal(l->span_id, zeros, 8);
  }
  assert_int_equal(rec_find_log("inside 2")->severity, OTELC_SEVERITY_WARN);
  assert_string_equal(rec_find_log("inside 2")->scope, "agent");
}

/* A message longer than 4095 bytes is cut there, or just before, so as
 * not to end inside a UTF-8 character. */
static void test_long_message_cut(void **state) {
  (void)state;
  set_up();
  static char text[6001];
  for (size_t i = 0; i < 3000; i++)
    memcpy(text + 2 * i, "\xc3\xa9", 2); /* é, 2 bytes */
  text[6000] = '\0';
  otelc_telemetry_logf(otelc_telemetry_get("long"), OTELC_SEVERITY_INFO, NULL,
                       0, "%s", text); /* byte 4095 is the first of one */
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  pthread_mutex_lock(&rec_mu);
  assert_int_equal(rec_n_logs, 1);
  rec_log l = rec_logs[0];
  pthread_mutex_unlock(&rec_mu);
  assert_int_equal(l.body_len, 4094);
  assert_true(l.body_ends_whole);
}

/* log_min_severity drops what is below it, for both ways of logging. */
static void test_log_min_severity(void **state) {
  (void)state;
  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){.exporters = "rec",
                                      .no_log_console_line = true,
                                      .log_min_severity = OTELC_SEVERITY_WARN}),
      OTELC_OK);
  otelc_telemetry *t = otelc_telemetry_get("severity");
  otelc_log_info("info dropped");
  otelc_log_warn("warn kept");
  otelc_telemetry_logf(t, OTELC_SEVERITY_DEBUG, NULL, 0, "debug dropped");
  otelc_telemetry_logf(t, OTELC_SEVERITY_ERROR, NULL, 0, "error kept");
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  assert_null(rec_find_log("info dropped"));
  assert_null(rec_find_log("debug dropped"));
  assert_non_null(rec_find_log("warn kept"));
  assert_non_null(rec_find_log("error kept"));
}

/* What the logging functions print on stderr while @p fn runs. */
static void capture_stderr(void (*fn)(void), char *out, size_t cap) {
  char path[] = "/tmp/otelc-setup-stderr-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  ssize_t n = pread(fd, out, cap - 1, 0);
  out[n > 0 ? n : 0] = '\0';
  close(fd);
}

static void log_twice_in_a_span(void) {
  otelc_telemetry *t = otelc_telemetry_get("lines");
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "lines.span", span) {
    (void)span;
    otelc_log_info("hello %s", "line");
    otelc_telemetry_logf(t, OTELC_SEVERITY_WARN, NULL, 0, "careful");
  }
  otelc_log_info("no span here");
  otelc_shutdown();
}

static size_t count_of(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* The human-readable line: printed, with the ids inside a span, by both
 * functions; printed once only when the console log exporter is on (it
 * prints every record itself); not printed with no_log_console_line. */
static void test_console_lines(void **state) {
  (void)state;
  char buf[4096];
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.exporters = "rec"}),
                   OTELC_OK);
  capture_stderr(log_twice_in_a_span, buf, sizeof buf);
  const rec_log *l = rec_find_log("hello line");
  assert_non_null(l);
  char want[80], tid[33], sid[17];
  otelc_trace_id_to_hex(l->trace_id, tid);
  otelc_span_id_to_hex(l->span_id, sid);
  snprintf(want, sizeof want, "INFO hello line [trace:%s span:%s]\n", tid, sid);
  assert_non_null(strstr(buf, want));
  snprintf(want, sizeof want, "WARN careful [trace:%s span:%s]\n", tid, sid);
  assert_non_null(strstr(buf, want));
  assert_non_null(strstr(buf, "INFO no span here\n"));

  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){.exporters = "rec", .console = true}),
      OTELC_OK);
  capture_stderr(log_twice_in_a_span, buf, sizeof buf);
  assert_int_equal(count_of(buf, "hello line"), 1);
  assert_int_equal(count_of(buf, "careful"), 1);

  assert_int_equal(otelc_setup(&(otelc_setup_opts){
                       .exporters = "rec", .no_log_console_line = true}),
                   OTELC_OK);
  capture_stderr(log_twice_in_a_span, buf, sizeof buf);
  assert_int_equal(count_of(buf, "hello line"), 0);
  assert_int_equal(count_of(buf, "careful"), 0);
}

int main(void) {
  if (!setup_fixture_register())
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_handles_by_component, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_instruments_cached_by_name,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_conflicting_instruments_warn,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_instruments_from_threads, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_record_error, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_current_ids, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_headers_round_trip, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_logs_correlated, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_long_message_cut, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_log_min_severity, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_console_lines, setup_each,
                                      teardown_each),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
