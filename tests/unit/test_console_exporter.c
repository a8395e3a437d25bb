/* The console exporter: span lines, trace trees, value formatting and
 * escaping, options, incomplete traces, the bound on held spans, write
 * errors and concurrent flushes. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/internal.h"
#include "otelc/exporters.h"
#include "otelc/sampler.h"
#include "otelc/span_processor.h"
#include "otelc/trace.h"
#include "test_helpers.h"

#define T0 1700000000000000000ull /* an arbitrary start time, ns */
#define MS 1000000ull

/* ------------------------------------------------------------- fixture -- */

/* Deterministic ids: trace ids 1111...1100000001 and on, span ids
 * 0000000000000001 and on, in the order they are asked for. */
static _Atomic unsigned next_trace, next_span;
static bool same_span_ids; /* every span gets id 0000000000000007 */

static void gen_trace_id(void *user_data, uint8_t out[16]) {
  (void)user_data;
  unsigned n = ++next_trace;
  memset(out, 0x11, 12);
  for (int i = 0; i < 4; i++)
    out[12 + i] = (uint8_t)(n >> (24 - 8 * i));
}

static void gen_span_id(void *user_data, uint8_t out[8]) {
  (void)user_data;
  unsigned n = same_span_ids ? 7 : ++next_span;
  memset(out, 0, 8);
  out[6] = (uint8_t)(n >> 8);
  out[7] = (uint8_t)n;
}

typedef struct fixture {
  char *text; /* what the exporter wrote (open_memstream) */
  size_t len;
  size_t mark; /* fixture_text starts here */
  FILE *out;
  otelc_span_exporter *exporter;   /* borrowed from the processor */
  otelc_span_processor *processor; /* borrowed from the provider */
  otelc_tracer_provider *tp;
  otelc_tracer *tracer;
} fixture;

typedef struct fixture_opts {
  bool no_lines, no_tree, batch;
  FILE *out; /* NULL: a memory stream */
  const otelc_span_limits *limits;
} fixture_opts;

static void fixture_init(fixture *f, const fixture_opts *fo) {
  static const fixture_opts none;
  if (!fo)
    fo = &none;
  memset(f, 0, sizeof *f);
  next_trace = next_span = 0;
  f->out = fo->out ? fo->out : open_memstream(&f->text, &f->len);
  assert_non_null(f->out);
  otelc_console_opts co = {
      .out = f->out, .no_lines = fo->no_lines, .no_tree = fo->no_tree};
  assert_int_equal(otelc_console_exporter_new(&co, &f->exporter), OTELC_OK);
  if (fo->batch)
    assert_int_equal(
        otelc_batch_span_processor_new(f->exporter, NULL, &f->processor),
        OTELC_OK);
  else
    assert_int_equal(
        otelc_simple_span_processor_new(f->exporter, &f->processor), OTELC_OK);

  otelc_resource *res = NULL;
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("service.name", "svc")), NULL,
                         &res),
      OTELC_OK);
  otelc_id_generator ids = {gen_trace_id, gen_span_id, NULL, false};
  otelc_tracer_provider_opts o = {.resource = res,
                                  .sampler = otelc_sampler_always_on(),
                                  .limits = fo->limits,
                                  .processors = &f->processor,
                                  .n_processors = 1,
                                  .id_generator = &ids};
  assert_int_equal(otelc_tracer_provider_new(&o, &f->tp), OTELC_OK);
  otelc_resource_release(res);
  f->tracer = otelc_tracer_provider_get_tracer(
      f->tp, &(otelc_scope_info){.name = "test"});
}

/* What was written since the last fixture_reset (a copy to free). */
static char *fixture_text(fixture *f) {
  fflush(f->out);
  if (!f->text)
    return strdup("");
  return strndup(f->text + f->mark, f->len - f->mark);
}

/* Forget what was written so far. */
static void fixture_reset(fixture *f) {
  fflush(f->out);
  f->mark = f->len;
}

static void fixture_free(fixture *f) {
  otelc_tracer_provider_shutdown(f->tp, 5000);
  otelc_tracer_provider_free(f->tp);
  fclose(f->out);
  free(f->text);
}

static otelc_span *start_at(fixture *f, const char *name, otelc_span_kind k,
                            otelc_span *parent, uint64_t start_ms) {
  otelc_context *ctx = parent ? otelc_context_with_span(NULL, parent) : NULL;
  otelc_span_start_opts o = {.kind = k,
                             .parent = ctx,
                             .root = parent == NULL,
                             .start_time = T0 + start_ms * MS};
  otelc_span *s = otelc_span_start(f->tracer, name, &o);
  otelc_context_release(ctx);
  return s;
}

static void end_at(otelc_span *s, uint64_t end_ms) {
  otelc_span_end_at(s, T0 + end_ms * MS);
}

/* Number of (non-overlapping) occurrences of @p needle in @p hay. */
static size_t count(const char *hay, const char *needle) {
  size_t n = 0, len = strlen(needle);
  for (const char *p = hay; (p = strstr(p, needle)); p += len)
    n++;
  return n;
}

static void assert_contains(const char *hay, const char *needle) {
  if (!strstr(hay, needle))
    fail_msg("missing:\n%s\nin:\n%s", needle, hay);
}

/* ---------------------------------------------------------------- tests -- */

static void test_invalid_args(void **state) {
  (void)state;
  otelc_console_opts o = {0};
  assert_int_equal(otelc_console_exporter_new(NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_console_exporter_new(&o, NULL), OTELC_ERR_INVALID_ARG);
  otelc_span_exporter *e = NULL;
  assert_int_equal(otelc_console_exporter_new(NULL, &e), OTELC_OK);
  assert_non_null(e);
  otelc_span_exporter_free(e);
  otelc_span_exporter_free(NULL);
}

/* root -> child -> two grandchildren, one failing with an exception; the
 * grandchildren end out of start order. */
static void test_lines_and_tree(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  otelc_span *root =
      start_at(&f, "agent.task", OTELC_SPAN_KIND_SERVER, NULL, 0);
  otelc_span_set_str(root, "gen_ai.agent.name", "planner");
  otelc_span *child = start_at(&f, "rag.query", 0, root, 1);
  otelc_span *retrieve =
      start_at(&f, "rag.retrieve", OTELC_SPAN_KIND_CLIENT, child, 2);
  otelc_span_set_int(retrieve, "rag.top_k", 5);
  otelc_span *llm =
      start_at(&f, "llm.generate", OTELC_SPAN_KIND_CLIENT, child, 12);
  otelc_span_set_str(llm, "gen_ai.request.model", "gpt-4o");
  otelc_span_add_event(
      llm, "exception", T0 + 30 * MS,
      OTELC_ATTRS(OTELC_STR("exception.type", "TimeoutError"),
                  OTELC_STR("exception.message", "no answer")));
  otelc_span_set_status(llm, OTELC_STATUS_ERROR, "upstream timeout");
  end_at(llm, 32);
  end_at(retrieve, 12);
  end_at(child, 33);

  /* Nothing but lines until the root ends. */
  char *text = fixture_text(&f);
  assert_string_equal(
      text, "span llm.generate trace=11111111111111111111111100000001 "
            "span=0000000000000004 parent=0000000000000002 kind=client "
            "dur=20.000ms status=ERROR(\"upstream timeout\") attrs: "
            "gen_ai.request.model=\"gpt-4o\" events=1 links=0\n"
            "span rag.retrieve trace=11111111111111111111111100000001 "
            "span=0000000000000003 parent=0000000000000002 kind=client "
            "dur=10.000ms status=UNSET attrs: rag.top_k=5 events=0 links=0\n"
            "span rag.query trace=11111111111111111111111100000001 "
            "span=0000000000000002 parent=0000000000000001 kind=internal "
            "dur=32.000ms status=UNSET events=0 links=0\n");
  free(text);
  fixture_reset(&f);

  otelc_span_set_status(root, OTELC_STATUS_OK, NULL);
  end_at(root, 41);
  text = fixture_text(&f);
  assert_string_equal(
      text,
      "span agent.task trace=11111111111111111111111100000001 "
      "span=0000000000000001 parent=- kind=server dur=41.000ms status=OK "
      "attrs: gen_ai.agent.name=\"planner\" events=0 links=0\n"
      "trace 11111111111111111111111100000001 (service svc)\n"
      "└─ agent.task  [server]  41.0 ms  gen_ai.agent.name=\"planner\"\n"
      "   └─ rag.query  [internal]  32.0 ms\n"
      "      ├─ rag.retrieve  [client]  10.0 ms  rag.top_k=5\n"
      "      └─ llm.generate  [client]  20.0 ms  ERROR: upstream timeout  "
      "gen_ai.request.model=\"gpt-4o\"\n"
      "         • exception  +18.0 ms  exception.type=\"TimeoutError\" "
      "exception.message=\"no answer\"\n");
  free(text);

  /* The tree was printed once: flushing prints nothing more. */
  fixture_reset(&f);
  assert_int_equal(otelc_tracer_provider_force_flush(f.tp, 1000), OTELC_OK);
  text = fixture_text(&f);
  assert_string_equal(text, "");
  free(text);
  fixture_free(&f);
}

/* Siblings with children of their own, events next to children, links. */
static void test_tree_guides(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  otelc_span *a = start_at(&f, "a", 0, root, 1);
  otelc_span *a1 = start_at(&f, "a1", 0, a, 2);
  otelc_span *a2 = start_at(&f, "a2", 0, a, 3);
  otelc_span *b = start_at(&f, "b", OTELC_SPAN_KIND_PRODUCER, root, 5);
  otelc_span *b1 = start_at(&f, "b1", OTELC_SPAN_KIND_CONSUMER, b, 6);
  otelc_span_add_event(a, "checkpoint", T0 + 1 * MS + 500, NULL, 0);
  otelc_span_context lc = otelc_span_get_context(a1);
  otelc_span_add_link(b, &(otelc_link){.context = lc});
  end_at(a2, 4);
  end_at(a1, 4);
  end_at(a, 4);
  end_at(b1, 7);
  end_at(b, 8);
  end_at(root, 9);
  char *text = fixture_text(&f);
  assert_string_equal(text,
                      "trace 11111111111111111111111100000001 (service svc)\n"
                      "└─ root  [internal]  9.0 ms\n"
                      "   ├─ a  [internal]  3.0 ms\n"
                      "   │  │  • checkpoint  +500 ns\n"
                      "   │  ├─ a1  [internal]  2.0 ms\n"
                      "   │  └─ a2  [internal]  1.0 ms\n"
                      "   └─ b  [producer]  3.0 ms\n"
                      "      │  • link trace=11111111111111111111111100000001 "
                      "span=0000000000000003\n"
                      "      └─ b1  [consumer]  1.0 ms\n");
  free(text);
  fixture_free(&f);
}

/* Every value type, and escaping of quotes, backslashes, control
 * characters and invalid UTF-8. */
static void test_values_and_escaping(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  otelc_span *s = start_at(&f, "types", 0, NULL, 0);
  static const char *strs[] = {"x", "y z"};
  static const bool bools[] = {true, false};
  static const int64_t ints[] = {-1, 2};
  static const double doubles[] = {0.5, 1e20};
  static const uint8_t bytes[] = {0xde, 0xad, 0x00, 0x01};
  const otelc_value mixed[] = {
      {OTELC_VALUE_INT, 0, {.i = 7}},
      {OTELC_VALUE_STRING, OTELC_NTS, {.str = "s"}},
  };
  const otelc_attr kvs[] = {OTELC_INT("n", 1),
                            {"arr", {OTELC_VALUE_ARRAY, 2, {.values = mixed}}}};
  otelc_span_set_attrs(
      s,
      OTELC_ATTRS(
          OTELC_STRN("str",
                     "a\"b\\c\nd\te\x01\x7f\xff\xc3\xa9\xed\xa0\x80"
                     "\xe2\x82",
                     19),
          OTELC_BOOL("bool", true), OTELC_INT("int", -42),
          OTELC_DOUBLE("dbl", 3.25), OTELC_STR_ARRAY("strs", strs, 2),
          OTELC_BOOL_ARRAY("bools", bools, 2), OTELC_INT_ARRAY("ints", ints, 2),
          OTELC_DOUBLE_ARRAY("dbls", doubles, 2),
          OTELC_BYTES("bytes", bytes, 4),
          ((otelc_attr){"arr", {OTELC_VALUE_ARRAY, 2, {.values = mixed}}}),
          ((otelc_attr){"map", {OTELC_VALUE_MAP, 2, {.kvs = kvs}}}),
          ((otelc_attr){"empty", {OTELC_VALUE_EMPTY, 0, {.i = 0}}}),
          OTELC_STR("odd key", "v")));
  end_at(s, 1);
  char *text = fixture_text(&f);
  char *nl = strchr(text, '\n');
  assert_non_null(nl);
  *nl = '\0';
  assert_string_equal(
      text,
      "span types trace=11111111111111111111111100000001 "
      "span=0000000000000001 parent=- kind=internal dur=1.000ms "
      "status=UNSET attrs: "
      "str=\"a\\\"b\\\\c\\nd\\te\\x01\\x7f\\xff\xc3\xa9\\xed\\xa0\\x80"
      "\\xe2\\x82\" "
      "bool=true int=-42 dbl=3.25 strs=[\"x\", \"y z\"] bools=[true, false] "
      "ints=[-1, 2] dbls=[0.5, 1e+20] bytes=0xdead0001 arr=[7, \"s\"] "
      "map={n=1, arr=[7, \"s\"]} empty=null \"odd key\"=\"v\" "
      "events=0 links=0");
  /* The tree line shows the same values. */
  assert_contains(nl + 1, "└─ types  [internal]  1.0 ms  str=\"a\\\"b");
  free(text);
  fixture_free(&f);
}

/* Long strings are cut in the tree (never in the line). */
static void test_tree_abbreviates_long_values(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  char big[201];
  memset(big, 'q', 200);
  big[200] = '\0';
  otelc_span *s = start_at(&f, "long", 0, NULL, 0);
  otelc_span_set_str(s, "k", big);
  end_at(s, 1);
  char *text = fixture_text(&f);
  char want[256];
  snprintf(want, sizeof want, "k=\"%.64s\"…\n", big);
  assert_contains(text, want);
  snprintf(want, sizeof want, "k=\"%s\" events=0", big);
  assert_contains(text, want);
  free(text);
  fixture_free(&f);
}

static void test_name_quoting(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_tree = true});
  end_at(start_at(&f, "GET /users/{id}", OTELC_SPAN_KIND_SERVER, NULL, 0), 1);
  end_at(start_at(&f, "", 0, NULL, 0), 1);
  char *text = fixture_text(&f);
  assert_contains(text, "span \"GET /users/{id}\" trace=");
  assert_contains(text, "span \"\" trace=");
  free(text);
  fixture_free(&f);
}

static void test_status_and_exception(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "call", NULL);
  otelc_span_record_exception(s, "TimeoutError", "upstream did not answer",
                              NULL, NULL, 0);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, NULL);
  otelc_span_end(s);
  s = otelc_span_start(f.tracer, "bad\ndesc", NULL);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "line1\nline2");
  otelc_span_end(s);
  char *text = fixture_text(&f);
  assert_contains(text, " status=ERROR events=1 links=0\n");
  assert_contains(text, "└─ call  [internal]  ");
  assert_contains(text, "  ERROR\n");
  assert_contains(text, "   • exception  +");
  assert_contains(text, "exception.type=\"TimeoutError\" "
                        "exception.message=\"upstream did not answer\"\n");
  assert_contains(text, "span \"bad\\ndesc\" ");
  assert_contains(text, "status=ERROR(\"line1\\nline2\")");
  assert_contains(text, "  ERROR: line1\\nline2\n");
  free(text);
  fixture_free(&f);
}

static void test_dropped_counts(void **state) {
  (void)state;
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.attr_count = 1;
  lim.event_count = 1;
  lim.link_count = 0;
  lim.event_attr_count = 1;
  fixture f;
  fixture_init(&f, &(fixture_opts){.limits = &lim});
  otelc_span *s = start_at(&f, "limited", 0, NULL, 0);
  otelc_span_set_int(s, "a", 1);
  otelc_span_set_int(s, "b", 2);
  otelc_span_set_int(s, "c", 3);
  otelc_span_add_event(s, "e1", T0,
                       OTELC_ATTRS(OTELC_INT("x", 1), OTELC_INT("y", 2)));
  otelc_span_add_event(s, "e2", T0, NULL, 0);
  otelc_span_context lc = otelc_span_get_context(s);
  otelc_span_add_link(s, &(otelc_link){.context = lc});
  end_at(s, 1);
  char *text = fixture_text(&f);
  assert_contains(text, "attrs: a=1 events=1 links=0 "
                        "dropped(attrs=2 events=1 links=1)\n");
  assert_contains(text, "  a=1 dropped(attrs=2 events=1 links=1)\n");
  assert_contains(text, "• e1  +0 ns  x=1 dropped(attrs=1)\n");
  free(text);
  fixture_free(&f);
}

static void test_no_lines(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  end_at(start_at(&f, "child", 0, root, 1), 2);
  char *text = fixture_text(&f);
  assert_string_equal(text, "");
  free(text);
  end_at(root, 3);
  text = fixture_text(&f);
  assert_string_equal(text,
                      "trace 11111111111111111111111100000001 (service svc)\n"
                      "└─ root  [internal]  3.0 ms\n"
                      "   └─ child  [internal]  1.0 ms\n");
  free(text);
  fixture_free(&f);
}

static void test_no_tree(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_tree = true});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  end_at(start_at(&f, "child", 0, root, 1), 2);
  end_at(root, 3);
  otelc_span *open = start_at(&f, "open", 0, NULL, 0);
  end_at(start_at(&f, "orphan", 0, open, 1), 2);
  assert_int_equal(otelc_tracer_provider_force_flush(f.tp, 1000), OTELC_OK);
  char *text = fixture_text(&f);
  assert_int_equal(count(text, "\n"), 3);
  assert_int_equal(count(text, "span "), 3);
  assert_int_equal(count(text, "trace 1"), 0);
  free(text);
  end_at(open, 3);
  fixture_free(&f);
}

static void test_nothing_at_all(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_tree = true, .no_lines = true});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  end_at(start_at(&f, "child", 0, root, 1), 2);
  end_at(root, 3);
  char *text = fixture_text(&f);
  assert_string_equal(text, "");
  free(text);
  fixture_free(&f);
}

/* A trace whose root has not ended is printed on flush, marked
 * incomplete, with the orphans at the top level; the root is then
 * printed alone once it ends. */
static void test_incomplete_on_flush(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  otelc_span *mid = start_at(&f, "mid", 0, root, 1);
  otelc_span *leaf = start_at(&f, "leaf", 0, mid, 2);
  otelc_span *other = start_at(&f, "other", 0, root, 3);
  end_at(leaf, 3);
  end_at(other, 4);
  assert_int_equal(otelc_tracer_provider_force_flush(f.tp, 1000), OTELC_OK);
  char *text = fixture_text(&f);
  assert_string_equal(
      text, "trace 11111111111111111111111100000001 (service svc) "
            "(incomplete)\n"
            "├─ leaf  [internal]  1.0 ms  parent=0000000000000002\n"
            "└─ other  [internal]  1.0 ms  parent=0000000000000001\n");
  free(text);
  fixture_reset(&f);
  end_at(mid, 5);
  end_at(root, 6);
  text = fixture_text(&f);
  assert_string_equal(text,
                      "trace 11111111111111111111111100000001 (service svc)\n"
                      "└─ root  [internal]  6.0 ms\n"
                      "   └─ mid  [internal]  4.0 ms\n");
  free(text);
  fixture_free(&f);
}

/* Shutdown prints what is pending; later spans are not exported. */
static void test_incomplete_on_shutdown(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  end_at(start_at(&f, "child", 0, root, 1), 2);
  assert_int_equal(otelc_tracer_provider_shutdown(f.tp, 1000), OTELC_OK);
  char *text = fixture_text(&f);
  assert_string_equal(
      text, "trace 11111111111111111111111100000001 (service svc) "
            "(incomplete)\n"
            "└─ child  [internal]  1.0 ms  parent=0000000000000001\n");
  free(text);
  end_at(root, 3);
  text = fixture_text(&f);
  assert_int_equal(count(text, "trace "), 1);
  free(text);
  fixture_free(&f);
}

/* A child of a remote parent is a local root. */
static void test_remote_parent(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  otelc_span_context rc = {
      .trace_id = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce,
                   0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
      .span_id = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
      .trace_flags = OTELC_TRACE_FLAG_SAMPLED};
  otelc_context *remote = otelc_context_with_remote(NULL, &rc, NULL);
  assert_non_null(remote);
  otelc_span *s = otelc_span_start(
      f.tracer, "GET /",
      &(otelc_span_start_opts){
          .kind = OTELC_SPAN_KIND_SERVER, .parent = remote, .start_time = T0});
  otelc_context_release(remote);
  otelc_span *c = start_at(&f, "db", OTELC_SPAN_KIND_CLIENT, s, 1);
  end_at(c, 2);
  end_at(s, 3);
  char *text = fixture_text(&f);
  assert_contains(text, "span \"GET /\" trace=4bf92f3577b34da6a3ce929d0e0e4736 "
                        "span=0000000000000001 parent=00f067aa0ba902b7(remote) "
                        "kind=server dur=3.000ms");
  assert_contains(text,
                  "trace 4bf92f3577b34da6a3ce929d0e0e4736 (service svc)\n"
                  "└─ \"GET /\"  [server]  3.0 ms  parent=00f067aa0ba902b7 "
                  "(remote)\n"
                  "   └─ db  [client]  1.0 ms\n");
  free(text);
  fixture_free(&f);
}

/* Several traces in flight at once are kept apart. */
static void test_interleaved_traces(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *r1 = start_at(&f, "r1", 0, NULL, 0);
  otelc_span *r2 = start_at(&f, "r2", 0, NULL, 0);
  otelc_span *c1 = start_at(&f, "c1", 0, r1, 1);
  otelc_span *c2 = start_at(&f, "c2", 0, r2, 1);
  end_at(c2, 2);
  end_at(c1, 2);
  end_at(r1, 3);
  end_at(r2, 4);
  char *text = fixture_text(&f);
  assert_string_equal(text,
                      "trace 11111111111111111111111100000001 (service svc)\n"
                      "└─ r1  [internal]  3.0 ms\n"
                      "   └─ c1  [internal]  1.0 ms\n"
                      "trace 11111111111111111111111100000002 (service svc)\n"
                      "└─ r2  [internal]  4.0 ms\n"
                      "   └─ c2  [internal]  1.0 ms\n");
  free(text);
  fixture_free(&f);
}

/* Never more than 4096 spans held: the oldest trace is printed early. */
static void test_bounded(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *a = start_at(&f, "a", 0, NULL, 0);
  otelc_span *b = start_at(&f, "b", 0, NULL, 0);
  for (int i = 0; i < 3000; i++)
    end_at(start_at(&f, "a.child", 0, a, 1), 2);
  for (int i = 0; i < 1096; i++)
    end_at(start_at(&f, "b.child", 0, b, 1), 2);
  char *text = fixture_text(&f);
  assert_string_equal(text, ""); /* 4096 held */
  free(text);

  /* One more: trace a (the oldest) goes out whole, b stays. */
  end_at(start_at(&f, "b.child", 0, b, 1), 2);
  text = fixture_text(&f);
  assert_int_equal(count(text, "trace "), 1);
  assert_contains(text, "trace 11111111111111111111111100000001 (service svc) "
                        "(incomplete)\n");
  assert_int_equal(count(text, "a.child"), 3000);
  assert_int_equal(count(text, "b.child"), 0);
  assert_int_equal(count(text, "\n"), 3001);
  free(text);

  /* Trace b, a single trace over the bound, goes out in pieces. */
  fixture_reset(&f);
  for (int i = 0; i < 3000; i++)
    end_at(start_at(&f, "b.child", 0, b, 1), 2);
  text = fixture_text(&f);
  assert_int_equal(count(text, "(incomplete)"), 1);
  assert_int_equal(count(text, "b.child"), 4096);
  free(text);

  fixture_reset(&f);
  assert_int_equal(otelc_tracer_provider_force_flush(f.tp, 1000), OTELC_OK);
  text = fixture_text(&f);
  assert_int_equal(count(text, "(incomplete)"), 1);
  assert_int_equal(count(text, "b.child"), 1097 + 3000 - 4096);
  free(text);

  fixture_reset(&f);
  end_at(a, 3);
  end_at(b, 3);
  text = fixture_text(&f);
  assert_string_equal(text,
                      "trace 11111111111111111111111100000001 (service svc)\n"
                      "└─ a  [internal]  3.0 ms\n"
                      "trace 11111111111111111111111100000002 (service svc)\n"
                      "└─ b  [internal]  3.0 ms\n");
  free(text);
  fixture_free(&f);
}

/* Deep nesting is drawn with at most 32 levels of guides. */
static void test_deep_tree(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  otelc_span *chain[40];
  for (int i = 0; i < 40; i++)
    chain[i] = start_at(&f, "level", 0, i ? chain[i - 1] : NULL, 0);
  for (int i = 39; i >= 0; i--)
    end_at(chain[i], 1);
  char *text = fixture_text(&f);
  assert_int_equal(count(text, "─ level  [internal]  1.0 ms\n"), 40);
  assert_int_equal(count(text, "…(+1) └─ level"), 1);
  assert_int_equal(count(text, "…(+8) └─ level"), 1);
  /* The deepest line: 31 levels of blank guides, then the elision. */
  char want[160];
  snprintf(want, sizeof want, "\n%93s…(+8) └─ level  [internal]  1.0 ms\n", "");
  assert_contains(text, want);
  free(text);
  fixture_free(&f);
}

/* Repeated span ids (a faulty id generator) cannot make the tree loop
 * or lose spans. */
static void test_repeated_span_ids(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.no_lines = true});
  same_span_ids = true;
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  otelc_span *child = start_at(&f, "child", 0, root, 1);
  otelc_span *leaf = start_at(&f, "leaf", 0, child, 2);
  otelc_span *leaf2 = start_at(&f, "leaf2", 0, child, 3);
  end_at(leaf, 4);
  end_at(leaf2, 4);
  end_at(child, 5);
  end_at(root, 6);
  same_span_ids = false;
  char *text = fixture_text(&f);
  assert_int_equal(count(text, "trace "), 1);
  assert_int_equal(count(text, "─ root "), 1);
  assert_int_equal(count(text, "─ child "), 1);
  assert_int_equal(count(text, "─ leaf "), 1);
  assert_int_equal(count(text, "─ leaf2 "), 1);
  free(text);
  fixture_free(&f);
}

/* A stream that cannot be written gives OTELC_ERR_IO, counted as failed
 * exports, and nothing worse. */
static void test_write_error(void **state) {
  (void)state;
  FILE *ro = fopen("/dev/null", "r");
  assert_non_null(ro);
  fixture f;
  fixture_init(&f, &(fixture_opts){.out = ro});
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  end_at(start_at(&f, "child", 0, root, 1), 2);
  otelc_span_processor_stats st;
  otelc_span_processor_get_stats(f.processor, &st);
  assert_int_equal(st.received, 1);
  assert_int_equal(st.export_failed, 1);
  assert_int_not_equal(otelc_tracer_provider_force_flush(f.tp, 1000), OTELC_OK);
  end_at(root, 3);
  otelc_span_processor_get_stats(f.processor, &st);
  assert_int_equal(st.export_failed, 2);
  fixture_free(&f);
}

/* Allocation failures while holding and printing spans are reported
 * and lose output, nothing else (the sanitizers check for leaks). */
static void test_out_of_memory(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  for (long k = 0; k < 12; k++) {
    otelc_span *root = start_at(&f, "root", 0, NULL, 0);
    otelc_span *child = start_at(&f, "child", 0, root, 1);
    otelc_span *leaf = start_at(&f, "leaf", 0, child, 1);
    otelc__alloc_fail_after(k);
    end_at(leaf, 2);
    end_at(child, 2);
    otelc__alloc_fail_after(-1);
    otelc_span *other = start_at(&f, "other", 0, root, 1);
    otelc__alloc_fail_after(k / 2);
    end_at(other, 2);
    end_at(root, 3);
    otelc__alloc_fail_after(-1);
  }
  otelc_span *root = start_at(&f, "root", 0, NULL, 0);
  end_at(start_at(&f, "pending", 0, root, 1), 2);
  otelc__alloc_fail_after(0);
  otelc_tracer_provider_force_flush(f.tp, 1000);
  otelc__alloc_fail_after(-1);
  end_at(root, 3);
  /* Everything works again afterwards. */
  fixture_reset(&f);
  end_at(start_at(&f, "after", 0, NULL, 0), 1);
  char *text = fixture_text(&f);
  assert_contains(text, "span after trace=");
  assert_contains(text, "└─ after  [internal]  1.0 ms\n");
  free(text);
  fixture_free(&f);
}

/* Through a batch processor, shutdown prints the trees. */
static void test_batch_processor(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, &(fixture_opts){.batch = true});
  for (int t = 0; t < 3; t++) {
    otelc_span *root = start_at(&f, "root", OTELC_SPAN_KIND_SERVER, NULL, 0);
    otelc_scope sc = otelc_span_activate(root);
    otelc_span *child = otelc_span_start(f.tracer, "child", NULL);
    otelc_span_end(child);
    otelc_context_detach(sc);
    end_at(root, 5);
  }
  assert_int_equal(otelc_tracer_provider_shutdown(f.tp, 5000), OTELC_OK);
  char *text = fixture_text(&f);
  assert_int_equal(count(text, "span child "), 3);
  assert_int_equal(count(text, "span root "), 3);
  assert_int_equal(count(text, " (service svc)\n└─ root  [server]  5.0 ms\n"
                               "   └─ child  [internal]  "),
                   3);
  assert_int_equal(count(text, "incomplete"), 0);
  free(text);
  fixture_free(&f);
}

/* Threads ending spans while another flushes: every line arrives whole. */
typedef struct worker_arg {
  fixture *f;
  int id;
} worker_arg;

static void *worker(void *p) {
  worker_arg *w = p;
  for (int i = 0; i < 200; i++) {
    otelc_span *root = otelc_span_start(w->f->tracer, "w.root", NULL);
    otelc_scope sc = otelc_span_activate(root);
    otelc_span_end(otelc_span_start(w->f->tracer, "w.child", NULL));
    otelc_span_end(otelc_span_start(w->f->tracer, "w.child", NULL));
    otelc_context_detach(sc);
    otelc_span_end(root);
  }
  return NULL;
}

static void test_concurrent_flush(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL);
  pthread_t th[4];
  worker_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (worker_arg){&f, i};
    assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
  }
  for (int i = 0; i < 50; i++)
    otelc_tracer_provider_force_flush(f.tp, 1000);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  assert_int_equal(otelc_tracer_provider_shutdown(f.tp, 5000), OTELC_OK);
  char *text = fixture_text(&f);
  assert_int_equal(count(text, "span w.root trace="), 800);
  assert_int_equal(count(text, "span w.child trace="), 1600);
  /* Every tree entry of a child names it once; no span is lost. */
  assert_int_equal(count(text, "─ w.child  [internal]"), 1600);
  assert_int_equal(count(text, "─ w.root  [internal]"), 800);
  /* Every line starts with a known prefix. */
  for (char *line = text; *line;) {
    char *end = strchr(line, '\n');
    assert_non_null(end);
    bool ok = strncmp(line, "span w.", 7) == 0 ||
              strncmp(line, "trace 1111", 10) == 0 ||
              strncmp(line, "└─ w.", 7) == 0 ||
              strncmp(line, "├─ w.", 7) == 0 ||
              strncmp(line, "   ├─ w.child", 15) == 0 ||
              strncmp(line, "   └─ w.child", 15) == 0;
    if (!ok)
      fail_msg("unexpected line: %.*s", (int)(end - line), line);
    line = end + 1;
  }
  free(text);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invalid_args),
      cmocka_unit_test(test_lines_and_tree),
      cmocka_unit_test(test_tree_guides),
      cmocka_unit_test(test_values_and_escaping),
      cmocka_unit_test(test_tree_abbreviates_long_values),
      cmocka_unit_test(test_name_quoting),
      cmocka_unit_test(test_status_and_exception),
      cmocka_unit_test(test_dropped_counts),
      cmocka_unit_test(test_no_lines),
      cmocka_unit_test(test_no_tree),
      cmocka_unit_test(test_nothing_at_all),
      cmocka_unit_test(test_incomplete_on_flush),
      cmocka_unit_test(test_incomplete_on_shutdown),
      cmocka_unit_test(test_remote_parent),
      cmocka_unit_test(test_interleaved_traces),
      cmocka_unit_test(test_bounded),
      cmocka_unit_test(test_deep_tree),
      cmocka_unit_test(test_repeated_span_ids),
      cmocka_unit_test(test_write_error),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_batch_processor),
      cmocka_unit_test(test_concurrent_flush),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
