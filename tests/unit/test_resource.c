/* Resources: detection, environment, precedence, merge, references. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/attrs.h"
#include "common/internal.h"
#include "otelc/resource.h"
#include "otelc/version.h"
#include "test_helpers.h"

static char exe_name[256]; /* basename of argv[0] */

static int setup(void **state) {
  (void)state;
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  unsetenv("OTEL_SERVICE_NAME");
  test_diag_capture();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  unsetenv("OTEL_SERVICE_NAME");
  otelc__alloc_fail_after(-1);
  test_diag_release();
  return 0;
}

static void expect_str(const otelc_resource *r, const char *key,
                       const char *want) {
  const otelc_value *v = otelc_resource_get(r, key);
  if (!v)
    fail_msg("%s is missing", key);
  assert_int_equal(v->type, OTELC_VALUE_STRING);
  assert_int_equal(v->len, strlen(want));
  assert_string_equal(v->u.str, want);
}

static void expect_int(const otelc_resource *r, const char *key, int64_t want) {
  const otelc_value *v = otelc_resource_get(r, key);
  if (!v)
    fail_msg("%s is missing", key);
  assert_int_equal(v->type, OTELC_VALUE_INT);
  assert_int_equal(v->u.i, want);
}

/* Every key appears once, and attr(i) agrees with get(key). */
static void expect_consistent(const otelc_resource *r) {
  size_t n = otelc_resource_attr_count(r);
  for (size_t i = 0; i < n; i++) {
    const otelc_attr *a = otelc_resource_attr(r, i);
    assert_non_null(a);
    assert_non_null(a->key);
    assert_true(a->key[0] != '\0');
    assert_ptr_equal(otelc_resource_get(r, a->key), &a->value);
    for (size_t j = i + 1; j < n; j++)
      assert_string_not_equal(a->key, otelc_resource_attr(r, j)->key);
  }
  assert_null(otelc_resource_attr(r, n));
  assert_null(otelc_resource_attr(r, SIZE_MAX));
}

static otelc_resource *create(const otelc_resource_opts *opts) {
  otelc_resource *r = NULL;
  assert_int_equal(otelc_resource_create(opts, &r), OTELC_OK);
  assert_non_null(r);
  expect_consistent(r);
  return r;
}

/* -------------------------------------------------------------- create -- */

static void test_defaults(void **state) {
  (void)state;
  otelc_resource *r = create(NULL);
  char want[300];
  snprintf(want, sizeof want, "unknown_service:%s", exe_name);
  expect_str(r, "service.name", want);
  expect_str(r, "process.executable.name", exe_name);
  expect_str(r, "telemetry.sdk.name", "otelc");
  expect_str(r, "telemetry.sdk.language", "c");
  expect_str(r, "telemetry.sdk.version", OTELC_VERSION_STRING);
  expect_int(r, "process.pid", (int64_t)getpid());
  char host[256] = "";
  assert_int_equal(gethostname(host, sizeof host - 1), 0);
  expect_str(r, "host.name", host);
  assert_null(otelc_resource_get(r, "service.version"));
  assert_null(otelc_resource_get(r, "deployment.environment.name"));
  assert_null(otelc_resource_schema_url(r));
  assert_int_equal(otelc_resource_attr_count(r), 7);
  assert_int_equal(test_diag_seen.count, 0);
  otelc_resource_release(r);
}

static void test_service_name_env(void **state) {
  (void)state;
  setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,a=b", 1);
  otelc_resource *r = create(NULL);
  expect_str(r, "service.name", "from-attrs");
  otelc_resource_release(r);

  setenv("OTEL_SERVICE_NAME", "from-env", 1);
  otelc_resource_opts o = {.service_name = "from-opts",
                           .attrs = &OTELC_STR("service.name", "attr"),
                           .n_attrs = 1};
  r = create(&o);
  expect_str(r, "service.name", "from-env");
  expect_str(r, "a", "b");
  otelc_resource_release(r);

  /* An empty OTEL_SERVICE_NAME is the same as unset. */
  setenv("OTEL_SERVICE_NAME", "", 1);
  r = create(NULL);
  expect_str(r, "service.name", "from-attrs");
  otelc_resource_release(r);
  assert_int_equal(test_diag_seen.count, 0);
}

static void test_percent_decoding(void **state) {
  (void)state;
  setenv("OTEL_RESOURCE_ATTRIBUTES",
         "a=b%2Cc,d=%20x%20, k = v ,e=,f=x%3Dy,g%2Eh=1,a2=%e2%82%ac", 1);
  otelc_resource *r = create(NULL);
  expect_str(r, "a", "b,c");
  expect_str(r, "d", " x ");
  expect_str(r, "k", "v");
  expect_str(r, "e", "");
  expect_str(r, "f", "x=y");
  expect_str(r, "g.h", "1");
  expect_str(r, "a2", "\xe2\x82\xac");
  assert_int_equal(test_diag_seen.count, 0);
  otelc_resource_release(r);
}

static void test_env_attrs_details(void **state) {
  (void)state;
  /* Later duplicates win; blank entries and a trailing comma are fine;
   * every value is a string. */
  setenv("OTEL_RESOURCE_ATTRIBUTES", "x=1,,x=2, ,n=42,", 1);
  otelc_resource *r = create(NULL);
  expect_str(r, "x", "2");
  expect_str(r, "n", "42");
  assert_int_equal(test_diag_seen.count, 0);
  otelc_resource_release(r);
}

/* The whole variable is discarded, with one warning naming it. */
static void expect_discarded(const char *value) {
  test_diag_capture();
  setenv("OTEL_RESOURCE_ATTRIBUTES", value, 1);
  otelc_resource *r = create(NULL);
  otelc_resource *def = NULL;
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  assert_int_equal(otelc_resource_create(NULL, &def), OTELC_OK);
  if (otelc_resource_attr_count(r) != otelc_resource_attr_count(def))
    fail_msg("'%s' was not discarded", value);
  assert_null(otelc_resource_get(r, "a"));
  assert_null(otelc_resource_get(r, "b"));
  assert_int_equal(test_diag_seen.count, 1);
  assert_int_equal(test_diag_seen.level, OTELC_LOG_WARN);
  assert_non_null(strstr(test_diag_seen.last, "OTEL_RESOURCE_ATTRIBUTES"));
  char quoted[256];
  snprintf(quoted, sizeof quoted, "'%s'", value);
  assert_non_null(strstr(test_diag_seen.last, quoted));
  otelc_resource_release(r);
  otelc_resource_release(def);
}

static void test_env_attrs_invalid(void **state) {
  (void)state;
  expect_discarded("a=%zz,b=c");
  expect_discarded("b=c,a=%zz");
  expect_discarded("a=b,c");
  expect_discarded("a=b,c,b=d");
  expect_discarded("a");
  expect_discarded("a=b,=c");
  expect_discarded("a=b, =c");
  expect_discarded("a=100%");
  expect_discarded("a=%2");
  expect_discarded("b=1,a%zz=1");
  expect_discarded("b=1,a%00=1");
}

static void test_opts_precedence(void **state) {
  (void)state;
  const otelc_attr attrs[] = {OTELC_INT("x", 5), OTELC_STR("z", "prog"),
                              OTELC_STR("telemetry.sdk.language", "c99")};
  otelc_resource_opts o = {
      .service_name = "svc",
      .service_version = "1.2.3",
      .deployment_environment = "prod",
      .attrs = attrs,
      .n_attrs = OTELC__ARRAY_LEN(attrs),
      .schema_url = "https://opentelemetry.io/schemas/1.26.0",
  };
  /* Without the environment the opts apply. */
  otelc_resource *r = create(&o);
  expect_str(r, "service.name", "svc");
  expect_str(r, "service.version", "1.2.3");
  expect_str(r, "deployment.environment.name", "prod");
  expect_int(r, "x", 5);
  expect_str(r, "telemetry.sdk.language", "c99");
  assert_string_equal(otelc_resource_schema_url(r),
                      "https://opentelemetry.io/schemas/1.26.0");
  otelc_resource_release(r);

  /* OTEL_RESOURCE_ATTRIBUTES beats the three defaults; attrs beat it. */
  setenv("OTEL_RESOURCE_ATTRIBUTES",
         "service.name=envsvc,service.version=9,"
         "deployment.environment.name=stage,x=env,y=env,"
         "host.name=h1,process.pid=abc",
         1);
  r = create(&o);
  expect_str(r, "service.name", "envsvc");
  expect_str(r, "service.version", "9");
  expect_str(r, "deployment.environment.name", "stage");
  expect_int(r, "x", 5);
  expect_str(r, "y", "env");
  expect_str(r, "z", "prog");
  expect_str(r, "host.name", "h1");
  expect_str(r, "process.pid", "abc");
  otelc_resource_release(r);

  /* OTEL_SERVICE_NAME beats everything for service.name only. */
  setenv("OTEL_SERVICE_NAME", "final", 1);
  r = create(&o);
  expect_str(r, "service.name", "final");
  expect_str(r, "service.version", "9");
  otelc_resource_release(r);
  assert_int_equal(test_diag_seen.count, 0);
}

static void test_opts_edge_cases(void **state) {
  (void)state;
  /* Empty strings are unset; attrs without a key are skipped with a
   * warning; a NULL attrs array is ignored. */
  otelc_attr bad[] = {OTELC_STR("", "x"), OTELC_STR(NULL, "y"),
                      OTELC_STR("ok", "yes")};
  otelc_resource_opts o = {.service_name = "",
                           .service_version = "",
                           .attrs = bad,
                           .n_attrs = 3,
                           .schema_url = ""};
  otelc_resource *r = create(&o);
  char want[300];
  snprintf(want, sizeof want, "unknown_service:%s", exe_name);
  expect_str(r, "service.name", want);
  assert_null(otelc_resource_get(r, "service.version"));
  expect_str(r, "ok", "yes");
  assert_null(otelc_resource_schema_url(r));
  assert_int_equal(test_diag_seen.count, 2);
  otelc_resource_release(r);

  otelc_resource_opts none = {.attrs = NULL, .n_attrs = 5};
  r = create(&none);
  assert_int_equal(otelc_resource_attr_count(r), 7);
  otelc_resource_release(r);

  assert_int_equal(otelc_resource_create(NULL, NULL), OTELC_ERR_INVALID_ARG);
}

/* Values of every type are deep-copied. */
static void test_value_types(void **state) {
  (void)state;
  char s[] = "mutable";
  const char *strs[] = {"p", "q"};
  int64_t ints[] = {1, 2, 3};
  double dbl[] = {0.5};
  bool bools[] = {true, false};
  otelc_value inner[] = {{OTELC_VALUE_STRING, OTELC_NTS, {.str = "in"}},
                         {OTELC_VALUE_INT, 0, {.i = 7}}};
  otelc_attr kv[] = {OTELC_STR("k", "v"), OTELC_BOOL("b", true)};
  otelc_attr attrs[] = {
      OTELC_STR("s", s),
      OTELC_STRN("sn", "abcdef", 3),
      OTELC_BOOL("bool", true),
      OTELC_DOUBLE("d", 2.5),
      OTELC_BYTES("bytes", "\0\1\2", 3),
      OTELC_STR_ARRAY("strs", strs, 2),
      OTELC_INT_ARRAY("ints", ints, 3),
      OTELC_DOUBLE_ARRAY("dbls", dbl, 1),
      OTELC_BOOL_ARRAY("bools", bools, 2),
      {"arr", {OTELC_VALUE_ARRAY, 2, {.values = inner}}},
      {"map", {OTELC_VALUE_MAP, 2, {.kvs = kv}}},
      {"empty", {OTELC_VALUE_EMPTY, 0, {.i = 0}}},
  };
  otelc_resource *r = NULL;
  assert_int_equal(otelc_resource_new(attrs, OTELC__ARRAY_LEN(attrs), NULL, &r),
                   OTELC_OK);
  s[0] = 'X';
  ints[0] = 99;
  inner[1].u.i = 8;
  assert_int_equal(otelc_resource_attr_count(r), OTELC__ARRAY_LEN(attrs));
  expect_str(r, "s", "mutable");
  expect_str(r, "sn", "abc");
  s[0] = 'm';
  ints[0] = 1;
  inner[1].u.i = 7;
  for (size_t i = 0; i < OTELC__ARRAY_LEN(attrs); i++) {
    const otelc_attr *a = otelc_resource_attr(r, i);
    assert_string_equal(a->key, attrs[i].key);
    if (!otelc__value_equal(&a->value, &attrs[i].value))
      fail_msg("%s differs", a->key);
    if (attrs[i].value.type == OTELC_VALUE_STRING_ARRAY)
      assert_ptr_not_equal(a->value.u.strs, strs);
  }
  otelc_resource_release(r);
}

/* ----------------------------------------------------------------- new -- */

static void test_new(void **state) {
  (void)state;
  otelc_resource *r = NULL;
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("a", "1"), OTELC_INT("b", 2),
                                     OTELC_STR("a", "3")),
                         "https://example.com/s", &r),
      OTELC_OK);
  expect_consistent(r);
  assert_int_equal(otelc_resource_attr_count(r), 2);
  assert_string_equal(otelc_resource_attr(r, 0)->key, "a");
  expect_str(r, "a", "3");
  expect_int(r, "b", 2);
  assert_null(otelc_resource_get(r, "c"));
  assert_null(otelc_resource_get(r, NULL));
  assert_string_equal(otelc_resource_schema_url(r), "https://example.com/s");
  otelc_resource_release(r);

  assert_int_equal(otelc_resource_new(NULL, 0, "", &r), OTELC_OK);
  assert_int_equal(otelc_resource_attr_count(r), 0);
  assert_null(otelc_resource_attr(r, 0));
  assert_null(otelc_resource_schema_url(r));
  otelc_resource_release(r);

  r = (otelc_resource *)&r;
  assert_int_equal(otelc_resource_new(NULL, 1, NULL, &r),
                   OTELC_ERR_INVALID_ARG);
  assert_null(r);
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("", "x")), NULL, &r),
      OTELC_ERR_INVALID_ARG);
  assert_null(r);
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR(NULL, "x")), NULL, &r),
      OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_resource_new(NULL, 0, NULL, NULL),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(test_diag_seen.count, 0);
}

/* Many and large attributes go beyond the first block of storage. */
static void test_large(void **state) {
  (void)state;
  enum { N = 500 };
  static otelc_attr attrs[N];
  static char keys[N][16];
  static char big[10000];
  memset(big, 'v', sizeof big - 1);
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "key.%d", i);
    attrs[i] = OTELC_STRN(keys[i], big, (size_t)(i * 17) % sizeof big);
  }
  otelc_resource *r = NULL;
  assert_int_equal(otelc_resource_new(attrs, N, NULL, &r), OTELC_OK);
  assert_int_equal(otelc_resource_attr_count(r), N);
  for (int i = 0; i < N; i++) {
    const otelc_value *v = otelc_resource_get(r, keys[i]);
    assert_non_null(v);
    assert_int_equal(v->len, (size_t)(i * 17) % sizeof big);
    assert_memory_equal(v->u.str, big, v->len);
    assert_int_equal(v->u.str[v->len], '\0');
  }
  otelc_resource_release(r);
}

/* --------------------------------------------------------------- merge -- */

static otelc_resource *make(const char *schema, const otelc_attr *attrs,
                            size_t n) {
  otelc_resource *r = NULL;
  assert_int_equal(otelc_resource_new(attrs, n, schema, &r), OTELC_OK);
  return r;
}

static void test_merge(void **state) {
  (void)state;
  otelc_resource *base =
      make(NULL, OTELC_ATTRS(OTELC_INT("a", 1), OTELC_STR("b", "x"),
                             OTELC_STR("keep", "k")));
  otelc_resource *upd =
      make(NULL, OTELC_ATTRS(OTELC_STR("b", ""), OTELC_INT("c", 2),
                             {"a", {OTELC_VALUE_EMPTY, 0, {.i = 0}}}));
  otelc_resource *m = NULL;
  assert_int_equal(otelc_resource_merge(base, upd, &m), OTELC_OK);
  otelc_resource_release(base);
  otelc_resource_release(upd);
  expect_consistent(m);
  assert_int_equal(otelc_resource_attr_count(m), 4);
  assert_int_equal(otelc_resource_get(m, "a")->type, OTELC_VALUE_EMPTY);
  expect_str(m, "b", "");
  expect_int(m, "c", 2);
  expect_str(m, "keep", "k");
  otelc_resource_release(m);

  /* NULL inputs are empty resources. */
  base = make("s1", OTELC_ATTRS(OTELC_STR("a", "1")));
  assert_int_equal(otelc_resource_merge(base, NULL, &m), OTELC_OK);
  assert_int_equal(otelc_resource_attr_count(m), 1);
  assert_string_equal(otelc_resource_schema_url(m), "s1");
  otelc_resource_release(m);
  assert_int_equal(otelc_resource_merge(NULL, base, &m), OTELC_OK);
  expect_str(m, "a", "1");
  assert_string_equal(otelc_resource_schema_url(m), "s1");
  otelc_resource_release(m);
  assert_int_equal(otelc_resource_merge(NULL, NULL, &m), OTELC_OK);
  assert_int_equal(otelc_resource_attr_count(m), 0);
  otelc_resource_release(m);
  assert_int_equal(otelc_resource_merge(base, base, NULL),
                   OTELC_ERR_INVALID_ARG);
  otelc_resource_release(base);
  assert_int_equal(test_diag_seen.count, 0);
}

typedef struct schema_case {
  const char *base, *updating, *want;
  bool warns;
} schema_case;

static void test_merge_schema_url(void **state) {
  (void)state;
  static const schema_case cases[] = {
      {NULL, NULL, NULL, false}, {"u1", NULL, "u1", false},
      {NULL, "u2", "u2", false}, {"u1", "u1", "u1", false},
      {"", "u2", "u2", false},   {"u1", "u2", NULL, true},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const schema_case *c = &cases[i];
    test_diag_capture();
    otelc_resource *a = make(c->base, OTELC_ATTRS(OTELC_STR("a", "1")));
    otelc_resource *b = make(c->updating, OTELC_ATTRS(OTELC_STR("b", "2")));
    otelc_resource *m = NULL;
    assert_int_equal(otelc_resource_merge(a, b, &m), OTELC_OK);
    if (c->want)
      assert_string_equal(otelc_resource_schema_url(m), c->want);
    else
      assert_null(otelc_resource_schema_url(m));
    assert_int_equal(otelc_resource_attr_count(m), 2);
    assert_int_equal(test_diag_seen.count, c->warns ? 1 : 0);
    if (c->warns) {
      assert_non_null(strstr(test_diag_seen.last, "'u1'"));
      assert_non_null(strstr(test_diag_seen.last, "'u2'"));
    }
    otelc_resource_release(a);
    otelc_resource_release(b);
    otelc_resource_release(m);
  }
}

/* ---------------------------------------------------------- references -- */

static void test_refcount(void **state) {
  (void)state;
  otelc_resource *r = make("s", OTELC_ATTRS(OTELC_STR("a", "1")));
  assert_ptr_equal(otelc_resource_ref(r), r);
  assert_ptr_equal(otelc_resource_ref(r), r);
  otelc_resource_release(r);
  otelc_resource_release(r);
  expect_str(r, "a", "1"); /* one reference left */
  otelc_resource_release(r);

  otelc_resource_release(NULL);
  assert_null(otelc_resource_ref(NULL));
  assert_int_equal(otelc_resource_attr_count(NULL), 0);
  assert_null(otelc_resource_attr(NULL, 0));
  assert_null(otelc_resource_get(NULL, "a"));
  assert_null(otelc_resource_schema_url(NULL));
}

static void *ref_worker(void *arg) {
  otelc_resource *r = arg;
  for (int i = 0; i < 20000; i++)
    otelc_resource_release(otelc_resource_ref(r));
  for (int i = 0; i < 100; i++)
    otelc_resource_ref(r);
  for (int i = 0; i < 100; i++)
    otelc_resource_release(r);
  return NULL;
}

static void test_refcount_threads(void **state) {
  (void)state;
  otelc_resource *r = make(NULL, OTELC_ATTRS(OTELC_STR("a", "1")));
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&t[i], NULL, ref_worker, r), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  expect_str(r, "a", "1");
  otelc_resource_release(r);
}

/* ----------------------------------------------------- out of memory -- */

/* Run @p fn with allocations failing after n = 0, 1, ... until it
 * succeeds; each failure must be a clean OTELC_ERR_NOMEM. */
static void sweep_alloc_failures(otelc_status (*fn)(otelc_resource **),
                                 void (*check)(const otelc_resource *)) {
  for (long n = 0;; n++) {
    otelc_resource *r = (otelc_resource *)&r;
    otelc__alloc_fail_after(n);
    otelc_status st = fn(&r);
    otelc__alloc_fail_after(-1);
    if (st == OTELC_OK) {
      assert_true(n > 0);
      check(r);
      otelc_resource_release(r);
      return;
    }
    assert_int_equal(st, OTELC_ERR_NOMEM);
    assert_null(r);
    assert_true(n < 1000);
  }
}

static otelc_attr oom_attrs[3];

static void oom_init(void) {
  static const char *const strs[] = {"x", "y", "z"};
  static otelc_attr kv[1];
  kv[0] = OTELC_STR_ARRAY("inner", strs, 3);
  oom_attrs[0] = OTELC_STR("p", "q");
  oom_attrs[1] = OTELC_STR_ARRAY("strs", strs, 3);
  oom_attrs[2] = (otelc_attr){"map", {OTELC_VALUE_MAP, 1, {.kvs = kv}}};
}

static otelc_status oom_create(otelc_resource **out) {
  otelc_resource_opts o = {.service_name = "svc",
                           .attrs = oom_attrs,
                           .n_attrs = OTELC__ARRAY_LEN(oom_attrs),
                           .schema_url = "https://example.com/s"};
  return otelc_resource_create(&o, out);
}

static void oom_create_check(const otelc_resource *r) {
  expect_str(r, "service.name", "named");
  expect_str(r, "env", "a,b");
  expect_str(r, "p", "q");
  assert_int_equal(otelc_resource_get(r, "map")->type, OTELC_VALUE_MAP);
  assert_string_equal(otelc_resource_schema_url(r), "https://example.com/s");
}

static otelc_status oom_new(otelc_resource **out) {
  return otelc_resource_new(oom_attrs, OTELC__ARRAY_LEN(oom_attrs), "s", out);
}

static void oom_new_check(const otelc_resource *r) {
  assert_int_equal(otelc_resource_attr_count(r), 3);
  expect_str(r, "p", "q");
}

static otelc_resource *oom_base, *oom_upd;

static otelc_status oom_merge(otelc_resource **out) {
  return otelc_resource_merge(oom_base, oom_upd, out);
}

static void oom_merge_check(const otelc_resource *r) {
  assert_int_equal(otelc_resource_attr_count(r), 4);
  expect_str(r, "p", "override");
}

static void test_alloc_failure(void **state) {
  (void)state;
  oom_init();
  setenv("OTEL_RESOURCE_ATTRIBUTES", "env=a%2Cb,more=1,x=y", 1);
  setenv("OTEL_SERVICE_NAME", "named", 1);
  sweep_alloc_failures(oom_create, oom_create_check);
  sweep_alloc_failures(oom_new, oom_new_check);
  oom_base = make("s", oom_attrs, OTELC__ARRAY_LEN(oom_attrs));
  oom_upd =
      make(NULL, OTELC_ATTRS(OTELC_STR("p", "override"), OTELC_INT("n", 1)));
  sweep_alloc_failures(oom_merge, oom_merge_check);
  otelc_resource_release(oom_base);
  otelc_resource_release(oom_upd);

  /* The fixed sweep the suite promises: n = 0..20 never crashes. */
  for (long n = 0; n <= 20; n++) {
    otelc_resource *r = NULL;
    otelc__alloc_fail_after(n);
    otelc_status st = oom_create(&r);
    otelc__alloc_fail_after(-1);
    assert_true(st == OTELC_OK || st == OTELC_ERR_NOMEM);
    otelc_resource_release(r);
  }
}

int main(int argc, char **argv) {
  (void)argc;
  const char *base = strrchr(argv[0], '/');
  snprintf(exe_name, sizeof exe_name, "%s", base ? base + 1 : argv[0]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_service_name_env, setup, teardown),
      cmocka_unit_test_setup_teardown(test_percent_decoding, setup, teardown),
      cmocka_unit_test_setup_teardown(test_env_attrs_details, setup, teardown),
      cmocka_unit_test_setup_teardown(test_env_attrs_invalid, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opts_precedence, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opts_edge_cases, setup, teardown),
      cmocka_unit_test_setup_teardown(test_value_types, setup, teardown),
      cmocka_unit_test_setup_teardown(test_new, setup, teardown),
      cmocka_unit_test_setup_teardown(test_large, setup, teardown),
      cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
      cmocka_unit_test_setup_teardown(test_merge_schema_url, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refcount, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refcount_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
