/* Instruments: name checks, identity and duplicate rules, advisory
 * parameters, and the stores of each stream for each reader. */
#include <strings.h>

#include "metrics/metrics_internal.h"

otelc__inst otelc__noop_inst = {.name = "", .unit = "", .description = ""};

#define MAX_NAME 255
#define MAX_UNIT 63
#define MAX_DESCRIPTION 1023

bool otelc__kind_is_async(otelc_instrument_kind k) {
  return k == OTELC_INSTRUMENT_OBSERVABLE_COUNTER ||
         k == OTELC_INSTRUMENT_OBSERVABLE_UP_DOWN_COUNTER ||
         k == OTELC_INSTRUMENT_OBSERVABLE_GAUGE;
}

const char *otelc__kind_name(otelc_instrument_kind k) {
  static const char *const names[OTELC_INSTRUMENT_KIND_COUNT] = {
      "any kind",
      "counter",
      "up-down counter",
      "histogram",
      "gauge",
      "observable counter",
      "observable up-down counter",
      "observable gauge"};
  return (unsigned)k < OTELC_INSTRUMENT_KIND_COUNT ? names[k] : "unknown";
}

static bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* instrument-name = ALPHA 0*254 ("_" / "." / "-" / "/" / ALPHA / DIGIT) */
static bool name_valid(const char *name) {
  if (!name || !is_alpha(name[0]))
    return false;
  size_t i = 1;
  for (; name[i]; i++) {
    char c = name[i];
    if (i >= MAX_NAME || !(is_alpha(c) || (c >= '0' && c <= '9') || c == '_' ||
                           c == '.' || c == '-' || c == '/'))
      return false;
  }
  return true;
}

static bool unit_valid(const char *u) {
  size_t i = 0;
  for (; u[i]; i++)
    if (i >= MAX_UNIT || (unsigned char)u[i] > 0x7f)
      return false;
  return true;
}

static void free_partial(otelc__inst *in) {
  for (uint32_t i = 0; i < in->n_stores; i++)
    otelc__store_free(in->stores[i]);
  otelc__free(in->stores);
  otelc__arena_reset(&in->arena, NULL, 0);
  otelc__free(in);
}

void otelc__inst_free(otelc__inst *in) {
  if (in && in != &otelc__noop_inst)
    free_partial(in);
}

static bool copy_advisory(otelc__inst *in, const otelc_instrument_opts *o) {
  if (o->advisory_boundaries && in->kind == OTELC_INSTRUMENT_HISTOGRAM) {
    char what[320];
    snprintf(what, sizeof what,
             "instrument '%s': advisory bucket boundaries ignored", in->name);
    if (otelc__bounds_valid(o->advisory_boundaries, o->n_advisory_boundaries,
                            what)) {
      static const double none[1] = {0};
      double *b = NULL;
      if (o->n_advisory_boundaries) {
        b = otelc__arena_alloc(&in->arena,
                               o->n_advisory_boundaries * sizeof *b);
        if (!b)
          return false;
        memcpy(b, o->advisory_boundaries, o->n_advisory_boundaries * sizeof *b);
      }
      in->adv_bounds = b ? b : none;
      in->n_adv_bounds = o->n_advisory_boundaries;
      in->has_adv_bounds = true;
    }
  }
  if (o->has_advisory_attribute_keys) {
    in->has_adv_keys = true;
    in->adv_filter = otelc__filter_new(
        &in->arena, o->advisory_attribute_keys,
        o->advisory_attribute_keys ? o->n_advisory_attribute_keys : 0, true,
        NULL, 0);
    if (!in->adv_filter)
      return false;
  }
  return true;
}

static otelc__inst *inst_new(otelc_meter *m, otelc_instrument_kind kind,
                             const char *name, const char *unit,
                             const char *desc, size_t desc_len,
                             const otelc_instrument_opts *o) {
  otelc_meter_provider *p = m->prov;
  otelc__inst *in = otelc__calloc(1, sizeof *in);
  if (!in)
    return NULL;
  otelc__arena_init(&in->arena, NULL, 0);
  in->prov = p;
  in->meter = m;
  in->kind = (uint8_t)kind;
  in->is_double = o->is_double;
  in->exemplar_filter = p->exemplar_filter;
  in->created_ns = otelc_time_now();
  in->name = otelc__arena_strndup(&in->arena, name, strlen(name));
  in->unit = otelc__arena_strndup(&in->arena, unit, strlen(unit));
  in->description = otelc__arena_strndup(&in->arena, desc, desc_len);
  if (!in->name || !in->unit || !in->description || !copy_advisory(in, o) ||
      !otelc__streams_build(in)) {
    free_partial(in);
    return NULL;
  }
  size_t max = in->n_streams * p->n_readers;
  if (max) {
    in->stores = otelc__calloc(max, sizeof *in->stores);
    if (!in->stores) {
      free_partial(in);
      return NULL;
    }
  }
  for (size_t s = 0; s < in->n_streams; s++) {
    for (uint32_t r = 0; r < p->n_readers; r++) {
      bool dropped;
      otelc__mstore *st =
          otelc__store_new(in, &in->streams[s], p->readers[r], &dropped);
      if (st) {
        in->stores[in->n_stores++] = st;
        in->exemplars |= st->exemplars;
      } else if (!dropped) {
        free_partial(in);
        return NULL;
      }
    }
  }
  return in;
}

static bool same_str(const char *a, const char *b) {
  return !strcmp(a, b);
}

static const char *type_name(bool is_double) {
  return is_double ? "double" : "int64";
}

otelc__inst *otelc__inst_get(otelc_meter *m, otelc_instrument_kind kind,
                             const char *name,
                             const otelc_instrument_opts *opts) {
  static const otelc_instrument_opts none = {0};
  if (!opts)
    opts = &none;
  if (!name_valid(name)) {
    otelc__warn("invalid instrument name '%s': a name starts with a letter "
                "and holds at most 255 letters, digits, '_', '.', '-' and "
                "'/'; a no-op instrument is returned",
                name ? name : "(null)");
    return &otelc__noop_inst;
  }
  if (!m || !m->prov)
    return &otelc__noop_inst;
  otelc_meter_provider *p = m->prov;
  if (p->disabled || atomic_load(&p->shut))
    return &otelc__noop_inst;
  const char *unit = opts->unit ? opts->unit : "";
  if (!unit_valid(unit)) {
    otelc__warn("instrument '%s': the unit must be at most 63 ASCII "
                "characters; it is ignored",
                name);
    unit = "";
  }
  const char *desc = opts->description ? opts->description : "";
  size_t desc_len = otelc__utf8_prefix(desc, strlen(desc), MAX_DESCRIPTION);

  pthread_mutex_lock(&p->mu);
  otelc__inst *first = NULL;
  for (otelc__inst *in = atomic_load(&m->insts); in;
       in = atomic_load(&in->next)) {
    if (strcasecmp(in->name, name) != 0)
      continue;
    if (!first)
      first = in;
    if (in->kind == kind && in->is_double == opts->is_double &&
        same_str(in->unit, unit) && strlen(in->description) == desc_len &&
        memcmp(in->description, desc, desc_len) == 0) {
      pthread_mutex_unlock(&p->mu);
      if (strcmp(in->name, name) != 0)
        otelc__error("instrument '%s' was first registered as '%s'; "
                     "names are case-insensitive, so '%s' is used",
                     name, in->name, in->name);
      return in;
    }
  }
  otelc__inst *in = inst_new(m, kind, name, unit, desc, desc_len, opts);
  if (in) {
    if (m->insts_tail)
      atomic_store(&m->insts_tail->next, in);
    else
      atomic_store(&m->insts, in);
    m->insts_tail = in;
  }
  pthread_mutex_unlock(&p->mu);
  if (!in)
    return &otelc__noop_inst;
  if (first)
    otelc__warn(
        "instrument '%s' (%s, unit '%s', %s, description '%s') conflicts "
        "with instrument '%s' (%s, unit '%s', %s, description '%s') "
        "registered earlier in meter '%s': both work and are exported as "
        "separate streams of the same name; use one definition, or "
        "register a view that selects one of them and gives its stream "
        "another name",
        name, otelc__kind_name(kind), unit, type_name(opts->is_double),
        in->description, first->name, otelc__kind_name(first->kind),
        first->unit, type_name(first->is_double), first->description,
        m->scope.name);
  return in;
}

/* ---------------------------------------------------------------- API -- */

otelc_counter *otelc_meter_counter(otelc_meter *m, const char *name,
                                   const otelc_instrument_opts *opts) {
  return (otelc_counter *)otelc__inst_get(m, OTELC_INSTRUMENT_COUNTER, name,
                                          opts);
}

otelc_up_down_counter *
otelc_meter_up_down_counter(otelc_meter *m, const char *name,
                            const otelc_instrument_opts *opts) {
  return (otelc_up_down_counter *)otelc__inst_get(
      m, OTELC_INSTRUMENT_UP_DOWN_COUNTER, name, opts);
}

otelc_histogram *otelc_meter_histogram(otelc_meter *m, const char *name,
                                       const otelc_instrument_opts *opts) {
  return (otelc_histogram *)otelc__inst_get(m, OTELC_INSTRUMENT_HISTOGRAM, name,
                                            opts);
}

otelc_gauge *otelc_meter_gauge(otelc_meter *m, const char *name,
                               const otelc_instrument_opts *opts) {
  return (otelc_gauge *)otelc__inst_get(m, OTELC_INSTRUMENT_GAUGE, name, opts);
}

static bool inst_enabled(const otelc__inst *in) {
  return in && in->n_stores > 0 && in->prov && !atomic_load(&in->prov->shut);
}

bool otelc_counter_enabled(const otelc_counter *c) {
  return inst_enabled((const otelc__inst *)c);
}

bool otelc_up_down_counter_enabled(const otelc_up_down_counter *c) {
  return inst_enabled((const otelc__inst *)c);
}

bool otelc_histogram_enabled(const otelc_histogram *h) {
  return inst_enabled((const otelc__inst *)h);
}

bool otelc_gauge_enabled(const otelc_gauge *g) {
  return inst_enabled((const otelc__inst *)g);
}
