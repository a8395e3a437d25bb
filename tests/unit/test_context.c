/* The current span of a thread, scoped activation, and contexts handed to
 * other threads. */
#include <pthread.h>
#include <string.h>

#include "test_helpers.h"
#include "trace_fixture.h"

static void test_nothing_current_initially(void **state) {
  (void)state;
  assert_null(otelc_span_current());
  assert_false(otelc_current_span_context(NULL));
  assert_null(otelc_context_current());
}

static void test_activate_restores_previous(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_scope sa = otelc_span_activate(a);
  assert_ptr_equal(otelc_span_current(), a);
  otelc_span *b = otelc_span_start(f.tracer, "b", NULL);
  otelc_scope sb = otelc_span_activate(b);
  assert_ptr_equal(otelc_span_current(), b);
  assert_int_equal(otelc_context_detach(sb), OTELC_OK);
  assert_ptr_equal(otelc_span_current(), a);
  assert_int_equal(otelc_context_detach(sa), OTELC_OK);
  assert_null(otelc_span_current());
  otelc_span_end(b);
  otelc_span_end(a);
  fixture_free(&f);
}

static void test_children_follow_current(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *root = otelc_span_start(f.tracer, "root", NULL);
  otelc_scope sr = otelc_span_activate(root);
  otelc_span *child = otelc_span_start(f.tracer, "child", NULL);
  otelc_scope sc = otelc_span_activate(child);
  otelc_span *grandchild = otelc_span_start(f.tracer, "grandchild", NULL);
  otelc_span_end(grandchild);
  otelc_context_detach(sc);
  otelc_span_end(child);
  /* Explicit root ignores the current span. */
  otelc_span_start_opts ro = {.root = true};
  otelc_span *other = otelc_span_start(f.tracer, "other-root", &ro);
  otelc_span_end(other);
  otelc_context_detach(sr);
  otelc_span_end(root);

  otelc_span_context rc = otelc_span_get_context(fixture_span(&f, 3));
  otelc_span_context cc = otelc_span_get_context(fixture_span(&f, 1));
  otelc_span_context p;
  assert_true(otelc_span_get_parent(fixture_span(&f, 0), &p)); /* grand */
  assert_memory_equal(p.span_id, cc.span_id, 8);
  assert_memory_equal(otelc_span_get_context(fixture_span(&f, 0)).trace_id,
                      rc.trace_id, 16);
  assert_false(p.is_remote);
  assert_true(otelc_span_get_parent(fixture_span(&f, 1), &p));
  assert_memory_equal(p.span_id, rc.span_id, 8);
  assert_false(otelc_span_get_parent(fixture_span(&f, 2), NULL));
  assert_memory_not_equal(
      otelc_span_get_context(fixture_span(&f, 2)).trace_id, rc.trace_id, 16);
  fixture_free(&f);
}

static void test_out_of_order_detach(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  test_diag_capture();
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_span *b = otelc_span_start(f.tracer, "b", NULL);
  otelc_scope sa = otelc_span_activate(a);
  otelc_scope sb = otelc_span_activate(b);
  /* Detaching the outer scope undoes the inner one too, with an error. */
  assert_int_equal(otelc_context_detach(sa), OTELC_ERR_STATE);
  assert_int_equal(test_diag_seen.count, 1);
  assert_null(otelc_span_current());
  /* The inner scope is gone: detaching it again is reported. */
  assert_int_equal(otelc_context_detach(sb), OTELC_ERR_STATE);
  assert_int_equal(test_diag_seen.count, 2);
  /* A forged scope is rejected. */
  otelc_scope bogus = {1, 12345};
  assert_int_equal(otelc_context_detach(bogus), OTELC_ERR_STATE);
  test_diag_release();
  otelc_span_end(a);
  otelc_span_end(b);
  fixture_free(&f);
}

static void test_ended_span_stays_readable_while_current(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_scope sa = otelc_span_activate(a);
  otelc_span_context ac = otelc_span_get_context(a);
  otelc_span_end(a);
  otelc_memory_exporter_clear(f.mem); /* drop the exporter's reference */
  /* Still current: children still get it as their parent. */
  otelc_span *b = otelc_span_start(f.tracer, "b", NULL);
  otelc_span_end(b);
  otelc_span_context p;
  assert_true(otelc_span_get_parent(fixture_span(&f, 0), &p));
  assert_memory_equal(p.span_id, ac.span_id, 8);
  otelc_context_detach(sa);
  fixture_free(&f);
}

typedef struct handoff {
  otelc_context *ctx;
  otelc_tracer *tracer;
  otelc_span_context seen_parent;
  bool had_current_before;
} handoff;

static void *worker(void *arg) {
  handoff *h = arg;
  h->had_current_before = otelc_span_current() != NULL;
  otelc_scope sc = otelc_context_attach(h->ctx);
  otelc_span *s = otelc_span_start(h->tracer, "in-thread", NULL);
  otelc_span_end(s);
  otelc_current_span_context(&h->seen_parent);
  otelc_context_detach(sc);
  return NULL;
}

static void test_context_handed_to_another_thread(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *root = otelc_span_start(f.tracer, "root", NULL);
  otelc_scope sr = otelc_span_activate(root);
  handoff h = {otelc_context_current(), f.tracer, {{0}, {0}, 0, false}, false};
  assert_non_null(h.ctx);
  assert_ptr_equal(otelc_context_span(h.ctx), root);
  otelc_context_detach(sr);
  otelc_span_end(root); /* the captured context keeps it readable */
  pthread_t t;
  pthread_create(&t, NULL, worker, &h);
  pthread_join(t, NULL);
  otelc_context_release(h.ctx);
  assert_false(h.had_current_before);
  otelc_span_context rc = otelc_span_get_context(fixture_span(&f, 0));
  assert_memory_equal(h.seen_parent.span_id, rc.span_id, 8);
  otelc_span_context p;
  assert_true(otelc_span_get_parent(fixture_span(&f, 1), &p));
  assert_memory_equal(p.span_id, rc.span_id, 8);
  fixture_free(&f);
}

static void test_explicit_parent_context(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_context *ctx = otelc_context_with_span(NULL, a);
  otelc_span *other = otelc_span_start(f.tracer, "current", NULL);
  otelc_scope so = otelc_span_activate(other);
  /* opts.parent beats the current span. */
  otelc_span_start_opts o = {.parent = ctx};
  otelc_span *b = otelc_span_start(f.tracer, "b", &o);
  otelc_span_context p;
  otelc_span_end(b);
  assert_true(otelc_span_get_parent(fixture_span(&f, 0), &p));
  assert_memory_equal(p.span_id, otelc_span_get_context(a).span_id, 8);
  otelc_context_detach(so);
  otelc_span_end(other);
  otelc_span_end(a);
  otelc_context_release(ctx);
  fixture_free(&f);
}

static void test_remote_parent(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_context remote = {{0}, {0}, 0x03, false};
  remote.trace_id[0] = 0x4b;
  remote.span_id[7] = 0x42;
  otelc_context *ctx = otelc_context_with_remote(NULL, &remote, "v=1");
  assert_non_null(ctx);
  assert_null(otelc_context_span(ctx));
  assert_string_equal(otelc_context_tracestate(ctx), "v=1");
  otelc_span_context got;
  assert_true(otelc_context_span_context(ctx, &got));
  assert_true(got.is_remote);
  otelc_scope sc = otelc_context_attach(ctx);
  assert_null(otelc_span_current()); /* remote contexts are not spans */
  assert_true(otelc_current_span_context(&got));
  otelc_span *s = otelc_span_start(f.tracer, "server", NULL);
  otelc_span_end(s);
  otelc_context_detach(sc);
  otelc_context_release(ctx);
  otelc_span *e = fixture_span(&f, 0);
  otelc_span_context p;
  assert_true(otelc_span_get_parent(e, &p));
  assert_true(p.is_remote);
  assert_memory_equal(p.span_id, remote.span_id, 8);
  assert_memory_equal(otelc_span_get_context(e).trace_id, remote.trace_id,
                      16);
  /* The child inherits the tracestate and the random flag. */
  assert_string_equal(otelc_span_get_tracestate(e), "v=1");
  assert_int_equal(otelc_span_get_context(e).trace_flags, 0x03);
  /* Invalid ids give no context. */
  otelc_span_context zero = {{0}, {0}, 1, true};
  assert_null(otelc_context_with_remote(NULL, &zero, NULL));
  fixture_free(&f);
}

static void test_empty_context_hides_current(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_scope sa = otelc_span_activate(a);
  otelc_scope se = otelc_context_attach(NULL);
  assert_null(otelc_span_current());
  otelc_context_detach(se);
  assert_ptr_equal(otelc_span_current(), a);
  otelc_context_detach(sa);
  otelc_span_end(a);
  fixture_free(&f);
}

static void test_stack_overflow_is_bounded(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  test_diag_capture();
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_scope scopes[300];
  for (int i = 0; i < 300; i++)
    scopes[i] = otelc_span_activate(a);
  assert_true(test_diag_seen.count >= 1);
  for (int i = 299; i >= 0; i--)
    otelc_context_detach(scopes[i]);
  assert_null(otelc_span_current());
  test_diag_release();
  otelc_span_end(a);
  fixture_free(&f);
}

static void test_noop_span_is_transparent(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *a = otelc_span_start(f.tracer, "a", NULL);
  otelc_scope sa = otelc_span_activate(a);
  /* A span from a NULL tracer records nothing and hides nothing. */
  otelc_span *noop = otelc_span_start(NULL, "noop", NULL);
  otelc_scope sn = otelc_span_activate(noop);
  otelc_span_context cur;
  assert_true(otelc_current_span_context(&cur));
  assert_memory_equal(cur.span_id, otelc_span_get_context(a).span_id, 8);
  otelc_context_detach(sn);
  otelc_span_end(noop);
  otelc_context_detach(sa);
  otelc_span_end(a);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nothing_current_initially),
      cmocka_unit_test(test_activate_restores_previous),
      cmocka_unit_test(test_children_follow_current),
      cmocka_unit_test(test_out_of_order_detach),
      cmocka_unit_test(test_ended_span_stays_readable_while_current),
      cmocka_unit_test(test_context_handed_to_another_thread),
      cmocka_unit_test(test_explicit_parent_context),
      cmocka_unit_test(test_remote_parent),
      cmocka_unit_test(test_empty_context_hides_current),
      cmocka_unit_test(test_stack_overflow_is_bounded),
      cmocka_unit_test(test_noop_span_is_transparent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
