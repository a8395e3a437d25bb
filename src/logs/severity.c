/* Severity numbers: their short names and the mapping from syslog
 * priorities. Thread-safe: static tables only. */
#include "logs/logs_internal.h"

const char *otelc_severity_name(int severity) {
  static const char *const names[25] = {
      "UNSPECIFIED", "TRACE",  "TRACE2", "TRACE3", "TRACE4", "DEBUG",  "DEBUG2",
      "DEBUG3",      "DEBUG4", "INFO",   "INFO2",  "INFO3",  "INFO4",  "WARN",
      "WARN2",       "WARN3",  "WARN4",  "ERROR",  "ERROR2", "ERROR3", "ERROR4",
      "FATAL",       "FATAL2", "FATAL3", "FATAL4"};
  if (severity < 0 || severity > 24)
    return names[0];
  return names[severity];
}

/* By syslog level (the low 3 bits of a priority): severity and the name
 * syslog itself uses for the level. */
static const struct {
  otelc_severity severity;
  const char *name;
} syslog_levels[8] = {
    {(otelc_severity)24, "emerg"},   {(otelc_severity)23, "alert"},
    {(otelc_severity)21, "crit"},    {(otelc_severity)17, "err"},
    {(otelc_severity)13, "warning"}, {(otelc_severity)10, "notice"},
    {(otelc_severity)9, "info"},     {(otelc_severity)5, "debug"}};

otelc_severity otelc_severity_from_syslog(int priority) {
  return syslog_levels[priority & 7].severity;
}

const char *otelc__syslog_level_name(int priority) {
  return syslog_levels[priority & 7].name;
}
