/*
 * prom_tool: a program serving known metrics through otelc's Prometheus
 * endpoint, for the scripts of this directory.
 *
 *   prom_tool serve [host]   record the values below, print "port <n>",
 *                            then serve; each stdin line "add <n>" adds n
 *                            to prom_tool.ticks; "quit" or end of input
 *                            shuts the provider down and exits 0
 *   prom_tool env            the same values with a provider made by
 *                            otelc_meter_provider_new_from_env (so
 *                            OTEL_METRICS_EXPORTER=prometheus and
 *                            OTEL_EXPORTER_PROMETHEUS_* configure it);
 *                            prints "ready", then serves like serve
 *   prom_tool second <port>  try a second endpoint on 127.0.0.1:<port>;
 *                            exits 0 when that fails with ERR_IO
 *   prom_tool free-port      print a TCP port free on 127.0.0.1
 *
 * Recorded (scope "prom_tool" 1.0.0):
 *   http.server.requests {request}, counter: GET/200 += 7, POST/500 += 3
 *   http.server.request.duration s, histogram with bounds
 *     0.005 0.01 0.1 1 10: 2^-9 2^-8 2^-4 0.5 0.5 0.5 5 20 (sum 26.568359375)
 *   network.io By, counter: direction=rx += 1024
 *   room.temperature Cel, gauge: 21.5
 *   queue.items {item}, up-down counter: +10, -4
 *   escape.check {check}, counter: path="C:\dir "x"<newline>next" += 1
 *   prom_tool.ticks, counter: += 1, then what stdin asks
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "otelc/metrics.h"
#include "otelc/prometheus.h"
#include "otelc/resource.h"

static int fail(const char *what, otelc_status st) {
  fprintf(stderr, "prom_tool: %s: %s\n", what, otelc_status_name(st));
  return 1;
}

static void record(otelc_meter_provider *mp, otelc_counter **ticks) {
  const otelc_scope_info scope = {.name = "prom_tool", .version = "1.0.0"};
  otelc_meter *m = otelc_meter_provider_get_meter(mp, &scope);

  otelc_instrument_opts o = {.unit = "{request}",
                             .description = "Requests served."};
  otelc_counter *req = otelc_meter_counter(m, "http.server.requests", &o);
  otelc_counter_add(req, 7,
                    OTELC_ATTRS(OTELC_STR("http.request.method", "GET"),
                                OTELC_INT("http.response.status_code", 200)));
  otelc_counter_add(req, 3,
                    OTELC_ATTRS(OTELC_STR("http.request.method", "POST"),
                                OTELC_INT("http.response.status_code", 500)));

  static const double bounds[] = {0.005, 0.01, 0.1, 1, 10};
  otelc_instrument_opts ho = {.unit = "s",
                              .description = "Duration of requests.",
                              .is_double = true,
                              .advisory_boundaries = bounds,
                              .n_advisory_boundaries = 5};
  otelc_histogram *dur =
      otelc_meter_histogram(m, "http.server.request.duration", &ho);
  /* Binary fractions, so that the sum is exact. */
  const double values[] = {0.001953125, 0.00390625, 0.0625, 0.5,
                           0.5,         0.5,        5,      20};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
    otelc_histogram_record(dur, values[i], NULL, 0);

  otelc_instrument_opts io = {.unit = "By", .description = "Bytes moved."};
  otelc_counter *net = otelc_meter_counter(m, "network.io", &io);
  otelc_counter_add(net, 1024, OTELC_ATTRS(OTELC_STR("direction", "rx")));

  otelc_instrument_opts go = {
      .unit = "Cel", .description = "Room temperature.", .is_double = true};
  otelc_gauge *temp = otelc_meter_gauge(m, "room.temperature", &go);
  otelc_gauge_record(temp, 21.5, NULL, 0);

  otelc_instrument_opts qo = {.unit = "{item}",
                              .description = "Items waiting."};
  otelc_up_down_counter *q = otelc_meter_up_down_counter(m, "queue.items", &qo);
  otelc_up_down_counter_add(q, 10, NULL, 0);
  otelc_up_down_counter_add(q, -4, NULL, 0);

  otelc_instrument_opts eo = {.unit = "{check}",
                              .description = "Label value escapes."};
  otelc_counter *esc = otelc_meter_counter(m, "escape.check", &eo);
  otelc_counter_add(esc, 1,
                    OTELC_ATTRS(OTELC_STR("path", "C:\\dir \"x\"\nnext")));

  otelc_instrument_opts to = {.description = "Ticks asked for on stdin."};
  *ticks = otelc_meter_counter(m, "prom_tool.ticks", &to);
  otelc_counter_add(*ticks, 1, NULL, 0);
}

/* Serve until "quit" or the end of stdin. */
static int serve_loop(otelc_meter_provider *mp, otelc_counter *ticks) {
  char line[128];
  while (fgets(line, sizeof line, stdin)) {
    long n;
    if (strncmp(line, "quit", 4) == 0)
      break;
    if (sscanf(line, "add %ld", &n) == 1 && n >= 0) {
      otelc_counter_add(ticks, n, NULL, 0);
      printf("added %ld\n", n);
      fflush(stdout);
    }
  }
  otelc_status st = otelc_meter_provider_shutdown(mp, 5000);
  otelc_meter_provider_free(mp);
  return st == OTELC_OK ? 0 : fail("shutdown", st);
}

static otelc_resource *tool_resource(void) {
  otelc_resource_opts ro = {.service_name = "prom_tool"};
  otelc_resource *res = NULL;
  otelc_resource_create(&ro, &res);
  return res;
}

static int serve(const char *host) {
  otelc_prometheus_opts po = {.host = host ? host : "127.0.0.1", .port = -1};
  otelc_metric_reader *reader = NULL;
  otelc_status st = otelc_prometheus_reader_new(&po, &reader);
  if (st != OTELC_OK)
    return fail("otelc_prometheus_reader_new", st);
  uint16_t port = otelc_prometheus_reader_port(reader);
  otelc_resource *res = tool_resource();
  otelc_meter_provider_opts mo = {
      .resource = res, .readers = &reader, .n_readers = 1};
  otelc_meter_provider *mp = NULL;
  st = otelc_meter_provider_new(&mo, &mp);
  otelc_resource_release(res);
  if (st != OTELC_OK)
    return fail("otelc_meter_provider_new", st);
  otelc_counter *ticks = NULL;
  record(mp, &ticks);
  printf("port %u\n", (unsigned)port);
  fflush(stdout);
  return serve_loop(mp, ticks);
}

static int serve_env(void) {
  otelc_meter_provider *mp = NULL;
  otelc_status st = otelc_meter_provider_new_from_env("none", &mp);
  if (st != OTELC_OK)
    return fail("otelc_meter_provider_new_from_env", st);
  otelc_counter *ticks = NULL;
  record(mp, &ticks);
  printf("ready\n");
  fflush(stdout);
  return serve_loop(mp, ticks);
}

static int second(const char *port_text) {
  otelc_prometheus_opts po = {.host = "127.0.0.1",
                              .port = (int32_t)atoi(port_text)};
  otelc_metric_reader *reader = NULL;
  otelc_status st = otelc_prometheus_reader_new(&po, &reader);
  printf("%s\n", otelc_status_name(st));
  otelc_metric_reader_free(reader);
  return st == OTELC_ERR_IO ? 0 : 1;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    perror("prom_tool: free-port");
    return 1;
  }
  printf("%u\n", (unsigned)ntohs(a.sin_port));
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "serve") == 0)
    return serve(argc >= 3 ? argv[2] : NULL);
  if (argc == 2 && strcmp(argv[1], "env") == 0)
    return serve_env();
  if (argc == 3 && strcmp(argv[1], "second") == 0)
    return second(argv[2]);
  if (argc == 2 && strcmp(argv[1], "free-port") == 0)
    return free_port();
  fprintf(stderr, "usage: prom_tool serve [host] | env | second <port> | "
                  "free-port\n");
  return 2;
}
