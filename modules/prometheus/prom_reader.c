/*
 * The Prometheus reader: a pull reader of the metrics SDK whose owner is
 * the HTTP endpoint. Every scrape collects (cumulative) and writes the
 * text format into a buffer of the server's pool. Loading the library
 * registers "prometheus" for OTEL_METRICS_EXPORTER.
 *
 * Thread safety: scrapes run on the server's threads and may overlap (the
 * SDK serialises collections of one reader); the registry that maps
 * readers to endpoints is guarded by a mutex.
 */
#include <pthread.h>

#include "common/internal.h"
#include "otelc/prometheus.h"
#include "prom_module.h"

typedef struct prom_reader {
  otelc__prom_server *srv;
  _Atomic(otelc_metric_reader *) reader; /* set once the SDK made it */
  otelc_prometheus_opts write_opts;      /* the without_* fields */
  struct prom_reader *next;              /* in the registry */
} prom_reader;

/* -------------------------------------------------------------- registry -- */

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static prom_reader *registry;

static void registry_add(prom_reader *pr) {
  pthread_mutex_lock(&registry_mu);
  pr->next = registry;
  registry = pr;
  pthread_mutex_unlock(&registry_mu);
}

static void registry_remove(prom_reader *pr) {
  pthread_mutex_lock(&registry_mu);
  for (prom_reader **pp = &registry; *pp; pp = &(*pp)->next) {
    if (*pp == pr) {
      *pp = pr->next;
      break;
    }
  }
  pthread_mutex_unlock(&registry_mu);
}

uint16_t otelc_prometheus_reader_port(const otelc_metric_reader *r) {
  uint16_t port = 0;
  if (!r)
    return 0;
  pthread_mutex_lock(&registry_mu);
  for (prom_reader *pr = registry; pr; pr = pr->next) {
    if (atomic_load(&pr->reader) == r) {
      port = otelc__prom_server_port(pr->srv);
      break;
    }
  }
  pthread_mutex_unlock(&registry_mu);
  return port;
}

/* ------------------------------------------------------------- scrapes -- */

typedef struct scrape_job {
  const prom_reader *pr;
  otelc_otlp_buffer *out;
  otelc_status status;
  bool called;
} scrape_job;

static void on_collect(const otelc_resource_metrics *data, void *user_data) {
  scrape_job *job = user_data;
  job->called = true;
  job->status = otelc_prometheus_write(data, &job->pr->write_opts, job->out);
}

/* The server's callback: one collection written as text into @p out. */
static otelc_status scrape(void *ctx, otelc_otlp_buffer *out,
                           uint32_t timeout_ms) {
  prom_reader *pr = ctx;
  otelc_metric_reader *r = atomic_load(&pr->reader);
  if (!r)
    return OTELC_ERR_STATE; /* not made yet */
  scrape_job job = {pr, out, OTELC_OK, false};
  otelc_status st =
      otelc_metric_reader_collect(r, on_collect, &job, timeout_ms);
  if (st != OTELC_OK)
    return st;
  return job.called ? job.status : OTELC_ERR_STATE;
}

/* ------------------------------------------------------- reader hooks -- */

static otelc_status reader_shutdown(void *self, uint32_t timeout_ms) {
  prom_reader *pr = self;
  otelc__prom_server_stop(pr->srv, timeout_ms);
  return OTELC_OK;
}

static void reader_destroy(void *self) {
  prom_reader *pr = self;
  registry_remove(pr);
  otelc__prom_server_free(pr->srv);
  otelc__free(pr);
}

static const otelc_pull_reader_ops READER_OPS = {reader_shutdown,
                                                 reader_destroy};

otelc_status otelc_prometheus_reader_new(const otelc_prometheus_opts *opts,
                                         otelc_metric_reader **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  otelc__prom_config cfg;
  otelc_status st = otelc__prom_config_resolve(opts, &cfg);
  if (st != OTELC_OK) {
    otelc_diag_log(OTELC_LOG_ERROR,
                   "Prometheus endpoint: invalid options (host or port)");
    return st;
  }
  prom_reader *pr = otelc__calloc(1, sizeof *pr);
  if (!pr)
    return OTELC_ERR_NOMEM;
  if (opts) {
    pr->write_opts.without_scope_labels = opts->without_scope_labels;
    pr->write_opts.without_target_info = opts->without_target_info;
    pr->write_opts.without_suffixes = opts->without_suffixes;
  }
  st = otelc__prom_server_start(&cfg, scrape, pr, &pr->srv);
  if (st != OTELC_OK) {
    otelc__free(pr);
    return st;
  }
  otelc_metric_reader *r = NULL;
  /* NULL prefs: cumulative for every kind, as Prometheus needs. */
  st = otelc_pull_reader_new(&READER_OPS, pr, NULL, &r);
  if (st != OTELC_OK)
    return st; /* pr was destroyed */
  atomic_store(&pr->reader, r);
  registry_add(pr);
  otelc_diag_log(OTELC_LOG_DEBUG,
                 "Prometheus endpoint: http://%s%s%s:%u%s (host from %s, "
                 "port from %s)",
                 strchr(cfg.host, ':') ? "[" : "", cfg.host,
                 strchr(cfg.host, ':') ? "]" : "",
                 (unsigned)otelc__prom_server_port(pr->srv), OTELC__PROM_PATH,
                 cfg.host_from, cfg.port_from);
  *out = r;
  return OTELC_OK;
}

/* ------------------------------------------------------- registration -- */

static otelc_status prometheus_factory(otelc_metric_reader **out) {
  return otelc_prometheus_reader_new(NULL, out);
}

/* Loading the library makes "prometheus" usable in OTEL_METRICS_EXPORTER.
 * libotelc, which this library links, is initialised first. */
__attribute__((constructor)) static void prometheus_register(void) {
  otelc_metric_reader_register("prometheus", prometheus_factory);
}
