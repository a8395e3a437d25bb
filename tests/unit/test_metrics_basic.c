/* End to end with a pull reader and cumulative temporality: every
 * synchronous instrument kind, int and double, timestamps, scopes, and
 * the shape of the collected data. */
#include <math.h>
#include <time.h>

#include "test_metrics_fixture.h"

static void test_empty_collect_calls_back(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  mfix_collect(&f);
  assert_int_equal(f.c.n_scopes, 0);
  assert_int_equal(f.c.n, 0);
  assert_non_null(f.c.resource);
  mfix_free(&f);
}

static void test_counter_cumulative(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(
      f.meter, "requests",
      &(otelc_instrument_opts){.unit = "{request}", .description = "reqs"});
  assert_true(otelc_counter_enabled(c));
  uint64_t t0 = otelc_time_now();
  otelc_counter_add(c, 3, OTELC_ATTRS(OTELC_STR("method", "GET")));
  otelc_counter_add(c, 4, OTELC_ATTRS(OTELC_STR("method", "GET")));
  otelc_counter_add(c, 10, OTELC_ATTRS(OTELC_STR("method", "POST")));
  otelc_counter_add(c, 1, NULL, 0);
  mfix_collect(&f);
  uint64_t t1 = otelc_time_now();
  assert_int_equal(f.c.n_scopes, 1);
  assert_int_equal(f.c.n_metrics, 1);
  assert_int_equal(mc_count(&f.c, "requests"), 3);
  mpoint *get = mc_get(&f.c, "requests", "method=GET");
  assert_int_equal(get->type, OTELC_METRIC_SUM);
  assert_int_equal(get->temporality, OTELC_TEMPORALITY_CUMULATIVE);
  assert_true(get->monotonic);
  assert_true(get->is_int);
  assert_int_equal(get->i, 7);
  assert_string_equal(get->unit, "{request}");
  assert_string_equal(get->desc, "reqs");
  assert_string_equal(get->scope, "test");
  assert_int_equal(get->kind, OTELC_INSTRUMENT_COUNTER);
  assert_true(get->start >= t0 && get->start <= get->time);
  assert_true(get->time <= t1);
  assert_int_equal(mc_get(&f.c, "requests", "method=POST")->i, 10);
  assert_int_equal(mc_get(&f.c, "requests", "")->i, 1);
  uint64_t start = get->start;

  /* A second collection: totals grow, the start stays, series without
   * new measurements are still there. */
  otelc_counter_add(c, 5, OTELC_ATTRS(OTELC_STR("method", "GET")));
  mfix_collect(&f);
  get = mc_get(&f.c, "requests", "method=GET");
  assert_int_equal(get->i, 12);
  assert_int_equal(get->start, start);
  assert_true(get->time >= t1);
  assert_int_equal(mc_get(&f.c, "requests", "method=POST")->i, 10);
  mfix_free(&f);
}

static void test_double_counter_and_updown(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(
      f.meter, "bytes", &(otelc_instrument_opts){.is_double = true});
  otelc_up_down_counter *u =
      otelc_meter_up_down_counter(f.meter, "queue", NULL);
  otelc_counter_add_double(c, 1.5, NULL, 0);
  otelc_counter_add_double(c, 2.25, NULL, 0);
  otelc_counter_add(c, 2, NULL, 0); /* converted */
  otelc_up_down_counter_add(u, 5, NULL, 0);
  otelc_up_down_counter_add(u, -8, NULL, 0);
  otelc_up_down_counter_add_double(u, 1.9, NULL, 0); /* truncated to 1 */
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "bytes", "");
  assert_false(p->is_int);
  assert_true(p->d == 5.75);
  p = mc_get(&f.c, "queue", "");
  assert_int_equal(p->type, OTELC_METRIC_SUM);
  assert_false(p->monotonic);
  assert_int_equal(p->i, -2);
  mfix_free(&f);
}

static void test_histogram_default_bounds(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "latency",
      &(otelc_instrument_opts){.unit = "ms", .is_double = true});
  const otelc_attr a[] = {OTELC_STR("route", "/x")};
  otelc_histogram_record(h, 0, a, 1);      /* bucket 0: (-inf, 0] */
  otelc_histogram_record(h, 5, a, 1);      /* bucket 1: (0, 5] upper-incl. */
  otelc_histogram_record(h, 5.0001, a, 1); /* bucket 2 */
  otelc_histogram_record(h, 10000, a, 1);  /* bucket 14 */
  otelc_histogram_record(h, 20000, a, 1);  /* bucket 15 */
  otelc_histogram_record_int(h, 7, a, 1);  /* bucket 2 */
  otelc_histogram_record(h, NAN, a, 1);    /* ignored */
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "latency", "route=/x");
  assert_int_equal(p->type, OTELC_METRIC_HISTOGRAM);
  assert_int_equal(p->temporality, OTELC_TEMPORALITY_CUMULATIVE);
  assert_int_equal(p->n_bounds, 15);
  static const double want[] = {0,   5,   10,   25,   50,   75,   100,  250,
                                500, 750, 1000, 2500, 5000, 7500, 10000};
  for (size_t i = 0; i < 15; i++)
    assert_true(p->bounds[i] == want[i]);
  assert_int_equal(p->count, 6);
  assert_int_equal(p->buckets[0], 1);
  assert_int_equal(p->buckets[1], 1);
  assert_int_equal(p->buckets[2], 2);
  assert_int_equal(p->buckets[14], 1);
  assert_int_equal(p->buckets[15], 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= 15; i++)
    total += p->buckets[i];
  assert_int_equal(total, p->count);
  assert_true(p->has_sum);
  assert_true(fabs(p->sum - 30017.0001) < 1e-6);
  assert_true(p->has_min_max);
  assert_true(p->min == 0);
  assert_true(p->max == 20000);
  mfix_free(&f);
}

static void test_histogram_advisory_and_infinities(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  const double b[] = {1, 2, 4};
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "sizes",
      &(otelc_instrument_opts){.is_double = true,
                               .advisory_boundaries = b,
                               .n_advisory_boundaries = 3});
  otelc_histogram_record(h, 1, NULL, 0);
  otelc_histogram_record(h, 3, NULL, 0);
  otelc_histogram_record(h, INFINITY, NULL, 0);
  otelc_histogram_record(h, -INFINITY, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "sizes", "");
  assert_int_equal(p->n_bounds, 3);
  assert_int_equal(p->count, 4);
  assert_int_equal(p->buckets[0], 2); /* 1 and -inf */
  assert_int_equal(p->buckets[2], 1); /* 3 */
  assert_int_equal(p->buckets[3], 1); /* +inf */
  assert_true(p->sum == 4);           /* infinities stay out */
  assert_true(p->min == 1 && p->max == 3);
  mfix_free(&f);
}

static void test_invalid_advisory_bounds_ignored(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  test_diag_capture();
  const double b[] = {1, 1, 4};
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "bad.bounds",
      &(otelc_instrument_opts){.advisory_boundaries = b,
                               .n_advisory_boundaries = 3});
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "advisory bucket boundaries "
                                              "ignored"));
  assert_non_null(strstr(test_diag_seen.last, "increase strictly"));
  test_diag_release();
  otelc_histogram_record_int(h, 3, NULL, 0);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "bad.bounds", "")->n_bounds, 15);
  mfix_free(&f);
}

static void test_gauge_last_value(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_gauge *g = otelc_meter_gauge(
      f.meter, "temperature", &(otelc_instrument_opts){.is_double = true});
  otelc_gauge *gi = otelc_meter_gauge(f.meter, "cpus", NULL);
  otelc_gauge_record(g, 20.5, OTELC_ATTRS(OTELC_STR("room", "a")));
  otelc_gauge_record(g, 21.5, OTELC_ATTRS(OTELC_STR("room", "a")));
  otelc_gauge_record(g, -3, OTELC_ATTRS(OTELC_STR("room", "b")));
  otelc_gauge_record_int(gi, 8, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "temperature", "room=a");
  assert_int_equal(p->type, OTELC_METRIC_GAUGE);
  assert_true(p->d == 21.5);
  assert_true(mc_get(&f.c, "temperature", "room=b")->d == -3);
  p = mc_get(&f.c, "cpus", "");
  assert_true(p->is_int);
  assert_int_equal(p->i, 8);
  /* Cumulative: the last value stays reported. */
  otelc_gauge_record(g, 19, OTELC_ATTRS(OTELC_STR("room", "b")));
  mfix_collect(&f);
  assert_true(mc_get(&f.c, "temperature", "room=a")->d == 21.5);
  assert_true(mc_get(&f.c, "temperature", "room=b")->d == 19);
  mfix_free(&f);
}

static void test_attribute_order_and_duplicates(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "ops", NULL);
  otelc_counter_add(c, 1,
                    OTELC_ATTRS(OTELC_STR("b", "2"), OTELC_INT("a", 1),
                                OTELC_BOOL("c", true)));
  otelc_counter_add(c, 2,
                    OTELC_ATTRS(OTELC_INT("a", 1), OTELC_BOOL("c", true),
                                OTELC_STR("b", "2")));
  otelc_counter_add(c, 4,
                    OTELC_ATTRS(OTELC_BOOL("c", true), OTELC_STR("b", "2"),
                                OTELC_INT("a", 1)));
  /* Duplicate keys keep the last value. */
  otelc_counter_add(c, 8,
                    OTELC_ATTRS(OTELC_INT("a", 5), OTELC_STR("b", "2"),
                                OTELC_BOOL("c", true), OTELC_INT("a", 1)));
  otelc_counter_add(c, 16,
                    OTELC_ATTRS(OTELC_STR("b", "x"), OTELC_STR("b", "2"),
                                OTELC_BOOL("c", false), OTELC_INT("a", 1),
                                OTELC_BOOL("c", true)));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "ops"), 1);
  mpoint *p = mc_get(&f.c, "ops", "a=1,b=2,c=true");
  assert_int_equal(p->n_attrs, 3);
  assert_int_equal(p->i, 31);
  /* Same key, different types: different series. */
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_STR("a", "1")));
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_INT("a", 1)));
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_DOUBLE("a", 1)));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "ops"), 4);
  mfix_free(&f);
}

/* The same attribute array, changed in place between calls: every
 * change is a different series (the lookup cache checks the content). */
static void test_reused_array_changed_in_place(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  char key[16] = "route", val[16] = "/a";
  otelc_attr a[2] = {OTELC_STR(key, val), OTELC_INT("code", 200)};
  otelc_counter_add(c, 1, a, 2);
  otelc_counter_add(c, 1, a, 2);
  strcpy(val, "/b"); /* same pointer, new content */
  otelc_counter_add(c, 2, a, 2);
  strcpy(val, "/"); /* shorter */
  otelc_counter_add(c, 4, a, 2);
  strcpy(key, "rout"); /* a shorter key */
  otelc_counter_add(c, 8, a, 2);
  strcpy(key, "routes"); /* a longer key */
  otelc_counter_add(c, 16, a, 2);
  strcpy(key, "route");
  a[1].value.u.i = 404;
  otelc_counter_add(c, 32, a, 2);
  a[1] = OTELC_DOUBLE("code", 404);
  otelc_counter_add(c, 64, a, 2);
  a[1] = OTELC_STRN("code", "404x", 3);
  otelc_counter_add(c, 128, a, 2);
  a[1] = OTELC_BOOL("code", true);
  otelc_counter_add(c, 256, a, 2);
  otelc_counter_add(c, 512, a, 1); /* fewer attributes */
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "c"), 10);
  assert_int_equal(mc_get(&f.c, "c", "code=200,route=/a")->i, 2);
  assert_int_equal(mc_get(&f.c, "c", "code=200,route=/b")->i, 2);
  assert_int_equal(mc_get(&f.c, "c", "code=200,route=/")->i, 4);
  assert_int_equal(mc_get(&f.c, "c", "code=200,rout=/")->i, 8);
  assert_int_equal(mc_get(&f.c, "c", "code=200,routes=/")->i, 16);
  /* An int, a double and a string 404 print alike: three series. */
  int64_t sum = 0;
  size_t same = 0;
  for (size_t i = 0; i < f.c.n; i++)
    if (strcmp(f.c.pts[i].attrs, "code=404,route=/") == 0) {
      same++;
      sum += f.c.pts[i].i;
    }
  assert_int_equal(same, 3);
  assert_int_equal(sum, 32 + 64 + 128);
  assert_int_equal(mc_get(&f.c, "c", "code=true,route=/")->i, 256);
  assert_int_equal(mc_get(&f.c, "c", "route=/")->i, 512);
  mfix_free(&f);
}

/* Keys and strings in the program's read-only memory are recognised by
 * their address on a cache hit; that must never merge different values
 * or split equal ones. */
static void test_identity_of_constant_strings(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "id", NULL);
  static const char get[] = "GET", post[] = "POST", getx[] = "GETX";
  otelc_attr a[1] = {OTELC_STRN("m", getx, 3)}; /* "GET" */
  otelc_counter_add(c, 1, a, 1);
  a[0].value.len = 4; /* same pointer, longer: "GETX" */
  otelc_counter_add(c, 16, a, 1);
  a[0].value.len = 3;
  otelc_counter_add(c, 1, a, 1);
  a[0] = (otelc_attr)OTELC_STR("m", get); /* the same bytes elsewhere */
  otelc_counter_add(c, 4, a, 1);
  a[0].value.u.str = post; /* another constant, same array */
  otelc_counter_add(c, 2, a, 1);
  a[0].value.u.str = get; /* back to the first */
  otelc_counter_add(c, 8, a, 1);
  a[0] = (otelc_attr)OTELC_STRN("m", getx, 4);
  otelc_counter_add(c, 16, a, 1);
  char *key = strdup("m"), *val = strdup("GET"); /* copies, not constants */
  assert_non_null(key);
  assert_non_null(val);
  a[0] = (otelc_attr)OTELC_STR(key, val);
  otelc_counter_add(c, 32, a, 1);
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "id"), 3);
  assert_int_equal(mc_get(&f.c, "id", "m=GET")->i, 1 + 1 + 4 + 8 + 32);
  assert_int_equal(mc_get(&f.c, "id", "m=POST")->i, 2);
  assert_int_equal(mc_get(&f.c, "id", "m=GETX")->i, 32);
  /* Scalars changed in place in the same array. */
  otelc_counter *flag = otelc_meter_counter(f.meter, "flag", NULL);
  otelc_attr b[2] = {OTELC_BOOL("ok", true), OTELC_DOUBLE("ratio", 0.5)};
  otelc_counter_add(flag, 1, b, 2);
  b[0].value.u.b = false;
  otelc_counter_add(flag, 2, b, 2);
  b[0].value.u.b = true;
  otelc_counter_add(flag, 4, b, 2);
  b[1].value.u.d = 0.25;
  otelc_counter_add(flag, 8, b, 2);
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "flag"), 3);
  assert_int_equal(mc_get(&f.c, "flag", "ok=true,ratio=0.5")->i, 5);
  assert_int_equal(mc_get(&f.c, "flag", "ok=false,ratio=0.5")->i, 2);
  assert_int_equal(mc_get(&f.c, "flag", "ok=true,ratio=0.25")->i, 8);
  free(key);
  free(val);
  mfix_free(&f);
}

static void test_many_attributes(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "wide", NULL);
  enum { N = 40 };
  otelc_attr a[N], r[N];
  char keys[N][8];
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "k%02d", i);
    a[i] = OTELC_INT(keys[i], i);
    r[N - 1 - i] = a[i];
  }
  otelc_counter_add(c, 1, a, N);
  otelc_counter_add(c, 2, r, N);
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "wide"), 1);
  assert_int_equal(f.c.pts[0].n_attrs, N);
  assert_int_equal(f.c.pts[0].i, 3);
  assert_int_equal(strncmp(f.c.pts[0].attrs, "k00=0,k01=1,", 12), 0);
  mfix_free(&f);
}

static void test_scopes_group_metrics(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_meter *m2 = otelc_meter_provider_get_meter(
      f.mp, &(otelc_scope_info){.name = "other"});
  otelc_meter *m1b = otelc_meter_provider_get_meter(
      f.mp, &(otelc_scope_info){.name = "test", .version = "1.0"});
  assert_ptr_equal(m1b, f.meter);
  assert_ptr_not_equal(m2, f.meter);
  otelc_counter_add(otelc_meter_counter(f.meter, "a", NULL), 1, NULL, 0);
  otelc_counter_add(otelc_meter_counter(m2, "b", NULL), 1, NULL, 0);
  otelc_counter_add(otelc_meter_counter(f.meter, "c", NULL), 1, NULL, 0);
  otelc_counter *unused = otelc_meter_counter(m2, "unused", NULL);
  (void)unused;
  mfix_collect(&f);
  assert_int_equal(f.c.n_scopes, 2);
  assert_int_equal(f.c.n_metrics, 3); /* no empty metric */
  assert_string_equal(mc_get(&f.c, "a", "")->scope, "test");
  assert_string_equal(mc_get(&f.c, "b", "")->scope, "other");
  assert_string_equal(mc_get(&f.c, "c", "")->scope, "test");
  mfix_free(&f);
}

static void test_shutdown_stops_recording(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  otelc_counter_add(c, 1, NULL, 0);
  assert_int_equal(otelc_meter_provider_shutdown(f.mp, 1000), OTELC_OK);
  assert_int_equal(otelc_meter_provider_shutdown(f.mp, 1000),
                   OTELC_ERR_SHUTDOWN);
  assert_false(otelc_counter_enabled(c));
  otelc_counter_add(c, 1, NULL, 0);
  assert_int_equal(otelc_metric_reader_collect(f.r[0], mc_callback, &f.c, 100),
                   OTELC_ERR_SHUTDOWN);
  /* A meter after shutdown is a no-op one. */
  otelc_meter *m =
      otelc_meter_provider_get_meter(f.mp, &(otelc_scope_info){.name = "late"});
  assert_false(otelc_counter_enabled(otelc_meter_counter(m, "x", NULL)));
  mfix_free(&f);
}

static void test_global_provider(void **state) {
  (void)state;
  otelc_meter *none = otelc_meter_get("lib", "1");
  otelc_counter *nc = otelc_meter_counter(none, "x", NULL);
  assert_false(otelc_counter_enabled(nc));
  otelc_counter_add(nc, 1, NULL, 0);
  mfix f;
  mfix_init(&f);
  otelc_meter_provider_set_global(f.mp);
  assert_ptr_equal(otelc_meter_provider_global(), f.mp);
  otelc_meter *m = otelc_meter_get("lib", "1");
  assert_ptr_equal(m, otelc_meter_get("lib", "1"));
  otelc_counter_add(otelc_meter_counter(m, "x", NULL), 2, NULL, 0);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "x", "")->i, 2);
  otelc_meter_provider_set_global(NULL);
  assert_null(otelc_meter_provider_global());
  mfix_free(&f);
}

static void test_reader_states(void **state) {
  (void)state;
  otelc_metric_reader *r = NULL;
  assert_int_equal(otelc_pull_reader_new(NULL, NULL, NULL, &r), OTELC_OK);
  mcollect c = {0};
  /* Not attached yet. */
  assert_int_equal(otelc_metric_reader_collect(r, mc_callback, &c, 100),
                   OTELC_ERR_STATE);
  assert_int_equal(otelc_metric_reader_collect(r, NULL, &c, 100),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_metric_reader_force_flush(r, 100), OTELC_OK);
  assert_int_equal(otelc_metric_reader_tick(r), OTELC_OK);
  otelc_meter_provider *mp = NULL;
  assert_int_equal(
      otelc_meter_provider_new(
          &(otelc_meter_provider_opts){.readers = &r, .n_readers = 1}, &mp),
      OTELC_OK);
  /* A reader belongs to one provider. */
  test_diag_capture();
  otelc_meter_provider *mp2 = NULL;
  assert_int_equal(
      otelc_meter_provider_new(
          &(otelc_meter_provider_opts){.readers = &r, .n_readers = 1}, &mp2),
      OTELC_ERR_INVALID_ARG);
  assert_null(mp2);
  assert_non_null(strstr(test_diag_seen.last, "one meter provider"));
  test_diag_release();
  mc_collect(r, &c);
  otelc_metric_reader_stats st;
  otelc_metric_reader_get_stats(r, &st);
  assert_int_equal(st.collections, 1);
  assert_int_equal(otelc_metric_reader_shutdown(r, 100), OTELC_OK);
  assert_int_equal(otelc_metric_reader_shutdown(r, 100), OTELC_ERR_SHUTDOWN);
  assert_int_equal(otelc_metric_reader_collect(r, mc_callback, &c, 100),
                   OTELC_ERR_SHUTDOWN);
  mc_free(&c);
  otelc_meter_provider_free(mp);
}

static int shut_calls, destroy_calls;
static otelc_status pull_shut(void *self, uint32_t ms) {
  (void)ms;
  assert_ptr_equal(self, &shut_calls);
  shut_calls++;
  return OTELC_OK;
}
static void pull_destroy(void *self) {
  assert_ptr_equal(self, &shut_calls);
  destroy_calls++;
}

static void test_pull_reader_owner_hooks(void **state) {
  (void)state;
  shut_calls = destroy_calls = 0;
  static const otelc_pull_reader_ops ops = {pull_shut, pull_destroy};
  otelc_metric_reader *r = NULL;
  assert_int_equal(otelc_pull_reader_new(&ops, &shut_calls, NULL, &r),
                   OTELC_OK);
  otelc_meter_provider *mp = NULL;
  assert_int_equal(
      otelc_meter_provider_new(
          &(otelc_meter_provider_opts){.readers = &r, .n_readers = 1}, &mp),
      OTELC_OK);
  otelc_meter_provider_free(mp);
  assert_int_equal(shut_calls, 1);
  assert_int_equal(destroy_calls, 1);
  /* An unattached reader is shut down and freed by its own free. */
  assert_int_equal(otelc_pull_reader_new(&ops, &shut_calls, NULL, &r),
                   OTELC_OK);
  otelc_metric_reader_free(r);
  assert_int_equal(shut_calls, 2);
  assert_int_equal(destroy_calls, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_collect_calls_back),
      cmocka_unit_test(test_counter_cumulative),
      cmocka_unit_test(test_double_counter_and_updown),
      cmocka_unit_test(test_histogram_default_bounds),
      cmocka_unit_test(test_histogram_advisory_and_infinities),
      cmocka_unit_test(test_invalid_advisory_bounds_ignored),
      cmocka_unit_test(test_gauge_last_value),
      cmocka_unit_test(test_attribute_order_and_duplicates),
      cmocka_unit_test(test_reused_array_changed_in_place),
      cmocka_unit_test(test_identity_of_constant_strings),
      cmocka_unit_test(test_many_attributes),
      cmocka_unit_test(test_scopes_group_metrics),
      cmocka_unit_test(test_shutdown_stops_recording),
      cmocka_unit_test(test_global_provider),
      cmocka_unit_test(test_reader_states),
      cmocka_unit_test(test_pull_reader_owner_hooks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
