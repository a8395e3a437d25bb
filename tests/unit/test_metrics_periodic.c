/* The periodic reader: manual ticks, the background thread, force flush,
 * exports that never overlap, shutdown bounded with a hanging exporter,
 * the environment, and fork. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_metrics_fixture.h"

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

/* An exporter that records, can fail, and can hang until released. It
 * outlives the reader (destroy only marks it). */
typedef struct rec {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool block, blocked_now;
  otelc_status result;
  int exports, flushes, shutdowns, destroyed;
  int active, max_active; /* concurrent export calls */
  int64_t last_value;     /* of the first point of the last export */
  size_t last_points;
} rec;

static otelc_status rec_export(void *self, const otelc_resource_metrics *d,
                               uint32_t timeout_ms) {
  (void)timeout_ms;
  rec *r = self;
  pthread_mutex_lock(&r->mu);
  r->active++;
  if (r->active > r->max_active)
    r->max_active = r->active;
  while (r->block) {
    r->blocked_now = true;
    pthread_cond_broadcast(&r->cv);
    pthread_cond_wait(&r->cv, &r->mu);
  }
  pthread_mutex_unlock(&r->mu);
  usleep(2000); /* long enough for an overlap to show */
  pthread_mutex_lock(&r->mu);
  r->active--;
  r->exports++;
  r->last_points = 0;
  for (size_t i = 0; i < d->n_scopes; i++)
    for (size_t k = 0; k < d->scopes[i].n_metrics; k++) {
      const otelc_metric *m = &d->scopes[i].metrics[k];
      if (r->last_points == 0 && m->type == OTELC_METRIC_SUM)
        r->last_value = m->points.numbers[0].value.i;
      r->last_points += m->n_points;
    }
  otelc_status st = r->result;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return st;
}

static otelc_status rec_flush(void *self, uint32_t ms) {
  (void)ms;
  rec *r = self;
  pthread_mutex_lock(&r->mu);
  r->flushes++;
  pthread_mutex_unlock(&r->mu);
  return OTELC_OK;
}

static otelc_status rec_shutdown(void *self, uint32_t ms) {
  (void)ms;
  rec *r = self;
  pthread_mutex_lock(&r->mu);
  r->shutdowns++;
  pthread_mutex_unlock(&r->mu);
  return OTELC_OK;
}

static void rec_destroy(void *self) {
  rec *r = self;
  pthread_mutex_lock(&r->mu);
  r->destroyed++;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static rec *rec_new(void) {
  rec *r = calloc(1, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  return r;
}

static int rec_get(rec *r, const int *field) {
  pthread_mutex_lock(&r->mu);
  int v = *field;
  pthread_mutex_unlock(&r->mu);
  return v;
}

static otelc_metric_exporter *rec_exporter(rec *r,
                                           const otelc_metric_reader_prefs *p) {
  static const otelc_metric_exporter_ops ops = {rec_export, rec_flush,
                                                rec_shutdown, rec_destroy};
  otelc_metric_exporter *e = NULL;
  assert_int_equal(otelc_metric_exporter_new(&ops, r, p, &e), OTELC_OK);
  return e;
}

typedef struct pfix {
  otelc_meter_provider *mp;
  otelc_metric_reader *reader;
  otelc_counter *c;
  rec *r;
} pfix;

static void pfix_init(pfix *f, const otelc_periodic_reader_opts *o) {
  f->r = rec_new();
  assert_int_equal(
      otelc_periodic_reader_new(rec_exporter(f->r, NULL), o, &f->reader),
      OTELC_OK);
  otelc_meter_provider_opts po = {.readers = &f->reader, .n_readers = 1};
  assert_int_equal(otelc_meter_provider_new(&po, &f->mp), OTELC_OK);
  otelc_meter *m =
      otelc_meter_provider_get_meter(f->mp, &(otelc_scope_info){.name = "p"});
  f->c = otelc_meter_counter(m, "n", NULL);
}

static void pfix_free(pfix *f) {
  otelc_meter_provider_free(f->mp);
  assert_int_equal(f->r->destroyed, 1);
  free(f->r);
}

static void test_manual_tick(void **state) {
  (void)state;
  pfix f;
  pfix_init(&f, &(otelc_periodic_reader_opts){.interval_ms = 100,
                                              .manual_tick = true});
  otelc_counter_add(f.c, 4, NULL, 0);
  assert_int_equal(otelc_metric_reader_tick(f.reader), OTELC_OK);
  assert_int_equal(f.r->exports, 0); /* the interval has not elapsed */
  usleep(120 * 1000);
  assert_int_equal(otelc_metric_reader_tick(f.reader), OTELC_OK);
  assert_int_equal(f.r->exports, 1);
  assert_int_equal(f.r->last_value, 4);
  assert_int_equal(otelc_metric_reader_tick(f.reader), OTELC_OK);
  assert_int_equal(f.r->exports, 1);
  /* A failing export is reported by the tick and counted. */
  f.r->result = OTELC_ERR_EXPORT;
  usleep(120 * 1000);
  assert_int_equal(otelc_metric_reader_tick(f.reader), OTELC_ERR_EXPORT);
  otelc_metric_reader_stats st;
  otelc_metric_reader_get_stats(f.reader, &st);
  assert_int_equal(st.exports, 2);
  assert_int_equal(st.export_failures, 1);
  assert_int_equal(st.points_exported, 1);
  assert_int_equal(st.points_failed, 1);
  assert_int_equal(st.collections, 2);
  f.r->result = OTELC_OK;
  /* Shutdown in manual mode: a last export in the caller's thread. */
  otelc_counter_add(f.c, 1, NULL, 0);
  assert_int_equal(otelc_meter_provider_shutdown(f.mp, 1000), OTELC_OK);
  assert_int_equal(f.r->exports, 3);
  assert_int_equal(f.r->last_value, 5);
  assert_int_equal(f.r->shutdowns, 1);
  assert_int_equal(otelc_metric_reader_tick(f.reader), OTELC_ERR_SHUTDOWN);
  pfix_free(&f);
}

static void test_background_thread(void **state) {
  (void)state;
  pfix f;
  pfix_init(&f, &(otelc_periodic_reader_opts){.interval_ms = 30});
  otelc_counter_add(f.c, 1, NULL, 0);
  uint64_t until = otelc_time_now() + 3000000000ull;
  while (rec_get(f.r, &f.r->exports) < 3 && otelc_time_now() < until)
    usleep(5000);
  assert_true(rec_get(f.r, &f.r->exports) >= 3);
  assert_int_equal(f.r->max_active, 1);
  assert_int_equal(otelc_meter_provider_shutdown(f.mp, 5000), OTELC_OK);
  assert_int_equal(f.r->shutdowns, 1);
  pfix_free(&f);
}

static void test_force_flush(void **state) {
  (void)state;
  pfix f;
  pfix_init(&f, &(otelc_periodic_reader_opts){.interval_ms = 60000});
  otelc_counter_add(f.c, 6, NULL, 0);
  assert_int_equal(otelc_meter_provider_force_flush(f.mp, 5000), OTELC_OK);
  assert_int_equal(rec_get(f.r, &f.r->exports), 1);
  assert_int_equal(rec_get(f.r, &f.r->flushes), 1);
  assert_int_equal(f.r->last_value, 6);
  /* A failed export makes the flush fail. */
  pthread_mutex_lock(&f.r->mu);
  f.r->result = OTELC_ERR_EXPORT;
  pthread_mutex_unlock(&f.r->mu);
  assert_int_equal(otelc_metric_reader_force_flush(f.reader, 5000),
                   OTELC_ERR_EXPORT);
  pthread_mutex_lock(&f.r->mu);
  f.r->result = OTELC_OK;
  pthread_mutex_unlock(&f.r->mu);
  pfix_free(&f);
}

static void *flusher(void *arg) {
  pfix *f = arg;
  for (int i = 0; i < 20; i++)
    otelc_metric_reader_force_flush(f->reader, 5000);
  return NULL;
}

static void test_exports_never_overlap(void **state) {
  (void)state;
  pfix f;
  pfix_init(&f, &(otelc_periodic_reader_opts){.interval_ms = 5});
  otelc_counter_add(f.c, 1, NULL, 0);
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, flusher, &f);
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  assert_true(rec_get(f.r, &f.r->exports) >= 20);
  assert_int_equal(rec_get(f.r, &f.r->max_active), 1);
  pfix_free(&f);
}

static void test_shutdown_bounded_when_exporter_hangs(void **state) {
  (void)state;
  pfix f;
  pfix_init(
      &f, &(otelc_periodic_reader_opts){.interval_ms = 10, .timeout_ms = 100});
  otelc_counter_add(f.c, 1, NULL, 0);
  pthread_mutex_lock(&f.r->mu);
  f.r->block = true;
  while (!f.r->blocked_now)
    pthread_cond_wait(&f.r->cv, &f.r->mu);
  pthread_mutex_unlock(&f.r->mu);
  test_diag_capture();
  uint64_t t0 = otelc_time_now();
  assert_int_equal(otelc_meter_provider_shutdown(f.mp, 200), OTELC_ERR_TIMEOUT);
  uint64_t took = otelc_time_now() - t0;
  assert_true(took < 1000000000ull);
  assert_non_null(strstr(test_diag_seen.last, "abandoned"));
  test_diag_release();
  /* Freeing the provider does not wait either; the abandoned thread
   * finishes and frees what it still uses once the exporter returns. */
  otelc_meter_provider_free(f.mp);
  pthread_mutex_lock(&f.r->mu);
  f.r->block = false;
  pthread_cond_broadcast(&f.r->cv);
  while (!f.r->destroyed)
    pthread_cond_wait(&f.r->cv, &f.r->mu);
  pthread_mutex_unlock(&f.r->mu);
  assert_int_equal(f.r->shutdowns, 1);
  usleep(20 * 1000); /* let the thread return */
  free(f.r);
}

static void test_opts_from_env(void **state) {
  (void)state;
  otelc_periodic_reader_opts o;
  unsetenv("OTEL_METRIC_EXPORT_INTERVAL");
  unsetenv("OTEL_METRIC_EXPORT_TIMEOUT");
  otelc_periodic_reader_opts_from_env(&o);
  assert_int_equal(o.interval_ms, 60000);
  assert_int_equal(o.timeout_ms, 30000);
  assert_false(o.manual_tick);
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "1500", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", " 250 ", 1);
  otelc_periodic_reader_opts_from_env(&o);
  assert_int_equal(o.interval_ms, 1500);
  assert_int_equal(o.timeout_ms, 250);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "0", 1); /* no limit */
  otelc_periodic_reader_opts_from_env(&o);
  assert_int_equal(o.timeout_ms, INT32_MAX);
  test_diag_capture();
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "-5", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "soon", 1);
  otelc_periodic_reader_opts_from_env(&o);
  assert_int_equal(o.interval_ms, 60000);
  assert_int_equal(o.timeout_ms, 30000);
  assert_int_equal(test_diag_seen.count, 2);
  assert_non_null(strstr(test_diag_seen.last, "soon"));
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "0", 1);
  otelc_periodic_reader_opts_from_env(&o);
  assert_int_equal(o.interval_ms, 60000);
  assert_int_equal(test_diag_seen.count, 4);
  test_diag_release();
  unsetenv("OTEL_METRIC_EXPORT_INTERVAL");
  unsetenv("OTEL_METRIC_EXPORT_TIMEOUT");
}

static int destroyed_on_error;
static void count_destroy(void *self) {
  (void)self;
  destroyed_on_error++;
}

static void test_exporter_and_reader_arguments(void **state) {
  (void)state;
  otelc_metric_exporter *e = NULL;
  static const otelc_metric_exporter_ops no_export = {NULL, NULL, NULL,
                                                      count_destroy};
  destroyed_on_error = 0;
  assert_int_equal(otelc_metric_exporter_new(&no_export, NULL, NULL, &e),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(destroyed_on_error, 1);
  assert_int_equal(otelc_metric_exporter_new(NULL, NULL, NULL, &e),
                   OTELC_ERR_INVALID_ARG);
  otelc_metric_reader *r = NULL;
  assert_int_equal(otelc_periodic_reader_new(NULL, NULL, &r),
                   OTELC_ERR_INVALID_ARG);
  rec *x = rec_new();
  assert_int_equal(otelc_periodic_reader_new(rec_exporter(x, NULL), NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(x->destroyed, 1); /* ownership was taken */
  /* An exporter freed without a reader. */
  otelc_metric_exporter_free(rec_exporter(x, NULL));
  assert_int_equal(x->destroyed, 2);
  otelc_metric_exporter_free(NULL);
  /* A reader freed without a provider: shut down, then freed. */
  assert_int_equal(otelc_periodic_reader_new(
                       rec_exporter(x, NULL),
                       &(otelc_periodic_reader_opts){.interval_ms = 50}, &r),
                   OTELC_OK);
  otelc_metric_reader_free(r);
  assert_int_equal(x->shutdowns, 1);
  assert_int_equal(x->destroyed, 3);
  free(x);
}

static void test_prefs_come_from_exporter(void **state) {
  (void)state;
  otelc_metric_reader_prefs p;
  otelc_metric_reader_prefs_init(&p, OTELC_TEMPORALITY_PREF_DELTA);
  rec *x = rec_new();
  otelc_metric_reader *r = NULL;
  assert_int_equal(otelc_periodic_reader_new(
                       rec_exporter(x, &p),
                       &(otelc_periodic_reader_opts){.manual_tick = true}, &r),
                   OTELC_OK);
  otelc_meter_provider *mp = NULL;
  otelc_meter_provider_opts po = {.readers = &r, .n_readers = 1};
  assert_int_equal(otelc_meter_provider_new(&po, &mp), OTELC_OK);
  otelc_counter *c = otelc_meter_counter(
      otelc_meter_provider_get_meter(mp, &(otelc_scope_info){.name = "p"}), "n",
      NULL);
  otelc_counter_add(c, 3, NULL, 0);
  assert_int_equal(otelc_metric_reader_force_flush(r, 1000), OTELC_OK);
  otelc_counter_add(c, 4, NULL, 0);
  assert_int_equal(otelc_metric_reader_force_flush(r, 1000), OTELC_OK);
  assert_int_equal(x->last_value, 4); /* delta */
  otelc_meter_provider_free(mp);
  free(x);
}

static void test_fork_restarts_thread(void **state) {
  (void)state;
  pfix f;
  /* Right after a flush the parent's thread is idle for an interval, so
   * the fork does not catch the exporter's lock held. */
  pfix_init(&f, &(otelc_periodic_reader_opts){.interval_ms = 100});
  otelc_counter_add(f.c, 1, NULL, 0);
  assert_int_equal(otelc_meter_provider_force_flush(f.mp, 5000), OTELC_OK);
  int before = rec_get(f.r, &f.r->exports);
  pid_t pid = fork();
  if (pid == 0) {
    /* The child's export thread is gone; using the counter restarts it. */
    otelc_counter_add(f.c, 1, NULL, 0);
    uint64_t until = otelc_time_now() + 3000000000ull;
    while (rec_get(f.r, &f.r->exports) < before + 2 && otelc_time_now() < until)
      usleep(5000);
    _exit(rec_get(f.r, &f.r->exports) >= before + 2 && f.r->last_value == 2
              ? 0
              : 1);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  pfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manual_tick),
      cmocka_unit_test(test_background_thread),
      cmocka_unit_test(test_force_flush),
      cmocka_unit_test(test_exports_never_overlap),
      cmocka_unit_test(test_shutdown_bounded_when_exporter_hangs),
      cmocka_unit_test(test_opts_from_env),
      cmocka_unit_test(test_exporter_and_reader_arguments),
      cmocka_unit_test(test_prefs_come_from_exporter),
      cmocka_unit_test(test_fork_restarts_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
