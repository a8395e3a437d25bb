/* A meter provider configured by the OTEL_* environment variables, and
 * the registry of reader factories behind OTEL_METRICS_EXPORTER. */
#include <stdio.h>
#include <strings.h>

#include "common/env.h"
#include "metrics/metrics_internal.h"

#define MAX_READERS 8
#define MAX_REGISTERED 16

/* "console": readable lines on stderr, exported periodically. */
static otelc_status console_factory(otelc_metric_reader **out) {
  otelc_metric_exporter *e = NULL;
  otelc_status st = otelc_console_metric_exporter_new(NULL, &e);
  if (st != OTELC_OK)
    return st;
  otelc_periodic_reader_opts o;
  otelc_periodic_reader_opts_from_env(&o);
  return otelc_periodic_reader_new(e, &o, out);
}

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char name[32];
  otelc_metric_reader_factory make;
} registry[MAX_REGISTERED] = {{"console", console_factory}};
static size_t n_registered = 1;

otelc_status otelc_metric_reader_register(const char *name,
                                          otelc_metric_reader_factory make) {
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

static otelc_metric_reader_factory lookup(otelc__token name) {
  otelc_metric_reader_factory make = NULL;
  pthread_mutex_lock(&registry_mu);
  for (size_t i = 0; i < n_registered && !make; i++)
    if (otelc__token_eq(name, registry[i].name))
      make = registry[i].make;
  pthread_mutex_unlock(&registry_mu);
  return make;
}

static _Atomic bool warned_otlp;

/* Add the reader for exporter @p name to @p readers. */
static void add_reader(otelc__token name, otelc_metric_reader **readers,
                       size_t *n) {
  if (otelc__token_eq(name, "none"))
    return;
  otelc_metric_reader_factory make = lookup(name);
  if (make) {
    otelc_metric_reader *r = NULL;
    otelc_status st = make(&r);
    if (st == OTELC_OK && r)
      readers[(*n)++] = r;
    else
      otelc__warn("OTEL_METRICS_EXPORTER: the '%.*s' exporter could not be "
                  "created (%s); skipped",
                  (int)name.len, name.p, otelc_strerror(st));
    return;
  }
  if (otelc__token_eq(name, "otlp")) {
    if (!atomic_exchange(&warned_otlp, true))
      otelc__warn("OTEL_METRICS_EXPORTER: the 'otlp' exporter is not part "
                  "of this program (link otelc_otlp); metrics will not be "
                  "exported through it");
  } else {
    otelc__warn("OTEL_METRICS_EXPORTER: unknown exporter '%.*s' ignored",
                (int)name.len, name.p);
  }
}

otelc_status otelc_meter_provider_new_from_env(const char *default_exporter,
                                               otelc_meter_provider **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  otelc_metric_reader *readers[MAX_READERS];
  size_t n = 0;
  if (!otelc__env_bool("OTEL_SDK_DISABLED", false)) {
    const char *list = otelc__env_get("OTEL_METRICS_EXPORTER");
    if (!list)
      list = default_exporter ? default_exporter : "otlp";
    otelc__token toks[MAX_READERS];
    size_t found = otelc__split_list(list, toks, MAX_READERS);
    if (found > MAX_READERS) {
      otelc__warn("OTEL_METRICS_EXPORTER lists %zu exporters; only the "
                  "first %d are used",
                  found, MAX_READERS);
      found = MAX_READERS;
    }
    for (size_t i = 0; i < found; i++) {
      bool dup = false; /* each exporter once */
      for (size_t j = 0; j < i; j++)
        if (toks[j].len == toks[i].len &&
            strncasecmp(toks[j].p, toks[i].p, toks[i].len) == 0)
          dup = true;
      if (!dup)
        add_reader(toks[i], readers, &n);
    }
  }
  otelc_meter_provider_opts opts = {0};
  opts.readers = readers;
  opts.n_readers = n;
  return otelc_meter_provider_new(&opts, out);
}
