#!/usr/bin/env bash
# otelc's OTLP metric exporter (libotelc_otlp) over HTTP against a real
# receiver.
#
#   run_metrics_http.sh <otlp_metrics_tool> <source-dir>
#
# Each case starts tests/peers/otlp_receiver.js, which decodes every
# request strictly with the official OpenTelemetry schema and records it,
# and runs `otlp_metrics_tool export`: the hand-made collection of the
# encoding test goes through otelc_otlp_metric_exporter_new's export
# operation (what a periodic reader calls), the exporter is shut down, and
# its statuses and counters are printed as JSON. The case then checks the
# receiver's records, the counters and otelc's diagnostics:
#
#   - http/protobuf and http/json, each plain and gzip: POST /v1/metrics
#     with the right content type and encoding, and every field equals the
#     collection (tests/peers/otlp_metrics_compare.js);
#   - custom headers arrive; their values never appear in the diagnostics;
#   - nothing listening: the export fails within its 1 s timeout, the
#     data points are counted as dropped, one warning says so;
#   - 503 with Retry-After: 1, then 200: retried after the second, then
#     delivered once, intact; 400: not retried;
#   - partial success: the rejected data points counted, one log line for
#     two exports;
#   - a collection without points sends nothing; after shutdown exports
#     are refused;
#   - the environment: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT beats
#     OTEL_EXPORTER_OTLP_ENDPOINT (which gets v1/metrics) and the code; the
#     traces and logs variables are not read;
#     OTEL_EXPORTER_OTLP_METRICS_PROTOCOL beats the generic one and the
#     code's protocol.
#
# The cases shared with the log exporter are in exporter_cases.sh.
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_metrics_http
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_metrics_tool "$@"
banner

signal=metrics items="data points" count=points
intact="every data point equals the collection"
ok_once='rc === 0 && s.new === "OK" && s.exports.length === 1 &&
  s.exports[0] === "OK" && s.stats.exports === 1 && s.stats.attempts === 1 &&
  s.stats.succeeded === 1 && s.stats.failed === 0 &&
  s.stats.last_http_status === 200'
# shellcheck source=exporter_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/exporter_cases.sh"

http_encoding_cases
http_headers_case metr1cs
http_failure_cases
http_partial_case "bad points"
http_empty_case
http_env_cases

stop_receiver
finish
