/* The periodic exporting reader: collects and exports every interval from
 * a background thread (or from the host's otelc_metric_reader_tick), with
 * exports that never overlap, a flush on request, a shutdown bounded by
 * its timeout even when the exporter hangs, and a thread restarted on
 * first use in a forked child. */
#include <time.h>

#include "common/env.h"
#include "metrics/metrics_internal.h"

typedef struct periodic {
  struct otelc_metric_reader base;
  otelc_metric_exporter *exporter;
  otelc_periodic_reader_opts o;

  pthread_mutex_t mu;        /* worker state below */
  pthread_cond_t wake;       /* to the worker */
  pthread_cond_t done;       /* to flushers and shutdown */
  pthread_mutex_t export_mu; /* one collect+export at a time */
  bool stop;
  bool thread_running;
  bool worker_exited;
  bool orphaned;       /* shutdown gave up waiting for the worker */
  bool free_requested; /* destroy was called while it still ran */
  uint64_t flush_req, flush_done;
  otelc_status flush_status;
  uint64_t stop_deadline;    /* monotonic ns */
  uint64_t next_export;      /* monotonic ns, manual mode */
  _Atomic unsigned fork_gen; /* fork generation the thread belongs to */
  pthread_t thread;
  struct otelc_meter_provider *held; /* kept alive while orphaned */
} periodic;

static uint32_t ms_until(uint64_t deadline) {
  uint64_t now = otelc__mono_ns();
  if (now >= deadline)
    return 0;
  uint64_t ms = (deadline - now) / 1000000ull;
  return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

static uint32_t min_u32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

/* --------------------------------------------------------------- export -- */

typedef struct export_job {
  periodic *pr;
  uint32_t timeout_ms;
  otelc_status st;
} export_job;

static void export_cb(const otelc_resource_metrics *data, void *arg) {
  export_job *j = arg;
  periodic *pr = j->pr;
  size_t points = 0;
  for (size_t i = 0; i < data->n_scopes; i++)
    for (size_t k = 0; k < data->scopes[i].n_metrics; k++)
      points += data->scopes[i].metrics[k].n_points;
  if (!points)
    return; /* nothing to send */
  otelc_status st =
      pr->exporter->ops.export_metrics(pr->exporter->self, data, j->timeout_ms);
  atomic_fetch_add(&pr->base.exports, 1);
  if (st == OTELC_OK) {
    atomic_fetch_add(&pr->base.points_exported, points);
  } else {
    atomic_fetch_add(&pr->base.export_failures, 1);
    atomic_fetch_add(&pr->base.points_failed, points);
    j->st = OTELC_ERR_EXPORT;
  }
}

/* Collect and export (then flush the exporter when asked). The caller
 * holds export_mu. */
static otelc_status export_once(periodic *pr, uint32_t timeout_ms, bool flush) {
  export_job j = {pr, timeout_ms, OTELC_OK};
  otelc_status st = OTELC_OK;
  if (timeout_ms) {
    st = otelc__reader_collect(&pr->base, export_cb, &j, timeout_ms, NULL);
    if (st == OTELC_OK)
      st = j.st;
    else if (st == OTELC_ERR_STATE)
      st = OTELC_OK; /* no provider: nothing to export */
  } else {
    st = OTELC_ERR_TIMEOUT;
  }
  /* The exporter is flushed even when time has run out. */
  if (flush && pr->exporter->ops.force_flush) {
    otelc_status f =
        pr->exporter->ops.force_flush(pr->exporter->self, timeout_ms);
    if (st == OTELC_OK && f != OTELC_OK)
      st = f;
  }
  return st;
}

static otelc_status shutdown_exporter(periodic *pr, uint32_t ms) {
  return pr->exporter->ops.shutdown
             ? pr->exporter->ops.shutdown(pr->exporter->self, ms)
             : OTELC_OK;
}

/* The last export and the exporter's shutdown, before @p deadline. */
static void final_export(periodic *pr, uint64_t deadline) {
  pthread_mutex_lock(&pr->export_mu);
  uint32_t left = ms_until(deadline);
  if (left)
    export_once(pr, min_u32(left, pr->o.timeout_ms), false);
  shutdown_exporter(pr, ms_until(deadline));
  pthread_mutex_unlock(&pr->export_mu);
}

/* --------------------------------------------------------------- worker -- */

static void free_periodic(periodic *pr) {
  otelc_metric_exporter_free(pr->exporter);
  otelc__reader_fini(&pr->base);
  pthread_mutex_destroy(&pr->mu);
  pthread_mutex_destroy(&pr->export_mu);
  pthread_cond_destroy(&pr->wake);
  pthread_cond_destroy(&pr->done);
  otelc__free(pr);
}

static void timed_wait(pthread_cond_t *c, pthread_mutex_t *m,
                       uint64_t deadline) {
  struct timespec ts = {(time_t)(deadline / 1000000000ull),
                        (long)(deadline % 1000000000ull)};
  pthread_cond_timedwait(c, m, &ts);
}

static void *worker(void *arg) {
  periodic *pr = arg;
  const uint64_t interval = otelc__ms_to_ns(pr->o.interval_ms);
  pthread_mutex_lock(&pr->mu);
  uint64_t next = otelc__mono_ns() + interval;
  while (!pr->stop) {
    uint64_t now = otelc__mono_ns();
    bool flush = pr->flush_req != pr->flush_done;
    if (flush || now >= next) {
      uint64_t target = pr->flush_req;
      pthread_mutex_unlock(&pr->mu);
      pthread_mutex_lock(&pr->export_mu);
      otelc_status st = export_once(pr, pr->o.timeout_ms, flush);
      pthread_mutex_unlock(&pr->export_mu);
      pthread_mutex_lock(&pr->mu);
      if (flush) {
        pr->flush_done = target;
        pr->flush_status = st;
        pthread_cond_broadcast(&pr->done);
      }
      if (now >= next) {
        /* Intervals run between the starts of exports. */
        next += interval;
        if (next <= otelc__mono_ns())
          next = otelc__mono_ns() + interval;
      }
      continue;
    }
    timed_wait(&pr->wake, &pr->mu, next);
  }
  uint64_t deadline = pr->stop_deadline;
  pthread_mutex_unlock(&pr->mu);

  final_export(pr, deadline);

  pthread_mutex_lock(&pr->mu);
  pr->worker_exited = true;
  bool orphan = pr->orphaned;
  bool free_now = orphan && pr->free_requested;
  struct otelc_meter_provider *held = pr->held;
  pthread_cond_broadcast(&pr->done);
  pthread_mutex_unlock(&pr->mu);
  if (held)
    otelc__mp_release(held); /* may free pr through its provider */
  else if (free_now)
    free_periodic(pr);
  return NULL;
}

static otelc_status start_worker(periodic *pr) {
  atomic_store(&pr->fork_gen, atomic_load(&otelc__fork_generation));
  if (pr->o.manual_tick)
    return OTELC_OK;
  pr->worker_exited = false;
  pr->stop = false;
  if (pthread_create(&pr->thread, NULL, worker, pr) != 0) {
    otelc__error("could not start the metric export thread");
    return OTELC_ERR_IO;
  }
  pr->thread_running = true;
  return OTELC_OK;
}

static void restart_after_fork(periodic *pr) {
  pthread_mutex_lock(&pr->mu);
  if (atomic_load(&pr->fork_gen) != atomic_load(&otelc__fork_generation) &&
      !pr->stop && !atomic_load(&pr->base.shut))
    start_worker(pr);
  pthread_mutex_unlock(&pr->mu);
}

/* --------------------------------------------------------------- reader -- */

static otelc_status periodic_flush(struct otelc_metric_reader *r, uint32_t ms) {
  periodic *pr = (periodic *)r;
  uint64_t deadline = otelc__mono_ns() + otelc__ms_to_ns(ms);
  if (atomic_load(&pr->fork_gen) != atomic_load(&otelc__fork_generation))
    restart_after_fork(pr);
  pthread_mutex_lock(&pr->mu);
  bool threaded = pr->thread_running;
  pthread_mutex_unlock(&pr->mu);
  if (!threaded) {
    /* The caller's thread does the work. */
    pthread_mutex_lock(&pr->export_mu);
    otelc_status st = export_once(pr, min_u32(ms, pr->o.timeout_ms), true);
    pthread_mutex_unlock(&pr->export_mu);
    return st;
  }
  pthread_mutex_lock(&pr->mu);
  uint64_t mine = ++pr->flush_req;
  pthread_cond_signal(&pr->wake);
  while (pr->flush_done < mine && !pr->worker_exited &&
         otelc__mono_ns() < deadline)
    timed_wait(&pr->done, &pr->mu, deadline);
  otelc_status st =
      pr->flush_done >= mine ? pr->flush_status : OTELC_ERR_TIMEOUT;
  pthread_mutex_unlock(&pr->mu);
  return st;
}

static otelc_status periodic_tick(struct otelc_metric_reader *r) {
  periodic *pr = (periodic *)r;
  if (!pr->o.manual_tick)
    return OTELC_OK;
  uint64_t now = otelc__mono_ns();
  if (pthread_mutex_trylock(&pr->export_mu) != 0)
    return OTELC_OK; /* another thread is exporting */
  otelc_status st = OTELC_OK;
  if (now >= pr->next_export) {
    st = export_once(pr, pr->o.timeout_ms, false);
    pr->next_export = now + otelc__ms_to_ns(pr->o.interval_ms);
  }
  pthread_mutex_unlock(&pr->export_mu);
  return st == OTELC_OK ? OTELC_OK : OTELC_ERR_EXPORT;
}

static otelc_status periodic_shutdown(struct otelc_metric_reader *r,
                                      uint32_t ms) {
  periodic *pr = (periodic *)r;
  uint64_t deadline = otelc__mono_ns() + otelc__ms_to_ns(ms);
  pthread_mutex_lock(&pr->mu);
  if (!pr->thread_running) {
    pr->stop = true;
    pthread_mutex_unlock(&pr->mu);
    final_export(pr, deadline);
    return OTELC_OK;
  }
  pr->stop = true;
  pr->stop_deadline = deadline;
  pthread_cond_signal(&pr->wake);
  while (!pr->worker_exited && otelc__mono_ns() < deadline)
    timed_wait(&pr->done, &pr->mu, deadline);
  bool exited = pr->worker_exited;
  if (!exited) {
    pr->orphaned = true;
    /* The export in progress may still read the provider's data. */
    struct otelc_meter_provider *p = atomic_load(&pr->base.prov);
    if (p) {
      atomic_fetch_add(&p->refs, 1);
      pr->held = p;
    }
  }
  pr->thread_running = false;
  pthread_mutex_unlock(&pr->mu);
  if (exited) {
    pthread_join(pr->thread, NULL);
    return OTELC_OK;
  }
  otelc__warn("metric exporter did not finish within %u ms; abandoned", ms);
  pthread_detach(pr->thread);
  return OTELC_ERR_TIMEOUT;
}

static void periodic_after_fork(struct otelc_metric_reader *r) {
  restart_after_fork((periodic *)r);
}

static void periodic_destroy(struct otelc_metric_reader *r) {
  periodic *pr = (periodic *)r;
  otelc__fork_unregister(pr);
  pthread_mutex_lock(&pr->mu);
  pr->free_requested = true;
  bool alive = pr->orphaned && !pr->worker_exited;
  pthread_mutex_unlock(&pr->mu);
  if (!alive)
    free_periodic(pr);
  /* else the abandoned export thread frees the reader when it returns */
}

static const otelc__reader_vtbl periodic_vt = {
    periodic_flush, periodic_shutdown, periodic_tick, periodic_after_fork,
    periodic_destroy};

/* ----------------------------------------------------------------- fork -- */

static void init_sync(periodic *pr) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&pr->wake, &ca);
  pthread_cond_init(&pr->done, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&pr->mu, NULL);
  pthread_mutex_init(&pr->export_mu, NULL);
}

static void fork_prepare(void *arg) {
  periodic *pr = arg;
  pthread_mutex_lock(&pr->mu);
}

static void fork_parent(void *arg) {
  periodic *pr = arg;
  pthread_mutex_unlock(&pr->mu);
}

static void fork_child(void *arg) {
  periodic *pr = arg;
  /* The export thread does not exist here; it starts again on first
   * use. A collection the fork interrupted is simply redone. */
  init_sync(pr);
  pthread_mutex_init(&pr->base.collect_mu, NULL);
  pr->thread_running = false;
  pr->worker_exited = false;
  pr->flush_done = pr->flush_req;
}

/* --------------------------------------------------------------- create -- */

void otelc_periodic_reader_opts_from_env(otelc_periodic_reader_opts *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  out->interval_ms =
      otelc__env_duration_ms("OTEL_METRIC_EXPORT_INTERVAL", 60000);
  if (out->interval_ms == 0) {
    otelc__warn("invalid value '0' for OTEL_METRIC_EXPORT_INTERVAL (an "
                "export interval must be positive); using the default "
                "60000");
    out->interval_ms = 60000;
  }
  out->timeout_ms = otelc__env_timeout_ms("OTEL_METRIC_EXPORT_TIMEOUT", 30000);
}

otelc_status otelc_periodic_reader_new(otelc_metric_exporter *exporter,
                                       const otelc_periodic_reader_opts *opts,
                                       otelc_metric_reader **out) {
  if (!exporter || !out) {
    otelc_metric_exporter_free(exporter);
    return OTELC_ERR_INVALID_ARG;
  }
  *out = NULL;
  otelc_periodic_reader_opts o = opts ? *opts : (otelc_periodic_reader_opts){0};
  if (!o.interval_ms)
    o.interval_ms = 60000;
  if (!o.timeout_ms)
    o.timeout_ms = 30000;
  periodic *pr = otelc__calloc(1, sizeof *pr);
  if (!pr) {
    otelc_metric_exporter_free(exporter);
    return OTELC_ERR_NOMEM;
  }
  otelc__reader_init(&pr->base, &periodic_vt, &exporter->prefs);
  pr->exporter = exporter;
  pr->o = o;
  init_sync(pr);
  pr->next_export = otelc__mono_ns() + otelc__ms_to_ns(o.interval_ms);
  otelc_status st = start_worker(pr);
  if (st != OTELC_OK) {
    free_periodic(pr);
    return st;
  }
  static const otelc__fork_hooks hooks = {fork_prepare, fork_parent,
                                          fork_child};
  otelc__fork_register(&hooks, pr);
  *out = &pr->base;
  return OTELC_OK;
}
