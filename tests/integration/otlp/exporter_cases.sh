# shellcheck shell=bash disable=SC2154
# The cases that the OTLP metric and log exporters share over HTTP and
# gRPC (sourced after otlp_lib.sh, not run). Each runs `$tool export`,
# which hands the exporter the signal's hand-made data, shuts it down and
# prints its statuses and counters as JSON.
#
# Needs:
#   signal   metrics or logs: the path /v1/$signal, the receiver's record
#            kind, the OTEL_EXPORTER_OTLP_<SIGNAL>_* variables
#   items    how otelc's messages count the data ("data points")
#   count    the tool's JSON field with their number (points)
#   ok_once  the expression of one successful export over HTTP
#   intact   what `compare` checks, for its labels ("every data point
#            equals the collection")

SIGNAL=${signal^^}
others=()
for o in TRACES METRICS LOGS; do
  [[ $o != "$SIGNAL" ]] && others+=("$o")
done
method=/opentelemetry.proto.collector.$signal.v1.${signal^}Service/Export

url() { echo "http://127.0.0.1:$port/v1/$signal"; }

# ---------------------------------------------------------------- HTTP --

# http/protobuf and http/json, each plain and gzip.
http_encoding_cases() {
  local protocol gz
  for protocol in protobuf json; do
    for gz in plain gzip; do
      http_variant "$protocol" "$gz"
      run_tool export "$dir/expected.jsonl" --endpoint "$(url)" "${opts[@]}"
      expect "$name: exported once, nothing failed" "$ok_once"
      expect "$name: one POST to /v1/$signal, $ctype, encoding $enc, decoded" \
        "r.length === 1 && r[0].method === 'POST' &&
         r[0].path === '/v1/$signal' && r[0].signal === '$signal' &&
         r[0].contentType === '$ctype' && r[0].contentEncoding === $enc &&
         r[0].ok === true && r[0].answer.status === 200"
      expect "$name: User-Agent OTel-OTLP-Exporter-C/$version" \
        "r.length === 1 &&
         r[0].headers['user-agent'] === 'OTel-OTLP-Exporter-C/$version'"
      compare "$name: $intact"
    done
  done
}

# http_headers_case WORD: the signal's headers variable replaces the code's
# list; its value (WORD%20team) is not in the diagnostics.
http_headers_case() {
  start http headers --log-header x-api-key --log-header x-tenant
  run_tool_with OTEL_LOG_LEVEL=debug \
    OTEL_EXPORTER_OTLP_HEADERS='x-tenant=generic' \
    "OTEL_EXPORTER_OTLP_${SIGNAL}_HEADERS=x-tenant=$1%20team" -- \
    export "$dir/expected.jsonl" --endpoint "$(url)" \
    --headers 'x-api-key=s3cr3t%20value'
  expect "headers: the $SIGNAL variable replaced the code's list" \
    "$ok_once && r.length === 1 && r[0].headers['x-tenant'] === '$1 team' &&
     r[0].headers['x-api-key'] === undefined"
  no_secret "headers: no header value in otelc's diagnostics (debug level)" \
    "$1"
}

# Nothing listening; 503 with Retry-After: 1, then 200; 400.
http_failure_cases() {
  start http down
  stop_receiver # its port is now closed
  OTEL_LOG_LEVEL=debug run_tool export "$dir/expected.jsonl" \
    --endpoint "$(url)" --timeout 1000 --headers 'x-api-key=d0wns3cret'
  expect "receiver down: the export fails, retried within its 1 s timeout" \
    "rc === 0 && (s.exports[0] === 'ERR_TIMEOUT' ||
                  s.exports[0] === 'ERR_EXPORT') &&
     s.export_ms[0] < 2500 && s.stats.attempts >= 2 &&
     s.stats.failed === 1 && s.stats.succeeded === 0 &&
     s.stats.last_http_status === 0"
  expect "receiver down: one warning counts the dropped $items" \
    "err.split('\n').filter((l) => l.includes('OTLP export of ' + s.$count +
       ' $items to $(url) failed after') &&
       l.includes('the $items are dropped')).length === 1"
  no_secret "receiver down: no header value in otelc's diagnostics" d0wns3cret

  start http fail503 --fail 503:1
  run_tool export "$dir/expected.jsonl" --endpoint "$(url)"
  expect "503 with Retry-After: 1: retried, then delivered" \
    "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 2 &&
     s.stats.succeeded === 1 && s.stats.failed === 0 && r.length === 2 &&
     r[0].answer.status === 503 && r[1].answer.status === 200"
  expect "503 with Retry-After: 1: the second attempt came a second later" \
    "r.length === 2 && Date.parse(r[1].time) - Date.parse(r[0].time) >= 900"
  compare "503 with Retry-After: 1: delivered once, intact"

  start http status400 --status 400
  run_tool export "$dir/expected.jsonl" --endpoint "$(url)"
  expect "400: one attempt, not retried, counted as failed" \
    "rc === 0 && s.exports[0] === 'ERR_EXPORT' && r.length === 1 &&
     s.stats.attempts === 1 && s.stats.failed === 1 &&
     s.stats.last_http_status === 400 &&
     err.includes('HTTP 400 (not retried): scripted status 400')"
}

# http_partial_case REASON: 5 rejected twice (JSON), reported once.
http_partial_case() {
  start http partial --partial "5:$1"
  run_tool export "$dir/expected.jsonl" --endpoint "$(url)" --protocol json \
    --exports 2
  expect "partial success twice: a success, 10 rejected $items counted" \
    "rc === 0 && s.exports.join() === 'OK,OK' && s.stats.succeeded === 2 &&
     s.stats.failed === 0 && s.stats.rejected === 10"
  expect "partial success twice: reported once" \
    "err.split('\n').filter((l) => l.includes('partial success')).length === 1 &&
     err.includes('partial success: 5 $items rejected: $1')"
}

# Nothing to send; after shutdown.
http_empty_case() {
  start http empty
  run_tool export "$dir/expected.jsonl" --endpoint "$(url)" --empty \
    --exports 2
  expect "no $count: no request, the exports succeed" \
    "rc === 0 && s.$count === 0 && s.exports.join() === 'OK,OK' &&
     r.length === 0 && s.stats.attempts === 0 && s.stats.succeeded === 2"
  expect "after shutdown: an export is refused" \
    "s.shutdown === 'OK' && s.after_shutdown === 'ERR_SHUTDOWN'"
}

# The signal's endpoint beats the generic one and the code; the generic
# endpoint gets v1/<signal>; the other signals' variables are not read;
# the signal's protocol beats the generic one and the code's.
http_env_cases() {
  local o vars=()
  for o in "${others[@]}"; do
    vars+=("OTEL_EXPORTER_OTLP_${o}_ENDPOINT=http://127.0.0.1:1/v1/${o,,}")
  done
  start http env-endpoint
  run_tool_with OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:1" "${vars[@]}" \
    "OTEL_EXPORTER_OTLP_${SIGNAL}_ENDPOINT=$(url)" -- \
    export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:1/x"
  expect "OTEL_EXPORTER_OTLP_${SIGNAL}_ENDPOINT beats the generic one and code" \
    "$ok_once && r.length === 1 && r[0].path === '/v1/$signal' && r[0].ok"
  compare "OTEL_EXPORTER_OTLP_${SIGNAL}_ENDPOINT: $intact"

  for o in "${others[@]}"; do
    vars+=("OTEL_EXPORTER_OTLP_${o}_PROTOCOL=grpc")
  done
  start http env-generic
  run_tool_with OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
    OTEL_EXPORTER_OTLP_PROTOCOL=grpc "${vars[@]}" \
    "OTEL_EXPORTER_OTLP_${SIGNAL}_PROTOCOL=http/json" -- \
    export "$dir/expected.jsonl" --protocol protobuf
  expect "OTEL_EXPORTER_OTLP_ENDPOINT gets v1/$signal; the other signals' are not read" \
    "$ok_once && r.length === 1 && r[0].path === '/v1/$signal'"
  expect "OTEL_EXPORTER_OTLP_${SIGNAL}_PROTOCOL beats the generic one and code" \
    "r.length === 1 && r[0].contentType === 'application/json'"
}

# ---------------------------------------------------------------- gRPC --

# Plain and gzip; OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL=grpc with the
# generic endpoint.
grpc_transport_cases() {
  local gz opts flag enc
  for gz in plain gzip; do
    start grpc "$gz"
    opts=(--protocol grpc)
    flag=0
    enc=null
    if [[ $gz == gzip ]]; then
      opts+=(--gzip)
      flag=1
      enc="'gzip'"
    fi
    run_tool export "$dir/expected.jsonl" \
      --endpoint "http://127.0.0.1:$port" "${opts[@]}"
    expect "grpc, $gz: exported once, nothing failed" \
      "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 1 &&
       s.stats.succeeded === 1 && s.stats.failed === 0 &&
       s.stats.last_http_status === 200"
    expect "grpc, $gz: one ${method#/*.v1.} call, decoded" \
      "r.length === 1 && r[0].path === '$method' && r[0].signal === '$signal' &&
       r[0].ok === true && r[0].answer.code === 0 &&
       r[0].contentType === 'application/grpc' &&
       r[0].headers.te === 'trailers' && /^\\d+m$/.test(r[0].headers['grpc-timeout']) &&
       r[0].compressedFlag === $flag && r[0].contentEncoding === $enc"
    compare "grpc, $gz: $intact"
  done

  start grpc env
  run_tool_with "OTEL_EXPORTER_OTLP_${SIGNAL}_PROTOCOL=grpc" \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port/some/base/" -- \
    export "$dir/expected.jsonl" --protocol protobuf
  expect "OTEL_EXPORTER_OTLP_${SIGNAL}_PROTOCOL=grpc: the method on the generic endpoint" \
    "rc === 0 && s.exports[0] === 'OK' && r.length === 1 &&
     r[0].path === '$method' && r[0].ok === true"
}

# UNAVAILABLE twice, then OK; a RetryInfo delay; INVALID_ARGUMENT; partial
# success twice; nothing listening.
grpc_failure_cases() {
  start grpc unavailable --fail unavailable:2
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
    --protocol grpc
  expect "UNAVAILABLE twice: three attempts, then delivered" \
    "rc === 0 && s.exports[0] === 'OK' && s.stats.attempts === 3 &&
     s.stats.succeeded === 1 && r.length === 3 && r[2].answer.code === 0"
  compare "UNAVAILABLE twice: delivered once, intact"

  start grpc retryinfo --fail unavailable:1 --retry-delay-ms 1200
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
    --protocol grpc
  expect "a RetryInfo of 1.2 s: waited, then delivered" \
    "rc === 0 && s.exports[0] === 'OK' && r.length === 2 &&
     Date.parse(r[1].time) - Date.parse(r[0].time) >= 1100"

  start grpc invalid --status invalid_argument
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
    --protocol grpc
  expect "INVALID_ARGUMENT: one attempt, not retried, failed" \
    "rc === 0 && s.exports[0] === 'ERR_EXPORT' && s.stats.attempts === 1 &&
     s.stats.failed === 1 && r.length === 1 &&
     err.includes('gRPC status INVALID_ARGUMENT (not retried)')"

  start grpc partial --partial '7:too old'
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
    --protocol grpc --exports 2
  expect "partial success twice: 14 rejected $items, one log line" \
    "rc === 0 && s.exports.join() === 'OK,OK' && s.stats.rejected === 14 &&
     err.split('\n').filter((l) =>
       l.includes('partial success: 7 $items rejected: too old'))
       .length === 1"

  start grpc down
  stop_receiver
  run_tool export "$dir/expected.jsonl" --endpoint "http://127.0.0.1:$port" \
    --protocol grpc --timeout 1000
  expect "receiver down: fails within the 1 s timeout, counted" \
    "rc === 0 && (s.exports[0] === 'ERR_TIMEOUT' ||
                  s.exports[0] === 'ERR_EXPORT') &&
     s.export_ms[0] < 2500 && s.stats.failed === 1 &&
     s.stats.succeeded === 0 && err.includes('$items are dropped')"
}
