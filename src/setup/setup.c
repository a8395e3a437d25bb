/*
 * otelc_setup and otelc_shutdown: the providers of the three signals and
 * the propagator, made from the configuration overlay and the environment
 * and installed as the global ones; and their bounded shutdown.
 *
 * Lifetimes. What instrumented code may still hold after otelc_shutdown
 * must stay valid memory:
 *  - tracers and loggers handed out are the global proxies of the trace
 *    and logs SDKs, which follow the global provider: the tracer and
 *    logger providers are freed by otelc_shutdown once unset;
 *  - meters and instruments belong to their meter provider, so a meter
 *    provider, once shut down, is kept (as a no-op) until the process
 *    ends;
 *  - the propagator, the overlay table and the service name, which other
 *    threads read without a lock, are kept for one more set-up cycle and
 *    freed by the next otelc_shutdown (the service name stays published
 *    until the next otelc_setup replaces it).
 * Every set-up cycle thus keeps one shut-down meter provider (its
 * instruments and series; its threads are gone).
 */
#include <pthread.h>

#include "setup/setup_internal.h"

#define DEFAULT_SHUTDOWN_MS 5000u

_Atomic unsigned otelc__setup_gen = 1;

/* The service name of the last otelc_setup (NULL before the first); the
 * string belongs to that set-up's "installed" record. */
static _Atomic(const char *) service_name;

const char *otelc__setup_service_name(void) {
  return atomic_load_explicit(&service_name, memory_order_acquire);
}

/* What one otelc_setup made. */
typedef struct installed {
  otelc_tracer_provider *tp;
  otelc_meter_provider *mp;
  otelc_logger_provider *lp;
  otelc_propagator *prop;
  otelc__config *cfg;
  char *service; /* service.name of the resource */
} installed;

/* Shut-down meter providers, kept until the process ends. */
typedef struct kept_meter {
  struct kept_meter *next;
  otelc_meter_provider *mp;
} kept_meter;

static pthread_mutex_t setup_mu = PTHREAD_MUTEX_INITIALIZER;
static bool active;            /* under setup_mu */
static installed cur;          /* under setup_mu */
static installed retired;      /* propagator and overlay of the last cycle */
static kept_meter *kept;       /* under setup_mu */
static uint32_t shutdown_ms;   /* under setup_mu */
static bool atexit_registered; /* under setup_mu */

static void bump_generation(void) {
  atomic_fetch_add_explicit(&otelc__setup_gen, 1, memory_order_acq_rel);
}

/* Free everything of @p in (nothing is global any more). */
static void free_installed(installed *in) {
  otelc_tracer_provider_free(in->tp);
  otelc_logger_provider_free(in->lp);
  otelc_meter_provider_free(in->mp);
  otelc_propagator_free(in->prop);
  otelc__config_free(in->cfg);
  otelc__free(in->service);
  *in = (installed){0};
}

static void at_exit(void) {
  otelc_shutdown();
}

/* A provider that could not be made: out of memory fails the set-up;
 * anything else leaves that signal off, with a warning. */
static bool provider_failed(otelc_status st, const char *what) {
  if (st == OTELC_OK)
    return false;
  if (st != OTELC_ERR_NOMEM)
    otelc__warn("otelc_setup: the %s provider could not be created (%s); "
                "%s are not recorded",
                what, otelc_strerror(st), what);
  return st == OTELC_ERR_NOMEM;
}

/* The convenience functions' settings. Their human-readable line is left
 * out when the console log exporter already prints every record (with
 * the same ids) as it is emitted. */
static void configure_logging(const otelc_setup_opts *o) {
  int min = o ? o->log_min_severity : 0;
  bool line = !(o && o->no_log_console_line) &&
              !otelc__config_list_has("OTEL_LOGS_EXPORTER", "console");
  otelc_log_configure(
      &(otelc_log_settings){.min_severity = min, .no_console_line = !line});
  otelc__telemetry_log_settings(min, line);
}

static otelc_status make_providers(installed *in) {
  otelc_status st = otelc_tracer_provider_new_from_env("console", &in->tp);
  if (provider_failed(st, "tracer"))
    return st;
  st = otelc_meter_provider_new_from_env("console", &in->mp);
  if (provider_failed(st, "meter"))
    return st;
  st = otelc_logger_provider_new_from_env("console", &in->lp);
  if (provider_failed(st, "logger"))
    return st;
  in->prop = otelc_propagator_from_env();
  if (!in->prop)
    return OTELC_ERR_NOMEM;
  const otelc_value *v =
      in->tp ? otelc_resource_get(otelc_tracer_provider_resource(in->tp),
                                  "service.name")
             : NULL;
  if (v && v->type == OTELC_VALUE_STRING && v->u.str) {
    in->service = otelc__strndup(v->u.str, otelc__value_strlen(v));
    if (!in->service)
      return OTELC_ERR_NOMEM;
  }
  return OTELC_OK;
}

otelc_status otelc_setup(const otelc_setup_opts *opts) {
  pthread_mutex_lock(&setup_mu);
  if (active) {
    pthread_mutex_unlock(&setup_mu);
    otelc__warn("otelc_setup: already set up; call otelc_shutdown first");
    return OTELC_ERR_STATE;
  }
  installed in = {0};
  otelc_status st = otelc__config_install(opts);
  if (st == OTELC_OK)
    st = make_providers(&in);
  if (st != OTELC_OK) {
    in.cfg = otelc__config_take();
    free_installed(&in);
    pthread_mutex_unlock(&setup_mu);
    return st;
  }
  configure_logging(opts);
  otelc_tracer_provider_set_global(in.tp);
  otelc_meter_provider_set_global(in.mp);
  otelc_logger_provider_set_global(in.lp);
  otelc_propagator_set_global(in.prop);
  /* The name it replaces stays readable: see otelc_shutdown. */
  atomic_store_explicit(&service_name, in.service, memory_order_release);
  bump_generation();
  cur = in;
  shutdown_ms = opts && opts->shutdown_timeout_ms ? opts->shutdown_timeout_ms
                                                  : DEFAULT_SHUTDOWN_MS;
  active = true;
  if (opts && opts->shutdown_at_exit && !atexit_registered)
    atexit_registered = atexit(at_exit) == 0;
  pthread_mutex_unlock(&setup_mu);
  return OTELC_OK;
}

/* ------------------------------------------------------------ shutdown -- */

static uint32_t ms_left(uint64_t deadline) {
  uint64_t now = otelc__mono_ns();
  return now >= deadline ? 0 : (uint32_t)((deadline - now) / 1000000u);
}

static otelc_status worse(otelc_status a, otelc_status b) {
  if (a == OTELC_ERR_TIMEOUT || b == OTELC_ERR_TIMEOUT)
    return OTELC_ERR_TIMEOUT;
  return a != OTELC_OK ? a : b;
}

/* Shut the three providers down in turn, traces, logs, then metrics (so
 * that the last collection sees the end of the others), within @p ms
 * overall: each gets an equal share of the time still left, so a signal
 * that finishes early leaves its time to the next ones and one that hangs
 * cannot take theirs. */
static otelc_status shutdown_signals(const installed *in, uint32_t ms) {
  uint64_t deadline = otelc__mono_ns() + (uint64_t)ms * 1000000u;
  otelc_status rc = OTELC_OK;
  int left = 3;
  if (in->tp)
    rc = worse(
        rc, otelc_tracer_provider_shutdown(in->tp, ms_left(deadline) / left));
  left--;
  if (in->lp)
    rc = worse(
        rc, otelc_logger_provider_shutdown(in->lp, ms_left(deadline) / left));
  left--;
  if (in->mp)
    rc = worse(rc,
               otelc_meter_provider_shutdown(in->mp, ms_left(deadline) / left));
  return rc == OTELC_ERR_SHUTDOWN ? OTELC_OK : rc;
}

otelc_status otelc_shutdown(void) {
  pthread_mutex_lock(&setup_mu);
  if (!active) {
    pthread_mutex_unlock(&setup_mu);
    return OTELC_OK;
  }
  installed in = cur;
  cur = (installed){0};
  active = false;
  otelc_status rc = shutdown_signals(&in, shutdown_ms);

  /* Unset the globals, then tell the handles. */
  otelc_tracer_provider_set_global(NULL);
  otelc_meter_provider_set_global(NULL);
  otelc_logger_provider_set_global(NULL);
  otelc_propagator_set_global(NULL);
  in.cfg = otelc__config_take();
  bump_generation();

  kept_meter *k = in.mp ? otelc__malloc(sizeof *k) : NULL;
  if (k) {
    k->mp = in.mp;
    k->next = kept;
    kept = k;
  } else if (in.mp) {
    /* Keeping it needs 16 bytes that are not there: leak the provider
     * rather than free instruments that may still be in use. */
    otelc__warn("otelc_shutdown: out of memory; a meter provider is kept "
                "unreferenced");
  }
  in.mp = NULL;
  otelc_tracer_provider_free(in.tp);
  otelc_logger_provider_free(in.lp);
  in.tp = NULL;
  in.lp = NULL;
  free_installed(&retired);
  retired = in;
  pthread_mutex_unlock(&setup_mu);
  return rc;
}
