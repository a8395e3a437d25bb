/* OTLP/JSON: the exact text of small spans, every value type, numbers,
 * base64, escaping and UTF-8 repair, grouping by resource and scope, the
 * size limit and allocation failures, validity of the output for random
 * input, and the reader of the partial success in a response. */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/internal.h"
#include "export/otlp/otlp_internal.h"
#include "otelc/otelc.h"
#include "test_helpers.h"
#include "trace_fixture.h"

#define T0 1700000000000000000ull /* an arbitrary start time, ns */

/* ------------------------------------------------------ JSON checker -- */

/* A strict RFC 8259 checker: structure, numbers, literals, and strings
 * holding only valid escapes and well-formed UTF-8 (escaped surrogates
 * only in pairs). Written independently of the encoder. */
typedef struct jcheck {
  const unsigned char *p, *end;
  int depth;
} jcheck;

static bool jc_value(jcheck *c);

static void jc_ws(jcheck *c) {
  while (c->p < c->end &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static bool jc_lit(jcheck *c, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
    return false;
  c->p += n;
  return true;
}

static bool jc_digits(jcheck *c) {
  const unsigned char *start = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
    c->p++;
  return c->p > start;
}

static bool jc_number(jcheck *c) {
  if (c->p < c->end && *c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (c->p >= c->end || *c->p < '1' || *c->p > '9' || !jc_digits(c))
    return false;
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!jc_digits(c))
      return false;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    if (!jc_digits(c))
      return false;
  }
  return true;
}

/* Decode one UTF-8 character by computing its code point, then reject
 * overlong forms, surrogates and values past U+10FFFF. */
static bool utf8_char(const unsigned char **pp, const unsigned char *end) {
  const unsigned char *p = *pp;
  unsigned c = *p, cp, len;
  if (c < 0x80)
    len = 1, cp = c;
  else if ((c & 0xE0) == 0xC0)
    len = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    len = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    len = 4, cp = c & 0x07;
  else
    return false;
  if ((size_t)(end - p) < len)
    return false;
  for (unsigned i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return false;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return false;
  *pp = p + len;
  return true;
}

static bool utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end)
    if (!utf8_char(&p, end))
      return false;
  return true;
}

static bool jc_hex4(jcheck *c, unsigned *out) {
  if (c->end - c->p < 4)
    return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char h = c->p[i];
    unsigned d;
    if (h >= '0' && h <= '9')
      d = h - '0';
    else if (h >= 'a' && h <= 'f')
      d = h - 'a' + 10;
    else if (h >= 'A' && h <= 'F')
      d = h - 'A' + 10;
    else
      return false;
    v = v << 4 | d;
  }
  c->p += 4;
  *out = v;
  return true;
}

static bool jc_string(jcheck *c) {
  if (c->p >= c->end || *c->p != '"')
    return false;
  c->p++;
  while (c->p < c->end) {
    unsigned char ch = *c->p;
    if (ch == '"') {
      c->p++;
      return true;
    }
    if (ch < 0x20)
      return false;
    if (ch >= 0x80) {
      if (!utf8_char(&c->p, c->end))
        return false;
      continue;
    }
    c->p++;
    if (ch != '\\')
      continue;
    if (c->p >= c->end)
      return false;
    ch = *c->p++;
    if (ch == 'u') {
      unsigned u, lo;
      if (!jc_hex4(c, &u))
        return false;
      if (u >= 0xDC00 && u <= 0xDFFF)
        return false;
      if (u >= 0xD800 && u <= 0xDBFF &&
          (!jc_lit(c, "\\u") || !jc_hex4(c, &lo) || lo < 0xDC00 || lo > 0xDFFF))
        return false;
    } else if (!strchr("\"\\/bfnrt", ch) || ch == 0) {
      return false;
    }
  }
  return false;
}

static bool jc_value(jcheck *c) {
  jc_ws(c);
  if (c->p >= c->end)
    return false;
  unsigned char ch = *c->p;
  if (ch == '{' || ch == '[') {
    if (++c->depth > 200)
      return false;
    c->p++;
    jc_ws(c);
    char close = ch == '{' ? '}' : ']';
    if (c->p < c->end && *c->p == close) {
      c->p++;
      c->depth--;
      return true;
    }
    for (;;) {
      if (ch == '{') {
        jc_ws(c);
        if (!jc_string(c))
          return false;
        jc_ws(c);
        if (!jc_lit(c, ":"))
          return false;
      }
      if (!jc_value(c))
        return false;
      jc_ws(c);
      if (jc_lit(c, ","))
        continue;
      if (c->p < c->end && *c->p == close) {
        c->p++;
        c->depth--;
        return true;
      }
      return false;
    }
  }
  if (ch == '"')
    return jc_string(c);
  if (ch == '-' || (ch >= '0' && ch <= '9'))
    return jc_number(c);
  return jc_lit(c, "true") || jc_lit(c, "false") || jc_lit(c, "null");
}

static bool json_valid(const char *s, size_t n) {
  jcheck c = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
  if (!jc_value(&c))
    return false;
  jc_ws(&c);
  return c.p == c.end;
}

static void test_checker_itself(void **state) {
  (void)state;
  static const char *good[] = {
      "{}",
      "[]",
      "{\"a\":[1,-0,0.5,1e+300,2E-3]}",
      "\"\\ud83d\\ude00\"",
      "\"\xc3\xa9\"",
      " [true,false,null] ",
  };
  static const char *bad[] = {
      "",
      "{",
      "[1,]",
      "{\"a\"}",
      "01",
      "1.",
      "\"\\x\"",
      "\"\x01\"",
      "\"\xc0\xaf\"",
      "\"\\udc00\"",
      "\"\\ud800\"",
      "{} {}",
      "\"\xed\xa0\x80\"",
      "nul",
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(good); i++)
    assert_true(json_valid(good[i], strlen(good[i])));
  for (size_t i = 0; i < OTELC__ARRAY_LEN(bad); i++)
    assert_false(json_valid(bad[i], strlen(bad[i])));
}

/* ------------------------------------------------------------ helpers -- */

/* Encode and return the text NUL-terminated (caller frees), after
 * checking that it is valid JSON on one line. */
static char *encode(otelc_span *const *spans, size_t n) {
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_traces_json(&b, spans, n), OTELC_OK);
  assert_false(b.failed);
  char *s = malloc(b.len + 1);
  assert_non_null(s);
  memcpy(s, b.data, b.len);
  s[b.len] = '\0';
  assert_int_equal(strlen(s), b.len);
  assert_null(strchr(s, '\n'));
  if (!json_valid(s, b.len)) {
    fprintf(stderr, "invalid JSON: %s\n", s);
    fail();
  }
  otelc__buf_free(&b);
  return s;
}

static char *encode1(otelc_span *s) {
  return encode(&s, 1);
}

#define assert_has(text, frag)                                                 \
  do {                                                                         \
    if (!strstr((text), (frag)))                                               \
      fail_msg("missing %s in %s", (frag), (text));                            \
  } while (0)

static size_t count_of(const char *text, const char *frag) {
  size_t n = 0;
  for (const char *p = text; (p = strstr(p, frag)) != NULL; p++)
    n++;
  return n;
}

/* A provider over a memory exporter with its own resource. */
typedef struct prov {
  otelc_tracer_provider *tp;
  otelc_span_exporter *mem;
} prov;

static void prov_init(prov *p, const otelc_attr *attrs, size_t n,
                      const char *schema_url, const otelc_span_limits *limits) {
  otelc_span_limits defaults;
  otelc_span_limits_default(&defaults);
  assert_int_equal(otelc_memory_exporter_new(&p->mem), OTELC_OK);
  otelc_span_processor *proc = NULL;
  assert_int_equal(otelc_simple_span_processor_new(p->mem, &proc), OTELC_OK);
  otelc_resource *res = NULL;
  assert_int_equal(otelc_resource_new(attrs, n, schema_url, &res), OTELC_OK);
  otelc_tracer_provider_opts o = {0};
  o.resource = res;
  o.sampler = otelc_sampler_always_on();
  o.limits = limits ? limits : &defaults;
  o.processors = &proc;
  o.n_processors = 1;
  assert_int_equal(otelc_tracer_provider_new(&o, &p->tp), OTELC_OK);
  otelc_resource_release(res);
}

static otelc_tracer *prov_tracer(prov *p, const char *name, const char *version,
                                 const char *schema_url,
                                 const otelc_attr *attrs, size_t n) {
  otelc_scope_info scope = {name, version, schema_url, attrs, n};
  return otelc_tracer_provider_get_tracer(p->tp, &scope);
}

/* A root span from @p t, started at T0 + @p start and ended at T0 + @p end
 * (ns), as exported. */
static otelc_span *timed_span(otelc_span_exporter *mem, otelc_tracer *t,
                              const char *name, uint64_t start, uint64_t end) {
  otelc_span_start_opts o = {0};
  o.root = true;
  o.start_time = T0 + start;
  otelc_span *s = otelc_span_start(t, name, &o);
  size_t before = otelc_memory_exporter_count(mem);
  otelc_span_end_at(s, T0 + end);
  assert_int_equal(otelc_memory_exporter_count(mem), before + 1);
  return otelc_memory_exporter_get(mem, before);
}

/* The JSON string literal's content after @p key (e.g. "\"stringValue\":")
 * in @p text, decoded (caller frees). */
static char *decode_after(const char *text, const char *key, size_t *len) {
  const char *p = strstr(text, key);
  assert_non_null(p);
  p += strlen(key);
  assert_int_equal(*p, '"');
  p++;
  char *out = malloc(strlen(p) + 1);
  assert_non_null(out);
  size_t o = 0;
  while (*p != '"') {
    if (*p != '\\') {
      out[o++] = *p++;
      continue;
    }
    p++;
    char e = *p++;
    switch (e) {
    case 'n':
      out[o++] = '\n';
      break;
    case 'r':
      out[o++] = '\r';
      break;
    case 't':
      out[o++] = '\t';
      break;
    case 'b':
      out[o++] = '\b';
      break;
    case 'f':
      out[o++] = '\f';
      break;
    case 'u': {
      unsigned cp =
          (unsigned)strtoul((char[5]){p[0], p[1], p[2], p[3], 0}, NULL, 16);
      p += 4;
      if (cp < 0x80) {
        out[o++] = (char)cp;
      } else if (cp < 0x800) {
        out[o++] = (char)(0xC0 | cp >> 6);
        out[o++] = (char)(0x80 | (cp & 0x3F));
      } else {
        out[o++] = (char)(0xE0 | cp >> 12);
        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (char)(0x80 | (cp & 0x3F));
      }
      break;
    }
    default:
      out[o++] = e;
      break;
    }
  }
  out[o] = '\0';
  *len = o;
  return out;
}

/* ------------------------------------------------------- exact texts -- */

static void test_small_span_exact(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {0};
  o.kind = OTELC_SPAN_KIND_SERVER;
  o.root = true;
  o.start_time = T0;
  otelc_span *live = otelc_span_start(f.tracer, "GET /items", &o);
  otelc_span_set_str(live, "http.route", "/items");
  otelc_span_end_at(live, T0 + 1500);
  otelc_span *s = fixture_span(&f, 0);

  otelc_span_context sc = otelc_span_get_context(s);
  char tid[33], sid[17];
  otelc_trace_id_to_hex(sc.trace_id, tid);
  otelc_span_id_to_hex(sc.span_id, sid);
  char want[1024];
  snprintf(want, sizeof want,
           "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"scope\":"
           "{\"name\":\"test.scope\",\"version\":\"1.2.3\"},\"spans\":[{"
           "\"traceId\":\"%s\",\"spanId\":\"%s\",\"flags\":%u,\"name\":"
           "\"GET /items\",\"kind\":2,\"startTimeUnixNano\":"
           "\"1700000000000000000\",\"endTimeUnixNano\":"
           "\"1700000000000001500\",\"attributes\":[{\"key\":\"http.route\","
           "\"value\":{\"stringValue\":\"/items\"}}]}]}]}]}",
           tid, sid, 0x100u | sc.trace_flags);
  char *got = encode1(s);
  assert_string_equal(got, want);
  free(got);

  /* No spans at all. */
  got = encode(NULL, 0);
  assert_string_equal(got, "{\"resourceSpans\":[]}");
  free(got);
  fixture_free(&f);
}

/* A child of a local parent with an event, a link and an error. */
static void test_child_span_exact(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {0};
  o.root = true;
  o.start_time = T0;
  otelc_span *parent = otelc_span_start(f.tracer, "parent", &o);
  otelc_context *pctx = otelc_context_with_span(NULL, parent);
  assert_non_null(pctx);

  otelc_span_context linked = {{0}, {0}, OTELC_TRACE_FLAG_SAMPLED, true};
  memset(linked.trace_id, 0xAB, 16);
  memset(linked.span_id, 0xCD, 8);
  otelc_link link = {linked, "vendor=x", NULL, 0};
  otelc_span_start_opts co = {0};
  co.kind = OTELC_SPAN_KIND_CLIENT;
  co.parent = pctx;
  co.start_time = T0 + 10;
  co.links = &link;
  co.n_links = 1;
  otelc_span *child = otelc_span_start(f.tracer, "child", &co);
  otelc_span_add_event(child, "retry", T0 + 20,
                       OTELC_ATTRS(OTELC_INT("attempt", 2)));
  otelc_span_set_status(child, OTELC_STATUS_ERROR, "boom");
  otelc_span_end_at(child, T0 + 30);
  otelc_context_release(pctx);
  otelc_span_end_at(parent, T0 + 40);

  otelc_span *s = fixture_span(&f, 0);
  otelc_span_context sc = otelc_span_get_context(s), pc;
  assert_true(otelc_span_get_parent(s, &pc));
  char tid[33], sid[17], psid[17];
  otelc_trace_id_to_hex(sc.trace_id, tid);
  otelc_span_id_to_hex(sc.span_id, sid);
  otelc_span_id_to_hex(pc.span_id, psid);
  char want[2048];
  snprintf(
      want, sizeof want,
      "{\"resourceSpans\":[{\"resource\":{},\"scopeSpans\":[{\"scope\":"
      "{\"name\":\"test.scope\",\"version\":\"1.2.3\"},\"spans\":[{"
      "\"traceId\":\"%s\",\"spanId\":\"%s\",\"parentSpanId\":\"%s\","
      "\"flags\":%u,\"name\":\"child\",\"kind\":3,\"startTimeUnixNano\":"
      "\"1700000000000000010\",\"endTimeUnixNano\":\"1700000000000000030\","
      "\"events\":[{\"timeUnixNano\":\"1700000000000000020\",\"name\":"
      "\"retry\",\"attributes\":[{\"key\":\"attempt\",\"value\":"
      "{\"intValue\":\"2\"}}]}],\"links\":[{\"traceId\":"
      "\"abababababababababababababababab\",\"spanId\":\"cdcdcdcdcdcdcdcd\","
      "\"traceState\":\"vendor=x\",\"flags\":769}],\"status\":{\"code\":2,"
      "\"message\":\"boom\"}}]}]}]}",
      tid, sid, psid, 0x100u | sc.trace_flags);
  char *got = encode1(s);
  assert_string_equal(got, want);
  free(got);
  fixture_free(&f);
}

/* ------------------------------------------------------- value types -- */

static void test_every_value_type(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *live = otelc_span_start(f.tracer, "values", NULL);

  static const char *strs[] = {"a", "b\"c", ""};
  static const bool bools[] = {true, false};
  static const int64_t ints[] = {0, -1, INT64_MIN, INT64_MAX};
  static const double dbls[] = {1.5, -2.0};
  const otelc_value inner_arr[] = {
      {OTELC_VALUE_INT, 0, {.i = 7}},
      {OTELC_VALUE_STRING, OTELC_NTS, {.str = "deep"}},
  };
  const otelc_attr map_kvs[] = {
      {"m1", {OTELC_VALUE_BOOL, 0, {.b = false}}},
      {"m2", {OTELC_VALUE_ARRAY, 2, {.values = inner_arr}}},
      {"m3", {OTELC_VALUE_EMPTY, 0, {.i = 0}}},
  };
  const otelc_value outer[] = {
      {OTELC_VALUE_MAP, 3, {.kvs = map_kvs}},
      {OTELC_VALUE_DOUBLE, 0, {.d = 0.5}},
      {OTELC_VALUE_EMPTY, 0, {.i = 0}},
      {OTELC_VALUE_ARRAY, 0, {.values = NULL}},
  };
  const otelc_attr attrs[] = {
      OTELC_STR("s", "text"),
      OTELC_BOOL("t", true),
      OTELC_BOOL("f", false),
      OTELC_INT("i", -5),
      OTELC_INT("imin", INT64_MIN),
      OTELC_INT("imax", INT64_MAX),
      OTELC_INT("zero", 0),
      OTELC_STR_ARRAY("sa", strs, 3),
      OTELC_BOOL_ARRAY("ba", bools, 2),
      OTELC_INT_ARRAY("ia", ints, 4),
      OTELC_DOUBLE_ARRAY("da", dbls, 2),
      OTELC_INT_ARRAY("empty_ia", ints, 0),
      OTELC_BYTES("b0", "", 0),
      OTELC_BYTES("b1", "f", 1),
      OTELC_BYTES("b2", "fo", 2),
      OTELC_BYTES("b3", "foo", 3),
      OTELC_BYTES("b4", "foob", 4),
      OTELC_BYTES("b5", "fooba", 5),
      OTELC_BYTES("b6", "foobar", 6),
      OTELC_BYTES("bin", "\x00\xff\xfe\x80", 4),
      {"arr", {OTELC_VALUE_ARRAY, 4, {.values = outer}}},
      {"map", {OTELC_VALUE_MAP, 3, {.kvs = map_kvs}}},
      {"nothing", {OTELC_VALUE_EMPTY, 0, {.i = 0}}},
  };
  assert_int_equal(otelc_span_set_attrs(live, attrs, OTELC__ARRAY_LEN(attrs)),
                   OTELC_OK);
  otelc_span_end(live);
  char *j = encode1(fixture_span(&f, 0));

  assert_has(j, "{\"key\":\"s\",\"value\":{\"stringValue\":\"text\"}}");
  assert_has(j, "{\"key\":\"t\",\"value\":{\"boolValue\":true}}");
  assert_has(j, "{\"key\":\"f\",\"value\":{\"boolValue\":false}}");
  assert_has(j, "{\"key\":\"i\",\"value\":{\"intValue\":\"-5\"}}");
  assert_has(j, "{\"key\":\"imin\",\"value\":{\"intValue\":"
                "\"-9223372036854775808\"}}");
  assert_has(j, "{\"key\":\"imax\",\"value\":{\"intValue\":"
                "\"9223372036854775807\"}}");
  assert_has(j, "{\"key\":\"zero\",\"value\":{\"intValue\":\"0\"}}");
  assert_has(j, "{\"key\":\"sa\",\"value\":{\"arrayValue\":{\"values\":["
                "{\"stringValue\":\"a\"},{\"stringValue\":\"b\\\"c\"},"
                "{\"stringValue\":\"\"}]}}}");
  assert_has(j, "{\"key\":\"ba\",\"value\":{\"arrayValue\":{\"values\":["
                "{\"boolValue\":true},{\"boolValue\":false}]}}}");
  assert_has(j, "{\"key\":\"ia\",\"value\":{\"arrayValue\":{\"values\":["
                "{\"intValue\":\"0\"},{\"intValue\":\"-1\"},"
                "{\"intValue\":\"-9223372036854775808\"},"
                "{\"intValue\":\"9223372036854775807\"}]}}}");
  assert_has(j, "{\"key\":\"da\",\"value\":{\"arrayValue\":{\"values\":["
                "{\"doubleValue\":1.5},{\"doubleValue\":-2}]}}}");
  assert_has(j, "{\"key\":\"empty_ia\",\"value\":{\"arrayValue\":"
                "{\"values\":[]}}}");
  assert_has(j, "{\"key\":\"b0\",\"value\":{\"bytesValue\":\"\"}}");
  assert_has(j, "{\"key\":\"b1\",\"value\":{\"bytesValue\":\"Zg==\"}}");
  assert_has(j, "{\"key\":\"b2\",\"value\":{\"bytesValue\":\"Zm8=\"}}");
  assert_has(j, "{\"key\":\"b3\",\"value\":{\"bytesValue\":\"Zm9v\"}}");
  assert_has(j, "{\"key\":\"b4\",\"value\":{\"bytesValue\":\"Zm9vYg==\"}}");
  assert_has(j, "{\"key\":\"b5\",\"value\":{\"bytesValue\":\"Zm9vYmE=\"}}");
  assert_has(j, "{\"key\":\"b6\",\"value\":{\"bytesValue\":\"Zm9vYmFy\"}}");
  assert_has(j, "{\"key\":\"bin\",\"value\":{\"bytesValue\":\"AP/+gA==\"}}");
  const char *map_json =
      "{\"kvlistValue\":{\"values\":[{\"key\":\"m1\",\"value\":"
      "{\"boolValue\":false}},{\"key\":\"m2\",\"value\":{\"arrayValue\":"
      "{\"values\":[{\"intValue\":\"7\"},{\"stringValue\":\"deep\"}]}}},"
      "{\"key\":\"m3\",\"value\":{}}]}}";
  char want[1024];
  snprintf(want, sizeof want,
           "{\"key\":\"arr\",\"value\":{\"arrayValue\":{\"values\":[%s,"
           "{\"doubleValue\":0.5},{},{\"arrayValue\":{\"values\":[]}}]}}}",
           map_json);
  assert_has(j, want);
  snprintf(want, sizeof want, "{\"key\":\"map\",\"value\":%s}", map_json);
  assert_has(j, want);
  assert_has(j, "{\"key\":\"nothing\",\"value\":{}}");
  free(j);
  fixture_free(&f);
}

/* The digits of a JSON number without sign, exponent, point and leading
 * or trailing zeros. */
static size_t significant_digits(const char *num, size_t n) {
  char d[64];
  size_t k = 0;
  for (size_t i = 0; i < n && num[i] != 'e' && num[i] != 'E'; i++)
    if (num[i] >= '0' && num[i] <= '9' && k < sizeof d)
      d[k++] = num[i];
  size_t a = 0;
  while (a < k && d[a] == '0')
    a++;
  while (k > a && d[k - 1] == '0')
    k--;
  return k - a;
}

/* Fewest significant digits that read back as @p d. */
static size_t shortest_digits(double d) {
  char tmp[64];
  for (int p = 1; p <= 17; p++) {
    int n = snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
    if (strtod(tmp, NULL) == d)
      return significant_digits(tmp, (size_t)n);
  }
  return 17;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void) {
  /* xorshift64*: deterministic across runs. */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

static void test_doubles(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *live = otelc_span_start(f.tracer, "doubles", NULL);
  const otelc_attr attrs[] = {
      OTELC_DOUBLE("d01", 0.1),
      OTELC_DOUBLE("d1e300", 1e300),
      OTELC_DOUBLE("negzero", -0.0),
      OTELC_DOUBLE("zero", 0.0),
      OTELC_DOUBLE("nan", NAN),
      OTELC_DOUBLE("inf", INFINITY),
      OTELC_DOUBLE("ninf", -INFINITY),
      OTELC_DOUBLE("quarter", 0.25),
      OTELC_DOUBLE("five", 5.0),
      OTELC_DOUBLE("third", 1.0 / 3),
      OTELC_DOUBLE("tiny", 4.9406564584124654e-324),
      OTELC_DOUBLE("max", DBL_MAX),
      OTELC_DOUBLE("min", DBL_MIN),
      OTELC_DOUBLE("big", 1e15),
      OTELC_DOUBLE("bigint", 123456789012345678.0),
      OTELC_DOUBLE("small", 1e-7),
      OTELC_DOUBLE("neg", -1234.5678),
      OTELC_DOUBLE("e4", 0.0001),
      OTELC_DOUBLE("e4b", -0.00012),
      OTELC_DOUBLE("e5", 0.00001),
      OTELC_DOUBLE("e9", 123456.123456789),
      OTELC_DOUBLE("half", 1000000.5),
      OTELC_DOUBLE("almost", 0.30000000000000004),
  };
  otelc_span_set_attrs(live, attrs, OTELC__ARRAY_LEN(attrs));
  enum { N_RANDOM = 3000 };
  static double random_doubles[N_RANDOM];
  for (size_t i = 0; i < N_RANDOM; i++) {
    double d;
    do {
      uint64_t bits = rng();
      static const double p10[] = {1e1, 1e2, 1e3, 1e4, 1e5,
                                   1e6, 1e7, 1e8, 1e9, 1e10};
      if (i % 3 == 1) { /* short decimals too */
        d = (double)((int64_t)(bits % 2000000001) - 1000000000) /
            p10[(bits >> 40) % 10];
      } else if (i % 3 == 2) { /* and their neighbours (one ulp away) */
        d = (double)((int64_t)(bits % 20001) - 9999) / p10[(bits >> 40) % 10];
        uint64_t u;
        memcpy(&u, &d, sizeof u);
        u += bits >> 63 ? 1 : (uint64_t)-1;
        memcpy(&d, &u, sizeof d);
      } else {
        memcpy(&d, &bits, sizeof d);
      }
    } while (!isfinite(d));
    random_doubles[i] = d;
  }
  otelc_span_set_attr(live,
                      &OTELC_DOUBLE_ARRAY("random", random_doubles, N_RANDOM));
  otelc_span_end(live);
  char *j = encode1(fixture_span(&f, 0));

  assert_has(j, "\"d01\",\"value\":{\"doubleValue\":0.1}");
  assert_has(j, "\"d1e300\",\"value\":{\"doubleValue\":1e+300}");
  assert_has(j, "\"negzero\",\"value\":{\"doubleValue\":-0}");
  assert_has(j, "\"zero\",\"value\":{\"doubleValue\":0}");
  assert_has(j, "\"nan\",\"value\":{\"doubleValue\":\"NaN\"}");
  assert_has(j, "\"inf\",\"value\":{\"doubleValue\":\"Infinity\"}");
  assert_has(j, "\"ninf\",\"value\":{\"doubleValue\":\"-Infinity\"}");
  assert_has(j, "\"quarter\",\"value\":{\"doubleValue\":0.25}");
  assert_has(j, "\"five\",\"value\":{\"doubleValue\":5}");
  assert_has(j, "\"third\",\"value\":{\"doubleValue\":0.3333333333333333}");
  assert_has(j, "\"tiny\",\"value\":{\"doubleValue\":5e-324}");
  assert_has(j, "\"max\",\"value\":{\"doubleValue\":1.7976931348623157e+308}");
  assert_has(j, "\"min\",\"value\":{\"doubleValue\":2.2250738585072014e-308}");
  assert_has(j, "\"big\",\"value\":{\"doubleValue\":1e+15}");
  assert_has(j,
             "\"bigint\",\"value\":{\"doubleValue\":1.2345678901234568e+17}");
  assert_has(j, "\"small\",\"value\":{\"doubleValue\":1e-07}");
  assert_has(j, "\"neg\",\"value\":{\"doubleValue\":-1234.5678}");
  assert_has(j, "\"e4\",\"value\":{\"doubleValue\":0.0001}");
  assert_has(j, "\"e4b\",\"value\":{\"doubleValue\":-0.00012}");
  assert_has(j, "\"e5\",\"value\":{\"doubleValue\":1e-05}");
  assert_has(j, "\"e9\",\"value\":{\"doubleValue\":123456.123456789}");
  assert_has(j, "\"half\",\"value\":{\"doubleValue\":1000000.5}");
  assert_has(j, "\"almost\",\"value\":{\"doubleValue\":"
                "0.30000000000000004}");

  /* Every random value reads back exactly, with the fewest digits. */
  const char *p =
      strstr(j, "\"random\",\"value\":{\"arrayValue\":{\"values\":[");
  assert_non_null(p);
  p = strchr(p, '[') + 1;
  for (size_t i = 0; i < N_RANDOM; i++) {
    static const char elem[] = "{\"doubleValue\":";
    assert_memory_equal(p, elem, sizeof elem - 1);
    p += sizeof elem - 1;
    char *end;
    double back = strtod(p, &end);
    if (memcmp(&back, &random_doubles[i], sizeof back) != 0)
      fail_msg("%.17g written as %.*s", random_doubles[i], (int)(end - p), p);
    size_t digits = significant_digits(p, (size_t)(end - p));
    if (digits > shortest_digits(random_doubles[i]))
      fail_msg("%.17g written as %.*s, not shortest", random_doubles[i],
               (int)(end - p), p);
    assert_int_equal(*end, '}');
    p = end + 1;
    if (i + 1 < N_RANDOM)
      assert_int_equal(*p++, ',');
  }
  assert_int_equal(*p, ']');
  free(j);
  fixture_free(&f);
}

/* With a locale whose decimal point is a comma (if one is installed),
 * numbers still use '.'. */
static void test_doubles_in_other_locale(void **state) {
  (void)state;
  static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                "fr_FR.utf8", "ru_RU.UTF-8"};
  const char *found = NULL;
  for (size_t i = 0; i < OTELC__ARRAY_LEN(names) && !found; i++)
    if (setlocale(LC_NUMERIC, names[i]))
      found = names[i];
  if (!found)
    skip();
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *live = otelc_span_start(f.tracer, "doubles", NULL);
  otelc_span_set_double(live, "x", 0.1);
  otelc_span_set_double(live, "y", 1.0 / 3);
  otelc_span_end(live);
  char *j = encode1(fixture_span(&f, 0));
  setlocale(LC_NUMERIC, "C");
  assert_has(j, "{\"doubleValue\":0.1}");
  assert_has(j, "{\"doubleValue\":0.3333333333333333}");
  free(j);
  fixture_free(&f);
}

/* ------------------------------------------- events, links, parents -- */

static void test_events_links_remote_parent(void **state) {
  (void)state;
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.attr_count = 2;
  lim.event_count = 2;
  lim.link_count = 2;
  lim.event_attr_count = 1;
  lim.link_attr_count = 1;
  prov p;
  prov_init(&p, NULL, 0, NULL, &lim);
  otelc_tracer *t = prov_tracer(&p, "lib", NULL, NULL, NULL, 0);

  otelc_span_context remote = {{0}, {0}, OTELC_TRACE_FLAG_SAMPLED, true};
  for (int i = 0; i < 16; i++)
    remote.trace_id[i] = (uint8_t)(0xF0 + i);
  for (int i = 0; i < 8; i++)
    remote.span_id[i] = (uint8_t)(0x10 + i);
  otelc_context *rctx = otelc_context_with_remote(NULL, &remote, "a=1,b=2");
  assert_non_null(rctx);
  otelc_span_start_opts o = {0};
  o.parent = rctx;
  o.kind = OTELC_SPAN_KIND_CONSUMER;
  otelc_span *live = otelc_span_start(t, "consume", &o);
  otelc_context_release(rctx);
  otelc_span_set_int(live, "a1", 1);
  otelc_span_set_int(live, "a2", 2);
  otelc_span_set_int(live, "a3", 3); /* dropped */
  otelc_span_add_event(live, "e1", T0 + 1,
                       OTELC_ATTRS(OTELC_INT("x", 1), OTELC_INT("y", 2)));
  otelc_span_add_event(live, "e2", T0 + 2, NULL, 0);
  otelc_span_add_event(live, "e3", T0 + 3, NULL, 0); /* dropped */
  otelc_span_context l1 = remote;
  l1.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  otelc_span_context l2 = remote;
  l2.is_remote = false;
  l2.trace_flags = 0;
  otelc_link links[] = {
      {l1, "k=v", OTELC_ATTRS(OTELC_STR("why", "fan-in"), OTELC_INT("n", 1))},
      {l2, NULL, NULL, 0},
      {l2, NULL, NULL, 0}, /* dropped */
  };
  for (size_t i = 0; i < 3; i++)
    otelc_span_add_link(live, &links[i]);
  otelc_span_set_status(live, OTELC_STATUS_ERROR, "failed \"badly\"");
  otelc_span_end(live);
  otelc_span *s = otelc_memory_exporter_get(p.mem, 0);
  char *j = encode1(s);

  assert_has(j, "\"traceId\":\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\","
                "\"spanId\":\"");
  assert_has(j, "\"traceState\":\"a=1,b=2\",\"parentSpanId\":"
                "\"1011121314151617\",\"flags\":769,\"name\":\"consume\","
                "\"kind\":5,");
  assert_has(j, "\"droppedAttributesCount\":1,\"events\":[");
  assert_has(j, "{\"timeUnixNano\":\"1700000000000000001\",\"name\":\"e1\","
                "\"attributes\":[{\"key\":\"x\",\"value\":{\"intValue\":"
                "\"1\"}}],\"droppedAttributesCount\":1}");
  assert_has(j, "{\"timeUnixNano\":\"1700000000000000002\",\"name\":\"e2\"}");
  assert_has(j, "],\"droppedEventsCount\":1,\"links\":[");
  assert_has(j, "{\"traceId\":\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\","
                "\"spanId\":\"1011121314151617\",\"traceState\":\"k=v\","
                "\"attributes\":[{\"key\":\"why\",\"value\":{\"stringValue\":"
                "\"fan-in\"}}],\"droppedAttributesCount\":1,\"flags\":769}");
  assert_has(j, "{\"traceId\":\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\","
                "\"spanId\":\"1011121314151617\",\"flags\":256}");
  assert_has(j, "],\"droppedLinksCount\":1,\"status\":{\"code\":2,"
                "\"message\":\"failed \\\"badly\\\"\"}}");
  assert_int_equal(count_of(j, "\"e3\""), 0);
  free(j);

  /* A local child of that span: 0x100 and the sampled flag; OK status. */
  otelc_context *pctx = otelc_context_with_span(NULL, s);
  otelc_span_start_opts co = {0};
  co.parent = pctx;
  live = otelc_span_start(t, "local", &co);
  otelc_context_release(pctx);
  otelc_span_set_status(live, OTELC_STATUS_OK, NULL);
  otelc_span_end(live);
  j = encode1(otelc_memory_exporter_get(p.mem, 1));
  otelc_span_context cc =
      otelc_span_get_context(otelc_memory_exporter_get(p.mem, 1));
  char flags[32];
  snprintf(flags, sizeof flags, "\"flags\":%u,", 0x100u | cc.trace_flags);
  assert_has(j, flags);
  assert_true((cc.trace_flags & OTELC_TRACE_FLAG_SAMPLED) != 0);
  assert_has(j, "\"status\":{\"code\":1}}");
  assert_has(j, "\"kind\":1,");
  free(j);

  /* UNSET status: no status at all. */
  live = otelc_span_start(t, "plain", NULL);
  otelc_span_end(live);
  j = encode1(otelc_memory_exporter_get(p.mem, 2));
  assert_null(strstr(j, "status"));
  assert_null(strstr(j, "parentSpanId"));
  assert_null(strstr(j, "traceState"));
  assert_null(strstr(j, "dropped"));
  assert_null(strstr(j, "attributes"));
  free(j);
  otelc_tracer_provider_free(p.tp);
}

/* ---------------------------------------------------------- escaping -- */

/* The JSON written for string attribute value s[0..n). */
static char *value_json(const char *s, size_t n) {
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *live = otelc_span_start(f.tracer, "esc", NULL);
  assert_int_equal(otelc_span_set_strn(live, "v", s, n), OTELC_OK);
  otelc_span_end(live);
  char *j = encode1(fixture_span(&f, 0));
  fixture_free(&f);
  const char *p = strstr(j, "{\"key\":\"v\",\"value\":{\"stringValue\":");
  assert_non_null(p);
  p += strlen("{\"key\":\"v\",\"value\":{\"stringValue\":");
  const char *q = strstr(p, "}}]");
  assert_non_null(q);
  char *out = strndup(p, (size_t)(q - p));
  free(j);
  return out;
}

static void expect_str(const char *in, size_t n, const char *want) {
  char *got = value_json(in, n);
  if (strcmp(got, want) != 0)
    fail_msg("got %s, want %s", got, want);
  free(got);
}

#define EXPECT(lit, want) expect_str((lit), sizeof(lit) - 1, (want))

static void test_escaping(void **state) {
  (void)state;
  EXPECT("plain", "\"plain\"");
  EXPECT("", "\"\"");
  EXPECT("q\"b\\s/", "\"q\\\"b\\\\s/\"");
  EXPECT("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
  EXPECT("\x7f~", "\"\x7f~\"");

  /* Every control character. */
  char ctl[32];
  for (int c = 0; c < 32; c++)
    ctl[c] = (char)c;
  expect_str(ctl, 32,
             "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
             "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
             "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
             "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");

  /* Valid UTF-8 of every length passes as it is. */
  EXPECT("\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"");
  EXPECT("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"");
  EXPECT("\xe2\x82\xac \xe0\xa0\x80 \xef\xbf\xbf \xed\x9f\xbf \xee\x80\x80",
         "\"\xe2\x82\xac \xe0\xa0\x80 \xef\xbf\xbf \xed\x9f\xbf "
         "\xee\x80\x80\"");
  EXPECT("\xf0\x9f\x98\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf",
         "\"\xf0\x9f\x98\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"");

  /* Each ill-formed form: one U+FFFD per maximal subpart. */
  EXPECT("a\x80z", "\"a\\ufffdz\"");        /* stray continuation */
  EXPECT("\xbf\x80", "\"\\ufffd\\ufffd\""); /* two of them */
  EXPECT("a\xc3", "\"a\\ufffd\"");          /* truncated at the end */
  EXPECT("\xc3z", "\"\\ufffdz\"");          /* lead then ASCII */
  EXPECT("\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong '/' */
  EXPECT("\xc1\xbf", "\"\\ufffd\\ufffd\""); /* overlong */
  EXPECT("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");            /* overlong */
  EXPECT("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");            /* overlong */
  EXPECT("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* overlong */
  EXPECT("\xf0\x8f\xbf\xbf",
         "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");          /* overlong U+FFFF */
  EXPECT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* U+D800 */
  EXPECT("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\""); /* U+DFFF */
  EXPECT("\xed\xa0\xbd\xed\xb8\x80",
         "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""); /* CESU pair */
  EXPECT("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* U+110000 */
  EXPECT("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* F5 lead */
  EXPECT("\xf8\x88\x80\x80\x80",
         "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""); /* 5-byte form */
  EXPECT("\xfe\xff", "\"\\ufffd\\ufffd\"");
  EXPECT("\xe2\x82z", "\"\\ufffdz\"");     /* truncated 3-byte */
  EXPECT("\xe2\x82", "\"\\ufffd\"");       /* ... at the end */
  EXPECT("\xf0\x9f\x98z", "\"\\ufffdz\""); /* truncated 4-byte */
  EXPECT("\xf0\x9f\x98", "\"\\ufffd\"");   /* ... at the end */
  EXPECT("\xf0\x9f", "\"\\ufffd\"");
  EXPECT("\xf0\x9f\x98\xf0\x9f\x98\x80",
         "\"\\ufffd\xf0\x9f\x98\x80\""); /* then a good one */
  EXPECT("\xe2\x28\xa1", "\"\\ufffd(\\ufffd\"");

  /* Keys and names are escaped the same way. */
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *live = otelc_span_start(f.tracer, "na\"me\n\xff", NULL);
  otelc_span_set_str(live, "k\\e\x01y\xc3", "v");
  otelc_span_add_event(live, "ev\t\xed\xa0\x80", 0, NULL, 0);
  otelc_span_set_status(live, OTELC_STATUS_ERROR, "bad\x80\"");
  otelc_span_end(live);
  char *j = encode1(fixture_span(&f, 0));
  assert_has(j, "\"name\":\"na\\\"me\\n\\ufffd\"");
  assert_has(j, "{\"key\":\"k\\\\e\\u0001y\\ufffd\",\"value\":");
  assert_has(j, "\"name\":\"ev\\t\\ufffd\\ufffd\\ufffd\"");
  assert_has(j, "\"message\":\"bad\\ufffd\\\"\"");
  free(j);
  fixture_free(&f);
}

/* A special byte at every offset of strings of every length around the
 * eight-byte steps of the fast path. */
static void test_escaping_at_every_offset(void **state) {
  (void)state;
  static const struct {
    const char *in;
    size_t n;
    const char *out;
  } specials[] = {
      {"\"", 1, "\\\""},      {"\\", 1, "\\\\"},
      {"\x1f", 1, "\\u001f"}, {"\xc3\xa9", 2, "\xc3\xa9"},
      {"\xff", 1, "\\ufffd"}, {"\n", 1, "\\n"},
      {"\x80", 1, "\\ufffd"}, {"\x7f", 1, "\x7f"},
  };
  enum { BEFORE = 18, AFTER = 10 };
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.attr_count = BEFORE * AFTER;
  prov p;
  prov_init(&p, NULL, 0, NULL, &lim);
  otelc_tracer *t = prov_tracer(&p, "offsets", NULL, NULL, NULL, 0);
  for (size_t k = 0; k < OTELC__ARRAY_LEN(specials); k++) {
    otelc_span *live = otelc_span_start(t, "offsets", NULL);
    for (size_t before = 0; before < BEFORE; before++) {
      for (size_t after = 0; after < AFTER; after++) {
        char v[BEFORE + AFTER + 2], key[16];
        memset(v, 'a', sizeof v);
        memcpy(v + before, specials[k].in, specials[k].n);
        snprintf(key, sizeof key, "%zu.%zu", before, after);
        assert_int_equal(
            otelc_span_set_strn(live, key, v, before + specials[k].n + after),
            OTELC_OK);
      }
    }
    otelc_span_end(live);
    char *j = encode1(otelc_memory_exporter_get(p.mem, k));
    for (size_t before = 0; before < BEFORE; before++) {
      for (size_t after = 0; after < AFTER; after++) {
        char want[128];
        int o = snprintf(want, sizeof want,
                         "{\"key\":\"%zu.%zu\",\"value\":{\"stringValue\":\"",
                         before, after);
        memset(want + o, 'a', before);
        o += (int)before;
        o += snprintf(want + o, sizeof want - (size_t)o, "%s", specials[k].out);
        memset(want + o, 'a', after);
        o += (int)after;
        snprintf(want + o, sizeof want - (size_t)o, "\"}}");
        assert_has(j, want);
      }
    }
    free(j);
  }
  otelc_tracer_provider_free(p.tp);
}

/* Random byte strings as keys, values, names and string array elements:
 * the output is always valid JSON, and valid UTF-8 input comes back
 * unchanged. */
static void test_random_bytes_valid_json(void **state) {
  (void)state;
  rng_state = 12345;
  fixture f;
  fixture_init(&f, NULL, NULL);
  enum { ROUNDS = 400 };
  size_t checked_round_trip = 0;
  for (int round = 0; round < ROUNDS; round++) {
    char buf[4][80];
    size_t len[4];
    for (int k = 0; k < 4; k++) {
      len[k] = (size_t)(rng() % 72);
      uint64_t mode = rng() % 4;
      for (size_t i = 0; i < len[k]; i++) {
        uint64_t r = rng();
        if (mode == 0) /* anything */
          buf[k][i] = (char)r;
        else if (mode == 1) /* mostly high bytes */
          buf[k][i] = (char)(0x80 | (r & 0x7F));
        else if (mode == 2) /* leads and continuations */
          buf[k][i] = (char)((r & 1 ? 0xC0 : 0x80) | ((r >> 1) & 0x3F));
        else /* mostly ASCII with some specials */
          buf[k][i] = (char)(r % 7 == 0 ? (r >> 8) % 0x28 : 'a' + r % 26);
      }
      buf[k][len[k]] = '\0';
    }
    /* Spans keep NUL-terminated names and keys: cut those at a NUL. */
    otelc_span *live = otelc_span_start(f.tracer, buf[0], NULL);
    char key[80];
    snprintf(key, sizeof key, "%s", buf[1]);
    if (!key[0])
      snprintf(key, sizeof key, "k");
    otelc_span_set_strn(live, "val", buf[2], len[2]);
    otelc_span_set_strn(live, key[0] == 'v' ? "x" : key, buf[3], len[3]);
    const char *arr[] = {buf[1], buf[3], buf[0]};
    otelc_span_set_attr(live, &OTELC_STR_ARRAY("arr", arr, 3));
    otelc_span_add_event(live, buf[3], 0,
                         OTELC_ATTRS(OTELC_STRN("e", buf[0], len[0])));
    otelc_span_end(live);
    char *j = encode1(fixture_span(&f, (size_t)round));
    if (utf8_valid(buf[2], len[2])) {
      size_t n;
      char *back =
          decode_after(j, "{\"key\":\"val\",\"value\":{\"stringValue\":", &n);
      assert_int_equal(n, len[2]);
      assert_memory_equal(back, buf[2], n);
      free(back);
      checked_round_trip++;
    }
    free(j);
  }
  assert_true(checked_round_trip > ROUNDS / 8);

  /* All rounds in one request too. */
  otelc_span *all[ROUNDS];
  for (size_t i = 0; i < ROUNDS; i++)
    all[i] = fixture_span(&f, i);
  free(encode(all, ROUNDS));
  fixture_free(&f);
}

/* ---------------------------------------------------------- grouping -- */

/* The values of every "name" member in document order, joined by ' '. */
static void names_in_order(const char *j, char *out, size_t cap) {
  size_t o = 0;
  out[0] = '\0';
  for (const char *p = j; (p = strstr(p, "\"name\":\"")) != NULL;) {
    p += 8;
    const char *q = strchr(p, '"');
    o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? " " : "",
                          (int)(q - p), p);
    p = q;
  }
}

static void test_grouping(void **state) {
  (void)state;
  prov a, b;
  prov_init(&a, OTELC_ATTRS(OTELC_STR("service.name", "svc-a")),
            "https://opentelemetry.io/schemas/1.30.0", NULL);
  prov_init(
      &b, OTELC_ATTRS(OTELC_STR("service.name", "svc-b"), OTELC_INT("pid", 42)),
      NULL, NULL);
  otelc_tracer *a1 = prov_tracer(&a, "scope-a1", "1.0", "https://s/a1",
                                 OTELC_ATTRS(OTELC_BOOL("scoped", true)));
  otelc_tracer *a2 = prov_tracer(&a, "scope-a2", NULL, NULL, NULL, 0);
  otelc_tracer *b1 = prov_tracer(&b, "scope-b1", "", NULL, NULL, 0);

  otelc_span *spans[6];
  spans[0] = timed_span(a.mem, a1, "s0", 0, 1);
  spans[1] = timed_span(b.mem, b1, "s1", 0, 1);
  spans[2] = timed_span(a.mem, a2, "s2", 0, 1);
  spans[3] = timed_span(a.mem, a1, "s3", 0, 1);
  spans[4] = timed_span(b.mem, b1, "s4", 0, 1);
  spans[5] = timed_span(a.mem, a2, "s5", 0, 1);

  otelc__buf buf;
  otelc__buf_init(&buf);
  for (int pass = 0; pass < 2; pass++) {
    char *j = encode(spans, 6);
    char names[256];
    names_in_order(j, names, sizeof names);
    assert_string_equal(names, "scope-a1 s0 s3 scope-a2 s2 s5 scope-b1 s1 s4");
    assert_int_equal(count_of(j, "{\"resource\":"), 2);
    assert_int_equal(count_of(j, "{\"scope\":"), 3);
    assert_has(j, "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
                  "{\"key\":\"service.name\",\"value\":{\"stringValue\":"
                  "\"svc-a\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":"
                  "\"scope-a1\",\"version\":\"1.0\",\"attributes\":["
                  "{\"key\":\"scoped\",\"value\":{\"boolValue\":true}}]},"
                  "\"spans\":[{");
    assert_has(j, "}],\"schemaUrl\":\"https://s/a1\"},{\"scope\":{\"name\":"
                  "\"scope-a2\"},\"spans\":[{");
    assert_has(j, "}]}],\"schemaUrl\":\"https://opentelemetry.io/schemas/"
                  "1.30.0\"},{\"resource\":{\"attributes\":[{\"key\":"
                  "\"service.name\",\"value\":{\"stringValue\":\"svc-b\"}},"
                  "{\"key\":\"pid\",\"value\":{\"intValue\":\"42\"}}]},"
                  "\"scopeSpans\":[{\"scope\":{\"name\":\"scope-b1\"},"
                  "\"spans\":[{");
    assert_true(strlen(j) > 10 && strcmp(j + strlen(j) - 7, "}]}]}]}") == 0);

    /* The same buffer, reused: identical text, no allocation. */
    assert_int_equal(otelc__otlp_traces_json(&buf, spans, 6), OTELC_OK);
    unsigned long calls = otelc__alloc_calls();
    assert_int_equal(otelc__otlp_traces_json(&buf, spans, 6), OTELC_OK);
    assert_int_equal(otelc__alloc_calls(), calls);
    assert_int_equal(buf.len, strlen(j));
    assert_memory_equal(buf.data, j, buf.len);
    free(j);
  }

  /* One group written through the grouping gives the same text as
   * written directly. */
  otelc_span *same[2] = {spans[0], spans[3]};
  char *direct = encode(same, 2);
  otelc_span *mixed[3] = {spans[0], spans[1], spans[3]};
  char *grouped = encode(mixed, 3);
  const char *cut = strstr(grouped, "},{\"resource\":");
  assert_non_null(cut);
  size_t head = (size_t)(cut - grouped) + 1;
  assert_memory_equal(grouped, direct, head);
  assert_string_equal(direct + head, "]}");
  free(direct);
  free(grouped);

  otelc__buf_free(&buf);
  otelc_tracer_provider_free(a.tp);
  otelc_tracer_provider_free(b.tp);
}

/* ----------------------------------------------------------- failure -- */

static void test_invalid_args(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_traces_json(NULL, NULL, 0),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc__otlp_traces_json(&b, NULL, 1), OTELC_ERR_INVALID_ARG);
  otelc__buf_free(&b);
}

static void test_out_of_memory(void **state) {
  (void)state;
  prov a, b;
  prov_init(&a, NULL, 0, NULL, NULL);
  prov_init(&b, NULL, 0, NULL, NULL);
  otelc_tracer *ta = prov_tracer(&a, "a", NULL, NULL, NULL, 0);
  otelc_tracer *tb = prov_tracer(&b, "b", NULL, NULL, NULL, 0);
  otelc_span *spans[40];
  for (size_t i = 0; i < 40; i++) {
    otelc_span *live = otelc_span_start(i % 2 ? tb : ta, "s", NULL);
    otelc_span_set_str(live, "payload",
                       "0123456789012345678901234567890123456789"
                       "0123456789012345678901234567890123456789");
    otelc_span_end(live);
    spans[i] = otelc_memory_exporter_get(i % 2 ? b.mem : a.mem, i / 2);
  }
  for (size_t n = 1; n <= 40; n += 39) {
    for (long k = 0;; k++) {
      otelc__buf buf;
      otelc__buf_init(&buf);
      otelc__alloc_fail_after(k);
      otelc_status st = otelc__otlp_traces_json(&buf, spans, n);
      otelc__alloc_fail_after(-1);
      if (st == OTELC_OK) {
        assert_true(json_valid((const char *)buf.data, buf.len));
        otelc__buf_free(&buf);
        assert_true(k > 0);
        break;
      }
      assert_int_equal(st, OTELC_ERR_NOMEM);
      assert_int_equal(buf.len, 0);
      otelc__buf_free(&buf);
    }
  }
  otelc_tracer_provider_free(a.tp);
  otelc_tracer_provider_free(b.tp);
}

/* A request that would pass 64 MiB is refused, whether one string grows
 * past it by escaping or many spans add up. */
static void test_size_limit(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  size_t n = 12u * 1024 * 1024; /* each byte escapes to six */
  char *big = malloc(n);
  assert_non_null(big);
  memset(big, 0x01, n);
  otelc_span *live = otelc_span_start(f.tracer, "big", NULL);
  assert_int_equal(otelc_span_set_strn(live, "v", big, n), OTELC_OK);
  otelc_span_end(live);
  free(big);
  otelc_span *s = fixture_span(&f, 0);
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_traces_json(&b, &s, 1), OTELC_ERR_LIMIT);
  assert_int_equal(b.len, 0);
  otelc__buf_free(&b);
  fixture_free(&f);
}

/* ----------------------------------------------- partial success -- */

typedef struct ps_case {
  const char *in;
  otelc_status st;
  int64_t rejected;
  const char *msg;
} ps_case;

/* Read @p in from an exact-size copy, so that reading past the end is
 * caught by the sanitizers. */
static otelc_status ps_read(const char *in, size_t n, int64_t *rej, char *msg,
                            size_t cap) {
  char *copy = malloc(n ? n : 1);
  assert_non_null(copy);
  memcpy(copy, in, n);
  otelc_status st = otelc__otlp_partial_success_json(copy, n, NULL, rej, msg, cap);
  free(copy);
  return st;
}

static void test_partial_success(void **state) {
  (void)state;
  static const ps_case cases[] = {
      {"", OTELC_OK, 0, ""},
      {"  \r\n\t", OTELC_OK, 0, ""},
      {"{}", OTELC_OK, 0, ""},
      {" { } ", OTELC_OK, 0, ""},
      {"\xef\xbb\xbf{}", OTELC_OK, 0, ""},
      {"{\"partialSuccess\":{}}", OTELC_OK, 0, ""},
      {"{\"partialSuccess\":null}", OTELC_OK, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"3\",\"errorMessage\":"
       "\"bad span\"}}",
       OTELC_OK, 3, "bad span"},
      {"{\"partialSuccess\":{\"rejectedSpans\":3}}", OTELC_OK, 3, ""},
      {"{\"partialSuccess\":{\"errorMessage\":\"m\",\"rejectedSpans\":12}}",
       OTELC_OK, 12, "m"},
      {"{\"partialSuccess\":{\"rejectedLogRecords\":\"4\"}}", OTELC_OK, 4, ""},
      {"{\"partialSuccess\":{\"rejectedDataPoints\":5}}", OTELC_OK, 5, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":null,\"errorMessage\":null}}",
       OTELC_OK, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":true}}", OTELC_OK, 0, ""},
      {"{\"partialSuccessAndAVeryLongKeyThatMatchesNothing\":"
       "{\"rejectedSpans\":4}}",
       OTELC_OK, 0, ""},
      /* Keys with escapes are compared decoded. */
      {"{\"partial\\u0053uccess\":{\"rejected\\u0053pans\":2}}", OTELC_OK, 2,
       ""},
      /* Unknown and nested members skipped. */
      {"{\"x\":[1,{\"a\":[true,false,null,\"s\\\"}]\"]},[],{}],"
       "\"partialSuccess\":{\"y\":{\"z\":[[[]]],\"w\":-1.5e3},"
       "\"rejectedSpans\":\"7\",\"errorMessage\":\"m\",\"q\":\"}\"},"
       "\"after\":{\"partialSuccess\":{\"rejectedSpans\":99}}}",
       OTELC_OK, 7, "m"},
      {"{\"partialSuccess\":{\"rejectedSpans\":1},"
       "\"partialSuccess\":{\"rejectedSpans\":2}}",
       OTELC_OK, 2, ""},
      /* Escapes in the message. */
      {"{\"partialSuccess\":{\"errorMessage\":\"a\\\"b\\\\c\\/d\\n\\t\\r\\b"
       "\\f\\u00e9\\u20AC\\ud83d\\ude00|\\ud800x|\\udc00|\\u0000\"}}",
       OTELC_OK, 0,
       "a\"b\\c/d\n\t\r\b\f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|"
       "\xef\xbf\xbdx|\xef\xbf\xbd|\xef\xbf\xbd"},
      {"{\"partialSuccess\":{\"errorMessage\":\"raw \xc3\xa9\"}}", OTELC_OK, 0,
       "raw \xc3\xa9"},
      /* Numbers. */
      {"{\"partialSuccess\":{\"rejectedSpans\":0}}", OTELC_OK, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":-0}}", OTELC_OK, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"-2\"}}", OTELC_OK, -2, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":3.9}}", OTELC_OK, 3, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":2e2}}", OTELC_OK, 200, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":1.5E+1}}", OTELC_OK, 15, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":12e-1}}", OTELC_OK, 1, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":0.00005e4}}", OTELC_OK, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":1e-999999999}}", OTELC_OK, 0,
       ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"9223372036854775807\"}}",
       OTELC_OK, INT64_MAX, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"-9223372036854775808\"}}",
       OTELC_OK, INT64_MIN, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":99999999999999999999999}}",
       OTELC_OK, INT64_MAX, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"9223372036854775808\"}}",
       OTELC_OK, INT64_MAX, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":-99999999999999999999}}",
       OTELC_OK, INT64_MIN, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":1e400}}", OTELC_OK, INT64_MAX,
       ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":1e99999999999999999999}}",
       OTELC_OK, INT64_MAX, ""},
      /* Malformed. */
      {"x", OTELC_ERR_PARSE, 0, ""},
      {"[1]", OTELC_ERR_PARSE, 0, ""},
      {"3", OTELC_ERR_PARSE, 0, ""},
      {"{", OTELC_ERR_PARSE, 0, ""},
      {"}", OTELC_ERR_PARSE, 0, ""},
      {"{} {}", OTELC_ERR_PARSE, 0, ""},
      {"{}x", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\"}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":1,}", OTELC_ERR_PARSE, 0, ""},
      {"{,}", OTELC_ERR_PARSE, 0, ""},
      {"{a:1}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":nul}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":01}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":1.}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":.5}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":1e}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":-}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":+1}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":[1 2]}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":[1,]}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":{\"b\":1,\"c\" 2}}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":{\"b\" 1}}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":[}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":{]}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":\"\\x\"}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":\"\\u12g4\"}", OTELC_ERR_PARSE, 0, ""},
      {"{\"a\":\"\x01\"}", OTELC_ERR_PARSE, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"x\"}}", OTELC_ERR_PARSE, 0,
       ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"3 \"}}", OTELC_ERR_PARSE, 0,
       ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":\"\"}}", OTELC_ERR_PARSE, 0, ""},
      {"{\"partialSuccess\":{\"rejectedSpans\":3,\"errorMessage\":\"m\"}",
       OTELC_ERR_PARSE, 0, ""},
      {"<html>502 Bad Gateway</html>", OTELC_ERR_PARSE, 0, ""},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    const ps_case *c = &cases[i];
    int64_t rej = -12345;
    char msg[128];
    memset(msg, 'Z', sizeof msg);
    otelc_status st = ps_read(c->in, strlen(c->in), &rej, msg, sizeof msg);
    if (st != c->st || rej != c->rejected || strcmp(msg, c->msg) != 0)
      fail_msg("case %zu (%s): status %d, rejected %lld, msg \"%s\"", i, c->in,
               (int)st, (long long)rej, msg);
  }

  /* Null outputs are accepted. */
  const char *ok = "{\"partialSuccess\":{\"rejectedSpans\":1,"
                   "\"errorMessage\":\"abc\"}}";
  assert_int_equal(ps_read(ok, strlen(ok), NULL, NULL, 0), OTELC_OK);
  char one = 'Z';
  assert_int_equal(ps_read(ok, strlen(ok), NULL, &one, 1), OTELC_OK);
  assert_int_equal(one, '\0');
  assert_int_equal(otelc__otlp_partial_success_json(NULL, 0, NULL, NULL, NULL, 0),
                   OTELC_OK);
  assert_int_equal(otelc__otlp_partial_success_json(NULL, 3, NULL, NULL, NULL, 0),
                   OTELC_ERR_INVALID_ARG);
}

/* The message is cut to msg_cap - 1 bytes, never inside a character. */
static void test_partial_success_message_cut(void **state) {
  (void)state;
  const char *in = "{\"partialSuccess\":{\"errorMessage\":"
                   "\"ab\\u20acc\xe2\x82\xac\xf0\x9f\x98\x80z\"}}";
  /* Decoded: a b € c € 😀 z = 1 1 3 1 3 4 1 bytes. */
  static const struct {
    size_t cap;
    const char *want;
  } cuts[] = {
      {1, ""},
      {2, "a"},
      {3, "ab"},
      {4, "ab"},
      {5, "ab"},
      {6, "ab\xe2\x82\xac"},
      {7, "ab\xe2\x82\xac"
          "c"},
      {9, "ab\xe2\x82\xac"
          "c"},
      {10, "ab\xe2\x82\xac"
           "c\xe2\x82\xac"},
      {13, "ab\xe2\x82\xac"
           "c\xe2\x82\xac"},
      {14, "ab\xe2\x82\xac"
           "c\xe2\x82\xac\xf0\x9f\x98\x80"},
      {15, "ab\xe2\x82\xac"
           "c\xe2\x82\xac\xf0\x9f\x98\x80z"},
      {64, "ab\xe2\x82\xac"
           "c\xe2\x82\xac\xf0\x9f\x98\x80z"},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cuts); i++) {
    char msg[64];
    memset(msg, 'Z', sizeof msg);
    int64_t rej;
    assert_int_equal(ps_read(in, strlen(in), &rej, msg, cuts[i].cap), OTELC_OK);
    assert_string_equal(msg, cuts[i].want);
    assert_int_equal(rej, 0);
  }
}

/* Every proper prefix of a valid response is refused (but the empty and
 * the blank one); nothing is read past the end. */
static void test_partial_success_truncated(void **state) {
  (void)state;
  const char *full =
      " {\"x\":[1.5e3,{\"y\":null}],\"partialSuccess\":{\"rejectedSpans\":"
      "\"12\",\"errorMessage\":\"a\\u00e9\\\"b\"}} ";
  size_t n = strlen(full);
  for (size_t k = 0; k < n; k++) {
    int64_t rej = -1;
    char msg[32];
    otelc_status st = ps_read(full, k, &rej, msg, sizeof msg);
    if (k <= 1) {
      assert_int_equal(st, OTELC_OK);
      continue;
    }
    if (k >= n - 1) { /* all but the trailing blank */
      assert_int_equal(st, OTELC_OK);
      continue;
    }
    if (st != OTELC_ERR_PARSE)
      fail_msg("prefix of %zu bytes: %d", k, (int)st);
    assert_int_equal(rej, 0);
    assert_string_equal(msg, "");
  }
  int64_t rej;
  char msg[32];
  assert_int_equal(ps_read(full, n, &rej, msg, sizeof msg), OTELC_OK);
  assert_int_equal(rej, 12);
  assert_string_equal(msg, "a\xc3\xa9\"b");
}

/* Deep nesting is refused without recursion; random bytes never crash. */
static void test_partial_success_hostile(void **state) {
  (void)state;
  char deep[1024];
  for (int depth = 60; depth <= 300; depth += 240) {
    size_t o = (size_t)snprintf(deep, sizeof deep, "{\"x\":");
    for (int i = 0; i < depth; i++)
      deep[o++] = '[';
    for (int i = 0; i < depth; i++)
      deep[o++] = ']';
    o += (size_t)snprintf(deep + o, sizeof deep - o,
                          ",\"partialSuccess\":{\"rejectedSpans\":1}}");
    int64_t rej;
    otelc_status st = ps_read(deep, o, &rej, NULL, 0);
    assert_int_equal(st, depth <= 64 ? OTELC_OK : OTELC_ERR_PARSE);
  }

  rng_state = 777;
  static const char alphabet[] = "{}[]:,\"\\u0aeE.-+ tfnrl1x\xc3\xa9";
  for (int round = 0; round < 20000; round++) {
    char in[48];
    size_t n = (size_t)(rng() % sizeof in);
    for (size_t i = 0; i < n; i++)
      in[i] = round % 2 ? (char)rng() : alphabet[rng() % (sizeof alphabet - 1)];
    int64_t rej;
    char msg[8];
    otelc_status st = ps_read(in, n, &rej, msg, sizeof msg);
    assert_true(st == OTELC_OK || st == OTELC_ERR_PARSE);
    assert_true(strlen(msg) < sizeof msg);
    /* What the reader accepts (and is UTF-8) is JSON, or blank. */
    if (st == OTELC_OK && utf8_valid(in, n) &&
        !(n >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0) &&
        strspn(in, " \t\r\n") < n && !json_valid(in, n))
      fail_msg("accepted: %.*s", (int)n, in);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_checker_itself),
      cmocka_unit_test(test_small_span_exact),
      cmocka_unit_test(test_child_span_exact),
      cmocka_unit_test(test_every_value_type),
      cmocka_unit_test(test_doubles),
      cmocka_unit_test(test_doubles_in_other_locale),
      cmocka_unit_test(test_events_links_remote_parent),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_escaping_at_every_offset),
      cmocka_unit_test(test_random_bytes_valid_json),
      cmocka_unit_test(test_grouping),
      cmocka_unit_test(test_invalid_args),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_partial_success),
      cmocka_unit_test(test_partial_success_message_cut),
      cmocka_unit_test(test_partial_success_truncated),
      cmocka_unit_test(test_partial_success_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
