#!/usr/bin/env bash
# otelc's OTLP metric exporter (libotelc_otlp) over gRPC against a real
# gRPC server.
#
#   run_metrics_grpc.sh <otlp_metrics_tool> <source-dir>
#
# Each case starts tests/peers/otlp_grpc_receiver.js, a @grpc/grpc-js
# server on cleartext HTTP/2 whose MetricsService/Export decodes every
# call strictly with the official OpenTelemetry schema and records it, and
# runs `otlp_metrics_tool export` with protocol grpc: the hand-made
# collection goes through the exporter's export operation, and the
# exporter's statuses and counters are printed as JSON. Checked:
#
#   - plain and gzip: one call to
#     /opentelemetry.proto.collector.metrics.v1.MetricsService/Export with
#     the gRPC headers and the message's compressed flag, and every field
#     equals the collection (tests/peers/otlp_metrics_compare.js);
#   - the endpoint: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=grpc with the
#     generic endpoint calls the method there (no v1/metrics);
#   - UNAVAILABLE twice, then OK: three attempts, delivered once; a
#     RetryInfo delay is honoured; INVALID_ARGUMENT is not retried;
#   - partial success: the rejected data points counted, one log line;
#   - nothing listening: the export fails within its timeout, counted.
#
# The cases shared with the log exporter are in exporter_cases.sh.
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_metrics_grpc
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_metrics_tool "$@"
banner "@grpc/grpc-js $(grpc_js_version)"

signal=metrics items="data points" count=points
intact="every data point equals the collection"
# shellcheck source=exporter_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/exporter_cases.sh"

grpc_transport_cases
grpc_failure_cases

stop_receiver
finish
