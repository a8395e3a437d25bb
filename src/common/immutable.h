/*
 * Whether bytes lie in memory that cannot change while the process runs:
 * the read-only segments of the main program (string literals, constant
 * tables, code). The main program is never unloaded, so a pointer into
 * those segments names the same bytes for ever; caches may compare such
 * pointers instead of the bytes they point to.
 *
 * Shared libraries are left out on purpose: one opened with dlopen may be
 * closed, and another mapped at the same address with other contents.
 * A program that makes its own read-only segments writable (mprotect)
 * must not rely on this.
 */
#ifndef OTELC_SRC_COMMON_IMMUTABLE_H
#define OTELC_SRC_COMMON_IMMUTABLE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether [p, p + len) lies in one read-only segment of the main
 * program. Thread-safe; the first call reads the program headers. */
bool otelc__immutable(const void *p, size_t len);

#endif /* OTELC_SRC_COMMON_IMMUTABLE_H */
