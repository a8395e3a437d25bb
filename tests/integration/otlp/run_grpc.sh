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
#     OTEL_EXPORTER_OTLP_CERTIFICATE (a certificate made with openssl);
#     an untrusted certificate fails without retries;
#   - nothing listening: the spans are dropped and counted, shutdown
#     returns within its timeout.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages are installed from tests/peers/package-lock.json when needed.
set -euo pipefail

me=run_grpc
if (($# != 2)); then
  echo "usage: $0 <otlp_tool> <source-dir>" >&2
  exit 2
fi
tool=$1
src=$2
peers=$src/tests/peers
if [[ ! -x $tool ]]; then
  echo "$me: $tool is not an executable (build otlp_tool first)" >&2
  exit 1
fi

# shellcheck source=peers.sh
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-otlp-grpc.XXXXXX")
receiver_pid=""
stop_receiver() {
  if [[ -n $receiver_pid ]]; then
    kill "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
    receiver_pid=""
  fi
}
cleanup() {
  stop_receiver
  rm -rf "$work"
}
trap cleanup EXIT

# The tool configures otelc in code; keep the environment (and proxies,
# which libcurl would honour) out of it unless a case sets them. Every
# case speaks gRPC.
while IFS= read -r var; do
  unset "$var"
done < <(compgen -e | grep -E '^OTEL_' || true)
unset http_proxy https_proxy all_proxy ALL_PROXY
export OTEL_EXPORTER_OTLP_PROTOCOL=grpc

passed=0
failed=0
pass() {
  echo "ok    $1"
  passed=$((passed + 1))
}
fail() { # label [file-with-details]...
  echo "FAIL  $1"
  shift
  local f
  for f in "$@"; do
    if [[ -s $f ]]; then
      echo "        | --- $(basename "$f")"
      head -c 6000 "$f" | awk '{ print "        | " $0 }'
    fi
  done
  failed=$((failed + 1))
}
finish() {
  echo "otlp-grpc: $passed passed, $failed failed"
  ((failed == 0))
}

version=$(sed -n 's/^#define OTELC_VERSION_STRING "\(.*\)"$/\1/p' \
  "$src/include/otelc/version.h")
grpc_js_version=$(node -p \
  "require('$peers/node_modules/@grpc/grpc-js/package.json').version")

echo "$me: $tool; Node.js $(node -v); @grpc/grpc-js $grpc_js_version;" \
  "@opentelemetry/otlp-transformer $transformer_version;" \
  "protobufjs $protobufjs_version"

# ------------------------------------------------------------- helpers --
dir=""
port=""

# start CASE [receiver options...]: a fresh directory and receiver.
start() {
  stop_receiver
  dir=$work/$1
  shift
  mkdir -p "$dir"
  node "$peers/otlp_grpc_receiver.js" "$dir/port" "$dir/requests.jsonl" \
    --idle-s 120 "$@" 2>"$dir/receiver.err" &
  receiver_pid=$!
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -s $dir/port ]] && break
    if ! kill -0 "$receiver_pid" 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  if [[ ! -s $dir/port ]]; then
    fail "the receiver started" "$dir/receiver.err"
    finish || true
    exit 1
  fi
  port=$(<"$dir/port")
  touch "$dir/requests.jsonl"
}

# run_tool [otlp_tool http options...]: runs in $dir; stats.json, tool.err,
# tool.rc and tool.ms (wall time).
run_tool() {
  local rc=0 t0 t1
  t0=$(date +%s%N)
  timeout 120 "$tool" http "$dir/expected.json" "$@" \
    >"$dir/stats.json" 2>"$dir/tool.err" || rc=$?
  t1=$(date +%s%N)
  echo "$rc" >"$dir/tool.rc"
  echo $(((t1 - t0) / 1000000)) >"$dir/tool.ms"
}

# ev EXPRESSION: a JavaScript expression over the case's files, printed:
# s = the tool's counters, r = the receiver's records (one per request),
# rc = the tool's exit status, ms = its wall time, err = its stderr.
ev() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  timeout 30 node -e '
    const fs = require("fs");
    const dir = process.argv[1];
    const read = (f) => {
      try { return fs.readFileSync(`${dir}/${f}`, "utf8"); } catch (e) {
        return "";
      }
    };
    const s = JSON.parse(read("stats.json").trim() || "{}");
    const r = read("requests.jsonl").split("\n").filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    const rc = Number(read("tool.rc"));
    const ms = Number(read("tool.ms"));
    const err = read("tool.err");
    const v = new Function("s", "r", "rc", "ms", "err",
                           `return (${process.argv[2]});`)(s, r, rc, ms, err);
    process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$dir" "$1"
}

# expect LABEL EXPRESSION: passes when the expression is true.
expect() {
  local v
  v=$(ev "$2" 2>"$dir/ev.err") || v="(error)"
  if [[ $v == true ]]; then
    pass "$1"
  else
    # shellcheck disable=SC2016 # JavaScript, not shell
    ev '`stats: ${JSON.stringify(s)}\nexit ${rc} after ${ms} ms\n` +
        r.map((x) => `request ${x.attempt}: ${x.path} ${x.contentType} ` +
          `${x.contentEncoding} flag=${x.compressedFlag} ok=${x.ok} ` +
          `answer=` + JSON.stringify(x.answer)).join("\n")' \
      >"$dir/summary.txt" 2>&1 || true
    echo "$2 -> $v" >"$dir/expr.txt"
    fail "$1" "$dir/expr.txt" "$dir/ev.err" "$dir/summary.txt" \
      "$dir/tool.err"
  fi
}

# compare LABEL [otlp_compare options]: the calls answered OK, as decoded
# by the receiver, equal what otelc recorded.
compare() {
  local label=$1
  shift
  ev 'r.filter((x) => x.answer && x.answer.code === 0 && x.request)
       .map((x) => JSON.stringify(x.request)).join("\n")' \
    >"$dir/decoded.jsonl" 2>"$dir/ev.err" || true
  if [[ ! -s $dir/expected.json ]]; then
    fail "$label (otlp_tool wrote no expected.json)" "$dir/tool.err"
  elif timeout 60 node "$peers/otlp_compare.js" check "$label" \
    "$dir/expected.json" "$dir/decoded.jsonl" "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}

# no_secret LABEL WORD: WORD does not appear in otelc's diagnostics.
no_secret() {
  if grep -qF -- "$2" "$dir/tool.err"; then
    fail "$1" "$dir/tool.err"
  else
    pass "$1"
  fi
}

ran_ok='rc === 0 && s.new === "OK"'
method=/opentelemetry.proto.collector.trace.v1.TraceService/Export

# ------------------------------------------------- plain and compressed --
for gz in plain gzip; do
  name="grpc, $gz"
  enc=null flag=0 opts=()
  if [[ $gz == gzip ]]; then
    enc='"gzip"' flag=1 opts=(--gzip)
  fi
  start "$gz"
  run_tool --endpoint "http://127.0.0.1:$port" "${opts[@]}"
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
start headers --log-header x-api-key --log-header x-tenant
run_tool --endpoint "http://127.0.0.1:$port" \
  --headers 'X-Api-Key=s3cr3t%20value%2C1 , X-Tenant=acme'
expect "headers: the call succeeded" "$ran_ok && s.succeeded === 1"
expect "headers: lowercase names, percent-decoded values" \
  "r.length === 1 && r[0].headers['x-api-key'] === 's3cr3t value,1' &&
   r[0].headers['x-tenant'] === 'acme'"
no_secret "headers: no header value in otelc's diagnostics" s3cr3t

# ------------------------------------------------------ endpoint rules --
start generic
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port/ignored/" \
  run_tool --endpoint "http://127.0.0.1:1"
expect "OTEL_EXPORTER_OTLP_ENDPOINT: not extended with v1/traces" \
  "$ran_ok && s.succeeded === 1 && r.length === 1 &&
   r[0].path === '$method'"

start insecure
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="127.0.0.1:$port" \
  OTEL_EXPORTER_OTLP_INSECURE=true run_tool
expect "no scheme, INSECURE=true: cleartext HTTP/2" \
  "$ran_ok && s.succeeded === 1 && s.attempts === 1 && r.length === 1"
compare "no scheme, INSECURE=true: every span equals what otelc recorded" \
  --requests 1

start secure
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="127.0.0.1:$port" \
  run_tool --timeout 3000 --flush-ms 5000
expect "no scheme, INSECURE unset: TLS, which this server lacks: failed" \
  "$ran_ok && s.succeeded === 0 && s.failed === 1 && r.length === 0 &&
   err.includes('https://127.0.0.1:$port$method') && s.flush_ms < 5000"

# ------------------------------------------------------------- retries --
start unavailable --fail unavailable:2
run_tool --endpoint "http://127.0.0.1:$port"
expect "UNAVAILABLE twice: three attempts, then success" \
  "$ran_ok && s.exports === 1 && s.attempts === 3 && s.succeeded === 1 &&
   s.failed === 0"
expect "UNAVAILABLE twice: the server saw three calls, accepted one" \
  "r.length === 3 && r.filter((x) => x.answer.code === 0).length === 1 &&
   r[2].answer.code === 0 && r[0].answer.codeName === 'unavailable'"
compare "UNAVAILABLE twice: the data arrived once, intact" --requests 1

start retry-info --fail unavailable:1 --retry-delay-ms 1500
run_tool --endpoint "http://127.0.0.1:$port"
expect "UNAVAILABLE with RetryInfo 1.5 s: waited that long, then success" \
  "$ran_ok && s.attempts === 2 && s.succeeded === 1 && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 1400"

start exhausted --fail resource_exhausted:1
run_tool --endpoint "http://127.0.0.1:$port"
expect "RESOURCE_EXHAUSTED without RetryInfo: not retried, failed" \
  "$ran_ok && s.attempts === 1 && s.failed === 1 && r.length === 1 &&
   err.includes('RESOURCE_EXHAUSTED (not retried)')"

start exhausted-retry --fail resource_exhausted:1 --retry-delay-ms 300
run_tool --endpoint "http://127.0.0.1:$port"
expect "RESOURCE_EXHAUSTED with RetryInfo: retried after it, success" \
  "$ran_ok && s.attempts === 2 && s.succeeded === 1 && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 250"

# ---------------------------------------------------- permanent failure --
start invalid --status invalid_argument
run_tool --endpoint "http://127.0.0.1:$port"
expect "INVALID_ARGUMENT: one attempt, not retried, counted as failed" \
  "$ran_ok && r.length === 1 && s.attempts === 1 && s.failed === 1 &&
   s.succeeded === 0 && s.processor.export_failed === 4"
expect "INVALID_ARGUMENT: the log has the status and the decoded message" \
  "err.includes('gRPC status INVALID_ARGUMENT (not retried): scripted ' +
                'status invalid_argument: 100% \"wrong\"')"

# --------------------------------------------------------- slow answer --
start slow --delay-ms 5000
run_tool --endpoint "http://127.0.0.1:$port" --timeout 1000
expect "an answer slower than the 1 s timeout: abandoned, failed" \
  "$ran_ok && s.attempts === 1 && s.failed === 1 && s.succeeded === 0 &&
   r.length === 1"
expect "an answer slower than the 1 s timeout: given up within 1 s + 2 s" \
  "s.flush_ms >= 900 && s.flush_ms < 3000 && s.shutdown_ms < 1000"

# ----------------------------------------------------- partial success --
start partial --partial '3:bad spans'
run_tool --endpoint "http://127.0.0.1:$port"
expect "partial success: a success, 3 rejected spans counted" \
  "$ran_ok && s.succeeded === 1 && s.failed === 0 && s.attempts === 1 &&
   s.rejected_spans === 3"
expect "partial success: one log line" \
  "err.split('\n').filter((l) =>
     l.includes('partial success: 3 spans rejected: bad spans')).length === 1"

start partial-batches --partial '3:bad spans'
run_tool --endpoint "http://127.0.0.1:$port" --batch 2
expect "partial success twice (two batches, two calls): 6 counted, one line" \
  "$ran_ok && s.exports === 2 && s.succeeded === 2 && r.length === 2 &&
   s.rejected_spans === 6 &&
   err.split('\n').filter((l) => l.includes('partial success')).length === 1"
compare "two batches: every span arrived once, intact" --requests 2

# ----------------------------------------------------------------- TLS --
if ! command -v openssl >/dev/null 2>&1; then
  echo "$me: 'openssl' not found on PATH; the TLS cases need it" \
    "(scripts/deps.sh installs it)" >&2
  fail "openssl is available for the TLS cases"
else
  timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/openssl.err" ||
    fail "a test certificate is made" "$work/openssl.err"

  start tls --tls "$work/cert.pem" "$work/key.pem"
  OTEL_EXPORTER_OTLP_CERTIFICATE="$work/cert.pem" \
    run_tool --endpoint "https://127.0.0.1:$port" --gzip --batch 2
  expect "https://: HTTP/2 over TLS, the CA of OTEL_EXPORTER_OTLP_CERTIFICATE" \
    "$ran_ok && s.exports === 2 && s.attempts === 2 && s.succeeded === 2 &&
     r.length === 2 && r.every((x) => x.ok && x.contentEncoding === 'gzip' &&
                                      x.compressedFlag === 1)"
  compare "https://: every span arrived once, intact" --requests 2

  start tls-no-scheme --tls "$work/cert.pem" "$work/key.pem"
  OTEL_EXPORTER_OTLP_CERTIFICATE="$work/cert.pem" \
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="127.0.0.1:$port" run_tool
  expect "no scheme, INSECURE unset: TLS, accepted by a TLS server" \
    "$ran_ok && s.succeeded === 1 && s.attempts === 1 && r.length === 1"

  start tls-untrusted --tls "$work/cert.pem" "$work/key.pem"
  run_tool --endpoint "https://127.0.0.1:$port" --timeout 3000
  expect "https:// with an untrusted certificate: one attempt, failed" \
    "$ran_ok && s.attempts === 1 && s.failed === 1 && r.length === 0"
fi

# ------------------------------------------------------ nothing there --
start down
stop_receiver # its port is now closed
run_tool --endpoint "http://127.0.0.1:$port" --flush-ms 0 --shutdown-ms 2000
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
