/* A provider whose spans land in a memory exporter, for unit tests. */
#ifndef OTELC_TEST_TRACE_FIXTURE_H
#define OTELC_TEST_TRACE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "otelc/otelc.h"

typedef struct fixture {
  otelc_tracer_provider *tp;
  otelc_span_exporter *mem; /* owned by the provider */
  otelc_tracer *tracer;
} fixture;

/* A provider with a simple processor over a memory exporter. @p sampler
 * (ownership taken) may be NULL for AlwaysOn; @p limits may be NULL for
 * the defaults. */
static inline void fixture_init(fixture *f, otelc_sampler *sampler,
                                const otelc_span_limits *limits) {
  otelc_span_limits defaults;
  otelc_span_limits_default(&defaults);
  assert_int_equal(otelc_memory_exporter_new(&f->mem), OTELC_OK);
  otelc_span_processor *proc = NULL;
  assert_int_equal(otelc_simple_span_processor_new(f->mem, &proc), OTELC_OK);
  otelc_resource *res = NULL;
  assert_int_equal(otelc_resource_new(NULL, 0, NULL, &res), OTELC_OK);
  otelc_tracer_provider_opts o = {0};
  o.resource = res;
  o.sampler = sampler ? sampler : otelc_sampler_always_on();
  o.limits = limits ? limits : &defaults;
  o.processors = &proc;
  o.n_processors = 1;
  assert_int_equal(otelc_tracer_provider_new(&o, &f->tp), OTELC_OK);
  otelc_resource_release(res);
  otelc_scope_info scope = {"test.scope", "1.2.3", NULL, NULL, 0};
  f->tracer = otelc_tracer_provider_get_tracer(f->tp, &scope);
}

static inline void fixture_free(fixture *f) {
  otelc_tracer_provider_free(f->tp);
  f->tp = NULL;
}

/* The i-th exported span. */
static inline otelc_span *fixture_span(fixture *f, size_t i) {
  otelc_span *s = otelc_memory_exporter_get(f->mem, i);
  assert_non_null(s);
  return s;
}

#endif /* OTELC_TEST_TRACE_FIXTURE_H */
