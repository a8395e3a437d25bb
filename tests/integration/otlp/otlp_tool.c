/*
 * otlp_tool - otelc's side of the OTLP encoding tests.
 *
 *   otlp_tool encode <dir>
 *       Records a trace that uses every part of the span model (every
 *       attribute type and its edge values, non-ASCII and invalid UTF-8,
 *       events, links with tracestate, a remote parent, an error status,
 *       dropped counts from small limits, a 70 kB value, two resources,
 *       five scopes, spans of different resources and scopes interleaved),
 *       encodes it with otelc_otlp_encode_spans and writes
 *         <dir>/request.pb     the ExportTraceServiceRequest in protobuf
 *         <dir>/request.json   the same in OTLP/JSON
 *         <dir>/expected.json  what otelc recorded, read back through the
 *                              span accessors (format: otlp_compare.js)
 *
 *   otlp_tool file <path> <expected.json>   (when built with the file
 *                                            exporter)
 *       Records the same trace (first resource only) through a batch
 *       processor into otelc_file_exporter_new(<path>), small batches so
 *       that the file has several lines, and writes what was recorded.
 *
 *   otlp_tool http <expected.json> [options]   (when built with
 *                                              libotelc_otlp)
 *       Records the same trace through a batch processor into
 *       otelc_otlp_span_exporter_new, flushes and shuts the provider
 *       down, writes what was recorded, and prints one JSON line on
 *       stdout: {"new": status of otelc_otlp_span_exporter_new, "flush",
 *       "flush_ms", "shutdown", "shutdown_ms", the exporter's counters
 *       (exports, attempts, succeeded, failed, rejected_spans,
 *       last_http_status) and "processor": {exported, export_failed}}.
 *       Statuses are otelc_status_name() strings. Options:
 *         --endpoint URL      otelc_otlp_opts.endpoint
 *         --protocol P        protobuf or json
 *         --gzip              gzip compression
 *         --headers H         otelc_otlp_opts.headers
 *         --timeout MS        otelc_otlp_opts.timeout_ms
 *         --batch N           spans per export (default 512)
 *         --export-timeout MS the batch processor's (default 30000)
 *         --flush-ms MS       force_flush bound; 0 skips it (default 10000)
 *         --shutdown-ms MS    shutdown bound (default 10000)
 *         --from-env          the provider comes from
 *                             otelc_tracer_provider_new_from_env: set
 *                             OTEL_TRACES_EXPORTER=otlp,otlp_tool_memory
 *                             (a memory exporter this tool registers, read
 *                             for expected.json) and the span limits of
 *                             the other modes through OTEL_SPAN_*; the
 *                             exporter options above are then unused and
 *                             its counters are not printed.
 *
 * The expected file describes each span as recorded: ids in hex, times as
 * decimal strings, the OTLP flags (W3C flags, bit 8 "has is-remote", bit
 * 9 "parent is remote"), and attributes as {key, type, value}. Strings are
 * written as valid UTF-8: invalid sequences become U+FFFD, one per maximal
 * ill-formed subpart (Unicode's recommended practice), which is what an
 * OTLP consumer must see.
 *
 * Exit status: 0 on success; 1 on a failure (an otelc call failed, a file
 * could not be written); 2 on misuse; 3 when the files were written but
 * otelc did not record what the tool asked for (printed on stderr).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelc/exporters.h"
#include "otelc/otelc.h"
#include "otelc/otlp_encode.h"
#include "otelc/sampler.h"
#include "tool_json.h"
#ifdef OTELC_HAVE_OTLP_HTTP
#include "otelc/otlp.h"
#endif

/* Times above 2^53 ns, so that a reader using doubles would lose digits. */
#define T0 UINT64_C(1700000000123456789)

static int g_intent_failures;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt,
                                                                ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("otlp_tool: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* otelc recorded something other than what was asked for. */
__attribute__((format(printf, 1, 2))) static void intent(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("otlp_tool: recorded: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  g_intent_failures++;
}

static void check(otelc_status st, const char *what) {
  if (st != OTELC_OK)
    die("%s: %s", what, otelc_strerror(st));
}

static void from_hex(const char *hex, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1)
      die("bad hex %s", hex);
    out[i] = (uint8_t)v;
  }
}

/* OTLP Span.flags / Link.flags: W3C flags, "is-remote known", is-remote. */
static uint32_t otlp_flags(uint8_t trace_flags, bool remote) {
  return (uint32_t)trace_flags | 0x100u | (remote ? 0x200u : 0u);
}

static void put_span(FILE *f, otelc_span *s) {
  char tid[33], sid[17];

  const otelc_resource *res = otelc_span_get_resource(s);
  fputs("{\"resource\":{\"attributes\":[", f);
  size_t nr = otelc_resource_attr_count(res);
  for (size_t i = 0; i < nr; i++) {
    const otelc_attr *a = otelc_resource_attr(res, i);
    if (i)
      fputc(',', f);
    fputs("{\"key\":", f);
    tj_str(f, a->key);
    fputc(',', f);
    tj_typed(f, &a->value);
    fputc('}', f);
  }
  fputs("],\"droppedAttributesCount\":0,\"schemaUrl\":", f);
  tj_str(f, otelc_resource_schema_url(res));

  const otelc_scope_info *sc = otelc_span_get_scope(s);
  fputs("},\"scope\":{\"name\":", f);
  tj_str(f, sc->name);
  fputs(",\"version\":", f);
  tj_str(f, sc->version);
  fputs(",\"attributes\":", f);
  tj_attrs(f, sc->attrs, sc->n_attrs);
  fputs(",\"droppedAttributesCount\":0,\"schemaUrl\":", f);
  tj_str(f, sc->schema_url);
  fputc('}', f);

  otelc_span_context ctx = otelc_span_get_context(s), parent;
  bool has_parent = otelc_span_get_parent(s, &parent);
  tj_hex(ctx.trace_id, 16, tid);
  tj_hex(ctx.span_id, 8, sid);
  fprintf(f, ",\"traceId\":\"%s\",\"spanId\":\"%s\"", tid, sid);
  fputs(",\"parentSpanId\":", f);
  if (has_parent) {
    tj_hex(parent.span_id, 8, sid);
    fprintf(f, "\"%s\"", sid);
  } else {
    fputs("\"\"", f);
  }
  fputs(",\"traceState\":", f);
  tj_str(f, otelc_span_get_tracestate(s));
  fputs(",\"name\":", f);
  tj_str(f, otelc_span_get_name(s));
  fprintf(f,
          ",\"kind\":%d,\"startTimeUnixNano\":\"%" PRIu64
          "\",\"endTimeUnixNano\":\"%" PRIu64 "\",\"flags\":%" PRIu32,
          (int)otelc_span_get_kind(s), otelc_span_get_start_time(s),
          otelc_span_get_end_time(s),
          otlp_flags(ctx.trace_flags, has_parent && parent.is_remote));

  fputs(",\"attributes\":[", f);
  size_t na = otelc_span_get_attr_count(s);
  for (size_t i = 0; i < na; i++) {
    const otelc_attr *a = otelc_span_get_attr(s, i);
    if (i)
      fputc(',', f);
    fputs("{\"key\":", f);
    tj_str(f, a->key);
    fputc(',', f);
    tj_typed(f, &a->value);
    fputc('}', f);
  }
  uint32_t d_attrs = 0, d_events = 0, d_links = 0;
  otelc_span_get_dropped(s, &d_attrs, &d_events, &d_links);
  fprintf(f, "],\"droppedAttributesCount\":%" PRIu32, d_attrs);

  fputs(",\"events\":[", f);
  size_t ne = otelc_span_get_event_count(s);
  for (size_t i = 0; i < ne; i++) {
    const otelc_span_event *e = otelc_span_get_event(s, i);
    if (i)
      fputc(',', f);
    fputs("{\"name\":", f);
    tj_str(f, e->name);
    fprintf(f, ",\"timeUnixNano\":\"%" PRIu64 "\",\"attributes\":", e->time);
    tj_attrs(f, e->attrs, e->n_attrs);
    fprintf(f, ",\"droppedAttributesCount\":%" PRIu32 "}", e->dropped_attrs);
  }
  fprintf(f, "],\"droppedEventsCount\":%" PRIu32, d_events);

  fputs(",\"links\":[", f);
  size_t nl = otelc_span_get_link_count(s);
  for (size_t i = 0; i < nl; i++) {
    const otelc_span_link *l = otelc_span_get_link(s, i);
    if (i)
      fputc(',', f);
    tj_hex(l->context.trace_id, 16, tid);
    tj_hex(l->context.span_id, 8, sid);
    fprintf(f, "{\"traceId\":\"%s\",\"spanId\":\"%s\",\"traceState\":", tid,
            sid);
    tj_str(f, l->tracestate);
    fprintf(f, ",\"flags\":%" PRIu32 ",\"attributes\":",
            otlp_flags(l->context.trace_flags, l->context.is_remote));
    tj_attrs(f, l->attrs, l->n_attrs);
    fprintf(f, ",\"droppedAttributesCount\":%" PRIu32 "}", l->dropped_attrs);
  }
  fprintf(f, "],\"droppedLinksCount\":%" PRIu32, d_links);

  const char *desc = NULL;
  otelc_status_code code = otelc_span_get_status(s, &desc);
  fprintf(f, ",\"status\":{\"code\":%d,\"message\":", (int)code);
  tj_str(f, code == OTELC_STATUS_ERROR ? desc : NULL);
  fputs("}}", f);
}

static void write_expected(const char *path, otelc_span *const *spans,
                           size_t n) {
  FILE *f = fopen(path, "w");
  if (!f)
    die("cannot write %s", path);
  fputs("{\"spans\":[", f);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputs(",\n", f);
    put_span(f, spans[i]);
  }
  fputs("]}\n", f);
  if (fclose(f) != 0)
    die("cannot write %s", path);
}

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
    die("cannot write %s", path);
}

/* ------------------------------------------------------------------------ */
/* What is recorded                                                          */
/* ------------------------------------------------------------------------ */

typedef struct provider {
  otelc_tracer_provider *p;
  otelc_span_exporter *mem; /* owned by the provider; read while it lives */
} provider;

/* A provider with a fixed resource, an always-on sampler, @p limits
 * (NULL: the defaults), a memory exporter and optionally one more
 * processor. */
static provider make_provider(const otelc_attr *res_attrs, size_t n_res,
                              const char *schema_url,
                              const otelc_span_limits *limits,
                              otelc_span_processor *extra) {
  provider pv = {0};
  otelc_resource *res = NULL;
  check(otelc_resource_new(res_attrs, n_res, schema_url, &res),
        "otelc_resource_new");
  check(otelc_memory_exporter_new(&pv.mem), "otelc_memory_exporter_new");
  otelc_span_processor *procs[2];
  size_t n = 0;
  check(otelc_simple_span_processor_new(pv.mem, &procs[n++]),
        "otelc_simple_span_processor_new");
  if (extra)
    procs[n++] = extra;
  otelc_span_limits defaults;
  otelc_span_limits_default(&defaults);
  otelc_tracer_provider_opts o = {
      .resource = res,
      .sampler = otelc_sampler_always_on(),
      .limits = limits ? limits : &defaults,
      .processors = procs,
      .n_processors = n,
  };
  check(otelc_tracer_provider_new(&o, &pv.p), "otelc_tracer_provider_new");
  otelc_resource_release(res);
  return pv;
}

/* The limits of the first provider: small enough to drop and truncate in
 * the "limited" span, large enough for everything of the others. */
static otelc_span_limits small_limits(void) {
  otelc_span_limits l;
  otelc_span_limits_default(&l);
  l.attr_count = 40;
  l.attr_value_length = 64;
  l.event_count = 4;
  l.link_count = 3;
  l.event_attr_count = 4;
  l.link_attr_count = 3;
  return l;
}

static const otelc_attr kResource1[] = {
    OTELC_STR("service.name", "otelc-otlp-test"),
    OTELC_STR("service.version", "1.0.0-\xc3\xa9t\xc3\xa9"),
    OTELC_INT("test.custom", 42),
    OTELC_BOOL("test.flag", true),
};
static const otelc_attr kResource2[] = {
    OTELC_STR("service.name", "otelc-otlp-other"),
};
static const otelc_attr kScopeAttrs[] = {
    OTELC_STR("scope.attr", "x"),
    OTELC_INT("scope.n", 7),
};

/* Ids that are not random, so that a failure is easy to read. */
static const char kRemoteTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
static const char kRemoteSpan[] = "00f067aa0ba902b7";
static const char kLinkTrace[] = "0af7651916cd43dd8448eb211c80319c";
static const char kLinkSpan[] = "b7ad6b7169203331";

static otelc_span_context remote_context(const char *trace, const char *span,
                                         uint8_t flags) {
  otelc_span_context sc;
  memset(&sc, 0, sizeof sc);
  from_hex(trace, sc.trace_id, 16);
  from_hex(span, sc.span_id, 8);
  sc.trace_flags = flags;
  sc.is_remote = true;
  return sc;
}

static void expect_attr_count(otelc_span *s, size_t want_attrs,
                              uint32_t want_dropped) {
  uint32_t dropped = 0;
  otelc_span_get_dropped(s, &dropped, NULL, NULL);
  if (otelc_span_get_attr_count(s) != want_attrs || dropped != want_dropped)
    intent("span '%s': %zu attributes and %" PRIu32 " dropped, asked for "
           "%zu and %" PRIu32,
           otelc_span_get_name(s), otelc_span_get_attr_count(s), dropped,
           want_attrs, want_dropped);
}

/* The span with every kind of value: a SERVER span under a remote parent. */
static otelc_span *rich_span(otelc_tracer *tr, otelc_span *link_to) {
  otelc_span_context parent = remote_context(kRemoteTrace, kRemoteSpan, 0x01);
  otelc_context *pctx = otelc_context_with_remote(NULL, &parent, "vendor=a");
  if (!pctx)
    die("otelc_context_with_remote failed");

  otelc_span_context lc = remote_context(kLinkTrace, kLinkSpan, 0x01);
  const otelc_link start_links[] = {{
      .context = lc,
      .tracestate = "vendor=b,x=y",
      .attrs = (const otelc_attr[]){OTELC_STR("link.kind", "follows"),
                                    OTELC_INT("link.n", 1)},
      .n_attrs = 2,
  }};
  otelc_span_start_opts o = {
      .kind = OTELC_SPAN_KIND_SERVER,
      .parent = pctx,
      .start_time = T0,
      .attrs = (const otelc_attr[]){OTELC_STR("http.request.method", "GET")},
      .n_attrs = 1,
      .links = start_links,
      .n_links = 1,
  };
  otelc_span *s = otelc_span_start(tr, "server.request", &o);
  otelc_context_release(pctx);
  if (!otelc_span_is_recording(s))
    die("the rich span is not recording");

  /* Strings. */
  otelc_span_set_str(s, "str", "hello");
  otelc_span_set_str(s, "str.empty", "");
  otelc_span_set_str(s, "str.utf8",
                     "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac "
                     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89");
  /* Invalid UTF-8 whose replacement is the same under every common
   * policy: a lone 0xff, an overlong "/", an encoded surrogate, a code
   * point past U+10FFFF, a lone continuation byte. */
  static const char bad[] = "ok\xff|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|"
                            "\x80"
                            "end";
  otelc_span_set_strn(s, "str.invalid_utf8", bad, sizeof bad - 1);
  otelc_span_set_str(s, "str.json_escapes",
                     "q\" b\\ s/ t\t n\n r\r c\x01\x1f d\x7f <>&'");
  otelc_span_set_strn(s, "str.nul", "a\0b", 3);
  char longstr[101];
  memset(longstr, 'x', 100);
  longstr[100] = '\0';
  otelc_span_set_str(s, "str.truncated", longstr);

  /* Scalars. */
  otelc_span_set_bool(s, "bool.true", true);
  otelc_span_set_bool(s, "bool.false", false);
  otelc_span_set_int(s, "int.zero", 0);
  otelc_span_set_int(s, "int.neg", -42);
  otelc_span_set_int(s, "int.min", INT64_MIN);
  otelc_span_set_int(s, "int.max", INT64_MAX);
  otelc_span_set_double(s, "double.tenth", 0.1);
  otelc_span_set_double(s, "double.big", 1e300);
  otelc_span_set_double(s, "double.neg", -2.5);
  otelc_span_set_double(s, "double.zero", 0.0);
  otelc_span_set_double(s, "double.tiny", 5e-324);
  otelc_span_set_double(s, "double.inf", INFINITY);
  otelc_span_set_double(s, "double.nan", NAN);

  /* Bytes and arrays. */
  static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
  static const char *const strs[] = {"a", "", "\xc3\xbc"};
  static const int64_t ints[] = {INT64_MIN, 0, 7};
  static const double doubles[] = {0.5, -1e-300, 3.0};
  static const bool bools[] = {true, false};
  const otelc_attr arrays[] = {
      OTELC_BYTES("bytes", bytes, sizeof bytes),
      OTELC_BYTES("bytes.empty", bytes, 0),
      OTELC_STR_ARRAY("str_array", strs, 3),
      OTELC_INT_ARRAY("int_array", ints, 3),
      OTELC_DOUBLE_ARRAY("double_array", doubles, 3),
      OTELC_BOOL_ARRAY("bool_array", bools, 2),
      OTELC_INT_ARRAY("int_array.empty", ints, 0),
  };
  otelc_span_set_attrs(s, arrays, sizeof arrays / sizeof arrays[0]);

  /* Heterogeneous array, map, empty value. */
  static const char *const inner_strs[] = {"in", "ner"};
  const otelc_attr inner_map[] = {OTELC_BOOL("deep", true)};
  const otelc_value hetero[] = {
      {OTELC_VALUE_STRING, OTELC_NTS, {.str = "x"}},
      {OTELC_VALUE_INT, 0, {.i = 1}},
      {OTELC_VALUE_DOUBLE, 0, {.d = 2.5}},
      {OTELC_VALUE_BOOL, 0, {.b = true}},
      {OTELC_VALUE_BYTES, 2, {.bytes = bytes + 4}},
      {OTELC_VALUE_EMPTY, 0, {.i = 0}},
      {OTELC_VALUE_STRING_ARRAY, 2, {.strs = inner_strs}},
      {OTELC_VALUE_MAP, 1, {.kvs = inner_map}},
  };
  const otelc_attr map[] = {
      OTELC_STR("k.str", "v"),
      OTELC_INT("k.int", 9),
      {"k.nested", {OTELC_VALUE_MAP, 1, {.kvs = inner_map}}},
      {"k.empty", {OTELC_VALUE_EMPTY, 0, {.i = 0}}},
      {"k.array", {OTELC_VALUE_ARRAY, 2, {.values = hetero}}},
  };
  const otelc_attr composite[] = {
      {"array",
       {OTELC_VALUE_ARRAY,
        sizeof hetero / sizeof hetero[0],
        {.values = hetero}}},
      {"map", {OTELC_VALUE_MAP, sizeof map / sizeof map[0], {.kvs = map}}},
      {"empty", {OTELC_VALUE_EMPTY, 0, {.i = 0}}},
  };
  otelc_span_set_attrs(s, composite, sizeof composite / sizeof composite[0]);

  /* An overwritten key keeps one entry with the last value. */
  otelc_span_set_int(s, "overwritten", 1);
  otelc_span_set_str(s, "overwritten", "final");

  /* Events. */
  static const double lat[] = {1.5, 2.25};
  otelc_span_add_event(s, "cache.miss", T0 + 1000,
                       OTELC_ATTRS(OTELC_STR("cache.key", "user:42"),
                                   OTELC_INT("attempt", 3),
                                   OTELC_DOUBLE_ARRAY("latency", lat, 2)));
  otelc_span_record_exception(s, "ValueError", "bad \xc3\xbc value",
                              "trace line 1\n  line 2", NULL, 0);
  otelc_span_add_event(s, "no.attrs", T0 + 2000, NULL, 0);

  /* A second link, to a local span, added after the start. */
  if (link_to) {
    otelc_link l = {.context = otelc_span_get_context(link_to),
                    .attrs = (const otelc_attr[]){OTELC_BOOL("local", true)},
                    .n_attrs = 1};
    check(otelc_span_add_link(s, &l), "otelc_span_add_link");
  }

  otelc_span_set_status(s, OTELC_STATUS_ERROR,
                        "boom: \xc3\xbcn\xc3\xaf"
                        "c\xc3\xb6"
                        "de \"quoted\"");

  /* What must have been recorded. */
  expect_attr_count(s, 32, 0);
  const char *ts = otelc_span_get_tracestate(s);
  if (!ts || strcmp(ts, "vendor=a") != 0)
    intent("span 'server.request': tracestate %s, want the parent's "
           "\"vendor=a\"",
           ts ? ts : "(none)");
  otelc_span_context pc;
  char hex[17] = "";
  if (!otelc_span_get_parent(s, &pc) || !pc.is_remote) {
    intent("span 'server.request': no remote parent");
  } else {
    tj_hex(pc.span_id, 8, hex);
    if (strcmp(hex, kRemoteSpan) != 0)
      intent("span 'server.request': parent %s, want %s", hex, kRemoteSpan);
  }
  const otelc_value *tv = otelc_span_find_attr(s, "str.truncated");
  if (!tv || tv->type != OTELC_VALUE_STRING || tv->len != 64)
    intent("span 'server.request': str.truncated not cut to 64 characters");
  const otelc_value *ov = otelc_span_find_attr(s, "overwritten");
  if (!ov || ov->type != OTELC_VALUE_STRING || strcmp(ov->u.str, "final"))
    intent("span 'server.request': 'overwritten' does not hold \"final\"");
  if (otelc_span_get_event_count(s) != 3 || otelc_span_get_link_count(s) != 2)
    intent("span 'server.request': %zu events and %zu links, want 3 and 2",
           otelc_span_get_event_count(s), otelc_span_get_link_count(s));
  return s;
}

/* More of everything than the limits allow. */
static otelc_span *limited_span(otelc_tracer *tr, otelc_span *link_to) {
  otelc_link links[2];
  memset(links, 0, sizeof links);
  links[0].context = remote_context(kLinkTrace, "1111111111111111", 0x01);
  links[0].attrs = (const otelc_attr[]){
      OTELC_INT("l.1", 1), OTELC_INT("l.2", 2), OTELC_INT("l.3", 3),
      OTELC_INT("l.4", 4), OTELC_INT("l.5", 5)};
  links[0].n_attrs = 5;
  links[1].context = remote_context(kLinkTrace, "2222222222222222", 0x00);
  otelc_span_start_opts o = {.kind = OTELC_SPAN_KIND_PRODUCER,
                             .root = true,
                             .start_time = T0,
                             .links = links,
                             .n_links = 2};
  otelc_span *s = otelc_span_start(tr, "limited", &o);
  for (int i = 0; i < 43; i++) {
    char key[16];
    snprintf(key, sizeof key, "attr.%02d", i);
    otelc_span_set_int(s, key, i);
  }
  for (int i = 0; i < 6; i++) {
    char name[16];
    snprintf(name, sizeof name, "e%d", i);
    if (i == 0)
      otelc_span_add_event(s, name, T0 + 1 + (uint64_t)i,
                           OTELC_ATTRS(OTELC_INT("a", 1), OTELC_INT("b", 2),
                                       OTELC_INT("c", 3), OTELC_INT("d", 4),
                                       OTELC_INT("e", 5), OTELC_INT("f", 6)));
    else
      otelc_span_add_event(s, name, T0 + 1 + (uint64_t)i, NULL, 0);
  }
  for (int i = 0; i < 3; i++) {
    otelc_link l = {.context = otelc_span_get_context(link_to)};
    l.attrs = (const otelc_attr[]){OTELC_INT("i", i)};
    l.n_attrs = 1;
    otelc_span_add_link(s, &l);
  }

  expect_attr_count(s, 40, 3);
  uint32_t de = 0, dl = 0;
  otelc_span_get_dropped(s, NULL, &de, &dl);
  if (de != 2 || dl != 2)
    intent("span 'limited': %" PRIu32 " events and %" PRIu32 " links "
           "dropped, want 2 and 2",
           de, dl);
  const otelc_span_event *e0 = otelc_span_get_event(s, 0);
  if (!e0 || e0->dropped_attrs != 2 || e0->n_attrs != 4)
    intent("span 'limited': event e0 kept %zu attributes and dropped %" PRIu32
           ", want 4 and 2",
           e0 ? e0->n_attrs : 0, e0 ? e0->dropped_attrs : 0);
  const otelc_span_link *l0 = otelc_span_get_link(s, 0);
  if (!l0 || l0->dropped_attrs != 2 || l0->n_attrs != 3)
    intent("span 'limited': link 0 kept %zu attributes and dropped %" PRIu32
           ", want 3 and 2",
           l0 ? l0->n_attrs : 0, l0 ? l0->dropped_attrs : 0);
  return s;
}

/* The trace of the first provider: four spans over two scopes, ended in
 * an order that is not the start order. */
static void record_main(otelc_tracer_provider *p) {
  otelc_scope_info a = {.name = "otelc.test.encode",
                        .version = "1.2.3",
                        .schema_url = "https://opentelemetry.io/schemas/1.26.0",
                        .attrs = kScopeAttrs,
                        .n_attrs = 2};
  otelc_scope_info b = {.name = "otelc.test.db"};
  otelc_tracer *ta = otelc_tracer_provider_get_tracer(p, &a);
  otelc_tracer *tb = otelc_tracer_provider_get_tracer(p, &b);

  /* A root span from defaults only: start and end "now". */
  otelc_span *minimal = otelc_span_start(tb, "minimal", NULL);
  otelc_span *rich = rich_span(ta, minimal);

  /* A local child in the other scope, with JSON-hostile characters in its
   * name. */
  otelc_context *rctx = otelc_context_with_span(NULL, rich);
  otelc_span_start_opts o = {
      .kind = OTELC_SPAN_KIND_CLIENT, .parent = rctx, .start_time = T0 + 10};
  otelc_span *db = otelc_span_start(tb, "db.query \"q\" \\ \xc3\xa9\t", &o);
  otelc_context_release(rctx);
  otelc_span_set_str(db, "db.system.name", "postgresql");
  otelc_span_set_str(db, "db.query.text", "SELECT 1");
  otelc_span_set_status(db, OTELC_STATUS_OK, "ignored with OK");
  otelc_span_context pc;
  if (!otelc_span_get_parent(db, &pc) || pc.is_remote)
    intent("span 'db.query': no local parent");

  otelc_span *limited = limited_span(ta, minimal);

  otelc_span_end_at(db, T0 + 20);
  otelc_span_end(minimal);
  otelc_span_end_at(rich, T0 + UINT64_C(5000000001));
  otelc_span_end_at(limited, T0 + 1);
}

static otelc_span **collect(otelc_span_exporter *mem, size_t *n) {
  *n = otelc_memory_exporter_count(mem);
  otelc_span **out = calloc(*n ? *n : 1, sizeof *out);
  if (!out)
    die("out of memory");
  for (size_t i = 0; i < *n; i++)
    out[i] = otelc_memory_exporter_get(mem, i);
  return out;
}

static int cmd_encode(const char *dir) {
  otelc_span_limits lim = small_limits();
  provider p1 =
      make_provider(kResource1, sizeof kResource1 / sizeof kResource1[0],
                    "https://opentelemetry.io/schemas/1.26.0", &lim, NULL);
  provider p2 = make_provider(kResource2, 1, NULL, NULL, NULL);

  record_main(p1.p);
  otelc_scope_info c = {.name = "otelc.test.other", .version = "0.1"};
  otelc_tracer *tc = otelc_tracer_provider_get_tracer(p2.p, &c);
  otelc_span_start_opts o = {
      .kind = OTELC_SPAN_KIND_CONSUMER, .root = true, .start_time = T0 + 100};
  otelc_span *other = otelc_span_start(tc, "other.work", &o);
  otelc_span_set_int(other, "n", 1);
  /* A value long enough for three-byte length prefixes at every level of
   * the protobuf message around it (this provider has no length limit). */
  enum { BIG = 70000 };
  char *big = malloc(BIG + 1);
  if (!big)
    die("out of memory");
  for (size_t i = 0; i < BIG; i += 5)
    memcpy(big + i, "abc\xc3\xa9", 5);
  big[BIG] = '\0';
  otelc_span_set_strn(other, "big", big, BIG);
  free(big);
  otelc_span_end_at(other, T0 + 200);

  /* Many small spans from two more scopes, alternating. */
  otelc_scope_info d = {.name = "otelc.test.bulk.even"};
  otelc_scope_info e = {.name = "otelc.test.bulk.odd", .version = "2"};
  otelc_tracer *td = otelc_tracer_provider_get_tracer(p2.p, &d);
  otelc_tracer *te = otelc_tracer_provider_get_tracer(p2.p, &e);
  enum { BULK = 100 };
  for (int i = 0; i < BULK; i++) {
    char name[32];
    snprintf(name, sizeof name, "bulk.%d", i);
    otelc_span_start_opts bo = {.root = true,
                                .start_time = T0 + 1000 + (uint64_t)i};
    otelc_span *b = otelc_span_start(i % 2 ? te : td, name, &bo);
    otelc_span_set_int(b, "i", i);
    otelc_span_end_at(b, T0 + 2000 + (uint64_t)i);
  }

  size_t n1, n2;
  otelc_span **s1 = collect(p1.mem, &n1);
  otelc_span **s2 = collect(p2.mem, &n2);
  if (n1 != 4 || n2 != 1 + BULK)
    die("the memory exporters hold %zu and %zu spans, want 4 and %d", n1, n2,
        1 + BULK);
  /* Resources and scopes interleaved: the encoder must group them. */
  enum { ALL = 5 + BULK };
  otelc_span *all[ALL];
  size_t k = 0;
  all[k++] = s1[0];
  all[k++] = s2[0];
  all[k++] = s1[1];
  for (size_t i = 1; i <= BULK / 2; i++)
    all[k++] = s2[i];
  all[k++] = s1[2];
  for (size_t i = BULK / 2 + 1; i <= BULK; i++)
    all[k++] = s2[i];
  all[k++] = s1[3];

  char path[4096];
  otelc_otlp_buffer buf = {0};
  check(otelc_otlp_encode_spans(all, ALL, OTELC_OTLP_PROTOBUF, &buf),
        "otelc_otlp_encode_spans(protobuf)");
  snprintf(path, sizeof path, "%s/request.pb", dir);
  write_file(path, buf.data, buf.len);
  check(otelc_otlp_encode_spans(all, ALL, OTELC_OTLP_JSON, &buf),
        "otelc_otlp_encode_spans(json)");
  snprintf(path, sizeof path, "%s/request.json", dir);
  write_file(path, buf.data, buf.len);
  otelc_otlp_buffer_free(&buf);

  snprintf(path, sizeof path, "%s/expected.json", dir);
  write_expected(path, all, ALL);

  free(s1);
  free(s2);
  otelc_tracer_provider_free(p1.p);
  otelc_tracer_provider_free(p2.p);
  return g_intent_failures ? 3 : 0;
}

#ifdef OTELC_HAVE_FILE_EXPORTER
static int cmd_file(const char *out_path, const char *expected_path) {
  otelc_file_exporter_opts fo = {.path = out_path};
  otelc_span_exporter *fe = NULL;
  check(otelc_file_exporter_new(&fo, &fe), "otelc_file_exporter_new");
  /* Batches of two: the four spans take at least two lines. */
  otelc_batch_opts bo = {.max_queue_size = 64,
                         .max_export_batch_size = 2,
                         .schedule_delay_ms = 100,
                         .export_timeout_ms = 5000};
  otelc_span_processor *bp = NULL;
  check(otelc_batch_span_processor_new(fe, &bo, &bp),
        "otelc_batch_span_processor_new");
  otelc_span_limits lim = small_limits();
  provider p1 =
      make_provider(kResource1, sizeof kResource1 / sizeof kResource1[0],
                    "https://opentelemetry.io/schemas/1.26.0", &lim, bp);
  record_main(p1.p);
  check(otelc_tracer_provider_force_flush(p1.p, 10000),
        "otelc_tracer_provider_force_flush");

  size_t n;
  otelc_span **spans = collect(p1.mem, &n);
  if (n != 4)
    die("the memory exporter holds %zu spans, want 4", n);
  write_expected(expected_path, spans, n);
  free(spans);
  otelc_tracer_provider_free(p1.p);
  return g_intent_failures ? 3 : 0;
}
#endif

#ifdef OTELC_HAVE_OTLP_HTTP
static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t parse_ms(const char *opt, const char *v) {
  char *end;
  unsigned long n = strtoul(v, &end, 10);
  if (!*v || *end || n > UINT32_MAX)
    die("%s wants a number, not '%s'", opt, v);
  return (uint32_t)n;
}

/* The memory exporter made through OTEL_TRACES_EXPORTER (--from-env). */
static otelc_span_exporter *g_env_mem;

static otelc_status env_memory_factory(otelc_span_exporter **out) {
  otelc_status st = otelc_memory_exporter_new(out);
  if (st == OTELC_OK)
    g_env_mem = *out;
  return st;
}

static int cmd_http(int argc, char **argv) {
  const char *expected_path = argv[0];
  otelc_otlp_opts oo = {0};
  otelc_batch_opts bo = {.max_queue_size = 2048,
                         .max_export_batch_size = 512,
                         .schedule_delay_ms = 5000,
                         .export_timeout_ms = 30000};
  uint32_t flush_ms = 10000, shutdown_ms = 10000;
  bool from_env = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = true;
    if (strcmp(a, "--gzip") == 0) {
      oo.compression = OTELC_OTLP_COMPRESSION_GZIP;
      takes = false;
    } else if (strcmp(a, "--from-env") == 0) {
      from_env = true;
      takes = false;
    } else if (!v) {
      die("%s wants a value", a);
    } else if (strcmp(a, "--endpoint") == 0) {
      oo.endpoint = v;
    } else if (strcmp(a, "--protocol") == 0) {
      if (strcmp(v, "json") == 0)
        oo.protocol = OTELC_OTLP_HTTP_JSON;
      else if (strcmp(v, "protobuf") == 0)
        oo.protocol = OTELC_OTLP_HTTP_PROTOBUF;
      else
        die("--protocol wants protobuf or json");
    } else if (strcmp(a, "--headers") == 0) {
      oo.headers = v;
    } else if (strcmp(a, "--timeout") == 0) {
      oo.timeout_ms = parse_ms(a, v);
    } else if (strcmp(a, "--batch") == 0) {
      bo.max_export_batch_size = parse_ms(a, v);
    } else if (strcmp(a, "--export-timeout") == 0) {
      bo.export_timeout_ms = parse_ms(a, v);
    } else if (strcmp(a, "--flush-ms") == 0) {
      flush_ms = parse_ms(a, v);
    } else if (strcmp(a, "--shutdown-ms") == 0) {
      shutdown_ms = parse_ms(a, v);
    } else {
      die("unknown option %s", a);
    }
    if (takes)
      i++;
  }

  otelc_span_exporter *oe = NULL;
  otelc_span_processor *bp = NULL;
  provider pv = {0};
  if (from_env) {
    check(otelc_span_exporter_register("otlp_tool_memory", env_memory_factory),
          "otelc_span_exporter_register");
    check(otelc_tracer_provider_new_from_env(NULL, &pv.p),
          "otelc_tracer_provider_new_from_env");
    if (!g_env_mem)
      die("OTEL_TRACES_EXPORTER does not name otlp_tool_memory");
    pv.mem = g_env_mem;
  } else {
    otelc_status st = otelc_otlp_span_exporter_new(&oo, &oe);
    if (st != OTELC_OK) {
      printf("{\"new\":\"%s\"}\n", otelc_status_name(st));
      return 0;
    }
    check(otelc_batch_span_processor_new(oe, &bo, &bp),
          "otelc_batch_span_processor_new");
    otelc_span_limits lim = small_limits();
    pv = make_provider(kResource1, sizeof kResource1 / sizeof kResource1[0],
                       "https://opentelemetry.io/schemas/1.26.0", &lim, bp);
  }
  record_main(pv.p);

  otelc_status flush = OTELC_OK;
  uint64_t t0 = mono_ms();
  if (flush_ms)
    flush = otelc_tracer_provider_force_flush(pv.p, flush_ms);
  uint64_t t1 = mono_ms();
  otelc_status shut = otelc_tracer_provider_shutdown(pv.p, shutdown_ms);
  uint64_t t2 = mono_ms();

  size_t n;
  otelc_span **spans = collect(pv.mem, &n);
  if (n != 4)
    die("the memory exporter holds %zu spans, want 4", n);
  write_expected(expected_path, spans, n);
  free(spans);

  printf("{\"new\":\"OK\",\"flush\":\"%s\",\"flush_ms\":%" PRIu64
         ",\"shutdown\":\"%s\",\"shutdown_ms\":%" PRIu64,
         otelc_status_name(flush), t1 - t0, otelc_status_name(shut), t2 - t1);
  if (!from_env) {
    otelc_otlp_stats es;
    otelc_otlp_exporter_get_stats(oe, &es);
    otelc_span_processor_stats ps;
    otelc_span_processor_get_stats(bp, &ps);
    printf(",\"exports\":%" PRIu64 ",\"attempts\":%" PRIu64
           ",\"succeeded\":%" PRIu64 ",\"failed\":%" PRIu64
           ",\"rejected_spans\":%" PRIu64 ",\"last_http_status\":%ld"
           ",\"processor\":{\"exported\":%" PRIu64 ",\"export_failed\":%" PRIu64
           "}",
           es.exports, es.attempts, es.succeeded, es.failed, es.rejected_spans,
           es.last_http_status, ps.exported, ps.export_failed);
  }
  printf("}\n");
  fflush(stdout);
  otelc_tracer_provider_free(pv.p);
  return g_intent_failures ? 3 : 0;
}
#endif

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "encode") == 0)
    return cmd_encode(argv[2]);
  if (argc == 4 && strcmp(argv[1], "file") == 0) {
#ifdef OTELC_HAVE_FILE_EXPORTER
    return cmd_file(argv[2], argv[3]);
#else
    fprintf(stderr, "otlp_tool: built without the file exporter\n");
    return 4;
#endif
  }
  if (argc >= 3 && strcmp(argv[1], "http") == 0) {
#ifdef OTELC_HAVE_OTLP_HTTP
    return cmd_http(argc - 2, argv + 2);
#else
    fprintf(stderr, "otlp_tool: built without libotelc_otlp\n");
    return 4;
#endif
  }
  fprintf(stderr, "usage: otlp_tool encode <dir>\n"
                  "       otlp_tool file <path> <expected.json>\n"
                  "       otlp_tool http <expected.json> [options]\n");
  return 2;
}
