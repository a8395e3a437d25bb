/*
 * The configuration overlay: defaults that otelc_setup gives to OTEL_*
 * variables, behind otelc_config_get, through which every part of otelc
 * reads its settings (src/common/env.c).
 *
 * The table is immutable once published and swapped with one atomic
 * store, so readers never lock. A table taken out of service is kept by
 * setup.c for a whole set-up cycle before it is freed, so that a reader
 * that loaded it just before the swap, and the strings it returned, stay
 * valid.
 *
 * Most entries are plain defaults: the variable, when set, replaces them.
 * A few combine the program's value with the environment's instead
 * ("merged"): OTEL_RESOURCE_ATTRIBUTES (the program's attributes first, so
 * that every key the variable also names is taken from the variable), and
 * the three exporter lists when otelc_setup was asked to add "console" or
 * "prometheus" whatever they are. A merged value is computed from the
 * variable as it was at set-up; if the variable changes later, its new
 * value is used as it is.
 */
#include <stdio.h>

#include "common/env.h"
#include "setup/setup_internal.h"

#define MAX_ENTRIES 16

typedef struct entry {
  const char *name;       /* the variable (static string) */
  char *def;              /* value while the variable is unset, or NULL */
  char *env_seen;         /* the variable's value at set-up, or NULL */
  char *merged;           /* value while the variable equals env_seen */
  const char *unless_set; /* def applies only while this one is unset */
} entry;

struct otelc__config {
  size_t n;
  entry e[MAX_ENTRIES];
};

static _Atomic(otelc__config *) current;

/* ------------------------------------------------------------- reading -- */

static const char *env_value(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

static const entry *find(const otelc__config *c, const char *name) {
  for (size_t i = 0; c && i < c->n; i++)
    if (strcmp(c->e[i].name, name) == 0)
      return &c->e[i];
  return NULL;
}

/* Lock-free: one atomic load and a scan of at most MAX_ENTRIES names. */
const char *otelc_config_get(const char *name) {
  if (!name)
    return NULL;
  const char *env = env_value(name);
  const otelc__config *c = atomic_load_explicit(&current, memory_order_acquire);
  const entry *e = find(c, name);
  if (env) {
    if (e && e->merged && e->env_seen && strcmp(env, e->env_seen) == 0)
      return e->merged;
    return env;
  }
  if (!e || !e->def)
    return NULL;
  if (e->unless_set && env_value(e->unless_set))
    return NULL;
  return e->def;
}

/* ------------------------------------------------------------ building -- */

void otelc__config_free(otelc__config *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++) {
    otelc__free(c->e[i].def);
    otelc__free(c->e[i].env_seen);
    otelc__free(c->e[i].merged);
  }
  otelc__free(c);
}

/* A new entry for @p name, or NULL when the table is full (cannot happen:
 * setup adds a fixed number). */
static entry *add(otelc__config *c, const char *name) {
  if (c->n == MAX_ENTRIES)
    return NULL;
  entry *e = &c->e[c->n++];
  *e = (entry){name, NULL, NULL, NULL, NULL};
  return e;
}

/* A plain default: the variable, when set, replaces it. */
static bool add_default(otelc__config *c, const char *name, const char *v) {
  if (!v || !*v)
    return true;
  entry *e = add(c, name);
  return e && (e->def = otelc__strdup(v)) != NULL;
}

/* "a,b" from two lists, either of which may be NULL or empty. */
static char *join(const char *a, const char *b) {
  a = a ? a : "";
  b = b ? b : "";
  size_t la = strlen(a), lb = strlen(b);
  char *s = otelc__malloc(la + lb + 2);
  if (!s)
    return NULL;
  memcpy(s, a, la);
  size_t at = la;
  if (la && lb)
    s[at++] = ',';
  memcpy(s + at, b, lb);
  s[at + lb] = '\0';
  return s;
}

/* ----------------------------------------------------- exporter lists -- */

enum { SIG_TRACES, SIG_METRICS, SIG_LOGS };

static bool list_has(const char *list, const char *word) {
  otelc__token t[32];
  size_t n = otelc__split_list(list, t, 32);
  for (size_t i = 0; i < n && i < 32; i++)
    if (otelc__token_eq(t[i], word))
      return true;
  return false;
}

/* True for a list that names only "none" (at least once). */
static bool list_is_none(const char *list) {
  otelc__token t[32];
  size_t n = otelc__split_list(list, t, 32);
  if (n == 0 || n > 32)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!otelc__token_eq(t[i], "none"))
      return false;
  return true;
}

/* The program's list for one signal: opts->exporters (NULL: "console")
 * without "prometheus" outside metrics, where it means nothing; "none" if
 * that leaves nothing. */
static char *program_list(const char *exporters, int sig) {
  const char *src = exporters && *exporters ? exporters : "console";
  if (sig == SIG_METRICS)
    return otelc__strdup(src);
  otelc__token t[32];
  size_t n = otelc__split_list(src, t, 32);
  if (n > 32)
    n = 32;
  char *out = otelc__malloc(strlen(src) + sizeof "none");
  if (!out)
    return NULL;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    if (otelc__token_eq(t[i], "prometheus"))
      continue;
    if (at)
      out[at++] = ',';
    memcpy(out + at, t[i].p, t[i].len);
    at += t[i].len;
  }
  if (at == 0) {
    memcpy(out, "none", sizeof "none");
    return out;
  }
  out[at] = '\0';
  return out;
}

/* @p list with the extras the program asked for appended, each unless
 * already there. A list from the environment that is only "none" stays
 * as it is: the operator turned the signal off. */
static char *with_extras(const char *list, bool from_env, bool console,
                         bool prometheus) {
  if (from_env && list_is_none(list))
    return otelc__strdup(list);
  char *out = otelc__strdup(list);
  if (out && console && !list_has(out, "console")) {
    char *next = join(out, "console");
    otelc__free(out);
    out = next;
  }
  if (out && prometheus && !list_has(out, "prometheus")) {
    char *next = join(out, "prometheus");
    otelc__free(out);
    out = next;
  }
  return out;
}

bool otelc__config_list_has(const char *var, const char *word) {
  const char *list = otelc_config_get(var);
  return list && list_has(list, word);
}

static bool add_exporters(otelc__config *c, const otelc_setup_opts *o,
                          const char *name, int sig) {
  bool console = o->console;
  bool prometheus = sig == SIG_METRICS && o->prometheus;
  entry *e = add(c, name);
  if (!e)
    return false;
  char *base = program_list(o->exporters, sig);
  if (!base)
    return false;
  e->def = with_extras(base, false, console, prometheus);
  otelc__free(base);
  if (!e->def)
    return false;
  const char *env = env_value(name);
  if (env && (console || prometheus)) {
    e->env_seen = otelc__strdup(env);
    e->merged = with_extras(env, true, console, prometheus);
    if (!e->env_seen || !e->merged)
      return false;
  }
  return true;
}

/* ------------------------------------------------ resource attributes -- */

static bool is_blank(char ch) {
  return ch == ' ' || ch == '\t';
}

/* Percent-encode @p v as a value of OTEL_RESOURCE_ATTRIBUTES, appending
 * to @p out at *at (enough room: 3 bytes per input byte). */
static void encode_value(const char *v, char *out, size_t *at) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if (*p <= ' ' || *p >= 0x7f || *p == ',' || *p == '=' || *p == '%') {
      out[(*at)++] = '%';
      out[(*at)++] = hex[*p >> 4];
      out[(*at)++] = hex[*p & 15];
    } else {
      out[(*at)++] = (char)*p;
    }
  }
}

/* "service.version=..,deployment.environment.name=.." for the fields
 * set, or NULL with *nomem false when there are none. */
static char *program_attrs(const otelc_setup_opts *o, bool *nomem) {
  const char *keys[] = {"service.version", "deployment.environment.name"};
  const char *vals[] = {o->service_version, o->environment};
  size_t cap = 1;
  for (size_t i = 0; i < 2; i++)
    if (vals[i] && *vals[i])
      cap += strlen(keys[i]) + 2 + 3 * strlen(vals[i]);
  *nomem = false;
  if (cap == 1)
    return NULL;
  char *out = otelc__malloc(cap);
  if (!out) {
    *nomem = true;
    return NULL;
  }
  size_t at = 0;
  for (size_t i = 0; i < 2; i++) {
    if (!vals[i] || !*vals[i])
      continue;
    if (at)
      out[at++] = ',';
    memcpy(out + at, keys[i], strlen(keys[i]));
    at += strlen(keys[i]);
    out[at++] = '=';
    encode_value(vals[i], out, &at);
  }
  out[at] = '\0';
  return out;
}

/* Check one "key=value" entry of OTEL_RESOURCE_ATTRIBUTES with the rules
 * of src/resource/resource.c. @p scratch holds at least len + 1 bytes.
 * Returns NULL or why it is invalid; *is_service when the key is
 * service.name. */
static const char *check_entry(const char *s, size_t len, char *scratch,
                               bool *is_service) {
  const char *eq = memchr(s, '=', len);
  if (!eq)
    return "an entry has no '='";
  const char *k = s;
  size_t klen = (size_t)(eq - s);
  while (klen && is_blank(*k)) {
    k++;
    klen--;
  }
  while (klen && is_blank(k[klen - 1]))
    klen--;
  if (klen == 0)
    return "an entry has an empty key";
  size_t kn = otelc__percent_decode(k, klen, scratch);
  if (kn == (size_t)-1 || strlen(scratch) != kn)
    return "a key cannot be percent-decoded";
  *is_service = strcmp(scratch, "service.name") == 0;
  if (otelc__percent_decode(eq + 1, len - (size_t)(eq + 1 - s), scratch) ==
      (size_t)-1)
    return "a value cannot be percent-decoded";
  return NULL;
}

/* Validate a whole OTEL_RESOURCE_ATTRIBUTES value. Returns NULL or why it
 * is invalid (*nomem when memory ran out); *has_service when some key
 * is service.name. */
static const char *check_attrs(const char *s, bool *has_service, bool *nomem) {
  *has_service = false;
  *nomem = false;
  char *scratch = otelc__malloc(strlen(s) + 1);
  if (!scratch) {
    *nomem = true;
    return NULL;
  }
  const char *why = NULL;
  while (!why) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    size_t blank = 0;
    while (blank < len && is_blank(s[blank]))
      blank++;
    bool svc = false;
    if (blank < len) /* blank entries are skipped, as resource.c does */
      why = check_entry(s, len, scratch, &svc);
    *has_service = *has_service || svc;
    if (!comma)
      break;
    s = comma + 1;
  }
  otelc__free(scratch);
  return why;
}

/* OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. The service name is a
 * default of OTEL_SERVICE_NAME only while the environment names no
 * service.name of its own in OTEL_RESOURCE_ATTRIBUTES: the variables win
 * over every field. */
static bool add_resource(otelc__config *c, const otelc_setup_opts *o) {
  bool nomem = false;
  char *prog = program_attrs(o, &nomem);
  if (nomem)
    return false;
  const char *env = env_value("OTEL_RESOURCE_ATTRIBUTES");
  bool env_service = false;
  bool env_valid = true;
  if (env) {
    const char *why = check_attrs(env, &env_service, &nomem);
    if (nomem) {
      otelc__free(prog);
      return false;
    }
    if (why && prog) { /* else resource.c reports it */
      char q[OTELC__QUOTE_BUF];
      otelc__warn("invalid value '%s' for OTEL_RESOURCE_ATTRIBUTES (%s; "
                  "expected comma-separated key=value pairs, "
                  "percent-encoded); ignoring the whole variable",
                  otelc__env_quote(env, q), why);
    }
    if (why) {
      env_valid = false;
      env_service = false; /* the whole variable is discarded */
    }
  }
  bool ok = true;
  if (prog) {
    entry *e = add(c, "OTEL_RESOURCE_ATTRIBUTES");
    ok = e != NULL;
    if (ok) {
      e->def = prog;
      prog = NULL;
    }
    if (ok && env) {
      e->env_seen = otelc__strdup(env);
      e->merged = env_valid ? join(e->def, env) : otelc__strdup(e->def);
      ok = e->env_seen && e->merged;
    }
  }
  otelc__free(prog);
  if (ok && !env_service)
    ok = add_default(c, "OTEL_SERVICE_NAME", o->service_name);
  return ok;
}

/* ------------------------------------------------------------- install -- */

static bool fill(otelc__config *c, const otelc_setup_opts *o) {
  if (!add_resource(c, o) ||
      !add_exporters(c, o, "OTEL_TRACES_EXPORTER", SIG_TRACES) ||
      !add_exporters(c, o, "OTEL_METRICS_EXPORTER", SIG_METRICS) ||
      !add_exporters(c, o, "OTEL_LOGS_EXPORTER", SIG_LOGS) ||
      !add_default(c, "OTEL_EXPORTER_OTLP_ENDPOINT", o->otlp_endpoint) ||
      !add_default(c, "OTEL_EXPORTER_OTLP_PROTOCOL", o->otlp_protocol) ||
      !add_default(c, "OTEL_EXPORTER_OTLP_HEADERS", o->otlp_headers) ||
      !add_default(c, "OTEL_TRACES_SAMPLER", o->sampler))
    return false;
  if (o->sampler_arg && *o->sampler_arg) {
    /* An argument belongs to its sampler: it is not applied to a sampler
     * chosen by the environment. */
    if (!add_default(c, "OTEL_TRACES_SAMPLER_ARG", o->sampler_arg))
      return false;
    c->e[c->n - 1].unless_set = "OTEL_TRACES_SAMPLER";
  }
  if (o->prometheus_port) {
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)o->prometheus_port);
    if (!add_default(c, "OTEL_EXPORTER_PROMETHEUS_PORT", port))
      return false;
  }
  return true;
}

otelc_status otelc__config_install(const otelc_setup_opts *o) {
  static const otelc_setup_opts none = {0};
  otelc__config *c = otelc__calloc(1, sizeof *c);
  if (!c)
    return OTELC_ERR_NOMEM;
  if (!fill(c, o ? o : &none)) {
    otelc__config_free(c);
    return OTELC_ERR_NOMEM;
  }
  atomic_store_explicit(&current, c, memory_order_release);
  return OTELC_OK;
}

otelc__config *otelc__config_take(void) {
  return atomic_exchange_explicit(&current, NULL, memory_order_acq_rel);
}
