#!/usr/bin/env bash
# otelc's OTLP metric exporter (libotelc_otlp) over HTTP against a real
# receiver.
#
#   run_metrics_http.sh <otlp_metrics_tool> <source-dir>
#
# Each case starts tests/peers/otlp_receiver.js, which decodes every
# request strictly with the official OpenTelemetry schema and records it,
# and runs `otlp_metrics_tool export`: the hand-made collection of the
# encoding test goes through otelc_otlp_metric_exporter_new's export
# operation (what a periodic reader calls), the exporter is shut down, and
# its statuses and counters are printed as JSON. The case then checks the
# receiver's records, the counters and otelc's diagnostics:
#
#   - http/protobuf and http/json, each plain and gzip: POST /v1/metrics
#     with the right content type and encoding, and every field equals the
#     collection (tests/peers/otlp_metrics_compare.js);
#   - custom headers arrive; their values never appear in the diagnostics;
#   - nothing listening: the export fails within its 1 s timeout, the
#     data points are counted as dropped, one warning says so;
#   - 503 with Retry-After: 1, then 200: retried after the second, then
#     delivered once, intact; 400: not retried;
#   - partial success: the rejected data points counted, one log line for
#     two exports;
#   - a collection without points sends nothing; after shutdown exports
#     are refused;
#   - the environment: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT beats
#     OTEL_EXPORTER_OTLP_ENDPOINT (which gets v1/metrics) and the code; the
#     traces variables are not read; OTEL_EXPORTER_OTLP_METRICS_PROTOCOL
#     beats the code's protocol.
#
# Node.js and npm are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_metrics_http
if (($# != 2)); then
  echo "usage: $0 <otlp_metrics_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
# shellcheck source=metrics_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/metrics_lib.sh"

echo "$me: $tool; Node.js $(node -v);" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

ok_once='rc === 0 && s.new === "OK" && s.exports.length === 1 &&
  s.exports[0] === "OK" && s.stats.exports === 1 && s.stats.attempts === 1 &&
  s.stats.succeeded === 1 && s.stats.failed === 0 &&
  s.stats.last_http_status === 200'

# ------------------------------------------- encodings and compression --
for protocol in protobuf json; do
  for gz in plain gzip; do
    name="http/$protocol, $gz"
    ctype=application/x-protobuf
    [[ $protocol == json ]] && ctype=application/json
    enc=null
    [[ $gz == gzip ]] && enc='"gzip"'
    opts=(--protocol "$protocol")
    [[ $gz == gzip ]] && opts+=(--gzip)
    start http "$protocol-$gz"
    run_tool export "$dir/expected.jsonl" \
      --endpoint "http://127.0.0.1:$port/v1/metrics" "${opts[@]}"
    expect "$name: exported once, nothing failed" "$ok_once"
    expect "$name: one POST to /v1/metrics, $ctype, encoding $enc, decoded" \
      "r.length === 1 && r[0].method === 'POST' &&
       r[0].path === '/v1/metrics' && r[0].signal === 'metrics' &&
       r[0].contentType === '$ctype' && r[0].contentEncoding === $enc &&
       r[0].ok === true && r[0].answer.status === 200"
    expect "$name: User-Agent OTel-OTLP-Exporter-C/$version" \
      "r.length === 1 &&
       r[0].headers['user-agent'] === 'OTel-OTLP-Exporter-C/$version'"
    compare "$name: every data point equals the collection"
  done
done

# ------------------------------------------------------------- headers --
start http headers --log-header x-api-key --log-header x-tenant
OTEL_LOG_LEVEL=debug OTEL_EXPORTER_OTLP_HEADERS='x-tenant=generic' \
  OTEL_EXPORTER_OTLP_METRICS_HEADERS='x-tenant=metr1cs%20team' \
  run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/metrics" \
  --headers 'x-api-key=s3cr3t%20value'
expect "headers: the METRICS variable replaced the code's list" \
  "$ok_once && r.length === 1 && r[0].headers['x-tenant'] === 'metr1cs team' &&
   r[0].headers['x-api-key'] === undefined"
no_secret "headers: no header value in otelc's diagnostics (debug level)" \
  metr1cs

# ------------------------------------------------------ nothing there --
start http down
stop_receiver # its port is now closed
OTEL_LOG_LEVEL=debug run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/metrics" --timeout 1000 \
  --headers 'x-api-key=d0wns3cret'
expect "receiver down: the export fails, retried within its 1 s timeout" \
  "rc === 0 && (s.exports[0] === 'ERR_TIMEOUT' ||
                s.exports[0] === 'ERR_EXPORT') &&
   s.export_ms[0] < 2500 && s.stats.attempts >= 2 &&
   s.stats.failed === 1 && s.stats.succeeded === 0 &&
   s.stats.last_http_status === 0"
expect "receiver down: one warning counts the dropped data points" \
  "err.split('\n').filter((l) => l.includes('OTLP export of ' + s.points +
     ' data points to http://127.0.0.1:$port/v1/metrics failed after') &&
     l.includes('the data points are dropped')).length === 1"
no_secret "receiver down: no header value in otelc's diagnostics" d0wns3cret

# ------------------------------------------------------------- retries --
start http fail503 --fail 503:1
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/metrics"
expect "503 with Retry-After: 1: retried, then delivered" \
  "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 2 &&
   s.stats.succeeded === 1 && s.stats.failed === 0 && r.length === 2 &&
   r[0].answer.status === 503 && r[1].answer.status === 200"
expect "503 with Retry-After: 1: the second attempt came a second later" \
  "r.length === 2 && Date.parse(r[1].time) - Date.parse(r[0].time) >= 900"
compare "503 with Retry-After: 1: delivered once, intact"

start http status400 --status 400
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/metrics"
expect "400: one attempt, not retried, counted as failed" \
  "rc === 0 && s.exports[0] === 'ERR_EXPORT' && r.length === 1 &&
   s.stats.attempts === 1 && s.stats.failed === 1 &&
   s.stats.last_http_status === 400 &&
   err.includes('HTTP 400 (not retried): scripted status 400')"

# ----------------------------------------------------- partial success --
start http partial --partial '5:bad points'
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/metrics" --protocol json --exports 2
expect "partial success twice: a success, 10 rejected data points counted" \
  "rc === 0 && s.exports.join() === 'OK,OK' && s.stats.succeeded === 2 &&
   s.stats.failed === 0 && s.stats.rejected === 10"
expect "partial success twice: reported once" \
  "err.split('\n').filter((l) => l.includes('partial success')).length === 1 &&
   err.includes('partial success: 5 data points rejected: bad points')"

# ------------------------------------------- nothing to send, shutdown --
start http empty
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/metrics" --empty --exports 2
expect "no points: no request, the exports succeed" \
  "rc === 0 && s.points === 0 && s.exports.join() === 'OK,OK' &&
   r.length === 0 && s.stats.attempts === 0 && s.stats.succeeded === 2"
expect "after shutdown: an export is refused" \
  "s.shutdown === 'OK' && s.after_shutdown === 'ERR_SHUTDOWN'"

# ---------------------------------------------------- the environment --
start http env-endpoint
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:1" \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:1/v1/traces" \
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:$port/v1/metrics" \
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:1/x"
expect "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT beats the generic one and code" \
  "$ok_once && r.length === 1 && r[0].path === '/v1/metrics' && r[0].ok"
compare "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: the data arrived intact"

start http env-generic
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:1/v1/traces" \
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/json \
  OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  run_tool export "$dir/expected.jsonl" --protocol protobuf
expect "OTEL_EXPORTER_OTLP_ENDPOINT gets v1/metrics; the traces one is not read" \
  "$ok_once && r.length === 1 && r[0].path === '/v1/metrics'"
expect "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL beats the generic one and code" \
  "r.length === 1 && r[0].contentType === 'application/json'"

stop_receiver
finish
