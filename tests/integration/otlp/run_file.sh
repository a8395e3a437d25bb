#!/usr/bin/env bash
# otelc's file exporter (OTLP/JSON lines) against the official
# OpenTelemetry schema.
#
#   run_file.sh <otlp_tool> <source-dir>
#
# `otlp_tool file` records a trace through a batch processor (batches of
# two spans) into otelc_file_exporter_new, and writes what otelc recorded.
# Every line of the file must be one "\n"-terminated OTLP/JSON object that
# tests/peers/otlp_decode.js decodes strictly with the schema generated
# from opentelemetry-proto; the spans of all lines together must equal,
# field by field, what otelc recorded (tests/peers/otlp_compare.js).
#
# When otlp_tool was built without the file exporter the test says so and
# fails. Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_file
suite=otlp-file
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_tool "$@"
banner

rc=0
timeout 60 "$tool" file "$work/traces.jsonl" "$work/expected.json" \
  2>"$work/tool.err" || rc=$?
case $rc in
  0) pass "otlp_tool file: otelc recorded what was asked for" ;;
  3) fail "otlp_tool file: otelc recorded what was asked for" "$work/tool.err" ;;
  4) die "otlp_tool was built without the file exporter" "$work/tool.err" ;;
  *) die "otlp_tool file (exit $rc)" "$work/tool.err" ;;
esac
if [[ ! -s $work/traces.jsonl ]]; then
  die "the file exporter wrote $work/traces.jsonl"
fi
lines=$(wc -l <"$work/traces.jsonl")

if timeout 60 node "$peers/otlp_decode.js" jsonl "$work/traces.jsonl" \
  >"$work/decoded.jsonl" 2>"$work/decode.err"; then
  pass "every line ($lines) decoded strictly by the official schema"
else
  die "every line ($lines) decoded strictly by the official schema" \
    "$work/decode.err"
fi

counted timeout 60 node "$peers/otlp_compare.js" check \
  "the spans of all lines equal what otelc recorded" \
  "$work/expected.json" "$work/decoded.jsonl" --min-requests 2

finish
