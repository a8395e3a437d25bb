/* A tracer provider configured by the OTEL_* environment variables. */
#include <stdio.h>
#include <strings.h>

#include "common/env.h"
#include "otelc/exporters.h"
#include "trace/trace_internal.h"

#define MAX_EXPORTERS 8

typedef otelc_status (*exporter_factory)(otelc_span_exporter **out);

static otelc_status console_factory(otelc_span_exporter **out) {
  return otelc_console_exporter_new(NULL, out);
}

static const struct {
  const char *name;
  exporter_factory make;
  bool batch; /* wrap in a batch processor (else simple) */
} known[] = {
    {"console", console_factory, true},
};

/* Add the processor for exporter @p name to @p procs. */
static void add_exporter(otelc__token name, otelc_span_processor **procs,
                         size_t *n) {
  if (otelc__token_eq(name, "none"))
    return;
  for (size_t i = 0; i < OTELC__ARRAY_LEN(known); i++) {
    if (!otelc__token_eq(name, known[i].name))
      continue;
    otelc_span_exporter *e = NULL;
    if (known[i].make(&e) != OTELC_OK)
      return;
    otelc_batch_opts o;
    otelc_batch_opts_from_env(&o);
    if (otelc_batch_span_processor_new(e, &o, &procs[*n]) == OTELC_OK)
      (*n)++;
    return;
  }
  if (otelc__token_eq(name, "otlp"))
    otelc__warn("OTEL_TRACES_EXPORTER: the 'otlp' exporter is not part of "
                "this build; spans will not be exported through it");
  else
    otelc__warn("OTEL_TRACES_EXPORTER: unknown exporter '%.*s' ignored",
                (int)name.len, name.p);
}

otelc_status otelc_tracer_provider_new_from_env(const char *default_exporter,
                                                otelc_tracer_provider **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  otelc_span_processor *procs[MAX_EXPORTERS];
  size_t n = 0;
  if (!otelc__env_bool("OTEL_SDK_DISABLED", false)) {
    const char *list = otelc__env_get("OTEL_TRACES_EXPORTER");
    if (!list)
      list = default_exporter ? default_exporter : "otlp";
    otelc__token toks[MAX_EXPORTERS];
    size_t found = otelc__split_list(list, toks, MAX_EXPORTERS);
    if (found > MAX_EXPORTERS) {
      otelc__warn("OTEL_TRACES_EXPORTER lists %zu exporters; only the first "
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
  otelc_tracer_provider_opts opts = {0};
  opts.processors = procs;
  opts.n_processors = n;
  return otelc_tracer_provider_new(&opts, out);
}
