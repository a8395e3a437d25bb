/* Resources: immutable, reference-counted attribute sets describing the
 * entity that produces telemetry. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "common/attrs.h"
#include "common/env.h"
#include "common/internal.h"
#include "otelc/resource.h"
#include "otelc/version.h"

#define SDK_NAME "otelc"
#define SDK_LANGUAGE "c"
#define UNKNOWN_SERVICE "unknown_service"

struct otelc_resource {
  atomic_uint refs;
  otelc__arena arena;
  otelc_attr *attrs;
  size_t count;
  const char *schema_url;
  uint64_t inline_buf[]; /* first part of the arena */
};

/* ------------------------------------------------------------------------ */
/* Builder: an ordered list of borrowed attributes with unique keys.        */
/* ------------------------------------------------------------------------ */

typedef struct builder {
  otelc_attr *items;
  size_t count;
  size_t cap;
} builder;

static void builder_free(builder *b) {
  otelc__free(b->items);
  *b = (builder){NULL, 0, 0};
}

static long builder_find(const builder *b, const char *key) {
  for (size_t i = 0; i < b->count; i++)
    if (strcmp(b->items[i].key, key) == 0)
      return (long)i;
  return -1;
}

/* Set @p key to @p v (both borrowed): replace in place, else append. */
static otelc_status builder_set(builder *b, const char *key,
                                const otelc_value *v) {
  long at = builder_find(b, key);
  if (at >= 0) {
    b->items[at].value = *v;
    return OTELC_OK;
  }
  if (b->count == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    otelc_attr *items = otelc__realloc(b->items, cap * sizeof *items);
    if (!items)
      return OTELC_ERR_NOMEM;
    b->items = items;
    b->cap = cap;
  }
  b->items[b->count++] = (otelc_attr){key, *v};
  return OTELC_OK;
}

static otelc_status builder_set_str(builder *b, const char *key,
                                    const char *s) {
  otelc_value v = {OTELC_VALUE_STRING, strlen(s), {.str = s}};
  return builder_set(b, key, &v);
}

/* ------------------------------------------------------------------------ */
/* Building the immutable resource                                          */
/* ------------------------------------------------------------------------ */

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Arena bytes a value needs at its top level (nested parts of arrays and
 * maps are not counted; the arena grows for them). */
static size_t value_size(const otelc_value *v) {
  switch (v->type) {
  case OTELC_VALUE_STRING:
    return round8((v->u.str ? otelc__value_strlen(v) : 0) + 1);
  case OTELC_VALUE_BYTES:
    return round8(v->len ? v->len : 1);
  case OTELC_VALUE_STRING_ARRAY:
    return round8(v->len * sizeof(char *));
  case OTELC_VALUE_BOOL_ARRAY:
    return round8(v->len * sizeof(bool));
  case OTELC_VALUE_INT_ARRAY:
  case OTELC_VALUE_DOUBLE_ARRAY:
    return round8(v->len * 8);
  case OTELC_VALUE_ARRAY:
    return round8(v->len * sizeof(otelc_value));
  case OTELC_VALUE_MAP:
    return round8(v->len * sizeof(otelc_attr));
  default:
    return 0;
  }
}

/* Inline arena size that holds @p b (and the schema URL) in most cases. */
static size_t estimate_size(const builder *b, const char *schema_url) {
  size_t n = round8(b->count * sizeof(otelc_attr));
  for (size_t i = 0; i < b->count; i++) {
    size_t add =
        round8(strlen(b->items[i].key) + 1) + value_size(&b->items[i].value);
    if (add > (size_t)1 << 20)
      add = (size_t)1 << 20; /* huge values go to their own chunk */
    n += add;
  }
  if (schema_url)
    n += round8(strlen(schema_url) + 1);
  return n < (size_t)1 << 24 ? n : (size_t)1 << 24;
}

static void resource_free(otelc_resource *r) {
  otelc__arena_reset(&r->arena, NULL, 0);
  otelc__free(r);
}

static otelc_status copy_items(otelc_resource *r, const builder *b) {
  if (b->count == 0)
    return OTELC_OK;
  r->attrs = otelc__arena_alloc(&r->arena, b->count * sizeof(otelc_attr));
  if (!r->attrs)
    return OTELC_ERR_NOMEM;
  for (size_t i = 0; i < b->count; i++) {
    const otelc_attr *src = &b->items[i];
    otelc_attr *dst = &r->attrs[i];
    char *key = otelc__arena_strndup(&r->arena, src->key, strlen(src->key));
    if (!key)
      return OTELC_ERR_NOMEM;
    dst->key = key;
    bool truncated = false;
    otelc_status st = otelc__value_copy(&r->arena, &dst->value, &src->value,
                                        UINT32_MAX, &truncated);
    if (st != OTELC_OK)
      return st;
    r->count++;
  }
  return OTELC_OK;
}

/* Copy the attributes of @p b and @p schema_url (NULL or "" for none)
 * into a new resource with one reference. */
static otelc_status build(const builder *b, const char *schema_url,
                          otelc_resource **out) {
  if (schema_url && !*schema_url)
    schema_url = NULL;
  size_t cap = estimate_size(b, schema_url);
  otelc_resource *r = otelc__malloc(sizeof *r + cap);
  if (!r)
    return OTELC_ERR_NOMEM;
  atomic_init(&r->refs, 1);
  r->attrs = NULL;
  r->count = 0;
  r->schema_url = NULL;
  otelc__arena_init(&r->arena, r->inline_buf, cap);
  otelc_status st = copy_items(r, b);
  if (st == OTELC_OK && schema_url) {
    r->schema_url =
        otelc__arena_strndup(&r->arena, schema_url, strlen(schema_url));
    if (!r->schema_url)
      st = OTELC_ERR_NOMEM;
  }
  if (st != OTELC_OK) {
    resource_free(r);
    return st;
  }
  *out = r;
  return OTELC_OK;
}

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Detection                                                                */
/* ------------------------------------------------------------------------ */

/* Buffers that detected attribute values point into while building. */
typedef struct detected {
  char exe[256];
  char host[256];
  char service[sizeof UNKNOWN_SERVICE + 256];
} detected;

static bool exe_from_proc(char *out, size_t cap) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return false;
  path[n] = '\0';
  static const char deleted[] = " (deleted)";
  size_t len = (size_t)n, dl = sizeof deleted - 1;
  if (len > dl && strcmp(path + len - dl, deleted) == 0)
    path[len - dl] = '\0';
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (!*base || strlen(base) >= cap)
    return false;
  memcpy(out, base, strlen(base) + 1);
  return true;
}

static void detect_exe(char *out, size_t cap) {
  out[0] = '\0';
  if (exe_from_proc(out, cap))
    return;
  const char *name = program_invocation_short_name;
  if (name && *name && strlen(name) < cap)
    memcpy(out, name, strlen(name) + 1);
}

static void detect_host(char *out, size_t cap) {
  if (gethostname(out, cap - 1) != 0)
    out[0] = '\0';
  out[cap - 1] = '\0';
}

static otelc_status add_detected(builder *b, detected *d) {
  otelc_value pid = {OTELC_VALUE_INT, 0, {.i = (int64_t)getpid()}};
  detect_exe(d->exe, sizeof d->exe);
  detect_host(d->host, sizeof d->host);
  if (d->exe[0])
    snprintf(d->service, sizeof d->service, "%s:%s", UNKNOWN_SERVICE, d->exe);
  else
    snprintf(d->service, sizeof d->service, "%s", UNKNOWN_SERVICE);
  otelc_status st = builder_set(b, "process.pid", &pid);
  if (st == OTELC_OK && d->exe[0])
    st = builder_set_str(b, "process.executable.name", d->exe);
  if (st == OTELC_OK && d->host[0])
    st = builder_set_str(b, "host.name", d->host);
  if (st == OTELC_OK)
    st = builder_set_str(b, "service.name", d->service);
  return st;
}

static otelc_status add_sdk(builder *b) {
  otelc_status st = builder_set_str(b, "telemetry.sdk.name", SDK_NAME);
  if (st == OTELC_OK)
    st = builder_set_str(b, "telemetry.sdk.language", SDK_LANGUAGE);
  if (st == OTELC_OK)
    st = builder_set_str(b, "telemetry.sdk.version", OTELC_VERSION_STRING);
  return st;
}

/* ------------------------------------------------------------------------ */
/* OTEL_RESOURCE_ATTRIBUTES                                                 */
/* ------------------------------------------------------------------------ */

static const char *trim(const char *s, size_t *len) {
  while (*len > 0 && (*s == ' ' || *s == '\t')) {
    s++;
    (*len)--;
  }
  while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
    (*len)--;
  return s;
}

/* Decode one "key=value" entry into *buf (advanced past what it used)
 * and add it to @p b. Returns NULL or the reason it is invalid. */
static const char *parse_entry(const char *s, size_t len, char **buf,
                               builder *b, otelc_status *st) {
  const char *eq = memchr(s, '=', len);
  if (!eq)
    return "an entry has no '='";
  size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
  const char *k = trim(s, &klen), *v = trim(eq + 1, &vlen);
  if (klen == 0)
    return "an entry has an empty key";
  char *key = *buf;
  size_t kn = otelc__percent_decode(k, klen, key);
  if (kn == (size_t)-1 || strlen(key) != kn)
    return "a key cannot be percent-decoded";
  char *val = key + kn + 1;
  size_t vn = otelc__percent_decode(v, vlen, val);
  if (vn == (size_t)-1)
    return "a value cannot be percent-decoded";
  *buf = val + vn + 1;
  otelc_value value = {OTELC_VALUE_STRING, vn, {.str = val}};
  *st = builder_set(b, key, &value);
  return NULL;
}

/* Parse @p s into @p b, decoding into @p buf (2 bytes more than s per
 * entry). Returns NULL or the reason the value is invalid. */
static const char *parse_resource_attrs(const char *s, char *buf, builder *b,
                                        otelc_status *st) {
  while (*st == OTELC_OK) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    size_t tlen = len;
    trim(s, &tlen);
    if (tlen > 0) { /* blank entries (e.g. a trailing comma) are skipped */
      const char *why = parse_entry(s, len, &buf, b, st);
      if (why)
        return why;
    }
    if (!comma)
      break;
    s = comma + 1;
  }
  return NULL;
}

static size_t count_char(const char *s, char c) {
  size_t n = 0;
  for (; *s; s++)
    n += *s == c;
  return n;
}

/* Apply OTEL_RESOURCE_ATTRIBUTES to @p b, all or nothing. The decoded
 * strings live in *keep, which the caller frees after building. */
static otelc_status add_env_attrs(builder *b, char **keep) {
  const char *s = otelc__env_get("OTEL_RESOURCE_ATTRIBUTES");
  if (!s)
    return OTELC_OK;
  size_t entries = count_char(s, ',') + 1;
  char *buf = otelc__malloc(strlen(s) + 2 * entries + 1);
  if (!buf)
    return OTELC_ERR_NOMEM;
  builder env = {NULL, 0, 0};
  otelc_status st = OTELC_OK;
  const char *why = parse_resource_attrs(s, buf, &env, &st);
  if (why) {
    char q[OTELC__QUOTE_BUF];
    otelc__warn("invalid value '%s' for OTEL_RESOURCE_ATTRIBUTES (%s; "
                "expected comma-separated key=value pairs, "
                "percent-encoded); ignoring the whole variable",
                otelc__env_quote(s, q), why);
  }
  for (size_t i = 0; !why && st == OTELC_OK && i < env.count; i++)
    st = builder_set(b, env.items[i].key, &env.items[i].value);
  builder_free(&env);
  if (why || st != OTELC_OK) {
    otelc__free(buf);
    return st;
  }
  *keep = buf;
  return OTELC_OK;
}

/* ------------------------------------------------------------------------ */
/* otelc_resource_create                                                    */
/* ------------------------------------------------------------------------ */

static otelc_status add_opt_str(builder *b, const char *key, const char *s) {
  return s && *s ? builder_set_str(b, key, s) : OTELC_OK;
}

static otelc_status add_opts_defaults(builder *b,
                                      const otelc_resource_opts *o) {
  otelc_status st = add_opt_str(b, "service.name", o->service_name);
  if (st == OTELC_OK)
    st = add_opt_str(b, "service.version", o->service_version);
  if (st == OTELC_OK)
    st = add_opt_str(b, "deployment.environment.name",
                     o->deployment_environment);
  return st;
}

static otelc_status add_opts_attrs(builder *b, const otelc_resource_opts *o) {
  if (!o->attrs)
    return OTELC_OK;
  for (size_t i = 0; i < o->n_attrs; i++) {
    const otelc_attr *a = &o->attrs[i];
    if (!a->key || !a->key[0]) {
      otelc__warn("resource attribute %zu has no key; ignoring it", i);
      continue;
    }
    otelc_status st = builder_set(b, a->key, &a->value);
    if (st != OTELC_OK)
      return st;
  }
  return OTELC_OK;
}

static otelc_status collect(builder *b, detected *d,
                            const otelc_resource_opts *o, char **env_buf) {
  otelc_status st = add_sdk(b);
  if (st == OTELC_OK)
    st = add_detected(b, d);
  if (st == OTELC_OK)
    st = add_opts_defaults(b, o);
  if (st == OTELC_OK)
    st = add_env_attrs(b, env_buf);
  if (st == OTELC_OK)
    st = add_opts_attrs(b, o);
  const char *svc = otelc__env_get("OTEL_SERVICE_NAME");
  if (st == OTELC_OK && svc)
    st = builder_set_str(b, "service.name", svc);
  return st;
}

otelc_status otelc_resource_create(const otelc_resource_opts *opts,
                                   otelc_resource **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  static const otelc_resource_opts none = {0};
  const otelc_resource_opts *o = opts ? opts : &none;
  builder b = {NULL, 0, 0};
  detected d;
  char *env_buf = NULL;
  otelc_status st = collect(&b, &d, o, &env_buf);
  if (st == OTELC_OK)
    st = build(&b, o->schema_url, out);
  builder_free(&b);
  otelc__free(env_buf);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Other constructors                                                       */
/* ------------------------------------------------------------------------ */

otelc_status otelc_resource_new(const otelc_attr *attrs, size_t n,
                                const char *schema_url, otelc_resource **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  if (n > 0 && !attrs)
    return OTELC_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++)
    if (!attrs[i].key || !attrs[i].key[0])
      return OTELC_ERR_INVALID_ARG;
  builder b = {NULL, 0, 0};
  otelc_status st = OTELC_OK;
  for (size_t i = 0; i < n && st == OTELC_OK; i++)
    st = builder_set(&b, attrs[i].key, &attrs[i].value);
  if (st == OTELC_OK)
    st = build(&b, schema_url, out);
  builder_free(&b);
  return st;
}

static const char *merged_schema_url(const otelc_resource *base,
                                     const otelc_resource *updating) {
  const char *a = base ? base->schema_url : NULL;
  const char *b = updating ? updating->schema_url : NULL;
  if (!a || !b || strcmp(a, b) == 0)
    return a ? a : b;
  char qa[OTELC__QUOTE_BUF], qb[OTELC__QUOTE_BUF];
  otelc__warn("merging resources with different schema URLs '%s' and '%s'; "
              "the result has no schema URL",
              otelc__env_quote(a, qa), otelc__env_quote(b, qb));
  return NULL;
}

static otelc_status add_all(builder *b, const otelc_resource *r) {
  otelc_status st = OTELC_OK;
  for (size_t i = 0; r && i < r->count && st == OTELC_OK; i++)
    st = builder_set(b, r->attrs[i].key, &r->attrs[i].value);
  return st;
}

otelc_status otelc_resource_merge(const otelc_resource *base,
                                  const otelc_resource *updating,
                                  otelc_resource **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  builder b = {NULL, 0, 0};
  otelc_status st = add_all(&b, base);
  if (st == OTELC_OK)
    st = add_all(&b, updating);
  if (st == OTELC_OK)
    st = build(&b, merged_schema_url(base, updating), out);
  builder_free(&b);
  return st;
}

/* ------------------------------------------------------------------------ */
/* References and accessors                                                 */
/* ------------------------------------------------------------------------ */

otelc_resource *otelc_resource_ref(otelc_resource *r) {
  if (r)
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
  return r;
}

void otelc_resource_release(otelc_resource *r) {
  if (!r)
    return;
  if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
    resource_free(r);
}

size_t otelc_resource_attr_count(const otelc_resource *r) {
  return r ? r->count : 0;
}

const otelc_attr *otelc_resource_attr(const otelc_resource *r, size_t i) {
  return r && i < r->count ? &r->attrs[i] : NULL;
}

const otelc_value *otelc_resource_get(const otelc_resource *r,
                                      const char *key) {
  if (!r || !key)
    return NULL;
  for (size_t i = 0; i < r->count; i++)
    if (strcmp(r->attrs[i].key, key) == 0)
      return &r->attrs[i].value;
  return NULL;
}

const char *otelc_resource_schema_url(const otelc_resource *r) {
  return r ? r->schema_url : NULL;
}
