/* OTLP/JSON lines to a file (or stdout), with rotation by size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/otlp/otlp_internal.h"
#include "otelc/exporters.h"
#include "trace/trace_internal.h"

typedef struct file_exp {
  pthread_mutex_t mu;
  char *path; /* NULL: stdout */
  int fd;
  uint64_t size; /* bytes in the current file */
  uint64_t max_bytes;
  uint32_t max_files;
  otelc__buf buf;
  bool warned; /* an error was reported and writes have not recovered */
} file_exp;

static int open_file(const char *path) {
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void report(file_exp *f, const char *what) {
  if (f->warned)
    return;
  f->warned = true;
  otelc__warn("file exporter: %s %s: %s", what, f->path ? f->path : "stdout",
              strerror(errno));
}

/* Write all of @p p, retrying short writes and interruptions. */
static bool write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/* path.N-1 -> path.N ... path -> path.1, then a fresh path. */
static bool rotate(file_exp *f) {
  size_t plen = strlen(f->path);
  char *from = otelc__malloc(plen + 16), *to = otelc__malloc(plen + 16);
  bool ok = from && to;
  if (ok) {
    snprintf(to, plen + 16, "%s.%u", f->path, f->max_files);
    unlink(to); /* the oldest goes */
    for (uint32_t i = f->max_files; i > 1; i--) {
      snprintf(from, plen + 16, "%s.%u", f->path, i - 1);
      snprintf(to, plen + 16, "%s.%u", f->path, i);
      if (rename(from, to) != 0 && errno != ENOENT)
        ok = false;
    }
    snprintf(to, plen + 16, "%s.1", f->path);
    if (rename(f->path, to) != 0)
      ok = false;
  }
  otelc__free(from);
  otelc__free(to);
  if (!ok) {
    report(f, "cannot rotate");
    return false;
  }
  close(f->fd);
  f->fd = open_file(f->path);
  f->size = 0;
  if (f->fd < 0) {
    report(f, "cannot reopen");
    return false;
  }
  return true;
}

static otelc_status file_export(void *self, otelc_span *const *spans,
                                size_t n, uint32_t timeout_ms) {
  (void)timeout_ms;
  file_exp *f = self;
  if (n == 0)
    return OTELC_OK;
  pthread_mutex_lock(&f->mu);
  otelc_status st = otelc__otlp_traces_json(&f->buf, spans, n);
  if (st == OTELC_OK) {
    otelc__buf_byte(&f->buf, '\n');
    if (f->buf.failed)
      st = OTELC_ERR_NOMEM;
  }
  if (st == OTELC_OK && f->fd < 0 && f->path &&
      (f->fd = open_file(f->path)) < 0) {
    report(f, "cannot open");
    st = OTELC_ERR_IO;
  }
  if (st == OTELC_OK && f->path && f->max_bytes && f->size > 0 &&
      f->size + f->buf.len > f->max_bytes && !rotate(f))
    st = OTELC_ERR_IO;
  if (st == OTELC_OK) {
    if (write_all(f->fd, f->buf.data, f->buf.len)) {
      f->size += f->buf.len;
      f->warned = false;
    } else {
      report(f, "cannot write to");
      st = OTELC_ERR_IO;
    }
  }
  pthread_mutex_unlock(&f->mu);
  return st;
}

static otelc_status file_shutdown(void *self, uint32_t timeout_ms) {
  (void)timeout_ms;
  file_exp *f = self;
  pthread_mutex_lock(&f->mu);
  if (f->path && f->fd >= 0)
    close(f->fd);
  f->fd = -1;
  pthread_mutex_unlock(&f->mu);
  return OTELC_OK;
}

static void file_destroy(void *self) {
  file_exp *f = self;
  if (f->path && f->fd >= 0)
    close(f->fd);
  otelc__buf_free(&f->buf);
  otelc__free(f->path);
  pthread_mutex_destroy(&f->mu);
  otelc__free(f);
}

otelc_status otelc_file_exporter_new(const otelc_file_exporter_opts *opts,
                                     otelc_span_exporter **out) {
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  *out = NULL;
  file_exp *f = otelc__calloc(1, sizeof *f);
  if (!f)
    return OTELC_ERR_NOMEM;
  pthread_mutex_init(&f->mu, NULL);
  otelc__buf_init(&f->buf);
  f->fd = STDOUT_FILENO;
  const char *path = opts ? opts->path : NULL;
  if (path && strcmp(path, "-") != 0) {
    f->path = otelc__strdup(path);
    f->fd = f->path ? open_file(path) : -1;
    if (!f->path || f->fd < 0) {
      otelc_status st = f->path ? OTELC_ERR_IO : OTELC_ERR_NOMEM;
      if (f->path)
        report(f, "cannot open");
      file_destroy(f);
      return st;
    }
    struct stat sb;
    if (fstat(f->fd, &sb) == 0)
      f->size = (uint64_t)sb.st_size;
  }
  f->max_bytes = opts ? opts->max_bytes : 0;
  f->max_files = opts && opts->max_files ? opts->max_files : 3;
  static const otelc_span_exporter_ops ops = {file_export, NULL,
                                              file_shutdown, file_destroy};
  return otelc_span_exporter_new(&ops, f, out);
}
