/* The tracestate header: the Level 2 grammar, normalisation, the W3C
 * truncation rule, and get/set/delete on caller buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "otelc/propagation.h"

#define KEYCHARS "abcdefghijklmnopqrstuvwxyz0123456789_-*/@"
#define VALCHARS                                                               \
  " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"          \
  "abcdefghijklmnopqrstuvwxyz{|}~"

/* A string of @p n copies of @p ch (static storage, one at a time). */
static const char *rep(char ch, size_t n) {
  static char buf[2][1024];
  static int which;
  char *b = buf[which ^= 1];
  assert_true(n < sizeof buf[0]);
  memset(b, ch, n);
  b[n] = '\0';
  return b;
}

static long norm(const char *in, char *out, size_t cap) {
  return otelc_tracestate_normalize(in, strlen(in), out, cap);
}

typedef struct ts_case {
  const char *in;
  const char *out; /* NULL: invalid */
} ts_case;

static const ts_case cases[] = {
    {"", ""},
    {"a=1", "a=1"},
    {"a=1,b=2", "a=1,b=2"},
    {"foo=1,bar=2,baz=3", "foo=1,bar=2,baz=3"},
    /* optional whitespace around members */
    {" a=1", "a=1"},
    {"\ta=1", "a=1"},
    {"a=1 ", "a=1"},
    {"a=1\t", "a=1"},
    {"\t a=1 \t", "a=1"},
    {"foo=1 \t , \t bar=2, \t baz=3", "foo=1,bar=2,baz=3"},
    {"foo=1\t \t,\t \tbar=2,\t \tbaz=3", "foo=1,bar=2,baz=3"},
    /* leading spaces belong to the value */
    {"a= 1", "a= 1"},
    {"a=  x y ", "a=  x y"},
    {"a=x y", "a=x y"},
    /* empty members are dropped */
    {",", ""},
    {" , ,\t,", ""},
    {",,a=1,,  ,b=2,", "a=1,b=2"},
    {"a=1,", "a=1"},
    {",a=1", "a=1"},
    /* keys: first character a-z or 0-9, '@' anywhere after that */
    {"0=1", "0=1"},
    {"9abc=1", "9abc=1"},
    {"a@b=1", "a@b=1"},
    {"1@a=1", "1@a=1"},
    {"a@=1", "a@=1"},
    {"a@@b=1", "a@@b=1"},
    {"a@b@c=1", "a@b@c=1"},
    {"a_-*/=1", "a_-*/=1"},
    {KEYCHARS "=" VALCHARS "~", KEYCHARS "=" VALCHARS "~"},
    {"@a=1", NULL},
    {"@=1", NULL},
    {"_a=1", NULL},
    {"-a=1", NULL},
    {"*a=1", NULL},
    {"/a=1", NULL},
    {"A=1", NULL},
    {"aB=1", NULL},
    {"FOO=1", NULL},
    {"foo.bar=1", NULL},
    {"foo =1", NULL},
    {"foo\t=1", NULL},
    {"fo o=1", NULL},
    {"=1", NULL},
    {"a", NULL},
    {"a,b=1", NULL},
    {"a=1,b", NULL},
    {"\xc3\xa9=1", NULL},
    /* values */
    {"a=", NULL},
    {"a= ", NULL},
    {"a=\t", NULL},
    {"a=1=2", NULL},
    {"a==1", NULL},
    {"a=1\tx", NULL},
    {"a=\x01", NULL},
    {"a=1\x7f", NULL},
    {"a=\xc3\xa9", NULL},
    {"a=1 , b= ", NULL},
    /* one bad member spoils the whole header */
    {"a=1,B=2", NULL},
    {"foo@@bar=1,bar=2,=3", NULL},
    /* duplicate keys */
    {"foo=1,foo=1", NULL},
    {"foo=1,foo=2", NULL},
    {"a=1,b=2,a=3", NULL},
    {"a=1, a=1", NULL},
    {"a=1,ab=2,a@b=3,b=4", "a=1,ab=2,a@b=3,b=4"},
};

static void test_grammar_table(void **state) {
  (void)state;
  char out[OTELC_TRACESTATE_MAX + 1];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const ts_case *c = &cases[i];
    long r = norm(c->in, out, sizeof out);
    if (!c->out) {
      if (r != -1)
        fail_msg("case %zu \"%s\": accepted as \"%s\"", i, c->in, out);
      continue;
    }
    if (r < 0)
      fail_msg("case %zu \"%s\": rejected", i, c->in);
    assert_int_equal(r, (long)strlen(c->out));
    assert_string_equal(out, c->out);
    /* the output is itself valid and normalises to itself */
    char again[OTELC_TRACESTATE_MAX + 1];
    assert_int_equal(norm(out, again, sizeof again), r);
    assert_string_equal(again, out);
  }
}

static void test_key_and_value_lengths(void **state) {
  (void)state;
  char in[1200], out[OTELC_TRACESTATE_MAX + 1];
  /* 256-character key and value: the longest allowed */
  snprintf(in, sizeof in, "%s=%s", rep('k', 256), rep('v', 256));
  assert_int_equal(norm(in, out, sizeof out), 513);
  assert_string_equal(out, in);
  snprintf(in, sizeof in, "1%s@%s=1", rep('a', 199), rep('b', 55));
  assert_int_equal(norm(in, out, sizeof out), 258);
  /* 257 is one too many */
  snprintf(in, sizeof in, "%s=1", rep('k', 257));
  assert_int_equal(norm(in, out, sizeof out), -1);
  snprintf(in, sizeof in, "k=%s", rep('v', 257));
  assert_int_equal(norm(in, out, sizeof out), -1);
  /* trailing whitespace does not count towards the value */
  snprintf(in, sizeof in, "k=%s%s", rep('v', 256), rep(' ', 300));
  assert_int_equal(norm(in, out, sizeof out), 258);
  /* leading spaces do */
  snprintf(in, sizeof in, "k= %s", rep('v', 256));
  assert_int_equal(norm(in, out, sizeof out), -1);
  snprintf(in, sizeof in, "k= %s", rep('v', 255));
  assert_int_equal(norm(in, out, sizeof out), 258);
}

/* "k0=v,k1=v,..." with @p n members into @p buf. */
static void members(char *buf, size_t cap, int n, const char *sep) {
  size_t o = 0;
  buf[0] = '\0';
  for (int i = 0; i < n; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%sk%d=v%d", i ? sep : "", i, i);
}

static void test_member_count(void **state) {
  (void)state;
  char in[2048], out[OTELC_TRACESTATE_MAX + 1];
  members(in, sizeof in, 32, ",");
  long r = norm(in, out, sizeof out);
  assert_int_equal(r, (long)strlen(in));
  assert_string_equal(out, in);
  members(in, sizeof in, 33, ",");
  assert_int_equal(norm(in, out, sizeof out), -1);
  /* empty members do not count */
  members(in, sizeof in, 32, ", ,,\t,");
  r = norm(in, out, sizeof out);
  members(in, sizeof in, 32, ",");
  assert_int_equal(r, (long)strlen(in));
  assert_string_equal(out, in);
  members(in, sizeof in, 33, " ,, ");
  assert_int_equal(norm(in, out, sizeof out), -1);
}

static void test_truncation(void **state) {
  (void)state;
  char in[OTELC_TRACESTATE_MAX * 3], out[OTELC_TRACESTATE_MAX + 1];

  /* from the right when nothing is long */
  assert_int_equal(norm("a=1,b=2,c=3", out, 12), 11);
  assert_string_equal(out, "a=1,b=2,c=3");
  assert_int_equal(norm("a=1,b=2,c=3", out, 11), 7);
  assert_string_equal(out, "a=1,b=2");
  assert_int_equal(norm("a=1,b=2,c=3", out, 8), 7);
  assert_int_equal(norm("a=1,b=2,c=3", out, 7), 3);
  assert_string_equal(out, "a=1");
  assert_int_equal(norm("a=1,b=2,c=3", out, 4), 3);
  assert_int_equal(norm("a=1,b=2,c=3", out, 3), 0);
  assert_string_equal(out, "");
  assert_int_equal(norm("a=1,b=2,c=3", out, 1), 0);
  assert_string_equal(out, "");
  /* no room at all: validation only, nothing written */
  assert_int_equal(norm("a=1", NULL, 0), 0);
  assert_int_equal(norm("A=1", NULL, 0), -1);
  /* an invalid header is invalid at any size */
  assert_int_equal(norm("a=1,a=2", out, 2), -1);

  /* members over 128 characters go first, right-most first */
  char l1[200], l2[200];
  snprintf(l1, sizeof l1, "l1=%s", rep('x', 150)); /* 153 */
  snprintf(l2, sizeof l2, "l2=%s", rep('y', 150));
  snprintf(in, sizeof in, "a=1,%s,b=2,%s,c=3", l1, l2);
  size_t full = strlen(in);
  assert_int_equal(norm(in, out, full + 1), (long)full);
  char want[600];
  snprintf(want, sizeof want, "a=1,%s,b=2,c=3", l1);
  assert_int_equal(norm(in, out, full), (long)strlen(want));
  assert_string_equal(out, want);
  assert_int_equal(norm(in, out, strlen(want) + 1), (long)strlen(want));
  assert_string_equal(out, want);
  assert_int_equal(norm(in, out, strlen(want)), 11);
  assert_string_equal(out, "a=1,b=2,c=3");
  /* ... then the short ones from the right */
  assert_int_equal(norm(in, out, 11), 7);
  assert_string_equal(out, "a=1,b=2");
  /* exactly 128 is not long */
  char m128[200];
  snprintf(m128, sizeof m128, "m=%s", rep('z', 126));
  snprintf(in, sizeof in, "%s,%s,a=1", m128, l1);
  assert_int_equal(norm(in, out, 128 + 4 + 1), 132);
  snprintf(want, sizeof want, "%s,a=1", m128);
  assert_string_equal(out, want);
}

/* Whole members, never more than OTELC_TRACESTATE_MAX, however big the
 * buffer. */
static void test_truncation_to_max(void **state) {
  (void)state;
  static char in[64 * 1024], out[2 * OTELC_TRACESTATE_MAX];
  /* 32 members of 255 characters: 16 of them fit in 4096 */
  size_t o = 0;
  for (int i = 0; i < 32; i++)
    o += (size_t)snprintf(in + o, sizeof in - o, "%sk%02d=%s", i ? "," : "", i,
                          rep('v', 251));
  long r = otelc_tracestate_normalize(in, o, out, sizeof out);
  assert_int_equal(r, 16 * 255 + 15);
  assert_memory_equal(out, in, (size_t)r);
  assert_int_equal(out[r], '\0');

  /* long members on the left go before short ones on the right */
  o = 0;
  for (int i = 0; i < 20; i++)
    o += (size_t)snprintf(in + o, sizeof in - o, "l%02d=%s,", i, rep('v', 250));
  for (int i = 0; i < 10; i++)
    o += (size_t)snprintf(in + o, sizeof in - o, "s%d=%d,", i, i);
  r = otelc_tracestate_normalize(in, o, out, sizeof out);
  assert_true(r > 0 && r <= OTELC_TRACESTATE_MAX);
  char *tail = strstr(out, "s0=0");
  assert_non_null(tail);
  assert_string_equal(tail, "s0=0,s1=1,s2=2,s3=3,s4=4,s5=5,s6=6,s7=7,s8=8,"
                            "s9=9");
  /* as many long ones as fit, from the left */
  assert_int_equal(tail - out, 15 * 255);
}

static void test_normalize_in_place(void **state) {
  (void)state;
  char buf[64];
  strcpy(buf, " a=1 ,, b= 2\t, c=3 ");
  long r = otelc_tracestate_normalize(buf, strlen(buf), buf, sizeof buf);
  assert_int_equal(r, 12);
  assert_string_equal(buf, "a=1,b= 2,c=3");
}

static void test_normalize_args(void **state) {
  (void)state;
  char out[8];
  assert_int_equal(otelc_tracestate_normalize(NULL, 0, out, sizeof out), 0);
  assert_string_equal(out, "");
  assert_int_equal(otelc_tracestate_normalize(NULL, 3, out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_normalize("a=1", 3, NULL, 8), -1);
  /* only len bytes are read */
  assert_int_equal(otelc_tracestate_normalize("a=1,b=2", 3, out, sizeof out),
                   3);
  assert_string_equal(out, "a=1");
  /* an embedded NUL is a bad character */
  assert_int_equal(otelc_tracestate_normalize("a=1\0b=2", 7, out, 8), -1);
}

static void test_huge_input(void **state) {
  (void)state;
  const size_t big = (size_t)1 << 20;
  char *in = malloc(big);
  char out[OTELC_TRACESTATE_MAX + 1];
  assert_non_null(in);
  memset(in, 'a', big);
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), -1);
  in[0] = 'k';
  in[1] = '=';
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), -1);
  memset(in, ',', big);
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), 0);
  for (size_t i = 0; i < big; i++)
    in[i] = " \t,"[i % 3];
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), 0);
  memcpy(in + big / 2, "a=1", 3);
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), 3);
  assert_string_equal(out, "a=1");
  /* many valid members: rejected at the 33rd */
  for (size_t i = 0; i + 9 <= big; i += 9) {
    char m[16];
    snprintf(m, sizeof m, "k%05zu=1,", (i / 9) % 100000);
    memcpy(in + i, m, 9);
  }
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), -1);
  /* a valid member followed by a megabyte of spaces */
  memset(in, ' ', big);
  memcpy(in, "k=v", 3);
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), 3);
  /* a read past the end would be caught by ASan: the buffer is exact */
  memset(in, 'v', big);
  memcpy(in, "k=", 2);
  assert_int_equal(otelc_tracestate_normalize(in, big, out, sizeof out), -1);
  free(in);
}

static void test_get(void **state) {
  (void)state;
  const char *ts = "a=1,bb=22,c@d= x,ab=3";
  const char *v;
  size_t n;
  assert_true(otelc_tracestate_get(ts, "a", &v, &n));
  assert_int_equal(n, 1);
  assert_memory_equal(v, "1", 1);
  assert_true(otelc_tracestate_get(ts, "bb", &v, &n));
  assert_int_equal(n, 2);
  assert_memory_equal(v, "22", 2);
  assert_true(otelc_tracestate_get(ts, "c@d", &v, &n));
  assert_int_equal(n, 2);
  assert_memory_equal(v, " x", 2);
  assert_true(otelc_tracestate_get(ts, "ab", &v, &n));
  assert_memory_equal(v, "3", 1);
  assert_true(otelc_tracestate_get(ts, "ab", NULL, NULL));
  /* prefixes and suffixes of keys are other keys */
  assert_false(otelc_tracestate_get(ts, "b", &v, &n));
  assert_false(otelc_tracestate_get(ts, "c", &v, &n));
  assert_false(otelc_tracestate_get(ts, "bbb", &v, &n));
  assert_false(otelc_tracestate_get(ts, "zz", &v, &n));
  /* never a match on invalid keys or values */
  assert_false(otelc_tracestate_get(ts, "", &v, &n));
  assert_false(otelc_tracestate_get(ts, "a=1", &v, &n));
  assert_false(otelc_tracestate_get(ts, "1,bb", &v, &n));
  assert_false(otelc_tracestate_get(NULL, "a", &v, &n));
  assert_false(otelc_tracestate_get(ts, NULL, &v, &n));
  assert_false(otelc_tracestate_get("", "a", &v, &n));
}

static void test_set(void **state) {
  (void)state;
  char out[OTELC_TRACESTATE_MAX + 1];
  assert_int_equal(otelc_tracestate_set(NULL, "k", "v", out, sizeof out), 3);
  assert_string_equal(out, "k=v");
  assert_int_equal(otelc_tracestate_set("", "k", "v", out, sizeof out), 3);
  /* a new key goes to the front */
  assert_int_equal(
      otelc_tracestate_set("a=1,b=2,c=3", "d", "4", out, sizeof out), 15);
  assert_string_equal(out, "d=4,a=1,b=2,c=3");
  /* an existing key is updated and moved to the front */
  otelc_tracestate_set("a=1,b=2,c=3", "b", "9", out, sizeof out);
  assert_string_equal(out, "b=9,a=1,c=3");
  otelc_tracestate_set("a=1,b=2,c=3", "c", "x y", out, sizeof out);
  assert_string_equal(out, "c=x y,a=1,b=2");
  otelc_tracestate_set("a=1,b=2,c=3", "a", "0", out, sizeof out);
  assert_string_equal(out, "a=0,b=2,c=3");
  otelc_tracestate_set("a=1", "a", "2", out, sizeof out);
  assert_string_equal(out, "a=2");
  /* the OpenTelemetry entry */
  otelc_tracestate_set("vendor=x", "ot", "th:c;rv:6e6d1a75832a2f", out,
                       sizeof out);
  assert_string_equal(out, "ot=th:c;rv:6e6d1a75832a2f,vendor=x");
  /* a non-normalised input is accepted and normalised */
  otelc_tracestate_set(" a=1 ,,b=2 ", "c", "3", out, sizeof out);
  assert_string_equal(out, "c=3,a=1,b=2");
  /* invalid key, value or tracestate */
  assert_int_equal(otelc_tracestate_set("a=1", "A", "1", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "@a", "1", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "", "1", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "v ", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "a=b", out, sizeof out),
                   -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "a,b", out, sizeof out),
                   -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "\t", out, sizeof out), -1);
  assert_int_equal(
      otelc_tracestate_set("a=1", "k", rep('v', 257), out, sizeof out), -1);
  assert_int_equal(
      otelc_tracestate_set("a=1", rep('k', 257), "v", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", rep('k', 256), rep('v', 256),
                                        out, sizeof out),
                   513 + 4);
  assert_int_equal(otelc_tracestate_set("a=1,a=2", "k", "v", out, sizeof out),
                   -1);
  assert_int_equal(otelc_tracestate_set("A=1", "k", "v", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", NULL, "v", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", NULL, out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "v", NULL, 8), -1);
}

static void test_set_cap(void **state) {
  (void)state;
  char out[16];
  memset(out, '#', sizeof out);
  /* "k=v,a=1" is 7 characters and needs 8 bytes */
  assert_int_equal(otelc_tracestate_set("a=1", "k", "v", out, 8), 7);
  assert_string_equal(out, "k=v,a=1");
  assert_int_equal(out[8], '#');
  memset(out, '#', sizeof out);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "v", out, 7), -1);
  assert_int_equal(otelc_tracestate_set("a=1", "k", "v", out, 0), -1);
  for (size_t i = 0; i < sizeof out; i++)
    assert_int_equal(out[i], '#');
  /* the output may not overlap the input */
  char buf[32];
  strcpy(buf, "a=1,b=2");
  assert_int_equal(otelc_tracestate_set(buf, "c", "3", buf, sizeof buf), -1);
  assert_string_equal(buf, "a=1,b=2");
  assert_int_equal(otelc_tracestate_set(buf, "c", "3", buf + 2, 20), -1);
  assert_string_equal(buf, "a=1,b=2");
}

static void test_set_eviction(void **state) {
  (void)state;
  char in[1024], out[OTELC_TRACESTATE_MAX + 1], want[1024];
  members(in, sizeof in, 32, ",");
  /* a 33rd key evicts the right-most member */
  long r = otelc_tracestate_set(in, "new", "1", out, sizeof out);
  assert_true(r > 0);
  members(want, sizeof want, 31, ",");
  char expect[1100];
  snprintf(expect, sizeof expect, "new=1,%s", want);
  assert_string_equal(out, expect);
  assert_false(otelc_tracestate_get(out, "k31", NULL, NULL));
  /* updating one of the 32 keeps them all */
  r = otelc_tracestate_set(in, "k31", "x", out, sizeof out);
  assert_true(r > 0);
  assert_int_equal(strncmp(out, "k31=x,k0=v0,", 12), 0);
  assert_true(otelc_tracestate_get(out, "k30", NULL, NULL));
  long n = 0;
  for (const char *p = out; *p; p++)
    n += *p == ',';
  assert_int_equal(n, 31);
  r = otelc_tracestate_set(in, "k0", "x", out, sizeof out);
  assert_true(otelc_tracestate_get(out, "k31", NULL, NULL));
}

static void test_delete(void **state) {
  (void)state;
  char out[64];
  assert_int_equal(otelc_tracestate_delete("a=1,b=2,c=3", "b", out, sizeof out),
                   7);
  assert_string_equal(out, "a=1,c=3");
  otelc_tracestate_delete("a=1,b=2,c=3", "a", out, sizeof out);
  assert_string_equal(out, "b=2,c=3");
  otelc_tracestate_delete("a=1,b=2,c=3", "c", out, sizeof out);
  assert_string_equal(out, "a=1,b=2");
  assert_int_equal(otelc_tracestate_delete("a=1", "a", out, sizeof out), 0);
  assert_string_equal(out, "");
  /* absent key: the same tracestate */
  assert_int_equal(otelc_tracestate_delete("a=1,b=2", "ab", out, sizeof out),
                   7);
  assert_string_equal(out, "a=1,b=2");
  assert_int_equal(otelc_tracestate_delete(NULL, "a", out, sizeof out), 0);
  assert_string_equal(out, "");
  assert_int_equal(otelc_tracestate_delete("", "a", out, sizeof out), 0);
  /* invalid key or tracestate, no room */
  assert_int_equal(otelc_tracestate_delete("a=1", "A", out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_delete("a=1", NULL, out, sizeof out), -1);
  assert_int_equal(otelc_tracestate_delete("a=1,a=1", "a", out, sizeof out),
                   -1);
  assert_int_equal(otelc_tracestate_delete("a=1,b=2", "b", out, 3), -1);
  assert_int_equal(otelc_tracestate_delete("a=1,b=2", "b", out, 4), 3);
  assert_int_equal(otelc_tracestate_delete("a=1", "a", out, 1), 0);
  assert_int_equal(otelc_tracestate_delete("a=1", "a", out, 0), -1);
  assert_int_equal(otelc_tracestate_delete("a=1", "a", NULL, 8), -1);
  /* in place */
  char buf[32];
  strcpy(buf, "a=1, b=2 ,c=3");
  assert_int_equal(otelc_tracestate_delete(buf, "a", buf, sizeof buf), 7);
  assert_string_equal(buf, "b=2,c=3");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grammar_table),
      cmocka_unit_test(test_key_and_value_lengths),
      cmocka_unit_test(test_member_count),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_truncation_to_max),
      cmocka_unit_test(test_normalize_in_place),
      cmocka_unit_test(test_normalize_args),
      cmocka_unit_test(test_huge_input),
      cmocka_unit_test(test_get),
      cmocka_unit_test(test_set),
      cmocka_unit_test(test_set_cap),
      cmocka_unit_test(test_set_eviction),
      cmocka_unit_test(test_delete),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
