/* Appending to a file with rotation by size, for the OTLP file
 * exporters. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/file/file_sink.h"

static int open_file(const char *path) {
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* Report an error once until writes recover. */
static void report(otelc__file_sink *s, const char *what) {
  if (s->warned)
    return;
  s->warned = true;
  otelc__warn("file exporter: %s %s: %s", what, s->path ? s->path : "stdout",
              strerror(errno));
}

otelc_status otelc__file_sink_open(otelc__file_sink *s,
                                   const otelc_file_exporter_opts *opts) {
  memset(s, 0, sizeof *s);
  s->fd = STDOUT_FILENO;
  s->max_bytes = opts ? opts->max_bytes : 0;
  s->max_files = opts && opts->max_files ? opts->max_files : 3;
  const char *path = opts ? opts->path : NULL;
  if (!path || strcmp(path, "-") == 0)
    return OTELC_OK;
  if (!(s->path = otelc__strdup(path))) {
    s->fd = -1;
    return OTELC_ERR_NOMEM;
  }
  if ((s->fd = open_file(path)) < 0) {
    report(s, "cannot open");
    otelc__file_sink_free(s);
    return OTELC_ERR_IO;
  }
  struct stat sb;
  if (fstat(s->fd, &sb) == 0)
    s->size = (uint64_t)sb.st_size;
  return OTELC_OK;
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

/* path.N-1 -> path.N ... path -> path.1 (the oldest removed), then a
 * fresh path. */
static bool rotate(otelc__file_sink *s) {
  size_t cap = strlen(s->path) + 16;
  char *from = otelc__malloc(cap), *to = otelc__malloc(cap);
  bool ok = from && to;
  if (ok) {
    snprintf(to, cap, "%s.%u", s->path, s->max_files);
    unlink(to);
    for (uint32_t i = s->max_files; i > 1; i--) {
      snprintf(from, cap, "%s.%u", s->path, i - 1);
      snprintf(to, cap, "%s.%u", s->path, i);
      if (rename(from, to) != 0 && errno != ENOENT)
        ok = false;
    }
    snprintf(to, cap, "%s.1", s->path);
    if (rename(s->path, to) != 0)
      ok = false;
  }
  otelc__free(from);
  otelc__free(to);
  if (!ok) {
    report(s, "cannot rotate");
    return false;
  }
  close(s->fd);
  s->fd = open_file(s->path);
  s->size = 0;
  if (s->fd < 0) {
    report(s, "cannot reopen");
    return false;
  }
  return true;
}

otelc_status otelc__file_sink_write(otelc__file_sink *s, const void *p,
                                    size_t n) {
  if (s->fd < 0 && s->path) {
    if ((s->fd = open_file(s->path)) < 0) {
      report(s, "cannot open");
      return OTELC_ERR_IO;
    }
    struct stat sb;
    s->size = fstat(s->fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
  }
  if (s->fd < 0)
    return OTELC_ERR_IO;
  if (s->path && s->max_bytes && s->size > 0 && s->size + n > s->max_bytes &&
      !rotate(s))
    return OTELC_ERR_IO;
  if (!write_all(s->fd, p, n)) {
    report(s, "cannot write to");
    return OTELC_ERR_IO;
  }
  s->size += n;
  s->warned = false;
  return OTELC_OK;
}

void otelc__file_sink_close(otelc__file_sink *s) {
  if (s->path && s->fd >= 0)
    close(s->fd);
  if (s->path)
    s->fd = -1;
}

void otelc__file_sink_free(otelc__file_sink *s) {
  otelc__file_sink_close(s);
  otelc__free(s->path);
  s->path = NULL;
  s->fd = -1;
}
