/* The Prometheus endpoint's parser of X-Prometheus-Scrape-Timeout-Seconds,
 * a header every scraper (or anyone reaching the port) can send: it must
 * not read past the bytes given, and what it accepts must be a positive
 * number of milliseconds of at most one day; the collection timeout made
 * from it stays within its bounds. */
#include "fuzz_common.h"
#include "prom_module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  /* Exactly the bytes given, no terminator: reads past them fault. */
  char *exact = malloc(size ? size : 1);
  if (!exact)
    return 0;
  memcpy(exact, data, size);
  uint32_t ms = 0;
  if (otelc__prom_parse_timeout(exact, size, &ms) &&
      (ms == 0 || ms > 86400000u))
    abort();
  free(exact);

  char *s = fuzz_cstring(data, size);
  if (!s)
    return 0;
  uint32_t t = otelc__prom_collect_timeout(s);
  if (t < OTELC__PROM_MIN_TIMEOUT_MS || t > OTELC__PROM_MAX_TIMEOUT_MS)
    abort();
  free(s);
  return 0;
}
