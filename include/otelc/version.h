/*
 * otelc/version.h - compile-time and run-time version of otelc.
 *
 * Versions with the same major number are ABI compatible (see docs/ABI.md).
 */
#ifndef OTELC_VERSION_H
#define OTELC_VERSION_H

#include "otelc/export_macros.h"

#define OTELC_VERSION_MAJOR 0
#define OTELC_VERSION_MINOR 1
#define OTELC_VERSION_PATCH 0
#define OTELC_VERSION_STRING "0.1.0"

/* 0xMMmmpp: one byte each for major, minor and patch. */
#define OTELC_VERSION_NUM                                                     \
  ((OTELC_VERSION_MAJOR << 16) | (OTELC_VERSION_MINOR << 8) |                 \
   OTELC_VERSION_PATCH)

/* True when the headers are at least version x.y.z. */
#define OTELC_VERSION_AT_LEAST(x, y, z)                                       \
  (OTELC_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Version string of the linked library, e.g. "0.1.0".
 * @return A static string; never NULL. Thread safety: safe from any thread.
 */
OTELC_API const char *otelc_version(void);

/**
 * @brief Version number of the linked library in OTELC_VERSION_NUM form.
 * Thread safety: safe from any thread.
 */
OTELC_API unsigned otelc_version_num(void);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_VERSION_H */
