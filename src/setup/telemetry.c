/*
 * Per-component handles: a component's tracer, meter and logger, and its
 * instruments by name.
 *
 * Handles live as long as the process, in a list that only grows: a
 * lookup walks it without a lock, creation takes one lock and publishes
 * the new handle with a release store.
 *
 * Tracers and loggers are the global proxies of their SDKs, which follow
 * whatever provider is global. A meter and its instruments belong to one
 * meter provider, so they are kept per set-up generation: an "era" holds
 * the meter and the instruments made from it while otelc__setup_gen has
 * one value. The first use after otelc_setup or otelc_shutdown changed
 * it makes a new era from the current global meter provider (a no-op
 * meter when there is none). Eras are never freed (an instrument pointer
 * handed out may still be used; its provider is kept by setup.c), and
 * they are read without a lock: an era's fields are written before it is
 * published, and its instrument list only grows.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "common/textbuf.h"

#include "otelc/logs.h"
#include "otelc/metrics.h"
#include "setup/setup_internal.h"

typedef struct inst_entry {
  struct inst_entry *next; /* immutable once published */
  otelc_instrument_kind kind;
  char *name;
  char *unit; /* "" when none */
  void *inst;
} inst_entry;

typedef struct era {
  unsigned gen;
  otelc_meter *meter;
  _Atomic(inst_entry *) insts;
  struct era *older;
} era;

struct otelc_telemetry {
  struct otelc_telemetry *next; /* immutable once published */
  char *name;
  otelc_tracer *tracer;
  _Atomic(otelc_logger *) logger;
  pthread_mutex_t mu; /* creating eras and instruments */
  _Atomic(era *) era;
};

static pthread_mutex_t handles_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(otelc_telemetry *) handles;

/* The handle used when nothing else can be had (out of memory): no
 * instruments are cached for it. */
static otelc_telemetry fallback = {.name = "otelc",
                                   .mu = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------- handles -- */

static otelc_telemetry *find_handle(const char *name) {
  for (otelc_telemetry *t =
           atomic_load_explicit(&handles, memory_order_acquire);
       t; t = t->next)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

/* The service name of the last otelc_setup's resource, else as
 * configured, into @p out. */
static const char *service_name(char *out, size_t cap) {
  const char *s = otelc__setup_service_name();
  if (!s)
    s = otelc_config_get("OTEL_SERVICE_NAME");
  snprintf(out, cap, "%s", s ? s : "unknown_service");
  return out;
}

static otelc_telemetry *new_handle(const char *name) {
  otelc_telemetry *t = otelc__calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->name = otelc__strdup(name);
  if (!t->name) {
    otelc__free(t);
    return NULL;
  }
  pthread_mutex_init(&t->mu, NULL);
  t->tracer = otelc_tracer_get(name, NULL);
  atomic_init(&t->logger, otelc_logger_get(name, NULL));
  atomic_init(&t->era, NULL);
  return t;
}

/* Lock-free when the handle exists. */
otelc_telemetry *otelc_telemetry_get(const char *component) {
  char svc[256];
  const char *name =
      component && *component ? component : service_name(svc, sizeof svc);
  otelc_telemetry *t = find_handle(name);
  if (OTELC__LIKELY(t != NULL))
    return t;
  pthread_mutex_lock(&handles_mu);
  t = find_handle(name);
  if (!t) {
    t = new_handle(name);
    if (t) {
      t->next = atomic_load_explicit(&handles, memory_order_relaxed);
      atomic_store_explicit(&handles, t, memory_order_release);
    }
  }
  pthread_mutex_unlock(&handles_mu);
  return t ? t : &fallback;
}

otelc_tracer *otelc_telemetry_tracer(otelc_telemetry *t) {
  if (!t || !t->tracer)
    return otelc_tracer_get(t ? t->name : "otelc", NULL);
  return t->tracer;
}

otelc_logger *otelc_telemetry_logger(otelc_telemetry *t) {
  if (!t)
    t = &fallback;
  otelc_logger *l = atomic_load_explicit(&t->logger, memory_order_acquire);
  if (OTELC__LIKELY(l != NULL))
    return l;
  l = otelc_logger_get(t->name, NULL);
  atomic_store_explicit(&t->logger, l, memory_order_release);
  return l;
}

/* ---------------------------------------------------------------- eras -- */

/* The era of the current generation, made on first use. NULL only when
 * memory ran out. */
static era *current_era(otelc_telemetry *t) {
  unsigned gen = otelc__setup_generation();
  era *e = atomic_load_explicit(&t->era, memory_order_acquire);
  if (OTELC__LIKELY(e && e->gen == gen))
    return e;
  pthread_mutex_lock(&t->mu);
  e = atomic_load_explicit(&t->era, memory_order_relaxed);
  if (!e || e->gen != gen) {
    era *fresh = otelc__calloc(1, sizeof *fresh);
    if (fresh) {
      fresh->gen = gen;
      fresh->meter = otelc_meter_get(t->name, NULL);
      atomic_init(&fresh->insts, NULL);
      fresh->older = e;
      atomic_store_explicit(&t->era, fresh, memory_order_release);
    }
    e = fresh;
  }
  pthread_mutex_unlock(&t->mu);
  return e;
}

otelc_meter *otelc_telemetry_meter(otelc_telemetry *t) {
  era *e = t ? current_era(t) : NULL;
  return e ? e->meter : otelc_meter_get(t ? t->name : "otelc", NULL);
}

/* --------------------------------------------------------- instruments -- */

static inst_entry *find_inst(era *e, otelc_instrument_kind kind,
                             const char *name, const char *unit) {
  for (inst_entry *i = atomic_load_explicit(&e->insts, memory_order_acquire); i;
       i = i->next)
    if (i->kind == kind && strcmp(i->name, name) == 0 &&
        strcmp(i->unit, unit) == 0)
      return i;
  return NULL;
}

/* Counters count in integers; histograms and gauges take doubles (a
 * duration in seconds must not be truncated). A histogram in seconds
 * gets the semantic conventions' duration buckets as advisory bounds
 * (the specification's default ones are made for milliseconds). */
static void *make_inst(otelc_meter *m, otelc_instrument_kind kind,
                       const char *name, const char *unit) {
  static const double seconds[] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                   0.5,   0.75, 1,     2.5,  5,     7.5, 10};
  otelc_instrument_opts o = {.unit = *unit ? unit : NULL};
  if (kind == OTELC_INSTRUMENT_HISTOGRAM && strcmp(unit, "s") == 0) {
    o.advisory_boundaries = seconds;
    o.n_advisory_boundaries = OTELC__ARRAY_LEN(seconds);
  }
  switch (kind) {
  case OTELC_INSTRUMENT_COUNTER:
    return otelc_meter_counter(m, name, &o);
  case OTELC_INSTRUMENT_UP_DOWN_COUNTER:
    return otelc_meter_up_down_counter(m, name, &o);
  case OTELC_INSTRUMENT_HISTOGRAM:
    o.is_double = true;
    return otelc_meter_histogram(m, name, &o);
  default:
    o.is_double = true;
    return otelc_meter_gauge(m, name, &o);
  }
}

/* The instrument of @p kind named @p name with @p unit in @p t's current
 * era: lock-free when cached, else made (under t's lock) by the metrics
 * SDK, which returns an existing identical instrument and warns about a
 * conflicting one. */
static void *get_inst(otelc_telemetry *t, otelc_instrument_kind kind,
                      const char *name, const char *unit) {
  if (!t)
    t = &fallback;
  if (!unit)
    unit = "";
  era *e = current_era(t);
  if (!e)
    return make_inst(otelc_meter_get(t->name, NULL), kind, name, unit);
  if (!name) /* let the SDK report it */
    return make_inst(e->meter, kind, name, unit);
  inst_entry *i = find_inst(e, kind, name, unit);
  if (OTELC__LIKELY(i != NULL))
    return i->inst;
  pthread_mutex_lock(&t->mu);
  i = find_inst(e, kind, name, unit);
  void *inst = i ? i->inst : make_inst(e->meter, kind, name, unit);
  if (!i) {
    inst_entry *fresh = otelc__calloc(1, sizeof *fresh);
    char *n = otelc__strdup(name), *u = otelc__strdup(unit);
    if (fresh && n && u) {
      *fresh =
          (inst_entry){atomic_load_explicit(&e->insts, memory_order_relaxed),
                       kind, n, u, inst};
      atomic_store_explicit(&e->insts, fresh, memory_order_release);
    } else {
      otelc__free(fresh);
      otelc__free(n);
      otelc__free(u);
    }
  }
  pthread_mutex_unlock(&t->mu);
  return inst;
}

otelc_counter *otelc_telemetry_counter(otelc_telemetry *t, const char *name,
                                       const char *unit) {
  return get_inst(t, OTELC_INSTRUMENT_COUNTER, name, unit);
}

otelc_up_down_counter *otelc_telemetry_up_down_counter(otelc_telemetry *t,
                                                       const char *name,
                                                       const char *unit) {
  return get_inst(t, OTELC_INSTRUMENT_UP_DOWN_COUNTER, name, unit);
}

otelc_histogram *otelc_telemetry_histogram(otelc_telemetry *t, const char *name,
                                           const char *unit) {
  return get_inst(t, OTELC_INSTRUMENT_HISTOGRAM, name, unit);
}

otelc_gauge *otelc_telemetry_gauge(otelc_telemetry *t, const char *name,
                                   const char *unit) {
  return get_inst(t, OTELC_INSTRUMENT_GAUGE, name, unit);
}

/* ------------------------------------------------------------- logging -- */

/* The settings otelc_setup gave to logging, mirrored for
 * otelc_telemetry_logf (the convenience functions keep theirs in the logs
 * SDK). */
static _Atomic int log_min_severity;
static _Atomic bool log_line = true;

void otelc__telemetry_log_settings(int min_severity, bool line) {
  atomic_store(&log_min_severity, min_severity);
  atomic_store(&log_line, line);
}

/* "LEVEL message [trace:<hex> span:<hex>] key=value ...", one write to
 * stderr, as otelc_logf prints it. */
static void print_line(int severity, const char *msg, const otelc_attr *attrs,
                       size_t n_attrs) {
  otelc__tbuf b = {0};
  otelc__tbuf_puts(&b, otelc_severity_name(severity));
  otelc__tbuf_putc(&b, ' ');
  otelc__tbuf_text(&b, msg, strlen(msg));
  otelc_span_context sc;
  if (otelc_current_span_context(&sc)) {
    otelc__tbuf_puts(&b, " [trace:");
    otelc__tbuf_hex(&b, sc.trace_id, 16);
    otelc__tbuf_puts(&b, " span:");
    otelc__tbuf_hex(&b, sc.span_id, 8);
    otelc__tbuf_putc(&b, ']');
  }
  otelc__tbuf_attrs(&b, attrs, n_attrs);
  otelc__tbuf_putc(&b, '\n');
  if (!b.oom) {
    flockfile(stderr);
    fflush(stderr);
    const char *p = b.p;
    size_t n = b.len;
    while (n) {
      ssize_t w = write(STDERR_FILENO, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        break;
      p += w;
      n -= (size_t)w;
    }
    funlockfile(stderr);
  }
  otelc__tbuf_free(&b);
}

/* Cut @p s (len bytes, cut by vsnprintf) so that it does not end inside
 * a UTF-8 sequence. */
static void utf8_cut(char *s, size_t len) {
  size_t i = len;
  while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
    i--; /* continuation bytes at the end */
  if (i == 0)
    return;
  unsigned char lead = (unsigned char)s[i - 1];
  size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (need > 1 && (len - (i - 1)) < need)
    s[i - 1] = '\0'; /* an incomplete last sequence */
}

/* As otelc_logf, through the component's logger (its scope is the
 * component), with the settings otelc_setup gave. */
void otelc_telemetry_logf(otelc_telemetry *t, int severity,
                          const otelc_attr *attrs, size_t n_attrs,
                          const char *fmt, ...) {
  int saved_errno = errno; /* for %m */
  if (!fmt || (n_attrs && !attrs))
    return;
  if (severity != 0 &&
      severity < atomic_load_explicit(&log_min_severity, memory_order_relaxed))
    return;
  bool line = atomic_load_explicit(&log_line, memory_order_relaxed);
  otelc_logger *l = otelc_telemetry_logger(t);
  bool emit = otelc_logger_enabled(l, severity, NULL);
  if (!line && !emit)
    return;
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  errno = saved_errno;
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0)
    msg[0] = '\0';
  else if ((size_t)n >= sizeof msg)
    utf8_cut(msg, sizeof msg - 1);
  if (line)
    print_line(severity, msg, attrs, n_attrs);
  if (emit)
    otelc_logger_emit(l, &(otelc_log_emit){.severity = severity,
                                           .body_str = msg,
                                           .attrs = attrs,
                                           .n_attrs = n_attrs});
  errno = saved_errno;
}
