#!/usr/bin/env bash
# The logs SDK end to end into otelc's OTLP log exporter, against the real
# receivers.
#
#   run_logs_sdk.sh <otlp_logs_sdk_tool> <source-dir>
#
# `otlp_logs_sdk_tool sdk` (tests/integration/otlp/otlp_logs_e2e.c) emits
# two rounds of records through a logger provider with a batch processor
# in manual-tick mode (or a simple processor) around the OTLP log exporter
# (configured by the environment), some inside a sampled span, one through
# the printf-style convenience API, one with the span's context given
# explicitly, and ticks after each round. Every batch the exporter is
# handed is described, so that what the receiver decoded with the official
# schema is compared with it field by field; the values are also checked
# against what was emitted:
#
#   - batch processor over http/protobuf: two requests (4 records, then 2);
#     records emitted inside the span carry its trace id, span id and
#     trace flags (sampled), the records emitted outside carry none; the exception's
#     attributes are set and the caller's exception.type wins; the
#     convenience record has its own scope; given times arrive as given;
#   - simple processor over http/json: one request per record;
#   - the batch processor over gRPC;
#   - OTEL_LOGS_EXPORTER=otlp through otelc_logger_provider_new_from_env:
#     the module's registration, a batch processor from OTEL_BLRP_* and the
#     exporter from the environment (OTEL_EXPORTER_OTLP_LOGS_PROTOCOL,
#     the generic endpoint with v1/logs, OTEL_SERVICE_NAME).
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_logs_sdk
compare_js=otlp_logs_compare.js
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_logs_sdk_tool "$@"
banner

# JavaScript pieces of the expressions: the records of the decoded
# requests that succeeded, each with its scope's name and resource; the
# first whose body is the string (or int) V.
recs='r.filter((x) => x.request && (x.answer.status === 200 ||
                                  x.answer.code === 0))
  .flatMap((x) => (x.request.resourceLogs || []).flatMap((rl) =>
    (rl.scopeLogs || []).flatMap((sl) => (sl.logRecords || []).map((l) =>
      ({...l, scope: (sl.scope || {}).name, resource: rl.resource})))))'
rec="((v) => ${recs}.find((l) => l.body &&
  (l.body.stringValue === v || l.body.intValue === v)) || {})"
attr="((l, k) => ((l.attributes || []).find((a) => a.key === k) ||
  {value: {}}).value)"
ids="((l) => l.traceId === s.trace_id && l.spanId === s.span_id &&
  l.flags === s.trace_flags && (s.trace_flags & 1) === 1)"

checks() { # LABEL: what every run's records must show
  expect "$1: the records inside the span carry its ids and flags" \
    "${ids}(${rec}('inside the span')) && ${ids}(${rec}('failed')) &&
     ${ids}(${rec}('convenience 42'))"
  expect "$1: the record with the span's context given explicitly too" \
    "${ids}(${rec}('7')) && ${rec}('7').severityNumber === 21"
  expect "$1: the records outside any span carry no ids" \
    "${recs}.filter((l) => !l.traceId && !l.spanId && !l.flags).length === 2 &&
     ${rec}('timed').traceId === undefined &&
     ${recs}.some((l) => l.eventName === 'sdk.event' &&
       l.body.kvlistValue.values[0].key === 'k' && !l.traceId)"
  expect "$1: exception attributes set, the caller's exception.type kept" \
    "${attr}(${rec}('failed'), 'exception.type').stringValue === 'Mine' &&
     ${attr}(${rec}('failed'), 'exception.message').stringValue ===
       'disk full' && ${rec}('failed').severityNumber === 17"
  expect "$1: the convenience record: WARN, its own scope" \
    "${rec}('convenience 42').severityNumber === 13 &&
     ${rec}('convenience 42').scope === 'otelc.test.convenience' &&
     ${rec}('inside the span').scope === 'otelc.test.logs'"
  expect "$1: given times arrive as given, others observed at emit" \
    "${rec}('timed').timeUnixNano === '1700000000000000000' &&
     ${rec}('timed').observedTimeUnixNano === '1700000000000000001' &&
     ${rec}('timed').severityText === 'notice' &&
     ${rec}('inside the span').timeUnixNano === undefined &&
     BigInt(${rec}('inside the span').observedTimeUnixNano) >
       1700000000000000000n"
}

ran_ok='rc === 0 && s.shutdown === "OK" && s.records === 6 &&
  s.stats.failed === 0 && s.stats.succeeded === s.expected_lines &&
  r.length === s.expected_lines && r.every((x) => x.ok)'

# ------------------------------------------------- batch, http/protobuf --
start http batch
OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port/v1/logs" \
  run_tool sdk "$dir/expected.jsonl"
expect "batch: two ticks exported 4 then 2 records, all accepted" \
  "$ran_ok && s.ticks.join() === 'OK,OK' && s.expected_lines === 2 &&
   r.every((x) => x.contentType === 'application/x-protobuf') &&
   r[0].request.resourceLogs.flatMap((rl) => rl.scopeLogs)
     .flatMap((sl) => sl.logRecords).length === 4"
compare "batch: every record equals what the SDK handed the exporter"
checks batch
expect "batch: the provider's resource" \
  "${rec}('failed').resource.attributes.some((a) =>
     a.key === 'service.name' && a.value.stringValue === 'otlp-logs-sdk')"

# ---------------------------------------------------- simple, http/json --
start http simple
OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port/v1/logs" \
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json \
  run_tool sdk "$dir/expected.jsonl" --simple
expect "simple: one request per record, all accepted" \
  "$ran_ok && s.flushes.join() === 'OK,OK' && s.expected_lines === 6 &&
   r.every((x) => x.contentType === 'application/json')"
compare "simple: every record equals what the SDK handed the exporter"
checks simple

# ---------------------------------------------------------- batch, gRPC --
start grpc grpc
OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=grpc \
  run_tool sdk "$dir/expected.jsonl"
expect "grpc: the ticks exported, all accepted" \
  "$ran_ok && s.expected_lines === 2 && r.every((x) => x.path ===
     '/opentelemetry.proto.collector.logs.v1.LogsService/Export')"
compare "grpc: every record equals what the SDK handed the exporter"
checks grpc

# ------------------------------------------------- from the environment --
start http from-env
OTEL_LOGS_EXPORTER=otlp \
  OTEL_BLRP_SCHEDULE_DELAY=600000 \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json \
  OTEL_SERVICE_NAME=otlp-logs-from-env \
  run_tool sdk "$dir/expected.jsonl" --from-env
expect "OTEL_LOGS_EXPORTER=otlp: both flushes exported to /v1/logs" \
  "rc === 0 && s.flushes.join() === 'OK,OK' && s.shutdown === 'OK' &&
   r.length === 2 && r.every((x) => x.ok && x.path === '/v1/logs' &&
     x.contentType === 'application/json') &&
   ${recs}.length === 6"
checks "OTEL_LOGS_EXPORTER=otlp"
expect "OTEL_LOGS_EXPORTER=otlp: the resource from the environment" \
  "${rec}('failed').resource.attributes.some((a) =>
     a.key === 'service.name' &&
     a.value.stringValue === 'otlp-logs-from-env')"

stop_receiver
finish
