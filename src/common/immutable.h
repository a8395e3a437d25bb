/*
 * Whether bytes lie in memory that cannot change while the process runs:
 * the read-only segments (string literals, constant tables, code) of
 * objects that are never unloaded, that is the main program and shared
 * libraries linked with -z nodelete (every otelc library is). A pointer
 * into those segments names the same bytes for ever, so caches may
 * compare such pointers instead of the bytes they point to.
 *
 * Other shared libraries are left out on purpose: one opened with dlopen
 * may be closed, and another mapped at the same address with other
 * contents. A program that makes its own read-only segments writable
 * (mprotect) must not rely on this.
 */
#ifndef OTELC_SRC_COMMON_IMMUTABLE_H
#define OTELC_SRC_COMMON_IMMUTABLE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether [p, p + len) lies in one read-only segment of an object that
 * is never unloaded. Thread-safe; reads the program headers again when
 * objects were loaded since the last look, so it is meant for slow paths
 * (a few hundred nanoseconds then). */
bool otelc__immutable(const void *p, size_t len);

#endif /* OTELC_SRC_COMMON_IMMUTABLE_H */
