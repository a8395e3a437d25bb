/* A logger provider configured by the OTEL_* environment variables, and
 * the registry of exporter factories behind OTEL_LOGS_EXPORTER. */
#include <stdio.h>
#include <strings.h>

#include "common/env.h"
#include "logs/logs_internal.h"
#include "otelc/exporters.h"

#define MAX_EXPORTERS 8
#define MAX_REGISTERED 16

static otelc_status console_factory(otelc_log_exporter **out) {
  return otelc_console_log_exporter_new(NULL, out);
}

/* "otlp/stdout": OTLP/JSON lines on stdout. */
static otelc_status stdout_factory(otelc_log_exporter **out) {
  return otelc_file_log_exporter_new(NULL, out);
}

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char name[32];
  otelc_log_exporter_factory make;
} registry[MAX_REGISTERED] = {{"console", console_factory},
                              {"otlp/stdout", stdout_factory}};
static size_t n_registered = 2;

otelc_status otelc_log_exporter_register(const char *name,
                                         otelc_log_exporter_factory make) {
  if (!name || !name[0] || strlen(name) >= sizeof registry[0].name || !make)
    return OTELC_ERR_INVALID_ARG;
  otelc_status st = OTELC_OK;
  pthread_mutex_lock(&registry_mu);
  size_t i = 0;
  while (i < n_registered && strcasecmp(registry[i].name, name) != 0)
    i++;
  if (i == n_registered) {
    if (n_registered == MAX_REGISTERED)
      st = OTELC_ERR_LIMIT;
    else
      snprintf(registry[n_registered++].name, sizeof registry[0].name, "%s",
               name);
  }
  if (st == OTELC_OK)
    registry[i].make = make;
  pthread_mutex_unlock(&registry_mu);
  return st;
}

static otelc_log_exporter_factory lookup(otelc__token name) {
  otelc_log_exporter_factory make = NULL;
  pthread_mutex_lock(&registry_mu);
  for (size_t i = 0; i < n_registered && !make; i++)
    if (otelc__token_eq(name, registry[i].name))
      make = registry[i].make;
  pthread_mutex_unlock(&registry_mu);
  return make;
}

static _Atomic bool warned_otlp;

/* Add the processor for exporter @p name to @p procs: a simple processor
 * for "console" (lines appear as records are emitted), a batch processor
 * configured by OTEL_BLRP_* for the others. */
static void add_exporter(otelc__token name, otelc_log_processor **procs,
                         size_t *n) {
  if (otelc__token_eq(name, "none"))
    return;
  otelc_log_exporter_factory make = lookup(name);
  if (!make) {
    if (!otelc__token_eq(name, "otlp"))
      otelc__warn("OTEL_LOGS_EXPORTER: unknown exporter '%.*s' ignored",
                  (int)name.len, name.p);
    else if (!atomic_exchange(&warned_otlp, true))
      otelc__warn("OTEL_LOGS_EXPORTER: the 'otlp' exporter is not part of "
                  "this program (link otelc_otlp); log records will not be "
                  "exported through it");
    return;
  }
  otelc_log_exporter *e = NULL;
  otelc_status st = make(&e);
  if (st != OTELC_OK || !e) {
    otelc__warn("OTEL_LOGS_EXPORTER: the '%.*s' exporter could not be "
                "created (%s); skipped",
                (int)name.len, name.p, otelc_strerror(st));
    return;
  }
  if (otelc__token_eq(name, "console")) {
    st = otelc_simple_log_processor_new(e, &procs[*n]);
  } else {
    otelc_log_batch_opts o;
    otelc_log_batch_opts_from_env(&o);
    st = otelc_batch_log_processor_new(e, &o, &procs[*n]);
  }
  if (st == OTELC_OK)
    (*n)++;
}

otelc_status otelc_logger_provider_new_from_env(const char *default_exporter,
                                                otelc_logger_provider **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  otelc_log_processor *procs[MAX_EXPORTERS];
  size_t n = 0;
  if (!otelc__env_bool("OTEL_SDK_DISABLED", false)) {
    const char *list = otelc__env_get("OTEL_LOGS_EXPORTER");
    if (!list)
      list = default_exporter ? default_exporter : "otlp";
    otelc__token toks[MAX_EXPORTERS];
    size_t found = otelc__split_list(list, toks, MAX_EXPORTERS);
    if (found > MAX_EXPORTERS) {
      otelc__warn("OTEL_LOGS_EXPORTER lists %zu exporters; only the first "
                  "%d are used",
                  found, MAX_EXPORTERS);
      found = MAX_EXPORTERS;
    }
    for (size_t i = 0; i < found; i++) {
      bool dup = false; /* each exporter once */
      for (size_t j = 0; j < i; j++)
        if (toks[j].len == toks[i].len &&
            strncasecmp(toks[j].p, toks[i].p, toks[i].len) == 0)
          dup = true;
      if (!dup)
        add_exporter(toks[i], procs, &n);
    }
  }
  otelc_logger_provider_opts opts = {0};
  opts.processors = procs;
  opts.n_processors = n;
  return otelc_logger_provider_new(&opts, out);
}
