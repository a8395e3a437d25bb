/* The W3C Baggage propagator: the header it writes, what it reads, the
 * members it drops, and the limits that bound its work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "test_helpers.h"
#include "trace_fixture.h"

#define MAX_HEADER 8192

/* One entry to put in a baggage (meta may be NULL). */
typedef struct triple {
  const char *name, *value, *meta;
} triple;

/* A baggage holding the first @p n entries of @p t, in order. */
static otelc_baggage *make_baggage(const triple *t, size_t n) {
  otelc_baggage *b = NULL;
  for (size_t i = 0; i < n; i++) {
    otelc_baggage *next = NULL;
    assert_int_equal(
        otelc_baggage_set(b, t[i].name, t[i].value, t[i].meta, &next),
        OTELC_OK);
    otelc_baggage_release(b);
    b = next;
  }
  return b;
}

/* The "baggage" header that injecting @p b writes (malloc'd), or NULL
 * when none is written. */
static char *inject_baggage(otelc_baggage *b) {
  otelc_propagator *p = otelc_propagator_baggage();
  assert_non_null(p);
  otelc_context *ctx = otelc_context_with_baggage(NULL, b);
  assert_non_null(ctx);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, ctx, &kv.carrier), OTELC_OK);
  const char *h = kv.carrier.get(kv.carrier.self, "baggage");
  char *out = h ? strdup(h) : NULL;
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
  otelc_propagator_free(p);
  return out;
}

/* The context extracted from @p n "baggage" headers on top of @p base. */
static otelc_context *extract_on(const otelc_context *base,
                                 const char *const *hdrs, size_t n) {
  otelc_propagator *p = otelc_propagator_baggage();
  assert_non_null(p);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(otelc_kv_carrier_add(&kv, "baggage", hdrs[i]), OTELC_OK);
  otelc_context *ctx = otelc_propagator_extract(p, base, &kv.carrier);
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);
  return ctx;
}

/* The context extracted from one "baggage" header. */
static otelc_context *extract1(const char *h) {
  return extract_on(NULL, &h, 1);
}

/* Assert entry @p i of @p b. A NULL @p meta expects no metadata. */
static void check_entry(const otelc_baggage *b, size_t i, const char *name,
                        const char *value, const char *meta) {
  const char *n = NULL, *v = NULL, *m = NULL;
  assert_true(otelc_baggage_entry(b, i, &n, &v, &m));
  assert_string_equal(n, name);
  assert_string_equal(v, value);
  if (meta)
    assert_string_equal(m ? m : "(null)", meta);
  else
    assert_true(m == NULL || m[0] == '\0');
}

/* Assert that @p a and @p b hold the same entries in the same order. */
static void check_same(const otelc_baggage *a, const otelc_baggage *b) {
  assert_int_equal(otelc_baggage_count(a), otelc_baggage_count(b));
  for (size_t i = 0; i < otelc_baggage_count(a); i++) {
    const char *n = NULL, *v = NULL, *m = NULL;
    assert_true(otelc_baggage_entry(a, i, &n, &v, &m));
    check_entry(b, i, n, v, m && m[0] ? m : NULL);
  }
}

/* ------------------------------------------------------------ round trip */

static void test_round_trip_values(void **state) {
  (void)state;
  const triple t[] = {
      {"space", "a b  c", NULL},
      {"comma", "a,b", NULL},
      {"semi", "a;b", NULL},
      {"percent", "100% %41 %", NULL},
      {"equals", "a=b==c", NULL},
      {"utf8", "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", NULL},
      {"empty", "", NULL},
      {"quotes", "\"x\\y\"", NULL},
      {"control", "a\tb\x01\x7f", NULL},
      {"plus", "1+2", NULL},
      {"meta", "v", "prop1;p2=x"},
      {"k!#$%&'*+-.^_`|~09AZaz", "tchars", NULL},
  };
  otelc_baggage *b = make_baggage(t, OTELC__ARRAY_LEN(t));
  char *h = inject_baggage(b);
  assert_non_null(h);
  otelc_context *ctx = extract1(h);
  check_same(b, otelc_context_baggage(ctx));
  otelc_context_release(ctx);
  free(h);
  otelc_baggage_release(b);
}

static void test_exact_header(void **state) {
  (void)state;
  const triple t[] = {
      {"a", "hello world", NULL},
      {"b", "x,y;z%\"\\", "p=1"},
      {"c", "\xc3\xa9", NULL},
      {"d", "", NULL},
      {"e", "keep-these:/?[]{}()<>@!#$&'*+=~^|`", NULL},
  };
  otelc_baggage *b = make_baggage(t, OTELC__ARRAY_LEN(t));
  char *h = inject_baggage(b);
  assert_string_equal(h, "a=hello%20world,"
                         "b=x%2Cy%3Bz%25%22%5C;p=1,"
                         "c=%C3%A9,"
                         "d=,"
                         "e=keep-these:/?[]{}()<>@!#$&'*+=~^|`");
  free(h);
  otelc_baggage_release(b);
}

static void test_metadata_kept_verbatim(void **state) {
  (void)state;
  otelc_context *ctx = extract1("k=v;prop1;p2=x");
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 1);
  check_entry(b, 0, "k", "v", "prop1;p2=x");
  char *h = inject_baggage((otelc_baggage *)b);
  assert_string_equal(h, "k=v;prop1;p2=x");
  free(h);
  otelc_context_release(ctx);

  /* OWS around the whole property list goes; inside it stays. */
  ctx = extract1("k = v \t; prop1 ; p2 = %20x \t,j=1;");
  b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 2);
  check_entry(b, 0, "k", "v", "prop1 ; p2 = %20x");
  check_entry(b, 1, "j", "1", NULL);
  otelc_context_release(ctx);
}

/* ------------------------------------------------------------ extraction */

static void test_extract_joined_headers(void **state) {
  (void)state;
  const char *const hdrs[] = {"a=1, b=2", "c=3", "d=%C3%A9"};
  otelc_context *ctx = extract_on(NULL, hdrs, 3);
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 4);
  check_entry(b, 0, "a", "1", NULL);
  check_entry(b, 1, "b", "2", NULL);
  check_entry(b, 2, "c", "3", NULL);
  check_entry(b, 3, "d", "\xc3\xa9", NULL);
  otelc_context_release(ctx);
}

static void test_extract_ows(void **state) {
  (void)state;
  otelc_context *ctx =
      extract1(" \t a \t = \t 1 \t ,b=2,\tc =3\t,d= 4 ,  e  =  %20  ");
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 5);
  check_entry(b, 0, "a", "1", NULL);
  check_entry(b, 1, "b", "2", NULL);
  check_entry(b, 2, "c", "3", NULL);
  check_entry(b, 3, "d", "4", NULL);
  check_entry(b, 4, "e", " ", NULL);
  otelc_context_release(ctx);
}

static void test_extract_duplicates_later_wins(void **state) {
  (void)state;
  const char *const hdrs[] = {"a=1,b=2;p,a=3", "b=4"};
  otelc_context *ctx = extract_on(NULL, hdrs, 2);
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 2);
  assert_string_equal(otelc_baggage_get(b, "a"), "3");
  assert_string_equal(otelc_baggage_get(b, "b"), "4");
  check_entry(b, 1, "b", "4", NULL); /* the metadata went with "2" */
  otelc_context_release(ctx);
}

static void test_extract_invalid_members_dropped(void **state) {
  (void)state;
  otelc_context *ctx = extract1("good1=1,"
                                "noequals,"
                                "=empty-key,"
                                " = x,"
                                "bad key=1,"
                                "bad(key=2,"
                                "bad\xc3\xa9=3,"
                                "pct=%zz,"
                                "pct2=%4,"
                                "pct3=%,"
                                "sp=a b,"
                                "quote=a\"b,"
                                "bs=a\\b,"
                                "raw=\xc3\xa9,"
                                "ctl=a\x01,"
                                "nul=a%00b,"
                                "metactl=v;p\x01,"
                                "good2=2");
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 2);
  check_entry(b, 0, "good1", "1", NULL);
  check_entry(b, 1, "good2", "2", NULL);
  otelc_context_release(ctx);
}

static void test_extract_value_details(void **state) {
  (void)state;
  otelc_context *ctx = extract1("eq=a=b=,lower=%c3%a9,plus=1+2,empty=,"
                                "e2=;p,pct=%25%2C%3B,,  ,semi=v;,tab=v;\t");
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 8);
  check_entry(b, 0, "eq", "a=b=", NULL);
  check_entry(b, 1, "lower", "\xc3\xa9", NULL);
  check_entry(b, 2, "plus", "1+2", NULL);
  check_entry(b, 3, "empty", "", NULL);
  check_entry(b, 4, "e2", "", "p");
  check_entry(b, 5, "pct", "%,;", NULL);
  check_entry(b, 6, "semi", "v", NULL);
  check_entry(b, 7, "tab", "v", NULL);
  otelc_context_release(ctx);
}

static void test_extract_invalid_utf8_replaced(void **state) {
  (void)state;
  otelc_context *ctx = extract1("a=%FF,"
                                "b=%C3%28,"
                                "c=x%E2%82,"
                                "d=%F0%9F%98%80,"
                                "e=%C0%AF,"
                                "f=%ED%A0%80,"
                                "g=%F4%90%80%80,"
                                "h=%E2%82%AC%80,"
                                "i=%E0%A0%80%E0%80%80,"
                                "j=%F1%80%80%80%F3%80");
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 10);
#define FFFD "\xef\xbf\xbd"
  check_entry(b, 0, "a", FFFD, NULL);
  check_entry(b, 1, "b", FFFD "(", NULL);
  check_entry(b, 2, "c", "x" FFFD, NULL); /* one for a cut sequence */
  check_entry(b, 3, "d", "\xf0\x9f\x98\x80", NULL);
  check_entry(b, 4, "e", FFFD FFFD, NULL);           /* overlong */
  check_entry(b, 5, "f", FFFD FFFD FFFD, NULL);      /* surrogate */
  check_entry(b, 6, "g", FFFD FFFD FFFD FFFD, NULL); /* > U+10FFFF */
  check_entry(b, 7, "h", "\xe2\x82\xac" FFFD, NULL);
  check_entry(b, 8, "i", "\xe0\xa0\x80" FFFD FFFD FFFD, NULL);
  check_entry(b, 9, "j", "\xf1\x80\x80\x80" FFFD, NULL);
#undef FFFD
  otelc_context_release(ctx);
}

static void test_extract_nothing_valid_keeps_base(void **state) {
  (void)state;
  const triple t[] = {
      {"base", "1", NULL},
  };
  otelc_baggage *bb = make_baggage(t, 1);
  otelc_context *base = otelc_context_with_baggage(NULL, bb);
  const char *const bad[] = {"", " , ,", "no-equals", "sp=a b"};
  for (size_t i = 0; i < OTELC__ARRAY_LEN(bad); i++) {
    otelc_context *ctx = extract_on(base, &bad[i], 1);
    assert_string_equal(otelc_baggage_get(otelc_context_baggage(ctx), "base"),
                        "1");
    otelc_context_release(ctx);
    /* From an empty base, no baggage at all. */
    ctx = extract1(bad[i]);
    assert_null(otelc_context_baggage(ctx));
    otelc_context_release(ctx);
  }
  /* No header at all. */
  otelc_context *ctx = extract_on(base, NULL, 0);
  assert_string_equal(otelc_baggage_get(otelc_context_baggage(ctx), "base"),
                      "1");
  otelc_context_release(ctx);
  /* A carrier that cannot be read. */
  otelc_propagator *p = otelc_propagator_baggage();
  otelc_carrier none = {NULL, NULL, NULL, NULL};
  ctx = otelc_propagator_extract(p, base, &none);
  assert_string_equal(otelc_baggage_get(otelc_context_baggage(ctx), "base"),
                      "1");
  otelc_context_release(ctx);
  otelc_propagator_free(p);
  otelc_context_release(base);
  otelc_baggage_release(bb);
}

/* ---------------------------------------------------------------- limits */

/* A header of @p n members "k<i>=<value>" where each value has @p vlen
 * bytes of 'v'. Caller frees. */
static char *members_header(size_t n, size_t vlen) {
  size_t cap = n * (vlen + 16) + 1;
  char *h = malloc(cap);
  assert_non_null(h);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    o += (size_t)snprintf(h + o, cap - o, "%sk%zu=", i ? "," : "", i);
    memset(h + o, 'v', vlen);
    o += vlen;
  }
  h[o] = '\0';
  return h;
}

static void test_limits_64_members_8192_bytes(void **state) {
  (void)state;
  /* 64 members, 63 commas, 8192 bytes exactly. */
  char *h = malloc(MAX_HEADER + 1);
  assert_non_null(h);
  size_t o = 0;
  for (int i = 0; i < 64; i++) {
    size_t member = i == 0 ? 128 : 127;
    o += (size_t)sprintf(h + o, "%sk%02d=", i ? "," : "", i);
    memset(h + o, 'a' + i % 26, member - 4);
    o += member - 4;
  }
  h[o] = '\0';
  assert_int_equal(strlen(h), MAX_HEADER);
  otelc_context *ctx = extract1(h);
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 64);
  char *again = inject_baggage((otelc_baggage *)b);
  assert_string_equal(again, h);
  free(again);
  otelc_context_release(ctx);
  free(h);

  /* 180 small members are all kept; the 181st is dropped. */
  h = members_header(181, 1);
  ctx = extract1(h);
  b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), OTELC_BAGGAGE_MAX_ENTRIES);
  check_entry(b, 179, "k179", "v", NULL);
  assert_null(otelc_baggage_get(b, "k180"));
  otelc_context_release(ctx);
  free(h);
}

/* Bounded result: at most the entry limit, and it injects whole. */
static void check_bounded(const otelc_baggage *b) {
  assert_true(otelc_baggage_count(b) <= OTELC_BAGGAGE_MAX_ENTRIES);
  size_t total = 0;
  for (size_t i = 0; i < otelc_baggage_count(b); i++) {
    const char *n, *v, *m;
    assert_true(otelc_baggage_entry(b, i, &n, &v, &m));
    total += (i ? 1 : 0) + strlen(n) + 1 + strlen(v); /* at least */
  }
  assert_true(total <= MAX_HEADER);
  char *h = inject_baggage((otelc_baggage *)b);
  if (h) {
    assert_true(strlen(h) <= MAX_HEADER);
    otelc_context *ctx = extract1(h);
    check_same(b, otelc_context_baggage(ctx));
    otelc_context_release(ctx);
  }
  free(h);
}

static void test_limits_huge_headers_bounded(void **state) {
  (void)state;
  /* 10,000 members. */
  char *h = members_header(10000, 4);
  otelc_context *ctx = extract1(h);
  const otelc_baggage *b = otelc_context_baggage(ctx);
  check_bounded(b);
  assert_string_equal(otelc_baggage_get(b, "k0"), "vvvv");
  assert_null(otelc_baggage_get(b, "k9999"));
  otelc_context_release(ctx);
  free(h);

  /* 1 MB of members. */
  size_t big = 1000000;
  h = malloc(big + 1);
  assert_non_null(h);
  for (size_t i = 0; i < big; i += 10)
    memcpy(h + i, "k=1234567,", 10);
  h[big] = '\0';
  ctx = extract1(h);
  b = otelc_context_baggage(ctx);
  check_bounded(b);
  assert_int_equal(otelc_baggage_count(b), 1);
  otelc_context_release(ctx);

  /* One member of 1 MB: dropped, never cut. */
  memcpy(h, "big=", 4);
  memset(h + 4, 'x', big - 4);
  ctx = extract1(h);
  assert_null(otelc_context_baggage(ctx));
  otelc_context_release(ctx);

  /* 1 MB of separators and spaces. */
  memset(h, ',', big);
  for (size_t i = 0; i < big; i += 3)
    h[i] = ' ';
  ctx = extract1(h);
  assert_null(otelc_context_baggage(ctx));
  otelc_context_release(ctx);
  free(h);
}

static void test_limits_member_across_limit_dropped(void **state) {
  (void)state;
  char *h = malloc(2 * MAX_HEADER);
  assert_non_null(h);
  /* "a=xxx" (8000 bytes), then "b=yyy" crossing byte 8192. */
  memcpy(h, "a=", 2);
  memset(h + 2, 'x', 7998);
  memcpy(h + 8000, ",b=", 3);
  memset(h + 8003, 'y', 500);
  h[8503] = '\0';
  otelc_context *ctx = extract1(h);
  const otelc_baggage *b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 1);
  assert_int_equal(strlen(otelc_baggage_get(b, "a")), 7998);
  assert_null(otelc_baggage_get(b, "b"));
  otelc_context_release(ctx);

  /* A member ending exactly at byte 8192 is kept. */
  memset(h + 2, 'x', MAX_HEADER - 2);
  memcpy(h + MAX_HEADER, ",b=1", 5);
  ctx = extract1(h);
  b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 1);
  assert_int_equal(strlen(otelc_baggage_get(b, "a")), MAX_HEADER - 2);
  otelc_context_release(ctx);

  /* Values that grow when decoded again (U+FFFD) are kept only while the
   * baggage still fits in one header. */
  size_t o = 0;
  for (int i = 0; i < 4; i++) {
    o += (size_t)sprintf(h + o, "%sk%d=", i ? "," : "", i);
    for (int j = 0; j < 600; j++, o += 3)
      memcpy(h + o, "%FF", 3);
  }
  h[o] = '\0';
  ctx = extract1(h);
  b = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(b), 1); /* 5403 bytes each */
  check_bounded(b);
  otelc_context_release(ctx);
  free(h);
}

/* ------------------------------------------------------------- injection */

static void test_inject_limit_whole_members(void **state) {
  (void)state;
  char *big = malloc(5001);
  assert_non_null(big);
  memset(big, 'x', 5000);
  big[5000] = '\0';
  char *spaces = malloc(3001);
  assert_non_null(spaces);
  memset(spaces, ' ', 3000);
  spaces[3000] = '\0';
  const triple t[] = {
      {"a", big, NULL},
      {"b", big, NULL},
      {"s", spaces, NULL},
      {"c", "small", NULL},
  };
  otelc_baggage *b = make_baggage(t, 4);
  char *h = inject_baggage(b);
  assert_true(strlen(h) <= MAX_HEADER);
  otelc_context *ctx = extract1(h);
  const otelc_baggage *got = otelc_context_baggage(ctx);
  assert_int_equal(otelc_baggage_count(got), 2);
  assert_string_equal(otelc_baggage_get(got, "a"), big);
  assert_string_equal(otelc_baggage_get(got, "c"), "small");
  otelc_context_release(ctx);
  free(h);
  otelc_baggage_release(b);

  /* 180 members of 64 bytes: whatever is written is whole. */
  b = NULL;
  for (int i = 0; i < OTELC_BAGGAGE_MAX_ENTRIES; i++) {
    char name[16], value[64];
    snprintf(name, sizeof name, "n%03d", i);
    memset(value, 'a' + i % 26, 59);
    value[59] = '\0';
    otelc_baggage *next = NULL;
    assert_int_equal(otelc_baggage_set(b, name, value, NULL, &next), OTELC_OK);
    otelc_baggage_release(b);
    b = next;
  }
  h = inject_baggage(b);
  assert_true(strlen(h) <= MAX_HEADER);
  ctx = extract1(h);
  got = otelc_context_baggage(ctx);
  assert_true(otelc_baggage_count(got) > 64);
  assert_true(otelc_baggage_count(got) < OTELC_BAGGAGE_MAX_ENTRIES);
  for (size_t i = 0; i < otelc_baggage_count(got); i++) {
    const char *n, *v;
    assert_true(otelc_baggage_entry(got, i, &n, &v, NULL));
    assert_string_equal(v, otelc_baggage_get(b, n));
  }
  otelc_context_release(ctx);
  free(h);
  otelc_baggage_release(b);
  free(big);
  free(spaces);
}

static void test_inject_skips_non_token_names(void **state) {
  (void)state;
  const triple t[] = {
      {"bad name", "1", NULL}, {"ok", "2", NULL},  {"\xc3\xbc", "3", NULL},
      {"a,b", "4", NULL},      {"x=y", "5", NULL}, {"ok2", "6", NULL},
  };
  otelc_baggage *b = make_baggage(t, 6);
  char *h = inject_baggage(b);
  assert_string_equal(h, "ok=2,ok2=6");
  free(h);
  otelc_baggage_release(b);

  /* Nothing writable: no header at all. */
  b = make_baggage(t, 1);
  assert_null(inject_baggage(b));
  otelc_baggage_release(b);
}

static void test_inject_unsafe_metadata_left_out(void **state) {
  (void)state;
  const triple t[] = {
      {"a", "1", "p,q"},
      {"b", "2", "p\r\nx-evil: 1"},
      {"c", "3", ""},
      {"d", "4", "p=1;q"},
  };
  otelc_baggage *b = make_baggage(t, 4);
  char *h = inject_baggage(b);
  assert_string_equal(h, "a=1,b=2,c=3,d=4;p=1;q");
  free(h);
  otelc_baggage_release(b);
}

static void test_inject_nothing_and_read_only(void **state) {
  (void)state;
  assert_null(inject_baggage(NULL));

  otelc_propagator *p = otelc_propagator_baggage();
  const char *const *f = otelc_propagator_fields(p);
  assert_non_null(f);
  assert_string_equal(f[0], "baggage");
  assert_null(f[1]);

  const triple t[] = {
      {"a", "1", NULL},
  };
  otelc_baggage *b = make_baggage(t, 1);
  otelc_context *ctx = otelc_context_with_baggage(NULL, b);
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  otelc_carrier ro = kv.carrier;
  ro.set = NULL;
  assert_int_equal(otelc_propagator_inject(p, ctx, &ro), OTELC_ERR_INVALID_ARG);
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
  otelc_baggage_release(b);
  otelc_propagator_free(p);
}

/* ------------------------------------------------------- current context */

static void test_extracted_baggage_becomes_current(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  assert_null(otelc_baggage_current());
  otelc_context *ctx = extract1("user=alice,tier=gold;p");
  otelc_scope sc = otelc_context_attach(ctx);
  const otelc_baggage *cur = otelc_baggage_current();
  assert_string_equal(otelc_baggage_get(cur, "user"), "alice");

  /* A span activated on top keeps the baggage current. */
  otelc_span *s = otelc_span_start(f.tracer, "work", NULL);
  otelc_scope ss = otelc_span_activate(s);
  cur = otelc_baggage_current();
  assert_string_equal(otelc_baggage_get(cur, "tier"), "gold");

  /* And the current context is what inject writes by default. */
  otelc_propagator *p = otelc_propagator_baggage();
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  assert_int_equal(otelc_propagator_inject(p, NULL, &kv.carrier), OTELC_OK);
  const char *h = kv.carrier.get(kv.carrier.self, "baggage");
  assert_non_null(h);
  assert_string_equal(h, "user=alice,tier=gold;p");
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);

  assert_int_equal(otelc_context_detach(ss), OTELC_OK);
  otelc_span_end(s);
  assert_non_null(otelc_baggage_current());
  assert_int_equal(otelc_context_detach(sc), OTELC_OK);
  assert_null(otelc_baggage_current());
  otelc_context_release(ctx);
  fixture_free(&f);
}

/* -------------------------------------------------------- out of memory */

static void test_allocation_failures(void **state) {
  (void)state;
  const triple t[] = {
      {"a", "x y", "m"},
      {"b", "2", NULL},
  };
  otelc_baggage *b = make_baggage(t, 2);
  otelc_context *bctx = otelc_context_with_baggage(NULL, b);
  otelc_propagator *p = otelc_propagator_baggage();
  otelc_kv_carrier in;
  otelc_kv_carrier_init(&in);
  assert_int_equal(otelc_kv_carrier_add(&in, "baggage", "a=x%20y;m,b=2"),
                   OTELC_OK);
  bool extracted = false, injected = false;
  for (long k = 0; k < 20 && !(extracted && injected); k++) {
    otelc__alloc_fail_after(k);
    otelc_context *ctx = otelc_propagator_extract(p, NULL, &in.carrier);
    otelc_kv_carrier out;
    otelc_kv_carrier_init(&out);
    otelc_status st = otelc_propagator_inject(p, bctx, &out.carrier);
    otelc__alloc_fail_after(-1);
    if (ctx && otelc_baggage_count(otelc_context_baggage(ctx)) == 2)
      extracted = true;
    if (st == OTELC_OK && out.carrier.get(out.carrier.self, "baggage") != NULL)
      injected = true;
    else
      assert_true(st == OTELC_OK || st == OTELC_ERR_NOMEM);
    otelc_kv_carrier_clear(&out);
    otelc_context_release(ctx);
  }
  assert_true(extracted);
  assert_true(injected);
  otelc_kv_carrier_clear(&in);
  otelc_propagator_free(p);
  otelc_context_release(bctx);
  otelc_baggage_release(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_values),
      cmocka_unit_test(test_exact_header),
      cmocka_unit_test(test_metadata_kept_verbatim),
      cmocka_unit_test(test_extract_joined_headers),
      cmocka_unit_test(test_extract_ows),
      cmocka_unit_test(test_extract_duplicates_later_wins),
      cmocka_unit_test(test_extract_invalid_members_dropped),
      cmocka_unit_test(test_extract_value_details),
      cmocka_unit_test(test_extract_invalid_utf8_replaced),
      cmocka_unit_test(test_extract_nothing_valid_keeps_base),
      cmocka_unit_test(test_limits_64_members_8192_bytes),
      cmocka_unit_test(test_limits_huge_headers_bounded),
      cmocka_unit_test(test_limits_member_across_limit_dropped),
      cmocka_unit_test(test_inject_limit_whole_members),
      cmocka_unit_test(test_inject_skips_non_token_names),
      cmocka_unit_test(test_inject_unsafe_metadata_left_out),
      cmocka_unit_test(test_inject_nothing_and_read_only),
      cmocka_unit_test(test_extracted_baggage_becomes_current),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
