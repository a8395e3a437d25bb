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
suite=otlp-metrics-encode
compare_js=otlp_metrics_compare.js
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_metrics_tool "$@"
banner

signal=metrics
what="the collection"
equals="every field equals the collection"
mutate_var=m
mutate_of='doc.resourceMetrics[0].scopeMetrics[0].metrics'
# shellcheck source=encode_cases.sh
source "$(dirname "${BASH_SOURCE[0]}")/encode_cases.sh"

# --------------------------------------------------------------- encode --
# shellcheck disable=SC2119 # no other files
encode_cases

# -------------------------------------------------------------- compare --
compare_cases

# ------------------------------- the checks fail on broken variants --
# Each variant changes otelc's own output in one way; the decoder (or the
# comparison) must fail and name the problem.
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
pb_variants

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
