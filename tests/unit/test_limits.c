/* Span limits: defaults, the OTEL_*_LIMIT variables, and what a span
 * keeps, drops and counts when attribute, value length, event, link and
 * nesting limits are reached. */
#include <stdlib.h>
#include <string.h>

#include "test_helpers.h"
#include "trace_fixture.h"

/* ------------------------------------------------------------ helpers -- */

enum {
  F_ATTR_COUNT,
  F_VALUE_LENGTH,
  F_EVENT_COUNT,
  F_LINK_COUNT,
  F_EVENT_ATTR_COUNT,
  F_LINK_ATTR_COUNT,
  N_FIELDS
};

static const char *const field_names[N_FIELDS] = {
    "attr_count", "attr_value_length", "event_count",
    "link_count", "event_attr_count",  "link_attr_count"};

static uint32_t field(const otelc_span_limits *l, int i) {
  switch (i) {
  case F_ATTR_COUNT:
    return l->attr_count;
  case F_VALUE_LENGTH:
    return l->attr_value_length;
  case F_EVENT_COUNT:
    return l->event_count;
  case F_LINK_COUNT:
    return l->link_count;
  case F_EVENT_ATTR_COUNT:
    return l->event_attr_count;
  default:
    return l->link_attr_count;
  }
}

#define BIT(f) (1u << (f))

/* Every variable otelc reads for span limits, and the fields it sets. */
static const struct {
  const char *name;
  unsigned fields;
} vars[] = {
    {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", BIT(F_ATTR_COUNT)},
    {"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", BIT(F_VALUE_LENGTH)},
    {"OTEL_SPAN_EVENT_COUNT_LIMIT", BIT(F_EVENT_COUNT)},
    {"OTEL_SPAN_LINK_COUNT_LIMIT", BIT(F_LINK_COUNT)},
    {"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", BIT(F_EVENT_ATTR_COUNT)},
    {"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", BIT(F_LINK_ATTR_COUNT)},
    {"OTEL_ATTRIBUTE_COUNT_LIMIT",
     BIT(F_ATTR_COUNT) | BIT(F_EVENT_ATTR_COUNT) | BIT(F_LINK_ATTR_COUNT)},
    {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", BIT(F_VALUE_LENGTH)},
};
#define N_VARS (sizeof vars / sizeof vars[0])
#define GENERAL_COUNT 6 /* index of OTEL_ATTRIBUTE_COUNT_LIMIT */

static char *saved[N_VARS];

static void unset_all(void) {
  for (size_t i = 0; i < N_VARS; i++)
    unsetenv(vars[i].name);
}

static int group_setup(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VARS; i++) {
    const char *v = getenv(vars[i].name);
    saved[i] = v ? strdup(v) : NULL;
  }
  unset_all();
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VARS; i++) {
    if (saved[i])
      setenv(vars[i].name, saved[i], 1);
    else
      unsetenv(vars[i].name);
    free(saved[i]);
    saved[i] = NULL;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unset_all();
  test_diag_release();
  return 0;
}

static void expect_fields(const otelc_span_limits *l, unsigned which,
                          uint32_t value, const char *what) {
  otelc_span_limits def;
  otelc_span_limits_default(&def);
  for (int f = 0; f < N_FIELDS; f++) {
    uint32_t want = (which & BIT(f)) ? value : field(&def, f);
    if (field(l, f) != want)
      fail_msg("%s: %s is %u, expected %u", what, field_names[f],
               (unsigned)field(l, f), (unsigned)want);
  }
}

static otelc_span_limits limits_with(int f, uint32_t value) {
  otelc_span_limits l;
  otelc_span_limits_default(&l);
  switch (f) {
  case F_ATTR_COUNT:
    l.attr_count = value;
    break;
  case F_VALUE_LENGTH:
    l.attr_value_length = value;
    break;
  case F_EVENT_COUNT:
    l.event_count = value;
    break;
  case F_LINK_COUNT:
    l.link_count = value;
    break;
  case F_EVENT_ATTR_COUNT:
    l.event_attr_count = value;
    break;
  default:
    l.link_attr_count = value;
    break;
  }
  return l;
}

static otelc_span_context make_sc(uint8_t n) {
  otelc_span_context sc;
  for (int i = 0; i < 16; i++)
    sc.trace_id[i] = (uint8_t)(n + i + 1);
  for (int i = 0; i < 8; i++)
    sc.span_id[i] = (uint8_t)(n + i + 1);
  sc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  sc.is_remote = true;
  return sc;
}

/* ----------------------------------------------------------- defaults -- */

static void test_defaults(void **state) {
  (void)state;
  otelc_span_limits l;
  memset(&l, 0xab, sizeof l);
  otelc_span_limits_default(&l);
  assert_int_equal(l.attr_count, 128);
  assert_int_equal(l.attr_value_length, OTELC_NO_LIMIT);
  assert_int_equal(l.event_count, 128);
  assert_int_equal(l.link_count, 128);
  assert_int_equal(l.event_attr_count, 128);
  assert_int_equal(l.link_attr_count, 128);
  assert_int_equal(OTELC_NO_LIMIT, UINT32_MAX);
  otelc_span_limits_default(NULL); /* ignored */
}

/* -------------------------------------------------------- environment -- */

static void test_env_unset_gives_defaults(void **state) {
  (void)state;
  otelc_span_limits l;
  for (int pass = 0; pass < 2; pass++) {
    /* Unset, then empty (which means unset). */
    for (size_t i = 0; i < N_VARS; i++)
      if (pass)
        setenv(vars[i].name, "", 1);
    test_diag_capture();
    memset(&l, 0, sizeof l);
    otelc_span_limits_from_env(&l);
    expect_fields(&l, 0, 0, pass ? "empty" : "unset");
    assert_int_equal(test_diag_seen.count, 0);
  }
  otelc_span_limits_from_env(NULL); /* ignored */
}

static void test_env_each_variable(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VARS; i++) {
    unset_all();
    setenv(vars[i].name, "7", 1);
    test_diag_capture();
    otelc_span_limits l;
    otelc_span_limits_from_env(&l);
    expect_fields(&l, vars[i].fields, 7, vars[i].name);
    assert_int_equal(test_diag_seen.count, 0);
    /* Spaces around the number and a leading '+' are accepted. */
    setenv(vars[i].name, " +42 ", 1);
    otelc_span_limits_from_env(&l);
    expect_fields(&l, vars[i].fields, 42, vars[i].name);
    assert_int_equal(test_diag_seen.count, 0);
  }
}

static void test_env_zero_is_a_valid_limit(void **state) {
  (void)state;
  for (size_t i = 0; i < N_VARS; i++) {
    unset_all();
    setenv(vars[i].name, "0", 1);
    test_diag_capture();
    otelc_span_limits l;
    otelc_span_limits_from_env(&l);
    expect_fields(&l, vars[i].fields, 0, vars[i].name);
    assert_int_equal(test_diag_seen.count, 0);
  }
}

static void test_env_specific_beats_general(void **state) {
  (void)state;
  otelc_span_limits l;
  test_diag_capture();
  setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "10", 1);
  setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "20", 1);
  otelc_span_limits_from_env(&l);
  assert_int_equal(l.attr_count, 20);
  /* The general one still applies to events and links. */
  assert_int_equal(l.event_attr_count, 10);
  assert_int_equal(l.link_attr_count, 10);

  setenv("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "30", 1);
  setenv("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "0", 1);
  otelc_span_limits_from_env(&l);
  assert_int_equal(l.attr_count, 20);
  assert_int_equal(l.event_attr_count, 30);
  assert_int_equal(l.link_attr_count, 0);
  /* The general count limit does not touch event and link counts. */
  assert_int_equal(l.event_count, 128);
  assert_int_equal(l.link_count, 128);

  setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100", 1);
  otelc_span_limits_from_env(&l);
  assert_int_equal(l.attr_value_length, 100);
  setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50", 1);
  otelc_span_limits_from_env(&l);
  assert_int_equal(l.attr_value_length, 50);
  setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0", 1);
  otelc_span_limits_from_env(&l);
  assert_int_equal(l.attr_value_length, 0);
  assert_int_equal(test_diag_seen.count, 0);
}

static void test_env_invalid_values_warn_once(void **state) {
  (void)state;
  static const char *const bad[] = {"-1",  "abc",  "99999999999",
                                    "1.5", "0x10", "2147483648"};
  for (size_t i = 0; i < N_VARS; i++) {
    if (i == GENERAL_COUNT)
      continue; /* see test_env_invalid_general_count_warns_once */
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
      unset_all();
      setenv(vars[i].name, bad[k], 1);
      test_diag_capture();
      otelc_span_limits l;
      otelc_span_limits_from_env(&l);
      expect_fields(&l, 0, 0, vars[i].name);
      if (test_diag_seen.count != 1)
        fail_msg("%s=%s: %d warnings", vars[i].name, bad[k],
                 test_diag_seen.count);
      assert_int_equal(test_diag_seen.level, OTELC_LOG_WARN);
      assert_non_null(strstr(test_diag_seen.last, vars[i].name));
      assert_non_null(strstr(test_diag_seen.last, bad[k]));
    }
  }
  /* The largest valid value. */
  unset_all();
  setenv("OTEL_SPAN_EVENT_COUNT_LIMIT", "2147483647", 1);
  test_diag_capture();
  otelc_span_limits l;
  otelc_span_limits_from_env(&l);
  assert_int_equal(l.event_count, 2147483647u);
  assert_int_equal(test_diag_seen.count, 0);
}

static void test_env_invalid_general_count_warns_once(void **state) {
  (void)state;
  static const char *const bad[] = {"-1", "abc", "99999999999"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    unset_all();
    setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", bad[k], 1);
    test_diag_capture();
    otelc_span_limits l;
    otelc_span_limits_from_env(&l);
    expect_fields(&l, 0, 0, "OTEL_ATTRIBUTE_COUNT_LIMIT");
    /* One invalid variable, one warning (even though it feeds three
     * limits). */
    if (test_diag_seen.count != 1)
      fail_msg("OTEL_ATTRIBUTE_COUNT_LIMIT=%s: %d warnings", bad[k],
               test_diag_seen.count);
    assert_non_null(strstr(test_diag_seen.last, "OTEL_ATTRIBUTE_COUNT_LIMIT"));
  }
}

static void test_env_invalid_specific_falls_back_to_general(void **state) {
  (void)state;
  /* An invalid value is ignored as if unset, so the general variable
   * applies. */
  setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "abc", 1);
  setenv("OTEL_ATTRIBUTE_COUNT_LIMIT", "10", 1);
  setenv("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1", 1);
  setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100", 1);
  test_diag_capture();
  otelc_span_limits l;
  otelc_span_limits_from_env(&l);
  assert_int_equal(test_diag_seen.count, 2);
  assert_int_equal(l.attr_count, 10);
  assert_int_equal(l.attr_value_length, 100);
}

static void test_provider_reads_limits_from_env(void **state) {
  (void)state;
  setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2", 1);
  setenv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "3", 1);
  otelc_span_exporter *mem;
  otelc_span_processor *proc;
  assert_int_equal(otelc_memory_exporter_new(&mem), OTELC_OK);
  assert_int_equal(otelc_simple_span_processor_new(mem, &proc), OTELC_OK);
  otelc_tracer_provider_opts o = {.sampler = otelc_sampler_always_on(),
                                  .processors = &proc,
                                  .n_processors = 1};
  otelc_tracer_provider *tp;
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  unset_all(); /* read once, at creation */
  otelc_scope_info scope = {"test.scope", NULL, NULL, NULL, 0};
  otelc_tracer *t = otelc_tracer_provider_get_tracer(tp, &scope);
  otelc_span *s = otelc_span_start(t, "x", NULL);
  assert_int_equal(otelc_span_set_str(s, "a", "abcdef"), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_int(s, "b", 1), OTELC_OK);
  assert_int_equal(otelc_span_set_int(s, "c", 1), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  otelc_span *e = otelc_memory_exporter_get(mem, 0);
  assert_non_null(e);
  assert_int_equal(otelc_span_get_attr_count(e), 2);
  assert_string_equal(otelc_span_find_attr(e, "a")->u.str, "abc");
  otelc_tracer_provider_free(tp);
}

/* ---------------------------------------------------- attribute count -- */

static void test_attr_count_limit(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_ATTR_COUNT, 3);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(otelc_span_set_int(s, "a", 1), OTELC_OK);
  assert_int_equal(otelc_span_set_int(s, "b", 2), OTELC_OK);
  assert_int_equal(otelc_span_set_int(s, "c", 3), OTELC_OK);
  assert_int_equal(otelc_span_set_int(s, "d", 4), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_str(s, "e", "5"), OTELC_ERR_LIMIT);
  /* Updating an existing key works at the limit and is not counted. */
  assert_int_equal(otelc_span_set_str(s, "a", "updated"), OTELC_OK);
  assert_int_equal(otelc_span_set_int(s, "c", 33), OTELC_OK);
  /* A batch with a new key reports the limit. */
  assert_int_equal(otelc_span_set_attrs(
                       s, OTELC_ATTRS(OTELC_INT("b", 22), OTELC_INT("f", 6))),
                   OTELC_ERR_LIMIT);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 3);
  assert_string_equal(otelc_span_find_attr(e, "a")->u.str, "updated");
  assert_int_equal(otelc_span_find_attr(e, "b")->u.i, 22);
  assert_int_equal(otelc_span_find_attr(e, "c")->u.i, 33);
  assert_null(otelc_span_find_attr(e, "d"));
  assert_null(otelc_span_find_attr(e, "e"));
  assert_null(otelc_span_find_attr(e, "f"));
  uint32_t attrs = 99, events = 99, links = 99;
  otelc_span_get_dropped(e, &attrs, &events, &links);
  assert_int_equal(attrs, 3); /* d, e and f */
  assert_int_equal(events, 0);
  assert_int_equal(links, 0);
  fixture_free(&f);
}

static void test_attr_count_limit_dropped_two(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_ATTR_COUNT, 3);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  const char *keys[] = {"k1", "k2", "k3", "k4", "k5"};
  for (int i = 0; i < 5; i++)
    assert_int_equal(otelc_span_set_int(s, keys[i], i),
                     i < 3 ? OTELC_OK : OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_int(s, "k2", 20), OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  uint32_t dropped = 0;
  otelc_span_get_dropped(e, &dropped, NULL, NULL);
  assert_int_equal(dropped, 2);
  assert_int_equal(otelc_span_get_attr_count(e), 3);
  assert_int_equal(otelc_span_find_attr(e, "k2")->u.i, 20);

  /* Attributes given at start count too; a second span starts afresh. */
  otelc_span_start_opts o = {
      .attrs = OTELC_ATTRS(OTELC_INT("s1", 1), OTELC_INT("s2", 2),
                           OTELC_INT("s3", 3), OTELC_INT("s4", 4))};
  s = otelc_span_start(f.tracer, "y", &o);
  assert_int_equal(otelc_span_set_int(s, "s5", 5), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  e = fixture_span(&f, 1);
  assert_int_equal(otelc_span_get_attr_count(e), 3);
  otelc_span_get_dropped(e, &dropped, NULL, NULL);
  assert_int_equal(dropped, 2);
  fixture_free(&f);
}

/* The span-level count limit does not apply to events and links. */
static void test_attr_count_limit_is_per_collection(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_ATTR_COUNT, 1);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(
      otelc_span_add_event(
          s, "ev", 0,
          OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2), OTELC_INT("c", 3))),
      OTELC_OK);
  otelc_link link = {make_sc(1), NULL,
                     OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2))};
  assert_int_equal(otelc_span_add_link(s, &link), OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_event(e, 0)->n_attrs, 3);
  assert_int_equal(otelc_span_get_link(e, 0)->n_attrs, 2);
  fixture_free(&f);
}

/* ------------------------------------------------------- value length -- */

/* A string set on a span with value length limit 5, and what is kept. */
typedef struct len_case {
  const char *in;
  const char *want;
} len_case;

/* Each case is set as its own attribute; the status must be OTELC_OK
 * exactly when nothing is cut, and the stored bytes must match. */
static void check_strings(const len_case *cases, size_t n) {
  otelc_span_limits lim = limits_with(F_VALUE_LENGTH, 5);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  char key[32];
  for (size_t i = 0; i < n; i++) {
    snprintf(key, sizeof key, "k%zu", i);
    otelc_status want_st =
        strcmp(cases[i].in, cases[i].want) == 0 ? OTELC_OK : OTELC_ERR_LIMIT;
    otelc_status st = otelc_span_set_str(s, key, cases[i].in);
    if (st != want_st)
      fail_msg("case %zu: status %d, expected %d", i, st, want_st);
  }
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  for (size_t i = 0; i < n; i++) {
    snprintf(key, sizeof key, "k%zu", i);
    const otelc_value *v = otelc_span_find_attr(e, key);
    assert_non_null(v);
    assert_int_equal(v->type, OTELC_VALUE_STRING);
    size_t wl = strlen(cases[i].want);
    if (v->len != wl || memcmp(v->u.str, cases[i].want, wl) != 0)
      fail_msg("case %zu: kept %zu bytes, expected %zu", i, v->len, wl);
    assert_int_equal(v->u.str[wl], '\0');
  }
  fixture_free(&f);
}

static void test_value_length_ascii(void **state) {
  (void)state;
  static const len_case cases[] = {
      {"abcdefgh", "abcde"},
      {"abcdef", "abcde"},
      {"abcde", "abcde"},
      {"abc", "abc"},
      {"", ""},
  };
  check_strings(cases, sizeof cases / sizeof cases[0]);
}

static void test_value_length_utf8(void **state) {
  (void)state;
  static const len_case cases[] = {
      /* 2-byte characters: 5 characters, 6 bytes. */
      {"h\xc3\xa9llo w\xc3\xb6rld", "h\xc3\xa9llo"},
      {"w\xc3\xb6rld!", "w\xc3\xb6rld"},
      {"abcd\xc3\xa9", "abcd\xc3\xa9"}, /* exactly 5 characters */
      {"abcd\xc3\xa9x", "abcd\xc3\xa9"},
      {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"},
      /* 3-byte characters (euro sign). */
      {"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
       "\xe2\x82\xac",
       "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"},
  };
  check_strings(cases, sizeof cases / sizeof cases[0]);
}

static void test_value_length_four_byte_sequences(void **state) {
  (void)state;
#define GRIN "\xf0\x9f\x98\x80"
  static const len_case cases[] = {
      {GRIN GRIN GRIN GRIN GRIN GRIN, GRIN GRIN GRIN GRIN GRIN},
      {"a" GRIN "b" GRIN "c" GRIN "d", "a" GRIN "b" GRIN "c"},
      {"abcd" GRIN GRIN, "abcd" GRIN},
      {GRIN GRIN GRIN GRIN GRIN, GRIN GRIN GRIN GRIN GRIN},
  };
#undef GRIN
  check_strings(cases, sizeof cases / sizeof cases[0]);
}

static void test_value_length_invalid_utf8(void **state) {
  (void)state;
  /* Each byte that does not start a well-formed sequence counts as one
   * character. */
  static const len_case cases[] = {
      {"\xff\xfe\xfd\xfc\xfb\xfa", "\xff\xfe\xfd\xfc\xfb"},
      {"\x80\x80\x80\x80\x80\x80x", "\x80\x80\x80\x80\x80"},
      {"\xe2\x82"
       "abcd",
       "\xe2\x82"
       "abc"}, /* cut-short sequence */
      {"\xc0\xaf\xc0\xaf\xc0\xaf", "\xc0\xaf\xc0\xaf\xc0"}, /* overlong */
      {"\xc3\xa9\xff\xc3\xa9\xff"
       "abc",
       "\xc3\xa9\xff\xc3\xa9\xff"
       "a"},
      {"abcd\xf0\x9f\x98", "abcd\xf0"}, /* truncated 4-byte sequence */
  };
  check_strings(cases, sizeof cases / sizeof cases[0]);
}

static void test_value_length_explicit_length_strings(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_VALUE_LENGTH, 5);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  /* Only the given length counts; embedded NULs are characters. */
  assert_int_equal(otelc_span_set_strn(s, "n", "ab\0cdefgh", 8),
                   OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_strn(s, "m", "abcdefgh", 4), OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  const otelc_value *v = otelc_span_find_attr(e, "n");
  assert_int_equal(v->len, 5);
  assert_memory_equal(v->u.str, "ab\0cd", 5);
  v = otelc_span_find_attr(e, "m");
  assert_int_equal(v->len, 4);
  assert_string_equal(v->u.str, "abcd");
  fixture_free(&f);
}

static void test_value_length_arrays_bytes_and_scalars(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_VALUE_LENGTH, 5);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  const char *strs[] = {"abcdefgh", "xy", "h\xc3\xa9llo w\xc3\xb6rld", ""};
  assert_int_equal(otelc_span_set_attr(s, &OTELC_STR_ARRAY("sa", strs, 4)),
                   OTELC_ERR_LIMIT);
  const char *short_strs[] = {"abcde", "x"};
  assert_int_equal(
      otelc_span_set_attr(s, &OTELC_STR_ARRAY("sa.short", short_strs, 2)),
      OTELC_OK);
  const unsigned char bytes[] = {1, 2, 3, 4, 5, 6, 7, 8};
  assert_int_equal(otelc_span_set_attr(s, &OTELC_BYTES("by", bytes, 8)),
                   OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_attr(s, &OTELC_BYTES("by5", bytes, 5)),
                   OTELC_OK);
  /* Numbers and booleans are never cut, nor are their arrays. */
  const int64_t ints[] = {1, 2, 3, 4, 5, 6, 7, 8};
  const double dbls[] = {1, 2, 3, 4, 5, 6, 7};
  const bool bools[] = {true, false, true, false, true, false};
  assert_int_equal(otelc_span_set_int(s, "i", 1234567890123ll), OTELC_OK);
  assert_int_equal(otelc_span_set_double(s, "d", 3.14159265358979), OTELC_OK);
  assert_int_equal(otelc_span_set_bool(s, "b", true), OTELC_OK);
  assert_int_equal(
      otelc_span_set_attrs(s, OTELC_ATTRS(OTELC_INT_ARRAY("ia", ints, 8),
                                          OTELC_DOUBLE_ARRAY("da", dbls, 7),
                                          OTELC_BOOL_ARRAY("ba", bools, 6))),
      OTELC_OK);
  /* Keys are not values: a long key is kept whole. */
  assert_int_equal(otelc_span_set_int(s, "a.rather.long.key", 1), OTELC_OK);
  otelc_span_end(s);

  otelc_span *e = fixture_span(&f, 0);
  const otelc_value *v = otelc_span_find_attr(e, "sa");
  assert_int_equal(v->type, OTELC_VALUE_STRING_ARRAY);
  assert_int_equal(v->len, 4);
  assert_string_equal(v->u.strs[0], "abcde");
  assert_string_equal(v->u.strs[1], "xy");
  assert_string_equal(v->u.strs[2], "h\xc3\xa9llo");
  assert_string_equal(v->u.strs[3], "");
  v = otelc_span_find_attr(e, "sa.short");
  assert_string_equal(v->u.strs[0], "abcde");
  v = otelc_span_find_attr(e, "by");
  assert_int_equal(v->type, OTELC_VALUE_BYTES);
  assert_int_equal(v->len, 5);
  assert_memory_equal(v->u.bytes, bytes, 5);
  assert_int_equal(otelc_span_find_attr(e, "by5")->len, 5);
  assert_int_equal(otelc_span_find_attr(e, "i")->u.i, 1234567890123ll);
  assert_true(otelc_span_find_attr(e, "d")->u.d == 3.14159265358979);
  assert_true(otelc_span_find_attr(e, "b")->u.b);
  v = otelc_span_find_attr(e, "ia");
  assert_int_equal(v->len, 8);
  assert_memory_equal(v->u.ints, ints, sizeof ints);
  v = otelc_span_find_attr(e, "da");
  assert_int_equal(v->len, 7);
  assert_memory_equal(v->u.doubles, dbls, sizeof dbls);
  v = otelc_span_find_attr(e, "ba");
  assert_int_equal(v->len, 6);
  assert_memory_equal(v->u.bools, bools, sizeof bools);
  assert_non_null(otelc_span_find_attr(e, "a.rather.long.key"));
  /* Truncation is not dropping. */
  uint32_t dropped = 9;
  otelc_span_get_dropped(e, &dropped, NULL, NULL);
  assert_int_equal(dropped, 0);
  fixture_free(&f);
}

static void test_value_length_nested_values(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_VALUE_LENGTH, 5);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  const char *strs[] = {"123456789", "ok"};
  const unsigned char bytes[] = {9, 8, 7, 6, 5, 4, 3};
  otelc_value deep[] = {{OTELC_VALUE_STRING, OTELC_NTS, {.str = "123456789"}}};
  otelc_attr kvs[] = {
      {"a.long.map.key",
       {OTELC_VALUE_STRING, OTELC_NTS, {.str = "h\xc3\xa9llo w\xc3\xb6rld"}}},
      {"inner", {OTELC_VALUE_ARRAY, 1, {.values = deep}}},
      {"n", {OTELC_VALUE_INT, 0, {.i = 123456789}}}};
  otelc_value arr[] = {
      {OTELC_VALUE_STRING, OTELC_NTS, {.str = "abcdefgh"}},
      {OTELC_VALUE_INT, 0, {.i = 7}},
      {OTELC_VALUE_MAP, 3, {.kvs = kvs}},
      {OTELC_VALUE_BYTES, 7, {.bytes = bytes}},
      {OTELC_VALUE_STRING_ARRAY, 2, {.strs = strs}},
  };
  otelc_attr a = {"nested", {OTELC_VALUE_ARRAY, 5, {.values = arr}}};
  assert_int_equal(otelc_span_set_attr(s, &a), OTELC_ERR_LIMIT);
  /* A nested value with nothing to cut is OK. */
  otelc_value small[] = {{OTELC_VALUE_STRING, OTELC_NTS, {.str = "abc"}}};
  otelc_attr b = {"small", {OTELC_VALUE_ARRAY, 1, {.values = small}}};
  assert_int_equal(otelc_span_set_attr(s, &b), OTELC_OK);
  otelc_span_end(s);

  otelc_span *e = fixture_span(&f, 0);
  const otelc_value *v = otelc_span_find_attr(e, "nested");
  assert_int_equal(v->type, OTELC_VALUE_ARRAY);
  assert_int_equal(v->len, 5);
  const otelc_value *el = v->u.values;
  assert_int_equal(el[0].len, 5);
  assert_string_equal(el[0].u.str, "abcde");
  assert_int_equal(el[1].u.i, 7);
  assert_int_equal(el[2].type, OTELC_VALUE_MAP);
  assert_int_equal(el[2].len, 3);
  const otelc_attr *m = el[2].u.kvs;
  assert_string_equal(m[0].key, "a.long.map.key");
  assert_int_equal(m[0].value.len, 6);
  assert_string_equal(m[0].value.u.str, "h\xc3\xa9llo");
  assert_string_equal(m[1].key, "inner");
  assert_string_equal(m[1].value.u.values[0].u.str, "12345");
  assert_int_equal(m[2].value.u.i, 123456789);
  assert_int_equal(el[3].len, 5);
  assert_memory_equal(el[3].u.bytes, bytes, 5);
  assert_string_equal(el[4].u.strs[0], "12345");
  assert_string_equal(el[4].u.strs[1], "ok");
  assert_string_equal(otelc_span_find_attr(e, "small")->u.values[0].u.str,
                      "abc");
  fixture_free(&f);
}

static void test_value_length_applies_to_events_and_links(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_VALUE_LENGTH, 5);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(
      otelc_span_add_event(s, "a long event name", 0,
                           OTELC_ATTRS(OTELC_STR("k", "abcdefgh"))),
      OTELC_ERR_LIMIT);
  otelc_link link = {make_sc(1), NULL,
                     OTELC_ATTRS(OTELC_STR("k", "h\xc3\xa9llo w\xc3\xb6rld"))};
  assert_int_equal(otelc_span_add_link(s, &link), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  const otelc_span_event *ev = otelc_span_get_event(e, 0);
  assert_non_null(ev);
  assert_string_equal(ev->name, "a long event name"); /* names are kept */
  assert_string_equal(ev->attrs[0].value.u.str, "abcde");
  assert_int_equal(ev->dropped_attrs, 0);
  const otelc_span_link *l = otelc_span_get_link(e, 0);
  assert_non_null(l);
  assert_string_equal(l->attrs[0].value.u.str, "h\xc3\xa9llo");
  fixture_free(&f);
}

/* ------------------------------------------------------ events, links -- */

static void test_event_count_limit(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_EVENT_COUNT, 2);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(otelc_span_add_event(s, "e1", 0, NULL, 0), OTELC_OK);
  assert_int_equal(otelc_span_add_event(s, "e2", 0, NULL, 0), OTELC_OK);
  assert_int_equal(otelc_span_add_event(s, "e3", 0, NULL, 0), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_event_count(e), 2);
  assert_string_equal(otelc_span_get_event(e, 0)->name, "e1");
  assert_string_equal(otelc_span_get_event(e, 1)->name, "e2");
  uint32_t attrs = 9, events = 9, links = 9;
  otelc_span_get_dropped(e, &attrs, &events, &links);
  assert_int_equal(attrs, 0);
  assert_int_equal(events, 1);
  assert_int_equal(links, 0);

  /* Exceptions are events too. */
  s = otelc_span_start(f.tracer, "y", NULL);
  for (int i = 0; i < 5; i++)
    otelc_span_record_exception(s, "E", "m", NULL, NULL, 0);
  otelc_span_end(s);
  e = fixture_span(&f, 1);
  assert_int_equal(otelc_span_get_event_count(e), 2);
  otelc_span_get_dropped(e, NULL, &events, NULL);
  assert_int_equal(events, 3);
  fixture_free(&f);
}

static void test_event_attr_count_limit(void **state) {
  (void)state;
  otelc_span_limits lim = limits_with(F_EVENT_ATTR_COUNT, 2);
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(
      otelc_span_add_event(s, "four", 0,
                           OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2),
                                       OTELC_INT("c", 3), OTELC_INT("d", 4))),
      OTELC_ERR_LIMIT);
  /* A repeated key is an update, not a new attribute. */
  assert_int_equal(
      otelc_span_add_event(
          s, "dup", 0,
          OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2), OTELC_INT("a", 3))),
      OTELC_OK);
  assert_int_equal(
      otelc_span_add_event(s, "two", 0,
                           OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2))),
      OTELC_OK);
  /* The span's own attributes are not limited by it. */
  for (int i = 0; i < 4; i++) {
    char key[32];
    snprintf(key, sizeof key, "s%d", i);
    assert_int_equal(otelc_span_set_int(s, key, i), OTELC_OK);
  }
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_event_count(e), 3);
  const otelc_span_event *ev = otelc_span_get_event(e, 0);
  assert_int_equal(ev->n_attrs, 2);
  assert_int_equal(ev->dropped_attrs, 2);
  assert_string_equal(ev->attrs[0].key, "a");
  assert_string_equal(ev->attrs[1].key, "b");
  ev = otelc_span_get_event(e, 1);
  assert_int_equal(ev->n_attrs, 2);
  assert_int_equal(ev->dropped_attrs, 0);
  assert_int_equal(ev->attrs[0].value.u.i, 3); /* the last one wins */
  ev = otelc_span_get_event(e, 2);
  assert_int_equal(ev->n_attrs, 2);
  assert_int_equal(ev->dropped_attrs, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 4);
  uint32_t events = 9;
  otelc_span_get_dropped(e, NULL, &events, NULL);
  assert_int_equal(events, 0);
  fixture_free(&f);
}

static void test_link_limits(void **state) {
  (void)state;
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.link_count = 2;
  lim.link_attr_count = 1;
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_link at_start[] = {
      {make_sc(1), NULL,
       OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2), OTELC_INT("c", 3))},
      {make_sc(2), NULL, NULL, 0},
      {make_sc(3), NULL, NULL, 0},
  };
  otelc_span_start_opts o = {.links = at_start, .n_links = 3};
  otelc_span *s = otelc_span_start(f.tracer, "x", &o);
  otelc_link later = {make_sc(4), NULL, NULL, 0};
  assert_int_equal(otelc_span_add_link(s, &later), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_link_count(e), 2);
  const otelc_span_link *l = otelc_span_get_link(e, 0);
  assert_memory_equal(l->context.span_id, make_sc(1).span_id, 8);
  assert_int_equal(l->n_attrs, 1);
  assert_string_equal(l->attrs[0].key, "a");
  assert_int_equal(l->dropped_attrs, 2);
  l = otelc_span_get_link(e, 1);
  assert_memory_equal(l->context.span_id, make_sc(2).span_id, 8);
  assert_int_equal(l->dropped_attrs, 0);
  uint32_t attrs = 9, events = 9, links = 9;
  otelc_span_get_dropped(e, &attrs, &events, &links);
  assert_int_equal(attrs, 0);
  assert_int_equal(events, 0);
  assert_int_equal(links, 2);

  /* add_link reports a link whose attributes were cut. */
  s = otelc_span_start(f.tracer, "y", NULL);
  otelc_link two_attrs = {make_sc(5), NULL,
                          OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2))};
  assert_int_equal(otelc_span_add_link(s, &two_attrs), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  l = otelc_span_get_link(fixture_span(&f, 1), 0);
  assert_int_equal(l->n_attrs, 1);
  assert_int_equal(l->dropped_attrs, 1);
  fixture_free(&f);
}

/* ------------------------------------------------------------ nesting -- */

#define DEPTH_LIMIT 64

/* A chain of @p n nested ARRAYs (nodes[0] is the top, at depth 1) ending
 * in @p leaf; nodes must hold n + 1 values. */
static void array_chain(otelc_value *nodes, int n, otelc_value leaf) {
  for (int i = 0; i < n; i++)
    nodes[i] = (otelc_value){OTELC_VALUE_ARRAY, 1, {.values = &nodes[i + 1]}};
  nodes[n] = leaf;
}

/* The same with single-entry MAPs; kvs must hold n entries. */
static void map_chain(otelc_value *nodes, otelc_attr *kvs, int n,
                      otelc_value leaf) {
  nodes[n] = leaf;
  for (int i = n - 1; i >= 0; i--) {
    kvs[i] = (otelc_attr){"k", nodes[i + 1]};
    nodes[i] = (otelc_value){OTELC_VALUE_MAP, 1, {.kvs = &kvs[i]}};
  }
}

/* The single child of an ARRAY or MAP of one element. */
static const otelc_value *child_of(const otelc_value *v) {
  assert_int_equal(v->len, 1);
  return v->type == OTELC_VALUE_ARRAY ? &v->u.values[0] : &v->u.kvs[0].value;
}

/* Store @p top as attribute "deep" and return the status; the exported
 * span goes to @p f's exporter. */
static otelc_status store(fixture *f, const otelc_value *top) {
  otelc_span *s = otelc_span_start(f->tracer, "x", NULL);
  otelc_attr a = {"deep", *top};
  otelc_status st = otelc_span_set_attr(s, &a);
  otelc_span_end(s);
  return st;
}

/* Walk down the stored chain: depths 1..keep hold @p type; the value at
 * depth keep + 1 is returned. */
static const otelc_value *walk(const otelc_value *v, int keep,
                               otelc_value_type type) {
  for (int d = 1; d <= keep; d++) {
    if (v->type != type)
      fail_msg("depth %d: type %d, expected %d", d, v->type, type);
    v = child_of(v);
  }
  return v;
}

static void test_depth_limit_arrays(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  static otelc_value nodes[71];
  otelc_value leaf = {OTELC_VALUE_INT, 0, {.i = 42}};

  /* 70 nested arrays: the ones at depths 1..64 are kept, the one at depth
   * 65 becomes an EMPTY value. */
  array_chain(nodes, 70, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_ERR_LIMIT);
  const otelc_value *v = otelc_span_find_attr(fixture_span(&f, 0), "deep");
  v = walk(v, DEPTH_LIMIT, OTELC_VALUE_ARRAY);
  assert_int_equal(v->type, OTELC_VALUE_EMPTY);

  /* Exactly at the limit: 64 arrays, the scalar leaf at depth 65 (not an
   * array or map) is kept, nothing is cut. */
  array_chain(nodes, DEPTH_LIMIT, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_OK);
  v = otelc_span_find_attr(fixture_span(&f, 1), "deep");
  v = walk(v, DEPTH_LIMIT, OTELC_VALUE_ARRAY);
  assert_int_equal(v->type, OTELC_VALUE_INT);
  assert_int_equal(v->u.i, 42);

  /* One more: 65 arrays, the innermost becomes EMPTY. */
  array_chain(nodes, DEPTH_LIMIT + 1, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_ERR_LIMIT);
  v = otelc_span_find_attr(fixture_span(&f, 2), "deep");
  v = walk(v, DEPTH_LIMIT, OTELC_VALUE_ARRAY);
  assert_int_equal(v->type, OTELC_VALUE_EMPTY);

  /* Shallow nesting is untouched. */
  array_chain(nodes, 3, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_OK);
  v = otelc_span_find_attr(fixture_span(&f, 3), "deep");
  assert_int_equal(walk(v, 3, OTELC_VALUE_ARRAY)->u.i, 42);
  fixture_free(&f);
}

static void test_depth_limit_maps(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  static otelc_value nodes[71];
  static otelc_attr kvs[70];
  otelc_value leaf = {OTELC_VALUE_STRING, OTELC_NTS, {.str = "leaf"}};

  map_chain(nodes, kvs, 70, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_ERR_LIMIT);
  const otelc_value *v = otelc_span_find_attr(fixture_span(&f, 0), "deep");
  v = walk(v, DEPTH_LIMIT, OTELC_VALUE_MAP);
  assert_int_equal(v->type, OTELC_VALUE_EMPTY);

  map_chain(nodes, kvs, DEPTH_LIMIT, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_OK);
  v = otelc_span_find_attr(fixture_span(&f, 1), "deep");
  v = walk(v, DEPTH_LIMIT, OTELC_VALUE_MAP);
  assert_int_equal(v->type, OTELC_VALUE_STRING);
  assert_string_equal(v->u.str, "leaf");
  fixture_free(&f);
}

/* Homogeneous arrays are arrays too: one deeper than the limit is
 * replaced with an empty value. */
static void test_depth_limit_typed_array_below_limit(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  static otelc_value nodes[71];
  static const int64_t ints[] = {1, 2, 3};
  otelc_value leaf = {OTELC_VALUE_INT_ARRAY, 3, {.ints = ints}};

  /* At depth 64 the typed array is kept. */
  array_chain(nodes, DEPTH_LIMIT - 1, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_OK);
  const otelc_value *v = otelc_span_find_attr(fixture_span(&f, 0), "deep");
  v = walk(v, DEPTH_LIMIT - 1, OTELC_VALUE_ARRAY);
  assert_int_equal(v->type, OTELC_VALUE_INT_ARRAY);
  assert_int_equal(v->len, 3);

  /* At depth 65 it is emptied. */
  array_chain(nodes, DEPTH_LIMIT, leaf);
  assert_int_equal(store(&f, &nodes[0]), OTELC_ERR_LIMIT);
  v = otelc_span_find_attr(fixture_span(&f, 1), "deep");
  v = walk(v, DEPTH_LIMIT, OTELC_VALUE_ARRAY);
  assert_true(v->type == OTELC_VALUE_EMPTY || v->len == 0);
  fixture_free(&f);
}

/* -------------------------------------------------------- zero limits -- */

static void test_zero_limits_drop_everything(void **state) {
  (void)state;
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.attr_count = 0;
  lim.event_count = 0;
  lim.link_count = 0;
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_link link = {make_sc(1), NULL, NULL, 0};
  otelc_span_start_opts o = {
      .attrs = OTELC_ATTRS(OTELC_INT("s1", 1), OTELC_INT("s2", 2)),
      .links = &link,
      .n_links = 1};
  otelc_span *s = otelc_span_start(f.tracer, "x", &o);
  assert_true(otelc_span_is_recording(s));
  assert_int_equal(otelc_span_set_int(s, "a", 1), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_str(s, "b", "x"), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_add_event(s, "e", 0, NULL, 0), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_add_link(s, &link), OTELC_ERR_LIMIT);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  assert_int_equal(otelc_span_get_attr_count(e), 0);
  assert_int_equal(otelc_span_get_event_count(e), 0);
  assert_int_equal(otelc_span_get_link_count(e), 0);
  uint32_t attrs, events, links;
  otelc_span_get_dropped(e, &attrs, &events, &links);
  assert_int_equal(attrs, 4);
  assert_int_equal(events, 1);
  assert_int_equal(links, 2);
  fixture_free(&f);
}

static void test_zero_limits_inside_events_links_and_values(void **state) {
  (void)state;
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.event_attr_count = 0;
  lim.link_attr_count = 0;
  lim.attr_value_length = 0;
  fixture f;
  fixture_init(&f, NULL, &lim);
  otelc_span *s = otelc_span_start(f.tracer, "x", NULL);
  assert_int_equal(
      otelc_span_add_event(s, "e", 0,
                           OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2))),
      OTELC_ERR_LIMIT);
  otelc_link link = {make_sc(1), NULL, OTELC_ATTRS(OTELC_INT("a", 1))};
  assert_int_equal(otelc_span_add_link(s, &link), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_str(s, "str", "abc"), OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_str(s, "empty", ""), OTELC_OK);
  const unsigned char bytes[] = {1, 2};
  assert_int_equal(otelc_span_set_attr(s, &OTELC_BYTES("by", bytes, 2)),
                   OTELC_ERR_LIMIT);
  assert_int_equal(otelc_span_set_int(s, "i", 12345), OTELC_OK);
  otelc_span_end(s);
  otelc_span *e = fixture_span(&f, 0);
  const otelc_span_event *ev = otelc_span_get_event(e, 0);
  assert_non_null(ev); /* the event is kept, its attributes are not */
  assert_int_equal(ev->n_attrs, 0);
  assert_int_equal(ev->dropped_attrs, 2);
  const otelc_span_link *l = otelc_span_get_link(e, 0);
  assert_non_null(l);
  assert_int_equal(l->n_attrs, 0);
  assert_int_equal(l->dropped_attrs, 1);
  const otelc_value *v = otelc_span_find_attr(e, "str");
  assert_int_equal(v->len, 0);
  assert_string_equal(v->u.str, "");
  assert_int_equal(otelc_span_find_attr(e, "by")->len, 0);
  assert_int_equal(otelc_span_find_attr(e, "i")->u.i, 12345);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test_teardown(test_env_unset_gives_defaults, teardown),
      cmocka_unit_test_teardown(test_env_each_variable, teardown),
      cmocka_unit_test_teardown(test_env_zero_is_a_valid_limit, teardown),
      cmocka_unit_test_teardown(test_env_specific_beats_general, teardown),
      cmocka_unit_test_teardown(test_env_invalid_values_warn_once, teardown),
      cmocka_unit_test_teardown(test_env_invalid_general_count_warns_once,
                                teardown),
      cmocka_unit_test_teardown(test_env_invalid_specific_falls_back_to_general,
                                teardown),
      cmocka_unit_test_teardown(test_provider_reads_limits_from_env, teardown),
      cmocka_unit_test(test_attr_count_limit),
      cmocka_unit_test(test_attr_count_limit_dropped_two),
      cmocka_unit_test(test_attr_count_limit_is_per_collection),
      cmocka_unit_test(test_value_length_ascii),
      cmocka_unit_test(test_value_length_utf8),
      cmocka_unit_test(test_value_length_four_byte_sequences),
      cmocka_unit_test(test_value_length_invalid_utf8),
      cmocka_unit_test(test_value_length_explicit_length_strings),
      cmocka_unit_test(test_value_length_arrays_bytes_and_scalars),
      cmocka_unit_test(test_value_length_nested_values),
      cmocka_unit_test(test_value_length_applies_to_events_and_links),
      cmocka_unit_test(test_event_count_limit),
      cmocka_unit_test(test_event_attr_count_limit),
      cmocka_unit_test(test_link_limits),
      cmocka_unit_test(test_depth_limit_arrays),
      cmocka_unit_test(test_depth_limit_maps),
      cmocka_unit_test(test_depth_limit_typed_array_below_limit),
      cmocka_unit_test(test_zero_limits_drop_everything),
      cmocka_unit_test(test_zero_limits_inside_events_links_and_values),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
