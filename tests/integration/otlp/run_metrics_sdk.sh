#!/usr/bin/env bash
# The metrics SDK end to end into otelc's OTLP metric exporter, against the
# real receivers.
#
#   run_metrics_sdk.sh <otlp_metrics_tool> <source-dir>
#
# `otlp_metrics_tool sdk` (tests/integration/otlp/otlp_metrics_sdk.c)
# records two rounds of measurements on a counter, an up-down counter, a
# gauge, an explicit histogram and a histogram made exponential by a view,
# with a periodic reader in manual-tick mode around the OTLP metric
# exporter (configured by the environment), and ticks after each round;
# the provider's shutdown may export once more. Every collection the
# exporter is handed is described, so that what the receiver decoded with
# the official schema is compared with it field by field; the values are
# also checked against what was recorded:
#
#   - cumulative (the default): the counter's GET series reads 3 then 13,
#     temporality 2; the exemplar of round 1 carries the ids of the span
#     that was current; the explicit histogram has the advisory bounds; the
#     exponential one counts its zero; the gauge keeps its last value;
#   - OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta: the counter
#     and histograms arrive with temporality 1 (GET reads 3 then 10), the
#     up-down counter stays cumulative;
#   - OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=
#     base2_exponential_bucket_histogram: the histogram without a view is
#     exponential;
#   - the same over gRPC;
#   - OTEL_METRICS_EXPORTER=otlp through otelc_meter_provider_new_from_env:
#     the module's registration, its periodic reader and exporter from the
#     environment.
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_metrics_sdk
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_metrics_tool "$@"
banner

# JavaScript helpers for the expressions: the decoded requests that
# succeeded; metric NAME of the I-th; its data container; its point whose
# first attribute is the string V ('' for a point without attributes).
reqs='r.filter((x) => x.request && (x.answer.status === 200 ||
                                  x.answer.code === 0))'
metric="((i, name) => ((${reqs}[i] || {}).request || {resourceMetrics: []})
  .resourceMetrics.flatMap((rm) => rm.scopeMetrics || [])
  .flatMap((sm) => sm.metrics || []).find((m) => m.name === name))"
data="((i, name) => { const m = ${metric}(i, name) || {};
  return m.sum || m.gauge || m.histogram || m.exponentialHistogram || {}; })"
point="((i, name, v) => (${data}(i, name).dataPoints || []).find((p) =>
  (((p.attributes || [])[0] || {}).value || {stringValue: ''})
    .stringValue === v))"

ran_ok='rc === 0 && s.ticks.join() === "OK,OK" && s.shutdown === "OK" &&
  s.stats.failed === 0 && s.stats.succeeded === s.expected_lines &&
  s.expected_lines >= 2 && r.length === s.expected_lines &&
  r.every((x) => x.ok)'

# ---------------------------------------------------------- cumulative --
start http cumulative
OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$port/v1/metrics" \
  run_tool sdk "$dir/expected.jsonl"
expect "cumulative: two ticks and the shutdown exported, all accepted" \
  "$ran_ok && s.expected_lines === 3"
compare "cumulative: every data point equals what the SDK collected"
expect "cumulative: the counter's GET series reads 3, then 13" \
  "${point}(0, 'sdk.requests', 'GET').asInt === '3' &&
   ${point}(1, 'sdk.requests', 'GET').asInt === '13' &&
   ${point}(1, 'sdk.requests', 'POST').asInt === '2' &&
   ${point}(1, 'sdk.requests', '').asInt === '1' &&
   ${data}(1, 'sdk.requests').aggregationTemporality === 2 &&
   ${data}(1, 'sdk.requests').isMonotonic === true"
expect "cumulative: the exemplar of round 1 carries the current span's ids" \
  "(${point}(0, 'sdk.requests', 'GET').exemplars || []).some((e) =>
     e.spanId === s.span_id && e.traceId === s.trace_id && e.asInt === '3')"
expect "cumulative: the up-down counter and the gauge" \
  "${point}(0, 'sdk.queue', '').asDouble === 3.25 &&
   ${data}(0, 'sdk.queue').aggregationTemporality === 2 &&
   !${data}(0, 'sdk.queue').isMonotonic &&
   ${metric}(0, 'sdk.temperature').gauge !== undefined &&
   ${point}(0, 'sdk.temperature', 'a').asInt === '23'"
expect "cumulative: the explicit histogram with its advisory bounds" \
  "JSON.stringify(${point}(0, 'sdk.latency', '/a').explicitBounds) ===
     '[1,10,100]' &&
   JSON.stringify(${point}(0, 'sdk.latency', '/a').bucketCounts) ===
     '[\"1\",\"1\",\"1\",\"1\"]' &&
   ${point}(0, 'sdk.latency', '/a').sum === 555.5 &&
   ${point}(1, 'sdk.latency', '/a').count === '5' &&
   ${point}(1, 'sdk.latency', '/a').min === 0.5 &&
   ${point}(1, 'sdk.latency', '/a').max === 500"
expect "cumulative: the view made sdk.latency.exp exponential" \
  "${metric}(0, 'sdk.latency.exp').exponentialHistogram !== undefined &&
   ${point}(0, 'sdk.latency.exp', '').count === '4' &&
   ${point}(0, 'sdk.latency.exp', '').zeroCount === '1' &&
   ${point}(1, 'sdk.latency.exp', '').count === '5' &&
   ${point}(1, 'sdk.latency.exp', '').sum === 10"

# --------------------------------------------------------------- delta --
start http delta
OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$port/v1/metrics" \
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta \
  run_tool sdk "$dir/expected.jsonl"
expect "delta: the ticks exported, all accepted" "$ran_ok"
compare "delta: every data point equals what the SDK collected"
expect "delta: counter and histograms arrive with temporality 1" \
  "${data}(0, 'sdk.requests').aggregationTemporality === 1 &&
   ${data}(0, 'sdk.latency').aggregationTemporality === 1 &&
   ${data}(0, 'sdk.latency.exp').aggregationTemporality === 1 &&
   ${data}(1, 'sdk.requests').aggregationTemporality === 1"
expect "delta: the counter's GET series reads 3, then 10; POST not again" \
  "${point}(0, 'sdk.requests', 'GET').asInt === '3' &&
   ${point}(1, 'sdk.requests', 'GET').asInt === '10' &&
   ${point}(1, 'sdk.requests', 'POST') === undefined &&
   ${point}(1, 'sdk.latency', '/a').count === '1'"
expect "delta: the up-down counter stays cumulative" \
  "${data}(0, 'sdk.queue').aggregationTemporality === 2"

# ---------------------------------------------- exponential by default --
start http base2
OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$port/v1/metrics" \
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram \
  run_tool sdk "$dir/expected.jsonl"
expect "base2_exponential_bucket_histogram: exported, all accepted" "$ran_ok"
compare "base2_exponential_bucket_histogram: every data point as collected"
expect "base2_exponential_bucket_histogram: the histogram is exponential" \
  "${metric}(0, 'sdk.latency').exponentialHistogram !== undefined &&
   ${point}(0, 'sdk.latency', '/a').count === '4'"

# ---------------------------------------------------------------- gRPC --
start grpc grpc
OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=grpc \
  run_tool sdk "$dir/expected.jsonl"
expect "grpc: the ticks exported, all accepted" \
  "$ran_ok && r.every((x) => x.path ===
     '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export')"
compare "grpc: every data point equals what the SDK collected"

# ------------------------------------------------- from the environment --
start http from-env
OTEL_METRICS_EXPORTER=otlp \
  OTEL_METRIC_EXPORT_INTERVAL=600000 \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/json \
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta \
  OTEL_SERVICE_NAME=otlp-metrics-from-env \
  run_tool sdk "$dir/expected.jsonl" --from-env
expect "OTEL_METRICS_EXPORTER=otlp: both flushes exported to /v1/metrics" \
  "rc === 0 && s.flushes.join() === 'OK,OK' && s.shutdown === 'OK' &&
   r.length >= 2 && r.every((x) => x.ok && x.path === '/v1/metrics' &&
     x.contentType === 'application/json')"
expect "OTEL_METRICS_EXPORTER=otlp: the environment's temporality and values" \
  "${point}(0, 'sdk.requests', 'GET').asInt === '3' &&
   ${point}(1, 'sdk.requests', 'GET').asInt === '10' &&
   ${data}(1, 'sdk.requests').aggregationTemporality === 1"
expect "OTEL_METRICS_EXPORTER=otlp: the resource from the environment" \
  "(${reqs}[0].request.resourceMetrics[0].resource.attributes || [])
     .some((a) => a.key === 'service.name' &&
                  a.value.stringValue === 'otlp-metrics-from-env')"

stop_receiver
finish
