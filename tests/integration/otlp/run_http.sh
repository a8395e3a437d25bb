#!/usr/bin/env bash
# otelc's OTLP/HTTP exporter (libotelc_otlp) against a real receiver.
#
#   run_http.sh <otlp_tool> <source-dir>
#
# Each case starts tests/peers/otlp_receiver.js, which decodes every
# request strictly with the official OpenTelemetry schema and records it,
# and runs `otlp_tool http`: the rich trace of the encoding tests goes
# through a batch processor into otelc_otlp_span_exporter_new, the
# provider is flushed and shut down, and the exporter's counters are
# printed as JSON. The case then checks the receiver's records, the
# counters and otelc's diagnostics (stderr):
#
#   - http/protobuf and http/json, each plain and gzip: the decoded spans
#     equal what otelc recorded (tests/peers/otlp_compare.js);
#   - custom headers arrive, and their values never appear in otelc's
#     diagnostics, even at the debug level or when the variable holding
#     them is malformed;
#   - nothing listening: the spans are dropped and counted, shutdown
#     returns within its timeout, the program exits normally;
#   - 503 twice (Retry-After: 1), then 200: three attempts, the data
#     accepted once; 429 with Retry-After as an HTTP date;
#   - 400: one attempt, failed, the server's message in the log;
#   - an answer slower than a 1 s timeout: abandoned at about 1 s;
#   - partial success: counted, reported once per exporter;
#   - OTEL_TRACES_EXPORTER=otlp with OTEL_EXPORTER_OTLP_* through
#     otelc_tracer_provider_new_from_env: the "otlp" registration works and
#     the environment configures the exporter;
#   - unusable settings in the environment: the exporter is refused;
#     OTEL_EXPORTER_OTLP_PROTOCOL=grpc makes gRPC calls instead.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages are installed from tests/peers/package-lock.json when needed.
set -euo pipefail

me=run_http
suite=otlp-http
compare_js=otlp_compare.js expected=expected.json
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_tool "$@"
banner

# export_spans [otlp_tool http options...]: the rich trace through a batch
# processor into the exporter; what otelc recorded in $dir/expected.json.
export_spans() { run_tool http "$dir/expected.json" "$@"; }

ran_ok='rc === 0 && s.new === "OK"'

# ------------------------------------------- encodings and compression --
for protocol in protobuf json; do
  for gz in plain gzip; do
    http_variant "$protocol" "$gz"
    export_spans --endpoint "http://127.0.0.1:$port/v1/traces" "${opts[@]}"
    expect "$name: exported once, nothing failed" \
      "$ran_ok && s.flush === \"OK\" && s.shutdown === \"OK\" &&
       s.exports === 1 && s.attempts === 1 && s.succeeded === 1 &&
       s.failed === 0 && s.last_http_status === 200 &&
       s.processor.exported === 4 && s.processor.export_failed === 0"
    expect "$name: one POST to /v1/traces, $ctype, encoding $enc, decoded" \
      "r.length === 1 && r[0].method === 'POST' &&
       r[0].path === '/v1/traces' && r[0].contentType === '$ctype' &&
       r[0].contentEncoding === $enc && r[0].ok === true &&
       r[0].answer.status === 200"
    expect "$name: User-Agent OTel-OTLP-Exporter-C/$version" \
      "r.length === 1 &&
       r[0].headers['user-agent'] === 'OTel-OTLP-Exporter-C/$version'"
    compare "$name: every span equals what otelc recorded" --requests 1
  done
done

# ------------------------------------------------------------- headers --
start http headers --log-header x-api-key --log-header x-tenant \
  --log-header authorization
OTEL_LOG_LEVEL=debug \
  OTEL_EXPORTER_OTLP_TRACES_HEADERS='authorization=Bearer%20an0ther%zzsecret' \
  export_spans --endpoint "http://127.0.0.1:$port/v1/traces" \
  --headers 'x-api-key=s3cr3t%20value%2C1 , x-tenant=acme'
expect "headers: the request succeeded" "$ran_ok && s.succeeded === 1"
expect "headers: percent-decoded values arrive" \
  "r.length === 1 && r[0].headers['x-api-key'] === 's3cr3t value,1' &&
   r[0].headers['x-tenant'] === 'acme'"
expect "headers: a malformed variable is ignored as a whole, and named" \
  "r.length === 1 && r[0].headers.authorization === undefined &&
   err.includes('OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1')"
no_secret "headers: no header value in otelc's diagnostics (debug level)" \
  s3cr3t
no_secret "headers: nothing of the malformed variable in them either" \
  an0ther

# ------------------------------------------------------ nothing there --
start http down
stop_receiver # its port is now closed
OTEL_LOG_LEVEL=debug \
  export_spans --endpoint "http://127.0.0.1:$port/v1/traces" \
  --headers 'x-api-key=d0wns3cret' --flush-ms 0 --shutdown-ms 2000
expect "receiver down: the program exits normally" "$ran_ok"
expect "receiver down: retried, then the spans are dropped and counted" \
  "s.exports >= 1 && s.attempts >= 2 && s.succeeded === 0 &&
   s.failed === s.exports && s.last_http_status === 0 &&
   s.processor.export_failed === 4 && s.processor.exported === 0"
expect "receiver down: shutdown returns within its 2 s timeout (+2 s)" \
  "s.shutdown_ms < 4000 && ms < 8000"
expect "receiver down: one warning says why" \
  "err.includes('failed after') && err.includes('spans are dropped')"
no_secret "receiver down: no header value in otelc's diagnostics" d0wns3cret

# ------------------------------------------------------------- retries --
start http fail503 --fail 503:2
export_spans --endpoint "http://127.0.0.1:$port/v1/traces"
expect "503 twice: three attempts, then success" \
  "$ran_ok && s.exports === 1 && s.attempts === 3 && s.succeeded === 1 &&
   s.failed === 0 && s.last_http_status === 200"
expect "503 twice: the receiver saw three requests, accepted one" \
  "r.length === 3 && r.filter((x) => x.answer.status === 200).length === 1 &&
   r[2].answer.status === 200"
expect "503 twice: Retry-After: 1 was honoured" \
  "r.length === 3 && Date.parse(r[1].time) - Date.parse(r[0].time) >= 900 &&
   Date.parse(r[2].time) - Date.parse(r[1].time) >= 900"
compare "503 twice: the data arrived once, intact" --requests 1

later=$(LC_ALL=C date -u -d '+3 seconds' '+%a, %d %b %Y %H:%M:%S GMT')
start http fail429 --fail 429:1 --retry-after "$later"
export_spans --endpoint "http://127.0.0.1:$port/v1/traces" --protocol json
expect "429 with Retry-After as an HTTP date: waited, then success" \
  "$ran_ok && s.attempts === 2 && s.succeeded === 1 && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 900"

# ---------------------------------------------------- permanent failure --
start http status400 --status 400
export_spans --endpoint "http://127.0.0.1:$port/v1/traces"
expect "400: one attempt, not retried, counted as failed" \
  "$ran_ok && r.length === 1 && s.attempts === 1 && s.failed === 1 &&
   s.succeeded === 0 && s.last_http_status === 400 &&
   s.processor.export_failed === 4"
expect "400: the log has the status and the server's message" \
  "err.includes('HTTP 400 (not retried): scripted status 400')"

# --------------------------------------------------------- slow answer --
start http slow --delay-ms 5000
export_spans --endpoint "http://127.0.0.1:$port/v1/traces" --timeout 1000
expect "an answer slower than the 1 s timeout: abandoned, failed" \
  "$ran_ok && s.attempts === 1 && s.failed === 1 && s.succeeded === 0 &&
   r.length === 1"
expect "an answer slower than the 1 s timeout: given up after about 1 s" \
  "s.flush_ms >= 900 && s.flush_ms < 3000 && s.shutdown_ms < 1000"

# ----------------------------------------------------- partial success --
start http partial --partial '3:bad spans'
export_spans --endpoint "http://127.0.0.1:$port/v1/traces"
expect "partial success: a success, 3 rejected spans counted" \
  "$ran_ok && s.succeeded === 1 && s.failed === 0 && s.attempts === 1 &&
   s.rejected_spans === 3"
expect "partial success: one log line" \
  "err.split('\n').filter((l) =>
     l.includes('partial success: 3 spans rejected: bad spans')).length === 1"

start http partial-json --partial '3:bad spans'
export_spans --endpoint "http://127.0.0.1:$port/v1/traces" --protocol json \
  --batch 2
expect "partial success twice (JSON, two batches): 6 counted, one line" \
  "$ran_ok && s.exports === 2 && s.succeeded === 2 &&
   s.rejected_spans === 6 &&
   err.split('\n').filter((l) => l.includes('partial success')).length === 1"

# ------------------------------------------------- from the environment --
start http env --log-header x-from-env
OTEL_TRACES_EXPORTER=otlp,otlp_tool_memory \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json \
  OTEL_EXPORTER_OTLP_COMPRESSION=gzip \
  OTEL_EXPORTER_OTLP_HEADERS='x-from-env=yes%21' \
  OTEL_SERVICE_NAME=otlp-http-from-env \
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=40 \
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=64 \
  OTEL_SPAN_EVENT_COUNT_LIMIT=4 OTEL_SPAN_LINK_COUNT_LIMIT=3 \
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT=4 OTEL_LINK_ATTRIBUTE_COUNT_LIMIT=3 \
  export_spans --from-env
expect "OTEL_TRACES_EXPORTER=otlp: exported to <endpoint>/v1/traces" \
  "rc === 0 && s.shutdown === 'OK' && r.length === 1 &&
   r[0].path === '/v1/traces' && r[0].ok === true &&
   r[0].answer.status === 200"
expect "OTEL_EXPORTER_OTLP_*: JSON, gzip and the header, as configured" \
  "r.length === 1 && r[0].contentType === 'application/json' &&
   r[0].contentEncoding === 'gzip' && r[0].headers['x-from-env'] === 'yes!'"
compare "OTEL_TRACES_EXPORTER=otlp: every span equals what otelc recorded" \
  --requests 1

# ------------------------------------------------- unusable environment --
start http refused
OTEL_EXPORTER_OTLP_ENDPOINT=ftp://127.0.0.1:21 \
  export_spans --endpoint "http://127.0.0.1:$port/v1/traces"
expect "an ftp:// endpoint in the environment: refused, and named" \
  "rc === 0 && s.new === 'ERR_INVALID_ARG' && r.length === 0 &&
   err.includes('OTEL_EXPORTER_OTLP_ENDPOINT: unsupported URL scheme')"
# The environment's protocol beats the code's: gRPC calls (run_grpc.sh
# tests them), which this HTTP/1.1 receiver cannot answer.
OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  export_spans --endpoint "http://127.0.0.1:$port/v1/traces" --timeout 2000
expect "OTEL_EXPORTER_OTLP_PROTOCOL=grpc: gRPC calls, not HTTP requests" \
  "rc === 0 && s.new === 'OK' && s.succeeded === 0 && s.failed === 1 &&
   r.length === 0 && err.includes('TraceService/Export failed after')"

stop_receiver
finish
