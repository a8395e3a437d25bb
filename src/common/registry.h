/*
 * Named factories and the OTEL_*_EXPORTER lists that select them.
 *
 * Each signal keeps one registry: a fixed table of names (case-insensitive,
 * at most 31 bytes) and factory functions, guarded by a mutex. Factories
 * are stored as a generic function pointer; the signal casts them back to
 * its own factory type before calling them.
 *
 * otelc__exporter_list_walk reads the signal's variable, splits it into
 * trimmed names, skips "none" and repeated names, reports unknown ones
 * and hands each known factory to the signal, which wraps what it makes
 * in a processor or reader.
 */
#ifndef OTELC_SRC_COMMON_REGISTRY_H
#define OTELC_SRC_COMMON_REGISTRY_H

#include <pthread.h>

#include "common/env.h"
#include "common/internal.h"

/* A factory of any signal; cast back to the real type before calling. */
typedef void (*otelc__factory)(void);

#define OTELC__REGISTRY_MAX 16
#define OTELC__REGISTRY_NAME 32

/* The table ends at the first entry without a factory, so built-in
 * entries can be listed in a static initializer:
 *   static otelc__registry r = {PTHREAD_MUTEX_INITIALIZER,
 *                               {{"console", (otelc__factory)f}}}; */
typedef struct otelc__registry {
  pthread_mutex_t mu;
  struct {
    char name[OTELC__REGISTRY_NAME];
    otelc__factory make;
  } entries[OTELC__REGISTRY_MAX];
} otelc__registry;

/* Register @p make under @p name, replacing a factory registered under
 * the same name in any case. OTELC_ERR_INVALID_ARG for a NULL, empty or
 * too long name or a NULL factory; OTELC_ERR_LIMIT when the table is
 * full. */
otelc_status otelc__registry_add(otelc__registry *r, const char *name,
                                 otelc__factory make);

/* The factory registered under @p name (any case), or NULL. */
otelc__factory otelc__registry_find(otelc__registry *r, otelc__token name);

/* Most names an OTEL_*_EXPORTER list may hold; the rest are ignored with
 * a warning. */
#define OTELC__EXPORTER_LIST_MAX 8

/* One signal's exporter list. */
typedef struct otelc__exporter_list {
  const char *var;           /* "OTEL_TRACES_EXPORTER" */
  const char *what;          /* "spans": what an absent 'otlp' loses */
  otelc__registry *registry; /* the signal's factories */
  /* When not NULL, the missing 'otlp' exporter is reported only once per
   * process; when NULL, every time the list names it. */
  atomic_bool *otlp_reported;
} otelc__exporter_list;

/* Called once for each distinct known name, in list order. */
typedef void (*otelc__exporter_add)(void *ctx, otelc__token name,
                                    otelc__factory make);

/* Walk the list in @p l->var, or @p default_exporter ("otlp" when NULL)
 * if the variable is unset, and call @p add for each name found in the
 * registry. Does nothing when OTEL_SDK_DISABLED is true. */
void otelc__exporter_list_walk(const otelc__exporter_list *l,
                               const char *default_exporter,
                               otelc__exporter_add add, void *ctx);

/* Report that the factory for @p name failed with @p st. */
void otelc__exporter_list_skipped(const otelc__exporter_list *l,
                                  otelc__token name, otelc_status st);

#endif /* OTELC_SRC_COMMON_REGISTRY_H */
