/* Built-in samplers, custom samplers and OTEL_TRACES_SAMPLER. */
#include <stdio.h>

#include "common/env.h"
#include "trace/trace_internal.h"

static otelc_sampler *make(otelc__sampler_kind kind, const char *desc) {
  otelc_sampler *s = otelc__calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->kind = kind;
  s->description = otelc__strdup(desc);
  if (!s->description) {
    otelc__free(s);
    return NULL;
  }
  return s;
}

otelc_sampler *otelc_sampler_always_on(void) {
  return make(OTELC__SAMPLER_ALWAYS_ON, "AlwaysOnSampler");
}

otelc_sampler *otelc_sampler_always_off(void) {
  return make(OTELC__SAMPLER_ALWAYS_OFF, "AlwaysOffSampler");
}

#define TWO56 72057594037927936.0 /* 2^56 */
#define MASK56 0x00ffffffffffffffull

otelc_sampler *otelc_sampler_traceidratio(double ratio) {
  if (!(ratio >= 0.0 && ratio <= 1.0)) { /* also catches NaN */
    otelc__warn("trace id ratio %g is outside [0, 1]; clamped", ratio);
    ratio = ratio > 1.0 ? 1.0 : 0.0;
  }
  char desc[64];
  snprintf(desc, sizeof desc, "TraceIdRatioBased{%f}", ratio);
  otelc_sampler *s = make(OTELC__SAMPLER_RATIO, desc);
  if (!s)
    return NULL;
  s->ratio = ratio;
  /* Rejection threshold T = 2^56 - ratio * 2^56, computed from the
   * small product so that no precision is lost (1 - ratio would round).
   * Ratio 0 gives T = 2^56, one past the largest randomness value. */
  s->threshold = (MASK56 + 1) - (uint64_t)(ratio * TWO56 + 0.5);
  return s;
}

otelc_sampler *otelc_sampler_parent_based(otelc_sampler *root,
                                          otelc_sampler *rs,
                                          otelc_sampler *rns,
                                          otelc_sampler *ls,
                                          otelc_sampler *lns) {
  otelc_sampler *d[5] = {root, rs, rns, ls, lns};
  otelc_sampler *(*defaults[5])(void) = {
      otelc_sampler_always_on, otelc_sampler_always_on,
      otelc_sampler_always_off, otelc_sampler_always_on,
      otelc_sampler_always_off};
  bool ok = true;
  for (int i = 0; i < 5; i++)
    if (!d[i] && !(d[i] = defaults[i]()))
      ok = false;
  char desc[512];
  if (ok)
    snprintf(desc, sizeof desc,
             "ParentBased{root=%s,remoteParentSampled=%s,"
             "remoteParentNotSampled=%s,localParentSampled=%s,"
             "localParentNotSampled=%s}",
             d[0]->description, d[1]->description, d[2]->description,
             d[3]->description, d[4]->description);
  otelc_sampler *s = ok ? make(OTELC__SAMPLER_PARENT_BASED, desc) : NULL;
  if (!s) {
    for (int i = 0; i < 5; i++)
      otelc_sampler_free(d[i]);
    return NULL;
  }
  memcpy(s->d, d, sizeof d);
  return s;
}

otelc_sampler *otelc_sampler_custom(otelc_sampler_fn fn, void *user_data,
                                    const char *description) {
  if (!fn)
    return NULL;
  otelc_sampler *s =
      make(OTELC__SAMPLER_CUSTOM, description ? description : "CustomSampler");
  if (!s)
    return NULL;
  s->fn = fn;
  s->user_data = user_data;
  return s;
}

void otelc_sampler_free(otelc_sampler *s) {
  if (!s)
    return;
  for (int i = 0; i < 5; i++)
    otelc_sampler_free(s->d[i]);
  otelc__free(s->description);
  otelc__free(s);
}

const char *otelc_sampler_description(const otelc_sampler *s) {
  return s ? s->description : "";
}

/* Explicit randomness from "ot=...;rv:<14 hex>" in a tracestate. */
static bool tracestate_rv(const char *ts, uint64_t *out) {
  if (!ts)
    return false;
  for (const char *p = ts; *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 3 && memcmp(p, "ot=", 3) == 0) {
      for (size_t i = 3; i + 3 + 14 <= len; i++) {
        if ((i == 3 || p[i - 1] == ';') && memcmp(p + i, "rv:", 3) == 0) {
          const char *h = p + i + 3;
          uint64_t v = 0;
          for (int k = 0; k < 14; k++) {
            char c = h[k];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                           : -1;
            if (d < 0)
              return false;
            v = v << 4 | (uint64_t)d;
          }
          size_t after = i + 3 + 14;
          if (after < len && p[after] != ';')
            return false;
          *out = v;
          return true;
        }
      }
      return false;
    }
    if (!end)
      break;
    p = end + 1;
  }
  return false;
}

static uint64_t randomness(const otelc_sampling_params *params) {
  uint64_t rv;
  if (tracestate_rv(params->parent_tracestate, &rv))
    return rv;
  const uint8_t *id = params->trace_id;
  uint64_t r = 0;
  for (int i = 9; i < 16; i++)
    r = r << 8 | id[i];
  return r;
}

otelc_sampling_result otelc__sample(const otelc_sampler *s,
                                    const otelc_sampling_params *params) {
  otelc_sampling_result r = {OTELC_SAMPLING_DROP, NULL, 0, NULL};
  switch (s->kind) {
  case OTELC__SAMPLER_ALWAYS_ON:
    r.decision = OTELC_SAMPLING_RECORD_AND_SAMPLE;
    break;
  case OTELC__SAMPLER_ALWAYS_OFF:
    break;
  case OTELC__SAMPLER_RATIO:
    if (randomness(params) >= s->threshold)
      r.decision = OTELC_SAMPLING_RECORD_AND_SAMPLE;
    break;
  case OTELC__SAMPLER_PARENT_BASED: {
    const otelc_span_context *p = params->parent;
    int which = 0;
    if (p && otelc_span_context_is_valid(p)) {
      bool sampled = p->trace_flags & OTELC_TRACE_FLAG_SAMPLED;
      which = p->is_remote ? (sampled ? 1 : 2) : (sampled ? 3 : 4);
    }
    return otelc__sample(s->d[which], params);
  }
  case OTELC__SAMPLER_CUSTOM:
    r = s->fn(s->user_data, params);
    if (r.decision != OTELC_SAMPLING_RECORD_ONLY &&
        r.decision != OTELC_SAMPLING_RECORD_AND_SAMPLE)
      r.decision = OTELC_SAMPLING_DROP;
    break;
  }
  return r;
}

otelc_sampling_result
otelc_sampler_should_sample(const otelc_sampler *s,
                            const otelc_sampling_params *params) {
  otelc_sampling_result r = {OTELC_SAMPLING_DROP, NULL, 0, NULL};
  if (!s || !params || !params->trace_id)
    return r;
  return otelc__sample(s, params);
}

otelc_sampler *otelc_sampler_from_env(void) {
  static const char *const names[] = {
      "always_on",           "always_off",
      "traceidratio",        "parentbased_always_on",
      "parentbased_always_off", "parentbased_traceidratio"};
  int which = otelc__env_enum("OTEL_TRACES_SAMPLER", names,
                              OTELC__ARRAY_LEN(names), 3);
  double ratio = 1.0;
  if (which == 2 || which == 5)
    ratio = otelc__env_double("OTEL_TRACES_SAMPLER_ARG", 1.0, 0.0, 1.0);
  switch (which) {
  case 0:
    return otelc_sampler_always_on();
  case 1:
    return otelc_sampler_always_off();
  case 2:
    return otelc_sampler_traceidratio(ratio);
  case 4:
    return otelc_sampler_parent_based(otelc_sampler_always_off(), NULL, NULL,
                                      NULL, NULL);
  case 5:
    return otelc_sampler_parent_based(otelc_sampler_traceidratio(ratio),
                                      NULL, NULL, NULL, NULL);
  default:
    return otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL);
  }
}
