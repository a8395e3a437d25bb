/* The batch processor: batching, the schedule, a full queue, exporters
 * that fail or hang, flush and shutdown bounds, threads, fork and the
 * caller-driven tick. Several processors at once and custom processors. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"
#include "trace_fixture.h"

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
const char *__tsan_default_options(void) { return "die_after_fork=0"; }
#endif

/* An exporter that counts, can fail, and can be made to block until
 * released. */
typedef struct counting {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool block;        /* export waits while true */
  bool blocked_now;  /* an export is waiting */
  otelc_status result;
  size_t spans, batches, max_batch;
  bool shut;
} counting;

static otelc_status counting_export(void *self, otelc_span *const *spans,
                                    size_t n, uint32_t timeout_ms) {
  (void)spans;
  (void)timeout_ms;
  counting *c = self;
  pthread_mutex_lock(&c->mu);
  while (c->block) {
    c->blocked_now = true;
    pthread_cond_broadcast(&c->cv);
    pthread_cond_wait(&c->cv, &c->mu);
  }
  c->blocked_now = false;
  c->spans += n;
  c->batches++;
  if (n > c->max_batch)
    c->max_batch = n;
  otelc_status r = c->result;
  pthread_mutex_unlock(&c->mu);
  return r;
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

/* The counting state outlives the exporter (no destroy op) so tests can
 * read it after the provider is gone, and so an abandoned export thread
 * can still finish against it. */
static otelc_span_exporter *counting_exporter(counting *c) {
  static const otelc_span_exporter_ops ops = {counting_export, NULL,
                                              counting_shutdown, NULL};
  otelc_span_exporter *e = NULL;
  assert_int_equal(otelc_span_exporter_new(&ops, c, &e), OTELC_OK);
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

static size_t exported_spans(counting *c) {
  pthread_mutex_lock(&c->mu);
  size_t n = c->spans;
  pthread_mutex_unlock(&c->mu);
  return n;
}

typedef struct setup {
  otelc_tracer_provider *tp;
  otelc_tracer *tracer;
  otelc_span_processor *proc; /* owned by tp */
} setup;

static void setup_batch(setup *s, otelc_span_exporter *e,
                        const otelc_batch_opts *o) {
  assert_int_equal(otelc_batch_span_processor_new(e, o, &s->proc), OTELC_OK);
  otelc_tracer_provider_opts po = {0};
  po.sampler = otelc_sampler_always_on();
  po.processors = &s->proc;
  po.n_processors = 1;
  assert_int_equal(otelc_tracer_provider_new(&po, &s->tp), OTELC_OK);
  s->tracer = otelc_tracer_provider_get_tracer(s->tp, NULL);
}

static void make_spans(otelc_tracer *t, int n) {
  for (int i = 0; i < n; i++)
    otelc_span_end(otelc_span_start(t, "s", NULL));
}

static void test_flush_exports_in_batches(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 10,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  make_spans(s.tracer, 25);
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 10000), OTELC_OK);
  assert_int_equal(exported_spans(c), 25);
  assert_true(c->max_batch <= 10);
  assert_true(c->batches >= 3);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(s.proc, &st);
  assert_int_equal(st.received, 25);
  assert_int_equal(st.exported, 25);
  assert_int_equal(st.queue_size, 0);
  assert_int_equal(st.queue_capacity, 100);
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 5000), OTELC_OK);
  assert_true(c->shut);
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 5000),
                   OTELC_ERR_SHUTDOWN);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_full_batch_wakes_exporter(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  /* The schedule alone would wait a minute: a full batch must not. */
  otelc_batch_opts o = {.max_queue_size = 64, .max_export_batch_size = 8,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  make_spans(s.tracer, 8);
  for (int i = 0; i < 2000 && exported_spans(c) < 8; i++)
    usleep(5000);
  assert_int_equal(exported_spans(c), 8);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_schedule_delay_exports_partial_batch(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 64, .max_export_batch_size = 32,
                        .schedule_delay_ms = 20};
  setup_batch(&s, counting_exporter(c), &o);
  make_spans(s.tracer, 3);
  for (int i = 0; i < 2000 && exported_spans(c) < 3; i++)
    usleep(5000);
  assert_int_equal(exported_spans(c), 3);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_full_queue_drops_and_counts(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 10, .max_export_batch_size = 5,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  test_diag_capture();
  set_block(c, true);
  make_spans(s.tracer, 5); /* one full batch: the worker takes it, blocks */
  wait_blocked(c);
  /* The exporter is stuck; producers must not be. */
  make_spans(s.tracer, 100);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(s.proc, &st);
  assert_int_equal(st.queue_size, 10);
  assert_int_equal(st.dropped_queue_full, 90);
  assert_int_equal(st.received, 105);
  assert_int_equal(test_diag_seen.count, 1); /* warned once */
  test_diag_release();
  set_block(c, false);
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 10000), OTELC_OK);
  otelc_span_processor_get_stats(s.proc, &st);
  assert_int_equal(st.exported, 15);
  assert_int_equal(st.exported + st.dropped_queue_full, 105);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_failed_exports_are_counted(void **state) {
  (void)state;
  counting *c = counting_new();
  c->result = OTELC_ERR_EXPORT;
  setup s;
  setup_batch(&s, counting_exporter(c), NULL);
  make_spans(s.tracer, 7);
  /* The flush says the export failed. */
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 10000), OTELC_ERR_EXPORT);
  /* A flush with nothing to export is fine again. */
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 10000), OTELC_OK);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(s.proc, &st);
  assert_int_equal(st.export_failed, 7);
  assert_int_equal(st.exported, 0);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

/* The abandoned export returns before the provider is freed: the worker
 * must leave the processor to the free, which then releases it once (a
 * use-after-free or double free here shows under ASan and valgrind). */
static void test_abandoned_export_returns_before_free(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 1,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  set_block(c, true);
  make_spans(s.tracer, 1);
  wait_blocked(c);
  test_diag_capture();
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 100),
                   OTELC_ERR_TIMEOUT);
  test_diag_release();
  set_block(c, false);
  bool done = false;
  for (int i = 0; i < 2000 && !done; i++) {
    pthread_mutex_lock(&c->mu);
    done = c->shut;
    pthread_mutex_unlock(&c->mu);
    if (!done)
      usleep(5000);
  }
  assert_true(done);
  usleep(50000); /* the worker has returned by now */
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_hanging_exporter_bounded_flush_and_shutdown(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 1,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  set_block(c, true);
  make_spans(s.tracer, 1);
  wait_blocked(c);
  make_spans(s.tracer, 10);
  test_diag_capture();
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 100),
                   OTELC_ERR_TIMEOUT);
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 200),
                   OTELC_ERR_TIMEOUT);
  /* Both returned while the export is still stuck. */
  pthread_mutex_lock(&c->mu);
  assert_true(c->blocked_now);
  pthread_mutex_unlock(&c->mu);
  otelc_tracer_provider_free(s.tp); /* the export thread owns the rest */
  test_diag_release();
  /* Let the abandoned thread finish so it frees what it owns. */
  set_block(c, false);
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&c->mu);
    bool done = c->shut;
    pthread_mutex_unlock(&c->mu);
    if (done)
      break;
    usleep(5000);
  }
  usleep(50000); /* the thread frees after the exporter's shutdown */
  assert_true(c->shut);
  /* The thread no longer touches the exporter state once its shutdown
   * has returned and released the lock read above. */
  free(c);
}

/* Until the abandoned export thread has shut its exporter down, and a
 * little more for it to free what it owns and return. */
static void wait_exporter_shut(counting *c) {
  bool done = false;
  for (int i = 0; i < 2000 && !done; i++) {
    pthread_mutex_lock(&c->mu);
    done = c->shut;
    pthread_mutex_unlock(&c->mu);
    if (!done)
      usleep(5000);
  }
  assert_true(done);
  usleep(100000);
}

/* An exporter that blocks before it reads its spans' scope and
 * resource, which belong to the provider. */
typedef struct scope_reader {
  counting *c;
  size_t read; /* spans whose scope and resource were read */
} scope_reader;

static otelc_status scope_reader_export(void *self, otelc_span *const *spans,
                                        size_t n, uint32_t timeout_ms) {
  scope_reader *r = self;
  otelc_status st = counting_export(r->c, spans, n, timeout_ms);
  /* After the wait: an abandoned export thread must still find the
   * spans' scope and resource intact. */
  for (size_t i = 0; i < n; i++) {
    const otelc_scope_info *sc = otelc_span_get_scope(spans[i]);
    assert_non_null(sc);
    assert_string_equal(sc->name, "held");
    assert_true(otelc_resource_attr_count(otelc_span_get_resource(spans[i])) >
                0);
  }
  pthread_mutex_lock(&r->c->mu);
  r->read += n;
  pthread_mutex_unlock(&r->c->mu);
  return st;
}

static otelc_status scope_reader_shutdown(void *self, uint32_t ms) {
  scope_reader *r = self;
  return counting_shutdown(r->c, ms);
}

/* Shutdown abandons an export, the provider is freed, then the export
 * reads its spans' scope: the provider's tracers and resource must still
 * be there (a use-after-free here shows under ASan and valgrind). */
static void test_abandoned_export_reads_scope_after_provider_free(
    void **state) {
  (void)state;
  counting *c = counting_new();
  scope_reader r = {c, 0};
  static const otelc_span_exporter_ops ops = {scope_reader_export, NULL,
                                              scope_reader_shutdown, NULL};
  otelc_span_exporter *e = NULL;
  assert_int_equal(otelc_span_exporter_new(&ops, &r, &e), OTELC_OK);
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 1,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, e, &o);
  otelc_scope_info scope = {.name = "held"};
  otelc_tracer *t = otelc_tracer_provider_get_tracer(s.tp, &scope);
  set_block(c, true);
  make_spans(t, 1);
  wait_blocked(c);
  test_diag_capture();
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 100),
                   OTELC_ERR_TIMEOUT);
  assert_non_null(strstr(test_diag_seen.last, "abandoned"));
  test_diag_release();
  otelc_tracer_provider_free(s.tp);
  set_block(c, false);
  wait_exporter_shut(c);
  pthread_mutex_lock(&c->mu);
  assert_true(c->shut);
  assert_int_equal(r.read, 1);
  pthread_mutex_unlock(&c->mu);
  free(c);
}

/* fork() while shutdown has abandoned an export stuck in the parent: the
 * export may never return, so fork must not wait for it. */
static void test_fork_with_abandoned_export_thread(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 1,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  set_block(c, true);
  make_spans(s.tracer, 1);
  wait_blocked(c);
  test_diag_capture();
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 100),
                   OTELC_ERR_TIMEOUT);
  test_diag_release();
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    make_spans(s.tracer, 3); /* dropped: shut down */
    _exit(otelc_tracer_enabled(s.tracer) ? 2 : 0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  otelc_tracer_provider_free(s.tp);
  set_block(c, false);
  wait_exporter_shut(c);
  assert_true(c->shut);
  free(c);
}

typedef struct producer_arg {
  otelc_tracer *tracer;
  int n;
} producer_arg;

static void *producer(void *arg) {
  producer_arg *p = arg;
  for (int i = 0; i < p->n; i++) {
    otelc_span *sp = otelc_span_start(p->tracer, "t", NULL);
    otelc_span_set_int(sp, "i", i);
    otelc_span_end(sp);
  }
  return NULL;
}

static void test_threads_every_span_accounted_for(void **state) {
  (void)state;
  int per_thread = getenv("OTELC_TEST_UNDER_VALGRIND") ? 5000 : 100000;
  counting *c = counting_new();
  setup s;
  setup_batch(&s, counting_exporter(c), NULL);
  pthread_t th[4];
  producer_arg a = {s.tracer, per_thread};
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, producer, &a);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 30000), OTELC_OK);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(s.proc, &st);
  uint64_t created = 4ull * (uint64_t)per_thread;
  assert_int_equal(st.received, created);
  assert_int_equal(st.exported + st.dropped_queue_full + st.export_failed,
                   created);
  assert_int_equal(exported_spans(c), st.exported);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_processor_shutdown_counts_late_spans(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  setup_batch(&s, counting_exporter(c), NULL);
  assert_int_equal(otelc_span_processor_shutdown(s.proc, 1000), OTELC_OK);
  make_spans(s.tracer, 3);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(s.proc, &st);
  assert_int_equal(st.dropped_shutdown, 3);
  assert_int_equal(otelc_span_processor_force_flush(s.proc, 100),
                   OTELC_ERR_SHUTDOWN);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_manual_tick(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 4,
                        .schedule_delay_ms = 60000, .manual_tick = true};
  setup_batch(&s, counting_exporter(c), &o);
  make_spans(s.tracer, 3);
  assert_int_equal(otelc_span_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported_spans(c), 0); /* not due: no full batch */
  make_spans(s.tracer, 6);
  assert_int_equal(otelc_span_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported_spans(c), 4); /* one batch per tick */
  assert_int_equal(otelc_span_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported_spans(c), 8);
  assert_int_equal(otelc_span_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported_spans(c), 8); /* 1 left, delay not elapsed */
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 1000), OTELC_OK);
  assert_int_equal(exported_spans(c), 9);
  make_spans(s.tracer, 2);
  assert_int_equal(otelc_tracer_provider_shutdown(s.tp, 1000), OTELC_OK);
  assert_int_equal(exported_spans(c), 11);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_manual_tick_after_delay(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 100, .max_export_batch_size = 50,
                        .schedule_delay_ms = 10, .manual_tick = true};
  setup_batch(&s, counting_exporter(c), &o);
  make_spans(s.tracer, 2);
  usleep(30000);
  assert_int_equal(otelc_span_processor_tick(s.proc), OTELC_OK);
  assert_int_equal(exported_spans(c), 2);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

static void test_fork_child_gets_working_processor(void **state) {
  (void)state;
  counting *c = counting_new();
  setup s;
  otelc_batch_opts o = {.max_queue_size = 1000, .max_export_batch_size = 10,
                        .schedule_delay_ms = 60000};
  setup_batch(&s, counting_exporter(c), &o);
  make_spans(s.tracer, 5); /* queued in the parent, not yet exported */
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* Child: the inherited queue is emptied; new spans are exported by a
     * restarted thread. Exit codes report what failed. */
    size_t before = exported_spans(c);
    make_spans(s.tracer, 30);
    if (otelc_tracer_provider_force_flush(s.tp, 10000) != OTELC_OK)
      _exit(2);
    if (exported_spans(c) - before != 30)
      _exit(3);
    if (otelc_tracer_provider_shutdown(s.tp, 5000) != OTELC_OK)
      _exit(4);
    otelc_tracer_provider_free(s.tp); /* leak checkers look at the child */
    free(c);
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* The parent is unaffected: its 5 queued spans plus new ones export. */
  make_spans(s.tracer, 7);
  assert_int_equal(otelc_tracer_provider_force_flush(s.tp, 10000), OTELC_OK);
  assert_int_equal(exported_spans(c), 12);
  otelc_tracer_provider_free(s.tp);
  free(c);
}

/* A custom processor that records the order of callbacks. */
typedef struct recorder {
  char log[256];
  otelc_span *kept;
} recorder;

static void rec_start(void *self, otelc_span *span,
                      const otelc_context *parent) {
  (void)parent;
  recorder *r = self;
  strcat(r->log, "start:");
  strcat(r->log, otelc_span_get_name(span));
  strcat(r->log, ";");
  otelc_span_set_str(span, "added.by", "processor");
}

static void rec_end(void *self, otelc_span *span) {
  recorder *r = self;
  strcat(r->log, "end:");
  strcat(r->log, otelc_span_get_name(span));
  strcat(r->log, ";");
  if (!r->kept) {
    otelc_span_retain(span);
    r->kept = span;
  }
}

static void test_custom_and_several_processors(void **state) {
  (void)state;
  recorder r = {{0}, NULL};
  static const otelc_span_processor_ops ops = {rec_start, rec_end, NULL, NULL,
                                               NULL};
  otelc_span_processor *procs[3];
  assert_int_equal(otelc_span_processor_new(&ops, &r, &procs[0]), OTELC_OK);
  otelc_span_exporter *m1, *m2;
  otelc_memory_exporter_new(&m1);
  otelc_memory_exporter_new(&m2);
  otelc_batch_span_processor_new(m1, NULL, &procs[1]);
  otelc_simple_span_processor_new(m2, &procs[2]);
  otelc_tracer_provider_opts po = {.sampler = otelc_sampler_always_on(),
                                   .processors = procs,
                                   .n_processors = 3};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&po, &tp), OTELC_OK);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, NULL);
  otelc_span_end(otelc_span_start(t, "one", NULL));
  otelc_span_end(otelc_span_start(t, "two", NULL));
  assert_int_equal(otelc_tracer_provider_force_flush(tp, 5000), OTELC_OK);
  assert_string_equal(r.log, "start:one;end:one;start:two;end:two;");
  assert_int_equal(otelc_memory_exporter_count(m1), 2);
  assert_int_equal(otelc_memory_exporter_count(m2), 2);
  /* on_start's attribute reached the exporters. */
  assert_non_null(otelc_span_find_attr(otelc_memory_exporter_get(m2, 0),
                                       "added.by"));
  /* The span retained by the custom processor outlives its export. */
  otelc_memory_exporter_clear(m1);
  otelc_memory_exporter_clear(m2);
  assert_string_equal(otelc_span_get_name(r.kept), "one");
  otelc_span_release(r.kept);
  otelc_tracer_provider_free(tp);
}

static void test_unsampled_spans_reach_processors_not_exporters(void **s) {
  (void)s;
  recorder r = {{0}, NULL};
  static const otelc_span_processor_ops ops = {NULL, rec_end, NULL, NULL,
                                               NULL};
  otelc_span_processor *procs[2];
  otelc_span_processor_new(&ops, &r, &procs[0]);
  otelc_span_exporter *m;
  otelc_memory_exporter_new(&m);
  otelc_batch_span_processor_new(m, NULL, &procs[1]);
  otelc_tracer_provider_opts po = {.sampler = otelc_sampler_always_off(),
                                   .processors = procs,
                                   .n_processors = 2};
  otelc_tracer_provider *tp;
  otelc_tracer_provider_new(&po, &tp);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, NULL);
  otelc_span *sp = otelc_span_start(t, "dropped", NULL);
  assert_false(otelc_span_is_recording(sp));
  otelc_span_end(sp);
  otelc_tracer_provider_force_flush(tp, 5000);
  assert_string_equal(r.log, ""); /* non-recording: no processor */
  assert_int_equal(otelc_memory_exporter_count(m), 0);
  otelc_tracer_provider_free(tp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flush_exports_in_batches),
      cmocka_unit_test(test_full_batch_wakes_exporter),
      cmocka_unit_test(test_schedule_delay_exports_partial_batch),
      cmocka_unit_test(test_full_queue_drops_and_counts),
      cmocka_unit_test(test_failed_exports_are_counted),
      cmocka_unit_test(test_hanging_exporter_bounded_flush_and_shutdown),
      cmocka_unit_test(test_abandoned_export_returns_before_free),
      cmocka_unit_test(test_abandoned_export_reads_scope_after_provider_free),
      cmocka_unit_test(test_fork_with_abandoned_export_thread),
      cmocka_unit_test(test_threads_every_span_accounted_for),
      cmocka_unit_test(test_processor_shutdown_counts_late_spans),
      cmocka_unit_test(test_manual_tick),
      cmocka_unit_test(test_manual_tick_after_delay),
      cmocka_unit_test(test_fork_child_gets_working_processor),
      cmocka_unit_test(test_custom_and_several_processors),
      cmocka_unit_test(test_unsampled_spans_reach_processors_not_exporters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
