#!/usr/bin/env bash
# otelc's OTLP encoders against the official OpenTelemetry schema.
#
#   run_encode.sh <otlp_tool> <source-dir>
#
# otlp_tool records a trace that uses every part of the span model and
# encodes it with otelc_otlp_encode_spans as protobuf and as OTLP/JSON.
# Both are decoded by tests/peers/otlp_decode.js with the protobufjs code
# generated from opentelemetry-proto (@opentelemetry/otlp-transformer),
# strictly: unknown or misspelled fields, wrong JSON types, enum names,
# 64-bit integers as JSON numbers, non-hex ids, invalid UTF-8 and bytes
# the schema does not account for all fail. Each decoded request is then
# compared, field by field, with what otelc recorded
# (tests/peers/otlp_compare.js), and the two decodings with each other.
# Last, the decoder is shown to reject broken variants of otelc's own
# output, so that a pass means something.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages are installed from tests/peers/package-lock.json when needed.
set -euo pipefail

me=run_encode
suite=otlp-encode
compare_js=otlp_compare.js
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_tool "$@"
banner

signal=traces
# shellcheck source=encode_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/encode_cases.sh"

# ------------------------------------------------------- record + encode --
rc=0
timeout 60 "$tool" encode "$work" 2>"$work/tool.err" || rc=$?
case $rc in
  0) pass "otlp_tool: otelc recorded what was asked for" ;;
  3) fail "otlp_tool: otelc recorded what was asked for" "$work/tool.err" ;;
  *)
    die "otlp_tool encode (exit $rc)" "$work/tool.err"
    ;;
esac
for f in request.pb request.json expected.json; do
  if [[ ! -s $work/$f ]]; then
    die "otlp_tool wrote $f"
  fi
done

# --------------------------------------------------------------- decode --
decoded_pb=""
if decode pb "$work/request.pb" >"$work/pb.jsonl" 2>"$work/pb.err"; then
  pass "protobuf: decoded by the official schema"
  decoded_pb=$work/pb.jsonl
else
  fail "protobuf: decoded by the official schema" "$work/pb.err"
fi

if [[ $(tr -cd '\n' <"$work/request.json" | wc -c) -eq 0 ]]; then
  pass "json: one line without a newline"
else
  fail "json: one line without a newline"
fi

decoded_json=""
if decode json "$work/request.json" >"$work/json.jsonl" 2>"$work/json.err"
then
  pass "json: decoded strictly by the official schema"
  decoded_json=$work/json.jsonl
else
  fail "json: decoded strictly by the official schema" "$work/json.err"
fi

# -------------------------------------------------------------- compare --
if [[ -n $decoded_pb ]]; then
  counted compare_files "protobuf: every field equals what otelc recorded" \
    "$work/expected.json" "$decoded_pb" --requests 1
else
  fail "protobuf: every field equals what otelc recorded (not decoded)"
fi
if [[ -n $decoded_json ]]; then
  counted compare_files "json: every field equals what otelc recorded" \
    "$work/expected.json" "$decoded_json" --requests 1
else
  fail "json: every field equals what otelc recorded (not decoded)"
fi
if [[ -n $decoded_pb && -n $decoded_json ]]; then
  counted timeout 60 node "$peers/otlp_compare.js" same \
    "protobuf and JSON carry the same request" \
    "$decoded_pb" "$decoded_json"
else
  fail "protobuf and JSON carry the same request (not decoded)"
fi

# ------------------------------------ the decoder rejects broken variants --
# Each variant changes otelc's own output in one way; the decoder must fail
# and name the problem.
mutate_json() { # js-expression-on-text out
  timeout 30 node -e '
    const fs = require("fs");
    let text = fs.readFileSync(process.argv[1], "utf8");
    const doc = JSON.parse(text);
    const span = doc.resourceSpans[0].scopeSpans[0].spans[0];
    const f = new Function("text", "doc", "span", process.argv[3]);
    const r = f(text, doc, span);
    fs.writeFileSync(process.argv[2],
                     typeof r === "string" ? r : JSON.stringify(doc));
  ' "$work/request.json" "$2" "$1"
}

if mutate_json 'span.nmae = span.name;' "$work/neg1.json" 2>"$work/mut.err"
then
  rejects "a misspelled JSON field" json "$work/neg1.json" ".nmae: unknown"
  mutate_json 'span.start_time_unix_nano = span.startTimeUnixNano;
               delete span.startTimeUnixNano;' "$work/neg2.json"
  rejects "a snake_case JSON field" json "$work/neg2.json" '"startTimeUnixNano"'
  mutate_json 'span.kind = "SPAN_KIND_SERVER";' "$work/neg3.json"
  rejects "an enum name" json "$work/neg3.json" "enums are integers"
  # shellcheck disable=SC2016 # JavaScript, not shell
  mutate_json 'return JSON.stringify(doc).replace(
                 /"(startTimeUnixNano)":"(\d+)"/, "\"$1\":$2");' \
    "$work/neg4.json"
  rejects "a 64-bit integer as a JSON number" json "$work/neg4.json" \
    "decimal strings"
  mutate_json 'span.traceId = Buffer.from(span.traceId, "hex")
                 .toString("base64");' "$work/neg5.json"
  rejects "a base64 trace id" json "$work/neg5.json" ".traceId: not hex"
  mutate_json 'span.name = 42;' "$work/neg6.json"
  rejects "a number where the schema has a string" json "$work/neg6.json" \
    ".name: written as 42"
else
  fail "mutating request.json" "$work/mut.err"
fi
# An unknown field (number 99, varint) appended to the protobuf request;
# the request cut short.
pb_variants

finish
