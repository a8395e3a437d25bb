/* W3C Baggage extraction from arbitrary headers. The input holds up to
 * four "baggage" header values separated by 0x00 bytes (the carrier joins
 * them with ','). Whatever baggage comes out must be within the limits,
 * hold only token names and valid UTF-8 values, be written by injection
 * into one header of at most 8192 bytes, and read back from that header
 * as exactly the same entries. */
#include <stdbool.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "otelc/otelc.h"

#define MAX_HEADERS 4
#define MAX_HEADER_BYTES 8192

static bool is_tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_valid(const unsigned char *s) {
  while (*s) {
    unsigned char c = *s;
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      s++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf)
      n = 1;
    else if (c >= 0xe0 && c <= 0xef)
      n = 2;
    else if (c >= 0xf0 && c <= 0xf4)
      n = 3;
    else
      return false;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
    else if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
      return false;
    for (size_t i = 2; i <= n; i++)
      if (s[i] < 0x80 || s[i] > 0xbf)
        return false;
    s += n + 1;
  }
  return true;
}

static bool same_str(const char *a, const char *b) {
  if (!a)
    a = "";
  if (!b)
    b = "";
  return strcmp(a, b) == 0;
}

static void check_entries(const otelc_baggage *b) {
  size_t n = otelc_baggage_count(b);
  if (n > OTELC_BAGGAGE_MAX_ENTRIES)
    abort();
  for (size_t i = 0; i < n; i++) {
    const char *name = NULL, *value = NULL, *meta = NULL;
    if (!otelc_baggage_entry(b, i, &name, &value, &meta) || !name || !value ||
        !name[0])
      abort();
    for (const char *p = name; *p; p++)
      if (!is_tchar((unsigned char)*p))
        abort();
    if (!utf8_valid((const unsigned char *)value))
      abort();
    for (size_t j = 0; j < i; j++) {
      const char *other = NULL;
      otelc_baggage_entry(b, j, &other, NULL, NULL);
      if (strcmp(other, name) == 0)
        abort(); /* duplicates were merged */
    }
  }
}

static bool same_baggage(const otelc_baggage *a, const otelc_baggage *b) {
  size_t n = otelc_baggage_count(a);
  if (n != otelc_baggage_count(b))
    return false;
  for (size_t i = 0; i < n; i++) {
    const char *an, *av, *am, *bn, *bv, *bm;
    if (!otelc_baggage_entry(a, i, &an, &av, &am) ||
        !otelc_baggage_entry(b, i, &bn, &bv, &bm))
      return false;
    if (strcmp(an, bn) != 0 || strcmp(av, bv) != 0 || !same_str(am, bm))
      return false;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  char *in = fuzz_cstring(data, size);
  otelc_propagator *p = otelc_propagator_baggage();
  if (!in || !p)
    abort();

  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  const char *v = in;
  for (int i = 0; i < MAX_HEADERS && v <= in + size; i++) {
    if (otelc_kv_carrier_add(&kv, "baggage", v) != OTELC_OK)
      abort();
    v += strlen(v) + 1;
  }
  otelc_context *first = otelc_propagator_extract(p, NULL, &kv.carrier);
  const otelc_baggage *b1 = otelc_context_baggage(first);
  check_entries(b1);

  otelc_kv_carrier out;
  otelc_kv_carrier_init(&out);
  if (otelc_propagator_inject(p, first, &out.carrier) != OTELC_OK)
    abort();
  const char *h = out.carrier.get(out.carrier.self, "baggage");
  if ((h == NULL) != (otelc_baggage_count(b1) == 0))
    abort();
  if (h && strlen(h) > MAX_HEADER_BYTES)
    abort();

  otelc_context *second = otelc_propagator_extract(p, NULL, &out.carrier);
  if (!same_baggage(b1, otelc_context_baggage(second)))
    abort();

  otelc_context_release(second);
  otelc_context_release(first);
  otelc_kv_carrier_clear(&out);
  otelc_kv_carrier_clear(&kv);
  otelc_propagator_free(p);
  free(in);
  return 0;
}
