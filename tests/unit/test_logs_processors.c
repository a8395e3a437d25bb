/* Custom and simple processors: writable records whose changes the later
 * processors see, records kept with retain (and no longer changed),
 * statistics, and the ownership rules of exporters and processors. */
#include "logs_fixture.h"

/* A processor that adds "stage.<n>"=n, checks what earlier ones added,
 * and can keep the last record it saw. */
typedef struct stage {
  int n;
  int seen_prev; /* stage.<n-1> values seen */
  int calls;
  bool keep;
  otelc_log_record *kept;
  otelc_status last_set;
  bool destroyed;
  const otelc_context *ctx;
} stage;

static void stage_emit(void *self, otelc_log_record *r,
                       const otelc_context *ctx) {
  stage *s = self;
  s->calls++;
  s->ctx = ctx;
  const otelc_log_data *d = otelc_log_record_data(r);
  char prev[24], mine[24];
  snprintf(prev, sizeof prev, "stage.%d", s->n - 1);
  snprintf(mine, sizeof mine, "stage.%d", s->n);
  for (size_t i = 0; i < d->n_attrs; i++)
    if (strcmp(d->attrs[i].key, prev) == 0 && d->attrs[i].value.u.i == s->n - 1)
      s->seen_prev++;
  otelc_attr a = OTELC_INT(mine, s->n);
  s->last_set = otelc_log_record_set_attr(r, &a);
  if (s->keep) {
    if (s->kept)
      otelc_log_record_release(s->kept);
    otelc_log_record_retain(r);
    s->kept = r;
  }
}

static void stage_destroy(void *self) {
  stage *s = self;
  if (s->kept)
    otelc_log_record_release(s->kept);
  s->kept = NULL;
  s->destroyed = true;
}

static otelc_log_processor *stage_proc(stage *s) {
  static const otelc_log_processor_ops ops = {stage_emit, NULL, NULL,
                                              stage_destroy};
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_log_processor_new(&ops, s, &p), OTELC_OK);
  return p;
}

static otelc_logger_provider *provider_of(otelc_log_processor **procs,
                                          size_t n) {
  otelc_log_limits lim = {128, UINT32_MAX};
  otelc_logger_provider_opts o = {
      .processors = procs, .n_processors = n, .limits = &lim};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  return lp;
}

static void test_changes_visible_to_later_processors(void **state) {
  (void)state;
  stage s1 = {.n = 1}, s2 = {.n = 2};
  otelc_log_exporter *mem = NULL;
  assert_int_equal(otelc_memory_log_exporter_new(&mem), OTELC_OK);
  otelc_log_processor *procs[3] = {stage_proc(&s1), stage_proc(&s2), NULL};
  assert_int_equal(otelc_simple_log_processor_new(mem, &procs[2]), OTELC_OK);
  otelc_logger_provider *lp = provider_of(procs, 3);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  otelc_context *ctx = otelc_context_with_span(NULL, NULL);
  otelc_log_emit e = {.body_str = "x", .context = ctx};
  assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
  assert_int_equal(s1.calls, 1);
  assert_int_equal(s2.seen_prev, 1);
  assert_int_equal(s2.last_set, OTELC_OK);
  assert_ptr_equal(s1.ctx, ctx); /* the context emitted in */
  /* The exporter after them got both additions. */
  const otelc_log_data *d =
      otelc_log_record_data(otelc_memory_log_exporter_get(mem, 0));
  assert_int_equal(d->n_attrs, 2);
  assert_string_equal(d->attrs[0].key, "stage.1");
  assert_string_equal(d->attrs[1].key, "stage.2");
  otelc_context_release(ctx);
  otelc_logger_provider_free(lp);
  assert_true(s1.destroyed && s2.destroyed);
}

static void test_retained_record_outlives_emit_and_is_frozen(void **state) {
  (void)state;
  stage keeper = {.n = 1, .keep = true}, later = {.n = 2};
  otelc_log_processor *procs[2] = {stage_proc(&keeper), stage_proc(&later)};
  otelc_logger_provider *lp = provider_of(procs, 2);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  otelc_attr a = OTELC_STR("k", "v");
  otelc_log_emit e = {
      .severity = 9, .body_str = "kept", .attrs = &a, .n_attrs = 1};
  assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
  /* The keeper set its attribute before keeping; a later change would
   * race with whoever holds the record, so it is refused. */
  assert_int_equal(keeper.last_set, OTELC_OK);
  assert_int_equal(later.last_set, OTELC_ERR_STATE);
  const otelc_log_data *d = otelc_log_record_data(keeper.kept);
  assert_string_equal(d->body.u.str, "kept");
  assert_int_equal(d->n_attrs, 2);
  assert_null(lfix_attr(d, "stage.2"));
  otelc_attr b = OTELC_INT("after", 1);
  assert_int_equal(otelc_log_record_set_attr(keeper.kept, &b), OTELC_ERR_STATE);
  /* A second record replaces the kept one (released by the processor). */
  e.body_str = "second";
  assert_int_equal(otelc_logger_emit(l, &e), OTELC_OK);
  assert_string_equal(otelc_log_record_data(keeper.kept)->body.u.str, "second");
  otelc_logger_provider_free(lp);
  assert_true(keeper.destroyed);
}

static void set_limited(void *self, otelc_log_record *r,
                        const otelc_context *ctx) {
  (void)ctx;
  otelc_status *out = self;
  otelc_attr a = OTELC_STR("extra", "abcdef");
  out[0] = otelc_log_record_set_attr(r, &a);
  otelc_attr b = OTELC_INT("more", 1);
  out[1] = otelc_log_record_set_attr(r, &b);
  otelc_attr empty = OTELC_INT("", 1);
  out[2] = otelc_log_record_set_attr(r, &empty);
  out[3] = otelc_log_record_set_attr(r, NULL);
  out[4] = otelc_log_record_set_attr(NULL, &b);
}

static void test_set_attr_applies_limits(void **state) {
  (void)state;
  otelc_status got[5];
  static const otelc_log_processor_ops ops = {set_limited, NULL, NULL, NULL};
  otelc_log_processor *procs[2];
  assert_int_equal(otelc_log_processor_new(&ops, got, &procs[0]), OTELC_OK);
  otelc_log_exporter *mem = NULL;
  assert_int_equal(otelc_memory_log_exporter_new(&mem), OTELC_OK);
  assert_int_equal(otelc_simple_log_processor_new(mem, &procs[1]), OTELC_OK);
  otelc_log_limits lim = {2, 4};
  otelc_logger_provider_opts o = {
      .processors = procs, .n_processors = 2, .limits = &lim};
  otelc_logger_provider *lp = NULL;
  assert_int_equal(otelc_logger_provider_new(&o, &lp), OTELC_OK);
  otelc_attr a = OTELC_INT("first", 0);
  otelc_log_emit e = {.attrs = &a, .n_attrs = 1};
  otelc_logger_emit(otelc_logger_provider_get_logger(lp, &lfix_scope), &e);
  assert_int_equal(got[0], OTELC_ERR_LIMIT); /* truncated */
  assert_int_equal(got[1], OTELC_ERR_LIMIT); /* over the count */
  assert_int_equal(got[2], OTELC_ERR_INVALID_ARG);
  assert_int_equal(got[3], OTELC_ERR_INVALID_ARG);
  assert_int_equal(got[4], OTELC_ERR_INVALID_ARG);
  const otelc_log_data *d =
      otelc_log_record_data(otelc_memory_log_exporter_get(mem, 0));
  assert_int_equal(d->n_attrs, 2);
  assert_string_equal(lfix_attr(d, "extra")->u.str, "abcd");
  assert_int_equal(d->dropped_attrs, 1);
  otelc_logger_provider_free(lp);
}

/* An exporter whose result and calls can be read. */
typedef struct counting {
  otelc_status result;
  int exports, records, flushes, shutdowns;
  bool destroyed;
} counting;

static otelc_status c_export(void *self, otelc_log_record *const *r, size_t n,
                             uint32_t ms) {
  (void)r;
  (void)ms;
  counting *c = self;
  c->exports++;
  c->records += (int)n;
  return c->result;
}
static otelc_status c_flush(void *self, uint32_t ms) {
  (void)ms;
  ((counting *)self)->flushes++;
  return OTELC_OK;
}
static otelc_status c_shutdown(void *self, uint32_t ms) {
  (void)ms;
  ((counting *)self)->shutdowns++;
  return OTELC_OK;
}
static void c_destroy(void *self) {
  ((counting *)self)->destroyed = true;
}

static const otelc_log_exporter_ops counting_ops = {c_export, c_flush,
                                                    c_shutdown, c_destroy};

static void test_simple_processor_stats_and_lifecycle(void **state) {
  (void)state;
  counting c = {0};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_log_exporter_new(&counting_ops, &c, &e), OTELC_OK);
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_simple_log_processor_new(e, &p), OTELC_OK);
  otelc_logger_provider *lp = provider_of(&p, 1);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  lfix_emit(l, 9, "a");
  c.result = OTELC_ERR_EXPORT;
  lfix_emit(l, 9, "b");
  assert_int_equal(c.exports, 2); /* one call per record */
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(p, &st);
  assert_int_equal(st.received, 2);
  assert_int_equal(st.exported, 1);
  assert_int_equal(st.export_failed, 1);
  assert_int_equal(otelc_logger_provider_force_flush(lp, 100), OTELC_OK);
  assert_int_equal(c.flushes, 1);
  assert_int_equal(otelc_logger_provider_shutdown(lp, 100), OTELC_OK);
  assert_int_equal(c.shutdowns, 1);
  assert_int_equal(otelc_logger_provider_shutdown(lp, 100), OTELC_ERR_SHUTDOWN);
  assert_int_equal(otelc_logger_provider_force_flush(lp, 100),
                   OTELC_ERR_SHUTDOWN);
  assert_int_equal(otelc_log_processor_force_flush(p, 100), OTELC_ERR_SHUTDOWN);
  assert_false(c.destroyed);
  otelc_logger_provider_free(lp);
  assert_true(c.destroyed);
  assert_int_equal(c.shutdowns, 1);
}

static void test_shut_processor_counts_late_records(void **state) {
  (void)state;
  counting c = {0};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_log_exporter_new(&counting_ops, &c, &e), OTELC_OK);
  stage s = {.n = 1};
  otelc_log_processor *procs[2] = {NULL, stage_proc(&s)};
  assert_int_equal(otelc_simple_log_processor_new(e, &procs[0]), OTELC_OK);
  otelc_logger_provider *lp = provider_of(procs, 2);
  otelc_logger *l = otelc_logger_provider_get_logger(lp, &lfix_scope);
  assert_int_equal(otelc_log_processor_shutdown(procs[0], 100), OTELC_OK);
  assert_int_equal(otelc_log_processor_shutdown(procs[1], 100), OTELC_OK);
  lfix_emit(l, 9, "late");
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(procs[0], &st);
  assert_int_equal(st.dropped_shutdown, 1);
  assert_int_equal(c.exports, 0);
  otelc_log_processor_get_stats(procs[1], &st);
  assert_int_equal(st.received, 1);
  assert_int_equal(st.dropped_shutdown, 1);
  assert_int_equal(s.calls, 0);
  assert_int_equal(otelc_log_processor_tick(procs[1]), OTELC_ERR_SHUTDOWN);
  otelc_logger_provider_free(lp);
}

static void test_ownership_on_failure(void **state) {
  (void)state;
  counting c = {0};
  otelc_log_exporter *e = NULL;
  /* An exporter without export_logs is refused, and destroyed. */
  otelc_log_exporter_ops bad = counting_ops;
  bad.export_logs = NULL;
  assert_int_equal(otelc_log_exporter_new(&bad, &c, &e), OTELC_ERR_INVALID_ARG);
  assert_true(c.destroyed);
  /* Processors take the exporter even when they fail. */
  c = (counting){0};
  assert_int_equal(otelc_log_exporter_new(&counting_ops, &c, &e), OTELC_OK);
  assert_int_equal(otelc_simple_log_processor_new(e, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_true(c.destroyed);
  c = (counting){0};
  assert_int_equal(otelc_log_exporter_new(&counting_ops, &c, &e), OTELC_OK);
  assert_int_equal(otelc_batch_log_processor_new(e, NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_true(c.destroyed);
  assert_int_equal(c.shutdowns, 1);
  /* A custom processor without ops is refused. */
  otelc_log_processor *p = NULL;
  assert_int_equal(otelc_log_processor_new(NULL, NULL, &p),
                   OTELC_ERR_INVALID_ARG);
  /* The provider takes processors even when it fails. */
  stage s = {.n = 1};
  otelc_log_processor *procs[1] = {stage_proc(&s)};
  otelc_logger_provider_opts o = {.processors = procs, .n_processors = 1};
  assert_int_equal(otelc_logger_provider_new(&o, NULL), OTELC_ERR_INVALID_ARG);
  assert_true(s.destroyed);
  /* NULL is ignored everywhere it is documented to be. */
  otelc_log_exporter_free(NULL);
  otelc_log_processor_free(NULL);
  otelc_logger_provider_free(NULL);
  otelc_log_record_retain(NULL);
  otelc_log_record_release(NULL);
  otelc_log_processor_stats st;
  otelc_log_processor_get_stats(NULL, &st);
  assert_int_equal(st.received, 0);
}

static void test_exporter_not_handed_over_is_freed(void **state) {
  (void)state;
  counting c = {0};
  otelc_log_exporter *e = NULL;
  assert_int_equal(otelc_log_exporter_new(&counting_ops, &c, &e), OTELC_OK);
  otelc_log_exporter_free(e);
  assert_int_equal(c.shutdowns, 1);
  assert_true(c.destroyed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_changes_visible_to_later_processors),
      cmocka_unit_test(test_retained_record_outlives_emit_and_is_frozen),
      cmocka_unit_test(test_set_attr_applies_limits),
      cmocka_unit_test(test_simple_processor_stats_and_lifecycle),
      cmocka_unit_test(test_shut_processor_counts_late_records),
      cmocka_unit_test(test_ownership_on_failure),
      cmocka_unit_test(test_exporter_not_handed_over_is_freed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
