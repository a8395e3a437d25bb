/*
 * otelc/export_macros.h - symbol visibility for the public API.
 */
#ifndef OTELC_EXPORT_MACROS_H
#define OTELC_EXPORT_MACROS_H

#if defined(_WIN32)
#if defined(OTELC_BUILDING_SHARED)
#define OTELC_API __declspec(dllexport)
#elif defined(OTELC_USING_SHARED)
#define OTELC_API __declspec(dllimport)
#else
#define OTELC_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define OTELC_API __attribute__((visibility("default")))
#else
#define OTELC_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#define OTELC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define OTELC_PRINTF(fmt, args)
#endif

#endif /* OTELC_EXPORT_MACROS_H */
