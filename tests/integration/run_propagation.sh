#!/usr/bin/env bash
# otelc's propagation against the official OpenTelemetry JS SDK.
#
#   run_propagation.sh <build-dir> <source-dir>
#
# <build-dir> holds prop_tool (directly or in tests/integration/). For each
# format (w3c = Trace Context + Baggage, b3, b3multi) and for sampled,
# unsampled and sampled+random flags:
#   - otelc injects, OpenTelemetry JS extracts; the fields must match;
#   - OpenTelemetry JS injects, otelc extracts; the fields must match.
# Then a Node.js HTTP server instrumented by the OpenTelemetry JS SDK is
# started on 127.0.0.1, otelc calls it through libcurl, and the server span
# must be a child of otelc's client span with the baggage attached.
#
# Node.js and npm are required (scripts/deps.sh installs them); the JS
# packages pinned in tests/peers/package-lock.json are installed with
# `npm ci` when node_modules is missing or older than the lock file.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 <build-dir> <source-dir>" >&2
  exit 2
fi
build=$1
src=$2
peers=$src/tests/peers

tool=""
for t in "$build/prop_tool" "$build/tests/integration/prop_tool"; do
  if [[ -x $t ]]; then
    tool=$t
    break
  fi
done
if [[ -z $tool ]]; then
  echo "run_propagation: prop_tool not found in $build (build it first)" >&2
  exit 1
fi

for cmd in node npm; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "run_propagation: '$cmd' not found on PATH. The JavaScript peers" \
      "of this test need Node.js (>= 20) and npm; install them with" \
      "scripts/deps.sh (Debian packages nodejs and npm)." >&2
    exit 1
  fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "run_propagation: Node.js $(node -v) is too old; 20 or newer" \
    "is needed" >&2
  exit 1
fi

# ------------------------------------------------------- JS dependencies --
need_install() {
  [[ ! -f $peers/node_modules/.package-lock.json ]] ||
    [[ $peers/package-lock.json -nt $peers/node_modules/.package-lock.json ]] ||
    [[ $peers/package.json -nt $peers/node_modules/.package-lock.json ]]
}

install_peers() {
  if need_install; then
    echo "run_propagation: installing the JS peers (npm ci in $peers)"
    (cd "$peers" && timeout 240 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if need_install; then
  if command -v flock >/dev/null 2>&1; then
    # Another test may be installing the same tree: one at a time.
    (
      flock -w 300 9 || {
        echo "run_propagation: timed out waiting for $peers/.install.lock" >&2
        exit 1
      }
      install_peers
    ) 9>"$peers/.install.lock"
  else
    install_peers
  fi
fi

# ------------------------------------------------------------- the cases --
work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-interop.XXXXXX")
server_pid=""
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

# Both SDKs are configured in code; keep the environment out of it.
unset OTEL_SDK_DISABLED OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG \
  OTEL_TRACES_EXPORTER OTEL_EXPORTER_OTLP_ENDPOINT http_proxy https_proxy \
  HTTP_PROXY HTTPS_PROXY
export OTEL_PROPAGATORS=tracecontext,baggage
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

js() { timeout 30 node "$peers/propagation.js" "$@"; }
cmp_js() { timeout 30 node "$peers/compare.js" "$@"; }

passed=0
failed=0
run_case() { # function args...
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}

# Print a step's failure with its stderr, and fail the case.
step_failed() { # label what errfile
  echo "FAIL  $1"
  echo "        $2 failed:"
  sed 's/^/        | /' "$3"
  return 1
}

c_to_js() { # format flags
  local fmt=$1 flags=$2 d
  local label="otelc inject -> JS extract, $fmt, flags $flags"
  d=$(mktemp -d "$work/c2js.XXXX")
  timeout 30 "$tool" inject "$fmt" "$flags" >"$d/c.json" 2>"$d/err" ||
    step_failed "$label" "prop_tool inject $fmt $flags" "$d/err" || return 1
  cmp_js get "$d/c.json" headers >"$d/headers.json" 2>"$d/err" ||
    step_failed "$label" "reading the injected headers" "$d/err" || return 1
  js extract "$fmt" <"$d/headers.json" >"$d/js.json" 2>"$d/err" ||
    step_failed "$label" "propagation.js extract $fmt" "$d/err" || return 1
  cmp_js check "$label" "$fmt" "$d/c.json" "$d/js.json" "$d/headers.json"
}

js_to_c() { # format flags [capitalise]
  local fmt=$1 flags=$2 capitalise=${3:-} d
  local label="JS inject -> otelc extract, $fmt, flags $flags"
  d=$(mktemp -d "$work/js2c.XXXX")
  cmp_js spec "$flags" >"$d/spec.json" 2>"$d/err" ||
    step_failed "$label" "compare.js spec" "$d/err" || return 1
  js inject "$fmt" <"$d/spec.json" >"$d/headers.json" 2>"$d/err" ||
    step_failed "$label" "propagation.js inject $fmt" "$d/err" || return 1
  if [[ -n $capitalise ]]; then
    # As some HTTP stacks hand them over: X-B3-Traceid, Traceparent, ...
    label="$label, capitalised header names"
    timeout 30 node -e '
      const h = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const out = {};
      for (const [k, v] of Object.entries(h))
        out[k.replace(/(^|-)([a-z])/g, (m, p, c) => p + c.toUpperCase())] = v;
      process.stdout.write(JSON.stringify(out));
    ' <"$d/headers.json" >"$d/headers2.json" 2>"$d/err" ||
      step_failed "$label" "capitalising the headers" "$d/err" || return 1
    mv "$d/headers2.json" "$d/headers.json"
  fi
  timeout 30 "$tool" extract "$fmt" <"$d/headers.json" >"$d/c.json" \
    2>"$d/err" ||
    step_failed "$label" "prop_tool extract $fmt" "$d/err" || return 1
  cmp_js check "$label" "$fmt" "$d/spec.json" "$d/c.json" "$d/headers.json"
}

http_to_js_server() {
  local label="otelc HTTP client (libcurl) -> instrumented JS HTTP server"
  local port_file=$work/server.port port="" i
  timeout 120 node "$peers/propagation.js" server "$port_file" \
    2>"$work/server.log" &
  server_pid=$!
  # Bounded wait for the port: 30 s.
  for ((i = 0; i < 300; i++)); do
    if [[ -s $port_file ]]; then
      port=$(<"$port_file")
      break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  if [[ -z $port ]]; then
    step_failed "$label" "starting the JS server (no port within 30 s)" \
      "$work/server.log" || true
    return 1
  fi
  local rc=0
  timeout 30 "$tool" http "http://127.0.0.1:$port/otelc-interop" \
    >"$work/http.json" 2>"$work/http.err" || rc=$?
  stop_server
  if ((rc != 0)) && [[ ! -s $work/http.json ]]; then
    step_failed "$label" "prop_tool http (exit $rc)" "$work/http.err" || true
    echo "        server log:"
    sed 's/^/        | /' "$work/server.log"
    return 1
  fi
  cmp_js http "$label" "$work/http.json" || {
    echo "        server log:"
    sed 's/^/        | /' "$work/server.log"
    return 1
  }
  ((rc == 0))
}

core_version=$(node -p \
  "require('$peers/node_modules/@opentelemetry/core/package.json').version")
echo "run_propagation: $tool; Node.js $(node -v);" \
  "@opentelemetry/core $core_version"

for fmt in w3c b3 b3multi; do
  for flags in 1 0 3; do
    run_case c_to_js "$fmt" "$flags"
    run_case js_to_c "$fmt" "$flags"
  done
done
run_case js_to_c w3c 1 capitalise
run_case js_to_c b3multi 1 capitalise
run_case http_to_js_server

echo "interop: $passed passed, $failed failed"
((failed == 0))
