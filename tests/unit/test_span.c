/* The span data model: names, kinds, times, attributes of every type,
 * events, links, status rules, exceptions, rename and end semantics. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "trace_fixture.h"

static void test_basic_fields_and_ids(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {.kind = OTELC_SPAN_KIND_SERVER};
  otelc_span *s = otelc_span_start(f.tracer, "GET /users", &o);
  assert_true(otelc_span_is_recording(s));
  otelc_span_context sc = otelc_span_get_context(s);
  assert_true(otelc_span_context_is_valid(&sc));
  assert_false(sc.is_remote);
  /* otelc generated the trace id: sampled and random flags. */
  assert_int_equal(sc.trace_flags,
                   OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM);
  otelc_span_end(s);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 1);
  otelc_span *e = fixture_span(&f, 0);
  assert_false(otelc_span_is_recording(e));
  assert_string_equal(otelc_span_get_name(e), "GET /users");
  assert_int_equal(otelc_span_get_kind(e), OTELC_SPAN_KIND_SERVER);
  assert_false(otelc_span_get_parent(e, NULL));
  assert_true(otelc_span_get_end_time(e) >= otelc_span_get_start_time(e));
  assert_string_equal(otelc_span_get_scope(e)->name, "test.scope");
  assert_string_equal(otelc_span_get_scope(e)->version, "1.2.3");
  assert_non_null(otelc_span_get_resource(e));
  fixture_free(&f);
}

static void test_default_kind_is_internal(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_end(otelc_span_start(f.tracer, "x", NULL));
  assert_int_equal(otelc_span_get_kind(fixture_span(&f, 0)),
                   OTELC_SPAN_KIND_INTERNAL);
  fixture_free(&f);
}

static void test_explicit_times_and_monotonic_duration(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {.start_time = 1000000000000ull};
  otelc_span *s = otelc_span_start(f.tracer, "explicit", &o);
  otelc_span_end_at(s, 1000000000500ull);
  otelc_span *auto_s = otelc_span_start(f.tracer, "auto", NULL);
  usleep(2000);
  otelc_span_end(auto_s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_start_time(e), 1000000000000ull);
  assert_int_equal(otelc_span_get_end_time(e), 1000000000500ull);
  e = fixture_span(&f, 1);
  uint64_t dur = otelc_span_get_end_time(e) - otelc_span_get_start_time(e);
  assert_true(dur >= 2000000ull); /* at least the 2 ms slept */
  uint64_t now = otelc_time_now();
  assert_true(otelc_span_get_start_time(e) <= now);
  assert_true(now - otelc_span_get_start_time(e) < 60ull * 1000000000ull);
  fixture_free(&f);
}

static void test_attributes_every_type(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "attrs", NULL);
  char key[] = "volatile.key", val[] = "volatile";
  assert_int_equal(otelc_span_set_str(s, key, val), OTELC_OK);
  memset(key, 'x', sizeof key - 1); /* the span must have copied both */
  memset(val, 'y', sizeof val - 1);
  assert_int_equal(otelc_span_set_int(s, "i", -42), OTELC_OK);
  assert_int_equal(otelc_span_set_double(s, "d", 0.25), OTELC_OK);
  assert_int_equal(otelc_span_set_bool(s, "b", true), OTELC_OK);
  assert_int_equal(otelc_span_set_strn(s, "n", "a\0b", 3), OTELC_OK);
  const char *strs[] = {"x", "yy"};
  const int64_t ints[] = {1, 2, 3};
  const double dbls[] = {1.5};
  const bool bools[] = {true, false};
  const unsigned char bytes[] = {0, 255, 7};
  otelc_value inner[] = {{OTELC_VALUE_INT, 0, {.i = 7}},
                         {OTELC_VALUE_STRING, OTELC_NTS, {.str = "s"}}};
  otelc_attr kv[] = {OTELC_BOOL("nested", true)};
  assert_int_equal(
      otelc_span_set_attrs(
          s, OTELC_ATTRS(OTELC_STR_ARRAY("sa", strs, 2),
                         OTELC_INT_ARRAY("ia", ints, 3),
                         OTELC_DOUBLE_ARRAY("da", dbls, 1),
                         OTELC_BOOL_ARRAY("ba", bools, 2),
                         OTELC_BYTES("by", bytes, 3),
                         ((otelc_attr){"arr", {OTELC_VALUE_ARRAY, 2,
                                               {.values = inner}}}),
                         ((otelc_attr){"map", {OTELC_VALUE_MAP, 1,
                                               {.kvs = kv}}}))),
      OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 12);
  const otelc_value *v = otelc_span_find_attr(e, "volatile.key");
  assert_non_null(v);
  assert_string_equal(v->u.str, "volatile");
  assert_int_equal(v->len, 8);
  assert_int_equal(otelc_span_find_attr(e, "i")->u.i, -42);
  assert_true(otelc_span_find_attr(e, "d")->u.d == 0.25);
  assert_true(otelc_span_find_attr(e, "b")->u.b);
  v = otelc_span_find_attr(e, "n");
  assert_int_equal(v->len, 3);
  assert_memory_equal(v->u.str, "a\0b", 3);
  v = otelc_span_find_attr(e, "sa");
  assert_int_equal(v->type, OTELC_VALUE_STRING_ARRAY);
  assert_string_equal(v->u.strs[1], "yy");
  assert_true(strs[1] != v->u.strs[1]);
  assert_int_equal(otelc_span_find_attr(e, "ia")->u.ints[2], 3);
  assert_true(otelc_span_find_attr(e, "da")->u.doubles[0] == 1.5);
  assert_false(otelc_span_find_attr(e, "ba")->u.bools[1]);
  v = otelc_span_find_attr(e, "by");
  assert_int_equal(v->len, 3);
  assert_memory_equal(v->u.bytes, bytes, 3);
  v = otelc_span_find_attr(e, "arr");
  assert_int_equal(v->u.values[0].u.i, 7);
  assert_string_equal(v->u.values[1].u.str, "s");
  v = otelc_span_find_attr(e, "map");
  assert_string_equal(v->u.kvs[0].key, "nested");
  assert_true(v->u.kvs[0].value.u.b);
  fixture_free(&f);
}

static void test_attribute_overwrite_keeps_order_and_count(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  otelc_span_set_int(s, "a", 1);
  otelc_span_set_int(s, "b", 2);
  otelc_span_set_str(s, "a", "replaced");
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 2);
  assert_string_equal(otelc_span_get_attr(e, 0)->key, "a");
  assert_int_equal(otelc_span_get_attr(e, 0)->value.type,
                   OTELC_VALUE_STRING);
  assert_null(otelc_span_get_attr(e, 2));
  fixture_free(&f);
}

static void test_invalid_attribute_keys(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(otelc_span_set_int(s, NULL, 1), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_span_set_int(s, "", 1), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_span_set_attr(s, NULL), OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_span_set_str(s, "null.value", NULL), OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 1);
  assert_string_equal(otelc_span_find_attr(e, "null.value")->u.str, "");
  fixture_free(&f);
}

static void test_many_attributes_beyond_inline(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  char key[32], big[3000];
  memset(big, 'v', sizeof big - 1);
  big[sizeof big - 1] = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(key, sizeof key, "key.%d", i);
    assert_int_equal(otelc_span_set_str(s, key, big), OTELC_OK);
  }
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 100);
  assert_string_equal(otelc_span_get_attr(e, 99)->key, "key.99");
  assert_int_equal(otelc_span_get_attr(e, 57)->value.len, sizeof big - 1);
  fixture_free(&f);
}

static void test_events_in_order_with_attributes(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(otelc_span_add_event(s, "first", 123,
                                        OTELC_ATTRS(OTELC_INT("n", 1))),
                   OTELC_OK);
  assert_int_equal(otelc_span_add_event(s, "second", 0, NULL, 0), OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_event_count(e), 2);
  const otelc_span_event *ev = otelc_span_get_event(e, 0);
  assert_string_equal(ev->name, "first");
  assert_int_equal(ev->time, 123);
  assert_int_equal(ev->n_attrs, 1);
  assert_string_equal(ev->attrs[0].key, "n");
  ev = otelc_span_get_event(e, 1);
  assert_string_equal(ev->name, "second");
  assert_true(ev->time >= otelc_span_get_start_time(e));
  assert_null(otelc_span_get_event(e, 2));
  fixture_free(&f);
}

static void test_links(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *other = otelc_span_start(f.tracer, "other", NULL);
  otelc_link at_start = {otelc_span_get_context(other), "k=v",
                         OTELC_ATTRS(OTELC_STR("why", "batch"))};
  otelc_span_start_opts o = {.links = &at_start, .n_links = 1};
  otelc_span *s = otelc_span_start(f.tracer, "x", &o);
  otelc_link empty = {0};
  /* No ids and no data: nothing worth keeping. */
  assert_int_equal(otelc_span_add_link(s, &empty), OTELC_ERR_INVALID_ARG);
  otelc_link zero_with_attr = {{{0}, {0}, 0, false}, NULL,
                               OTELC_ATTRS(OTELC_INT("kept", 1))};
  assert_int_equal(otelc_span_add_link(s, &zero_with_attr), OTELC_OK);
  otelc_span_end(s);
  otelc_span_end(other);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_link_count(e), 2);
  const otelc_span_link *l = otelc_span_get_link(e, 0);
  assert_memory_equal(l->context.span_id,
                      otelc_span_get_context(fixture_span(&f, 1)).span_id, 8);
  assert_string_equal(l->tracestate, "k=v");
  assert_string_equal(l->attrs[0].key, "why");
  assert_int_equal(otelc_span_get_link(e, 1)->n_attrs, 1);
  fixture_free(&f);
}

static void test_status_precedence(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  const char *desc;
  /* Error with description, then Unset is ignored. */
  otelc_span *s = otelc_span_start(f.tracer, "a", NULL);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "boom");
  otelc_span_set_status(s, OTELC_STATUS_UNSET, "ignored");
  otelc_span_end(s);
  assert_int_equal(otelc_span_get_status(fixture_span(&f, 0), &desc),
                   OTELC_STATUS_ERROR);
  assert_string_equal(desc, "boom");
  /* Ok is final and drops the description. */
  s = otelc_span_start(f.tracer, "b", NULL);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "boom");
  otelc_span_set_status(s, OTELC_STATUS_OK, "ignored");
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "too late");
  otelc_span_end(s);
  assert_int_equal(otelc_span_get_status(fixture_span(&f, 1), &desc),
                   OTELC_STATUS_OK);
  assert_null(desc);
  /* The last Error wins; an empty description counts as none. */
  s = otelc_span_start(f.tracer, "c", NULL);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "first");
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "");
  otelc_span_end(s);
  assert_int_equal(otelc_span_get_status(fixture_span(&f, 2), &desc),
                   OTELC_STATUS_ERROR);
  assert_null(desc);
  /* Unknown codes are ignored. */
  s = otelc_span_start(f.tracer, "d", NULL);
  otelc_span_set_status(s, (otelc_status_code)7, "x");
  otelc_span_end(s);
  assert_int_equal(otelc_span_get_status(fixture_span(&f, 3), NULL),
                   OTELC_STATUS_UNSET);
  fixture_free(&f);
}

static void test_record_exception(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(otelc_span_record_exception(
                       s, "TimeoutError", "no answer", "at main.c:12",
                       OTELC_ATTRS(OTELC_STR("exception.message", "mine"),
                                   OTELC_INT("retry", 2))),
                   OTELC_OK);
  assert_int_equal(otelc_span_record_exception(s, NULL, "only message", NULL,
                                               NULL, 0),
                   OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_event_count(e), 2);
  const otelc_span_event *ev = otelc_span_get_event(e, 0);
  assert_string_equal(ev->name, "exception");
  assert_int_equal(ev->n_attrs, 4);
  assert_string_equal(ev->attrs[0].key, "exception.type");
  assert_string_equal(ev->attrs[0].value.u.str, "TimeoutError");
  /* The caller's attribute wins over the generated one. */
  assert_string_equal(ev->attrs[1].key, "exception.message");
  assert_string_equal(ev->attrs[1].value.u.str, "mine");
  assert_string_equal(ev->attrs[2].value.u.str, "at main.c:12");
  ev = otelc_span_get_event(e, 1);
  assert_int_equal(ev->n_attrs, 1);
  assert_string_equal(ev->attrs[0].key, "exception.message");
  /* Recording an exception does not change the status. */
  assert_int_equal(otelc_span_get_status(e, NULL), OTELC_STATUS_UNSET);
  fixture_free(&f);
}

static void test_rename(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "before", NULL);
  char name[] = "after";
  otelc_span_update_name(s, name);
  name[0] = 'X';
  otelc_span_update_name(s, NULL); /* ignored */
  otelc_span_end(s);
  assert_string_equal(otelc_span_get_name(fixture_span(&f, 0)), "after");
  fixture_free(&f);
}

static void test_after_end_calls_are_ignored(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  otelc_scope sc = otelc_span_activate(s); /* keeps the record alive */
  otelc_span_end(s);
  assert_false(otelc_span_is_recording(s));
  assert_int_equal(otelc_span_set_int(s, "late", 1), OTELC_ERR_STATE);
  assert_int_equal(otelc_span_add_event(s, "late", 0, NULL, 0),
                   OTELC_ERR_STATE);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "late");
  otelc_span_update_name(s, "late");
  uint64_t end = otelc_span_get_end_time(s);
  otelc_span_end(s); /* second end ignored */
  assert_int_equal(otelc_span_get_end_time(s), end);
  assert_int_equal(otelc_memory_exporter_count(f.mem), 1);
  otelc_context_detach(sc);
  otelc_span *e = fixture_span(&f, 0);
  assert_string_equal(otelc_span_get_name(e), "x");
  assert_int_equal(otelc_span_get_attr_count(e), 0);
  assert_int_equal(otelc_span_get_status(e, NULL), OTELC_STATUS_UNSET);
  fixture_free(&f);
}

static void test_null_handles_are_safe(void **state) {
  (void)state;
  otelc_span_end(NULL);
  otelc_span_set_status(NULL, OTELC_STATUS_ERROR, "x");
  otelc_span_update_name(NULL, "x");
  assert_int_equal(otelc_span_set_int(NULL, "k", 1), OTELC_ERR_INVALID_ARG);
  assert_false(otelc_span_is_recording(NULL));
  otelc_span_context sc = otelc_span_get_context(NULL);
  assert_false(otelc_span_context_is_valid(&sc));
  /* A NULL tracer gives the shared no-op span, never NULL. */
  otelc_span *s = otelc_span_start(NULL, "x", NULL);
  assert_non_null(s);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);
  otelc_tracer_provider_free(NULL);
  otelc_span_processor_free(NULL);
  otelc_span_exporter_free(NULL);
  otelc_sampler_free(NULL);
}

static void test_hex_helpers(void **state) {
  (void)state;
  uint8_t tid[16], sid[8];
  for (int i = 0; i < 16; i++)
    tid[i] = (uint8_t)(i * 17);
  for (int i = 0; i < 8; i++)
    sid[i] = (uint8_t)(0xf0 + i);
  char th[33], sh[17];
  otelc_trace_id_to_hex(tid, th);
  otelc_span_id_to_hex(sid, sh);
  assert_string_equal(th, "00112233445566778899aabbccddeeff");
  assert_string_equal(sh, "f0f1f2f3f4f5f6f7");
}

static void test_ids_are_distinct(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  enum { N = 2000 };
  static uint8_t seen[N][8];
  for (int i = 0; i < N; i++) {
    otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
    otelc_span_context sc = otelc_span_get_context(s);
    memcpy(seen[i], sc.span_id, 8);
    otelc_span_end(s);
  }
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      assert_memory_not_equal(seen[i], seen[j], 8);
  fixture_free(&f);
}

static uint64_t ctr;
static void fixed_trace_id(void *ud, uint8_t out[16]) {
  (void)ud;
  memset(out, 0, 16);
  out[15] = (uint8_t)++ctr;
}
static void fixed_span_id(void *ud, uint8_t out[8]) {
  (void)ud;
  memset(out, 0, 8);
  out[7] = (uint8_t)++ctr;
}

static void test_custom_id_generator(void **state) {
  (void)state;
  otelc_span_processor *proc;
  otelc_span_exporter *mem;
  otelc_memory_exporter_new(&mem);
  otelc_simple_span_processor_new(mem, &proc);
  otelc_id_generator gen = {fixed_trace_id, fixed_span_id, NULL, false};
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &proc,
                                  .n_processors = 1,
                                  .id_generator = &gen};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, NULL);
  otelc_span *s = otelc_span_start(t, "x", NULL);
  otelc_span_context sc = otelc_span_get_context(s);
  assert_int_equal(sc.trace_id[15], 1);
  assert_int_equal(sc.span_id[7], 2);
  /* Not declared random: no random flag. */
  assert_int_equal(sc.trace_flags, OTELC_TRACE_FLAG_SAMPLED);
  otelc_span_end(s);
  otelc_tracer_provider_free(tp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_fields_and_ids),
      cmocka_unit_test(test_default_kind_is_internal),
      cmocka_unit_test(test_explicit_times_and_monotonic_duration),
      cmocka_unit_test(test_attributes_every_type),
      cmocka_unit_test(test_attribute_overwrite_keeps_order_and_count),
      cmocka_unit_test(test_invalid_attribute_keys),
      cmocka_unit_test(test_many_attributes_beyond_inline),
      cmocka_unit_test(test_events_in_order_with_attributes),
      cmocka_unit_test(test_links),
      cmocka_unit_test(test_status_precedence),
      cmocka_unit_test(test_record_exception),
      cmocka_unit_test(test_rename),
      cmocka_unit_test(test_after_end_calls_are_ignored),
      cmocka_unit_test(test_null_handles_are_safe),
      cmocka_unit_test(test_hex_helpers),
      cmocka_unit_test(test_ids_are_distinct),
      cmocka_unit_test(test_custom_id_generator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
