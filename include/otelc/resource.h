/*
 * otelc/resource.h - the entity producing telemetry (service, host,
 * process), attached to every span, metric point and log record.
 */
#ifndef OTELC_RESOURCE_H
#define OTELC_RESOURCE_H

#include "otelc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Immutable, reference-counted set of resource attributes. */
typedef struct otelc_resource otelc_resource;

/**
 * What a program says about itself. Every field is optional (NULL / 0).
 *
 * service_name, service_version and deployment_environment are defaults
 * that the environment overrides: OTEL_SERVICE_NAME beats service_name,
 * and OTEL_RESOURCE_ATTRIBUTES beats all three. @c attrs are the
 * program's own resource attributes and take priority over
 * OTEL_RESOURCE_ATTRIBUTES, as the specification requires.
 */
typedef struct otelc_resource_opts {
  const char *service_name;
  const char *service_version;
  const char *deployment_environment; /**< deployment.environment.name */
  const otelc_attr *attrs;
  size_t n_attrs;
  const char *schema_url;
} otelc_resource_opts;

/**
 * @brief Build the resource a provider uses, each step overriding the
 * previous one: SDK attributes (telemetry.sdk.name/language/version) and
 * detected ones (process.pid, process.executable.name, host.name, and
 * service.name "unknown_service:<executable>"); the service_name,
 * service_version and deployment_environment of @p opts;
 * OTEL_RESOURCE_ATTRIBUTES (percent-decoded); opts->attrs; and last
 * OTEL_SERVICE_NAME.
 *
 * An OTEL_RESOURCE_ATTRIBUTES value that cannot be decoded is discarded as
 * a whole and reported once through the diagnostic log.
 *
 * @param opts may be NULL.
 * @param out receives a new resource (one reference owned by the caller).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG (out is NULL), OTELC_ERR_NOMEM.
 * Thread safety: safe from any thread (reads the environment).
 */
OTELC_API otelc_status otelc_resource_create(const otelc_resource_opts *opts,
                                             otelc_resource **out);

/**
 * @brief A resource holding exactly @p attrs (copied), nothing detected.
 * Later duplicates of a key replace earlier ones.
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_resource_new(const otelc_attr *attrs, size_t n,
                                          const char *schema_url,
                                          otelc_resource **out);

/**
 * @brief Merge: attributes of @p updating win over those of @p base (even
 * empty ones). Schema URL: taken from whichever side has one; if both
 * have different ones the result has none and a warning is logged.
 * Either input may be NULL (treated as empty).
 * @return OTELC_OK, OTELC_ERR_INVALID_ARG, OTELC_ERR_NOMEM.
 */
OTELC_API otelc_status otelc_resource_merge(const otelc_resource *base,
                                            const otelc_resource *updating,
                                            otelc_resource **out);

/** @brief Take another reference. Returns @p r. Thread-safe. */
OTELC_API otelc_resource *otelc_resource_ref(otelc_resource *r);

/** @brief Drop a reference; frees at zero. NULL is ignored. Thread-safe. */
OTELC_API void otelc_resource_release(otelc_resource *r);

/** @brief Number of attributes. NULL gives 0. */
OTELC_API size_t otelc_resource_attr_count(const otelc_resource *r);

/**
 * @brief The i-th attribute (borrowed, valid while @p r lives), or NULL
 * when out of range.
 */
OTELC_API const otelc_attr *otelc_resource_attr(const otelc_resource *r,
                                                size_t i);

/** @brief Value of @p key (borrowed), or NULL if absent. */
OTELC_API const otelc_value *otelc_resource_get(const otelc_resource *r,
                                                const char *key);

/** @brief Schema URL (borrowed) or NULL. */
OTELC_API const char *otelc_resource_schema_url(const otelc_resource *r);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_RESOURCE_H */
