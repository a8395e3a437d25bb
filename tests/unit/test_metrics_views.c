/* Views: every selection criterion, wildcards, renaming, description,
 * attribute allow and exclude lists, aggregation overrides (drop
 * included), invalid views, and several streams per instrument. */
#include "test_metrics_fixture.h"

static void with_views(mfix *f, const otelc_view *v, size_t n) {
  mfix_init_full(f, 1, NULL, v, n, 0);
}

static void test_select_by_name_and_rename(void **state) {
  (void)state;
  const otelc_view v = {.instrument_name = "http.requests",
                        .name = "http.server.requests",
                        .description = "served"};
  mfix f;
  with_views(&f, &v, 1);
  otelc_counter_add(
      otelc_meter_counter(f.meter, "HTTP.Requests",
                          &(otelc_instrument_opts){.description = "orig"}),
      1, NULL, 0);
  otelc_counter_add(otelc_meter_counter(f.meter, "http.requests.other", NULL),
                    1, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "http.server.requests", "");
  assert_string_equal(p->desc, "served");
  assert_null(mc_find(&f.c, "HTTP.Requests", ""));
  assert_non_null(mc_find(&f.c, "http.requests.other", ""));
  mfix_free(&f);
}

static void test_wildcards(void **state) {
  (void)state;
  const otelc_view v[] = {
      {.instrument_name = "db.*",
       .aggregation = {.kind = OTELC_AGGREGATION_DROP}},
      {.instrument_name = "rpc.?s", .description = "matched"}};
  mfix f;
  with_views(&f, v, 2);
  otelc_counter *dbq = otelc_meter_counter(f.meter, "DB.queries", NULL);
  otelc_counter *db = otelc_meter_counter(f.meter, "db", NULL);
  otelc_counter *rpc = otelc_meter_counter(f.meter, "rpc.Ms", NULL);
  otelc_counter *rpc2 = otelc_meter_counter(f.meter, "rpc.ms2", NULL);
  assert_false(otelc_counter_enabled(dbq)); /* every stream drops */
  assert_true(otelc_counter_enabled(db));
  otelc_counter_add(dbq, 1, NULL, 0);
  otelc_counter_add(db, 1, NULL, 0);
  otelc_counter_add(rpc, 1, NULL, 0);
  otelc_counter_add(rpc2, 1, NULL, 0);
  mfix_collect(&f);
  assert_null(mc_find(&f.c, "DB.queries", ""));
  assert_non_null(mc_find(&f.c, "db", ""));
  assert_string_equal(mc_get(&f.c, "rpc.Ms", "")->desc, "matched");
  assert_string_equal(mc_get(&f.c, "rpc.ms2", "")->desc, "");
  mfix_free(&f);
}

static void test_select_by_kind_unit_meter(void **state) {
  (void)state;
  const otelc_view v[] = {
      {.instrument_kind = OTELC_INSTRUMENT_HISTOGRAM, .description = "kind"},
      {.instrument_unit = "By", .description = "unit"},
      {.meter_name = "other", .description = "meter"},
      {.meter_name = "test", .meter_version = "2.0", .description = "ver"},
      {.meter_schema_url = "https://s/1", .description = "schema"}};
  mfix f;
  with_views(&f, v, 5);
  otelc_histogram_record_int(otelc_meter_histogram(f.meter, "h", NULL), 1, NULL,
                             0);
  otelc_counter_add(otelc_meter_counter(f.meter, "bytes",
                                        &(otelc_instrument_opts){.unit = "By"}),
                    1, NULL, 0);
  otelc_counter_add(otelc_meter_counter(
                        f.meter, "kb", &(otelc_instrument_opts){.unit = "KBy"}),
                    1, NULL, 0);
  otelc_meter *other = otelc_meter_provider_get_meter(
      f.mp, &(otelc_scope_info){.name = "other"});
  otelc_counter_add(otelc_meter_counter(other, "o", NULL), 1, NULL, 0);
  otelc_meter *v2 = otelc_meter_provider_get_meter(
      f.mp, &(otelc_scope_info){.name = "test", .version = "2.0"});
  otelc_counter_add(otelc_meter_counter(v2, "v", NULL), 1, NULL, 0);
  otelc_meter *sch = otelc_meter_provider_get_meter(
      f.mp, &(otelc_scope_info){.name = "s", .schema_url = "https://s/1"});
  otelc_counter_add(otelc_meter_counter(sch, "s", NULL), 1, NULL, 0);
  mfix_collect(&f);
  assert_string_equal(mc_get(&f.c, "h", "")->desc, "kind");
  assert_string_equal(mc_get(&f.c, "bytes", "")->desc, "unit");
  assert_string_equal(mc_get(&f.c, "kb", "")->desc, ""); /* default */
  assert_string_equal(mc_get(&f.c, "o", "")->desc, "meter");
  assert_string_equal(mc_get(&f.c, "v", "")->desc, "ver");
  assert_string_equal(mc_get(&f.c, "s", "")->desc, "schema");
  mfix_free(&f);
}

static void test_attribute_allow_and_exclude(void **state) {
  (void)state;
  const char *keep[] = {"a", "b"};
  const char *drop[] = {"b"};
  const otelc_view v[] = {
      {.instrument_name = "allow",
       .attribute_keys = keep,
       .n_attribute_keys = 2,
       .keep_only_listed = true},
      {.instrument_name = "exclude",
       .excluded_keys = drop,
       .n_excluded_keys = 1},
      {.instrument_name = "both",
       .attribute_keys = keep,
       .n_attribute_keys = 2,
       .keep_only_listed = true,
       .excluded_keys = drop,
       .n_excluded_keys = 1},
      {.instrument_name = "none", .keep_only_listed = true}};
  mfix f;
  with_views(&f, v, 4);
  const char *names[] = {"allow", "exclude", "both", "none"};
  for (int i = 0; i < 4; i++) {
    otelc_counter *c = otelc_meter_counter(f.meter, names[i], NULL);
    otelc_counter_add(
        c, 1,
        OTELC_ATTRS(OTELC_INT("c", 3), OTELC_INT("b", 2), OTELC_INT("a", 1)));
    otelc_counter_add(
        c, 2,
        OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2), OTELC_INT("c", 4)));
  }
  mfix_collect(&f);
  assert_int_equal(mc_get(&f.c, "allow", "a=1,b=2")->i, 3);
  assert_int_equal(mc_count(&f.c, "allow"), 1);
  assert_int_equal(mc_get(&f.c, "exclude", "a=1,c=3")->i, 1);
  assert_int_equal(mc_get(&f.c, "exclude", "a=1,c=4")->i, 2);
  assert_int_equal(mc_get(&f.c, "both", "a=1")->i, 3);
  assert_int_equal(mc_get(&f.c, "none", "")->i, 3);
  mfix_free(&f);
}

static void test_advisory_attribute_keys(void **state) {
  (void)state;
  const char *keys[] = {"route"};
  const char *vkeys[] = {"method"};
  const otelc_view v = {.instrument_name = "viewed",
                        .attribute_keys = vkeys,
                        .n_attribute_keys = 1,
                        .keep_only_listed = true};
  mfix f;
  with_views(&f, &v, 1);
  otelc_instrument_opts o = {.advisory_attribute_keys = keys,
                             .n_advisory_attribute_keys = 1,
                             .has_advisory_attribute_keys = true};
  otelc_counter *adv = otelc_meter_counter(f.meter, "advised", &o);
  otelc_counter *viewed = otelc_meter_counter(f.meter, "viewed", &o);
  const otelc_attr a[] = {OTELC_STR("method", "GET"), OTELC_STR("route", "/")};
  otelc_counter_add(adv, 1, a, 2);
  otelc_counter_add(viewed, 1, a, 2);
  mfix_collect(&f);
  assert_non_null(mc_find(&f.c, "advised", "route=/"));
  assert_non_null(mc_find(&f.c, "viewed", "method=GET")); /* view wins */
  mfix_free(&f);
}

static void test_aggregation_overrides(void **state) {
  (void)state;
  const double b[] = {1, 10};
  const otelc_view v[] = {
      {.instrument_name = "c.hist",
       .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM,
                       .boundaries = b,
                       .n_boundaries = 2}},
      {.instrument_name = "h.sum",
       .aggregation = {.kind = OTELC_AGGREGATION_SUM}},
      {.instrument_name = "h.last",
       .aggregation = {.kind = OTELC_AGGREGATION_LAST_VALUE}},
      {.instrument_name = "h.one",
       .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM,
                       .boundaries = b,
                       .n_boundaries = 0}},
      {.instrument_name = "h.nominmax",
       .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM,
                       .no_min_max = true}},
      {.instrument_name = "u.hist",
       .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM,
                       .boundaries = NULL,
                       .n_boundaries = 0}}};
  mfix f;
  with_views(&f, v, 6);
  otelc_counter *c = otelc_meter_counter(f.meter, "c.hist", NULL);
  otelc_counter_add(c, 5, NULL, 0);
  otelc_counter_add(c, 50, NULL, 0);
  const char *hn[] = {"h.sum", "h.last", "h.one", "h.nominmax"};
  for (int i = 0; i < 4; i++) {
    otelc_histogram *h = otelc_meter_histogram(f.meter, hn[i], NULL);
    otelc_histogram_record_int(h, 4, NULL, 0);
    otelc_histogram_record_int(h, 6, NULL, 0);
  }
  otelc_up_down_counter *u =
      otelc_meter_up_down_counter(f.meter, "u.hist", NULL);
  otelc_up_down_counter_add(u, -3, NULL, 0);
  mfix_collect(&f);
  mpoint *p = mc_get(&f.c, "c.hist", "");
  assert_int_equal(p->type, OTELC_METRIC_HISTOGRAM);
  assert_int_equal(p->n_bounds, 2);
  assert_int_equal(p->buckets[1], 1);
  assert_int_equal(p->buckets[2], 1);
  assert_true(p->has_sum && p->sum == 55);
  p = mc_get(&f.c, "h.sum", "");
  assert_int_equal(p->type, OTELC_METRIC_SUM);
  assert_true(p->monotonic); /* a histogram's sum is monotonic */
  assert_int_equal(p->i, 10);
  p = mc_get(&f.c, "h.last", "");
  assert_int_equal(p->type, OTELC_METRIC_GAUGE);
  assert_int_equal(p->i, 6);
  p = mc_get(&f.c, "h.one", "");
  assert_int_equal(p->n_bounds, 0);
  assert_int_equal(p->count, 2);
  assert_int_equal(p->buckets[0], 2);
  p = mc_get(&f.c, "h.nominmax", "");
  assert_false(p->has_min_max);
  assert_int_equal(p->n_bounds, 15);
  /* An up-down counter can go negative: no sum. */
  p = mc_get(&f.c, "u.hist", "");
  assert_int_equal(p->type, OTELC_METRIC_HISTOGRAM);
  assert_false(p->has_sum);
  assert_true(p->min == -3);
  mfix_free(&f);
}

static void test_two_views_two_streams(void **state) {
  (void)state;
  const char *k[] = {"a"};
  const otelc_view v[] = {{.instrument_name = "n", .name = "n.full"},
                          {.instrument_name = "n",
                           .name = "n.by_a",
                           .attribute_keys = k,
                           .n_attribute_keys = 1,
                           .keep_only_listed = true}};
  mfix f;
  with_views(&f, v, 2);
  otelc_counter *c = otelc_meter_counter(f.meter, "n", NULL);
  otelc_counter_add(c, 1, OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 1)));
  otelc_counter_add(c, 2, OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2)));
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "n.full"), 2);
  assert_int_equal(mc_get(&f.c, "n.by_a", "a=1")->i, 3);
  assert_null(mc_find(&f.c, "n", "a=1,b=1"));
  assert_int_equal(f.c.n_metrics, 2);
  mfix_free(&f);
}

static void test_invalid_views_skipped(void **state) {
  (void)state;
  const double bad[] = {5, 1};
  const otelc_view v[] = {
      {.instrument_name = "x",
       .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM,
                       .boundaries = bad,
                       .n_boundaries = 2}},
      {.instrument_kind = OTELC_INSTRUMENT_OBSERVABLE_GAUGE,
       .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM}},
      {.instrument_name = "x",
       .aggregation = {.kind = OTELC_AGGREGATION_EXP_HISTOGRAM,
                       .max_scale = 30,
                       .max_scale_set = true}},
      {.instrument_name = "x", .description = "valid"}};
  test_diag_capture();
  mfix f;
  with_views(&f, v, 4);
  assert_int_equal(test_diag_seen.count, 3);
  test_diag_release();
  otelc_counter_add(otelc_meter_counter(f.meter, "x", NULL), 1, NULL, 0);
  mfix_collect(&f);
  assert_int_equal(mc_count(&f.c, "x"), 1);
  mpoint *p = mc_get(&f.c, "x", "");
  assert_int_equal(p->type, OTELC_METRIC_SUM);
  assert_string_equal(p->desc, "valid");
  mfix_free(&f);
}

static void test_histogram_view_on_observable_skipped(void **state) {
  (void)state;
  /* Any kind in the selector: valid in general, skipped (with a
   * warning) for the observable instrument it matches. */
  const otelc_view v = {
      .instrument_name = "obs*",
      .aggregation = {.kind = OTELC_AGGREGATION_EXPLICIT_HISTOGRAM}};
  mfix f;
  with_views(&f, &v, 1);
  test_diag_capture();
  otelc_observable *o =
      otelc_meter_observable_gauge(f.meter, "obs.g", NULL, NULL, NULL);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "obs.g"));
  test_diag_release();
  assert_non_null(o);
  mfix_free(&f);
}

static void test_conflicting_renames_warn(void **state) {
  (void)state;
  const otelc_view v = {.instrument_name = "a.*", .name = "same"};
  test_diag_capture();
  mfix f;
  with_views(&f, &v, 1);
  assert_int_equal(test_diag_seen.count, 1); /* the wildcard rename */
  otelc_meter_counter(f.meter, "a.one", NULL);
  assert_int_equal(test_diag_seen.count, 1);
  otelc_meter_counter(f.meter, "a.two", NULL);
  assert_int_equal(test_diag_seen.count, 2);
  assert_non_null(strstr(test_diag_seen.last, "conflicts"));
  test_diag_release();
  mfix_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_select_by_name_and_rename),
      cmocka_unit_test(test_wildcards),
      cmocka_unit_test(test_select_by_kind_unit_meter),
      cmocka_unit_test(test_attribute_allow_and_exclude),
      cmocka_unit_test(test_advisory_attribute_keys),
      cmocka_unit_test(test_aggregation_overrides),
      cmocka_unit_test(test_two_views_two_streams),
      cmocka_unit_test(test_invalid_views_skipped),
      cmocka_unit_test(test_histogram_view_on_observable_skipped),
      cmocka_unit_test(test_conflicting_renames_warn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
