#!/usr/bin/env bash
# otelc's OTLP log exporter (libotelc_otlp) over HTTP against a real
# receiver.
#
#   run_logs_http.sh <otlp_logs_sdk_tool> <source-dir>
#
# Each case starts tests/peers/otlp_receiver.js, which decodes every
# request strictly with the official OpenTelemetry schema and records it,
# and runs `otlp_logs_sdk_tool export`: the hand-made records of the
# encoding test, emitted through the logs SDK (two resources, three
# scopes), go through otelc_otlp_log_exporter_new's export operation (what
# a log processor calls), the exporter is shut down, and its statuses and
# counters are printed as JSON. The case then checks the receiver's
# records, the counters and otelc's diagnostics:
#
#   - http/protobuf and http/json, each plain and gzip: POST /v1/logs with
#     the right content type and encoding, and every field equals the
#     records the exporter was handed (tests/peers/otlp_logs_compare.js);
#   - custom headers arrive; their values never appear in the diagnostics;
#   - nothing listening: the export fails within its 1 s timeout, the log
#     records are counted as dropped, one warning says so;
#   - 503 with Retry-After: 1, then 200: retried after the second, then
#     delivered once, intact; 400: not retried;
#   - partial success: the rejected log records counted, one log line for
#     two exports;
#   - no records send nothing; after shutdown exports are refused;
#   - the environment: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT beats
#     OTEL_EXPORTER_OTLP_ENDPOINT (which gets v1/logs) and the code; the
#     traces and metrics variables are not read;
#     OTEL_EXPORTER_OTLP_LOGS_PROTOCOL beats the generic one and the code;
#   - HTTPS (a throwaway CA made by openssl): the CA given by
#     OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE, which beats a wrong generic
#     OTEL_EXPORTER_OTLP_CERTIFICATE, works; without it the server is not
#     trusted, the export fails and the records are dropped.
#
# The cases shared with the metric exporter are in exporter_cases.sh.
#
# Node.js, npm and openssl are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_logs_http
compare_js=otlp_logs_compare.js
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_logs_sdk_tool "$@"
banner

signal=logs items="log records" count=records
intact="every record equals what the exporter was handed"
ok_once='rc === 0 && s.new === "OK" && s.records === 10 &&
  s.exports.length === 1 && s.exports[0] === "OK" && s.stats.exports === 1 &&
  s.stats.attempts === 1 && s.stats.succeeded === 1 && s.stats.failed === 0 &&
  s.stats.last_http_status === 200'
# shellcheck source=exporter_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/exporter_cases.sh"

http_encoding_cases
expect "http/json, gzip: the limit of 10 attributes dropped 2 of the first" \
  "r.length === 1 && r[0].request.resourceLogs[0].scopeLogs[0]
     .logRecords[0].droppedAttributesCount === 2"
http_headers_case l0gs
http_failure_cases
http_partial_case "bad records"

start http partial-pb --partial '3:too old'
run_tool export "$dir/expected.jsonl" --endpoint "$(url)" --protocol protobuf
expect "partial success in protobuf: rejected_log_records read" \
  "rc === 0 && s.exports[0] === 'OK' && s.stats.rejected === 3 &&
   err.includes('partial success: 3 log records rejected: too old')"

http_empty_case
http_env_cases

# --------------------------------------------------------------- HTTPS --
if make_server_pki; then
  start http https --tls "$pki/server.pem" "$pki/server.key"
  OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/missing.pem" \
    OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE="$pki/ca.pem" \
    run_tool export "$dir/expected.jsonl" \
    --endpoint "https://127.0.0.1:$port/v1/logs"
  expect "HTTPS: the LOGS certificate variable's CA is trusted" \
    "$ok_once && r.length === 1 && r[0].ok && r[0].tls.protocol !== null"
  compare "HTTPS: every record arrived intact"

  start http https-untrusted --tls "$pki/server.pem" "$pki/server.key"
  run_tool export "$dir/expected.jsonl" \
    --endpoint "https://127.0.0.1:$port/v1/logs" --timeout 2000
  expect "HTTPS without the CA: not trusted, nothing received, dropped" \
    "rc === 0 && s.exports[0] !== 'OK' && r.length === 0 &&
     s.stats.failed === 1 && s.stats.succeeded === 0 &&
     err.includes('the log records are dropped')"
else
  fail "HTTPS: openssl made the test certificates" "${pki:+$pki/openssl.log}"
fi

stop_receiver
finish
