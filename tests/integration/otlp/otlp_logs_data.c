/*
 * The hand-made log records of the OTLP logs tests and their description
 * (see otlp_logs_data.h).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "otlp_logs_data.h"
#include "tool_json.h"

/* ------------------------------------------------------------- scopes -- */

static const otelc_attr kScopeAttrs[] = {OTELC_INT("scope.level", 7),
                                         OTELC_STR("scope.kind", "app")};
static const otelc_scope_info kScopes[3] = {
    {.name = "otelc.test.app",
     .version = "1.2.3",
     .schema_url = "https://opentelemetry.io/schemas/1.26.0",
     .attrs = kScopeAttrs,
     .n_attrs = 2},
    {.name = "otelc.test.lib"},
    {.name = "db\xc3", .version = "v\xff"}};

/* ------------------------------------------------------------- values -- */

static const char *const kStrs[] = {"a", "", "b\xe2\x82"};
static const bool kBools[] = {true, false};
static const int64_t kInts[] = {INT64_MIN, -1, 0, INT64_MAX};
static const double kDoubles[] = {0.1, -2.5e-300, 1e300};
static const uint8_t kBytes[] = {0x00, 0xff, 0x10, 0x80};
static const otelc_attr kInner[] = {OTELC_STR("inner.s", "x"),
                                    OTELC_INT("inner.i", 42)};
static const otelc_value kMixed[] = {
    {OTELC_VALUE_STRING, 3, {.str = "mix"}},
    {OTELC_VALUE_INT, 0, {.i = -7}},
    {OTELC_VALUE_EMPTY, 0, {.str = NULL}},
    {OTELC_VALUE_DOUBLE_ARRAY, 3, {.doubles = kDoubles}},
    {OTELC_VALUE_MAP, 2, {.kvs = kInner}},
    {OTELC_VALUE_MAP, 0, {.kvs = NULL}},
    {OTELC_VALUE_BYTES, 4, {.bytes = kBytes}}};

/* Every attribute kind (12: more than the SDK test's limit of 10). */
static const otelc_attr kAllAttrs[] = {
    OTELC_STR("s", "str\xff"),
    OTELC_BOOL("b", true),
    OTELC_INT("i", INT64_MIN),
    OTELC_DOUBLE("d", 3.25),
    OTELC_BYTES("bytes", kBytes, 4),
    OTELC_STR_ARRAY("sa", kStrs, 3),
    OTELC_BOOL_ARRAY("ba", kBools, 2),
    OTELC_INT_ARRAY("ia", kInts, 4),
    OTELC_DOUBLE_ARRAY("da", kDoubles, 3),
    {"mixed", {OTELC_VALUE_ARRAY, 7, {.values = kMixed}}},
    {"map", {OTELC_VALUE_MAP, 2, {.kvs = kInner}}},
    {"empty", {OTELC_VALUE_EMPTY, 0, {.str = NULL}}}};

static const otelc_attr kBodyMap[] = {
    OTELC_STR("event", "login"),
    {"details", {OTELC_VALUE_MAP, 2, {.kvs = kInner}}},
    {"tags", {OTELC_VALUE_STRING_ARRAY, 3, {.strs = kStrs}}}};

static const otelc_attr kFewAttrs[] = {OTELC_STR("http.method", "GET"),
                                       OTELC_INT("http.status", 200)};

static const uint8_t kTrace[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3,
                                   0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d,
                                   0x0e, 0x0e, 0x47, 0x36};
static const uint8_t kSpan[8] = {0x00, 0xf0, 0x67, 0xaa,
                                 0x0b, 0xa9, 0x02, 0xb7};

/* ---------------------------------------------------------------- set -- */

static otelc_value str_value(const char *s) {
  return (otelc_value){OTELC_VALUE_STRING, strlen(s), {.str = s}};
}

bool ld_build(ld_set *s) {
  memset(s, 0, sizeof *s);
  if (otelc_resource_new(
          OTELC_ATTRS(OTELC_STR("service.name", "otlp-logs-test"),
                      OTELC_STR("deployment.environment", "test"),
                      OTELC_INT("process.pid", 4242)),
          "https://opentelemetry.io/schemas/1.26.0",
          &s->resources[0]) != OTELC_OK ||
      otelc_resource_new(
          OTELC_ATTRS(OTELC_STR("service.name", "other\xff service")), NULL,
          &s->resources[1]) != OTELC_OK) {
    ld_free(s);
    return false;
  }
  const otelc_resource *r0 = s->resources[0], *r1 = s->resources[1];
  otelc_log_data *d = s->records;

  /* 0: every field. */
  d[0].timestamp = 1700000000123456789u;
  d[0].observed_timestamp = 1700000000223456789u;
  d[0].severity = OTELC_SEVERITY_INFO;
  d[0].severity_text = "INFO";
  d[0].body = str_value("hello \xe2\x82 world");
  d[0].attrs = kAllAttrs;
  d[0].n_attrs = sizeof kAllAttrs / sizeof kAllAttrs[0];
  d[0].dropped_attrs = 3;
  d[0].event_name = "app.started";
  memcpy(d[0].trace_id, kTrace, 16);
  memcpy(d[0].span_id, kSpan, 8);
  d[0].trace_flags = OTELC_TRACE_FLAG_SAMPLED;
  d[0].scope = &kScopes[0];
  d[0].resource = r0;

  /* 1: nothing but the observed time (no severity, body, attributes). */
  d[1].observed_timestamp = 1;
  d[1].scope = &kScopes[1];
  d[1].resource = r1;

  /* 2: the last severity, an int body of INT64_MIN, empty strings. */
  d[2].observed_timestamp = 1700000001000000000u;
  d[2].severity = 24;
  d[2].severity_text = "";
  d[2].event_name = "";
  d[2].body = (otelc_value){OTELC_VALUE_INT, 0, {.i = INT64_MIN}};
  d[2].scope = &kScopes[1];
  d[2].resource = r0;

  /* 3: a span that was not sampled (ids, flags 0); a false body; the
   * largest time the peers' JSON reader takes (it reads fixed64 as
   * signed; nanoseconds stay below 2^63 until 2262). */
  d[3].timestamp = (uint64_t)INT64_MAX;
  d[3].observed_timestamp = 1700000002000000000u;
  d[3].severity = OTELC_SEVERITY_DEBUG;
  d[3].body = (otelc_value){OTELC_VALUE_BOOL, 0, {.b = false}};
  memcpy(d[3].trace_id, kTrace, 16);
  memcpy(d[3].span_id, kSpan, 8);
  d[3].attrs = kFewAttrs;
  d[3].n_attrs = 2;
  d[3].scope = &kScopes[0];
  d[3].resource = r0;

  /* 4: a double body; a scope with invalid UTF-8 in name and version. */
  d[4].observed_timestamp = 1700000003000000000u;
  d[4].severity = OTELC_SEVERITY_WARN;
  d[4].severity_text = "W\xc3";
  d[4].body = (otelc_value){OTELC_VALUE_DOUBLE, 0, {.d = -2.5e-300}};
  d[4].scope = &kScopes[2];
  d[4].resource = r1;

  /* 5: a bytes body; a severity outside the enum (left out); flags with
   * the random bit too. */
  d[5].observed_timestamp = 1700000004000000000u;
  d[5].severity = 30;
  d[5].severity_text = "CUSTOM";
  d[5].body = (otelc_value){OTELC_VALUE_BYTES, 4, {.bytes = kBytes}};
  memcpy(d[5].trace_id, kTrace, 16);
  memcpy(d[5].span_id, kSpan, 8);
  d[5].trace_flags = OTELC_TRACE_FLAG_SAMPLED | OTELC_TRACE_FLAG_RANDOM;
  d[5].scope = &kScopes[0];
  d[5].resource = r0;

  /* 6: a map body with nested values; the time without observed time. */
  d[6].timestamp = 1700000005000000000u;
  d[6].severity = OTELC_SEVERITY_ERROR;
  d[6].severity_text = "ERROR";
  d[6].body = (otelc_value){OTELC_VALUE_MAP, 3, {.kvs = kBodyMap}};
  d[6].event_name = "user.login";
  d[6].scope = &kScopes[2];
  d[6].resource = r0;

  /* 7: a heterogeneous array body (an empty value, an empty map among
   * its elements). */
  d[7].observed_timestamp = 1700000006000000000u;
  d[7].severity = OTELC_SEVERITY_TRACE;
  d[7].body = (otelc_value){OTELC_VALUE_ARRAY, 7, {.values = kMixed}};
  d[7].scope = &kScopes[1];
  d[7].resource = r1;

  /* 8: an empty string body (a value), text in Cyrillic, an event name
   * that needs escaping. */
  d[8].observed_timestamp = 1700000007000000000u;
  d[8].severity = OTELC_SEVERITY_FATAL;
  d[8].severity_text = "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82";
  d[8].body = str_value("");
  d[8].event_name = "evt\n\"quoted\"\t\\";
  d[8].scope = &kScopes[1];
  d[8].resource = r0;

  /* 9: an int array body and a dropped count without attributes. */
  d[9].observed_timestamp = 1700000008000000000u;
  d[9].severity = OTELC_SEVERITY_INFO + 1;
  d[9].body = (otelc_value){OTELC_VALUE_INT_ARRAY, 4, {.ints = kInts}};
  d[9].dropped_attrs = 128;
  d[9].scope = &kScopes[0];
  d[9].resource = r0;

  for (size_t i = 0; i < LD_RECORDS; i++)
    s->ptrs[i] = &d[i];
  return true;
}

void ld_free(ld_set *s) {
  for (size_t i = 0; i < LD_RESOURCES; i++) {
    otelc_resource_release(s->resources[i]);
    s->resources[i] = NULL;
  }
}

/* --------------------------------------------------------- description -- */

static void write_resource(FILE *f, const otelc_resource *r) {
  size_t n = otelc_resource_attr_count(r);
  fputs("{\"attributes\":[", f);
  for (size_t i = 0; i < n; i++) {
    const otelc_attr *a = otelc_resource_attr(r, i);
    if (i)
      fputc(',', f);
    fputs("{\"key\":", f);
    tj_str(f, a->key);
    fputc(',', f);
    tj_typed(f, &a->value);
    fputc('}', f);
  }
  fputs("],\"schemaUrl\":", f);
  tj_str(f, otelc_resource_schema_url(r));
  fputc('}', f);
}

static void write_scope(FILE *f, const otelc_scope_info *sc) {
  fputs("{\"name\":", f);
  tj_str(f, sc ? sc->name : NULL);
  fputs(",\"version\":", f);
  tj_str(f, sc ? sc->version : NULL);
  fputs(",\"attributes\":", f);
  tj_attrs(f, sc ? sc->attrs : NULL, sc && sc->attrs ? sc->n_attrs : 0);
  fputs(",\"schemaUrl\":", f);
  tj_str(f, sc ? sc->schema_url : NULL);
  fputc('}', f);
}

static bool zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

static void write_record(FILE *f, const otelc_log_data *d) {
  fputs("{\"resource\":", f);
  write_resource(f, d->resource);
  fputs(",\"scope\":", f);
  write_scope(f, d->scope);
  fprintf(f,
          ",\"timeUnixNano\":\"%" PRIu64 "\",\"observedTimeUnixNano\":"
          "\"%" PRIu64 "\",\"severityNumber\":%d,\"severityText\":",
          d->timestamp, d->observed_timestamp, d->severity);
  tj_str(f, d->severity_text);
  if (d->body.type != OTELC_VALUE_EMPTY) {
    fputs(",\"body\":{", f);
    tj_typed(f, &d->body);
    fputc('}', f);
  }
  fputs(",\"attributes\":", f);
  tj_attrs(f, d->attrs, d->attrs ? d->n_attrs : 0);
  char tid[33] = "", sid[17] = "";
  if (!zero(d->trace_id, 16))
    tj_hex(d->trace_id, 16, tid);
  if (!zero(d->span_id, 8))
    tj_hex(d->span_id, 8, sid);
  fprintf(f,
          ",\"droppedAttributesCount\":%" PRIu32 ",\"flags\":%u,"
          "\"traceId\":\"%s\",\"spanId\":\"%s\",\"eventName\":",
          d->dropped_attrs, (unsigned)d->trace_flags, tid, sid);
  tj_str(f, d->event_name);
  fputc('}', f);
}

void ld_write(FILE *f, const otelc_log_data *const *recs, size_t n) {
  fputs("{\"records\":[", f);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputc(',', f);
    write_record(f, recs[i]);
  }
  fputs("]}\n", f);
}
