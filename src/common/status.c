/* Status codes and the library version. */
#include "common/internal.h"
#include "otelc/version.h"

const char *otelc_strerror(otelc_status status) {
  switch (status) {
  case OTELC_OK:
    return "success";
  case OTELC_ERR_INVALID_ARG:
    return "invalid argument";
  case OTELC_ERR_NOMEM:
    return "out of memory";
  case OTELC_ERR_TIMEOUT:
    return "timed out";
  case OTELC_ERR_SHUTDOWN:
    return "already shut down";
  case OTELC_ERR_QUEUE_FULL:
    return "queue full, data dropped";
  case OTELC_ERR_EXPORT:
    return "export failed";
  case OTELC_ERR_PARSE:
    return "could not parse input";
  case OTELC_ERR_UNSUPPORTED:
    return "not supported in this build";
  case OTELC_ERR_LIMIT:
    return "data dropped or truncated by a limit";
  case OTELC_ERR_STATE:
    return "not valid in the current state";
  case OTELC_ERR_IO:
    return "operating-system call failed";
  }
  return "unknown status";
}

const char *otelc_status_name(otelc_status status) {
  switch (status) {
  case OTELC_OK:
    return "OK";
  case OTELC_ERR_INVALID_ARG:
    return "ERR_INVALID_ARG";
  case OTELC_ERR_NOMEM:
    return "ERR_NOMEM";
  case OTELC_ERR_TIMEOUT:
    return "ERR_TIMEOUT";
  case OTELC_ERR_SHUTDOWN:
    return "ERR_SHUTDOWN";
  case OTELC_ERR_QUEUE_FULL:
    return "ERR_QUEUE_FULL";
  case OTELC_ERR_EXPORT:
    return "ERR_EXPORT";
  case OTELC_ERR_PARSE:
    return "ERR_PARSE";
  case OTELC_ERR_UNSUPPORTED:
    return "ERR_UNSUPPORTED";
  case OTELC_ERR_LIMIT:
    return "ERR_LIMIT";
  case OTELC_ERR_STATE:
    return "ERR_STATE";
  case OTELC_ERR_IO:
    return "ERR_IO";
  }
  return "UNKNOWN";
}

const char *otelc_version(void) { return OTELC_VERSION_STRING; }

unsigned otelc_version_num(void) { return OTELC_VERSION_NUM; }
