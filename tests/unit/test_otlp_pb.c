/* OTLP protobuf encoding, read back field by field: every span field,
 * every attribute value type, flags, dropped counts, UTF-8 repair,
 * grouping by resource and scope, the growable buffer and its limit,
 * allocation-free re-encoding, the public wrapper, and the partial
 * success reader on good, odd and broken responses. */
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
#include "otelc/otlp_encode.h"
#include "trace/trace_internal.h"
#include "trace_fixture.h"

/* ------------------------------------------------------------------ */
/* A small protobuf reader                                             */
/* ------------------------------------------------------------------ */

/* The bytes of one message. */
typedef struct pb {
  const uint8_t *p;
  size_t n;
} pb;

/* One field: number, wire type, value (VARINT, I64, I32) or bytes (LEN). */
typedef struct fld {
  uint32_t num;
  unsigned wt;
  uint64_t v;
  pb sub;
} fld;

/* A canonical varint (no redundant trailing zero byte). */
static uint64_t t_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    assert_true(shift <= 63);
    assert_true(*p < end);
    uint8_t c = *(*p)++;
    v |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80)) {
      assert_true(shift == 0 || c != 0);
      return v;
    }
  }
}

static uint64_t t_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int k = n - 1; k >= 0; k--)
    v = v << 8 | p[k];
  return v;
}

/* The field at m.p[*off], or false at the end of the message. */
static bool t_next(pb m, size_t *off, fld *f) {
  if (*off >= m.n)
    return false;
  const uint8_t *p = m.p + *off, *end = m.p + m.n;
  uint64_t tag = t_varint(&p, end);
  f->num = (uint32_t)(tag >> 3);
  f->wt = (unsigned)(tag & 7);
  assert_true(f->num > 0);
  f->v = 0;
  f->sub = (pb){NULL, 0};
  switch (f->wt) {
  case 0:
    f->v = t_varint(&p, end);
    break;
  case 1:
    assert_true(end - p >= 8);
    f->v = t_le(p, 8);
    p += 8;
    break;
  case 2:
    f->v = t_varint(&p, end);
    assert_true(f->v <= (uint64_t)(end - p));
    f->sub = (pb){p, (size_t)f->v};
    p += f->v;
    break;
  case 5:
    assert_true(end - p >= 4);
    f->v = t_le(p, 4);
    p += 4;
    break;
  default:
    fail_msg("wire type %u", f->wt);
  }
  *off = (size_t)(p - m.p);
  return true;
}

static size_t t_count(pb m, uint32_t num) {
  size_t n = 0, off = 0;
  fld f;
  while (t_next(m, &off, &f))
    n += f.num == num;
  return n;
}

static bool t_has(pb m, uint32_t num) {
  return t_count(m, num) > 0;
}

/* The @p idx-th occurrence of field @p num, which must have wire type
 * @p wt. */
static fld t_get(pb m, uint32_t num, unsigned wt, size_t idx) {
  size_t off = 0;
  fld f = {0};
  while (t_next(m, &off, &f))
    if (f.num == num && idx-- == 0) {
      assert_int_equal(f.wt, wt);
      return f;
    }
  fail_msg("field %u not found", num);
  return f;
}

static pb t_msg(pb m, uint32_t num, size_t idx) {
  return t_get(m, num, 2, idx).sub;
}

static uint64_t t_u(pb m, uint32_t num, unsigned wt) {
  assert_int_equal(t_count(m, num), 1);
  return t_get(m, num, wt, 0).v;
}

static bool t_bytes_eq(pb b, const void *s, size_t n) {
  return b.n == n && (n == 0 || memcmp(b.p, s, n) == 0);
}

static void t_str(pb m, uint32_t num, const char *s) {
  assert_int_equal(t_count(m, num), 1);
  pb b = t_msg(m, num, 0);
  if (!t_bytes_eq(b, s, strlen(s)))
    fail_msg("field %u: '%.*s' != '%s'", num, (int)b.n, (const char *)b.p, s);
}

/* The AnyValue of the KeyValue with key @p key in repeated field @p num. */
static pb t_attr(pb m, uint32_t num, const char *key) {
  size_t off = 0;
  fld f;
  while (t_next(m, &off, &f)) {
    if (f.num != num)
      continue;
    pb k = t_msg(f.sub, 1, 0);
    if (t_bytes_eq(k, key, strlen(key))) {
      assert_int_equal(t_count(f.sub, 2), 1);
      return t_msg(f.sub, 2, 0);
    }
  }
  fail_msg("attribute '%s' not found", key);
  return (pb){NULL, 0};
}

/* The one field of an AnyValue, which must be @p num. */
static fld t_any(pb any, uint32_t num, unsigned wt) {
  size_t off = 0;
  fld f;
  assert_true(t_next(any, &off, &f));
  assert_int_equal(f.num, num);
  assert_int_equal(f.wt, wt);
  assert_int_equal(off, any.n);
  return f;
}

static void t_any_str(pb any, const char *s) {
  fld f = t_any(any, 1, 2);
  assert_true(t_bytes_eq(f.sub, s, strlen(s)));
}

static void t_any_int(pb any, int64_t i) {
  assert_true((int64_t)t_any(any, 3, 0).v == i);
}

static void t_any_bool(pb any, bool b) {
  assert_int_equal(t_any(any, 2, 0).v, b ? 1 : 0);
}

static void t_any_double(pb any, double d) {
  uint64_t bits = t_any(any, 4, 1).v;
  double got;
  memcpy(&got, &bits, sizeof got);
  assert_true(got == d);
}

/* --------------------------------------------------------- schema -- */

/* Message types of ExportTraceServiceRequest and what they may hold. */
enum {
  M_REQ,
  M_RS,
  M_RES,
  M_SS,
  M_SCOPE,
  M_SPAN,
  M_EVENT,
  M_LINK,
  M_STATUS,
  M_KV,
  M_ANY,
  M_ARR,
  M_KVL,
  M_STR,
  M_BYTES,
  M_VARINT,
  M_I64,
  M_I32,
  M_NONE
};

static const uint8_t schema[M_KVL + 1][17] = {
    [M_REQ] = {[1] = M_RS},
    [M_RS] = {[1] = M_RES, [2] = M_SS, [3] = M_STR},
    [M_RES] = {[1] = M_KV, [2] = M_VARINT},
    [M_SS] = {[1] = M_SCOPE, [2] = M_SPAN, [3] = M_STR},
    [M_SCOPE] = {[1] = M_STR, [2] = M_STR, [3] = M_KV, [4] = M_VARINT},
    [M_SPAN] = {[1] = M_BYTES,
                [2] = M_BYTES,
                [3] = M_STR,
                [4] = M_BYTES,
                [5] = M_STR,
                [6] = M_VARINT,
                [7] = M_I64,
                [8] = M_I64,
                [9] = M_KV,
                [10] = M_VARINT,
                [11] = M_EVENT,
                [12] = M_VARINT,
                [13] = M_LINK,
                [14] = M_VARINT,
                [15] = M_STATUS,
                [16] = M_I32},
    [M_EVENT] = {[1] = M_I64, [2] = M_STR, [3] = M_KV, [4] = M_VARINT},
    [M_LINK] = {[1] = M_BYTES,
                [2] = M_BYTES,
                [3] = M_STR,
                [4] = M_KV,
                [5] = M_VARINT,
                [6] = M_I32},
    [M_STATUS] = {[2] = M_STR, [3] = M_VARINT},
    [M_KV] = {[1] = M_STR, [2] = M_ANY},
    [M_ANY] = {[1] = M_STR,
               [2] = M_VARINT,
               [3] = M_VARINT,
               [4] = M_I64,
               [5] = M_ARR,
               [6] = M_KVL,
               [7] = M_BYTES},
    [M_ARR] = {[1] = M_ANY},
    [M_KVL] = {[1] = M_KV},
};

static bool t_utf8_valid(pb s) {
  size_t i = 0;
  while (i < s.n) {
    uint8_t c = s.p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.n)
      return false;
    for (size_t k = 1; k < len; k++) {
      if ((s.p[i + k] & 0xC0) != 0x80)
        return false;
      cp = cp << 6 | (s.p[i + k] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

/* Every field known, with the right wire type, in field-number order;
 * strings valid UTF-8; ids of the right size; an AnyValue holds at most
 * one member; a KeyValue has a key. */
static void t_walk(pb m, int type) {
  size_t off = 0;
  fld f;
  uint32_t last = 0;
  size_t fields = 0;
  while (t_next(m, &off, &f)) {
    fields++;
    assert_true(f.num <= 16);
    int ft = schema[type][f.num];
    if (ft == 0)
      fail_msg("message %d: unexpected field %u", type, f.num);
    assert_true(f.num >= last);
    last = f.num;
    switch (ft) {
    case M_VARINT:
      assert_int_equal(f.wt, 0);
      break;
    case M_I64:
      assert_int_equal(f.wt, 1);
      break;
    case M_I32:
      assert_int_equal(f.wt, 5);
      break;
    case M_STR:
      assert_int_equal(f.wt, 2);
      if (!t_utf8_valid(f.sub))
        fail_msg("message %d field %u: invalid UTF-8", type, f.num);
      break;
    case M_BYTES:
      assert_int_equal(f.wt, 2);
      if (type == M_SPAN || type == M_LINK)
        assert_int_equal(f.sub.n, f.num == 1 ? 16 : 8);
      break;
    default:
      assert_int_equal(f.wt, 2);
      t_walk(f.sub, ft);
      break;
    }
  }
  if (type == M_ANY)
    assert_true(fields <= 1);
  if (type == M_KV)
    assert_int_equal(t_count(m, 1), 1);
}

/* --------------------------------------------------------- helpers -- */

static pb t_encode(otelc__buf *b, otelc_span *const *spans, size_t n) {
  assert_int_equal(otelc__otlp_traces_pb(b, spans, n), OTELC_OK);
  assert_false(b->failed);
  pb req = {b->data, b->len};
  t_walk(req, M_REQ);
  return req;
}

/* The span named @p name anywhere in the request. */
static pb t_span(pb req, const char *name) {
  for (size_t r = 0; r < t_count(req, 1); r++) {
    pb rs = t_msg(req, 1, r);
    for (size_t s = 0; s < t_count(rs, 2); s++) {
      pb ss = t_msg(rs, 2, s);
      for (size_t k = 0; k < t_count(ss, 2); k++) {
        pb sp = t_msg(ss, 2, k);
        pb nm = t_msg(sp, 5, 0);
        if (t_bytes_eq(nm, name, strlen(name)))
          return sp;
      }
    }
  }
  fail_msg("span '%s' not found", name);
  return (pb){NULL, 0};
}

static otelc_span *t_collect(fixture *f, otelc_span **out, size_t max) {
  size_t n = otelc_memory_exporter_count(f->mem);
  assert_true(n <= max);
  for (size_t i = 0; i < n; i++)
    out[i] = fixture_span(f, i);
  return n ? out[0] : NULL;
}

static const uint8_t REMOTE_TID[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
                                       0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
                                       0x0e, 0x0e, 0x47, 0x36};
static const uint8_t REMOTE_SID[8] = {0x00, 0xf0, 0x67, 0xaa,
                                      0x0b, 0xa9, 0x02, 0xb7};
static const uint8_t LINK_TID[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                     9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t LINK_SID[8] = {0xa1, 0xa2, 0xa3, 0xa4,
                                    0xa5, 0xa6, 0xa7, 0xa8};

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_rich_span(void **state) {
  (void)state;
  otelc_span_limits lim;
  otelc_span_limits_default(&lim);
  lim.attr_count = 16;
  lim.event_count = 1;
  lim.link_count = 1;
  lim.event_attr_count = 2;
  lim.link_attr_count = 1;
  fixture f;
  fixture_init(&f, NULL, &lim);

  otelc_span_context rsc;
  memcpy(rsc.trace_id, REMOTE_TID, 16);
  memcpy(rsc.span_id, REMOTE_SID, 8);
  rsc.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  rsc.is_remote = true;
  otelc_context *parent = otelc_context_with_remote(NULL, &rsc, "vendor=1");
  assert_non_null(parent);

  otelc_span_start_opts o = {0};
  o.kind = OTELC_SPAN_KIND_SERVER;
  o.parent = parent;
  o.start_time = 1000;
  otelc_span *s = otelc_span_start(f.tracer, "rich", &o);
  otelc_span_context sc = otelc_span_get_context(s);

  static const uint8_t raw[] = {0x00, 0xFF, 0x10};
  static const char *const strs[] = {"x", "", "y"};
  static const int64_t ints[] = {1, -1, 0};
  static const double dbls[] = {1.5, -2.0};
  static const bool bools[] = {true, false};
  otelc_value inner[] = {{OTELC_VALUE_INT, 0, {.i = 9}}};
  otelc_value elems[] = {
      {OTELC_VALUE_STRING, 1, {.str = "z"}},
      {OTELC_VALUE_INT, 0, {.i = 7}},
      {OTELC_VALUE_EMPTY, 0, {.str = NULL}},
      {OTELC_VALUE_ARRAY, 1, {.values = inner}},
  };
  otelc_attr kvs[] = {OTELC_STR("k1", "v1"), OTELC_INT("k2", 3)};
  otelc_attr a[] = {
      OTELC_STR("s", "hello"),
      OTELC_BOOL("b", true),
      OTELC_BOOL("bf", false),
      OTELC_INT("i0", 0),
      OTELC_INT("ineg", -42),
      OTELC_DOUBLE("d", 0.25),
      OTELC_BYTES("bytes", raw, sizeof raw),
      OTELC_STR_ARRAY("sa", strs, 3),
      OTELC_INT_ARRAY("ia", ints, 3),
      OTELC_DOUBLE_ARRAY("da", dbls, 2),
      OTELC_BOOL_ARRAY("ba", bools, 2),
      {"arr", {OTELC_VALUE_ARRAY, 4, {.values = elems}}},
      {"map", {OTELC_VALUE_MAP, 2, {.kvs = kvs}}},
      {"empty", {OTELC_VALUE_EMPTY, 0, {.str = NULL}}},
      OTELC_STRN("bad", "ok\xC3(", 4),
      OTELC_STR("k\xFFy", "v"),
      OTELC_STR("over1", "dropped"),
      OTELC_STR("over2", "dropped"),
  };
  otelc_span_set_attrs(s, a, OTELC__ARRAY_LEN(a));

  otelc_span_add_event(s, "ev1", 123,
                       OTELC_ATTRS(OTELC_STR("e1", "x"), OTELC_INT("e2", 2),
                                   OTELC_INT("e3", 3)));
  otelc_span_add_event(s, "ev2", 124, NULL, 0);

  otelc_link l = {0};
  memcpy(l.context.trace_id, LINK_TID, 16);
  memcpy(l.context.span_id, LINK_SID, 8);
  l.context.trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  l.context.is_remote = true;
  l.tracestate = "a=b";
  otelc_attr la[] = {OTELC_STR("l1", "x"), OTELC_STR("l2", "y")};
  l.attrs = la;
  l.n_attrs = 2;
  otelc_span_add_link(s, &l);
  otelc_span_add_link(s, &l);
  otelc_span_set_status(s, OTELC_STATUS_ERROR, "boom");
  otelc_span_end_at(s, 2000);

  /* A second child of a remote parent whose flags say sampled + random. */
  rsc.trace_flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM;
  otelc_context *parent2 = otelc_context_with_remote(NULL, &rsc, NULL);
  o.parent = parent2;
  otelc_span_end(otelc_span_start(f.tracer, "rich2", &o));
  /* A filler, encoded before (that is, after) the rich span below. */
  char fill[700];
  memset(fill, 'f', sizeof fill - 1);
  fill[sizeof fill - 1] = '\0';
  otelc_span *filler = otelc_span_start(f.tracer, "filler", NULL);
  otelc_span_set_str(filler, "fill", fill);
  otelc_span_end(filler);

  otelc_span *spans[4];
  t_collect(&f, spans, 4);
  otelc__buf b;
  otelc__buf_init(&b);
  pb req = t_encode(&b, spans, 2);

  assert_int_equal(t_count(req, 1), 1);
  pb rs = t_msg(req, 1, 0);
  assert_int_equal(t_count(rs, 1), 1);
  assert_int_equal(t_msg(rs, 1, 0).n, 0); /* empty resource */
  assert_false(t_has(rs, 3));
  assert_int_equal(t_count(rs, 2), 1);
  pb ss = t_msg(rs, 2, 0);
  pb scope = t_msg(ss, 1, 0);
  t_str(scope, 1, "test.scope");
  t_str(scope, 2, "1.2.3");
  assert_false(t_has(scope, 3));
  assert_false(t_has(ss, 3));
  assert_int_equal(t_count(ss, 2), 2);

  pb sp = t_msg(ss, 2, 0);
  t_str(sp, 5, "rich");
  assert_true(t_bytes_eq(t_msg(sp, 1, 0), REMOTE_TID, 16));
  assert_true(t_bytes_eq(t_msg(sp, 2, 0), sc.span_id, 8));
  assert_true(t_bytes_eq(t_msg(sp, 4, 0), REMOTE_SID, 8));
  t_str(sp, 3, "vendor=1");
  assert_int_equal(t_u(sp, 6, 0), 2);
  assert_int_equal(t_u(sp, 7, 1), 1000);
  assert_int_equal(t_u(sp, 8, 1), 2000);
  assert_int_equal(t_u(sp, 16, 5), 0x301);

  /* Attributes: 16 kept, 2 dropped, in the order set. */
  assert_int_equal(t_count(sp, 9), 16);
  assert_int_equal(t_u(sp, 10, 0), 2);
  t_str(t_msg(sp, 9, 0), 1, "s");
  t_str(t_msg(sp, 9, 15), 1, "k\xEF\xBF\xBDy");
  t_any_str(t_attr(sp, 9, "s"), "hello");
  t_any_bool(t_attr(sp, 9, "b"), true);
  t_any_bool(t_attr(sp, 9, "bf"), false);
  t_any_int(t_attr(sp, 9, "i0"), 0);
  t_any_int(t_attr(sp, 9, "ineg"), -42);
  t_any_double(t_attr(sp, 9, "d"), 0.25);
  fld by = t_any(t_attr(sp, 9, "bytes"), 7, 2);
  assert_true(t_bytes_eq(by.sub, raw, sizeof raw));
  t_any_str(t_attr(sp, 9, "bad"), "ok\xEF\xBF\xBD(");
  t_any_str(t_attr(sp, 9, "k\xEF\xBF\xBDy"), "v");
  assert_int_equal(t_attr(sp, 9, "empty").n, 0);

  pb arr = t_any(t_attr(sp, 9, "sa"), 5, 2).sub;
  assert_int_equal(t_count(arr, 1), 3);
  t_any_str(t_msg(arr, 1, 0), "x");
  t_any_str(t_msg(arr, 1, 1), "");
  t_any_str(t_msg(arr, 1, 2), "y");
  arr = t_any(t_attr(sp, 9, "ia"), 5, 2).sub;
  assert_int_equal(t_count(arr, 1), 3);
  t_any_int(t_msg(arr, 1, 0), 1);
  t_any_int(t_msg(arr, 1, 1), -1);
  t_any_int(t_msg(arr, 1, 2), 0);
  arr = t_any(t_attr(sp, 9, "da"), 5, 2).sub;
  assert_int_equal(t_count(arr, 1), 2);
  t_any_double(t_msg(arr, 1, 0), 1.5);
  t_any_double(t_msg(arr, 1, 1), -2.0);
  arr = t_any(t_attr(sp, 9, "ba"), 5, 2).sub;
  assert_int_equal(t_count(arr, 1), 2);
  t_any_bool(t_msg(arr, 1, 0), true);
  t_any_bool(t_msg(arr, 1, 1), false);
  arr = t_any(t_attr(sp, 9, "arr"), 5, 2).sub;
  assert_int_equal(t_count(arr, 1), 4);
  t_any_str(t_msg(arr, 1, 0), "z");
  t_any_int(t_msg(arr, 1, 1), 7);
  assert_int_equal(t_msg(arr, 1, 2).n, 0);
  pb nested = t_any(t_msg(arr, 1, 3), 5, 2).sub;
  assert_int_equal(t_count(nested, 1), 1);
  t_any_int(t_msg(nested, 1, 0), 9);
  pb map = t_any(t_attr(sp, 9, "map"), 6, 2).sub;
  assert_int_equal(t_count(map, 1), 2);
  t_str(t_msg(map, 1, 0), 1, "k1");
  t_any_str(t_attr(map, 1, "k1"), "v1");
  t_any_int(t_attr(map, 1, "k2"), 3);

  /* One event kept (two of its three attributes), one dropped. */
  assert_int_equal(t_count(sp, 11), 1);
  assert_int_equal(t_u(sp, 12, 0), 1);
  pb ev = t_msg(sp, 11, 0);
  assert_int_equal(t_u(ev, 1, 1), 123);
  t_str(ev, 2, "ev1");
  assert_int_equal(t_count(ev, 3), 2);
  t_any_str(t_attr(ev, 3, "e1"), "x");
  t_any_int(t_attr(ev, 3, "e2"), 2);
  assert_int_equal(t_u(ev, 4, 0), 1);

  /* One link kept (one of its two attributes), one dropped. */
  assert_int_equal(t_count(sp, 13), 1);
  assert_int_equal(t_u(sp, 14, 0), 1);
  pb ln = t_msg(sp, 13, 0);
  assert_true(t_bytes_eq(t_msg(ln, 1, 0), LINK_TID, 16));
  assert_true(t_bytes_eq(t_msg(ln, 2, 0), LINK_SID, 8));
  t_str(ln, 3, "a=b");
  assert_int_equal(t_count(ln, 4), 1);
  t_any_str(t_attr(ln, 4, "l1"), "x");
  assert_int_equal(t_u(ln, 5, 0), 1);
  assert_int_equal(t_u(ln, 6, 5), 0x301);

  pb st = t_msg(sp, 15, 0);
  t_str(st, 2, "boom");
  assert_int_equal(t_u(st, 3, 0), 2);

  pb sp2 = t_msg(ss, 2, 1);
  t_str(sp2, 5, "rich2");
  assert_int_equal(t_u(sp2, 16, 5), 0x303);
  assert_false(t_has(sp2, 3)); /* no tracestate */
  assert_false(t_has(sp2, 10));
  assert_false(t_has(sp2, 12));
  assert_false(t_has(sp2, 14));
  assert_false(t_has(sp2, 15)); /* status UNSET */

  /* Out of memory wherever the first growth happens to fall: batches of
   * 1 to 40 copies of the span, so that it falls in every kind of field.
   * The encoder fails cleanly and the buffer stays usable. */
  otelc_span *many[41];
  for (size_t i = 0; i < 40; i++)
    many[i] = spans[i % 5 == 4];
  many[40] = &otelc__noop_span; /* a second group: the scratch path */
  for (size_t n = 1; n <= 41; n++) {
    otelc__buf c;
    otelc__buf_init(&c);
    otelc__alloc_fail_after(1);
    otelc_status got = otelc__otlp_traces_pb(&c, many + 41 - n, n);
    otelc__alloc_fail_after(-1);
    assert_true(got == OTELC_OK || got == OTELC_ERR_NOMEM);
    if (got != OTELC_OK)
      assert_int_equal(c.len, 0);
    t_encode(&c, many + 41 - n, n);
    otelc__buf_free(&c);
  }

  /* Out of memory at every byte of the rich span: a buffer big enough
   * for the first guess (256 bytes a span) and for the filler, one byte
   * more each time, and no growth allowed. */
  otelc_span *pair[2] = {spans[0], spans[2]};
  size_t full = t_encode(&b, pair, 2).n;
  for (size_t cap = 512; cap <= full + 64; cap++) {
    otelc__buf c;
    otelc__buf_init(&c);
    c.data = malloc(cap);
    assert_non_null(c.data);
    c.cap = cap;
    otelc__alloc_fail_after(0);
    otelc_status got = otelc__otlp_traces_pb(&c, pair, 2);
    otelc__alloc_fail_after(-1);
    if (cap < full)
      assert_int_equal(got, OTELC_ERR_NOMEM);
    else if (cap >= full + 16)
      assert_int_equal(got, OTELC_OK);
    if (got == OTELC_OK)
      assert_memory_equal(c.data, b.data, full);
    else
      assert_int_equal(c.len, 0);
    otelc__buf_free(&c);
  }

  otelc__buf_free(&b);
  otelc_context_release(parent);
  otelc_context_release(parent2);
  fixture_free(&f);
}

static void test_local_root_and_child(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {0};
  o.root = true;
  otelc_span *root = otelc_span_start(f.tracer, "root", &o);
  otelc_span_context rc = otelc_span_get_context(root);
  otelc_context *ctx = otelc_context_with_span(NULL, root);
  otelc_span_start_opts co = {0};
  co.parent = ctx;
  co.kind = OTELC_SPAN_KIND_CLIENT;
  otelc_span *child = otelc_span_start(f.tracer, "child", &co);
  otelc_span_set_status(child, OTELC_STATUS_OK, NULL);
  otelc_span_set_status(root, OTELC_STATUS_ERROR, NULL);
  otelc_span_end(child);
  otelc_context_release(ctx);
  otelc_span_end(root);

  otelc_span *spans[4];
  t_collect(&f, spans, 4);
  otelc__buf b;
  otelc__buf_init(&b);
  pb req = t_encode(&b, spans, 2);

  pb r = t_span(req, "root");
  assert_false(t_has(r, 4)); /* no parent_span_id */
  assert_int_equal(t_u(r, 16, 5), 0x100u | rc.trace_flags);
  assert_int_equal(t_u(r, 6, 0), 1); /* INTERNAL */
  pb st = t_msg(r, 15, 0);
  assert_false(t_has(st, 2)); /* ERROR without description */
  assert_int_equal(t_u(st, 3, 0), 2);

  pb c = t_span(req, "child");
  assert_true(t_bytes_eq(t_msg(c, 1, 0), rc.trace_id, 16));
  assert_true(t_bytes_eq(t_msg(c, 4, 0), rc.span_id, 8));
  assert_int_equal(t_u(c, 16, 5), 0x100u | rc.trace_flags);
  assert_int_equal(t_u(c, 6, 0), 3);
  st = t_msg(c, 15, 0);
  assert_false(t_has(st, 2));
  assert_int_equal(t_u(st, 3, 0), 1);
  assert_false(t_has(c, 9));
  assert_false(t_has(c, 11));
  assert_false(t_has(c, 13));

  otelc__buf_free(&b);
  fixture_free(&f);
}

/* A provider over a memory exporter with the given resource. */
static otelc_tracer_provider *t_provider(otelc_resource *res,
                                         otelc_span_exporter **mem) {
  assert_int_equal(otelc_memory_exporter_new(mem), OTELC_OK);
  otelc_span_processor *proc = NULL;
  assert_int_equal(otelc_simple_span_processor_new(*mem, &proc), OTELC_OK);
  otelc_tracer_provider_opts o = {0};
  o.resource = res;
  o.sampler = otelc_sampler_always_on();
  o.processors = &proc;
  o.n_processors = 1;
  otelc_tracer_provider *tp = NULL;
  assert_int_equal(otelc_tracer_provider_new(&o, &tp), OTELC_OK);
  otelc_resource_release(res);
  return tp;
}

typedef struct two {
  otelc_tracer_provider *tpa, *tpb;
  otelc_span_exporter *mema, *memb;
  otelc_span *spans[16];
  size_t n;
} two;

/* Spans of two resources (A with a schema URL) and two scopes each,
 * interleaved: a1.s1 b1.s1 a2.s2 a3.s1 b2.s2 b3.s1. */
static void two_init(two *t) {
  otelc_resource *ra = NULL, *rb = NULL;
  assert_int_equal(
      otelc_resource_new(
          OTELC_ATTRS(OTELC_STR("service.name", "svc-a"), OTELC_INT("n", 1)),
          "https://opentelemetry.io/schemas/1.30.0", &ra),
      OTELC_OK);
  assert_int_equal(
      otelc_resource_new(OTELC_ATTRS(OTELC_STR("service.name", "svc-b")), NULL,
                         &rb),
      OTELC_OK);
  t->tpa = t_provider(ra, &t->mema);
  t->tpb = t_provider(rb, &t->memb);
  otelc_attr sattr[] = {OTELC_STR("scope.attr", "x")};
  otelc_scope_info s1 = {"s1", "1.0", "https://example.com/s1", sattr, 1};
  otelc_scope_info s2 = {"s2", NULL, NULL, NULL, 0};
  otelc_tracer *a1 = otelc_tracer_provider_get_tracer(t->tpa, &s1);
  otelc_tracer *a2 = otelc_tracer_provider_get_tracer(t->tpa, &s2);
  otelc_tracer *b1 = otelc_tracer_provider_get_tracer(t->tpb, &s1);
  otelc_tracer *b2 = otelc_tracer_provider_get_tracer(t->tpb, &s2);
  otelc_span_start_opts o = {0};
  o.root = true;
  otelc_tracer *order[] = {a1, b1, a2, a1, b2, b1};
  const char *names[] = {"a1", "b1", "a2", "a3", "b2", "b3"};
  for (size_t i = 0; i < 6; i++) {
    otelc_span *s = otelc_span_start(order[i], names[i], &o);
    otelc_span_set_int(s, "i", (int64_t)i);
    otelc_span_end(s);
  }
  /* The memory exporters keep them in order per provider; rebuild the
   * interleaving. */
  size_t ia = 0, ib = 0;
  for (size_t i = 0; i < 6; i++)
    t->spans[i] = names[i][0] == 'a' ? otelc_memory_exporter_get(t->mema, ia++)
                                     : otelc_memory_exporter_get(t->memb, ib++);
  t->n = 6;
}

static void two_free(two *t) {
  otelc_tracer_provider_free(t->tpa);
  otelc_tracer_provider_free(t->tpb);
}

static void t_span_names(pb ss, const char *const *names, size_t n) {
  assert_int_equal(t_count(ss, 2), n);
  for (size_t i = 0; i < n; i++)
    t_str(t_msg(ss, 2, i), 5, names[i]);
}

static void test_groups(void **state) {
  (void)state;
  two t;
  two_init(&t);
  otelc__buf b;
  otelc__buf_init(&b);
  pb req = t_encode(&b, t.spans, t.n);

  assert_int_equal(t_count(req, 1), 2);
  pb ra = t_msg(req, 1, 0), rb = t_msg(req, 1, 1);
  pb res = t_msg(ra, 1, 0);
  assert_int_equal(t_count(res, 1), 2);
  t_any_str(t_attr(res, 1, "service.name"), "svc-a");
  t_any_int(t_attr(res, 1, "n"), 1);
  assert_false(t_has(res, 2));
  t_str(ra, 3, "https://opentelemetry.io/schemas/1.30.0");
  t_any_str(t_attr(t_msg(rb, 1, 0), 1, "service.name"), "svc-b");
  assert_false(t_has(rb, 3));

  assert_int_equal(t_count(ra, 2), 2);
  pb ss = t_msg(ra, 2, 0);
  pb scope = t_msg(ss, 1, 0);
  t_str(scope, 1, "s1");
  t_str(scope, 2, "1.0");
  t_any_str(t_attr(scope, 3, "scope.attr"), "x");
  t_str(ss, 3, "https://example.com/s1");
  t_span_names(ss, (const char *[]){"a1", "a3"}, 2);
  ss = t_msg(ra, 2, 1);
  scope = t_msg(ss, 1, 0);
  t_str(scope, 1, "s2");
  assert_false(t_has(scope, 2));
  assert_false(t_has(scope, 3));
  assert_false(t_has(ss, 3));
  t_span_names(ss, (const char *[]){"a2"}, 1);

  assert_int_equal(t_count(rb, 2), 2);
  ss = t_msg(rb, 2, 0);
  t_str(t_msg(ss, 1, 0), 1, "s1");
  t_span_names(ss, (const char *[]){"b1", "b3"}, 2);
  ss = t_msg(rb, 2, 1);
  t_str(t_msg(ss, 1, 0), 1, "s2");
  t_span_names(ss, (const char *[]){"b2"}, 1);

  /* The grouping itself. */
  otelc_span *sorted[6];
  otelc__span_group g[6];
  size_t ng = otelc__otlp_group(t.spans, 6, sorted, g);
  assert_int_equal(ng, 4);
  size_t want_first[] = {0, 2, 3, 5}, want_count[] = {2, 1, 2, 1};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(g[i].first, want_first[i]);
    assert_int_equal(g[i].count, want_count[i]);
  }
  assert_ptr_equal(g[0].resource, g[1].resource);
  assert_ptr_equal(g[2].resource, g[3].resource);
  assert_ptr_not_equal(g[0].resource, g[2].resource);
  assert_ptr_equal(g[0].scope, otelc_span_get_scope(t.spans[0]));
  otelc_span *want[] = {t.spans[0], t.spans[3], t.spans[2],
                        t.spans[1], t.spans[5], t.spans[4]};
  for (size_t i = 0; i < 6; i++)
    assert_ptr_equal(sorted[i], want[i]);

  otelc__buf_free(&b);
  two_free(&t);
}

static void test_utf8_repair(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"plain", "plain"},
      {"h\xC3\xA9llo w\xC3\xB6rld \xC3\xBCn\xC3\xAF"
       "c\xC3\xB6"
       "d\xC3\xA9",
       "h\xC3\xA9llo w\xC3\xB6rld \xC3\xBCn\xC3\xAF"
       "c\xC3\xB6"
       "d\xC3\xA9"},
      {"\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9",
       "\xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9"},
      {"a\xC3", "a\xEF\xBF\xBD"},
      {"\xE2\x82", "\xEF\xBF\xBD"},
      {"\xE2\x82x", "\xEF\xBF\xBDx"},
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xE0\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xE0\xA0\x80\xED\x9F\xBF", "\xE0\xA0\x80\xED\x9F\xBF"},
      {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xF0\x9F\x98", "\xEF\xBF\xBD"},
      {"\xFF\xFE", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\x80", "\xEF\xBF\xBD"},
      {"0123456789abcdefghij\xFFxyz0123456789",
       "0123456789abcdefghij\xEF\xBF\xBDxyz0123456789"},
  };
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {0};
  o.root = true;
  otelc_span *s = otelc_span_start(f.tracer, "bad\xC3name", &o);
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    char key[16];
    snprintf(key, sizeof key, "k%zu", i);
    otelc_span_set_str(s, key, cases[i].in);
  }
  static const char *const arr[] = {"ok", "\xC3"};
  otelc_span_set_attr(s, &OTELC_STR_ARRAY("arr", arr, 2));
  otelc_span_add_event(s, "ev\xFF", 0, OTELC_ATTRS(OTELC_STR("\xC3", "v")));
  otelc_span_end(s);

  otelc_span *spans[1];
  t_collect(&f, spans, 1);
  otelc__buf b;
  otelc__buf_init(&b);
  pb req = t_encode(&b, spans, 1);
  pb sp = t_span(req, "bad\xEF\xBF\xBDname");
  for (size_t i = 0; i < OTELC__ARRAY_LEN(cases); i++) {
    char key[16];
    snprintf(key, sizeof key, "k%zu", i);
    t_any_str(t_attr(sp, 9, key), cases[i].out);
  }
  pb a = t_any(t_attr(sp, 9, "arr"), 5, 2).sub;
  t_any_str(t_msg(a, 1, 1), "\xEF\xBF\xBD");
  pb ev = t_msg(sp, 11, 0);
  t_str(ev, 2, "ev\xEF\xBF\xBD");
  t_any_str(t_attr(ev, 3, "\xEF\xBF\xBD"), "v");

  otelc__buf_free(&b);
  fixture_free(&f);
}

static void test_empty_and_noop(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_traces_pb(&b, NULL, 0), OTELC_OK);
  assert_int_equal(b.len, 0);

  /* A span with no tracer (the shared no-op span) still encodes. */
  otelc_span *noop = &otelc__noop_span;
  pb req = t_encode(&b, &noop, 1);
  pb rs = t_msg(req, 1, 0);
  pb sp = t_msg(t_msg(rs, 2, 0), 2, 0);
  assert_int_equal(t_u(sp, 16, 5), 0x100);
  otelc__buf_free(&b);
  otelc__buf_free(NULL);
}

static void test_buffer_growth(void **state) {
  (void)state;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_true(otelc__buf_grow(&b, 10));
  assert_int_equal(b.cap, 4096);
  b.len = 4000;
  assert_true(otelc__buf_grow(&b, 200));
  assert_int_equal(b.cap, 8192);
  assert_true(otelc__buf_reserve(&b, 100));
  assert_int_equal(b.cap, 8192);
  assert_false(b.failed);

  /* Past the request limit: refused, nothing allocated. */
  unsigned long calls = otelc__alloc_calls();
  assert_false(otelc__buf_grow(&b, OTELC__OTLP_MAX_REQUEST));
  assert_true(b.failed);
  assert_false(otelc__buf_grow(&b, SIZE_MAX));
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(b.cap, 8192);
  otelc__buf_reset(&b);
  assert_false(b.failed);
  assert_int_equal(b.len, 0);

  /* Allocation failure. */
  otelc__alloc_fail_after(0);
  assert_false(otelc__buf_grow(&b, 9000));
  otelc__alloc_fail_after(-1);
  assert_true(b.failed);
  assert_int_equal(b.cap, 8192);
  otelc__buf_reset(&b);
  otelc__buf_put(&b, "abc", 3);
  otelc__buf_byte(&b, 'd');
  assert_int_equal(b.len, 4);
  assert_memory_equal(b.data, "abcd", 4);
  otelc__buf_free(&b);
  assert_null(b.data);
  assert_int_equal(b.cap, 0);

  /* An encoding that grows the buffer several times, from a small one:
   * 40 spans of about 1.6 KB in two groups. */
  two t;
  two_init(&t);
  fixture f;
  fixture_init(&f, NULL, NULL);
  char big[1500];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  otelc_span_start_opts o = {0};
  o.root = true;
  for (int i = 0; i < 40; i++) {
    otelc_span *s = otelc_span_start(f.tracer, "big", &o);
    otelc_span_set_str(s, "big", big);
    otelc_span_set_int(s, "i", i);
    otelc_span_end(s);
  }
  otelc_span *spans[41];
  t_collect(&f, spans, 40);
  spans[40] = t.spans[0];
  assert_true(otelc__buf_grow(&b, 1));
  assert_int_equal(b.cap, 4096);
  pb req = t_encode(&b, spans, 41);
  assert_true(b.len > 40 * 1500);
  assert_int_equal(t_count(req, 1), 2);
  pb ss = t_msg(t_msg(req, 1, 0), 2, 0);
  assert_int_equal(t_count(ss, 2), 40);
  for (size_t i = 0; i < 40; i++) {
    pb sp = t_msg(ss, 2, i);
    t_any_int(t_attr(sp, 9, "i"), (int64_t)i);
    t_any_str(t_attr(sp, 9, "big"), big);
  }
  /* The same with one group. */
  req = t_encode(&b, spans, 40);
  assert_int_equal(t_count(req, 1), 1);

  /* Out of memory on a fresh buffer, and on growth part way. */
  for (long k = 0; k < 4; k++) {
    otelc__buf c;
    otelc__buf_init(&c);
    otelc__alloc_fail_after(k);
    otelc_status st = otelc__otlp_traces_pb(&c, spans, 41);
    otelc__alloc_fail_after(-1);
    if (st != OTELC_OK) {
      assert_int_equal(st, OTELC_ERR_NOMEM);
      assert_true(c.failed);
      assert_int_equal(c.len, 0);
    }
    otelc__buf_free(&c);
  }

  otelc__buf_free(&b);
  fixture_free(&f);
  two_free(&t);
}

static void test_request_limit(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span_start_opts o = {0};
  o.root = true;
  otelc_span *s = otelc_span_start(f.tracer, "huge", &o);
  static const uint8_t small[4] = {1, 2, 3, 4};
  otelc_span_set_attr(s, &OTELC_BYTES("b", small, sizeof small));
  otelc_span_end(s);
  otelc_span *sp = fixture_span(&f, 0);

  /* Make the value claim the whole request size: the encoder must refuse
   * before reading it. */
  otelc_value saved = sp->attrs.items[0].value;
  sp->attrs.items[0].value.len = OTELC__OTLP_MAX_REQUEST;
  otelc__buf b;
  otelc__buf_init(&b);
  assert_int_equal(otelc__otlp_traces_pb(&b, &sp, 1), OTELC_ERR_LIMIT);
  assert_true(b.failed);
  assert_int_equal(b.len, 0);
  /* Under the limit on its own, over it with its tag and length. */
  sp->attrs.items[0].value.len = OTELC__OTLP_MAX_REQUEST - 5;
  assert_int_equal(otelc__otlp_traces_pb(&b, &sp, 1), OTELC_ERR_LIMIT);
  sp->attrs.items[0].value = saved;
  /* The buffer is usable again. */
  t_encode(&b, &sp, 1);

  otelc_otlp_buffer pub = {0};
  sp->attrs.items[0].value.len = OTELC__OTLP_MAX_REQUEST;
  assert_int_equal(otelc_otlp_encode_spans(&sp, 1, OTELC_OTLP_PROTOBUF, &pub),
                   OTELC_ERR_LIMIT);
  assert_int_equal(pub.len, 0);
  sp->attrs.items[0].value = saved;
  otelc_otlp_buffer_free(&pub);

  otelc__buf_free(&b);
  fixture_free(&f);
}

/* Depth of nested array_value messages in an AnyValue. */
static size_t t_depth(pb any) {
  size_t d = 0;
  while (any.n) {
    fld f = t_any(any, 5, 2);
    assert_int_equal(t_count(f.sub, 1), 1);
    any = t_msg(f.sub, 1, 0);
    d++;
  }
  return d;
}

static void test_deep_value(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, NULL, NULL);
  otelc_span *s = otelc_span_start(f.tracer, "deep", NULL);
  otelc_span_set_int(s, "v", 1);
  otelc_span_end(s);
  otelc_span *sp = fixture_span(&f, 0);

  /* Values copied by otelc are never nested this deeply; the encoder
   * stops anyway. */
  otelc_value chain[100];
  for (size_t i = 0; i < 99; i++)
    chain[i] = (otelc_value){OTELC_VALUE_ARRAY, 1, {.values = &chain[i + 1]}};
  chain[99] = (otelc_value){OTELC_VALUE_INT, 0, {.i = 5}};
  otelc_value saved = sp->attrs.items[0].value;
  sp->attrs.items[0].value = chain[0];
  otelc__buf b;
  otelc__buf_init(&b);
  pb req = t_encode(&b, &sp, 1);
  size_t d = t_depth(t_attr(t_span(req, "deep"), 9, "v"));
  assert_true(d >= 60 && d <= OTELC__MAX_VALUE_DEPTH + 1);
  sp->attrs.items[0].value = saved;
  otelc__buf_free(&b);
  fixture_free(&f);
}

static void test_no_allocation_when_warm(void **state) {
  (void)state;
  two t;
  two_init(&t);
  otelc__buf b;
  otelc__buf_init(&b);
  t_encode(&b, t.spans, t.n);
  size_t len = b.len;
  uint8_t *copy = malloc(len);
  assert_non_null(copy);
  memcpy(copy, b.data, len);

  unsigned long calls = otelc__alloc_calls();
  assert_int_equal(otelc__otlp_traces_pb(&b, t.spans, t.n), OTELC_OK);
  assert_int_equal(otelc__otlp_traces_pb(&b, t.spans, 1), OTELC_OK);
  assert_int_equal(otelc__otlp_traces_pb(&b, t.spans, t.n), OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(b.len, len);
  assert_memory_equal(b.data, copy, len);

  /* Through the public API too. */
  otelc_otlp_buffer pub = {0};
  assert_int_equal(
      otelc_otlp_encode_spans(t.spans, t.n, OTELC_OTLP_PROTOBUF, &pub),
      OTELC_OK);
  calls = otelc__alloc_calls();
  assert_int_equal(
      otelc_otlp_encode_spans(t.spans, t.n, OTELC_OTLP_PROTOBUF, &pub),
      OTELC_OK);
  assert_int_equal(otelc__alloc_calls(), calls);
  assert_int_equal(pub.len, len);
  assert_memory_equal(pub.data, copy, len);
  otelc_otlp_buffer_free(&pub);

  free(copy);
  otelc__buf_free(&b);
  two_free(&t);
}

static void test_public_api(void **state) {
  (void)state;
  two t;
  two_init(&t);
  otelc_otlp_buffer buf = {0};
  assert_int_equal(
      otelc_otlp_encode_spans(t.spans, t.n, OTELC_OTLP_PROTOBUF, NULL),
      OTELC_ERR_INVALID_ARG);
  assert_int_equal(otelc_otlp_encode_spans(NULL, 2, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_ERR_INVALID_ARG);
  assert_int_equal(
      otelc_otlp_encode_spans(t.spans, t.n, (otelc_otlp_format)7, &buf),
      OTELC_ERR_INVALID_ARG);
  otelc_span *with_null[] = {t.spans[0], NULL};
  assert_int_equal(
      otelc_otlp_encode_spans(with_null, 2, OTELC_OTLP_PROTOBUF, &buf),
      OTELC_ERR_INVALID_ARG);
  assert_null(buf.data);

  assert_int_equal(otelc_otlp_encode_spans(NULL, 0, OTELC_OTLP_PROTOBUF, &buf),
                   OTELC_OK);
  assert_int_equal(buf.len, 0);

  assert_int_equal(
      otelc_otlp_encode_spans(t.spans, t.n, OTELC_OTLP_PROTOBUF, &buf),
      OTELC_OK);
  assert_non_null(buf.data);
  assert_true(buf.len > 0 && buf.len <= buf.cap);
  otelc__buf b;
  otelc__buf_init(&b);
  t_encode(&b, t.spans, t.n);
  assert_int_equal(buf.len, b.len);
  assert_memory_equal(buf.data, b.data, b.len);
  otelc__buf_free(&b);

  assert_int_equal(otelc_otlp_encode_spans(t.spans, t.n, OTELC_OTLP_JSON, &buf),
                   OTELC_OK);
  assert_true(buf.len > 2);
  assert_int_equal(buf.data[0], '{');
  assert_int_equal(buf.data[buf.len - 1], '}');

  otelc_otlp_buffer_free(&buf);
  assert_null(buf.data);
  assert_int_equal(buf.len, 0);
  assert_int_equal(buf.cap, 0);
  otelc_otlp_buffer_free(&buf);
  otelc_otlp_buffer_free(NULL);
  two_free(&t);
}

/* ------------------------------------------------- partial success -- */

static otelc_status t_partial(const uint8_t *p, size_t n, int64_t *rej,
                              char *msg, size_t cap) {
  /* A copy of exactly n bytes, so that ASan sees any overread. */
  uint8_t *copy = malloc(n ? n : 1);
  assert_non_null(copy);
  if (n)
    memcpy(copy, p, n);
  otelc_status st = otelc__otlp_partial_success_pb(copy, n, NULL, rej, msg, cap);
  free(copy);
  return st;
}

#define PARTIAL(arr, rej, msg)                                                 \
  t_partial((arr), sizeof(arr), (rej), (msg), sizeof(msg))

static void test_partial_success(void **state) {
  (void)state;
  int64_t rej = 99;
  char msg[32] = "junk";

  assert_int_equal(t_partial(NULL, 0, &rej, msg, sizeof msg), OTELC_OK);
  assert_int_equal(rej, 0);
  assert_string_equal(msg, "");

  static const uint8_t ok[] = {0x0A, 0x07, 0x08, 0x05, 0x12,
                               0x03, 'b',  'a',  'd'};
  assert_int_equal(PARTIAL(ok, &rej, msg), OTELC_OK);
  assert_int_equal(rej, 5);
  assert_string_equal(msg, "bad");

  /* Unknown fields of every wire type at both levels, a group with a
   * nested group, and an int64 of -1 (ten bytes). */
  static const uint8_t odd[] = {
      0x10, 0x96, 0x01,                                  /* 2: varint */
      0x19, 1,    2,    3,    4,    5,    6,    7,    8, /* 3: I64 */
      0x22, 0x02, 'x',  'y',                             /* 4: LEN */
      0x2D, 1,    2,    3,    4,                         /* 5: I32 */
      0x33, 0x08, 0x01, 0x3B, 0x3C, 0x34, /* 6: group { 7: group {} } */
      0x0A, 0x1F,                         /* 1: partial success */
      0x18, 0x01,                         /*   3: varint */
      0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0x01, 0x12, 0x02, 'h',  'i',                 /*   2: "hi" */
      0x25, 0,    0,    0,    0,                         /*   4: I32 */
      0x29, 0,    0,    0,    0,    0,    0,    0,    0, /*   5: I64 */
      0x80, 0x01, 0x00,                                  /* 16: varint 0 */
  };
  assert_int_equal(PARTIAL(odd, &rej, msg), OTELC_OK);
  assert_int_equal(rej, -1);
  assert_string_equal(msg, "hi");

  /* Repeated: later scalars win. */
  static const uint8_t twice[] = {0x0A, 0x02, 0x08, 0x03,
                                  0x0A, 0x02, 0x08, 0x04};
  assert_int_equal(PARTIAL(twice, &rej, msg), OTELC_OK);
  assert_int_equal(rej, 4);

  /* Empty partial success. */
  static const uint8_t empty[] = {0x0A, 0x00};
  assert_int_equal(PARTIAL(empty, &rej, msg), OTELC_OK);
  assert_int_equal(rej, 0);
  assert_string_equal(msg, "");

  /* Message cut to the buffer, at a character boundary. */
  static const uint8_t longmsg[] = {0x0A, 0x09, 0x12, 0x07, 'a', 'b',
                                    'c',  'd',  0xC3, 0xA9, 'e'};
  char small[6];
  assert_int_equal(
      t_partial(longmsg, sizeof longmsg, &rej, small, sizeof small), OTELC_OK);
  assert_string_equal(small, "abcd");
  char tiny[1];
  assert_int_equal(t_partial(longmsg, sizeof longmsg, &rej, tiny, 1), OTELC_OK);
  assert_string_equal(tiny, "");
  assert_int_equal(t_partial(longmsg, sizeof longmsg, NULL, NULL, 0), OTELC_OK);
  char exact[8];
  assert_int_equal(
      t_partial(longmsg, sizeof longmsg, &rej, exact, sizeof exact), OTELC_OK);
  assert_string_equal(exact, "abcd\xC3\xA9"
                             "e");

  /* Every strict prefix of ok and odd that cuts a field is an error;
   * none reads past the end. */
  for (size_t n = 1; n < sizeof ok; n++)
    assert_int_equal(t_partial(ok, n, &rej, msg, sizeof msg), OTELC_ERR_PARSE);
  for (size_t n = 1; n < sizeof odd; n++) {
    otelc_status st = t_partial(odd, n, &rej, msg, sizeof msg);
    assert_true(st == OTELC_OK || st == OTELC_ERR_PARSE);
    if (st == OTELC_ERR_PARSE) {
      assert_int_equal(rej, 0);
      assert_string_equal(msg, "");
    }
  }

  static const uint8_t long_varint[] = {0x08, 0x80, 0x80, 0x80, 0x80, 0x80,
                                        0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  static const uint8_t overflow[] = {0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0xFF, 0x02};
  static const uint8_t past_end[] = {0x0A, 0x05, 0x08, 0x01};
  static const uint8_t inner_past[] = {0x0A, 0x04, 0x12, 0x09, 'a', 'b'};
  static const uint8_t huge_len[] = {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  static const uint8_t wt6[] = {0x0E, 0x00};
  static const uint8_t wt7[] = {0x0F, 0x00};
  static const uint8_t field0[] = {0x00, 0x00};
  static const uint8_t lone_end[] = {0x0C};
  static const uint8_t bad_end[] = {0x0B, 0x14};
  static const uint8_t open_group[] = {0x0B, 0x10, 0x01};
  static const uint8_t big_tag[] = {0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  static const uint8_t i64_short[] = {0x09, 1, 2, 3};
  static const uint8_t i32_short[] = {0x0D, 1, 2};
  static const uint8_t inner_bad[] = {0x0A, 0x02, 0x0E, 0x00};
  static const uint8_t inner_tag[] = {0x0A, 0x01, 0x80};
  static const uint8_t inner_int[] = {0x0A, 0x02, 0x08, 0x80};
  struct {
    const uint8_t *p;
    size_t n;
  } bad[] = {
      {long_varint, sizeof long_varint},
      {overflow, sizeof overflow},
      {past_end, sizeof past_end},
      {inner_past, sizeof inner_past},
      {huge_len, sizeof huge_len},
      {wt6, sizeof wt6},
      {wt7, sizeof wt7},
      {field0, sizeof field0},
      {lone_end, sizeof lone_end},
      {bad_end, sizeof bad_end},
      {open_group, sizeof open_group},
      {big_tag, sizeof big_tag},
      {i64_short, sizeof i64_short},
      {i32_short, sizeof i32_short},
      {inner_bad, sizeof inner_bad},
      {inner_tag, sizeof inner_tag},
      {inner_int, sizeof inner_int},
  };
  for (size_t i = 0; i < OTELC__ARRAY_LEN(bad); i++) {
    rej = 7;
    strcpy(msg, "junk");
    if (t_partial(bad[i].p, bad[i].n, &rej, msg, sizeof msg) != OTELC_ERR_PARSE)
      fail_msg("case %zu parsed", i);
    assert_int_equal(rej, 0);
    assert_string_equal(msg, "");
  }

  /* Groups nested too deeply are refused, not followed forever. */
  uint8_t deep[200];
  for (size_t i = 0; i < sizeof deep; i++)
    deep[i] = 0x0B;
  assert_int_equal(PARTIAL(deep, &rej, msg), OTELC_ERR_PARSE);

  assert_int_equal(
      otelc__otlp_partial_success_pb(NULL, 3, NULL, &rej, msg, sizeof msg),
      OTELC_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rich_span),
      cmocka_unit_test(test_local_root_and_child),
      cmocka_unit_test(test_groups),
      cmocka_unit_test(test_utf8_repair),
      cmocka_unit_test(test_empty_and_noop),
      cmocka_unit_test(test_buffer_growth),
      cmocka_unit_test(test_request_limit),
      cmocka_unit_test(test_deep_value),
      cmocka_unit_test(test_no_allocation_when_warm),
      cmocka_unit_test(test_public_api),
      cmocka_unit_test(test_partial_success),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
