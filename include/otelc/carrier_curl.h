/*
 * otelc/carrier_curl.h - a carrier over a libcurl header list, for
 * injecting the current trace into an outgoing request:
 *
 *   struct curl_slist *headers = NULL;
 *   otelc_curl_carrier cc;
 *   otelc_curl_carrier_init(&cc, &headers);
 *   otelc_inject(&cc.carrier);
 *   curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
 *   ... after the transfer: curl_slist_free_all(headers);
 *       otelc_curl_carrier_clear(&cc);
 *
 * Header-only: libotelc does not link libcurl; this file uses the
 * program's own libcurl. Keys are matched case-insensitively.
 */
#ifndef OTELC_CARRIER_CURL_H
#define OTELC_CARRIER_CURL_H

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otelc/propagation.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_curl_carrier {
  struct curl_slist **list; /* the caller's list; appended to by set */
  char *buf;                /* the last value returned by get */
  otelc_carrier carrier;    /* pass &cc.carrier to propagators */
} otelc_curl_carrier;

/* The value part of "Name: value" when Name matches @p key, else NULL. */
static inline const char *otelc__curl_header_value(const char *line,
                                                   const char *key) {
  size_t klen = strlen(key);
  if (strncasecmp(line, key, klen) != 0 || line[klen] != ':')
    return NULL;
  line += klen + 1;
  while (*line == ' ' || *line == '\t')
    line++;
  return line;
}

static inline const char *otelc__curl_get(void *self, const char *key) {
  otelc_curl_carrier *cc = (otelc_curl_carrier *)self;
  size_t total = 0, n = 0;
  for (struct curl_slist *l = *cc->list; l; l = l->next) {
    const char *v = otelc__curl_header_value(l->data, key);
    if (v) {
      total += strlen(v) + 1;
      n++;
    }
  }
  if (n == 0)
    return NULL;
  char *buf = (char *)realloc(cc->buf, total);
  if (!buf)
    return NULL;
  cc->buf = buf;
  size_t at = 0;
  int later = 0; /* a comma goes before every value but the first */
  for (struct curl_slist *l = *cc->list; l; l = l->next) {
    const char *v = otelc__curl_header_value(l->data, key);
    if (!v)
      continue;
    size_t len = strlen(v);
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
      len--;
    if (later)
      buf[at++] = ',';
    later = 1;
    memcpy(buf + at, v, len);
    at += len;
  }
  buf[at] = '\0';
  return buf;
}

static inline otelc_status otelc__curl_set(void *self, const char *key,
                                           const char *value) {
  otelc_curl_carrier *cc = (otelc_curl_carrier *)self;
  /* Drop earlier lines with this name so the value replaces them. */
  struct curl_slist **pp = cc->list;
  while (*pp) {
    if (otelc__curl_header_value((*pp)->data, key)) {
      struct curl_slist *dead = *pp;
      *pp = dead->next;
      dead->next = NULL;
      curl_slist_free_all(dead);
    } else {
      pp = &(*pp)->next;
    }
  }
  size_t klen = strlen(key), vlen = strlen(value);
  char *line = (char *)malloc(klen + vlen + 3);
  if (!line)
    return OTELC_ERR_NOMEM;
  memcpy(line, key, klen);
  memcpy(line + klen, ": ", 2);
  memcpy(line + klen + 2, value, vlen + 1);
  struct curl_slist *grown = curl_slist_append(*cc->list, line);
  free(line);
  if (!grown)
    return OTELC_ERR_NOMEM;
  *cc->list = grown;
  return OTELC_OK;
}

static inline void otelc__curl_keys(void *self,
                                    void (*fn)(void *ud, const char *key),
                                    void *ud) {
  otelc_curl_carrier *cc = (otelc_curl_carrier *)self;
  char name[256];
  for (struct curl_slist *l = *cc->list; l; l = l->next) {
    const char *colon = strchr(l->data, ':');
    size_t n = colon ? (size_t)(colon - l->data) : 0;
    if (n == 0 || n >= sizeof name)
      continue;
    memcpy(name, l->data, n);
    name[n] = '\0';
    fn(ud, name);
  }
}

/** @brief Wrap @p list (which may point to NULL: an empty list). */
static inline void otelc_curl_carrier_init(otelc_curl_carrier *cc,
                                           struct curl_slist **list) {
  cc->list = list;
  cc->buf = NULL;
  cc->carrier.get = otelc__curl_get;
  cc->carrier.set = otelc__curl_set;
  cc->carrier.keys = otelc__curl_keys;
  cc->carrier.self = cc;
}

/** @brief Free the carrier's own buffer (not the list). */
static inline void otelc_curl_carrier_clear(otelc_curl_carrier *cc) {
  free(cc->buf);
  cc->buf = NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* OTELC_CARRIER_CURL_H */
