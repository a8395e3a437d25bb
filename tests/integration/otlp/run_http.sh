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

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-otlp-http.XXXXXX")
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
# which libcurl would honour) out of it unless a case sets them.
while IFS= read -r var; do
  unset "$var"
done < <(compgen -e | grep -E '^OTEL_' || true)
unset http_proxy https_proxy all_proxy ALL_PROXY

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
  echo "otlp-http: $passed passed, $failed failed"
  ((failed == 0))
}

version=$(sed -n 's/^#define OTELC_VERSION_STRING "\(.*\)"$/\1/p' \
  "$src/include/otelc/version.h")

echo "$me: $tool; Node.js $(node -v);" \
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
  node "$peers/otlp_receiver.js" "$dir/port" "$dir/requests.jsonl" \
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
          `${x.contentEncoding} ok=${x.ok} answer=` +
          JSON.stringify(x.answer)).join("\n")' \
      >"$dir/summary.txt" 2>&1 || true
    echo "$2 -> $v" >"$dir/expr.txt"
    fail "$1" "$dir/expr.txt" "$dir/ev.err" "$dir/summary.txt" \
      "$dir/tool.err"
  fi
}

# compare LABEL [otlp_compare options]: the requests answered 200, as
# decoded by the receiver, equal what otelc recorded.
compare() {
  local label=$1
  shift
  ev 'r.filter((x) => x.answer && x.answer.status === 200 && x.request)
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
    start "$protocol-$gz"
    run_tool --endpoint "http://127.0.0.1:$port/v1/traces" "${opts[@]}"
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
start headers --log-header x-api-key --log-header x-tenant \
  --log-header authorization
OTEL_LOG_LEVEL=debug \
  OTEL_EXPORTER_OTLP_TRACES_HEADERS='authorization=Bearer%20an0ther%zzsecret' \
  run_tool --endpoint "http://127.0.0.1:$port/v1/traces" \
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
start down
stop_receiver # its port is now closed
OTEL_LOG_LEVEL=debug \
  run_tool --endpoint "http://127.0.0.1:$port/v1/traces" \
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
start fail503 --fail 503:2
run_tool --endpoint "http://127.0.0.1:$port/v1/traces"
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
start fail429 --fail 429:1 --retry-after "$later"
run_tool --endpoint "http://127.0.0.1:$port/v1/traces" --protocol json
expect "429 with Retry-After as an HTTP date: waited, then success" \
  "$ran_ok && s.attempts === 2 && s.succeeded === 1 && r.length === 2 &&
   Date.parse(r[1].time) - Date.parse(r[0].time) >= 900"

# ---------------------------------------------------- permanent failure --
start status400 --status 400
run_tool --endpoint "http://127.0.0.1:$port/v1/traces"
expect "400: one attempt, not retried, counted as failed" \
  "$ran_ok && r.length === 1 && s.attempts === 1 && s.failed === 1 &&
   s.succeeded === 0 && s.last_http_status === 400 &&
   s.processor.export_failed === 4"
expect "400: the log has the status and the server's message" \
  "err.includes('HTTP 400 (not retried): scripted status 400')"

# --------------------------------------------------------- slow answer --
start slow --delay-ms 5000
run_tool --endpoint "http://127.0.0.1:$port/v1/traces" --timeout 1000
expect "an answer slower than the 1 s timeout: abandoned, failed" \
  "$ran_ok && s.attempts === 1 && s.failed === 1 && s.succeeded === 0 &&
   r.length === 1"
expect "an answer slower than the 1 s timeout: given up after about 1 s" \
  "s.flush_ms >= 900 && s.flush_ms < 3000 && s.shutdown_ms < 1000"

# ----------------------------------------------------- partial success --
start partial --partial '3:bad spans'
run_tool --endpoint "http://127.0.0.1:$port/v1/traces"
expect "partial success: a success, 3 rejected spans counted" \
  "$ran_ok && s.succeeded === 1 && s.failed === 0 && s.attempts === 1 &&
   s.rejected_spans === 3"
expect "partial success: one log line" \
  "err.split('\n').filter((l) =>
     l.includes('partial success: 3 spans rejected: bad spans')).length === 1"

start partial-json --partial '3:bad spans'
run_tool --endpoint "http://127.0.0.1:$port/v1/traces" --protocol json \
  --batch 2
expect "partial success twice (JSON, two batches): 6 counted, one line" \
  "$ran_ok && s.exports === 2 && s.succeeded === 2 &&
   s.rejected_spans === 6 &&
   err.split('\n').filter((l) => l.includes('partial success')).length === 1"

# ------------------------------------------------- from the environment --
start env --log-header x-from-env
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
  run_tool --from-env
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
start refused
OTEL_EXPORTER_OTLP_ENDPOINT=ftp://127.0.0.1:21 \
  run_tool --endpoint "http://127.0.0.1:$port/v1/traces"
expect "an ftp:// endpoint in the environment: refused, and named" \
  "rc === 0 && s.new === 'ERR_INVALID_ARG' && r.length === 0 &&
   err.includes('OTEL_EXPORTER_OTLP_ENDPOINT: unsupported URL scheme')"
# The environment's protocol beats the code's: gRPC calls (run_grpc.sh
# tests them), which this HTTP/1.1 receiver cannot answer.
OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  run_tool --endpoint "http://127.0.0.1:$port/v1/traces" --timeout 2000
expect "OTEL_EXPORTER_OTLP_PROTOCOL=grpc: gRPC calls, not HTTP requests" \
  "rc === 0 && s.new === 'OK' && s.succeeded === 0 && s.failed === 1 &&
   r.length === 0 && err.includes('TraceService/Export failed after')"

stop_receiver
finish
