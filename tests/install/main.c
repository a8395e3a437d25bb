/* Uses an installed otelc: checks that the headers and the library found
 * agree on the version, and prints it. */
#include <otelc/otelc.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  const char *v = otelc_version();
  if (v == NULL || strcmp(v, OTELC_VERSION_STRING) != 0) {
    fprintf(stderr, "library version %s, headers %s\n", v ? v : "(null)",
            OTELC_VERSION_STRING);
    return 1;
  }
  if (otelc_version_num() != OTELC_VERSION_NUM) {
    fprintf(stderr, "library version number %06x, headers %06x\n",
            otelc_version_num(), (unsigned)OTELC_VERSION_NUM);
    return 1;
  }
  printf("otelc %s\n", v);
  return 0;
}
