#!/usr/bin/env bash
# otelc's OTLP log exporter (libotelc_otlp) over HTTP against a real
# receiver.
#
#   run_logs_http.sh <otlp_logs_sdk_tool> <source-dir>
#
# Each case starts tests/peers/otlp_receiver.js, which decodes every
# request strictly with the official OpenTelemetry schema and records it,
# and runs `otlp_logs_sdk_tool export`: the hand-made records of the
# encoding test, emitted through the logs SDK (two resources, three
# scopes), go through otelc_otlp_log_exporter_new's export operation (what
# a log processor calls), the exporter is shut down, and its statuses and
# counters are printed as JSON. The case then checks the receiver's
# records, the counters and otelc's diagnostics:
#
#   - http/protobuf and http/json, each plain and gzip: POST /v1/logs with
#     the right content type and encoding, and every field equals the
#     records the exporter was handed (tests/peers/otlp_logs_compare.js);
#   - custom headers arrive; their values never appear in the diagnostics;
#   - nothing listening: the export fails within its 1 s timeout, the log
#     records are counted as dropped, one warning says so;
#   - 503 with Retry-After: 1, then 200: retried after the second, then
#     delivered once, intact; 400: not retried;
#   - partial success: the rejected log records counted, one log line for
#     two exports;
#   - no records send nothing; after shutdown exports are refused;
#   - the environment: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT beats
#     OTEL_EXPORTER_OTLP_ENDPOINT (which gets v1/logs) and the code; the
#     traces and metrics variables are not read;
#     OTEL_EXPORTER_OTLP_LOGS_PROTOCOL beats the generic one and the code;
#   - HTTPS (a throwaway CA made by openssl): the CA given by
#     OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE, which beats a wrong generic
#     OTEL_EXPORTER_OTLP_CERTIFICATE, works; without it the server is not
#     trusted, the export fails and the records are dropped.
#
# Node.js, npm and openssl are required (scripts/deps.sh installs them).
set -euo pipefail

me=run_logs_http
if (($# != 2)); then
  echo "usage: $0 <otlp_logs_sdk_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
compare_js=otlp_logs_compare.js
# shellcheck source=metrics_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/metrics_lib.sh"

echo "$me: $tool; Node.js $(node -v);" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

ok_once='rc === 0 && s.new === "OK" && s.records === 10 &&
  s.exports.length === 1 && s.exports[0] === "OK" && s.stats.exports === 1 &&
  s.stats.attempts === 1 && s.stats.succeeded === 1 && s.stats.failed === 0 &&
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
      --endpoint "http://127.0.0.1:$port/v1/logs" "${opts[@]}"
    expect "$name: exported once, nothing failed" "$ok_once"
    expect "$name: one POST to /v1/logs, $ctype, encoding $enc, decoded" \
      "r.length === 1 && r[0].method === 'POST' &&
       r[0].path === '/v1/logs' && r[0].signal === 'logs' &&
       r[0].contentType === '$ctype' && r[0].contentEncoding === $enc &&
       r[0].ok === true && r[0].answer.status === 200"
    expect "$name: User-Agent OTel-OTLP-Exporter-C/$version" \
      "r.length === 1 &&
       r[0].headers['user-agent'] === 'OTel-OTLP-Exporter-C/$version'"
    compare "$name: every record equals what the exporter was handed"
  done
done
expect "http/json, gzip: the limit of 10 attributes dropped 2 of the first" \
  "r.length === 1 && r[0].request.resourceLogs[0].scopeLogs[0]
     .logRecords[0].droppedAttributesCount === 2"

# ------------------------------------------------------------- headers --
start http headers --log-header x-api-key --log-header x-tenant
OTEL_LOG_LEVEL=debug OTEL_EXPORTER_OTLP_HEADERS='x-tenant=generic' \
  OTEL_EXPORTER_OTLP_LOGS_HEADERS='x-tenant=l0gs%20team' \
  run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs" \
  --headers 'x-api-key=s3cr3t%20value'
expect "headers: the LOGS variable replaced the code's list" \
  "$ok_once && r.length === 1 && r[0].headers['x-tenant'] === 'l0gs team' &&
   r[0].headers['x-api-key'] === undefined"
no_secret "headers: no header value in otelc's diagnostics (debug level)" \
  l0gs

# ------------------------------------------------------ nothing there --
start http down
stop_receiver # its port is now closed
OTEL_LOG_LEVEL=debug run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs" --timeout 1000 \
  --headers 'x-api-key=d0wns3cret'
expect "receiver down: the export fails, retried within its 1 s timeout" \
  "rc === 0 && (s.exports[0] === 'ERR_TIMEOUT' ||
                s.exports[0] === 'ERR_EXPORT') &&
   s.export_ms[0] < 2500 && s.stats.attempts >= 2 &&
   s.stats.failed === 1 && s.stats.succeeded === 0 &&
   s.stats.last_http_status === 0"
expect "receiver down: one warning counts the dropped log records" \
  "err.split('\n').filter((l) => l.includes('OTLP export of ' + s.records +
     ' log records to http://127.0.0.1:$port/v1/logs failed after') &&
     l.includes('the log records are dropped')).length === 1"
no_secret "receiver down: no header value in otelc's diagnostics" d0wns3cret

# ------------------------------------------------------------- retries --
start http fail503 --fail 503:1
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs"
expect "503 with Retry-After: 1: retried, then delivered" \
  "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 2 &&
   s.stats.succeeded === 1 && s.stats.failed === 0 && r.length === 2 &&
   r[0].answer.status === 503 && r[1].answer.status === 200"
expect "503 with Retry-After: 1: the second attempt came a second later" \
  "r.length === 2 && Date.parse(r[1].time) - Date.parse(r[0].time) >= 900"
compare "503 with Retry-After: 1: delivered once, intact"

start http status400 --status 400
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs"
expect "400: one attempt, not retried, counted as failed" \
  "rc === 0 && s.exports[0] === 'ERR_EXPORT' && r.length === 1 &&
   s.stats.attempts === 1 && s.stats.failed === 1 &&
   s.stats.last_http_status === 400 &&
   err.includes('HTTP 400 (not retried): scripted status 400')"

# ----------------------------------------------------- partial success --
start http partial --partial '5:bad records'
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs" --protocol json --exports 2
expect "partial success twice: a success, 10 rejected log records counted" \
  "rc === 0 && s.exports.join() === 'OK,OK' && s.stats.succeeded === 2 &&
   s.stats.failed === 0 && s.stats.rejected === 10"
expect "partial success twice: reported once" \
  "err.split('\n').filter((l) => l.includes('partial success')).length === 1 &&
   err.includes('partial success: 5 log records rejected: bad records')"

start http partial-pb --partial '3:too old'
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs" --protocol protobuf
expect "partial success in protobuf: rejected_log_records read" \
  "rc === 0 && s.exports[0] === 'OK' && s.stats.rejected === 3 &&
   err.includes('partial success: 3 log records rejected: too old')"

# ----------------------------------------- nothing to send, shutdown --
start http empty
run_tool export "$dir/expected.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1/logs" --empty --exports 2
expect "no records: no request, the exports succeed" \
  "rc === 0 && s.records === 0 && s.exports.join() === 'OK,OK' &&
   r.length === 0 && s.stats.attempts === 0 && s.stats.succeeded === 2"
expect "after shutdown: an export is refused" \
  "s.shutdown === 'OK' && s.after_shutdown === 'ERR_SHUTDOWN'"

# ---------------------------------------------------- the environment --
start http env-endpoint
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:1" \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:1/v1/traces" \
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:1/v1/metrics" \
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://127.0.0.1:$port/v1/logs" \
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:1/x"
expect "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT beats the generic one and code" \
  "$ok_once && r.length === 1 && r[0].path === '/v1/logs' && r[0].ok"
compare "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: the records arrived intact"

start http env-generic
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:1/v1/traces" \
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="http://127.0.0.1:1/v1/metrics" \
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json \
  OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=grpc \
  run_tool export "$dir/expected.jsonl" --protocol protobuf
expect "OTEL_EXPORTER_OTLP_ENDPOINT gets v1/logs; the other signals' are not read" \
  "$ok_once && r.length === 1 && r[0].path === '/v1/logs'"
expect "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL beats the generic one and code" \
  "r.length === 1 && r[0].contentType === 'application/json'"

# --------------------------------------------------------------- HTTPS --
if ! command -v openssl >/dev/null 2>&1; then
  fail "HTTPS: 'openssl' not found on PATH; it makes the test certificates"
  finish || true
  exit 1
fi
pki=$work/pki
mkdir -p "$pki"
printf '%s\n' "authorityKeyIdentifier=keyid" \
  "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1" \
  >"$pki/server.ext"
if timeout 60 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 \
  -subj "/CN=otelc logs test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" >"$pki/openssl.log" 2>&1 &&
  timeout 60 openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout "$pki/server.key" -out "$pki/server.csr" \
    -subj "/CN=127.0.0.1" >>"$pki/openssl.log" 2>&1 &&
  timeout 60 openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" \
    -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/server.ext" -out "$pki/server.pem" \
    >>"$pki/openssl.log" 2>&1; then
  start http https --tls "$pki/server.pem" "$pki/server.key"
  OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/missing.pem" \
    OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE="$pki/ca.pem" \
    run_tool export "$dir/expected.jsonl" \
    --endpoint "https://127.0.0.1:$port/v1/logs"
  expect "HTTPS: the LOGS certificate variable's CA is trusted" \
    "$ok_once && r.length === 1 && r[0].ok && r[0].tls.protocol !== null"
  compare "HTTPS: every record arrived intact"

  start http https-untrusted --tls "$pki/server.pem" "$pki/server.key"
  run_tool export "$dir/expected.jsonl" \
    --endpoint "https://127.0.0.1:$port/v1/logs" --timeout 2000
  expect "HTTPS without the CA: not trusted, nothing received, dropped" \
    "rc === 0 && s.exports[0] !== 'OK' && r.length === 0 &&
     s.stats.failed === 1 && s.stats.succeeded === 0 &&
     err.includes('the log records are dropped')"
else
  fail "HTTPS: openssl made the test certificates" "$pki/openssl.log"
fi

stop_receiver
finish
