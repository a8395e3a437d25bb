/* Instrument creation: the name syntax, identity and duplicates, casing,
 * conflicting definitions, units and descriptions; value handling:
 * negative counter adds, NaN and infinities, type conversions. */
#include <math.h>

#include "test_metrics_fixture.h"

static void test_name_syntax(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  const char *good[] = {"a", "Http.Server_duration-ms/total", "x9"};
  for (size_t i = 0; i < 3; i++)
    assert_true(
        otelc_counter_enabled(otelc_meter_counter(f.meter, good[i], NULL)));
  char longest[256];
  memset(longest, 'a', 255);
  longest[255] = '\0';
  assert_true(
      otelc_counter_enabled(otelc_meter_counter(f.meter, longest, NULL)));
  char too_long[257];
  memset(too_long, 'b', 256);
  too_long[256] = '\0';
  const char *bad[] = {"", "9lives", "_x", "a b", "a*b", "é", too_long};
  for (size_t i = 0; i < 7; i++) {
    test_diag_capture();
    otelc_counter *c = otelc_meter_counter(f.meter, bad[i], NULL);
    assert_false(otelc_counter_enabled(c));
    otelc_counter_add(c, 1, NULL, 0); /* harmless */
    assert_int_equal(test_diag_seen.count, 1);
    assert_non_null(strstr(test_diag_seen.last, "invalid instrument name"));
    test_diag_release();
  }
  test_diag_capture();
  assert_false(
      otelc_histogram_enabled(otelc_meter_histogram(f.meter, NULL, NULL)));
  assert_non_null(strstr(test_diag_seen.last, "(null)"));
  otelc_observable *o =
      otelc_meter_observable_gauge(f.meter, "1x", NULL, NULL, NULL);
  assert_non_null(o);
  assert_int_equal(test_diag_seen.count, 2);
  test_diag_release();
  mfix_collect(&f);
  assert_int_equal(f.c.n, 0);
  mfix_free(&f);
}

static void test_identity_same_handle(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_instrument_opts o = {.unit = "ms", .description = "d"};
  otelc_histogram *a = otelc_meter_histogram(f.meter, "lat", &o);
  test_diag_capture();
  otelc_histogram *b = otelc_meter_histogram(f.meter, "lat", &o);
  assert_ptr_equal(a, b);
  /* Different advisory parameters: the first one is kept, no warning. */
  const double bounds[] = {1, 2};
  o.advisory_boundaries = bounds;
  o.n_advisory_boundaries = 2;
  assert_ptr_equal(otelc_meter_histogram(f.meter, "lat", &o), a);
  assert_int_equal(test_diag_seen.count, 0);
  /* Another casing: the first-seen instrument, with an error. */
  o.advisory_boundaries = NULL;
  otelc_histogram *c = otelc_meter_histogram(f.meter, "LAT", &o);
  assert_ptr_equal(c, a);
  assert_int_equal(test_diag_seen.count, 1);
  assert_int_equal(test_diag_seen.level, OTELC_LOG_ERROR);
  assert_non_null(strstr(test_diag_seen.last, "'lat'"));
  test_diag_release();
  otelc_histogram_record_int(a, 1, NULL, 0);
  otelc_histogram_record_int(c, 1, NULL, 0);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "lat", "")->count, 2);
  assert_int_equal(mc_get(&f.c, "lat", "")->n_bounds, 15);
  mfix_free(&f);
}

static void test_conflicting_definitions(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "jobs",
                                         &(otelc_instrument_opts){.unit = "1"});
  test_diag_capture();
  /* Another kind. */
  otelc_up_down_counter *u = otelc_meter_up_down_counter(
      f.meter, "jobs", &(otelc_instrument_opts){.unit = "1"});
  assert_ptr_not_equal((void *)u, (void *)c);
  assert_true(otelc_up_down_counter_enabled(u));
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "conflicts"));
  assert_non_null(strstr(test_diag_seen.last, "view"));
  assert_non_null(strstr(test_diag_seen.last, "up-down counter"));
  /* Another unit, description, value type: each a working instrument. */
  otelc_counter *c2 = otelc_meter_counter(
      f.meter, "jobs", &(otelc_instrument_opts){.unit = "{job}"});
  otelc_counter *c3 = otelc_meter_counter(
      f.meter, "jobs",
      &(otelc_instrument_opts){.unit = "1", .description = "x"});
  otelc_counter *c4 = otelc_meter_counter(
      f.meter, "jobs",
      &(otelc_instrument_opts){.unit = "1", .is_double = true});
  assert_int_equal(test_diag_seen.count, 4);
  assert_non_null(strstr(test_diag_seen.last, "double"));
  /* Asking again for a conflicting definition: its own handle, silently. */
  assert_ptr_equal(
      otelc_meter_counter(f.meter, "jobs",
                          &(otelc_instrument_opts){.unit = "{job}"}),
      c2);
  assert_int_equal(test_diag_seen.count, 4);
  test_diag_release();
  otelc_counter_add(c, 1, NULL, 0);
  otelc_up_down_counter_add(u, 2, NULL, 0);
  otelc_counter_add(c2, 3, NULL, 0);
  otelc_counter_add(c3, 4, NULL, 0);
  otelc_counter_add_double(c4, 5, NULL, 0);
  mfix_collect(&f);
  /* Exported as separate streams of the same name. */
  assert_int_equal(mc_count(&f.c, "jobs"), 5);
  /* Another meter is another namespace. */
  otelc_meter *m2 =
      otelc_meter_provider_get_meter(f.mp, &(otelc_scope_info){.name = "m2"});
  test_diag_capture();
  otelc_meter_histogram(m2, "jobs", NULL);
  assert_int_equal(test_diag_seen.count, 0);
  test_diag_release();
  mfix_free(&f);
}

static void desc_len(const otelc_resource_metrics *rm, void *ud) {
  *(size_t *)ud = strlen(rm->scopes[0].metrics[0].description);
}

static void test_unit_and_description(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  char unit[70];
  memset(unit, 'u', 64);
  unit[64] = '\0';
  test_diag_capture();
  otelc_counter *c =
      otelc_meter_counter(f.meter, "c", &(otelc_instrument_opts){.unit = unit});
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "63 ASCII"));
  otelc_counter *d =
      otelc_meter_counter(f.meter, "d", &(otelc_instrument_opts){.unit = "°C"});
  assert_int_equal(test_diag_seen.count, 2);
  test_diag_release();
  unit[63] = '\0';
  otelc_counter *e =
      otelc_meter_counter(f.meter, "e", &(otelc_instrument_opts){.unit = unit});
  char desc[1100];
  memset(desc, 'd', sizeof desc - 1);
  desc[sizeof desc - 1] = '\0';
  otelc_counter *g = otelc_meter_counter(
      f.meter, "g", &(otelc_instrument_opts){.description = desc});
  otelc_counter_add(c, 1, NULL, 0);
  otelc_counter_add(d, 1, NULL, 0);
  otelc_counter_add(e, 1, NULL, 0);
  otelc_counter_add(g, 1, NULL, 0);
  mfix_collect(&f);
  assert_string_equal(mc_get(&f.c, "c", "")->unit, "");
  assert_string_equal(mc_get(&f.c, "d", "")->unit, "");
  assert_int_equal(strlen(mc_get(&f.c, "e", "")->unit), 63);
  mfix_free(&f);
  /* The description is cut at 1023 characters. */
  mfix_init(&f);
  g = otelc_meter_counter(f.meter, "g",
                          &(otelc_instrument_opts){.description = desc});
  otelc_counter_add(g, 1, NULL, 0);
  size_t len = 0;
  assert_int_equal(otelc_metric_reader_collect(f.r[0], desc_len, &len, 100),
                   OTELC_OK);
  assert_int_equal(len, 1023);
  mfix_free(&f);
}

static void test_negative_counter_adds(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(f.meter, "c", NULL);
  otelc_counter *d = otelc_meter_counter(
      f.meter, "d", &(otelc_instrument_opts){.is_double = true});
  test_diag_capture();
  otelc_counter_add(c, 5, NULL, 0);
  otelc_counter_add(c, -3, NULL, 0);
  otelc_counter_add(c, -1, NULL, 0);
  otelc_counter_add_double(c, -2.5, NULL, 0);
  assert_int_equal(test_diag_seen.count, 1); /* once per instrument */
  assert_non_null(strstr(test_diag_seen.last, "counter 'c'"));
  otelc_counter_add_double(d, -0.5, NULL, 0);
  otelc_bound *b = otelc_counter_bind(d, NULL, 0);
  otelc_bound_add_double(b, -1);
  assert_int_equal(test_diag_seen.count, 2);
  test_diag_release();
  otelc_bound_add_double(b, 0.5);
  otelc_bound_free(b);
  /* An up-down counter takes negatives without a word. */
  otelc_up_down_counter *u = otelc_meter_up_down_counter(f.meter, "u", NULL);
  test_diag_capture();
  otelc_up_down_counter_add(u, -4, NULL, 0);
  assert_int_equal(test_diag_seen.count, 0);
  test_diag_release();
  /* Bound int64 handles: the counter's refuses (already warned about
   * it), the up-down counter's takes it, on a warm handle too. */
  otelc_bound *bc = otelc_counter_bind(c, NULL, 0);
  otelc_bound *bu = otelc_up_down_counter_bind(u, NULL, 0);
  for (int i = 0; i < 2; i++) {
    otelc_bound_add(bc, 10);
    otelc_bound_add(bc, -7);
    otelc_bound_add(bu, -6);
  }
  otelc_bound_free(bc);
  otelc_bound_free(bu);
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "c", "")->i, 5 + 20);
  assert_true(mc_get(&f.c, "d", "")->d == 0.5);
  assert_int_equal(mc_get(&f.c, "u", "")->i, -4 - 12);
  mfix_free(&f);
}

static void test_nan_and_infinities(void **state) {
  (void)state;
  mfix f;
  mfix_init(&f);
  otelc_counter *c = otelc_meter_counter(
      f.meter, "c", &(otelc_instrument_opts){.is_double = true});
  otelc_counter *ci = otelc_meter_counter(f.meter, "ci", NULL);
  otelc_up_down_counter *u = otelc_meter_up_down_counter(
      f.meter, "u", &(otelc_instrument_opts){.is_double = true});
  otelc_gauge *g = otelc_meter_gauge(
      f.meter, "g", &(otelc_instrument_opts){.is_double = true});
  otelc_gauge *gi = otelc_meter_gauge(f.meter, "gi", NULL);
  otelc_counter_add_double(c, 1, NULL, 0);
  otelc_counter_add_double(c, NAN, NULL, 0);
  otelc_counter_add_double(c, INFINITY, NULL, 0);
  otelc_counter_add_double(ci, NAN, NULL, 0);
  otelc_counter_add_double(ci, 1e300, NULL, 0); /* no int64 value */
  otelc_counter_add_double(ci, 2.9, NULL, 0);   /* toward zero */
  otelc_up_down_counter_add_double(u, -INFINITY, NULL, 0);
  otelc_up_down_counter_add_double(u, -2, NULL, 0);
  otelc_gauge_record(g, NAN, NULL, 0);
  otelc_gauge_record_int(gi, 3, NULL, 0);
  otelc_gauge_record(gi, -3.7, NULL, 0);
  mfix_collect(&f);
  assert_true(mc_get(&f.c, "c", "")->d == 1);
  assert_int_equal(mc_get(&f.c, "ci", "")->i, 2);
  assert_true(mc_get(&f.c, "u", "")->d == -2);
  assert_true(isnan(mc_get(&f.c, "g", "")->d)); /* a gauge keeps it */
  assert_int_equal(mc_get(&f.c, "gi", "")->i, -3);
  mfix_free(&f);
}

static void test_null_handles_are_safe(void **state) {
  (void)state;
  otelc_counter_add(NULL, 1, NULL, 0);
  otelc_counter_add_double(NULL, 1, NULL, 0);
  otelc_up_down_counter_add(NULL, 1, NULL, 0);
  otelc_histogram_record(NULL, 1, NULL, 0);
  otelc_gauge_record_int(NULL, 1, NULL, 0);
  assert_false(otelc_counter_enabled(NULL));
  otelc_bound_add(NULL, 1);
  otelc_bound_free(NULL);
  assert_false(otelc_counter_enabled(otelc_meter_counter(NULL, "x", NULL)));
  otelc_observe(NULL, NULL, 1, NULL, 0);
  assert_null(otelc_meter_register_callback(NULL, NULL, NULL, NULL, 0));
  assert_int_equal(otelc_meter_provider_new(NULL, NULL), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_meter_provider_force_flush(NULL, 1),
                   OTELC_ERR_INVALID_ARG);
  otelc_meter_provider_free(NULL);
  otelc_metric_reader_free(NULL);
  otelc_metric_reader_stats st;
  otelc_metric_reader_get_stats(NULL, &st);
  assert_int_equal(st.collections, 0);
  assert_int_equal(otelc_metric_reader_collect(NULL, mc_callback, NULL, 1),
                   OTELC_ERR_INVALID_ARG);
}

static void test_no_readers_means_disabled(void **state) {
  (void)state;
  otelc_meter_provider *mp = NULL;
  assert_int_equal(otelc_meter_provider_new(NULL, &mp), OTELC_OK);
  otelc_meter *m =
      otelc_meter_provider_get_meter(mp, &(otelc_scope_info){.name = "x"});
  otelc_counter *c = otelc_meter_counter(m, "c", NULL);
  assert_false(otelc_counter_enabled(c));
  otelc_counter_add(c, 1, NULL, 0);
  otelc_meter_provider_free(mp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_name_syntax),
      cmocka_unit_test(test_identity_same_handle),
      cmocka_unit_test(test_conflicting_definitions),
      cmocka_unit_test(test_unit_and_description),
      cmocka_unit_test(test_negative_counter_adds),
      cmocka_unit_test(test_nan_and_infinities),
      cmocka_unit_test(test_null_handles_are_safe),
      cmocka_unit_test(test_no_readers_means_disabled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
