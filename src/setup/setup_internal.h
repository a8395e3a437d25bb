/*
 * Internal interface between the files of src/setup/: the configuration
 * overlay (config.c), the set-up state and its generation (setup.c), and
 * the per-component handles (telemetry.c).
 */
#ifndef OTELC_SRC_SETUP_INTERNAL_H
#define OTELC_SRC_SETUP_INTERNAL_H

#include <stdatomic.h>

#include "common/internal.h"
#include "otelc/setup.h"

/* ------------------------------------------------------------- overlay -- */

/* An immutable table of defaults for OTEL_* variables (config.c). */
typedef struct otelc__config otelc__config;

/* Build the table for @p o (may be NULL) from the environment as it is
 * now, and publish it for otelc_config_get. Nothing is published on
 * failure. Caller: otelc_setup, serialised by the set-up lock. */
otelc_status otelc__config_install(const otelc_setup_opts *o);

/* Unpublish the current table and return it (NULL if none). Readers that
 * loaded it before may still use it: free it only much later. Caller:
 * serialised by the set-up lock. */
otelc__config *otelc__config_take(void);

/* Free a table returned by otelc__config_take. NULL is ignored. */
void otelc__config_free(otelc__config *c);

/* True when the list in @p var, as otelc_config_get gives it, names
 * @p word. */
bool otelc__config_list_has(const char *var, const char *word);

/* --------------------------------------------------------------- logging -- */

/* What otelc_telemetry_logf applies: records below @p min_severity are
 * dropped, and @p line prints the human-readable line. Any thread. */
void otelc__telemetry_log_settings(int min_severity, bool line);

/* The service.name of the resource of the last otelc_setup, or NULL. The
 * string stays valid for a set-up cycle after it is replaced. */
const char *otelc__setup_service_name(void);

/* ----------------------------------------------------------- generation -- */

/* Incremented (release) each time otelc_setup installs or otelc_shutdown
 * removes the global providers, after the globals changed. Handles
 * compare it with the value they last resolved against. */
extern _Atomic unsigned otelc__setup_gen;

static inline unsigned otelc__setup_generation(void) {
  return atomic_load_explicit(&otelc__setup_gen, memory_order_acquire);
}

#endif /* OTELC_SRC_SETUP_INTERNAL_H */
