# shellcheck shell=bash disable=SC2154,SC2034
# Shared by run_metrics_{http,grpc,sdk}.sh and run_logs_{http,grpc,sdk}.sh
# (sourced, not run): the JS peers, a work directory, the environment kept
# out of the tool, one receiver at a time, and the checks.
#
# Needs: $me (the script's name), $tool, $src; optionally $compare_js, the
# comparison of tests/peers that `compare` runs (default
# otlp_metrics_compare.js). Provides:
#   start KIND CASE [receiver options...]
#       KIND http (tests/peers/otlp_receiver.js) or grpc
#       (otlp_grpc_receiver.js); a fresh $dir and receiver on $port.
#   stop_receiver          stops it (by its process id).
#   run_tool ARGS...       the tool with ARGS in $dir: stats.json,
#                          tool.err, tool.rc, tool.ms (wall time).
#   ev EXPR / expect LABEL EXPR
#       a JavaScript expression over the case's files: s = the tool's JSON
#       line, r = the receiver's records, rc, ms, err (the tool's stderr).
#   compare LABEL          the requests answered with success, as decoded
#                          by the receiver, against $dir/expected.jsonl.
#   no_secret LABEL WORD   WORD is not in the tool's stderr.
#   pass, fail, finish     counting; finish prints the summary and fails
#                          when anything failed.

peers=$src/tests/peers
if [[ ! -x $tool ]]; then
  echo "$me: $tool is not an executable (build $(basename "$tool") first)" >&2
  exit 1
fi

# shellcheck source=peers.sh
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-$me.XXXXXX")
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
  echo "$me: $passed passed, $failed failed"
  ((failed == 0))
}

version=$(sed -n 's/^#define OTELC_VERSION_STRING "\(.*\)"$/\1/p' \
  "$src/include/otelc/version.h")

dir=""
port=""

start() { # KIND CASE [options...]
  stop_receiver
  local script=otlp_receiver.js
  [[ $1 == grpc ]] && script=otlp_grpc_receiver.js
  dir=$work/$2
  shift 2
  mkdir -p "$dir"
  node "$peers/$script" "$dir/port" "$dir/requests.jsonl" --idle-s 120 \
    "$@" 2>"$dir/receiver.err" &
  receiver_pid=$!
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -s $dir/port ]] && break
    kill -0 "$receiver_pid" 2>/dev/null || break
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

run_tool() {
  local rc=0 t0 t1
  t0=$(date +%s%N)
  timeout 120 "$tool" "$@" >"$dir/stats.json" 2>"$dir/tool.err" || rc=$?
  t1=$(date +%s%N)
  echo "$rc" >"$dir/tool.rc"
  echo $(((t1 - t0) / 1000000)) >"$dir/tool.ms"
}

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

expect() { # LABEL EXPR
  local v
  v=$(ev "$2" 2>"$dir/ev.err") || v="(error)"
  if [[ $v == true ]]; then
    pass "$1"
  else
    # shellcheck disable=SC2016 # JavaScript, not shell
    ev '`tool: ${JSON.stringify(s)}\nexit ${rc} after ${ms} ms\n` +
        r.map((x) => `request ${x.attempt}: ${x.path} ${x.contentType} ` +
          `${x.contentEncoding} ok=${x.ok} errors=` +
          JSON.stringify(x.errors.slice(0, 3)) + " answer=" +
          JSON.stringify(x.answer)).join("\n")' \
      >"$dir/summary.txt" 2>&1 || true
    echo "$2 -> $v" >"$dir/expr.txt"
    fail "$1" "$dir/expr.txt" "$dir/ev.err" "$dir/summary.txt" \
      "$dir/tool.err"
  fi
}

# The successful requests (HTTP 200 or gRPC OK) as the receiver decoded
# them, against what the tool described.
compare() {
  local label=$1
  ev 'r.filter((x) => x.request && x.answer &&
                      (x.answer.status === 200 || x.answer.code === 0))
       .map((x) => JSON.stringify(x.request)).join("\n")' \
    >"$dir/decoded.jsonl" 2>"$dir/ev.err" || true
  if [[ ! -s $dir/expected.jsonl ]]; then
    fail "$label (the tool described nothing)" "$dir/tool.err"
  elif timeout 60 node "$peers/${compare_js:-otlp_metrics_compare.js}" \
    check "$label" \
    "$dir/expected.jsonl" "$dir/decoded.jsonl"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}

no_secret() {
  if grep -qF -- "$2" "$dir/tool.err"; then
    fail "$1" "$dir/tool.err"
  else
    pass "$1"
  fi
}
