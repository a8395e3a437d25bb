/* Observable instruments: callbacks at creation and registered later,
 * unregistering (and waiting for a running call), observations outside a
 * callback, last value wins, cumulative to delta, start times, timeouts
 * and cardinality. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "test_metrics_fixture.h"

typedef struct obs_state {
  otelc_observable *inst[3];
  int64_t value;
  int calls;
  bool second_set;
} obs_state;

static void one_value(otelc_observer *o, void *ud) {
  obs_state *s = ud;
  s->calls++;
  otelc_observe(o, s->inst[0], s->value, OTELC_ATTRS(OTELC_STR("cpu", "0")));
  if (s->second_set)
    otelc_observe(o, s->inst[0], s->value * 10,
                  OTELC_ATTRS(OTELC_STR("cpu", "1")));
}

static void test_counter_callback_cumulative(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  obs_state s = {.value = 100};
  uint64_t t0 = otelc_time_now();
  s.inst[0] =
      otelc_meter_observable_counter(f.meter, "cpu.time", NULL, one_value, &s);
  assert_int_equal(s.calls, 0); /* callbacks run inside collections */
  mfix_collect(&f);
  assert_int_equal(s.calls, 1);
  mpoint *p = mc_get(&f.c, "cpu.time", "cpu=0");
  assert_int_equal(p->type, OTELC_METRIC_SUM);
  assert_true(p->monotonic);
  assert_int_equal(p->kind, OTELC_INSTRUMENT_OBSERVABLE_COUNTER);
  assert_int_equal(p->i, 100);
  /* Appeared in the first interval: starts at the instrument's creation. */
  assert_true(p->start >= t0 && p->start <= p->time);
  uint64_t start = p->start, t1 = p->time;
  s.value = 150;
  s.second_set = true;
  mfix_collect(&f);
  p = mc_get(&f.c, "cpu.time", "cpu=0");
  assert_int_equal(p->i, 150);
  assert_int_equal(p->start, start);
  /* Appeared later: starts at the previous collection. */
  p = mc_get(&f.c, "cpu.time", "cpu=1");
  assert_int_equal(p->i, 1500);
  assert_int_equal(p->start, t1);
  /* A set not observed this time is not exported. */
  s.second_set = false;
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "cpu.time"), 1);
  mfix_free(&f);
}

static void test_counter_callback_delta(void **state) {
  (void)state;
  mfix f;
  mfix_init_temporality(&f, true);
  obs_state s = {.value = 100};
  s.inst[0] = otelc_meter_observable_counter(f.meter, "c", NULL, one_value, &s);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "c", "cpu=0");
  assert_int_equal(p->temporality, OTELC_TEMPORALITY_DELTA);
  assert_int_equal(p->i, 100);
  uint64_t t1 = p->time;
  s.value = 130;
  mfix_collect(&f);
  p = mc_get(&f.c, "c", "cpu=0");
  assert_int_equal(p->i, 30);
  assert_int_equal(p->start, t1);
  s.value = 130;
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "cpu=0")->i, 0);
  mfix_free(&f);
}

static void gauge_cb(otelc_observer *o, void *ud) {
  obs_state *s = ud;
  s->calls++;
  otelc_observe_double(o, s->inst[0], 1.5, NULL, 0);
  otelc_observe_double(o, s->inst[0], 2.5, NULL, 0); /* last wins */
  otelc_observe(o, s->inst[1], -4, OTELC_ATTRS(OTELC_INT("q", 1)));
}

static void test_gauge_updown_last_wins(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  obs_state s = {0};
  s.inst[0] = otelc_meter_observable_gauge(
      f.meter, "g", &(otelc_instrument_opts){.is_double = true}, NULL, NULL);
  s.inst[1] =
      otelc_meter_observable_up_down_counter(f.meter, "u", NULL, NULL, NULL);
  otelc_callback_registration *reg =
      otelc_meter_register_callback(f.meter, gauge_cb, &s, s.inst, 2);
  assert_non_null(reg);
  mfix_collect(&f);
  assert_int_equal(s.calls, 1);
  mpoint *p = mc_get(&f.c, "g", "");
  assert_int_equal(p->type, OTELC_METRIC_GAUGE);
  assert_true(p->d == 2.5);
  p = mc_get(&f.c, "u", "q=1");
  assert_false(p->monotonic);
  assert_int_equal(p->i, -4);
  otelc_callback_unregister(reg);
  mfix_collect(&f);
  assert_int_equal(s.calls, 1);
  assert_int_equal(f.c.n, 0);
  mfix_free(&f);
}

static otelc_observer *kept_observer;

static void rogue_cb(otelc_observer *o, void *ud) {
  obs_state *s = ud;
  kept_observer = o;
  /* inst[1] is not registered with this callback. */
  otelc_observe(o, s->inst[1], 5, NULL, 0);
  otelc_observe(o, s->inst[0], 1, NULL, 0);
}

static void test_observations_outside_or_unregistered(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  obs_state s = {0};
  s.inst[1] = otelc_meter_observable_gauge(f.meter, "other", NULL, NULL, NULL);
  test_diag_capture();
  s.inst[0] = otelc_meter_observable_gauge(f.meter, "mine", NULL, rogue_cb, &s);
  mfix_collect(&f);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "'other'"));
  assert_non_null(strstr(test_diag_seen.last, "not registered"));
  assert_non_null(mc_find(&f.c, "mine", ""));
  assert_null(mc_find(&f.c, "other", ""));
  /* After the callback: ignored, with a warning. */
  otelc_observe(kept_observer, s.inst[0], 9, NULL, 0);
  assert_int_equal(test_diag_seen.count, 2);
  assert_non_null(strstr(test_diag_seen.last, "outside"));
  test_diag_release();
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "mine", "")->i, 1);
  mfix_free(&f);
}

static void test_register_rejects_foreign_instruments(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_meter *m2 =
      otelc_meter_provider_get_meter(f.mp, &(otelc_scope_info){.name = "m2"});
  otelc_observable *mine =
      otelc_meter_observable_gauge(f.meter, "a", NULL, NULL, NULL);
  otelc_observable *theirs =
      otelc_meter_observable_gauge(m2, "b", NULL, NULL, NULL);
  otelc_observable *both[] = {mine, theirs};
  test_diag_capture();
  assert_null(otelc_meter_register_callback(f.meter, gauge_cb, NULL, both, 2));
  assert_int_equal(test_diag_seen.count, 1);
  assert_null(otelc_meter_register_callback(f.meter, NULL, NULL, both, 1));
  assert_null(otelc_meter_register_callback(f.meter, gauge_cb, NULL, NULL, 0));
  assert_int_equal(test_diag_seen.count, 3);
  test_diag_release();
  otelc_callback_unregister(NULL);
  mfix_free(&f);
}

/* A callback that blocks until released, to prove unregister waits. */
typedef struct blocker {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool inside, release, finished;
  bool saw_unregistered; /* unregister returned while the call ran */
  bool unregistered;
  otelc_observable *inst;
} blocker;

static void blocking_cb(otelc_observer *o, void *ud) {
  blocker *b = ud;
  pthread_mutex_lock(&b->mu);
  b->inside = true;
  pthread_cond_broadcast(&b->cv);
  while (!b->release)
    pthread_cond_wait(&b->cv, &b->mu);
  pthread_mutex_unlock(&b->mu);
  usleep(50 * 1000); /* still running after the release */
  otelc_observe(o, b->inst, 1, NULL, 0);
  pthread_mutex_lock(&b->mu);
  b->saw_unregistered = b->unregistered;
  b->finished = true;
  pthread_mutex_unlock(&b->mu);
}

typedef struct collect_job {
  otelc_metric_reader *r;
  mcollect c;
  otelc_status st;
} collect_job;

static void *collect_thread(void *arg) {
  collect_job *j = arg;
  j->st = otelc_metric_reader_collect(j->r, mc_callback, &j->c, 10000);
  return NULL;
}

static void *release_later(void *arg) {
  blocker *b = arg;
  usleep(100 * 1000);
  pthread_mutex_lock(&b->mu);
  b->release = true;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  return NULL;
}

static void test_unregister_waits_for_running_call(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  blocker b = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
  b.inst = otelc_meter_observable_gauge(f.meter, "g", NULL, NULL, NULL);
  otelc_callback_registration *reg =
      otelc_meter_register_callback(f.meter, blocking_cb, &b, &b.inst, 1);
  assert_non_null(reg);
  collect_job j = {f.r[0], {0}, OTELC_OK};
  pthread_t th, rel;
  pthread_create(&th, NULL, collect_thread, &j);
  pthread_mutex_lock(&b.mu);
  while (!b.inside)
    pthread_cond_wait(&b.cv, &b.mu);
  pthread_mutex_unlock(&b.mu);
  pthread_create(&rel, NULL, release_later, &b);
  otelc_callback_unregister(reg);
  pthread_mutex_lock(&b.mu);
  bool finished = b.finished;
  b.unregistered = true;
  pthread_mutex_unlock(&b.mu);
  assert_true(finished);
  pthread_join(rel, NULL);
  pthread_join(th, NULL);
  assert_int_equal(j.st, OTELC_OK);
  assert_false(b.saw_unregistered);
  assert_non_null(mc_find(&j.c, "g", ""));
  mc_free(&j.c);
  /* Unregistered: not called any more. */
  b.inside = false;
  mfix_collect(&f);
  assert_false(b.inside);
  mfix_free(&f);
}

static void slow_cb(otelc_observer *o, void *ud) {
  obs_state *s = ud;
  usleep(150 * 1000);
  otelc_observe(o, s->inst[0], 1, NULL, 0);
}

static void fast_cb(otelc_observer *o, void *ud) {
  obs_state *s = ud;
  s->calls++;
  otelc_observe(o, s->inst[1], 2, NULL, 0);
}

static void test_callback_timeout_drops_late_observations(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  obs_state s = {0};
  s.inst[0] = otelc_meter_observable_gauge(f.meter, "slow", NULL, slow_cb, &s);
  s.inst[1] = otelc_meter_observable_gauge(f.meter, "fast", NULL, fast_cb, &s);
  test_diag_capture();
  mc_free(&f.c);
  assert_int_equal(otelc_metric_reader_collect(f.r[0], mc_callback, &f.c, 50),
                   OTELC_OK);
  assert_true(test_diag_seen.count >= 1);
  test_diag_release();
  assert_null(mc_find(&f.c, "slow", ""));
  assert_int_equal(s.calls, 0); /* skipped: no time left */
  /* With time enough both report. */
  mfix_collect(&f);
  assert_non_null(mc_find(&f.c, "slow", ""));
  assert_non_null(mc_find(&f.c, "fast", ""));
  mfix_free(&f);
}

static void many_sets(otelc_observer *o, void *ud) {
  obs_state *s = ud;
  for (int i = 0; i < 10; i++)
    otelc_observe(o, s->inst[0], 10 + s->value,
                  OTELC_ATTRS(OTELC_INT("i", i), OTELC_STR("drop", "me")));
}

static void test_observable_view_filter_and_limit(void **state) {
  (void)state;
  const char *drop[] = {"drop"};
  const otelc_view v = {.instrument_name = "obs",
                        .excluded_keys = drop,
                        .n_excluded_keys = 1,
                        .cardinality_limit = 4};
  mfix f;
  mfix_init_full(&f, 1, NULL, &v, 1, 0);
  obs_state s = {0};
  s.inst[0] = otelc_meter_observable_up_down_counter(f.meter, "obs", NULL,
                                                     many_sets, &s);
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "obs"), 5);
  assert_int_equal(mc_get(&f.c, "obs", "i=0")->i, 10);
  assert_int_equal(mc_get(&f.c, "obs", "i=3")->i, 10);
  /* The other six sets add up in the overflow series. */
  assert_int_equal(mc_get(&f.c, "obs", "otel.metric.overflow=true")->i, 60);
  s.value = 1;
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "obs"), 5);
  assert_int_equal(mc_get(&f.c, "obs", "otel.metric.overflow=true")->i, 66);
  mfix_free(&f);
}

static void test_same_instrument_twice_registers_both(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  obs_state a = {.value = 1}, b = {.value = 2};
  a.inst[0] = otelc_meter_observable_counter(f.meter, "c", NULL, one_value, &a);
  b.inst[0] = otelc_meter_observable_counter(f.meter, "c", NULL, one_value, &b);
  assert_ptr_equal(a.inst[0], b.inst[0]);
  mfix_collect(&f);
  assert_int_equal(a.calls, 1);
  assert_int_equal(b.calls, 1);
  /* Both observed cpu=0: the later observation wins. */
  assert_int_equal(mc_get(&f.c, "c", "cpu=0")->i, 2);
  mfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counter_callback_cumulative),
      cmocka_unit_test(test_counter_callback_delta),
      cmocka_unit_test(test_gauge_updown_last_wins),
      cmocka_unit_test(test_observations_outside_or_unregistered),
      cmocka_unit_test(test_register_rejects_foreign_instruments),
      cmocka_unit_test(test_unregister_waits_for_running_call),
      cmocka_unit_test(test_callback_timeout_drops_late_observations),
      cmocka_unit_test(test_observable_view_filter_and_limit),
      cmocka_unit_test(test_same_instrument_twice_registers_both),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
