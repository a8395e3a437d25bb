#!/usr/bin/env bash
# End-to-end OTLP throughput: bench_otlp_e2e against the local receiver
# (tests/peers/otlp_receiver.js, which decodes every request with the
# official schema), for http/protobuf and http/json.
#
#   bench/otlp_e2e.sh [seconds]     (default 10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-10}
cd "$root"
bash scripts/deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --parallel 2 >/dev/null
bin=$root/build/release/bench/otlp/bench_otlp_e2e
peers=$root/tests/peers
me=otlp_e2e.sh
# Installs the pinned JS peers when needed (npm ci).
# shellcheck source=tests/integration/otlp/peers.sh
source "$root/tests/integration/otlp/peers.sh"

tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

for protocol in http/protobuf http/json; do
  node "$root/tests/peers/otlp_receiver.js" "$tmp/port" "$tmp/out.jsonl" \
    >"$tmp/receiver.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.1; done
  port=$(cat "$tmp/port")
  echo "-- $protocol"
  OTEL_EXPORTER_OTLP_PROTOCOL=$protocol \
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:$port/v1/traces" \
    "$bin" "$seconds"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  rm -f "$tmp/port" "$tmp/out.jsonl"
done
