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
# The cases shared with the metric exporter are in exporter_cases.sh.
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_logs_grpc
compare_js=otlp_logs_compare.js
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_logs_sdk_tool "$@"
banner "@grpc/grpc-js $(grpc_js_version)"

signal=logs items="log records" count=records
intact="every record equals what the exporter was handed"
# shellcheck source=exporter_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/exporter_cases.sh"

grpc_transport_cases

start grpc env-logs
OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:1" \
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port" \
  run_tool export "$dir/expected.jsonl"
expect "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT beats the generic one over gRPC" \
  "rc === 0 && s.exports[0] === 'OK' && r.length === 1 &&
   r[0].path === '$method' && r[0].ok === true"

grpc_failure_cases

stop_receiver
finish
