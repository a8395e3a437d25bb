/* The growable byte buffer the OTLP encoders write into. */
#include "export/otlp/otlp_internal.h"

#define MIN_CAP 4096u

void otelc__buf_init(otelc__buf *b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->failed = false;
}

void otelc__buf_free(otelc__buf *b) {
  if (!b)
    return;
  otelc__free(b->data);
  otelc__buf_init(b);
}

bool otelc__buf_grow(otelc__buf *b, size_t extra) {
  size_t max = OTELC__OTLP_MAX_REQUEST;
  if (b->len > max || extra > max - b->len) {
    b->failed = true;
    return false;
  }
  size_t need = b->len + extra;
  if (need <= b->cap)
    return true;
  /* Doubling from MIN_CAP, never past max (need <= max). */
  size_t cap = b->cap < MIN_CAP ? MIN_CAP : b->cap;
  while (cap < need)
    cap = cap > max / 2 ? max : cap * 2;
  uint8_t *p = otelc__realloc(b->data, cap);
  if (!p) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}
