#!/usr/bin/env bash
# A real Prometheus scrapes otelc's endpoint.
#
#   run_live.sh <prom_tool>
#
# prom_tool records known values (see prom_tool.c) and serves them; a
# Prometheus server on 127.0.0.1 (temporary storage, a generated config
# scraping prom_tool every second) ingests them. Through Prometheus's
# HTTP API, with PromQL:
#   - the target is up and its last scrape had no error;
#   - the counter's GET/200 series is 7, the up-down counter 6, the gauge
#     21.5, the byte counter 1024;
#   - histogram_quantile(0.5) over the cumulative buckets is 0.4, inside
#     the bucket (0.1, 1] where the median lies;
#   - a counter that prom_tool increases on request (5 more) reaches its
#     new value in a later scrape;
#   - prom_tool then exits 0 when its input ends.
# prometheus, curl and node (to read the JSON answers) are required; the
# test fails, not skips, without them.
set -euo pipefail

me=run_live
if (($# != 1)); then
  echo "usage: $0 <prom_tool>" >&2
  exit 2
fi
tool=$1
[[ -x $tool ]] || { echo "$me: $tool is not an executable" >&2; exit 1; }

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
need_program prometheus
need_program curl
need_program node

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-prom-live.XXXXXX")
prom_pid=""
cleanup() {
  if [[ -n $prom_pid ]]; then
    kill "$prom_pid" 2>/dev/null || true
    wait "$prom_pid" 2>/dev/null || true
  fi
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

start_tool "$work/out" "$work/err" serve
port=$(wait_line "$work/out" '^port [0-9]+$' | cut -d' ' -f2)
web=$("$tool" free-port)
echo "$me: prom_tool on port $port, Prometheus on port $web"

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: otelc
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
# (7>&-: Prometheus must not hold prom_tool's input open.)
prometheus --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$web" \
  --log.level=warn >"$work/prometheus.log" 2>&1 7>&- &
prom_pid=$!

api=http://127.0.0.1:$web/api/v1
# The values of a PromQL instant query, one per line ("NONE" when the
# result is empty, "ERROR <why>" when the query failed).
query() {
  curl -sS --max-time 5 -G --data-urlencode "query=$1" "$api/query" 2>/dev/null |
    node -e '
      let s = "";
      process.stdin.on("data", (d) => (s += d)).on("end", () => {
        let j;
        try { j = JSON.parse(s); } catch (e) { console.log("ERROR no JSON"); return; }
        if (j.status !== "success") { console.log("ERROR " + j.error); return; }
        const r = j.data.result;
        if (!r.length) { console.log("NONE"); return; }
        for (const x of r) console.log(x.value[1]);
      });'
}

# wait_value <query> <expected> <seconds>: poll until the query gives
# exactly <expected>; prints what it saw last.
wait_value() {
  local q=$1 want=$2 limit=$3 got="" i
  for ((i = 0; i < limit * 2; i++)); do
    got=$(query "$q" || true)
    if [[ $got == "$want" ]]; then
      echo "$got"
      return 0
    fi
    if ! kill -0 "$prom_pid" 2>/dev/null; then
      echo "$me: prometheus exited; its log:" >&2
      cat "$work/prometheus.log" >&2
      echo "$got"
      return 1
    fi
    sleep 0.5
  done
  echo "$got"
  return 1
}

# The first scrape lands within a few seconds of Prometheus starting.
if ! wait_value 'up{job="otelc"}' 1 60 >/dev/null; then
  echo "$me: FAIL: no successful scrape within 60 s; Prometheus log:" >&2
  cat "$work/prometheus.log" >&2
  exit 1
fi
echo "ok   Prometheus scraped prom_tool (up == 1)"

targets=$(curl -sS --max-time 5 "$api/targets" | node -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const t = JSON.parse(s).data.activeTargets.filter((x) => x.labels.job === "otelc");
    console.log(t.length === 1 ? t[0].health + "|" + t[0].lastError : "missing");
  });')
check "the target is healthy with no scrape error" test "$targets" = "up|"

value_is() { # value_is <query> <expected>
  local got
  got=$(wait_value "$1" "$2" 10) || {
    echo "  $1 gave '$got', expected '$2'" >&2
    return 1
  }
}
check "counter GET/200 == 7" value_is \
  'http_server_requests_total{job="otelc",http_request_method="GET",http_response_status_code="200",otel_scope_name="prom_tool"}' 7
check "counter POST/500 == 3" value_is \
  'http_server_requests_total{http_request_method="POST"}' 3
check "up-down counter == 6" value_is 'queue_items{job="otelc"}' 6
check "gauge == 21.5" value_is 'room_temperature_celsius{job="otelc"}' 21.5
check "byte counter == 1024" value_is \
  'network_io_bytes_total{direction="rx"}' 1024
check "histogram count == 8" value_is \
  'http_server_request_duration_seconds_count{job="otelc"}' 8
check "target_info has the service name" value_is \
  'target_info{service_name="prom_tool"}' 1

median=$(query 'histogram_quantile(0.5, sum by (le) (http_server_request_duration_seconds_bucket{job="otelc"}))')
echo "     histogram_quantile(0.5) = $median"
in_bucket() {
  node -e 'const v = Number(process.argv[1]);
    process.exit(v > 0.1 && v <= 1 && Math.abs(v - 0.4) < 1e-9 ? 0 : 1);' "$1"
}
check "histogram_quantile(0.5) is 0.4, inside (0.1, 1]" in_bucket "$median"

# A counter recorded through the SDK grows between scrapes.
before=$(query 'prom_tool_ticks_total{job="otelc"}')
check "the ticks counter starts at 1" test "$before" = 1
echo "add 5" >&7
check "the ticks counter reaches 6 in a later scrape" value_is \
  'prom_tool_ticks_total{job="otelc"}' 6
check "its rate over the last minute is positive" value_is \
  'increase(prom_tool_ticks_total{job="otelc"}[1m]) > bool 0' 1

check "prom_tool exits 0 when its input ends" stop_tool

if ((failures)); then
  echo "$me: $failures check(s) failed" >&2
  echo "--- prom_tool stderr:" >&2
  cat "$work/err" >&2 || true
  echo "--- Prometheus log:" >&2
  cat "$work/prometheus.log" >&2 || true
  exit 1
fi
echo "$me: all checks passed"
