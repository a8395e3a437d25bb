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
if (($# != 2)); then
  echo "usage: $0 <otlp_logs_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
peers=$src/tests/peers
if [[ ! -x $tool ]]; then
  echo "$me: $tool is not an executable (build otlp_logs_tool first)" >&2
  exit 1
fi

# shellcheck source=peers.sh
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-otlp-logs.XXXXXX")
trap 'rm -rf "$work"' EXIT

decode() { timeout 60 node "$peers/otlp_decode.js" "$@"; }

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
counted() {
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}
finish() {
  echo "otlp-logs-encode: $passed passed, $failed failed"
  ((failed == 0))
}

echo "$me: $tool; Node.js $(node -v);" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

# --------------------------------------------------------------- encode --
if ! timeout 60 "$tool" encode "$work" 2>"$work/tool.err"; then
  fail "otlp_logs_tool encode" "$work/tool.err"
  finish || true
  exit 1
fi
for f in request.pb request.json expected.jsonl empty.json; do
  if [[ ! -s $work/$f ]]; then
    fail "otlp_logs_tool wrote $f"
    finish || true
    exit 1
  fi
done
pass "otlp_logs_tool encoded the records"

# --------------------------------------------------------------- decode --
decoded_pb=""
if decode pb "$work/request.pb" logs >"$work/pb.jsonl" 2>"$work/pb.err"; then
  pass "protobuf: decoded by the official schema, identical bytes again"
  decoded_pb=$work/pb.jsonl
else
  fail "protobuf: decoded by the official schema, identical bytes again" \
    "$work/pb.err"
fi

if [[ $(tr -cd '\n' <"$work/request.json" | wc -c) -eq 0 ]]; then
  pass "json: one line without a newline"
else
  fail "json: one line without a newline"
fi

decoded_json=""
if decode json "$work/request.json" logs >"$work/json.jsonl" \
  2>"$work/json.err"; then
  pass "json: decoded strictly by the official schema"
  decoded_json=$work/json.jsonl
else
  fail "json: decoded strictly by the official schema" "$work/json.err"
fi

if [[ ! -s $work/empty.pb ]] &&
  [[ $(decode pb "$work/empty.pb" logs 2>"$work/empty.err") == "{}" ]] &&
  [[ $(decode json "$work/empty.json" logs 2>>"$work/empty.err") == "{}" ]]
then
  pass "no records: an empty request in both encodings"
else
  fail "no records: an empty request in both encodings" "$work/empty.err"
fi

# -------------------------------------------------------------- compare --
compare() { timeout 60 node "$peers/otlp_logs_compare.js" check "$@"; }
if [[ -n $decoded_pb ]]; then
  counted compare "protobuf: every field equals the records, grouped" \
    "$work/expected.jsonl" "$decoded_pb"
else
  fail "protobuf: every field equals the records (not decoded)"
fi
if [[ -n $decoded_json ]]; then
  counted compare "json: every field equals the records, grouped" \
    "$work/expected.jsonl" "$decoded_json"
else
  fail "json: every field equals the records (not decoded)"
fi
if [[ -n $decoded_pb && -n $decoded_json ]]; then
  counted timeout 60 node "$peers/otlp_compare.js" same \
    "protobuf and JSON carry the same request" "$decoded_pb" "$decoded_json"
else
  fail "protobuf and JSON carry the same request (not decoded)"
fi

# ------------------------------- the checks fail on broken variants --
# Each variant changes otelc's own output in one way; the decoder (or the
# comparison) must fail and name the problem. In the JSON, l is the
# records of the first scope of the first resource (l[0] has every field).
mutate() { # in out js-body(text, doc, l): changes doc, or returns text
  # shellcheck disable=SC2016 # JavaScript, not shell
  timeout 30 node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.argv[1], "utf8").trim();
    const doc = JSON.parse(text.split("\n")[0]);
    const l = doc.resourceLogs[0].scopeLogs[0].logRecords;
    const r = new Function("text", "doc", "l", process.argv[3])(text, doc, l);
    fs.writeFileSync(process.argv[2],
                     typeof r === "string" ? r : `${JSON.stringify(doc)}\n`);
  ' "$1" "$2" "$3"
}

rejects() { # label format file expected-substring
  local label="decoder rejects $1"
  if decode "$2" "$3" logs >/dev/null 2>"$work/neg.err"; then
    fail "$label (it was accepted)"
  elif ! grep -qF -- "$4" "$work/neg.err"; then
    fail "$label (the error does not mention '$4')" "$work/neg.err"
  else
    pass "$label"
  fi
}

differs() { # label decoded-file expected-substring
  local label="comparison catches $1"
  if compare "$label" "$work/expected.jsonl" "$2" >"$work/cmp.out" 2>&1; then
    fail "$label (it passed)"
  elif ! grep -qF -- "$3" "$work/cmp.out"; then
    fail "$label (the report does not mention '$3')" "$work/cmp.out"
  else
    pass "$label"
  fi
}

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
cp "$work/request.pb" "$work/p1.pb"
printf '\x98\x06\x01' >>"$work/p1.pb"
rejects "an unknown protobuf field" pb "$work/p1.pb" "are not fields of"
head -c -3 "$work/request.pb" >"$work/p2.pb"
rejects "a truncated protobuf request" pb "$work/p2.pb" "not a valid"

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
