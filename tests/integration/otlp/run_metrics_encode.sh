#!/usr/bin/env bash
# otelc's OTLP metrics encoders against the official OpenTelemetry schema.
#
#   run_metrics_encode.sh <otlp_metrics_tool> <source-dir>
#
# otlp_metrics_tool encodes a hand-made collection that uses every part of
# the metrics data model (tests/integration/otlp/otlp_metrics_data.c) with
# otelc_otlp_encode_metrics as protobuf and as OTLP/JSON, and describes it.
# Both encodings are decoded by tests/peers/otlp_decode.js with the
# protobufjs code generated from opentelemetry-proto
# (@opentelemetry/otlp-transformer), strictly: the protobuf must re-encode
# to identical bytes, the JSON must survive the generated types' round
# trip, and metrics.proto's own rules are checked (bucket counts against
# bounds and counts, temporality set, no empty envelopes, id lengths). Each
# decoded request is then compared, field by field, with the description
# (tests/peers/otlp_metrics_compare.js), and the two decodings with each
# other. Last, broken variants of otelc's own output show that the decoder
# and the comparison fail when they should.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages are installed from tests/peers/package-lock.json when needed.
set -euo pipefail

me=run_metrics_encode
if (($# != 2)); then
  echo "usage: $0 <otlp_metrics_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
peers=$src/tests/peers
if [[ ! -x $tool ]]; then
  echo "$me: $tool is not an executable (build otlp_metrics_tool first)" >&2
  exit 1
fi

# shellcheck source=peers.sh
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-otlp-metrics.XXXXXX")
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
  echo "otlp-metrics-encode: $passed passed, $failed failed"
  ((failed == 0))
}

echo "$me: $tool; Node.js $(node -v);" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

# --------------------------------------------------------------- encode --
if ! timeout 60 "$tool" encode "$work" 2>"$work/tool.err"; then
  fail "otlp_metrics_tool encode" "$work/tool.err"
  finish || true
  exit 1
fi
for f in request.pb request.json expected.jsonl; do
  if [[ ! -s $work/$f ]]; then
    fail "otlp_metrics_tool wrote $f"
    finish || true
    exit 1
  fi
done
pass "otlp_metrics_tool encoded the collection"

# --------------------------------------------------------------- decode --
decoded_pb=""
if decode pb "$work/request.pb" metrics >"$work/pb.jsonl" 2>"$work/pb.err"
then
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
if decode json "$work/request.json" metrics >"$work/json.jsonl" \
  2>"$work/json.err"; then
  pass "json: decoded strictly by the official schema"
  decoded_json=$work/json.jsonl
else
  fail "json: decoded strictly by the official schema" "$work/json.err"
fi

# -------------------------------------------------------------- compare --
compare() { timeout 60 node "$peers/otlp_metrics_compare.js" check "$@"; }
if [[ -n $decoded_pb ]]; then
  counted compare "protobuf: every field equals the collection" \
    "$work/expected.jsonl" "$decoded_pb"
else
  fail "protobuf: every field equals the collection (not decoded)"
fi
if [[ -n $decoded_json ]]; then
  counted compare "json: every field equals the collection" \
    "$work/expected.jsonl" "$decoded_json"
else
  fail "json: every field equals the collection (not decoded)"
fi
if [[ -n $decoded_pb && -n $decoded_json ]]; then
  counted timeout 60 node "$peers/otlp_compare.js" same \
    "protobuf and JSON carry the same request" "$decoded_pb" "$decoded_json"
else
  fail "protobuf and JSON carry the same request (not decoded)"
fi

# ------------------------------- the checks fail on broken variants --
# Each variant changes otelc's own output in one way; the decoder (or the
# comparison) must fail and name the problem.
mutate() { # in out js-body(text, doc, m): changes doc, or returns text
  # shellcheck disable=SC2016 # JavaScript, not shell
  timeout 30 node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.argv[1], "utf8").trim();
    const doc = JSON.parse(text.split("\n")[0]);
    const m = doc.resourceMetrics[0].scopeMetrics[0].metrics;
    const r = new Function("text", "doc", "m", process.argv[3])(text, doc, m);
    fs.writeFileSync(process.argv[2],
                     typeof r === "string" ? r : `${JSON.stringify(doc)}\n`);
  ' "$1" "$2" "$3"
}

rejects() { # label format file expected-substring
  local label="decoder rejects $1"
  if decode "$2" "$3" metrics >/dev/null 2>"$work/neg.err"; then
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
if mutate "$j" "$work/n1.json" 'm[0].sum.dataPoints[0].asInt =
     Number(m[0].sum.dataPoints[0].asInt);' 2>"$work/mut.err"; then
  rejects "a 64-bit integer as a JSON number" json "$work/n1.json" \
    "decimal strings"
  mutate "$j" "$work/n2.json" \
    'm[0].sum.aggregationTemporality = "AGGREGATION_TEMPORALITY_CUMULATIVE";'
  rejects "an enum name" json "$work/n2.json" "enums are integers"
  mutate "$j" "$work/n3.json" \
    'm[0].sum.data_points = m[0].sum.dataPoints; delete m[0].sum.dataPoints;'
  rejects "a snake_case JSON field" json "$work/n3.json" '"dataPoints"'
  mutate "$j" "$work/n4.json" 'const e = m[0].sum.dataPoints[0].exemplars[0];
     e.spanId = Buffer.from(e.spanId, "hex").toString("base64");'
  rejects "a base64 exemplar span id" json "$work/n4.json" ".spanId: not hex"
  mutate "$j" "$work/n5.json" 'const h = doc.resourceMetrics[0]
     .scopeMetrics[1].metrics[0].histogram.dataPoints[0];
     h.bucketCounts.pop();'
  rejects "bucket counts that do not fit the bounds" json "$work/n5.json" \
    "bucket counts for 4 explicit bounds"
  mutate "$j" "$work/n6.json" 'm[0].sum.aggregationTemporality = 0;'
  rejects "a sum without temporality" json "$work/n6.json" \
    "aggregationTemporality: 0"
else
  fail "mutating request.json" "$work/mut.err"
fi
cp "$work/request.pb" "$work/n7.pb"
printf '\x98\x06\x01' >>"$work/n7.pb"
rejects "an unknown protobuf field" pb "$work/n7.pb" "are not fields of"
head -c -3 "$work/request.pb" >"$work/n8.pb"
rejects "a truncated protobuf request" pb "$work/n8.pb" "not a valid"

if [[ -n $decoded_pb ]]; then
  mutate "$decoded_pb" "$work/d1.jsonl" \
    'm[2].gauge.dataPoints[0].asDouble = 21.25;'
  differs "a changed value" "$work/d1.jsonl" \
    "metrics[2].gauge.dataPoints[0].asDouble: expected 21.5, got 21.25"
  mutate "$decoded_pb" "$work/d2.jsonl" \
    'delete m[0].sum.dataPoints[1].asInt;'
  differs "an as_int of 0 left out" "$work/d2.jsonl" \
    'dataPoints[1].asInt: missing (expected "0"'
  mutate "$decoded_pb" "$work/d3.jsonl" 'const h = doc.resourceMetrics[0]
     .scopeMetrics[1].metrics[2].exponentialHistogram.dataPoints[0];
     h.negative.offset = 2;'
  differs "a changed bucket offset" "$work/d3.jsonl" \
    "negative.offset: expected -2, got 2"
  mutate "$decoded_pb" "$work/d4.jsonl" \
    'delete doc.resourceMetrics[0].scopeMetrics[1].metrics[1]
       .histogram.dataPoints[0].sum;'
  differs "a missing optional sum" "$work/d4.jsonl" \
    "dataPoints[0].sum: missing (expected -12.5)"
fi

finish
