/*
 * otelc_shutdown with the collector down: otelc_setup with the OTLP
 * exporters (libotelc_otlp linked) pointed at a local port nobody listens
 * on, one span, one measurement and one log record, then otelc_shutdown
 * with a budget. Passes when shutdown returned within the budget (plus a
 * small margin for process scheduling) and each of the three signals did
 * try its endpoint (a warning naming /v1/traces, /v1/metrics and /v1/logs).
 *
 *   setup_shutdown <http/protobuf|http/json|grpc> <budget-ms>
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <otelc/otelc.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool seen_traces, seen_metrics, seen_logs;

static void on_diag(otelc_log_level level, const char *msg, void *ud) {
  (void)ud;
  fprintf(stderr, "diag %d: %s\n", (int)level, msg);
  if (level < OTELC_LOG_WARN)
    return;
  pthread_mutex_lock(&mu);
  seen_traces |= strstr(msg, "/v1/traces") != NULL ||
                 strstr(msg, "TraceService") != NULL;
  seen_metrics |= strstr(msg, "/v1/metrics") != NULL ||
                  strstr(msg, "MetricsService") != NULL;
  seen_logs |= strstr(msg, "/v1/logs") != NULL ||
               strstr(msg, "LogsService") != NULL;
  pthread_mutex_unlock(&mu);
}

/* A local port that was free a moment ago and has nobody listening. */
static int dead_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    return -1;
  close(fd);
  return ntohs(a.sin_port);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: setup_shutdown <protocol> <budget-ms>\n");
    return 2;
  }
  int port = dead_port();
  if (port < 0) {
    perror("setup_shutdown: no local port");
    return 2;
  }
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  uint32_t budget = (uint32_t)strtoul(argv[2], NULL, 10);
  otelc_diag_set_handler(on_diag, NULL);
  otelc_status st = otelc_setup(&(otelc_setup_opts){
      .service_name = "shutdown-check",
      .exporters = "otlp",
      .otlp_endpoint = url,
      .otlp_protocol = argv[1],
      .no_log_console_line = true,
      .shutdown_timeout_ms = budget});
  if (st != OTELC_OK) {
    fprintf(stderr, "setup_shutdown: otelc_setup: %s\n", otelc_strerror(st));
    return 1;
  }
  otelc_telemetry *t = otelc_telemetry_get("check");
  OTELC_WITH_SPAN(otelc_telemetry_tracer(t), "work", span) {
    otelc_span_set_int(span, "n", 1);
    otelc_counter_add(otelc_telemetry_counter(t, "check.items", "{item}"), 1,
                      NULL, 0);
    otelc_log_info("one record");
  }
  double t0 = now_ms();
  st = otelc_shutdown();
  double took = now_ms() - t0;
  printf("protocol=%s budget_ms=%u shutdown_ms=%.0f status=%s traces=%d "
         "metrics=%d logs=%d\n",
         argv[1], budget, took, otelc_status_name(st), seen_traces,
         seen_metrics, seen_logs);
  bool ok = took <= budget + 500.0 && seen_traces && seen_metrics && seen_logs;
  if (!ok)
    fprintf(stderr, "setup_shutdown: FAIL\n");
  return ok ? 0 : 1;
}
