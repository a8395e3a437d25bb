/*
 * OpenTelemetry names, units and attribute keys as Prometheus metric and
 * label names (specification: compatibility/prometheus_and_openmetrics,
 * "Metric Metadata" and "Metric Attributes"). Pure functions; safe from
 * any thread.
 */
#include "export/prometheus/prom_internal.h"

/* UCUM units that become words. */
static const struct {
  const char *ucum, *word;
} UNIT_WORDS[] = {
    {"d", "days"},         {"h", "hours"},         {"min", "minutes"},
    {"s", "seconds"},      {"ms", "milliseconds"}, {"us", "microseconds"},
    {"ns", "nanoseconds"}, {"By", "bytes"},        {"KiBy", "kibibytes"},
    {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"},  {"TiBy", "tebibytes"},
    {"kBy", "kilobytes"},  {"MBy", "megabytes"},   {"GBy", "gigabytes"},
    {"TBy", "terabytes"},  {"m", "meters"},        {"V", "volts"},
    {"A", "amperes"},      {"J", "joules"},        {"W", "watts"},
    {"g", "grams"},        {"Cel", "celsius"},     {"Hz", "hertz"},
    {"%", "percent"},
};

/* Denominators of rate units, in the singular ("m/s" -> meters per
 * second). "m" is a minute here, as in Prometheus's own translator;
 * "min" is one too. */
static const struct {
  const char *ucum, *word;
} PER_WORDS[] = {
    {"s", "second"}, {"m", "minute"}, {"min", "minute"}, {"h", "hour"},
    {"d", "day"},    {"w", "week"},   {"mo", "month"},   {"y", "year"},
};

static bool is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_digit(int c) {
  return c >= '0' && c <= '9';
}
static bool label_char(int c) {
  return is_alpha(c) || is_digit(c) || c == '_';
}
static bool name_char(int c) {
  return label_char(c) || c == ':';
}

/* A bounded string being built. */
typedef struct sbuf {
  char *p;
  size_t len, cap; /* cap counts the NUL */
  bool over;
} sbuf;

static void sb_char(sbuf *s, char c) {
  if (s->len + 1 >= s->cap) {
    s->over = true;
    return;
  }
  s->p[s->len++] = c;
  s->p[s->len] = '\0';
}

/* Append p[0..n) sanitised: characters outside [a-zA-Z0-9_] (plus ':'
 * when @p colon) become '_', and no '_' follows another. */
static void sb_sanitised(sbuf *s, const char *p, size_t n, bool colon) {
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)p[i];
    if (!(colon ? name_char(c) : label_char(c)))
      c = '_';
    if (c == '_' && s->len > 0 && s->p[s->len - 1] == '_')
      continue;
    sb_char(s, (char)c);
  }
}

static const char *lookup_word(const char *p, size_t n, bool per) {
  size_t count =
      per ? OTELC__ARRAY_LEN(PER_WORDS) : OTELC__ARRAY_LEN(UNIT_WORDS);
  for (size_t i = 0; i < count; i++) {
    const char *u = per ? PER_WORDS[i].ucum : UNIT_WORDS[i].ucum;
    if (strlen(u) == n && memcmp(u, p, n) == 0)
      return per ? PER_WORDS[i].word : UNIT_WORDS[i].word;
  }
  return NULL;
}

/* One side of a unit (its word, or the text as written) sanitised, with
 * '_' trimmed at both ends, into out. Returns the length, or (size_t)-1
 * when it does not fit. */
static size_t unit_part(const char *p, size_t n, bool per, char *out,
                        size_t cap) {
  const char *word = lookup_word(p, n, per);
  sbuf s = {out, 0, cap, false};
  out[0] = '\0';
  if (word)
    sb_sanitised(&s, word, strlen(word), false);
  else
    sb_sanitised(&s, p, n, false);
  if (s.over)
    return (size_t)-1;
  size_t a = 0, b = s.len;
  while (a < b && out[a] == '_')
    a++;
  while (b > a && out[b - 1] == '_')
    b--;
  memmove(out, out + a, b - a);
  out[b - a] = '\0';
  return b - a;
}

size_t otelc__prom_unit_suffix(const char *unit, char *out, size_t cap) {
  if (cap == 0)
    return (size_t)-1;
  out[0] = '\0';
  if (!unit)
    return 0;
  /* The unit without its parts in braces (an unclosed '{' drops the
   * rest). */
  char plain[256];
  size_t n = 0;
  for (const char *p = unit; *p; p++) {
    if (*p == '{') {
      const char *close = strchr(p, '}');
      if (!close)
        break;
      p = close;
      continue;
    }
    if (n + 1 >= sizeof plain)
      return (size_t)-1;
    plain[n++] = *p;
  }
  plain[n] = '\0';

  const char *slash = memchr(plain, '/', n);
  size_t main_len = slash ? (size_t)(slash - plain) : n;
  const char *per = slash ? slash + 1 : "";
  size_t per_len = slash ? n - main_len - 1 : 0;
  if (main_len == 1 && plain[0] == '1')
    main_len = 0; /* dimensionless */

  char a[256], b[256];
  size_t alen = unit_part(plain, main_len, false, a, sizeof a);
  size_t blen = unit_part(per, per_len, true, b, sizeof b);
  if (alen == (size_t)-1 || blen == (size_t)-1)
    return (size_t)-1;
  size_t total = blen == 0 ? alen : alen == 0 ? 4 + blen : alen + 5 + blen;
  if (total + 1 > cap)
    return (size_t)-1;
  size_t o = 0;
  memcpy(out, a, alen);
  o = alen;
  if (blen > 0) {
    if (alen > 0)
      out[o++] = '_';
    memcpy(out + o, "per_", 4);
    o += 4;
    memcpy(out + o, b, blen);
    o += blen;
  }
  out[o] = '\0';
  return o;
}

/* Whether s[0..n) ends with the token @p tok: the whole string, or a
 * suffix preceded by '_'. */
static bool ends_with_token(const char *s, size_t n, const char *tok) {
  size_t t = strlen(tok);
  if (t == 0 || n < t || memcmp(s + n - t, tok, t) != 0)
    return false;
  return n == t || s[n - t - 1] == '_';
}

size_t otelc__prom_metric_name(const char *name, const char *unit,
                               otelc__prom_kind kind, bool suffixes, char *out,
                               size_t cap) {
  if (!name || cap == 0)
    return 0;
  if (cap > OTELC__PROM_NAME_MAX + 1)
    cap = OTELC__PROM_NAME_MAX + 1;
  sbuf s = {out, 0, cap, false};
  out[0] = '\0';
  if (is_digit((unsigned char)name[0]))
    sb_char(&s, '_');
  sb_sanitised(&s, name, strlen(name), true);
  if (s.over || s.len == 0)
    return 0;
  if (!suffixes)
    return s.len;

  bool counter = kind == OTELC__PROM_COUNTER;
  if (counter && s.len > 6 && ends_with_token(s.p, s.len, "total")) {
    s.len -= 6; /* put back after the unit */
    s.p[s.len] = '\0';
  }
  char word[256];
  size_t wlen = otelc__prom_unit_suffix(unit, word, sizeof word);
  if (wlen == (size_t)-1)
    return 0;
  if (wlen > 0 && !ends_with_token(s.p, s.len, word)) {
    sb_sanitised(&s, "_", 1, true);
    sb_sanitised(&s, word, wlen, true);
  }
  if (counter && !ends_with_token(s.p, s.len, "total"))
    sb_sanitised(&s, "_total", 6, true);
  return s.over ? 0 : s.len;
}

/* ------------------------------------------------------- label names -- */

void otelc__prom_label_it_init(otelc__prom_label_it *it, const char *prefix,
                               const char *key) {
  it->pfx = prefix ? prefix : "";
  it->key = key ? key : "";
  it->pending = -1;
  it->prev = -1;
}

int otelc__prom_label_it_next(otelc__prom_label_it *it) {
  if (it->pending >= 0) {
    int c = it->pending;
    it->pending = -1;
    it->prev = c;
    return c;
  }
  for (;;) {
    int c;
    if (*it->pfx)
      c = (unsigned char)*it->pfx++;
    else if (*it->key)
      c = (unsigned char)*it->key++;
    else
      return -1;
    if (!label_char(c))
      c = '_';
    if (c == '_' && it->prev == '_')
      continue;
    if (it->prev < 0 && is_digit(c)) {
      it->pending = c; /* a leading digit gets a '_' in front */
      it->prev = '_';
      return '_';
    }
    it->prev = c;
    return c;
  }
}

bool otelc__prom_label_eq(const char *pfx_a, const char *key_a,
                          const char *pfx_b, const char *key_b) {
  otelc__prom_label_it a, b;
  otelc__prom_label_it_init(&a, pfx_a, key_a);
  otelc__prom_label_it_init(&b, pfx_b, key_b);
  for (;;) {
    int ca = otelc__prom_label_it_next(&a);
    int cb = otelc__prom_label_it_next(&b);
    if (ca != cb)
      return false;
    if (ca < 0)
      return true;
  }
}

bool otelc__prom_label_is(const char *pfx, const char *key, const char *label) {
  otelc__prom_label_it it;
  otelc__prom_label_it_init(&it, pfx, key);
  for (const char *l = label;; l++) {
    int c = otelc__prom_label_it_next(&it);
    if (c != (*l ? (unsigned char)*l : -1))
      return false;
    if (c < 0)
      return true;
  }
}

bool otelc__pw_label_name(otelc__pw *w, const char *pfx, const char *key) {
  otelc__prom_label_it it;
  otelc__prom_label_it_init(&it, pfx, key);
  size_t start = w->len;
  for (int c; (c = otelc__prom_label_it_next(&it)) >= 0;)
    otelc__pw_char(w, (char)c);
  return w->len > start || w->failed;
}
