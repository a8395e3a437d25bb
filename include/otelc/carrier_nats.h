/*
 * otelc/carrier_nats.h - a carrier over the headers of a nats.c message
 * (natsMsg), for publishing and receiving traced messages:
 *
 *   otelc_nats_carrier nc;
 *   otelc_nats_carrier_init(&nc, msg);
 *   otelc_inject(&nc.carrier);            before natsConnection_PublishMsg
 *   otelc_context *ctx = otelc_extract(&nc.carrier);    in the subscriber
 *   otelc_nats_carrier_clear(&nc);
 *
 * Header-only: libotelc does not link libnats. nats.c header keys are
 * case-sensitive; otelc writes lowercase keys and, when reading, falls
 * back to a case-insensitive match so that "Traceparent" from other
 * clients is found too.
 */
#ifndef OTELC_CARRIER_NATS_H
#define OTELC_CARRIER_NATS_H

#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otelc/propagation.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_nats_carrier {
  natsMsg *msg;
  char *buf;             /* the last value returned by get */
  otelc_carrier carrier; /* pass &nc.carrier to propagators */
} otelc_nats_carrier;

/* Join the values of exactly @p key into the carrier's buffer. */
static inline const char *otelc__nats_join(otelc_nats_carrier *nc,
                                           const char *key) {
  const char **values = NULL;
  int count = 0;
  if (natsMsgHeader_Values(nc->msg, key, &values, &count) != NATS_OK)
    return NULL;
  size_t total = 1;
  for (int i = 0; i < count; i++)
    total += strlen(values[i] ? values[i] : "") + 1;
  char *buf = (char *)realloc(nc->buf, total);
  if (!buf) {
    free((void *)values);
    return NULL;
  }
  nc->buf = buf;
  size_t at = 0;
  for (int i = 0; i < count; i++) {
    const char *v = values[i] ? values[i] : "";
    size_t len = strlen(v);
    if (i)
      buf[at++] = ',';
    memcpy(buf + at, v, len);
    at += len;
  }
  buf[at] = '\0';
  free((void *)values);
  return buf;
}

static inline const char *otelc__nats_get(void *self, const char *key) {
  otelc_nats_carrier *nc = (otelc_nats_carrier *)self;
  const char *v = otelc__nats_join(nc, key);
  if (v)
    return v;
  const char **keys = NULL;
  int count = 0;
  if (natsMsgHeader_Keys(nc->msg, &keys, &count) != NATS_OK)
    return NULL;
  for (int i = 0; i < count && !v; i++)
    if (strcasecmp(keys[i], key) == 0)
      v = otelc__nats_join(nc, keys[i]);
  free((void *)keys);
  return v;
}

static inline otelc_status otelc__nats_set(void *self, const char *key,
                                           const char *value) {
  otelc_nats_carrier *nc = (otelc_nats_carrier *)self;
  return natsMsgHeader_Set(nc->msg, key, value) == NATS_OK ? OTELC_OK
                                                           : OTELC_ERR_IO;
}

static inline void otelc__nats_keys(void *self,
                                    void (*fn)(void *ud, const char *key),
                                    void *ud) {
  otelc_nats_carrier *nc = (otelc_nats_carrier *)self;
  const char **keys = NULL;
  int count = 0;
  if (natsMsgHeader_Keys(nc->msg, &keys, &count) != NATS_OK)
    return;
  for (int i = 0; i < count; i++)
    fn(ud, keys[i]);
  free((void *)keys);
}

/** @brief Wrap the headers of @p msg. */
static inline void otelc_nats_carrier_init(otelc_nats_carrier *nc,
                                           natsMsg *msg) {
  nc->msg = msg;
  nc->buf = NULL;
  nc->carrier.get = otelc__nats_get;
  nc->carrier.set = otelc__nats_set;
  nc->carrier.keys = otelc__nats_keys;
  nc->carrier.self = nc;
}

/** @brief Free the carrier's own buffer (not the message). */
static inline void otelc_nats_carrier_clear(otelc_nats_carrier *nc) {
  free(nc->buf);
  nc->buf = NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* OTELC_CARRIER_NATS_H */
