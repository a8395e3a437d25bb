/* printf-style convenience logging through the global logger provider,
 * the human-readable console line, and the syslog adapters.
 *
 * Settings are process-wide atomics, read on every call without a lock.
 * Each thread formats into its own buffers (allocated on its first call,
 * freed when it exits), so the steady state allocates nothing. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "common/textbuf.h"
#include "logs/logs_internal.h"
#include "trace/trace_internal.h"

#define MSG_MAX 4096 /* message bytes, with the NUL */
#define DEFAULT_LOGGER "otelc.log"
#define KEEP_LINE 65536 /* larger line buffers are freed after use */

static _Atomic int min_severity;
static _Atomic bool no_line;
static _Atomic(FILE *) console;             /* NULL: stderr */
static _Atomic(otelc_logger *) conv_logger; /* NULL: not made yet */

typedef struct conv_tls {
  char *msg;        /* MSG_MAX bytes */
  otelc__tbuf line; /* the console line */
} conv_tls;

static __thread conv_tls tls __attribute__((tls_model("initial-exec")));

void otelc__logf_thread_exit(void) {
  otelc__free(tls.msg);
  tls.msg = NULL;
  otelc__tbuf_free(&tls.line);
}

void otelc_log_configure(const otelc_log_settings *s) {
  static const otelc_log_settings defaults = {0};
  if (!s)
    s = &defaults;
  /* Proxies live as long as the process: the old one stays valid for
   * calls still using it. */
  otelc_logger *l =
      otelc_logger_get(s->logger_name ? s->logger_name : DEFAULT_LOGGER, NULL);
  atomic_store(&conv_logger, l);
  atomic_store(&console, s->console);
  atomic_store(&no_line, s->no_console_line);
  atomic_store(&min_severity, s->min_severity);
}

static otelc_logger *logger(void) {
  otelc_logger *l = atomic_load_explicit(&conv_logger, memory_order_acquire);
  if (OTELC__LIKELY(l != NULL))
    return l;
  l = otelc_logger_get(DEFAULT_LOGGER, NULL);
  otelc_logger *none = NULL;
  /* A concurrent otelc_log_configure wins. */
  if (!atomic_compare_exchange_strong(&conv_logger, &none, l))
    l = none;
  return l;
}

/* Length of the longest prefix of s[0..len) that does not end inside a
 * UTF-8 sequence; len is where the text was cut. */
static size_t utf8_boundary(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  if (len == 0)
    return 0;
  size_t i = len - 1;
  while (i > 0 && len - i < 4 && (s[i] & 0xc0) == 0x80)
    i--;
  unsigned char c = s[i];
  size_t need = c >= 0xf0 && c <= 0xf4   ? 4
                : c >= 0xe0 && c <= 0xef ? 3
                : c >= 0xc2 && c <= 0xdf ? 2
                                         : 1;
  return i + need > len ? i : len;
}

/* Write all of s[0..n) to fd, retrying short writes and interruptions. */
static bool write_all(int fd, const char *s, size_t n) {
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    s += w;
    n -= (size_t)w;
  }
  return true;
}

/* "LEVEL message [trace:<hex> span:<hex>] key=value ...\n", written with
 * one write (one fwrite for streams without a descriptor). */
static void print_line(int severity, const char *msg, size_t len,
                       const otelc_attr *attrs, size_t n_attrs) {
  otelc__tbuf *b = &tls.line;
  b->len = 0;
  b->oom = false;
  otelc__tbuf_puts(b, otelc_severity_name(severity));
  otelc__tbuf_putc(b, ' ');
  otelc__tbuf_text(b, msg, len);
  otelc__parent par;
  if (otelc__current_parent(&par) && otelc_span_context_is_valid(&par.sc)) {
    otelc__tbuf_puts(b, " [trace:");
    otelc__tbuf_hex(b, par.sc.trace_id, 16);
    otelc__tbuf_puts(b, " span:");
    otelc__tbuf_hex(b, par.sc.span_id, 8);
    otelc__tbuf_putc(b, ']');
  }
  otelc__tbuf_attrs(b, attrs, n_attrs);
  otelc__tbuf_putc(b, '\n');
  if (!b->oom) {
    FILE *f = atomic_load(&console);
    if (!f)
      f = stderr;
    int fd = fileno(f);
    flockfile(f);
    if (fd >= 0) {
      fflush(f); /* what the stream holds goes first */
      write_all(fd, b->p, b->len);
    } else {
      fwrite(b->p, 1, b->len, f);
      fflush(f);
    }
    funlockfile(f);
  }
  if (b->cap > KEEP_LINE)
    otelc__tbuf_free(b);
}

OTELC_PRINTF(5, 0)
static void vlog(int severity, const char *severity_text,
                 const otelc_attr *attrs, size_t n_attrs, const char *fmt,
                 va_list ap) {
  int saved_errno = errno; /* for %m */
  if (!fmt || (n_attrs && !attrs))
    return;
  int min = atomic_load_explicit(&min_severity, memory_order_relaxed);
  if (severity != 0 && severity < min)
    return;
  bool line = !atomic_load_explicit(&no_line, memory_order_relaxed);
  otelc_logger *l = logger();
  if (!l->provider) /* a proxy: resolved once for both calls below */
    l = otelc__logger_resolve(l);
  bool emit = l && otelc_logger_enabled(l, severity, NULL);
  if (!line && !emit)
    return; /* nothing to do: not even formatting */
  if (OTELC__UNLIKELY(!tls.msg)) {
    otelc__log_thread_register();
    if (!(tls.msg = otelc__malloc(MSG_MAX)))
      return;
  }
  errno = saved_errno;
  int n = vsnprintf(tls.msg, MSG_MAX, fmt, ap);
  size_t len = n < 0 ? 0 : (size_t)n;
  if (len >= MSG_MAX)
    len = utf8_boundary(tls.msg, MSG_MAX - 1);
  tls.msg[len] = '\0';
  if (line)
    print_line(severity, tls.msg, len, attrs, n_attrs);
  if (emit) {
    /* The body is copied before any processor runs: a processor that
     * logs again may reuse the buffer. */
    otelc_value body = {OTELC_VALUE_STRING, len, {.str = tls.msg}};
    otelc_log_emit rec = {0};
    rec.severity = severity;
    rec.severity_text = severity_text;
    rec.body = &body;
    rec.attrs = attrs;
    rec.n_attrs = n_attrs;
    otelc_logger_emit(l, &rec);
  }
  errno = saved_errno;
}

void otelc_vlogf(int severity, const otelc_attr *attrs, size_t n_attrs,
                 const char *fmt, va_list ap) {
  vlog(severity, NULL, attrs, n_attrs, fmt, ap);
}

void otelc_logf(int severity, const otelc_attr *attrs, size_t n_attrs,
                const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(severity, NULL, attrs, n_attrs, fmt, ap);
  va_end(ap);
}

void otelc_vsyslog_hook(void *user_data, int priority, const char *fmt,
                        va_list ap) {
  (void)user_data;
  vlog(otelc_severity_from_syslog(priority), otelc__syslog_level_name(priority),
       NULL, 0, fmt, ap);
}

void otelc_syslog(int priority, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(otelc_severity_from_syslog(priority), otelc__syslog_level_name(priority),
       NULL, 0, fmt, ap);
  va_end(ap);
}
