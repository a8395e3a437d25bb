/*
 * Small fixed-size blocks for short-lived objects (contexts, tracestates)
 * that are made on one thread and often released on another. Each thread
 * keeps a few free blocks of each size, so making and releasing one costs
 * no call into the system allocator in the steady state.
 */
#ifndef OTELC_SRC_COMMON_BLOCKS_H
#define OTELC_SRC_COMMON_BLOCKS_H

#include <stddef.h>

enum { OTELC__BLOCK_64 = 0, OTELC__BLOCK_128 = 1 };

/* Size in bytes of a block of class @p cls. */
#define OTELC__BLOCK_SIZE(cls) ((size_t)64 << (cls))

/* A block of class @p cls (uninitialised), or NULL when memory ran out. */
void *otelc__block_alloc(int cls);

/* Give back a block of class @p cls; NULL is ignored. */
void otelc__block_free(void *p, int cls);

#endif /* OTELC_SRC_COMMON_BLOCKS_H */
