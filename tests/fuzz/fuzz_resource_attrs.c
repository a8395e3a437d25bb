/* OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME from arbitrary input: the
 * resource is either built with well-formed attributes or the variable is
 * discarded; never a crash or a leak. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "otelc/otelc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  char *v = fuzz_cstring(data, size);
  if (!v)
    return 0;
  setenv("OTEL_RESOURCE_ATTRIBUTES", v, 1);
  if (size && data[0] & 1)
    setenv("OTEL_SERVICE_NAME", v, 1);
  otelc_resource *r = NULL;
  if (otelc_resource_create(NULL, &r) == OTELC_OK) {
    const otelc_value *sn = otelc_resource_get(r, "service.name");
    if (!sn || sn->type != OTELC_VALUE_STRING)
      abort();
    for (size_t i = 0; i < otelc_resource_attr_count(r); i++) {
      const otelc_attr *a = otelc_resource_attr(r, i);
      if (!a || !a->key || !a->key[0])
        abort();
      if (a->value.type == OTELC_VALUE_STRING &&
          a->value.u.str[a->value.len] != '\0')
        abort();
      /* Keys are unique. */
      for (size_t j = i + 1; j < otelc_resource_attr_count(r); j++)
        if (strcmp(a->key, otelc_resource_attr(r, j)->key) == 0)
          abort();
    }
    otelc_resource_release(r);
  }
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  unsetenv("OTEL_SERVICE_NAME");
  free(v);
  return 0;
}
