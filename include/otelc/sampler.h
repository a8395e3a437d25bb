/*
 * otelc/sampler.h - deciding at span start whether a span is recorded and
 * exported.
 */
#ifndef OTELC_SAMPLER_H
#define OTELC_SAMPLER_H

#include "otelc/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum otelc_sampling_decision {
  OTELC_SAMPLING_DROP = 0,
  OTELC_SAMPLING_RECORD_ONLY = 1,
  OTELC_SAMPLING_RECORD_AND_SAMPLE = 2
} otelc_sampling_decision;

/** Everything a sampler is told about a span about to start. All
 *  pointers are borrowed for the duration of the call. */
typedef struct otelc_sampling_params {
  /** The parent's span context, or NULL for a root span. */
  const otelc_span_context *parent;
  /** The parent's tracestate, or NULL. */
  const char *parent_tracestate;
  /** The trace id the span will have (the parent's, or a new one). */
  const uint8_t *trace_id;
  const char *name;
  otelc_span_kind kind;
  const otelc_attr *attrs;
  size_t n_attrs;
  const otelc_link *links;
  size_t n_links;
} otelc_sampling_params;

/** What a custom sampler returns. */
typedef struct otelc_sampling_result {
  otelc_sampling_decision decision;
  /** Extra attributes for the span; copied by otelc after the call. */
  const otelc_attr *attrs;
  size_t n_attrs;
  /** New tracestate for the span; NULL keeps the parent's, "" clears it.
   *  Copied by otelc after the call. */
  const char *tracestate;
} otelc_sampling_result;

/** A custom sampler. Called on the thread that starts the span, possibly
 *  from several threads at once: it must be thread-safe. */
typedef otelc_sampling_result (*otelc_sampler_fn)(
    void *user_data, const otelc_sampling_params *params);

/** @brief AlwaysOn. @return a new sampler, or NULL on allocation failure. */
OTELC_API otelc_sampler *otelc_sampler_always_on(void);

/** @brief AlwaysOff. */
OTELC_API otelc_sampler *otelc_sampler_always_off(void);

/**
 * @brief TraceIdRatioBased: samples when the low 56 bits of the trace id
 * (or the tracestate's ot=rv value) are at least (1 - ratio) * 2^56.
 * Ratios outside [0, 1] are clamped with a warning.
 */
OTELC_API otelc_sampler *otelc_sampler_traceidratio(double ratio);

/**
 * @brief ParentBased. Takes ownership of every non-NULL delegate (even on
 * failure). NULL delegates get the defaults: remote/local sampled parents
 * AlwaysOn, not-sampled parents AlwaysOff. @p root NULL means AlwaysOn.
 */
OTELC_API otelc_sampler *otelc_sampler_parent_based(
    otelc_sampler *root, otelc_sampler *remote_parent_sampled,
    otelc_sampler *remote_parent_not_sampled,
    otelc_sampler *local_parent_sampled,
    otelc_sampler *local_parent_not_sampled);

/**
 * @brief A sampler that calls @p fn. @p description is copied (NULL:
 * "CustomSampler"). @p user_data is borrowed for the sampler's life.
 */
OTELC_API otelc_sampler *otelc_sampler_custom(otelc_sampler_fn fn,
                                              void *user_data,
                                              const char *description);

/**
 * @brief The sampler named by OTEL_TRACES_SAMPLER and
 * OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on). Invalid values
 * are reported and the default is used.
 */
OTELC_API otelc_sampler *otelc_sampler_from_env(void);

/** @brief Description per the specification, e.g. "AlwaysOnSampler". */
OTELC_API const char *otelc_sampler_description(const otelc_sampler *s);

/**
 * @brief Run the sampler (for tests and for composing samplers). The
 * result's pointers are those the deciding sampler returned (NULL for the
 * built-in ones). Thread safety: safe from any thread.
 */
OTELC_API otelc_sampling_result
otelc_sampler_should_sample(const otelc_sampler *s,
                            const otelc_sampling_params *params);

/** @brief Free a sampler not handed to a provider. NULL is ignored. */
OTELC_API void otelc_sampler_free(otelc_sampler *s);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SAMPLER_H */
