#!/usr/bin/env bash
# otelc's /metrics as Prometheus's own linter sees it.
#
#   run_promtool.sh <prom_tool>
#
# prom_tool records known values through the metrics SDK into a
# Prometheus reader; then:
#   - GET /metrics: 200, Content-Type text/plain; version=0.0.4;
#     charset=utf-8, and `promtool check metrics` reports nothing at all
#     (no error, no lint message);
#   - the exact sample lines of the recorded values are there: counters
#     with _total and unit words, the histogram's running bucket counts,
#     gauges, escapes, scope labels; target_info carries the resource;
#   - 40 scrapes from 4 clients at once, while the program records, all
#     complete; the counter recorded meanwhile has its final value;
#   - HEAD answers 200 with no body; / answers 404; POST and DELETE on
#     /metrics answer 405 with Allow: GET, HEAD;
#   - a second endpoint on the same port fails with ERR_IO, saying the
#     address is in use;
#   - OTEL_METRICS_EXPORTER=prometheus with OTEL_EXPORTER_PROMETHEUS_HOST
#     and _PORT makes the same endpoint through
#     otelc_meter_provider_new_from_env;
#   - prom_tool exits 0 once its input ends (the endpoint shuts down).
# promtool and curl are required.
set -euo pipefail

me=run_promtool
if (($# != 1)); then
  echo "usage: $0 <prom_tool>" >&2
  exit 2
fi
tool=$1
[[ -x $tool ]] || { echo "$me: $tool is not an executable" >&2; exit 1; }

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_program promtool
need_program curl

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-prom.XXXXXX")
cleanup() {
  if [[ -n $tool_pid ]]; then
    kill "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
check() { # check <description> <command...>
  local what=$1
  shift
  if "$@"; then
    echo "ok   $what"
  else
    echo "FAIL $what" >&2
    failures=$((failures + 1))
  fi
}
has_line() { grep -Fxq -- "$1" "$work/body"; }

# ------------------------------------------------------------ the scrape --
start_tool "$work/out" "$work/err" serve
port=$(wait_line "$work/out" '^port [0-9]+$' | cut -d' ' -f2)
url=http://127.0.0.1:$port/metrics
echo "$me: prom_tool serves $url"

code=$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$url")
check "GET /metrics answers 200" test "$code" = 200
ctype=$(grep -i '^content-type:' "$work/headers" | cut -d: -f2- |
  sed 's/^ *//; s/\r$//')
check "Content-Type is the text format 0.0.4" \
  test "$ctype" = "text/plain; version=0.0.4; charset=utf-8"

set +e
promtool check metrics <"$work/body" >"$work/lint" 2>&1
lint_rc=$?
set -e
if [[ -s $work/lint ]]; then
  echo "$me: promtool says:" >&2
  sed 's/^/  /' "$work/lint" >&2
fi
check "promtool check metrics exits 0" test "$lint_rc" = 0
check "promtool check metrics reports nothing" test ! -s "$work/lint"

scope='otel_scope_name="prom_tool",otel_scope_version="1.0.0"'
expect=(
  '# HELP http_server_requests_total Requests served.'
  '# TYPE http_server_requests_total counter'
  "http_server_requests_total{http_request_method=\"GET\",http_response_status_code=\"200\",$scope} 7"
  "http_server_requests_total{http_request_method=\"POST\",http_response_status_code=\"500\",$scope} 3"
  '# HELP http_server_request_duration_seconds Duration of requests.'
  '# TYPE http_server_request_duration_seconds histogram'
  "http_server_request_duration_seconds_bucket{$scope,le=\"0.005\"} 2"
  "http_server_request_duration_seconds_bucket{$scope,le=\"0.01\"} 2"
  "http_server_request_duration_seconds_bucket{$scope,le=\"0.1\"} 3"
  "http_server_request_duration_seconds_bucket{$scope,le=\"1\"} 6"
  "http_server_request_duration_seconds_bucket{$scope,le=\"10\"} 7"
  "http_server_request_duration_seconds_bucket{$scope,le=\"+Inf\"} 8"
  "http_server_request_duration_seconds_sum{$scope} 26.568359375"
  "http_server_request_duration_seconds_count{$scope} 8"
  '# TYPE network_io_bytes_total counter'
  "network_io_bytes_total{direction=\"rx\",$scope} 1024"
  '# TYPE room_temperature_celsius gauge'
  "room_temperature_celsius{$scope} 21.5"
  '# TYPE queue_items gauge'
  "queue_items{$scope} 6"
  "escape_check_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\",$scope} 1"
  '# HELP target_info Target metadata'
  '# TYPE target_info gauge'
  "prom_tool_ticks_total{$scope} 1"
)
for line in "${expect[@]}"; do
  check "line: $line" has_line "$line"
done
check "target_info carries service.name" \
  grep -Eq '^target_info\{.*service_name="prom_tool".*\} 1$' "$work/body"
check "target_info carries telemetry.sdk.language" \
  grep -Eq '^target_info\{.*telemetry_sdk_language="c".*\} 1$' "$work/body"
check "every family has one TYPE line" \
  test "$(grep -c '^# TYPE ' "$work/body")" = \
  "$(grep '^# TYPE ' "$work/body" | sort -u | wc -l)"
check "the last line ends with a newline" \
  test "$(tail -c 1 "$work/body" | od -An -c | tr -d ' ')" = '\n'

# --------------------------------------------------- other answers --
code=$(curl -sS -I -o "$work/head" -w '%{http_code}' "$url")
check "HEAD /metrics answers 200" test "$code" = 200
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")
check "GET / answers 404" test "$code" = 404
code=$(curl -sS -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$port/metrics/x")
check "GET /metrics/x answers 404" test "$code" = 404
code=$(curl -sS -o /dev/null -D "$work/h405" -w '%{http_code}' -X POST \
  -d 'x=1' "$url")
check "POST /metrics answers 405" test "$code" = 405
check "405 says Allow: GET, HEAD" grep -iq '^allow: GET, HEAD' "$work/h405"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$url")
check "DELETE /metrics answers 405" test "$code" = 405

# ------------------------------------------------- concurrent scrapes --
# Four clients scrape at once while the program records; every answer is
# a complete exposition.
scrape_loop() { # scrape_loop <n>: 10 scrapes, each body checked
  local i ok=0
  for ((i = 0; i < 10; i++)); do
    if curl -sS -o "$work/par.$1.$i" "$url" &&
      grep -q '^prom_tool_ticks_total{' "$work/par.$1.$i" &&
      grep -q '^http_server_request_duration_seconds_count{' "$work/par.$1.$i"; then
      ok=$((ok + 1))
    fi
  done
  echo "$ok" >"$work/par.$1"
}
ticks_reach() { # ticks_reach <value>: seen in a scrape within 5 s
  local i
  for ((i = 0; i < 50; i++)); do
    curl -sS "$url" | grep -Fxq "prom_tool_ticks_total{$scope} $1" && return 0
    sleep 0.1
  done
  return 1
}
pids=()
for c in 1 2 3 4; do
  scrape_loop "$c" 7>&- &
  pids+=($!)
done
for ((i = 0; i < 20; i++)); do echo "add 1" >&7; done
wait "${pids[@]}"
total=0
for c in 1 2 3 4; do total=$((total + $(cat "$work/par.$c"))); done
check "40 concurrent scrapes all complete" test "$total" = 40
check "the ticks counter ends at 21" ticks_reach 21

set +e
"$tool" second "$port" >"$work/second.out" 2>"$work/second.err"
second_rc=$?
set -e
check "a second endpoint on the same port fails with ERR_IO" \
  test "$second_rc" = 0
check "the failure names the port and the reason" \
  grep -q "port $port.*in use" "$work/second.err"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url")
check "the first endpoint still answers" test "$code" = 200

check "prom_tool exits 0 when its input ends" stop_tool

# ----------------------------------------------- from the environment --
env_port=$("$tool" free-port)
OTEL_METRICS_EXPORTER=prometheus OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1 \
  OTEL_EXPORTER_PROMETHEUS_PORT=$env_port start_tool "$work/env.out" \
  "$work/env.err" env
if wait_line "$work/env.out" '^ready$' >/dev/null; then
  code=$(curl -sS -o "$work/env.body" -w '%{http_code}' \
    "http://127.0.0.1:$env_port/metrics" || true)
  check "OTEL_METRICS_EXPORTER=prometheus serves on the configured port" \
    test "$code" = 200
  check "... the recorded counter" grep -Fq \
    "http_server_requests_total{http_request_method=\"GET\",http_response_status_code=\"200\",$scope} 7" \
    "$work/env.body"
else
  check "prom_tool env starts" false
  sed 's/^/  /' "$work/env.err" >&2
fi
check "prom_tool env exits 0 when its input ends" stop_tool

if ((failures)); then
  echo "$me: $failures check(s) failed; prom_tool's stderr:" >&2
  cat "$work/err" >&2 || true
  exit 1
fi
echo "$me: all checks passed"
