/*
 * Configuration of the Prometheus endpoint: options, then
 * OTEL_EXPORTER_PROMETHEUS_HOST/_PORT over them, and the scrape timeout
 * the scraper announces. Safe from any thread (reads the environment).
 */
#include <stdio.h>

#include "common/env.h"
#include "common/internal.h"
#include "prom_module.h"

#define ENV_HOST "OTEL_EXPORTER_PROMETHEUS_HOST"
#define ENV_PORT "OTEL_EXPORTER_PROMETHEUS_PORT"

bool otelc__prom_host_ok(const char *host) {
  size_t n = host ? strlen(host) : 0;
  if (n == 0 || n > OTELC__PROM_HOST_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)host[i];
    if (c <= ' ' || c >= 0x7f)
      return false;
  }
  return true;
}

bool otelc__prom_host_copy(const char *host,
                           char out[OTELC__PROM_HOST_MAX + 1]) {
  size_t n = host ? strlen(host) : 0;
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
    host++;
    n -= 2;
  }
  if (n == 0 || n > OTELC__PROM_HOST_MAX)
    return false;
  memcpy(out, host, n);
  out[n] = '\0';
  return otelc__prom_host_ok(out);
}

/* The value without spaces and tabs around it, into @p out. */
static void trimmed(const char *v, char *out, size_t cap) {
  while (*v == ' ' || *v == '\t')
    v++;
  size_t n = strlen(v);
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  if (n >= cap)
    n = cap - 1;
  memcpy(out, v, n);
  out[n] = '\0';
}

otelc_status otelc__prom_config_resolve(const otelc_prometheus_opts *opts,
                                        otelc__prom_config *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->host, sizeof out->host, "%s", OTELC__PROM_DEFAULT_HOST);
  out->host_from = "default";
  out->port = OTELC__PROM_DEFAULT_PORT;
  out->port_from = "default";

  if (opts && opts->host && opts->host[0]) {
    if (!otelc__prom_host_copy(opts->host, out->host))
      return OTELC_ERR_INVALID_ARG;
    out->host_from = "option";
  }
  if (opts && opts->port != 0) {
    if (opts->port < -1 || opts->port > 65535)
      return OTELC_ERR_INVALID_ARG;
    out->port = opts->port == -1 ? 0 : (uint16_t)opts->port;
    out->port_from = "option";
  }

  const char *v = otelc__env_get(ENV_HOST);
  if (v) {
    char tmp[OTELC__PROM_HOST_MAX + 2];
    char host[OTELC__PROM_HOST_MAX + 1];
    char q[OTELC__QUOTE_BUF];
    trimmed(v, tmp, sizeof tmp);
    if (strlen(v) <= OTELC__PROM_HOST_MAX + 16 &&
        otelc__prom_host_copy(tmp, host)) {
      memcpy(out->host, host, sizeof host);
      out->host_from = ENV_HOST;
    } else {
      otelc__warn("%s=\"%s\" is not a usable host; using %s", ENV_HOST,
                  otelc__env_quote(v, q), out->host);
    }
  }
  uint32_t port = 0;
  if (otelc__env_uint_opt(ENV_PORT, &port)) {
    if (port >= 1 && port <= 65535) {
      out->port = (uint16_t)port;
      out->port_from = ENV_PORT;
    } else {
      char q[OTELC__QUOTE_BUF];
      otelc__warn("%s=\"%s\" is not a port (1 to 65535); using %u", ENV_PORT,
                  otelc__env_quote(otelc__env_get(ENV_PORT), q),
                  (unsigned)out->port);
    }
  }
  return OTELC_OK;
}

bool otelc__prom_parse_timeout(const char *s, size_t n, uint32_t *ms) {
  if (!s)
    return false;
  if (n == SIZE_MAX)
    n = strlen(s);
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  /* Whole seconds, capped at one day, then up to 3 decimals used. */
  uint64_t whole = 0, frac = 0;
  size_t digits = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    if (whole <= 86400)
      whole = whole * 10 + (uint64_t)(s[i] - '0');
  if (i < n && s[i] == '.') {
    i++;
    size_t fd = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++, digits++)
      if (fd < 3)
        frac = frac * 10 + (uint64_t)(s[i] - '0');
    for (; fd < 3; fd++)
      frac *= 10;
  }
  if (digits == 0 || i != n)
    return false;
  uint64_t total = whole > 86400 ? 86400000u : whole * 1000 + frac;
  if (total > 86400000u)
    total = 86400000u;
  if (total == 0)
    return false;
  *ms = (uint32_t)total;
  return true;
}

uint32_t otelc__prom_collect_timeout(const char *header) {
  uint32_t ms;
  if (!otelc__prom_parse_timeout(header, SIZE_MAX, &ms))
    return OTELC__PROM_DEFAULT_TIMEOUT_MS;
  uint64_t t = (uint64_t)ms * 9 / 10;
  if (t < OTELC__PROM_MIN_TIMEOUT_MS)
    t = OTELC__PROM_MIN_TIMEOUT_MS;
  if (t > OTELC__PROM_MAX_TIMEOUT_MS)
    t = OTELC__PROM_MAX_TIMEOUT_MS;
  return (uint32_t)t;
}
