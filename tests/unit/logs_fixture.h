/* A logger provider whose records land in a memory exporter, and a tracer
 * provider for spans to correlate with, for the logs unit tests. */
#ifndef OTELC_TEST_LOGS_FIXTURE_H
#define OTELC_TEST_LOGS_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h> /* after the headers it needs */

#include "otelc/logs.h"
#include "otelc/otelc.h"

/* A scope for loggers and tracers whose name does not matter. */
static const otelc_scope_info lfix_scope = {"test", NULL, NULL, NULL, 0};

typedef struct lfix {
  otelc_logger_provider *lp;
  otelc_log_exporter *mem; /* owned by the provider */
  otelc_logger *logger;
  otelc_tracer_provider *tp; /* always_on, simple processor, memory */
  otelc_tracer *tracer;
} lfix;

/* Provider options the fixture fills in: processors and resource. */
static inline void lfix_init_opts(lfix *f, otelc_logger_provider_opts *o) {
  assert_int_equal(otelc_memory_log_exporter_new(&f->mem), OTELC_OK);
  otelc_log_processor *proc = NULL;
  assert_int_equal(otelc_simple_log_processor_new(f->mem, &proc), OTELC_OK);
  otelc_resource *res = NULL;
  otelc_attr ra = OTELC_STR("service.name", "logs-test");
  assert_int_equal(otelc_resource_new(&ra, 1, NULL, &res), OTELC_OK);
  o->resource = res;
  o->processors = &proc;
  o->n_processors = 1;
  assert_int_equal(otelc_logger_provider_new(o, &f->lp), OTELC_OK);
  otelc_resource_release(res);
  otelc_scope_info scope = {"test.logs", "1.0", NULL, NULL, 0};
  f->logger = otelc_logger_provider_get_logger(f->lp, &scope);

  otelc_span_exporter *se = NULL;
  otelc_span_processor *sp = NULL;
  assert_int_equal(otelc_memory_exporter_new(&se), OTELC_OK);
  assert_int_equal(otelc_simple_span_processor_new(se, &sp), OTELC_OK);
  otelc_tracer_provider_opts to = {0};
  to.sampler = otelc_sampler_always_on();
  to.processors = &sp;
  to.n_processors = 1;
  assert_int_equal(otelc_tracer_provider_new(&to, &f->tp), OTELC_OK);
  f->tracer = otelc_tracer_provider_get_tracer(f->tp, &lfix_scope);
}

/* The default fixture: no severity minimum, not trace based, default
 * limits. */
static inline void lfix_init(lfix *f) {
  otelc_logger_provider_opts o = {0};
  otelc_log_limits lim = {128, UINT32_MAX};
  o.limits = &lim;
  lfix_init_opts(f, &o);
}

static inline void lfix_free(lfix *f) {
  otelc_logger_provider_free(f->lp);
  otelc_tracer_provider_free(f->tp);
  memset(f, 0, sizeof *f);
}

static inline size_t lfix_count(lfix *f) {
  return otelc_memory_log_exporter_count(f->mem);
}

/* The data of the i-th exported record. */
static inline const otelc_log_data *lfix_get(lfix *f, size_t i) {
  otelc_log_record *r = otelc_memory_log_exporter_get(f->mem, i);
  assert_non_null(r);
  const otelc_log_data *d = otelc_log_record_data(r);
  assert_non_null(d);
  return d;
}

/* The attribute @p key of @p d, or NULL. */
static inline const otelc_value *lfix_attr(const otelc_log_data *d,
                                           const char *key) {
  for (size_t i = 0; i < d->n_attrs; i++)
    if (strcmp(d->attrs[i].key, key) == 0)
      return &d->attrs[i].value;
  return NULL;
}

/* Emit a record with just a severity and a string body. */
static inline otelc_status lfix_emit(otelc_logger *l, int severity,
                                     const char *body) {
  otelc_log_emit e = {0};
  e.severity = severity;
  e.body_str = body;
  return otelc_logger_emit(l, &e);
}

static inline bool lfix_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

#endif /* OTELC_TEST_LOGS_FIXTURE_H */
