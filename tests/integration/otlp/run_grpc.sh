#!/usr/bin/env bash
# otelc's OTLP exporter over gRPC (libotelc_otlp, protocol grpc) against a
# real gRPC server.
#
#   run_grpc.sh <otlp_tool> <source-dir>
#
# Each case starts tests/peers/otlp_grpc_receiver.js, a @grpc/grpc-js
# server on cleartext HTTP/2 that decodes every call strictly with the
# official OpenTelemetry schema and records it, and runs `otlp_tool http`
# with OTEL_EXPORTER_OTLP_PROTOCOL=grpc: the rich trace of the encoding
# tests goes through a batch processor into otelc_otlp_span_exporter_new,
# the provider is flushed and shut down, and the exporter's counters are
# printed as JSON. The case then checks the receiver's records, the
# counters and otelc's diagnostics (stderr):
#
#   - plain and gzip: one call to the TraceService/Export method with the
#     gRPC headers (content-type, te, grpc-timeout, grpc-encoding, the
#     message's compressed flag), and the decoded spans equal what otelc
#     recorded (tests/peers/otlp_compare.js);
#   - custom headers arrive with lowercase names;
#   - the endpoint rules: the generic endpoint is not extended with
#     v1/traces; an endpoint without a scheme is h2c with
#     OTEL_EXPORTER_OTLP_INSECURE=true and TLS without it;
#   - UNAVAILABLE twice, then OK: three attempts, the data accepted once;
#     a RetryInfo delay is honoured; RESOURCE_EXHAUSTED is retried only
#     with a RetryInfo;
#   - INVALID_ARGUMENT: one attempt, failed, the server's (percent-decoded)
#     message in the log;
#   - an answer slower than a 1 s timeout: abandoned within the timeout
#     (+2 s);
#   - partial success: a success, the rejected spans counted, one log line;
#   - https://: HTTP/2 over TLS with the CA of
#     OTEL_EXPORTER_OTLP_CERTIFICATE (a CA and a server certificate
#     made with openssl);
#     an untrusted certificate fails without retries;
#   - nothing listening: the spans are dropped and counted, shutdown
#     returns within its timeout.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages are installed from tests/peers/package-lock.json when needed.
set -euo pipefail

me=run_grpc
suite=otlp-grpc
compare_js=otlp_compare.js expected=expected.json
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_tool "$@"
# Every case speaks gRPC.
export OTEL_EXPORTER_OTLP_PROTOCOL=grpc
banner "@grpc/grpc-js $(grpc_js_version)"

# export_spans [otlp_tool http options...]: the rich trace through a batch
# processor into the exporter; what otelc recorded in $dir/expected.json.
export_spans() { run_tool http "$dir/expected.json" "$@"; }

ran_ok='rc === 0 && s.new === "OK"'
method=/opentelemetry.proto.collector.trace.v1.TraceService/Export

# ------------------------------------------------- plain and compressed --
for gz in plain gzip; do
  name="grpc, $gz"
  enc=null flag=0 opts=()
  if [[ $gz == gzip ]]; then
    enc='"gzip"' flag=1 opts=(--gzip)
  fi
  start grpc "$gz"
  export_spans --endpoint "http://127.0.0.1:$port" "${opts[@]}"
  expect "$name: exported once, nothing failed" \
    "$ran_ok && s.flush === 'OK' && s.shutdown === 'OK' &&
     s.exports === 1 && s.attempts === 1 && s.succeeded === 1 &&
     s.failed === 0 && s.last_http_status === 200 &&
     s.processor.exported === 4 && s.processor.export_failed === 0"
  expect "$name: one call to $method, decoded" \
    "r.length === 1 && r[0].path === '$method' && r[0].ok === true &&
     r[0].answer.code === 0"
  expect "$name: content-type application/grpc, te trailers, grpc-timeout" \
    "r.length === 1 && r[0].contentType === 'application/grpc' &&
     r[0].headers.te === 'trailers' &&
     /^[0-9]{1,8}m\$/.test(r[0].headers['grpc-timeout']) &&
     Number(r[0].headers['grpc-timeout'].slice(0, -1)) <= 10000 &&
     Number(r[0].headers['grpc-timeout'].slice(0, -1)) > 5000"
  expect "$name: grpc-encoding $enc, compressed flag $flag" \
    "r.length === 1 && r[0].contentEncoding === $enc &&
     r[0].compressedFlag === $flag &&
     (r[0].compressedFlag === 1) === (r[0].bodyBytes - 5 !== r[0].decodedBytes)"
  expect "$name: user-agent OTel-OTLP-Exporter-C/$version" \
    "r.length === 1 &&
     r[0].headers['user-agent'].startsWith('OTel-OTLP-Exporter-C/$version')"
  compare "$name: every span equals what otelc recorded" --requests 1
done

# ------------------------------------------------------------- headers --
start grpc headers --log-header x-api-key --log-header x-tenant
export_spans --endpoint "http://127.0.0.1:$port" \
  --headers 'X-Api-Key=s3cr3t%20value%2C1 , X-Tenant=acme'
expect "headers: the call succeeded" "$ran_ok && s.succeeded === 1"
expect "headers: lowercase names, percent-decoded values" \
  "r.length === 1 && r[0].headers['x-api-key'] === 's3cr3t value,1' &&
   r[0].headers['x-tenant'] === 'acme'"
no_secret "headers: no header value in otelc's diagnostics" s3cr3t

# ------------------------------------------------------ endpoint rules --
start grpc generic
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port/ignored/" \
  export_spans --endpoint "http://127.0.0.1:1"
expect "OTEL_EXPORTER_OTLP_ENDPOINT: not extended with v1/traces" \
  "$ran_ok && s.succeeded === 1 && r.length === 1 &&
   r[0].path === '$method'"

start grpc insecure
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_INSECURE=true export_spans
expect "no scheme, INSECURE=true: cleartext HTTP/2" \
  "$ran_ok && s.succeeded === 1 && s.attempts === 1 && r.length === 1"
compare "no scheme, INSECURE=true: every span equals what otelc recorded" \
  --requests 1

start grpc secure
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="127.0.0.1:$port" \
  export_spans --timeout 3000 --flush-ms 5000
expect "no scheme, INSECURE unset: TLS, which this server lacks: failed" \
  "$ran_ok && s.succeeded === 0 && s.failed === 1 && r.length === 0 &&
   err.includes('https://127.0.0.1:$port$method') && s.flush_ms < 5000"

# ------------------------------------------------------------- retries --
start grpc unavailable --fail unavailable:2
export_spans --endpoint "http://127.0.0.1:$port"
expect "UNAVAILABLE twice: three attempts, then success" \
  "$ran_ok && s.exports === 1 && s.attempts === 3 && s.succeeded === 1 &&
   s.failed === 0"
expect "UNAVAILABLE twice: the server saw three calls, accepted one" \
  "r.length === 3 && r.filter((x) => x.answer.code === 0).length === 1 &&
   r[2].answer.code === 0 && r[0].answer.codeName === 'unavailable'"
compare "UNAVAILABLE twice: the data arrived once, intact" --requests 1

start grpc retry-info --fail unavailable:1 --retry-delay-ms 1500
export_spans --endpoint "http://127.0.0.1:$port"
expect "UNAVAILABLE with RetryInfo 1.5 s: waited that long, then success" \
  "$ran_ok && s.attempts === 2 && s.succeeded === 1 && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 1400"

start grpc exhausted --fail resource_exhausted:1
export_spans --endpoint "http://127.0.0.1:$port"
expect "RESOURCE_EXHAUSTED without RetryInfo: not retried, failed" \
  "$ran_ok && s.attempts === 1 && s.failed === 1 && r.length === 1 &&
   err.includes('RESOURCE_EXHAUSTED (not retried)')"

start grpc exhausted-retry --fail resource_exhausted:1 --retry-delay-ms 300
export_spans --endpoint "http://127.0.0.1:$port"
expect "RESOURCE_EXHAUSTED with RetryInfo: retried after it, success" \
  "$ran_ok && s.attempts === 2 && s.succeeded === 1 && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 250"

# ---------------------------------------------------- permanent failure --
start grpc invalid --status invalid_argument
export_spans --endpoint "http://127.0.0.1:$port"
expect "INVALID_ARGUMENT: one attempt, not retried, counted as failed" \
  "$ran_ok && r.length === 1 && s.attempts === 1 && s.failed === 1 &&
   s.succeeded === 0 && s.processor.export_failed === 4"
expect "INVALID_ARGUMENT: the log has the status and the decoded message" \
  "err.includes('gRPC status INVALID_ARGUMENT (not retried): scripted ' +
                'status invalid_argument: 100% \"wrong\"')"

# --------------------------------------------------------- slow answer --
start grpc slow --delay-ms 5000
export_spans --endpoint "http://127.0.0.1:$port" --timeout 1000
expect "an answer slower than the 1 s timeout: abandoned, failed" \
  "$ran_ok && s.attempts === 1 && s.failed === 1 && s.succeeded === 0 &&
   r.length === 1"
expect "an answer slower than the 1 s timeout: given up within 1 s + 2 s" \
  "s.flush_ms >= 900 && s.flush_ms < 3000 && s.shutdown_ms < 1000"

# ----------------------------------------------------- partial success --
start grpc partial --partial '3:bad spans'
export_spans --endpoint "http://127.0.0.1:$port"
expect "partial success: a success, 3 rejected spans counted" \
  "$ran_ok && s.succeeded === 1 && s.failed === 0 && s.attempts === 1 &&
   s.rejected_spans === 3"
expect "partial success: one log line" \
  "err.split('\n').filter((l) =>
     l.includes('partial success: 3 spans rejected: bad spans')).length === 1"

start grpc partial-batches --partial '3:bad spans'
export_spans --endpoint "http://127.0.0.1:$port" --batch 2
expect "partial success twice (two batches, two calls): 6 counted, one line" \
  "$ran_ok && s.exports === 2 && s.succeeded === 2 && r.length === 2 &&
   s.rejected_spans === 6 &&
   err.split('\n').filter((l) => l.includes('partial success')).length === 1"
compare "two batches: every span arrived once, intact" --requests 2

# ----------------------------------------------------------------- TLS --
if ! make_server_pki; then
  fail "a test certificate is made" "${pki:+$pki/openssl.log}"
else
  start grpc tls --tls "$pki/server.pem" "$pki/server.key"
  OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/ca.pem" \
    export_spans --endpoint "https://127.0.0.1:$port" --gzip --batch 2
  expect "https://: HTTP/2 over TLS, the CA of OTEL_EXPORTER_OTLP_CERTIFICATE" \
    "$ran_ok && s.exports === 2 && s.attempts === 2 && s.succeeded === 2 &&
     r.length === 2 && r.every((x) => x.ok && x.contentEncoding === 'gzip' &&
                                      x.compressedFlag === 1)"
  compare "https://: every span arrived once, intact" --requests 2

  start grpc tls-no-scheme --tls "$pki/server.pem" "$pki/server.key"
  OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/ca.pem" \
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="127.0.0.1:$port" export_spans
  expect "no scheme, INSECURE unset: TLS, accepted by a TLS server" \
    "$ran_ok && s.succeeded === 1 && s.attempts === 1 && r.length === 1"

  start grpc tls-untrusted --tls "$pki/server.pem" "$pki/server.key"
  export_spans --endpoint "https://127.0.0.1:$port" --timeout 3000
  expect "https:// with an untrusted certificate: one attempt, failed" \
    "$ran_ok && s.attempts === 1 && s.failed === 1 && r.length === 0"
fi

# ------------------------------------------------------ nothing there --
start grpc down
stop_receiver # its port is now closed
export_spans --endpoint "http://127.0.0.1:$port" --flush-ms 0 --shutdown-ms 2000
expect "nothing listening: the program exits normally" "$ran_ok"
expect "nothing listening: retried, then the spans are dropped and counted" \
  "s.exports >= 1 && s.attempts >= 2 && s.succeeded === 0 &&
   s.failed === s.exports && s.last_http_status === 0 &&
   s.processor.export_failed === 4"
expect "nothing listening: shutdown returns within its 2 s timeout (+2 s)" \
  "s.shutdown_ms < 4000 && ms < 8000"
expect "nothing listening: one warning says why" \
  "err.includes('failed after') && err.includes('spans are dropped')"

stop_receiver
finish
