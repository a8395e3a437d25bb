/*
 * OTELC_WITH_SPAN: the span ends and what was current before becomes
 * current again on every way out of the block: its end, break, continue,
 * return, goto; nested; inside a loop (where break and continue leave
 * the block, not the loop); and the form with start options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "otelc/setup.h"
#include "trace_fixture.h"

static fixture fx;

static int setup_each(void **state) {
  (void)state;
  fixture_init(&fx, NULL, NULL);
  return 0;
}

static int teardown_each(void **state) {
  (void)state;
  fixture_free(&fx);
  return 0;
}

/* Exported span @p i is named @p name, has ended, and its parent is
 * @p parent (NULL: a root). */
static void expect_ended(size_t i, const char *name, otelc_span *parent) {
  otelc_span *s = fixture_span(&fx, i);
  assert_string_equal(otelc_span_get_name(s), name);
  assert_true(otelc_span_get_end_time(s) >= otelc_span_get_start_time(s));
  assert_true(otelc_span_get_end_time(s) > 0);
  otelc_span_context pc;
  if (!parent) {
    assert_false(otelc_span_get_parent(s, &pc));
    return;
  }
  assert_true(otelc_span_get_parent(s, &pc));
  otelc_span_context want = otelc_span_get_context(parent);
  assert_memory_equal(pc.span_id, want.span_id, 8);
}

static void test_normal_end(void **state) {
  (void)state;
  otelc_span *seen = NULL;
  OTELC_WITH_SPAN(fx.tracer, "block", span) {
    seen = span;
    assert_ptr_equal(otelc_span_current(), span);
    assert_true(otelc_span_is_recording(span));
    assert_int_equal(otelc_memory_exporter_count(fx.mem), 0);
  }
  assert_non_null(seen);
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
  expect_ended(0, "block", NULL);
}

/* What was current before (a span activated the plain way) is current
 * again after the block, and is the block span's parent. */
static void test_restores_previous_span(void **state) {
  (void)state;
  otelc_span *outer = otelc_span_start(fx.tracer, "outer", NULL);
  otelc_scope sc = otelc_span_activate(outer);
  OTELC_WITH_SPAN(fx.tracer, "inner", span) {
    assert_ptr_equal(otelc_span_current(), span);
  }
  assert_ptr_equal(otelc_span_current(), outer);
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
  expect_ended(0, "inner", outer);
  otelc_context_detach(sc);
  otelc_span_end(outer);
  assert_null(otelc_span_current());
}

static void test_break(void **state) {
  (void)state;
  bool after_break = false;
  OTELC_WITH_SPAN(fx.tracer, "broken", span) {
    (void)span;
    if (otelc_memory_exporter_count(fx.mem) == 0)
      break;
    after_break = true;
  }
  assert_false(after_break);
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
  expect_ended(0, "broken", NULL);
}

static void test_continue(void **state) {
  (void)state;
  int runs = 0;
  bool after_continue = false;
  OTELC_WITH_SPAN(fx.tracer, "continued", span) {
    (void)span;
    runs++;
    if (runs > 0)
      continue;
    after_continue = true;
  }
  assert_int_equal(runs, 1); /* the block is not run again */
  assert_false(after_continue);
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
  expect_ended(0, "continued", NULL);
}

static int returns_from_inside(int v) {
  OTELC_WITH_SPAN(fx.tracer, "returned", span) {
    otelc_span_set_int(span, "v", v);
    if (v > 0)
      return v * 2;
  }
  return -1;
}

static void test_return(void **state) {
  (void)state;
  assert_int_equal(returns_from_inside(21), 42);
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
  expect_ended(0, "returned", NULL);
}

static void test_goto(void **state) {
  (void)state;
  bool after_goto = false;
  OTELC_WITH_SPAN(fx.tracer, "jumped", span) {
    (void)span;
    if (otelc_memory_exporter_count(fx.mem) == 0)
      goto out;
    after_goto = true;
  }
out:
  assert_false(after_goto);
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
  expect_ended(0, "jumped", NULL);
}

/* Nested blocks: the inner span is the child of the outer one; leaving
 * the inner one (here by break) makes the outer current again; a return
 * from the inner one ends both, inner first. */
static int nested_return(void) {
  OTELC_WITH_SPAN(fx.tracer, "n.outer", outer) {
    (void)outer;
    OTELC_WITH_SPAN(fx.tracer, "n.inner", inner) {
      (void)inner;
      return 7;
    }
  }
  return 0;
}

static void test_nested(void **state) {
  (void)state;
  OTELC_WITH_SPAN(fx.tracer, "outer", outer) {
    OTELC_WITH_SPAN(fx.tracer, "inner", inner) {
      assert_ptr_equal(otelc_span_current(), inner);
      break;
    }
    assert_ptr_equal(otelc_span_current(), outer);
    assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
    expect_ended(0, "inner", outer);
  }
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 2);
  expect_ended(1, "outer", NULL);

  otelc_memory_exporter_clear(fx.mem);
  assert_int_equal(nested_return(), 7);
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 2);
  otelc_span *in = fixture_span(&fx, 0), *out = fixture_span(&fx, 1);
  assert_string_equal(otelc_span_get_name(in), "n.inner");
  assert_string_equal(otelc_span_get_name(out), "n.outer");
  otelc_span_context pc;
  assert_true(otelc_span_get_parent(in, &pc));
  assert_memory_equal(pc.span_id, otelc_span_get_context(out).span_id, 8);
}

/* In a loop, break and continue leave the block (ending its span) and
 * the loop goes on: every iteration makes and ends one span. */
static void test_inside_a_loop(void **state) {
  (void)state;
  int iterations = 0;
  for (int i = 0; i < 4; i++) {
    iterations++;
    OTELC_WITH_SPAN(fx.tracer, "iteration", span) {
      otelc_span_set_int(span, "i", i);
      if (i == 1)
        break;
      if (i == 2)
        continue;
      assert_ptr_equal(otelc_span_current(), span);
    }
    assert_null(otelc_span_current());
  }
  assert_int_equal(iterations, 4);
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 4);
  for (size_t i = 0; i < 4; i++) {
    expect_ended(i, "iteration", NULL);
    const otelc_value *v = otelc_span_find_attr(fixture_span(&fx, i), "i");
    assert_non_null(v);
    assert_int_equal(v->u.i, (int64_t)i);
  }
}

/* A loop inside the block: its break is the loop's, not the block's. */
static void test_loop_inside_the_block(void **state) {
  (void)state;
  int n = 0;
  OTELC_WITH_SPAN(fx.tracer, "around.loop", span) {
    (void)span;
    for (;;) {
      if (++n == 3)
        break;
    }
    assert_int_equal(n, 3);
    assert_int_equal(otelc_memory_exporter_count(fx.mem), 0);
  }
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
}

/* Start options reach the span: its kind, and root (no parent although
 * a span is current); the current span is restored as with the plain
 * form. */
static void test_with_options(void **state) {
  (void)state;
  OTELC_WITH_SPAN(fx.tracer, "server", server) {
    OTELC_WITH_SPAN_OPTS(
        fx.tracer, "client",
        &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_CLIENT}, client) {
      assert_ptr_equal(otelc_span_current(), client);
    }
    assert_ptr_equal(otelc_span_current(), server);
    expect_ended(0, "client", server);
    assert_int_equal(otelc_span_get_kind(fixture_span(&fx, 0)),
                     OTELC_SPAN_KIND_CLIENT);
    static const otelc_span_start_opts root = {.root = true};
    OTELC_WITH_SPAN_OPTS(fx.tracer, "detached", &root, other) {
      assert_ptr_equal(otelc_span_current(), other);
      break;
    }
    assert_ptr_equal(otelc_span_current(), server);
    expect_ended(1, "detached", NULL);
  }
  OTELC_WITH_SPAN_OPTS(fx.tracer, "no.opts", NULL, plain) {
    (void)plain;
  }
  assert_null(otelc_span_current());
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 4);
  expect_ended(3, "no.opts", NULL);
  assert_int_equal(otelc_span_get_kind(fixture_span(&fx, 3)),
                   OTELC_SPAN_KIND_INTERNAL);
}

/* Without a provider the block still runs, with a no-op span. */
static void test_noop_tracer(void **state) {
  (void)state;
  bool ran = false;
  OTELC_WITH_SPAN(otelc_tracer_get("nothing.installed", NULL), "noop", span) {
    assert_false(otelc_span_is_recording(span));
    ran = true;
  }
  assert_true(ran);
  assert_null(otelc_span_current());
  /* The guard functions tolerate a NULL guard and a repeated end. */
  otelc_span_guard_end(NULL);
  otelc_span_guard g = otelc_span_guard_begin(fx.tracer, "manual");
  otelc_span_guard_end(&g);
  otelc_span_guard_end(&g);
  assert_int_equal(otelc_memory_exporter_count(fx.mem), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_normal_end, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_restores_previous_span, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_break, setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_continue, setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_return, setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_goto, setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_nested, setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_inside_a_loop, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_loop_inside_the_block, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_with_options, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_noop_tracer, setup_each,
                                      teardown_each),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
