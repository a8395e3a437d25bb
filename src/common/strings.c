/* Hex and UTF-8 helpers. */
#include "common/internal.h"

void otelc__hex(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool otelc__unhex(const char *in, size_t n, uint8_t *out) {
  for (size_t i = 0; i < n; i++) {
    int hi = hexval(in[2 * i]), lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

/* Length of the UTF-8 sequence starting at s[i] if it is well-formed and
 * fits in len, else 1 (the byte counts as one character on its own). */
static size_t seq_len(const unsigned char *s, size_t i, size_t len) {
  unsigned char c = s[i];
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4;
  else
    return 1;
  if (i + n > len)
    return 1;
  for (size_t k = 1; k < n; k++)
    if ((s[i + k] & 0xc0) != 0x80)
      return 1;
  return n;
}

size_t otelc__utf8_prefix(const char *str, size_t len, uint32_t max_chars) {
  /* Every character takes at least one byte. */
  if (max_chars == UINT32_MAX || len <= max_chars)
    return len;
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  for (uint32_t chars = 0; i < len && chars < max_chars; chars++)
    i += seq_len(s, i, len);
  return i;
}
