/* The batch log processor: batches and the schedule, a full queue,
 * failing and hanging exporters, bounded flush and shutdown, the
 * caller-driven tick, OTEL_BLRP_* values, threads and fork. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logs_fixture.h"
#include "test_helpers.h"

/* ThreadSanitizer refuses to start threads in the child of a process that
 * has threads; the fork test does exactly that on purpose. */
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#ifdef TEST_TSAN
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) {
  return "die_after_fork=0";
}
#endif

/* An exporter that counts, can fail, and can be made to block until
 * released. Its state outlives the exporter (no destroy op), so that an
 * abandoned export thread can still finish against it. */
typedef struct counting {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool block;       /* export waits while true */
  bool blocked_now; /* an export is waiting */
  otelc_status result;
  size_t records, batches, max_batch;
  bool shut;
} counting;

static otelc_status counting_export(void *self, otelc_log_record *const *r,
                                    size_t n, uint32_t timeout_ms) {
  (void)timeout_ms;
  counting *c = self;
  for (size_t i = 0; i < n; i++) /* every record readable */
    assert_non_null(otelc_log_record_data(r[i])->scope);
  pthread_mutex_lock(&c->mu);
  while (c->block) {
    c->blocked_now = true;
    pthread_cond_broadcast(&c->cv);
    pthread_cond_wait(&c->cv, &c->mu);
  }
  c->blocked_now = false;
  /* Read the records again after the wait: an abandoned export thread
   * must still find them, with their scope and resource, intact. */
  for (size_t i = 0; i < n; i++) {
    const otelc_log_data *d = otelc_log_record_data(r[i]);
    assert_non_null(d->scope->name);
    assert_true(otelc_resource_attr_count(d->resource) > 0);
  }
  c->records += n;
  c->batches++;
  if (n > c->max_batch)
    c->max_batch = n;
  otelc_status st = c->result;
  pthread_mutex_unlock(&c->mu);
  return st;
}

static otelc_status counting_shutdown(void *self, uint32_t ms) {
  (void)ms;
  counting *c = self;
  pthread_mutex_lock(&c->mu);
  c->shut = true;
  pthread_mutex_unlock(&c->mu);
  return OTELC_OK;
}

static counting *counting_new(void) {
  counting *c = calloc(1, sizeof *c);
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  return c;
}

static otelc_log_exporter *counting_exporter(counting *c) {
  static const otelc_log_exporter_ops ops = {counting_export, NULL,
                                             counting_shutdown, NULL};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_log_exporter_new(&ops, c, &e), OTELC_OK);
  return e;
}

static void set_block(counting *c, bool on) {
  pthread_mutex_lock(&c->mu);
  c->block = on;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static void wait_blocked(counting *c) {
  pthread_mutex_lock(&c->mu);
  while (!c->blocked_now)
    pthread_cond_wait(&c->cv, &c->mu);
  pthread_mutex_unlock(&c->mu);
}

static size_t exported(counting *c) {
  pthread_mutex_lock(&c->mu);
  size_t n = c->records;
  pthread_mutex_unlock(&c->mu);
  return n;
}

static bool is_shut(counting *c) {
  pthread_mutex_lock(&c->mu);
  bool s = c->shut;
  pthread_mutex_unlock(&c->mu);
  return s;
}

typedef struct setup {
  otelc_logger_provider *lp;
  otelc_logger *logger;
  otelc_log_processor *proc; /* owned by lp */
} setup;

static void setup_batch(setup *s, otelc_log_exporter *e,
                        const otelc_log_batch_opts *o) {
  assert_int_equal(otelc_batch_log_processor_new(e, o, &s->proc), OTELC_OK);
  otelc_log_limits lim = {128, UINT32_MAX};
  otelc_logger_provider_opts po = {
      .processors = &s->proc, .n_processors = 1, .limits = &lim};
  assert_int_equal(otelc_logger_provider_new(&po, &s->lp), OTELC_OK);
  s->logger = otelc_logger_provider_get_logger(s->lp, &lfix_scope);
}

static void emit_n(otelc_logger *l, int n) {
  otelc_attr a[] = {OTELC_STR("k", "v"), OTELC_INT("n", 1)};
  otelc_log_emit e = {.severity = 9, .body_str = "r", .attrs = a, .n_attrs = 2};
  for (int i = 0; i < n; i++)
    assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
}

static void test_flush_exports_in_batches(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 100,
                            .max_export_batch_size = 10,
                            .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  emit_n(s.logger, 25);
  assert_int_equal(otelc_logger_provider_force_flush(s.lp, 10000), OTELC_OK);
  assert_int_equal(exported(c), 25);
  assert_true(c->max_batch <= 10);
  assert_true(c->batches >= 3);
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(s.proc, &st);
  assert_int_equal(st.received, 25);
  assert_int_equal(st.exported, 25);
  assert_int_equal(st.queue_size, 0);
  assert_int_equal(st.queue_capacity, 100);
  assert_int_equal(otelc_logger_provider_shutdown(s.lp, 5000), OTELC_OK);
  assert_true(is_shut(c));
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_schedule_delay_exports_partial_batch(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 64,
                            .max_export_batch_size = 32,
                            .schedule_delay_ms = 20};
  setup_batch(&s, counting_exporter(c), &o);
  emit_n(s.logger, 3);
  for (int i = 0; i < 2000 && exported(c) < 3; i++)
    usleep(5000);
  assert_int_equal(exported(c), 3);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_full_batch_wakes_exporter(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 64,
                            .max_export_batch_size = 8,
                            .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  emit_n(s.logger, 8); /* a minute of schedule: only the size can wake */
  for (int i = 0; i < 2000 && exported(c) < 8; i++)
    usleep(5000);
  assert_int_equal(exported(c), 8);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_full_queue_drops_and_counts(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 10,
                            .max_export_batch_size = 5,
                            .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  test_diag_capture();
  set_block(c, true);
  emit_n(s.logger, 5); /* one full batch: the worker takes it, blocks */
  wait_blocked(c);
  emit_n(s.logger, 100); /* producers are never held up */
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(s.proc, &st);
  assert_int_equal(st.queue_size, 10);
  assert_int_equal(st.dropped_queue_full, 90);
  assert_int_equal(st.received, 105);
  assert_int_equal(test_diag_seen.count, 1); /* warned once */
  assert_non_null(strstr(test_diag_seen.last, "queue full"));
  test_diag_release();
  set_block(c, false);
  assert_int_equal(otelc_logger_provider_force_flush(s.lp, 10000), OTELC_OK);
  otelc_log_processor_get_stats(s.proc, &st);
  assert_int_equal(st.exported, 15);
  assert_int_equal(exported(c), 15);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_failed_exports_are_counted(void **state) {
  (void)state;
  counting *c = counting_new();
  c->result = OTELC_ERR_EXPORT;
  setup s;
  setup_batch(&s, counting_exporter(c), NULL);
  emit_n(s.logger, 7);
  /* The flush says the export failed. */
  assert_int_equal(otelc_logger_provider_force_flush(s.lp, 10000), OTELC_ERR_EXPORT);
  /* A flush with nothing to export is fine again. */
  assert_int_equal(otelc_logger_provider_force_flush(s.lp, 10000), OTELC_OK);
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(s.proc, &st);
  assert_int_equal(st.export_failed, 7);
  assert_int_equal(st.exported, 0);
  otelc_logger_provider_free(s.lp);
  free(c);
}

/* A processor stuck in an export, for the two orders of freeing. */
static void hang(setup *s, counting *c) {
  otelc_log_batch_opts o = {.max_queue_size = 100,
                            .max_export_batch_size = 1,
                            .schedule_delay_ms = 60000};
  setup_batch(s, counting_exporter(c), &o);
  set_block(c, true);
  emit_n(s->logger, 1);
  wait_blocked(c);
  emit_n(s->logger, 10);
  test_diag_capture();
  uint64_t t0 = otelc_time_now();
  assert_int_equal(otelc_logger_provider_force_flush(s->lp, 100),
                   OTELC_ERR_TIMEOUT);
  assert_int_equal(otelc_logger_provider_shutdown(s->lp, 200),
                   OTELC_ERR_TIMEOUT);
  /* Both returned on time while the export is still stuck. */
  assert_true(otelc_time_now() - t0 < 5000000000ull);
  pthread_mutex_lock(&c->mu);
  assert_true(c->blocked_now);
  pthread_mutex_unlock(&c->mu);
  assert_non_null(strstr(test_diag_seen.last, "abandoned"));
  test_diag_release();
}

static void wait_shut(counting *c) {
  for (int i = 0; i < 2000 && !is_shut(c); i++)
    usleep(5000);
  assert_true(is_shut(c));
}

static void test_hung_exporter_freed_before_worker_exits(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  hang(&s, c);
  /* Freed while the worker is stuck: the worker frees when it returns. */
  otelc_logger_provider_free(s.lp);
  set_block(c, false);
  wait_shut(c);
  usleep(100000); /* the thread frees right after the exporter shutdown */
  free(c);
}

static void test_hung_exporter_worker_exits_before_free(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  hang(&s, c);
  /* The worker finishes first (its deadline has passed: the queued
   * records are dropped), then the processor is freed. */
  set_block(c, false);
  wait_shut(c);
  usleep(100000);
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(s.proc, &st);
  assert_int_equal(st.exported + st.export_failed, 11);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_fork_with_abandoned_export_thread(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  hang(&s, c);
  /* The abandoned thread still holds its export: fork must not wait for
   * it (it may never return). */
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(otelc_logger_enabled(s.logger, 9, NULL) ? 2 : 0);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  otelc_logger_provider_free(s.lp);
  set_block(c, false);
  wait_shut(c);
  usleep(100000);
  free(c);
}

static void test_manual_tick(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 100,
                            .max_export_batch_size = 4,
                            .schedule_delay_ms = 60000,
                            .manual_tick = true};
  setup_batch(&s, counting_exporter(c), &o);
  emit_n(s.logger, 3);
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported(c), 0); /* not due: no full batch */
  emit_n(s.logger, 6);
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported(c), 4); /* one batch per tick */
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported(c), 8);
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported(c), 8); /* 1 left, delay not elapsed */
  assert_int_equal(otelc_logger_provider_force_flush(s.lp, 1000), OTELC_OK);
  assert_int_equal(exported(c), 9);
  c->result = OTELC_ERR_EXPORT;
  emit_n(s.logger, 4);
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_ERR_EXPORT);
  c->result = OTELC_OK;
  emit_n(s.logger, 2);
  assert_int_equal(otelc_logger_provider_shutdown(s.lp, 1000), OTELC_OK);
  assert_int_equal(exported(c), 15);
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_ERR_SHUTDOWN);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_manual_tick_after_delay(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 100,
                            .max_export_batch_size = 50,
                            .schedule_delay_ms = 10,
                            .manual_tick = true};
  setup_batch(&s, counting_exporter(c), &o);
  emit_n(s.logger, 2);
  usleep(30000);
  assert_int_equal(otelc_log_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported(c), 2);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void clear_blrp(void) {
  unsetenv("OTEL_BLRP_SCHEDULE_DELAY");
  unsetenv("OTEL_BLRP_EXPORT_TIMEOUT");
  unsetenv("OTEL_BLRP_MAX_QUEUE_SIZE");
  unsetenv("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE");
}

static void test_blrp_env(void **state) {
  (void)state;
  otelc_log_batch_opts o;
  clear_blrp();
  otelc_log_batch_opts_from_env(&o);
  assert_int_equal(o.schedule_delay_ms, 1000);
  assert_int_equal(o.export_timeout_ms, 30000);
  assert_int_equal(o.max_queue_size, 2048);
  assert_int_equal(o.max_export_batch_size, 512);
  assert_false(o.manual_tick);

  setenv("OTEL_BLRP_SCHEDULE_DELAY", "250", 1);
  setenv("OTEL_BLRP_EXPORT_TIMEOUT", "0", 1); /* no limit */
  setenv("OTEL_BLRP_MAX_QUEUE_SIZE", "64", 1);
  setenv("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", " 16 ", 1);
  test_diag_capture();
  otelc_log_batch_opts_from_env(&o);
  assert_int_equal(test_diag_seen.count, 0);
  assert_int_equal(o.schedule_delay_ms, 250);
  assert_int_equal(o.export_timeout_ms, INT32_MAX);
  assert_int_equal(o.max_queue_size, 64);
  assert_int_equal(o.max_export_batch_size, 16);

  /* Invalid values: each reported, the default used. */
  setenv("OTEL_BLRP_SCHEDULE_DELAY", "-5", 1);
  setenv("OTEL_BLRP_EXPORT_TIMEOUT", "soon", 1);
  setenv("OTEL_BLRP_MAX_QUEUE_SIZE", "0", 1);
  setenv("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "1.5", 1);
  otelc_log_batch_opts_from_env(&o);
  assert_int_equal(test_diag_seen.count, 4);
  assert_int_equal(o.schedule_delay_ms, 1000);
  assert_int_equal(o.export_timeout_ms, 30000);
  assert_int_equal(o.max_queue_size, 2048);
  assert_int_equal(o.max_export_batch_size, 512);

  /* A batch larger than the queue is cut to the queue, with a warning. */
  clear_blrp();
  setenv("OTEL_BLRP_MAX_QUEUE_SIZE", "100", 1);
  setenv("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "500", 1);
  test_diag_capture();
  otelc_log_batch_opts_from_env(&o);
  assert_int_equal(o.max_export_batch_size, 100);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(
      strstr(test_diag_seen.last, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"));
  test_diag_release();
  clear_blrp();
  otelc_log_batch_opts_from_env(NULL); /* ignored */
}

typedef struct producer_arg {
  otelc_logger *logger;
  int n;
} producer_arg;

static void *producer(void *arg) {
  producer_arg *p = arg;
  emit_n(p->logger, p->n);
  return NULL;
}

static void test_threads_every_record_accounted_for(void **state) {
  (void)state;
  int per_thread = getenv("OTELC_TEST_UNDER_VALGRIND") ? 5000 : 50000;
  counting *c = counting_new();
  setup s;
  setup_batch(&s, counting_exporter(c), NULL);
  pthread_t th[4];
  producer_arg a = {s.logger, per_thread};
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, producer, &a);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  assert_int_equal(otelc_logger_provider_shutdown(s.lp, 30000), OTELC_OK);
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(s.proc, &st);
  uint64_t made = 4ull * (uint64_t)per_thread;
  assert_int_equal(st.received, made);
  assert_int_equal(st.exported + st.dropped_queue_full + st.export_failed,
                   made);
  assert_int_equal(exported(c), st.exported);
  otelc_logger_provider_free(s.lp);
  free(c);
}

static void test_fork_child_gets_working_processor(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_log_batch_opts o = {.max_queue_size = 1000,
                            .max_export_batch_size = 10,
                            .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  emit_n(s.logger, 5); /* queued in the parent, not yet exported */
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* The inherited queue is emptied; new records are exported by a
     * restarted thread. Exit codes tell what failed. */
    size_t before = exported(c);
    emit_n(s.logger, 30);
    if (otelc_logger_provider_force_flush(s.lp, 10000) != OTELC_OK)
      _exit(2);
    if (exported(c) - before != 30)
      _exit(3);
    if (otelc_logger_provider_shutdown(s.lp, 5000) != OTELC_OK)
      _exit(4);
    otelc_logger_provider_free(s.lp);
    free(c);
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* The parent is unaffected: its 5 queued records plus new ones. */
  emit_n(s.logger, 7);
  assert_int_equal(otelc_logger_provider_force_flush(s.lp, 10000), OTELC_OK);
  assert_int_equal(exported(c), 12);
  otelc_logger_provider_free(s.lp);
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flush_exports_in_batches),
      cmocka_unit_test(test_schedule_delay_exports_partial_batch),
      cmocka_unit_test(test_full_batch_wakes_exporter),
      cmocka_unit_test(test_full_queue_drops_and_counts),
      cmocka_unit_test(test_failed_exports_are_counted),
      cmocka_unit_test(test_hung_exporter_freed_before_worker_exits),
      cmocka_unit_test(test_hung_exporter_worker_exits_before_free),
      cmocka_unit_test(test_fork_with_abandoned_export_thread),
      cmocka_unit_test(test_manual_tick),
      cmocka_unit_test(test_manual_tick_after_delay),
      cmocka_unit_test(test_blrp_env),
      cmocka_unit_test(test_threads_every_record_accounted_for),
      cmocka_unit_test(test_fork_child_gets_working_processor),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
