/* Exemplars: the filters with real sampled and unsampled spans, trace and
 * span ids, filtered attributes, the reservoirs (fixed size, aligned to
 * buckets, none) and their reset at every collection. */
#include "test_metrics_fixture.h"
#include "trace_fixture.h"

/* Record through @p fn with @p span current. */
static otelc_span *start_span(fixture *tf, const char *name) {
  return otelc_span_start(tf->tracer, name, NULL);
}

static void test_trace_based_sampled_span(void **state) {
  (void)state;
  fixture tf;
  fixture_init(&tf, NULL, NULL); /* always_on: sampled spans */
  mfix f;
  mfix_init_full(&f, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_TRACE_BASED);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_counter_add(c, 1, NULL, 0); /* no span: no exemplar */
  otelc_span *s = start_span(&tf, "work");
  otelc_span_context sc = otelc_span_get_context(s);
  assert_true(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  uint64_t t0 = otelc_time_now();
  otelc_scope scope = otelc_span_activate(s);
  otelc_counter_add(c, 41, OTELC_ATTRS(OTELC_STR("k", "v")));
  otelc_context_detach(scope);
  uint64_t t1 = otelc_time_now();
  otelc_span_end(s);
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_STR("k", "v"))); /* ended */
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "")->n_ex, 0);
  mpoint *p = mc_get(&f.c, "c", "k=v");
  assert_int_equal(p->n_ex, 1);
  assert_true(p->ex[0].has_span);
  assert_memory_equal(p->ex[0].trace_id, sc.trace_id, 16);
  assert_memory_equal(p->ex[0].span_id, sc.span_id, 8);
  assert_true(p->ex[0].is_int);
  assert_int_equal(p->ex[0].i, 41);
  assert_true(p->ex[0].time >= t0 && p->ex[0].time <= t1);
  assert_string_equal(p->ex[0].fattrs, "");
  /* Reset at every collection. */
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "k=v")->n_ex, 0);
  mfix_free(&f);
  fixture_free(&tf);
}

static void test_trace_based_unsampled_span(void **state) {
  (void)state;
  fixture tf;
  fixture_init(&tf, otelc_sampler_always_off(), NULL);
  mfix f;
  mfix_init_full(&f, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_TRACE_BASED);
  mfix g;
  mfix_init_full(&g, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_counter *c2 = otelc_meter_counter(g.meter, "c", NULL);
  otelc_span *s = start_span(&tf, "work");
  otelc_span_context sc = otelc_span_get_context(s);
  assert_true(otelc_span_context_is_valid(&sc));
  assert_false(sc.trace_flags & OTELC_TRACE_FLAG_SAMPLED);
  otelc_scope scope = otelc_span_activate(s);
  otelc_counter_add(c, 1, NULL, 0);
  otelc_counter_add(c2, 1, NULL, 0);
  otelc_context_detach(scope);
  otelc_span_end(s);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "")->n_ex, 0);
  /* always_on keeps it, with the (unsampled) span's ids. */
  mfix_collect(&g);
  mpoint *p = mc_get(&g.c, "c", "");
  assert_int_equal(p->n_ex, 1);
  assert_true(p->ex[0].has_span);
  assert_memory_equal(p->ex[0].span_id, sc.span_id, 8);
  mfix_free(&g);
  mfix_free(&f);
  fixture_free(&tf);
}

static void test_always_on_and_off(void **state) {
  (void)state;
  fixture tf;
  fixture_init(&tf, NULL, NULL);
  mfix on, off;
  mfix_init_full(&on, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  mfix_init_full(&off, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_ALWAYS_OFF);
  otelc_histogram *h1 = otelc_meter_histogram(
      on.meter, "h", &(otelc_instrument_opts){.is_double = true});
  otelc_histogram *h2 = otelc_meter_histogram(off.meter, "h", NULL);
  otelc_histogram_record(h1, 2.5, NULL, 0); /* no span needed */
  otelc_span *s = start_span(&tf, "work");
  otelc_scope scope = otelc_span_activate(s);
  otelc_histogram_record_int(h2, 3, NULL, 0);
  otelc_context_detach(scope);
  otelc_span_end(s);
  mfix_collect(&on);
  mpoint *p = mc_get(&on.c, "h", "");
  assert_int_equal(p->n_ex, 1);
  assert_false(p->ex[0].has_span);
  assert_false(p->ex[0].is_int);
  assert_true(p->ex[0].d == 2.5);
  mfix_collect(&off);
  assert_int_equal(mc_get(&off.c, "h", "")->n_ex, 0);
  mfix_free(&on);
  mfix_free(&off);
  fixture_free(&tf);
}

static void test_filtered_attributes(void **state) {
  (void)state;
  const char *keep[] = {"route"};
  const otelc_view v = {.instrument_name = "c",
                        .attribute_keys = keep,
                        .n_attribute_keys = 1,
                        .keep_only_listed = true};
  mfix f;
  mfix_init_full(&f, 1, NULL, &v, 1, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_counter_add(c, 1,
                    OTELC_ATTRS(OTELC_STR("user", "alice"),
                                OTELC_STR("route", "/a"), OTELC_INT("try", 2)));
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "c", "route=/a");
  assert_int_equal(p->n_ex, 1);
  assert_string_equal(p->ex[0].fattrs, "user=alice,try=2");
  mfix_free(&f);
}

static void test_aligned_reservoir_one_per_bucket(void **state) {
  (void)state;
  mfix f;
  mfix_init_full(&f, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  const double b[] = {10, 20};
  otelc_histogram *h = otelc_meter_histogram(
      f.meter, "h",
      &(otelc_instrument_opts){.advisory_boundaries = b,
                               .n_advisory_boundaries = 2});
  for (int i = 0; i < 20; i++) {
    otelc_histogram_record_int(h, 5, NULL, 0);
    otelc_histogram_record_int(h, 25, NULL, 0);
  }
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "h", "");
  assert_int_equal(p->n_ex, 2); /* the middle bucket had nothing */
  assert_int_equal(p->ex[0].i, 5);
  assert_int_equal(p->ex[1].i, 25);
  otelc_histogram_record_int(h, 15, NULL, 0);
  mfix_collect(&f);
  p = mc_get(&f.c, "h", "");
  assert_int_equal(p->n_ex, 1);
  assert_int_equal(p->ex[0].i, 15);
  mfix_free(&f);
}

static void test_fixed_reservoir_from_view(void **state) {
  (void)state;
  const otelc_view v[] = {
      {.instrument_name = "three",
       .reservoir = OTELC_RESERVOIR_FIXED_SIZE,
       .reservoir_size = 3},
      {.instrument_name = "none", .reservoir = OTELC_RESERVOIR_NONE},
      {.instrument_name = "hist.fixed",
       .reservoir = OTELC_RESERVOIR_FIXED_SIZE}};
  mfix f;
  mfix_init_full(&f, 1, NULL, v, 3, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  otelc_counter *three = otelc_meter_counter(f.meter, "three", NULL);
  otelc_counter *none = otelc_meter_counter(f.meter, "none", NULL);
  otelc_counter *dflt = otelc_meter_counter(f.meter, "default", NULL);
  otelc_histogram *hf = otelc_meter_histogram(f.meter, "hist.fixed", NULL);
  for (int i = 1; i <= 100; i++) {
    otelc_counter_add(three, i, NULL, 0);
    otelc_counter_add(none, i, NULL, 0);
    otelc_counter_add(dflt, i, NULL, 0);
    otelc_histogram_record_int(hf, i * 100, NULL, 0);
  }
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "three", "");
  assert_int_equal(p->n_ex, 3);
  for (size_t i = 0; i < 3; i++)
    assert_true(p->ex[i].i >= 1 && p->ex[i].i <= 100);
  assert_true(p->ex[0].i != p->ex[1].i && p->ex[1].i != p->ex[2].i &&
              p->ex[0].i != p->ex[2].i);
  assert_int_equal(mc_get(&f.c, "none", "")->n_ex, 0);
  assert_int_equal(mc_get(&f.c, "default", "")->n_ex, 1);
  assert_int_equal(mc_get(&f.c, "hist.fixed", "")->n_ex, 1);
  mfix_free(&f);
}

static void test_uniform_sampling(void **state) {
  (void)state;
  /* A fixed reservoir of one over 1..10, many intervals: every value is
   * kept sometimes, the last one not always. */
  mfix f;
  mfix_init_full(&f, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  int seen[11] = {0};
  for (int round = 0; round < 400; round++) {
    for (int i = 1; i <= 10; i++)
      otelc_counter_add(c, i, NULL, 0);
    mfix_collect(&f);
    mpoint *p = mc_get(&f.c, "c", "");
    assert_int_equal(p->n_ex, 1);
    seen[p->ex[0].i]++;
  }
  for (int i = 1; i <= 10; i++)
    assert_true(seen[i] > 5 && seen[i] < 120);
  mfix_free(&f);
}

static otelc_observable *obs_g;
static void observe_one(otelc_observer *o, void *ud) {
  (void)ud;
  otelc_observe(o, obs_g, 7, NULL, 0);
}

static void test_no_exemplars_from_observables(void **state) {
  (void)state;
  fixture tf;
  fixture_init(&tf, NULL, NULL);
  mfix f;
  mfix_init_full(&f, 1, NULL, NULL, 0, OTELC_EXEMPLAR_FILTER_ALWAYS_ON);
  obs_g = otelc_meter_observable_gauge(f.meter, "g", NULL, observe_one, NULL);
  otelc_span *s = start_span(&tf, "collecting");
  otelc_scope scope = otelc_span_activate(s);
  mfix_collect(&f);
  otelc_context_detach(scope);
  otelc_span_end(s);
  mpoint *p = mc_get(&f.c, "g", "");
  assert_int_equal(p->i, 7);
  assert_int_equal(p->n_ex, 0);
  mfix_free(&f);
  fixture_free(&tf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trace_based_sampled_span),
      cmocka_unit_test(test_trace_based_unsampled_span),
      cmocka_unit_test(test_always_on_and_off),
      cmocka_unit_test(test_filtered_attributes),
      cmocka_unit_test(test_aligned_reservoir_one_per_bucket),
      cmocka_unit_test(test_fixed_reservoir_from_view),
      cmocka_unit_test(test_uniform_sampling),
      cmocka_unit_test(test_no_exemplars_from_observables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
