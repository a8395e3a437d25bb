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
if (($# != 2)); then
  echo "usage: $0 <otlp_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
peers=$src/tests/peers
if [[ ! -x $tool ]]; then
  echo "$me: $tool is not an executable (build otlp_tool first)" >&2
  exit 1
fi

# shellcheck source=peers.sh
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-otlp-file.XXXXXX")
trap 'rm -rf "$work"' EXIT

unset OTEL_SDK_DISABLED OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG \
  OTEL_RESOURCE_ATTRIBUTES OTEL_SERVICE_NAME OTEL_BSP_SCHEDULE_DELAY \
  OTEL_BSP_EXPORT_TIMEOUT OTEL_BSP_MAX_QUEUE_SIZE \
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE

passed=0
failed=0
pass() {
  echo "ok    $1"
  passed=$((passed + 1))
}
fail() { # label [file-with-details]
  echo "FAIL  $1"
  if [[ -n ${2:-} && -s $2 ]]; then
    sed 's/^/        | /' "$2"
  fi
  failed=$((failed + 1))
}
finish() {
  echo "otlp-file: $passed passed, $failed failed"
  ((failed == 0))
}
abort() {
  finish || true
  exit 1
}

echo "$me: $tool; Node.js $(node -v);" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

rc=0
timeout 60 "$tool" file "$work/traces.jsonl" "$work/expected.json" \
  2>"$work/tool.err" || rc=$?
case $rc in
  0) pass "otlp_tool file: otelc recorded what was asked for" ;;
  3) fail "otlp_tool file: otelc recorded what was asked for" "$work/tool.err" ;;
  4)
    fail "otlp_tool was built without the file exporter" "$work/tool.err"
    abort
    ;;
  *)
    fail "otlp_tool file (exit $rc)" "$work/tool.err"
    abort
    ;;
esac
if [[ ! -s $work/traces.jsonl ]]; then
  fail "the file exporter wrote $work/traces.jsonl"
  abort
fi
lines=$(wc -l <"$work/traces.jsonl")

if timeout 60 node "$peers/otlp_decode.js" jsonl "$work/traces.jsonl" \
  >"$work/decoded.jsonl" 2>"$work/decode.err"; then
  pass "every line ($lines) decoded strictly by the official schema"
else
  fail "every line ($lines) decoded strictly by the official schema" \
    "$work/decode.err"
  abort
fi

if timeout 60 node "$peers/otlp_compare.js" check \
  "the spans of all lines equal what otelc recorded" \
  "$work/expected.json" "$work/decoded.jsonl" --min-requests 2; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

finish
