/* Named factories and the OTEL_*_EXPORTER lists that select them. */
#include "common/registry.h"

#include <stdio.h>
#include <strings.h>

otelc_status otelc__registry_add(otelc__registry *r, const char *name,
                                 otelc__factory make) {
  if (!name || !name[0] || strlen(name) >= OTELC__REGISTRY_NAME || !make)
    return OTELC_ERR_INVALID_ARG;
  otelc_status st = OTELC_OK;
  pthread_mutex_lock(&r->mu);
  size_t i = 0;
  while (i < OTELC__REGISTRY_MAX && r->entries[i].make &&
         strcasecmp(r->entries[i].name, name) != 0)
    i++;
  if (i == OTELC__REGISTRY_MAX)
    st = OTELC_ERR_LIMIT;
  else if (!r->entries[i].make)
    snprintf(r->entries[i].name, sizeof r->entries[i].name, "%s", name);
  if (st == OTELC_OK)
    r->entries[i].make = make;
  pthread_mutex_unlock(&r->mu);
  return st;
}

otelc__factory otelc__registry_find(otelc__registry *r, otelc__token name) {
  otelc__factory make = NULL;
  pthread_mutex_lock(&r->mu);
  for (size_t i = 0; i < OTELC__REGISTRY_MAX && r->entries[i].make; i++)
    if (otelc__token_eq(name, r->entries[i].name)) {
      make = r->entries[i].make;
      break;
    }
  pthread_mutex_unlock(&r->mu);
  return make;
}

/* Look @p name up and pass its factory on, or say why there is none. */
static void add_one(const otelc__exporter_list *l, otelc__token name,
                    otelc__exporter_add add, void *ctx) {
  if (otelc__token_eq(name, "none"))
    return;
  otelc__factory make = otelc__registry_find(l->registry, name);
  if (make) {
    add(ctx, name, make);
  } else if (!otelc__token_eq(name, "otlp")) {
    otelc__warn("%s: unknown exporter '%.*s' ignored", l->var,
                (int)name.len, name.p);
  } else if (!l->otlp_reported || !atomic_exchange(l->otlp_reported, true)) {
    otelc__warn("%s: the 'otlp' exporter is not part of this program (link "
                "otelc_otlp); %s will not be exported through it",
                l->var, l->what);
  }
}

void otelc__exporter_list_walk(const otelc__exporter_list *l,
                               const char *default_exporter,
                               otelc__exporter_add add, void *ctx) {
  if (otelc__env_bool("OTEL_SDK_DISABLED", false))
    return;
  const char *list = otelc__env_get(l->var);
  if (!list)
    list = default_exporter ? default_exporter : "otlp";
  otelc__token toks[OTELC__EXPORTER_LIST_MAX];
  size_t found = otelc__split_list(list, toks, OTELC__EXPORTER_LIST_MAX);
  if (found > OTELC__EXPORTER_LIST_MAX) {
    otelc__warn("%s lists %zu exporters; only the first %d are used", l->var,
                found, OTELC__EXPORTER_LIST_MAX);
    found = OTELC__EXPORTER_LIST_MAX;
  }
  for (size_t i = 0; i < found; i++) {
    bool dup = false; /* each exporter once */
    for (size_t j = 0; j < i && !dup; j++)
      dup = toks[j].len == toks[i].len &&
            strncasecmp(toks[j].p, toks[i].p, toks[i].len) == 0;
    if (!dup)
      add_one(l, toks[i], add, ctx);
  }
}

void otelc__exporter_list_skipped(const otelc__exporter_list *l,
                                  otelc__token name, otelc_status st) {
  otelc__warn("%s: the '%.*s' exporter could not be created (%s); skipped",
              l->var, (int)name.len, name.p, otelc_strerror(st));
}
