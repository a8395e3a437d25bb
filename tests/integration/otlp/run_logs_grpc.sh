#!/usr/bin/env bash
# otelc's OTLP log exporter (libotelc_otlp) over gRPC against a real gRPC
# server.
#
#   run_logs_grpc.sh <otlp_logs_sdk_tool> <source-dir>
#
# Each case starts tests/peers/otlp_grpc_receiver.js, a @grpc/grpc-js
# server on cleartext HTTP/2 whose LogsService/Export decodes every call
# strictly with the official OpenTelemetry schema and records it, and runs
# `otlp_logs_sdk_tool export` with protocol grpc: the hand-made records,
# emitted through the logs SDK, go through the exporter's export
# operation, and the exporter's statuses and counters are printed as JSON.
# Checked:
#
#   - plain and gzip: one call to
#     /opentelemetry.proto.collector.logs.v1.LogsService/Export with the
#     gRPC headers and the message's compressed flag, and every field
#     equals the records (tests/peers/otlp_logs_compare.js);
#   - the endpoint: OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=grpc with the generic
#     endpoint calls the method there (no v1/logs), and
#     OTEL_EXPORTER_OTLP_LOGS_ENDPOINT beats the generic endpoint;
#   - UNAVAILABLE twice, then OK: three attempts, delivered once; a
#     RetryInfo delay is honoured; INVALID_ARGUMENT is not retried;
#   - partial success: the rejected log records counted, one log line;
#   - nothing listening: the export fails within its timeout, counted.
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_logs_grpc
if (($# != 2)); then
  echo "usage: $0 <otlp_logs_sdk_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
compare_js=otlp_logs_compare.js
# shellcheck source=metrics_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/metrics_lib.sh"

grpc_js_version=$(node -p \
  "require('$peers/node_modules/@grpc/grpc-js/package.json').version")
echo "$me: $tool; Node.js $(node -v); @grpc/grpc-js $grpc_js_version;" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

method=/opentelemetry.proto.collector.logs.v1.LogsService/Export

# ------------------------------------------------------ plain and gzip --
for gz in plain gzip; do
  start grpc "$gz"
  opts=(--protocol grpc)
  flag=0
  enc=null
  if [[ $gz == gzip ]]; then
    opts+=(--gzip)
    flag=1
    enc="'gzip'"
  fi
  run_tool export "$dir/expected.jsonl" \
    --endpoint "http://127.0.0.1:$port" "${opts[@]}"
  expect "grpc, $gz: exported once, nothing failed" \
    "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 1 &&
     s.stats.succeeded === 1 && s.stats.failed === 0 &&
     s.stats.last_http_status === 200"
  expect "grpc, $gz: one LogsService/Export call, decoded" \
    "r.length === 1 && r[0].path === '$method' && r[0].signal === 'logs' &&
     r[0].ok === true && r[0].answer.code === 0 &&
     r[0].contentType === 'application/grpc' &&
     r[0].headers.te === 'trailers' && /^\\d+m$/.test(r[0].headers['grpc-timeout']) &&
     r[0].compressedFlag === $flag && r[0].contentEncoding === $enc"
  compare "grpc, $gz: every record equals what the exporter was handed"
done

# -------------------------------------------------------- the endpoint --
start grpc env
OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port/some/base/" \
  run_tool export "$dir/expected.jsonl" --protocol protobuf
expect "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=grpc: the method on the generic endpoint" \
  "rc === 0 && s.exports[0] === 'OK' && r.length === 1 &&
   r[0].path === '$method' && r[0].ok === true"

start grpc env-logs
OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:1" \
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port" \
  run_tool export "$dir/expected.jsonl"
expect "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT beats the generic one over gRPC" \
  "rc === 0 && s.exports[0] === 'OK' && r.length === 1 &&
   r[0].path === '$method' && r[0].ok === true"

# ------------------------------------------------------------- retries --
start grpc unavailable --fail unavailable:2
run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
  --protocol grpc
expect "UNAVAILABLE twice: three attempts, then delivered" \
  "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 3 &&
   s.stats.succeeded === 1 && r.length === 3 && r[2].answer.code === 0"
compare "UNAVAILABLE twice: delivered once, intact"

start grpc retryinfo --fail unavailable:1 --retry-delay-ms 1200
run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
  --protocol grpc
expect "a RetryInfo of 1.2 s: waited, then delivered" \
  "rc === 0 && s.exports[0] === 'OK' && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 1100"

start grpc invalid --status invalid_argument
run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
  --protocol grpc
expect "INVALID_ARGUMENT: one attempt, not retried, failed" \
  "rc === 0 && s.exports[0] === 'ERR_EXPORT' && s.stats.attempts === 1 &&
   s.stats.failed === 1 && r.length === 1 &&
   err.includes('gRPC status INVALID_ARGUMENT (not retried)')"

# ----------------------------------------------------- partial success --
start grpc partial --partial '7:too old'
run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
  --protocol grpc --exports 2
expect "partial success twice: 14 rejected log records, one log line" \
  "rc === 0 && s.exports.join() === 'OK,OK' && s.stats.rejected === 14 &&
   err.split('\n').filter((l) =>
     l.includes('partial success: 7 log records rejected: too old'))
     .length === 1"

# ------------------------------------------------------ nothing there --
start grpc down
stop_receiver
run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
  --protocol grpc --timeout 1000
expect "receiver down: fails within the 1 s timeout, counted" \
  "rc === 0 && (s.exports[0] === 'ERR_TIMEOUT' ||
                s.exports[0] === 'ERR_EXPORT') &&
   s.export_ms[0] < 2500 && s.stats.failed === 1 &&
   s.stats.succeeded === 0 && err.includes('log records are dropped')"

stop_receiver
finish
