/*
 * The OTLP transport shared by the module's exporters (spans, metrics,
 * logs):
 * one libcurl easy handle per exporter, reused by every export so that
 * the connection is kept alive between batches, and the export loop. An
 * export has the exporter encode its data into the transport's body,
 * compresses or frames it (otlp_http.c), and sends it until one attempt
 * succeeds, an answer says not to retry, or the export's deadline would
 * pass:
 *
 *   deadline = start + min(timeout given by the caller, configured
 *                          timeout)
 *
 * Each attempt is given the time left as its libcurl timeout. Between
 * attempts the transport waits the backoff delay, or what Retry-After
 * (or, over gRPC, a RetryInfo) asked for, on a condition variable that
 * shutdown signals; a wait that would end past the deadline is not
 * started, the export fails at once.
 *
 * libcurl's global state is initialised once per process, with
 * curl_global_init(CURL_GLOBAL_DEFAULT) under a pthread_once, when the
 * first transport is created, and never cleaned up (other parts of the
 * program may use libcurl too). A program that calls curl_global_init
 * itself should do so before creating an exporter from another thread,
 * as libcurl asks.
 *
 * After fork() the child leaves the inherited handle alone (cleaning it
 * up could close a TLS session its parent still uses) and opens a
 * connection of its own.
 *
 * Thread safety: one export at a time per transport (the callers'
 * contract); shutdown, the stats and the registry are safe from any
 * thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "otelc/version.h"
#include "otlp_transport.h"

/* A warning for a failure like the last one warned about is repeated at
 * most this often; the others go to the debug level. */
#define REWARN_NS (60ull * 1000000000ull)

/* ------------------------------------------------------------ registry -- */

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static otelc__otlp_transport *registry;

void otelc__otlp_registry_add(otelc__otlp_transport *t, const void *handle) {
  pthread_mutex_lock(&registry_mu);
  t->handle = handle;
  t->next = registry;
  registry = t;
  pthread_mutex_unlock(&registry_mu);
}

static void registry_remove(otelc__otlp_transport *t) {
  pthread_mutex_lock(&registry_mu);
  for (otelc__otlp_transport **p = &registry; *p; p = &(*p)->next) {
    if (*p == t) {
      *p = t->next;
      break;
    }
  }
  pthread_mutex_unlock(&registry_mu);
}

/* The caller holds registry_mu. */
static otelc__otlp_transport *find_locked(const void *handle,
                                          const otelc__otlp_signal *sig) {
  for (otelc__otlp_transport *t = registry; t; t = t->next)
    if (t->handle == handle && t->cfg.signal == sig)
      return t;
  return NULL;
}

otelc__otlp_transport *
otelc__otlp_registry_find(const void *handle, const otelc__otlp_signal *sig) {
  if (!handle)
    return NULL;
  pthread_mutex_lock(&registry_mu);
  otelc__otlp_transport *t = find_locked(handle, sig);
  pthread_mutex_unlock(&registry_mu);
  return t;
}

void otelc__otlp_registry_stats(const void *handle,
                                const otelc__otlp_signal *sig,
                                otelc_otlp_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (!handle)
    return;
  pthread_mutex_lock(&registry_mu);
  otelc__otlp_transport *t = find_locked(handle, sig);
  if (t) {
    out->exports = atomic_load(&t->exports);
    out->attempts = atomic_load(&t->attempts);
    out->succeeded = atomic_load(&t->succeeded);
    out->failed = atomic_load(&t->failed);
    out->rejected_spans = atomic_load(&t->rejected);
    out->last_http_status = atomic_load(&t->last_http_status);
  }
  pthread_mutex_unlock(&registry_mu);
}

/* ---------------------------------------------------------------- time -- */

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: enough for jitter. */
static uint64_t next_random(otelc__otlp_transport *t) {
  uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Wait @p ms unless shut down first; false when shut down. */
static bool wait_ms(otelc__otlp_transport *t, uint64_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t ns = (uint64_t)ts.tv_nsec + (ms % 1000u) * 1000000ull;
  ts.tv_sec += (time_t)(ms / 1000u + ns / 1000000000ull);
  ts.tv_nsec = (long)(ns % 1000000000ull);
  pthread_mutex_lock(&t->mu);
  while (!atomic_load(&t->shut)) {
    if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT)
      break;
  }
  bool ok = !atomic_load(&t->shut);
  pthread_mutex_unlock(&t->mu);
  return ok;
}

/* ------------------------------------------------------------- logging -- */

/* A failure: warned about when it differs from the last warning or that
 * one is old; otherwise logged at the debug level. */
OTELC_PRINTF(3, 4)
static void log_failure(otelc__otlp_transport *t, long kind, const char *fmt,
                        ...) {
  uint64_t now = mono_ns();
  otelc_log_level level = OTELC_LOG_DEBUG;
  if (kind != t->last_warned_kind || t->last_warned_ns == 0 ||
      now - t->last_warned_ns >= REWARN_NS) {
    level = OTELC_LOG_WARN;
    t->last_warned_kind = kind;
    t->last_warned_ns = now;
  }
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  otelc_diag_log(level, "%s", buf);
}

/* -------------------------------------------------------------- export -- */

/* The handle belongs to another process after fork(): leave it (and its
 * connection) alone and make a new one. */
static bool own_handle(otelc__otlp_transport *t) {
  pid_t pid = getpid();
  if (t->curl && t->pid == pid)
    return true;
  if (t->curl)
    t->inherited = t->curl;
  t->curl = otelc__otlp_make_handle(t);
  t->pid = pid;
  return t->curl != NULL;
}

/* The attempts of one export, until one succeeds or the export fails
 * (logged and counted here). */
static otelc_status send_loop(otelc__otlp_transport *t, const uint8_t *data,
                              size_t len, size_t n_items, uint64_t start,
                              uint64_t deadline) {
  const char *items = t->cfg.signal->items;
  char why[512] = "no time for an attempt";
  /* The reason of the last attempt that ran its course: when the last
   * one is only cut short by the deadline, this says what went wrong. */
  char prev_why[512] = "";
  long prev_kind = 0;
  long kind = 0;
  unsigned tries = 0;
  const char *stop;
  otelc_status st = OTELC_ERR_EXPORT;
  for (;;) {
    uint64_t now = mono_ns();
    if (now >= deadline) {
      stop = "the export timeout ran out";
      st = OTELC_ERR_TIMEOUT;
      break;
    }
    otelc__otlp_outcome o =
        otelc__otlp_attempt(t, data, len, (deadline - now + 999999) / 1000000,
                            why, sizeof why, &kind);
    tries++;
    if (o == OTELC__OTLP_DONE) {
      atomic_fetch_add(&t->succeeded, 1);
      if (t->failed_in_row) {
        otelc_diag_log(OTELC_LOG_INFO,
                       "OTLP exports to %s succeed again (%" PRIu64
                       " failed before)",
                       t->url_log, t->failed_in_row);
        t->failed_in_row = 0;
        t->last_warned_kind = 0;
        t->last_warned_ns = 0;
      }
      return OTELC_OK;
    }
    if (o == OTELC__OTLP_GIVE_UP) {
      stop = NULL;
      break;
    }
    if (kind == -(long)CURLE_OPERATION_TIMEDOUT && prev_why[0] &&
        prev_kind != kind) {
      /* Cut short by the deadline: keep the earlier, telling reason. */
      snprintf(why, sizeof why, "%.440s (the last attempt then ran out of "
                                "time)",
               prev_why);
      kind = prev_kind;
    } else {
      memcpy(prev_why, why, sizeof prev_why);
      prev_kind = kind;
    }
    if (atomic_load(&t->shut)) {
      stop = "the exporter is shut down";
      st = OTELC_ERR_SHUTDOWN;
      break;
    }
    const char *asked;
    uint64_t delay =
        otelc__otlp_next_delay_ms(t, tries - 1, next_random(t), &asked);
    now = mono_ns();
    if (now >= deadline || delay * 1000000ull >= deadline - now) {
      stop = !asked        ? "the export timeout ran out"
             : t->cfg.grpc ? "RetryInfo asks to wait past the export timeout"
                           : "Retry-After asks to wait past the export timeout";
      st = OTELC_ERR_TIMEOUT;
      break;
    }
    otelc_diag_log(OTELC_LOG_DEBUG,
                   "OTLP export to %s: attempt %u failed: %s; next attempt "
                   "in %" PRIu64 " ms%s%s%s",
                   t->url_log, tries, why, delay, asked ? " (" : "",
                   asked ? asked : "", asked ? ")" : "");
    if (!wait_ms(t, delay)) {
      stop = "the exporter is shut down";
      st = OTELC_ERR_SHUTDOWN;
      break;
    }
  }
  atomic_fetch_add(&t->failed, 1);
  t->failed_in_row++;
  log_failure(t, kind,
              "OTLP export of %zu %s to %s failed after %u attempt%s in "
              "%" PRIu64 " ms: %s%s%s; the %s are dropped",
              n_items, items, t->url_log, tries, tries == 1 ? "" : "s",
              (uint64_t)((mono_ns() - start) / 1000000u), why, stop ? "; " : "",
              stop ? stop : "", items);
  return st;
}

otelc_status otelc__otlp_transport_export(otelc__otlp_transport *t,
                                          otelc__otlp_encode_fn encode,
                                          const void *items, size_t n_items,
                                          uint32_t timeout_ms) {
  if (atomic_load(&t->shut))
    return OTELC_ERR_SHUTDOWN;
  atomic_fetch_add(&t->exports, 1);
  if (n_items == 0) {
    atomic_fetch_add(&t->succeeded, 1);
    return OTELC_OK;
  }
  uint64_t start = mono_ns();
  uint32_t limit =
      timeout_ms < t->cfg.timeout_ms ? timeout_ms : t->cfg.timeout_ms;
  uint64_t deadline = start + (uint64_t)limit * 1000000ull;

  const uint8_t *data = NULL;
  size_t len = 0;
  otelc_status st = encode(items, t->cfg.json, &t->body);
  if (st == OTELC_OK)
    st = otelc__otlp_request_body(t, &data, &len);
  if (st == OTELC_OK && !own_handle(t))
    st = OTELC_ERR_NOMEM;
  if (st != OTELC_OK) {
    atomic_fetch_add(&t->failed, 1);
    const char *what = t->cfg.signal->items;
    log_failure(t, -1000 - (long)st,
                "OTLP export of %zu %s to %s failed before sending: %s; "
                "the %s are dropped",
                n_items, what, t->url_log,
                st == OTELC_ERR_LIMIT ? "the request would pass 64 MiB"
                                      : otelc_strerror(st),
                what);
    return st;
  }
  return send_loop(t, data, len, n_items, start, deadline);
}

void otelc__otlp_transport_shutdown(otelc__otlp_transport *t) {
  pthread_mutex_lock(&t->mu);
  atomic_store(&t->shut, true);
  pthread_cond_broadcast(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

/* ------------------------------------------------------ creation, end -- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void) {
  curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void otelc__otlp_transport_free(otelc__otlp_transport *t) {
  if (!t)
    return;
  registry_remove(t);
  otelc__otlp_http_free(t);
  otelc__otlp_config_free(&t->cfg);
  pthread_cond_destroy(&t->cv);
  pthread_mutex_destroy(&t->mu);
  otelc__free(t);
}

static bool init_sync(otelc__otlp_transport *t) {
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca) != 0)
    return false;
  bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&t->cv, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!ok)
    return false;
  if (pthread_mutex_init(&t->mu, NULL) != 0) {
    pthread_cond_destroy(&t->cv);
    return false;
  }
  return true;
}

otelc_status otelc__otlp_transport_new(const otelc__otlp_signal *sig,
                                       const otelc_otlp_opts *opts,
                                       otelc__otlp_transport **out) {
  *out = NULL;
  otelc__otlp_transport *t = otelc__calloc(1, sizeof *t);
  if (!t)
    return OTELC_ERR_NOMEM;
  if (!init_sync(t)) {
    otelc__free(t);
    return OTELC_ERR_NOMEM;
  }
  otelc_status st = otelc__otlp_config_resolve(sig, opts, &t->cfg);
  if (st == OTELC_OK) {
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK) {
      otelc_diag_log(OTELC_LOG_ERROR,
                     "OTLP exporter: libcurl could not be initialised: %s",
                     curl_easy_strerror(curl_init_result));
      st = OTELC_ERR_IO;
    }
  }
  if (st == OTELC_OK) {
    otelc__otlp_url_for_log(t->cfg.url, t->url_log, sizeof t->url_log);
    snprintf(t->user_agent, sizeof t->user_agent, "OTel-OTLP-Exporter-C/%s",
             otelc_version());
    t->rng = mono_ns() ^ (uint64_t)(uintptr_t)t ^ (uint64_t)getpid() << 32;
    st = otelc__otlp_build_headers(t);
  }
  if (st == OTELC_OK) {
    t->pid = getpid();
    t->curl = otelc__otlp_make_handle(t);
    if (!t->curl)
      st = OTELC_ERR_IO;
  }
  if (st != OTELC_OK) {
    otelc__otlp_transport_free(t);
    return st;
  }
  otelc_diag_log(OTELC_LOG_DEBUG,
                 "OTLP exporter: %s %s (from %s), compression %s, timeout "
                 "%" PRIu32 " ms, %zu extra header%s",
                 t->cfg.grpc   ? "grpc"
                 : t->cfg.json ? "http/json"
                               : "http/protobuf",
                 t->url_log, t->cfg.url_from, t->cfg.gzip ? "gzip" : "none",
                 t->cfg.timeout_ms, t->cfg.n_headers,
                 t->cfg.n_headers == 1 ? "" : "s");
  *out = t;
  return OTELC_OK;
}
