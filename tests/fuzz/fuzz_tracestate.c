/* tracestate from arbitrary bytes, given with their length and not
 * NUL-terminated (the copy is exactly as large as the input, and every
 * output buffer exactly as large as the capacity passed, so a read or
 * write out of bounds is caught).
 *
 * Checked: the verdict agrees with a slow reading of the Level 2 grammar;
 * a normalised result is valid, idempotent, within the capacity and made
 * of whole members of the input in their order; and set/delete with a key
 * and value taken from the input stay within their capacity and do what
 * they say. The first input byte picks a small capacity to exercise
 * truncation. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "otelc/otelc.h"

#define MAXM 32

/* ------------------------------------------------ slow reference grammar */

static bool ref_key(const char *k, size_t n) {
  if (n < 1 || n > 256)
    return false;
  if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= '0' && k[0] <= '9')))
    return false;
  for (size_t i = 1; i < n; i++) {
    char c = k[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '*' || c == '/' || c == '@'))
      return false;
  }
  return true;
}

static bool ref_value(const char *v, size_t n) {
  if (n < 1 || n > 256 || v[n - 1] == ' ')
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=')
      return false;
  }
  return true;
}

typedef struct ref_member {
  const char *p;
  size_t len, klen;
} ref_member;

/* Split at commas, trim spaces and tabs, check each member. Returns the
 * member count or -1. */
static int ref_parse(const char *s, size_t len, ref_member *m) {
  int n = 0;
  size_t i = 0;
  while (i <= len) {
    size_t j = i;
    while (j < len && s[j] != ',')
      j++;
    size_t a = i, b = j;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
      a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
      b--;
    if (a < b) {
      const char *eq = memchr(s + a, '=', b - a);
      if (!eq)
        return -1;
      size_t klen = (size_t)(eq - (s + a));
      if (!ref_key(s + a, klen) || !ref_value(eq + 1, b - a - klen - 1))
        return -1;
      for (int x = 0; x < n; x++)
        if (m[x].klen == klen && memcmp(m[x].p, s + a, klen) == 0)
          return -1;
      if (n == MAXM)
        return -1;
      m[n].p = s + a;
      m[n].len = b - a;
      m[n].klen = klen;
      n++;
    }
    i = j + 1;
  }
  return n;
}

/* ------------------------------------------------------------- checks */

/* @p out holds whole members of @p m, in order. */
static void check_subset(const char *out, size_t len, const ref_member *m,
                         int n) {
  size_t o = 0;
  int j = 0;
  while (o < len) {
    const char *end = memchr(out + o, ',', len - o);
    size_t mlen = end ? (size_t)(end - (out + o)) : len - o;
    while (j < n && !(m[j].len == mlen && memcmp(m[j].p, out + o, mlen) == 0))
      j++;
    if (j == n)
      abort();
    j++;
    o += mlen + 1;
  }
}

/* A fresh heap copy of @p s of exactly @p cap bytes to write into. */
static char *exact(size_t cap) {
  return malloc(cap ? cap : 1);
}

static void check_normalized(const char *ts, long r) {
  char *again = exact((size_t)r + 1);
  if (!again)
    return;
  if (otelc_tracestate_normalize(ts, (size_t)r, again, (size_t)r + 1) != r ||
      memcmp(again, ts, (size_t)r + 1) != 0)
    abort();
  free(again);
}

static void check_set_delete(const char *ts, const char *key, const char *value,
                             size_t cap) {
  char *out = exact(cap);
  if (!out)
    return;
  long r = otelc_tracestate_set(ts, key, value, out, cap);
  if (r >= 0) {
    if ((size_t)r >= cap || r > OTELC_TRACESTATE_MAX || out[r] != '\0' ||
        strlen(out) != (size_t)r)
      abort();
    check_normalized(out, r);
    const char *v;
    size_t vlen;
    size_t klen = strlen(key);
    if (!otelc_tracestate_get(out, key, &v, &vlen) || vlen != strlen(value) ||
        memcmp(v, value, vlen) != 0 || v != out + klen + 1 ||
        strncmp(out, key, klen) != 0)
      abort();
    ref_member m[MAXM];
    if (ref_parse(out, (size_t)r, m) < 1)
      abort();
    /* and delete it again */
    char *del = exact((size_t)r + 1);
    if (del) {
      long d = otelc_tracestate_delete(out, key, del, (size_t)r + 1);
      if (d < 0 || d >= r || del[d] != '\0' ||
          otelc_tracestate_get(del, key, NULL, NULL))
        abort();
      check_normalized(del, d);
      free(del);
    }
  } else if (r != -1) {
    abort();
  }
  free(out);

  out = exact(cap);
  if (!out)
    return;
  r = otelc_tracestate_delete(ts, key, out, cap);
  if (r >= 0) {
    if ((size_t)r >= cap || out[r] != '\0' ||
        otelc_tracestate_get(out, key, NULL, NULL))
      abort();
    check_normalized(out, r);
  } else if (r != -1) {
    abort();
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  otelc_diag_set_handler(fuzz_quiet, NULL);
  char *in = malloc(size ? size : 1);
  if (!in)
    return 0;
  memcpy(in, data, size);

  ref_member m[MAXM];
  int n = ref_parse(in, size, m);

  /* Full capacity. */
  size_t cap = OTELC_TRACESTATE_MAX + 1;
  char *full = exact(cap);
  if (!full) {
    free(in);
    return 0;
  }
  long r = otelc_tracestate_normalize(in, size, full, cap);
  if ((r >= 0) != (n >= 0) || r < -1)
    abort();
  if (r >= 0) {
    if (r > OTELC_TRACESTATE_MAX || full[r] != '\0' ||
        strlen(full) != (size_t)r)
      abort();
    check_subset(full, (size_t)r, m, n);
    check_normalized(full, r);
  }

  /* A small capacity picked by the input. */
  size_t small = size ? (size_t)data[0] * 3 : 0;
  char *part = small ? exact(small) : NULL;
  if (!small || part) {
    long p = otelc_tracestate_normalize(in, size, part, small);
    if ((p >= 0) != (r >= 0))
      abort();
    if (p >= 0 && small) {
      if ((size_t)p >= small || part[p] != '\0' || p > r)
        abort();
      check_subset(part, (size_t)p, m, n);
      check_normalized(part, p);
    }
    free(part);
  }

  /* set/delete with a key and a value from the input: the first line is
   * the key, the second the value; on the input's own tracestate when it
   * is valid, else on a fixed one. */
  const char *base = r >= 0 ? full : "a=1,b=2,k=v";
  if (size > 0) {
    char *cs = fuzz_cstring(data, size);
    if (cs) {
      char *key = cs, *value = cs, *nl = strchr(cs, '\n');
      if (nl) {
        *nl = '\0';
        value = nl + 1;
        char *nl2 = strchr(value, '\n');
        if (nl2)
          *nl2 = '\0';
      }
      check_set_delete(base, key, value, cap);
      check_set_delete(base, key, value, small + 1);
      check_set_delete(NULL, key, value, small + 1);
      if (n > 0) {
        /* keys that are present */
        char k[257];
        memcpy(k, m[0].p, m[0].klen);
        k[m[0].klen] = '\0';
        check_set_delete(full, k, "v", cap);
        memcpy(k, m[n - 1].p, m[n - 1].klen);
        k[m[n - 1].klen] = '\0';
        check_set_delete(full, k, value, small + 1);
        /* get finds what normalisation kept, with its value */
        const char *v;
        size_t vlen;
        if (otelc_tracestate_get(full, k, &v, &vlen) &&
            (vlen != m[n - 1].len - m[n - 1].klen - 1 ||
             memcmp(v, m[n - 1].p + m[n - 1].klen + 1, vlen) != 0))
          abort();
      }
      free(cs);
    }
  }
  free(full);
  free(in);
  return 0;
}
