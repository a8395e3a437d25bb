/* traceparent from arbitrary bytes, given with their length and not
 * NUL-terminated (the copy is exactly as large as the input, so a read
 * past the end is caught). The parser must agree with a slow, obviously
 * correct reading of the W3C rules; whatever it accepts must write back
 * and read again to the same ids and flags; and the propagator must
 * extract exactly what the parser accepts. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "otelc/otelc.h"

static int ref_nibble(unsigned char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1;
}

/* Decode one field of 2n lowercase hex digits; false if not hex. */
static bool ref_field(const unsigned char *s, size_t n, uint8_t *out) {
  for (size_t i = 0; i < n; i++) {
    int hi = ref_nibble(s[2 * i]), lo = ref_nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return true;
}

static bool ref_nonzero(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (b[i])
      return true;
  return false;
}

/* The rules, one at a time. */
static bool ref_parse(const unsigned char *s, size_t len,
                      otelc_span_context *out) {
  size_t a = 0, b = len;
  while (a < b && (s[a] == ' ' || s[a] == '\t'))
    a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
    b--;
  s += a;
  len = b - a;
  if (len < 55)
    return false;
  uint8_t version;
  if (!ref_field(s, 1, &version) || version == 0xff)
    return false;
  if (s[2] != '-' || !ref_field(s + 3, 16, out->trace_id))
    return false;
  if (s[35] != '-' || !ref_field(s + 36, 8, out->span_id))
    return false;
  uint8_t flags;
  if (s[52] != '-' || !ref_field(s + 53, 1, &flags))
    return false;
  if (!ref_nonzero(out->trace_id, 16) || !ref_nonzero(out->span_id, 8))
    return false;
  if (len > 55) {
    if (version == 0 || s[55] != '-')
      return false;
    for (size_t i = 56; i < len; i++)
      if (s[i] == ',' || (s[i] != '\t' && (s[i] < 0x20 || s[i] > 0x7e)))
        return false;
  }
  out->trace_flags = flags & 0x03;
  out->is_remote = true;
  return true;
}

static bool same_sc(const otelc_span_context *a, const otelc_span_context *b) {
  return memcmp(a->trace_id, b->trace_id, 16) == 0 &&
         memcmp(a->span_id, b->span_id, 8) == 0 &&
         a->trace_flags == b->trace_flags && a->is_remote == b->is_remote;
}

static otelc_propagator *tc;

/* The propagator sees the input up to its first NUL, as a header. */
static void check_propagator(const char *value, size_t len) {
  otelc_span_context want;
  bool ok = otelc_traceparent_parse(value, len, &want) == OTELC_OK;
  otelc_kv_carrier kv;
  otelc_kv_carrier_init(&kv);
  if (otelc_kv_carrier_add(&kv, "traceparent", value) != OTELC_OK ||
      otelc_kv_carrier_add(&kv, "tracestate", "k=v, x=y") != OTELC_OK)
    abort();
  otelc_context *ctx = otelc_propagator_extract(tc, NULL, &kv.carrier);
  otelc_kv_carrier_clear(&kv);
  if (!ok) {
    if (ctx)
      abort();
    return;
  }
  otelc_span_context got;
  if (!ctx) /* memory ran out */
    return;
  if (!otelc_context_span_context(ctx, &got) || !same_sc(&got, &want))
    abort();
  const char *ts = otelc_context_tracestate(ctx);
  if (!ts || strcmp(ts, "k=v,x=y") != 0)
    abort();
  otelc_kv_carrier_init(&kv);
  if (otelc_propagator_inject(tc, ctx, &kv.carrier) != OTELC_OK)
    abort();
  char tp[OTELC_TRACEPARENT_LEN + 1];
  otelc_traceparent_format(&want, tp);
  const char *v = kv.carrier.get(kv.carrier.self, "traceparent");
  if (!v || strcmp(v, tp) != 0)
    abort();
  v = kv.carrier.get(kv.carrier.self, "tracestate");
  if (!v || strcmp(v, "k=v,x=y") != 0)
    abort();
  otelc_kv_carrier_clear(&kv);
  otelc_context_release(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  if (!tc)
    tc = otelc_propagator_tracecontext();
  char *s = malloc(size ? size : 1);
  if (!s)
    return 0;
  memcpy(s, data, size);

  otelc_span_context sc, ref, keep;
  memset(&sc, 0x5a, sizeof sc);
  keep = sc;
  memset(&ref, 0, sizeof ref);
  otelc_status st = otelc_traceparent_parse(s, size, &sc);
  bool want = ref_parse((const unsigned char *)s, size, &ref);
  if (st != OTELC_OK && st != OTELC_ERR_PARSE)
    abort();
  if ((st == OTELC_OK) != want)
    abort();
  if (st != OTELC_OK) {
    if (memcmp(&sc, &keep, sizeof sc) != 0) /* untouched on failure */
      abort();
  } else {
    if (!same_sc(&sc, &ref) || !otelc_span_context_is_valid(&sc) ||
        (sc.trace_flags & ~0x03u) != 0 || !sc.is_remote)
      abort();
    char out[OTELC_TRACEPARENT_LEN + 1];
    if (otelc_traceparent_format(&sc, out) != OTELC_TRACEPARENT_LEN ||
        strlen(out) != OTELC_TRACEPARENT_LEN)
      abort();
    otelc_span_context again;
    if (otelc_traceparent_parse(out, OTELC_TRACEPARENT_LEN, &again) !=
            OTELC_OK ||
        !same_sc(&again, &sc))
      abort();
  }

  /* The same bytes as a header value, cut at the first NUL. */
  if (size <= 65536) {
    char *cs = fuzz_cstring(data, size);
    if (cs) {
      check_propagator(cs, strlen(cs));
      free(cs);
    }
  }
  free(s);
  return 0;
}
