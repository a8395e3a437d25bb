#!/usr/bin/env bash
# otelc's OTLP logs encoders against the official OpenTelemetry schema.
#
#   run_logs_encode.sh <otlp_logs_tool> <source-dir>
#
# otlp_logs_tool encodes hand-made log records (two resources, three
# scopes, interleaved; every field of the log data model, every body
# kind, empty fields, ids with and without the sampled flag, a severity
# outside the enum, invalid UTF-8 in every kind of string;
# tests/integration/otlp/otlp_logs_data.c) as protobuf and as OTLP/JSON,
# and describes them. Both encodings are decoded by
# tests/peers/otlp_decode.js with the protobufjs code generated from
# opentelemetry-proto (@opentelemetry/otlp-transformer), strictly: the
# protobuf must re-encode to identical bytes, the JSON must survive the
# generated types' round trip, and the logs rules of otlp_schema.js hold
# (no empty envelopes, ids of the right length and not all zero, no span
# id without a trace id, no reserved flag bits, severities in the enum).
# Each decoded request is then compared, field by field, with the
# description (tests/peers/otlp_logs_compare.js: grouping by resource and
# scope, record order, every field), and the two decodings with each
# other. The request for no records decodes too. Last, broken variants of
# otelc's own output show that the decoder and the comparison fail when
# they should.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages are installed from tests/peers/package-lock.json when needed.
set -euo pipefail

me=run_logs_encode
suite=otlp-logs-encode
compare_js=otlp_logs_compare.js
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_logs_tool "$@"
banner

signal=logs
what="the records"
equals="every field equals the records, grouped"
mutate_var=l
mutate_of='doc.resourceLogs[0].scopeLogs[0].logRecords'
# shellcheck source=encode_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/encode_cases.sh"

# --------------------------------------------------------------- encode --
encode_cases empty.json

if [[ ! -s $work/empty.pb ]] &&
  [[ $(decode pb "$work/empty.pb" 2>"$work/empty.err") == "{}" ]] &&
  [[ $(decode json "$work/empty.json" 2>>"$work/empty.err") == "{}" ]]
then
  pass "no records: an empty request in both encodings"
else
  fail "no records: an empty request in both encodings" "$work/empty.err"
fi

# -------------------------------------------------------------- compare --
compare_cases

# ------------------------------- the checks fail on broken variants --
# Each variant changes otelc's own output in one way; the decoder (or the
# comparison) must fail and name the problem. In the JSON, l is the
# records of the first scope of the first resource (l[0] has every field).
j=$work/request.json
if mutate "$j" "$work/n1.json" 'l[0].timeUnixNano = Number(l[0].timeUnixNano);' \
  2>"$work/mut.err"; then
  rejects "a 64-bit time as a JSON number" json "$work/n1.json" \
    "decimal strings"
  mutate "$j" "$work/n2.json" 'l[0].severityNumber = "SEVERITY_NUMBER_INFO";'
  rejects "a severity name" json "$work/n2.json" "enums are integers"
  mutate "$j" "$work/n3.json" \
    'doc.resourceLogs[0].scopeLogs[0].log_records = l;
     delete doc.resourceLogs[0].scopeLogs[0].logRecords;'
  rejects "a snake_case JSON field" json "$work/n3.json" '"logRecords"'
  mutate "$j" "$work/n4.json" \
    'l[0].traceId = Buffer.from(l[0].traceId, "hex").toString("base64");'
  rejects "a base64 trace id" json "$work/n4.json" ".traceId: not hex"
  mutate "$j" "$work/n5.json" 'delete l[0].traceId;'
  rejects "a span id without a trace id" json "$work/n5.json" \
    "a span id without a trace id"
  mutate "$j" "$work/n6.json" 'l[0].flags = 0x101;'
  rejects "reserved flag bits" json "$work/n6.json" "reserved bits set"
  mutate "$j" "$work/n7.json" 'l[0].spanId = "0000000000000000";'
  rejects "an all-zero span id" json "$work/n7.json" "all zeros"
  mutate "$j" "$work/n8.json" 'doc.resourceLogs[0].scopeLogs.push(
     {scope: {name: "empty"}});'
  rejects "an empty scopeLogs envelope" json "$work/n8.json" \
    "no logRecords"
  mutate "$j" "$work/n9.json" 'l[0].severityNumber = 25;'
  rejects "a severity outside the enum" json "$work/n9.json" \
    "severityNumber"
  mutate "$j" "$work/n10.json" 'l[0].flags = String(l[0].flags);'
  rejects "flags as a string" json "$work/n10.json" "the schema has a number"
else
  fail "mutating request.json" "$work/mut.err"
fi
pb_variants

if [[ -n $decoded_pb ]]; then
  mutate "$decoded_pb" "$work/d1.jsonl" \
    'l[0].body = {stringValue: "hello world"};'
  differs "a changed body" "$work/d1.jsonl" \
    'logRecords[0].body.stringValue: expected "hello '
  mutate "$decoded_pb" "$work/d2.jsonl" 'delete l[0].eventName;'
  differs "a lost event name" "$work/d2.jsonl" \
    'logRecords[0].eventName: expected "app.started", got ""'
  mutate "$decoded_pb" "$work/d3.jsonl" 'const s = doc.resourceLogs[0]
     .scopeLogs; s[1].logRecords.push(l.pop());'
  differs "a record under the wrong scope" "$work/d3.jsonl" \
    "expected 4 records, got 3"
  mutate "$decoded_pb" "$work/d4.jsonl" 'l[0].flags = 0;'
  differs "lost trace flags" "$work/d4.jsonl" \
    "logRecords[0].flags: expected 1, got 0"
  mutate "$decoded_pb" "$work/d5.jsonl" 'l.reverse();'
  differs "records out of order" "$work/d5.jsonl" \
    'logRecords[0].timeUnixNano: expected "1700000000123456789"'
  mutate "$decoded_pb" "$work/d6.jsonl" 'l[2].severityNumber = 30;'
  differs "a severity outside the enum sent" "$work/d6.jsonl" \
    "logRecords[2].severityNumber: expected 0, got 30"
fi

finish
