/*
 * otelc_setup's configuration: every field of otelc_setup_opts against
 * the variable that overrides it (the precedence table of setup.h), the
 * merged variables, and what the providers made from them see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/env.h"
#include "test_helpers.h"
#include "test_setup_fixture.h"

static int setup_each(void **state) {
  (void)state;
  setup_fixture_clear_env();
  test_diag_capture(); /* unknown exporter names are reported: keep quiet */
  return 0;
}

static int teardown_each(void **state) {
  (void)state;
  otelc_shutdown();
  setup_fixture_clear_env();
  test_diag_release();
  return 0;
}

/* ------------------------------------------------- precedence table -- */

/* One field of otelc_setup_opts, the variable it gives a default to, and
 * what otelc_config_get answers with the field only, the variable only,
 * and both. Every row leaves the exporters quiet ("none") unless the
 * exporters are what it is about. */
typedef struct row {
  const char *field;
  const char *var;
  otelc_setup_opts opts;
  const char *env;
  const char *want_field;
  const char *want_env;
  const char *want_both;
} row;

static const row table[] = {
    {"service_name",
     "OTEL_SERVICE_NAME",
     {.service_name = "svc-field", .exporters = "none"},
     "svc-env",
     "svc-field",
     "svc-env",
     "svc-env"},
    {"service_version",
     "OTEL_RESOURCE_ATTRIBUTES",
     {.service_version = "1.0.0", .exporters = "none"},
     "service.version=2.0.0",
     "service.version=1.0.0",
     "service.version=2.0.0",
     /* merged, the variable's keys last so that they win */
     "service.version=1.0.0,service.version=2.0.0"},
    {"environment",
     "OTEL_RESOURCE_ATTRIBUTES",
     {.environment = "dev", .exporters = "none"},
     "deployment.environment.name=prod",
     "deployment.environment.name=dev",
     "deployment.environment.name=prod",
     "deployment.environment.name=dev,deployment.environment.name=prod"},
    {"exporters (traces)",
     "OTEL_TRACES_EXPORTER",
     {.exporters = "none"},
     "rec",
     "none",
     "rec",
     "rec"},
    {"exporters (metrics)",
     "OTEL_METRICS_EXPORTER",
     {.exporters = "none"},
     "rec",
     "none",
     "rec",
     "rec"},
    {"exporters (logs)",
     "OTEL_LOGS_EXPORTER",
     {.exporters = "none"},
     "rec",
     "none",
     "rec",
     "rec"},
    {"exporters without prometheus outside metrics",
     "OTEL_TRACES_EXPORTER",
     {.exporters = "rec,prometheus"},
     "none",
     "rec",
     "none",
     "none"},
    {"console",
     "OTEL_TRACES_EXPORTER",
     {.console = true, .exporters = "none"},
     "rec",
     "none,console",
     "rec",
     "rec,console"},
    {"console (logs)",
     "OTEL_LOGS_EXPORTER",
     {.console = true, .exporters = "rec"},
     "rec,console",
     "rec,console",
     "rec,console",
     "rec,console"},
    {"console against an explicit none",
     "OTEL_METRICS_EXPORTER",
     {.console = true, .exporters = "none"},
     "none",
     "none,console",
     "none",
     "none"},
    {"prometheus",
     "OTEL_METRICS_EXPORTER",
     {.prometheus = true, .exporters = "none"},
     "rec",
     "none,prometheus",
     "rec",
     "rec,prometheus"},
    {"prometheus_port",
     "OTEL_EXPORTER_PROMETHEUS_PORT",
     {.prometheus_port = 9999, .exporters = "none"},
     "9000",
     "9999",
     "9000",
     "9000"},
    {"otlp_endpoint",
     "OTEL_EXPORTER_OTLP_ENDPOINT",
     {.otlp_endpoint = "http://field:4318", .exporters = "none"},
     "http://env:4318",
     "http://field:4318",
     "http://env:4318",
     "http://env:4318"},
    {"otlp_protocol",
     "OTEL_EXPORTER_OTLP_PROTOCOL",
     {.otlp_protocol = "grpc", .exporters = "none"},
     "http/json",
     "grpc",
     "http/json",
     "http/json"},
    {"otlp_headers",
     "OTEL_EXPORTER_OTLP_HEADERS",
     {.otlp_headers = "a=1", .exporters = "none"},
     "b=2",
     "a=1",
     "b=2",
     "b=2"},
    {"sampler",
     "OTEL_TRACES_SAMPLER",
     {.sampler = "always_off", .exporters = "none"},
     "always_on",
     "always_off",
     "always_on",
     "always_on"},
    {"sampler_arg",
     "OTEL_TRACES_SAMPLER_ARG",
     {.sampler = "traceidratio", .sampler_arg = "0.25", .exporters = "none"},
     "0.5",
     "0.25",
     "0.5",
     "0.5"},
};

/* Set up with @p opts (NULL: no fields) and @p env in @p var (NULL:
 * unset), and return what otelc_config_get says of @p var, copied. */
static void answer(const otelc_setup_opts *opts, const char *var,
                   const char *env, char *out, size_t cap) {
  if (env)
    setenv(var, env, 1);
  else
    unsetenv(var);
  assert_int_equal(otelc_setup(opts), OTELC_OK);
  const char *v = otelc_config_get(var);
  snprintf(out, cap, "%s", v ? v : "(null)");
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  unsetenv(var);
}

static void expect_answer(const row *r, const char *which, const char *got,
                          const char *want) {
  if (strcmp(got, want ? want : "(null)") != 0)
    fail_msg("field %s, %s: %s is '%s', expected '%s'", r->field, which, r->var,
             got, want ? want : "(null)");
}

static void test_precedence_table(void **state) {
  (void)state;
  static const otelc_setup_opts quiet = {.exporters = "none"};
  char got[256];
  for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
    const row *r = &table[i];
    answer(&r->opts, r->var, NULL, got, sizeof got);
    expect_answer(r, "field only", got, r->want_field);
    answer(&quiet, r->var, r->env, got, sizeof got);
    expect_answer(r, "variable only", got, r->want_env);
    answer(&r->opts, r->var, r->env, got, sizeof got);
    expect_answer(r, "field and variable", got, r->want_both);
  }
}

/* No fields at all: every signal prints to the console; nothing else has
 * a default. */
static void test_defaults_without_fields(void **state) {
  (void)state;
  setenv("OTEL_TRACES_EXPORTER", "none", 1); /* keep the output quiet */
  assert_int_equal(otelc_setup(NULL), OTELC_OK);
  assert_string_equal(otelc_config_get("OTEL_METRICS_EXPORTER"), "console");
  assert_string_equal(otelc_config_get("OTEL_LOGS_EXPORTER"), "console");
  assert_string_equal(otelc_config_get("OTEL_TRACES_EXPORTER"), "none");
  assert_null(otelc_config_get("OTEL_SERVICE_NAME"));
  assert_null(otelc_config_get("OTEL_RESOURCE_ATTRIBUTES"));
  assert_null(otelc_config_get("OTEL_TRACES_SAMPLER"));
  assert_null(otelc_config_get("OTEL_EXPORTER_OTLP_ENDPOINT"));
  assert_null(otelc_config_get("OTEL_EXPORTER_PROMETHEUS_PORT"));
}

/* -------------------------------------------------- the overlay itself -- */

static void test_config_get_without_setup(void **state) {
  (void)state;
  assert_null(otelc_config_get(NULL));
  assert_null(otelc_config_get("OTEL_SERVICE_NAME"));
  setenv("OTEL_SERVICE_NAME", "", 1); /* empty means unset */
  assert_null(otelc_config_get("OTEL_SERVICE_NAME"));
  setenv("OTEL_SERVICE_NAME", "x", 1);
  assert_string_equal(otelc_config_get("OTEL_SERVICE_NAME"), "x");
}

/* An empty variable is unset: the default applies. */
static void test_empty_variable_is_unset(void **state) {
  (void)state;
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "", 1);
  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){
          .exporters = "none", .otlp_endpoint = "http://collector:4318"}),
      OTELC_OK);
  assert_string_equal(otelc_config_get("OTEL_EXPORTER_OTLP_ENDPOINT"),
                      "http://collector:4318");
}

/* Every parser of src/common/env.c reads through the overlay, and the
 * defaults end with otelc_shutdown. */
static void test_env_parsers_see_defaults(void **state) {
  (void)state;
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.exporters = "none",
                                                   .prometheus_port = 9999,
                                                   .sampler = "always_off"}),
                   OTELC_OK);
  assert_string_equal(otelc__env_get("OTEL_EXPORTER_PROMETHEUS_PORT"), "9999");
  assert_int_equal(
      otelc__env_uint("OTEL_EXPORTER_PROMETHEUS_PORT", 9464, 0, 65535), 9999);
  static const char *const samplers[] = {"always_on", "always_off"};
  assert_int_equal(otelc__env_enum("OTEL_TRACES_SAMPLER", samplers, 2, 0), 1);
  assert_int_equal(otelc_shutdown(), OTELC_OK);
  assert_null(otelc__env_get("OTEL_EXPORTER_PROMETHEUS_PORT"));
  assert_int_equal(
      otelc__env_uint("OTEL_EXPORTER_PROMETHEUS_PORT", 9464, 0, 65535), 9464);
}

/* A variable changed after otelc_setup is used as it is now; the merged
 * value belonged to the old one. */
static void test_changed_variable_is_taken_as_is(void **state) {
  (void)state;
  setenv("OTEL_TRACES_EXPORTER", "rec", 1);
  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){.exporters = "none", .console = true}),
      OTELC_OK);
  assert_string_equal(otelc_config_get("OTEL_TRACES_EXPORTER"), "rec,console");
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  assert_string_equal(otelc_config_get("OTEL_TRACES_EXPORTER"), "none");
}

/* The argument of the program's sampler is not applied to a sampler the
 * environment chose. */
static void test_sampler_arg_follows_its_sampler(void **state) {
  (void)state;
  setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", 1);
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.exporters = "none",
                                                   .sampler = "traceidratio",
                                                   .sampler_arg = "0.25"}),
                   OTELC_OK);
  assert_null(otelc_config_get("OTEL_TRACES_SAMPLER_ARG"));
  unsetenv("OTEL_TRACES_SAMPLER");
  assert_string_equal(otelc_config_get("OTEL_TRACES_SAMPLER_ARG"), "0.25");
}

/* --------------------------------------------- effects on providers -- */

static const char *resource_str(const char *key) {
  otelc_tracer_provider *tp = otelc_tracer_provider_global();
  assert_non_null(tp);
  const otelc_value *v =
      otelc_resource_get(otelc_tracer_provider_resource(tp), key);
  return v && v->type == OTELC_VALUE_STRING ? v->u.str : NULL;
}

/* The fields reach the resource; OTEL_RESOURCE_ATTRIBUTES keys win one
 * by one and its other keys are kept; values with reserved characters
 * come through unchanged. */
static void test_resource_from_fields_and_env(void **state) {
  (void)state;
  setenv("OTEL_RESOURCE_ATTRIBUTES",
         "deployment.environment.name=prod,team=search", 1);
  assert_int_equal(
      otelc_setup(&(otelc_setup_opts){.exporters = "none",
                                      .service_name = "rag-service",
                                      .service_version = "1.2,3=4 %",
                                      .environment = "dev"}),
      OTELC_OK);
  assert_string_equal(resource_str("service.name"), "rag-service");
  assert_string_equal(resource_str("service.version"), "1.2,3=4 %");
  assert_string_equal(resource_str("deployment.environment.name"), "prod");
  assert_string_equal(resource_str("team"), "search");
  /* The meter provider sees the same resource. */
  otelc_meter_provider *mp = otelc_meter_provider_global();
  assert_non_null(mp);
}

/* service.name: OTEL_SERVICE_NAME, then a service.name in
 * OTEL_RESOURCE_ATTRIBUTES, then the field. */
static void test_service_name_precedence(void **state) {
  (void)state;
  otelc_setup_opts o = {.exporters = "none", .service_name = "field"};
  setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs", 1);
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  assert_string_equal(resource_str("service.name"), "from-attrs");
  assert_null(otelc_config_get("OTEL_SERVICE_NAME"));
  assert_int_equal(otelc_shutdown(), OTELC_OK);

  setenv("OTEL_SERVICE_NAME", "from-name", 1);
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  assert_string_equal(resource_str("service.name"), "from-name");
  assert_int_equal(otelc_shutdown(), OTELC_OK);

  setup_fixture_clear_env();
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  assert_string_equal(resource_str("service.name"), "field");
}

/* An OTEL_RESOURCE_ATTRIBUTES that cannot be decoded is discarded as a
 * whole (reported once); the fields still apply. */
static void test_invalid_resource_variable(void **state) {
  (void)state;
  setenv("OTEL_RESOURCE_ATTRIBUTES", "service.version=9,team=%zz", 1);
  test_diag_capture();
  assert_int_equal(otelc_setup(&(otelc_setup_opts){.exporters = "none",
                                                   .service_version = "1.0"}),
                   OTELC_OK);
  assert_int_equal(test_diag_seen.count, 1);
  assert_non_null(strstr(test_diag_seen.last, "OTEL_RESOURCE_ATTRIBUTES"));
  assert_non_null(strstr(test_diag_seen.last, "%zz"));
  assert_string_equal(resource_str("service.version"), "1.0");
  assert_null(resource_str("team"));
}

/* The sampler field, and the variable over it, decide what is recorded. */
static void test_sampler_reaches_the_provider(void **state) {
  (void)state;
  /* A provider without exporters records nothing at all: "rec". */
  otelc_setup_opts o = {.exporters = "rec", .sampler = "always_off"};
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  otelc_span *s = otelc_span_start(otelc_tracer_get("t", NULL), "x", NULL);
  assert_false(otelc_span_is_recording(s));
  otelc_span_end(s);
  assert_int_equal(otelc_shutdown(), OTELC_OK);

  setenv("OTEL_TRACES_SAMPLER", "always_on", 1);
  assert_int_equal(otelc_setup(&o), OTELC_OK);
  s = otelc_span_start(otelc_tracer_get("t", NULL), "x", NULL);
  assert_true(otelc_span_is_recording(s));
  otelc_span_end(s);
}

int main(void) {
  setup_fixture_register();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_precedence_table, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_defaults_without_fields, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_config_get_without_setup, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_empty_variable_is_unset, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_env_parsers_see_defaults, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_changed_variable_is_taken_as_is,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_sampler_arg_follows_its_sampler,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_resource_from_fields_and_env,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_service_name_precedence, setup_each,
                                      teardown_each),
      cmocka_unit_test_setup_teardown(test_invalid_resource_variable,
                                      setup_each, teardown_each),
      cmocka_unit_test_setup_teardown(test_sampler_reaches_the_provider,
                                      setup_each, teardown_each),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
