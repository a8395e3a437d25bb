/* The propagation framework: baggage values and their place in contexts,
 * the key/value carrier, composite and custom propagators,
 * OTEL_PROPAGATORS and the global propagator. */
#include <stdlib.h>

#include "common/internal.h"
#include "test_helpers.h"
#include "trace_fixture.h"

/* ---------------------------------------------------------------- baggage */

static void test_baggage_set_get_remove(void **state) {
  (void)state;
  otelc_baggage *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  assert_int_equal(otelc_baggage_set(NULL, "user", "alice", NULL, &a),
                   OTELC_OK);
  assert_int_equal(otelc_baggage_set(a, "tier", "gold", "p=1", &b), OTELC_OK);
  assert_int_equal(otelc_baggage_set(b, "user", "bob", NULL, &c), OTELC_OK);
  /* a and b are unchanged: baggage is immutable. */
  assert_string_equal(otelc_baggage_get(a, "user"), "alice");
  assert_int_equal(otelc_baggage_count(a), 1);
  assert_int_equal(otelc_baggage_count(c), 2);
  const char *n, *v, *m;
  assert_true(otelc_baggage_entry(c, 0, &n, &v, &m));
  assert_string_equal(n, "user"); /* replaced in place */
  assert_string_equal(v, "bob");
  assert_null(m);
  assert_true(otelc_baggage_entry(c, 1, &n, &v, &m));
  assert_string_equal(m, "p=1");
  assert_false(otelc_baggage_entry(c, 2, &n, &v, &m));
  assert_int_equal(otelc_baggage_remove(c, "user", &d), OTELC_OK);
  assert_null(otelc_baggage_get(d, "user"));
  assert_string_equal(otelc_baggage_get(d, "tier"), "gold");
  /* Names are case-sensitive. */
  assert_null(otelc_baggage_get(d, "Tier"));
  otelc_baggage *e = NULL;
  assert_int_equal(otelc_baggage_remove(d, "tier", &e), OTELC_OK);
  assert_null(e); /* empty is NULL */
  assert_int_equal(otelc_baggage_set(NULL, "", "x", NULL, &e),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_baggage_set(NULL, "k", NULL, NULL, &e),
                   OTELC_ERR_INVALID_ARG);
  otelc_baggage_release(a);
  otelc_baggage_release(b);
  otelc_baggage_release(c);
  otelc_baggage_release(d);
  otelc_baggage_release(NULL);
}

static void test_baggage_entry_limit(void **state) {
  (void)state;
  otelc_baggage *b = NULL;
  char name[16];
  for (int i = 0; i < OTELC_BAGGAGE_MAX_ENTRIES; i++) {
    snprintf(name, sizeof name, "k%d", i);
    otelc_baggage *next = NULL;
    assert_int_equal(otelc_baggage_set(b, name, "v", NULL, &next), OTELC_OK);
    otelc_baggage_release(b);
    b = next;
  }
  otelc_baggage *over = NULL;
  assert_int_equal(otelc_baggage_set(b, "one-more", "v", NULL, &over),
                   OTELC_ERR_LIMIT);
  /* Replacing an existing name is still allowed at the limit. */
  assert_int_equal(otelc_baggage_set(b, "k0", "w", NULL, &over), OTELC_OK);
  otelc_baggage_release(over);
  otelc_baggage_release(b);
}

static void test_baggage_in_contexts(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_baggage *b = NULL;
  otelc_baggage_set(NULL, "user", "alice", NULL, &b);
  otelc_context *ctx = otelc_context_with_baggage(NULL, b);
  otelc_baggage_release(b); /* the context keeps its own reference */
  assert_null(otelc_baggage_current());
  otelc_scope sc = otelc_context_attach(ctx);
  assert_string_equal(otelc_baggage_get(otelc_baggage_current(), "user"),
                      "alice");
  /* Activating a span keeps the baggage of the context below it. */
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  otelc_scope ss = otelc_span_activate(s);
  assert_string_equal(otelc_baggage_get(otelc_baggage_current(), "user"),
                      "alice");
  /* Capturing the current context captures span and baggage together. */
  otelc_context *cur = otelc_context_current();
  assert_ptr_equal(otelc_context_span(cur), s);
  assert_string_equal(otelc_baggage_get(otelc_context_baggage(cur), "user"),
                      "alice");
  otelc_context_detach(ss);
  otelc_span_end(s);
  otelc_context_detach(sc);
  assert_null(otelc_baggage_current());
  /* A context derived with a span keeps its parent's baggage. */
  otelc_context *with_span = otelc_context_with_span(cur, NULL);
  assert_string_equal(
      otelc_baggage_get(otelc_context_baggage(with_span), "user"), "alice");
  /* Replacing the baggage keeps the span. */
  otelc_context *no_bg = otelc_context_with_baggage(cur, NULL);
  assert_null(otelc_context_baggage(no_bg));
  assert_ptr_equal(otelc_context_span(no_bg), otelc_context_span(cur));
  otelc_context_release(no_bg);
  otelc_context_release(with_span);
  otelc_context_release(cur);
  otelc_context_release(ctx);
  fixture_free(&f);
}

/* ------------------------------------------------------------ kv carrier */

static void test_kv_carrier(void **state) {
  (void)state;
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  const otelc_carrier *c = &kv.carrier;
  assert_null(c->get(c->self, "traceparent"));
  assert_int_equal(otelc_kv_carrier_add(&kv, "TraceState", "a=1"), OTELC_OK);
  assert_int_equal(otelc_kv_carrier_add(&kv, "tracestate", "b=2"), OTELC_OK);
  /* Case-insensitive, repeated keys joined in order. */
  assert_string_equal(c->get(c->self, "tracestate"), "a=1,b=2");
  /* set replaces every earlier value. */
  assert_int_equal(c->set(c->self, "tracestate", "c=3"), OTELC_OK);
  assert_string_equal(c->get(c->self, "TRACESTATE"), "c=3");
  assert_int_equal(kv.count, 1);
  assert_int_equal(otelc_kv_carrier_add(&kv, NULL, "x"),
                   OTELC_ERR_INVALID_ARG);
  otelc_kv_carrier_clear(&kv);
  assert_int_equal(kv.count, 0);
  /* Bounded: at most 1024 headers. */
  for (int i = 0; i < 1100; i++) {
    otelc_status st = otelc_kv_carrier_add(&kv, "k", "v");
    assert_int_equal(st, i < 1024 ? OTELC_OK : OTELC_ERR_LIMIT);
  }
  otelc_kv_carrier_clear(&kv);
  /* And at most 1 MiB in all. */
  char *big = malloc(600 * 1024);
  memset(big, 'x', 600 * 1024 - 1);
  big[600 * 1024 - 1] = 0;
  assert_int_equal(otelc_kv_carrier_add(&kv, "a", big), OTELC_OK);
  assert_int_equal(otelc_kv_carrier_add(&kv, "b", big), OTELC_ERR_LIMIT);
  free(big);
  otelc_kv_carrier_clear(&kv);
}

/* ---------------------------------------------------- custom propagators */

typedef struct custom {
  int injected, extracted, destroyed;
  bool saw_span;
} custom;

static otelc_status custom_inject(void *self, const otelc_context *ctx,
                                  const otelc_carrier *c) {
  custom *cu = self;
  cu->injected++;
  cu->saw_span = otelc_context_span_context(ctx, NULL);
  return c->set(c->self, "x-custom", "1");
}

static otelc_context *custom_extract(void *self, const otelc_context *base,
                                     const otelc_carrier *c) {
  custom *cu = self;
  cu->extracted++;
  if (!c->get(c->self, "x-custom-user"))
    return otelc_context_ref((otelc_context *)base);
  otelc_baggage *b = NULL;
  otelc_baggage_set(otelc_context_baggage(base), "custom.user",
                    c->get(c->self, "x-custom-user"), NULL, &b);
  otelc_context *out = otelc_context_with_baggage(base, b);
  otelc_baggage_release(b);
  return out;
}

static const char *const custom_fields_list[] = {"x-custom", NULL};
static const char *const *custom_fields(void *self) {
  (void)self;
  return custom_fields_list;
}

static void custom_destroy(void *self) { ((custom *)self)->destroyed++; }

static otelc_propagator *make_custom(custom *cu) {
  static const otelc_propagator_ops ops = {custom_inject, custom_extract,
                                           custom_fields, custom_destroy};
  otelc_propagator *p = NULL;
  assert_int_equal(otelc_propagator_new(&ops, cu, &p), OTELC_OK);
  return p;
}

static void test_composite_with_custom_member(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  custom cu = {0, 0, 0, false};
  otelc_propagator *members[] = {otelc_propagator_tracecontext(),
                                 make_custom(&cu),
                                 otelc_propagator_baggage()};
  otelc_propagator *p = otelc_propagator_composite(members, 3);
  assert_non_null(p);
  /* Fields: the union, each once. */
  const char *const *fl = otelc_propagator_fields(p);
  size_t nf = 0;
  bool has_custom = false;
  for (; fl[nf]; nf++)
    has_custom |= strcmp(fl[nf], "x-custom") == 0;
  assert_int_equal(nf, 4);
  assert_true(has_custom);

  otelc_span *s = otelc_span_start(f.tracer, "client", NULL);
  otelc_scope sc = otelc_span_activate(s);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, NULL, &kv.carrier), OTELC_OK);
  otelc_context_detach(sc);
  assert_int_equal(cu.injected, 1);
  assert_true(cu.saw_span); /* the custom member got the current context */
  assert_non_null(kv.carrier.get(kv.carrier.self, "traceparent"));
  assert_string_equal(kv.carrier.get(kv.carrier.self, "x-custom"), "1");

  /* Extract: the tracecontext result flows into the custom member, whose
   * result flows into the baggage member. */
  otelc_kv_carrier_add(&kv, "x-custom-user", "carol");
  otelc_kv_carrier_add(&kv, "baggage", "tier=gold");
  otelc_context *ctx = otelc_propagator_extract(p, NULL, &kv.carrier);
  assert_non_null(ctx);
  otelc_span_context got;
  assert_true(otelc_context_span_context(ctx, &got));
  assert_true(got.is_remote);
  assert_memory_equal(got.span_id, otelc_span_get_context(s).span_id, 8);
  const otelc_baggage *bg = otelc_context_baggage(ctx);
  assert_string_equal(otelc_baggage_get(bg, "tier"), "gold");
  otelc_context_release(ctx);
  otelc_span_end(s);
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);
  assert_int_equal(cu.destroyed, 1);
  fixture_free(&f);
}

static void test_extract_without_anything_returns_base(void **state) {
  (void)state;
  otelc_propagator *p = otelc_propagator_from_env();
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  otelc_kv_carrier_add(&kv, "unrelated", "1");
  assert_null(otelc_propagator_extract(p, NULL, &kv.carrier));
  otelc_baggage *b = NULL;
  otelc_baggage_set(NULL, "k", "v", NULL, &b);
  otelc_context *base = otelc_context_with_baggage(NULL, b);
  otelc_context *out = otelc_propagator_extract(p, base, &kv.carrier);
  assert_ptr_equal(out, base);
  otelc_context_release(out);
  otelc_context_release(base);
  otelc_baggage_release(b);
  /* Empty context: inject writes nothing. */
  assert_int_equal(otelc_propagator_inject(p, NULL, &kv.carrier), OTELC_OK);
  assert_int_equal(kv.count, 1);
  assert_int_equal(otelc_propagator_inject(NULL, NULL, &kv.carrier),
                   OTELC_ERR_INVALID_ARG);
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);
}

/* ------------------------------------------------------------ from env */

static size_t count_fields(const otelc_propagator *p) {
  size_t n = 0;
  for (const char *const *f = otelc_propagator_fields(p); *f; f++)
    n++;
  return n;
}

static void test_otel_propagators(void **state) {
  (void)state;
  unsetenv("OTEL_PROPAGATORS");
  otelc_propagator *p = otelc_propagator_from_env();
  assert_int_equal(count_fields(p), 3); /* traceparent, tracestate, baggage */
  otelc_propagator_free(p);

  setenv("OTEL_PROPAGATORS", "b3multi, TraceContext ,b3multi", 1);
  p = otelc_propagator_from_env();
  assert_int_equal(count_fields(p), 6); /* 4 x-b3-* + 2, once each */
  otelc_propagator_free(p);

  setenv("OTEL_PROPAGATORS", "none", 1);
  p = otelc_propagator_from_env();
  assert_non_null(p);
  assert_int_equal(count_fields(p), 0);
  otelc_propagator_free(p);

  test_diag_capture();
  setenv("OTEL_PROPAGATORS", "xray,b3", 1);
  p = otelc_propagator_from_env();
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "xray"));
  assert_int_equal(count_fields(p), 1); /* b3 */
  test_diag_release();
  otelc_propagator_free(p);
  unsetenv("OTEL_PROPAGATORS");
}

static void test_global_propagator(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_propagator *def = otelc_propagator_global();
  assert_non_null(def);
  assert_ptr_equal(otelc_propagator_global(), def);
  otelc_propagator *b3 = otelc_propagator_b3();
  otelc_propagator_set_global(b3);
  assert_ptr_equal(otelc_propagator_global(), b3);

  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  otelc_scope sc = otelc_span_activate(s);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_inject(&kv.carrier), OTELC_OK);
  assert_non_null(kv.carrier.get(kv.carrier.self, "b3"));
  assert_null(kv.carrier.get(kv.carrier.self, "traceparent"));
  otelc_context_detach(sc);
  otelc_context *ctx = otelc_extract(&kv.carrier);
  otelc_span_context got;
  assert_true(otelc_context_span_context(ctx, &got));
  assert_memory_equal(got.trace_id, otelc_span_get_context(s).trace_id, 16);
  otelc_context_release(ctx);
  otelc_span_end(s);
  otelc_propagator_set_global(NULL);
  assert_ptr_equal(otelc_propagator_global(), def);
  otelc_propagator_free(b3);
  otelc_kv_carrier_clear(&kv);
  fixture_free(&f);
}

static void test_allocation_failures(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  for (long k = 0; k < 60; k++) {
    otelc__alloc_fail_after(k);
    otelc_propagator *p = otelc_propagator_from_env();
    otelc_baggage *b = NULL;
    otelc_baggage_set(NULL, "k", "v w", "m", &b);
    otelc_context *ctx = otelc_context_with_baggage(NULL, b);
    otelc_context *with = otelc_context_with_span(ctx, s);
    otelc_kv_carrier kv;
    otelc_kv_carrier_init(&kv);
    otelc_propagator_inject(p, with, &kv.carrier);
    otelc_context *back = otelc_propagator_extract(p, NULL, &kv.carrier);
    otelc__alloc_fail_after(-1);
    otelc_context_release(back);
    otelc_kv_carrier_clear(&kv);
    otelc_context_release(with);
    otelc_context_release(ctx);
    otelc_baggage_release(b);
    otelc_propagator_free(p);
  }
  otelc_span_end(s);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_baggage_set_get_remove),
      cmocka_unit_test(test_baggage_entry_limit),
      cmocka_unit_test(test_baggage_in_contexts),
      cmocka_unit_test(test_kv_carrier),
      cmocka_unit_test(test_composite_with_custom_member),
      cmocka_unit_test(test_extract_without_anything_returns_base),
      cmocka_unit_test(test_otel_propagators),
      cmocka_unit_test(test_global_propagator),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
