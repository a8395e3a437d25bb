# shellcheck shell=bash disable=SC2034
# The plumbing of the OTLP integration scripts (sourced, not run): the
# arguments, the JS peers, a work directory, the environment kept out of
# the tool, the check counters, one receiver at a time, the tool's runs and
# the checks over them.
#
# Needs: $me (the script's name). Optionally, before `setup`: $suite (the
# name in the summary line; $me by default), $compare_js (the comparison
# of tests/peers that `compare` runs; otlp_metrics_compare.js by default)
# and $expected (the file the tool describes its data in, in the case's
# directory; expected.jsonl by default). Provides:
#   setup TOOL-NAME "$@"   checks the arguments (<tool> <source-dir>): $tool,
#                          $tool_name, $src, $peers, $work (removed on
#                          exit), $version;
#                          installs the JS peers when needed.
#   banner [TEXT...]       the versions line; grpc_js_version prints the
#                          @grpc/grpc-js version.
#   pass LABEL, fail LABEL [FILE...], counted CMD..., die LABEL [FILE...],
#   finish                 counting; die counts a failure, prints the
#                          summary and exits; finish prints the summary and
#                          fails when anything failed.
#   start KIND CASE [receiver options...]
#       KIND http (tests/peers/otlp_receiver.js) or grpc
#       (otlp_grpc_receiver.js); a fresh $dir and receiver on $port.
#   stop_receiver          stops it (by its process id).
#   http_variant PROTOCOL plain|gzip
#                          a fresh HTTP receiver for one of the four
#                          OTLP/HTTP variants: $name, $ctype, $enc (a
#                          JavaScript value) and $opts (the tool's options).
#   run_tool ARGS...       the tool with ARGS in $dir: stats.json,
#                          tool.err, tool.rc, tool.ms (wall time); $wrap (an
#                          array) goes before the tool, e.g. valgrind.
#   run_tool_with NAME=VALUE... -- ARGS...
#                          the same with variables whose names are made up.
#   ev EXPR / expect LABEL EXPR
#       a JavaScript expression over the case's files: s = the tool's JSON
#       line, r = the receiver's records, rc, ms, err (the tool's stderr),
#       warns (otelc's warning and error lines in it), rerr (the
#       receiver's stderr).
#   compare LABEL [OPTIONS...]
#                          the requests answered with success, as decoded
#                          by the receiver, against $dir/$expected.
#   no_secret LABEL WORD   WORD is not in the tool's stderr.
#   make_ca NAME SUBJECT, make_cert NAME CA SUBJECT EXTENSION...,
#   make_server_pki        a throwaway PKI in $pki (openssl; fail when
#                          openssl does).

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
counted() { # command...: a check that prints its own verdict
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
}
finish() {
  echo "${suite:-$me}: $passed passed, $failed failed"
  ((failed == 0))
}
die() { # label [file-with-details]...: a failure that ends the script
  fail "$@"
  finish || true
  exit 1
}

receiver_pid=""
stop_receiver() {
  if [[ -n $receiver_pid ]]; then
    kill "$receiver_pid" 2>/dev/null || true
    wait "$receiver_pid" 2>/dev/null || true
    receiver_pid=""
  fi
}
work=""
cleanup() {
  stop_receiver
  if [[ -n $work ]]; then
    rm -rf "$work"
  fi
}

setup() { # tool-name <tool> <source-dir>
  local name=$1
  shift
  tool_name=$name
  if (($# != 2)); then
    echo "usage: $0 <$name> <source-dir>" >&2
    exit 2
  fi
  tool=$1
  src=$2
  peers=$src/tests/peers
  if [[ ! -x $tool ]]; then
    echo "$me: $tool is not an executable (build $name first)" >&2
    exit 1
  fi

  # shellcheck source=peers.sh
  source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

  work=$(mktemp -d "${TMPDIR:-/tmp}/otelc-$me.XXXXXX")
  trap cleanup EXIT

  # The tool configures otelc in code: only what a case sets reaches it;
  # no OTEL_* variable, no proxy (libcurl would honour one) and no OpenSSL
  # default store pointing somewhere else.
  local var
  while IFS= read -r var; do
    unset "$var"
  done < <(compgen -e | grep -E '^OTEL_' || true)
  unset http_proxy https_proxy all_proxy ALL_PROXY HTTPS_PROXY no_proxy \
    NO_PROXY SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE

  version=$(sed -n 's/^#define OTELC_VERSION_STRING "\(.*\)"$/\1/p' \
    "$src/include/otelc/version.h")
}

grpc_js_version() {
  node -p "require('$peers/node_modules/@grpc/grpc-js/package.json').version"
}

# shellcheck disable=SC2120 # the arguments are optional
banner() { # [text...]: what else is worth naming
  echo "$me: $tool; Node.js $(node -v);" "${@/%/;}" \
    "@opentelemetry/otlp-transformer $transformer_version;" \
    "protobufjs $protobufjs_version"
}

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
    die "the receiver started ($script $*)" "$dir/receiver.err"
  fi
  port=$(<"$dir/port")
  touch "$dir/requests.jsonl"
}

http_variant() { # protobuf|json plain|gzip
  name="http/$1, $2"
  ctype=application/x-protobuf
  [[ $1 == json ]] && ctype=application/json
  enc=null
  opts=(--protocol "$1")
  if [[ $2 == gzip ]]; then
    enc='"gzip"'
    opts+=(--gzip)
  fi
  start http "$1-$2"
}

wrap=()
run_tool() {
  local rc=0 t0 t1
  t0=$(date +%s%N)
  timeout 120 "${wrap[@]}" "$tool" "$@" >"$dir/stats.json" \
    2>"$dir/tool.err" || rc=$?
  t1=$(date +%s%N)
  echo "$rc" >"$dir/tool.rc"
  echo $(((t1 - t0) / 1000000)) >"$dir/tool.ms"
}

run_tool_with() {
  while [[ $1 != -- ]]; do
    local -x "$1"
    shift
  done
  shift
  run_tool "$@"
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
    const warns = err.split("\n")
      .filter((l) => /^otelc: (warning|error|fatal):/.test(l));
    const rerr = read("receiver.err");
    const v = new Function("s", "r", "rc", "ms", "err", "warns", "rerr",
                           `return (${process.argv[2]});`)(
      s, r, rc, ms, err, warns, rerr);
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
          `${x.contentEncoding} flag=${x.compressedFlag} ok=${x.ok} ` +
          `tls=${JSON.stringify(x.tls)} errors=` +
          JSON.stringify((x.errors || []).slice(0, 3)) + " answer=" +
          JSON.stringify(x.answer)).join("\n")' \
      >"$dir/summary.txt" 2>&1 || true
    echo "$2 -> $v" >"$dir/expr.txt"
    fail "$1" "$dir/expr.txt" "$dir/ev.err" "$dir/summary.txt" \
      "$dir/tool.err" "$dir/receiver.err"
  fi
}

# The successful requests (HTTP 200 or gRPC OK) as the receiver decoded
# them, against what the tool described.
compare() { # LABEL [options of the comparison...]
  local label=$1
  shift
  ev 'r.filter((x) => x.request && x.answer &&
                      (x.answer.status === 200 || x.answer.code === 0))
       .map((x) => JSON.stringify(x.request)).join("\n")' \
    >"$dir/decoded.jsonl" 2>"$dir/ev.err" || true
  if [[ ! -s $dir/${expected:-expected.jsonl} ]]; then
    fail "$label (the tool described nothing)" "$dir/tool.err"
  else
    counted timeout 60 node "$peers/${compare_js:-otlp_metrics_compare.js}" \
      check "$label" "$dir/${expected:-expected.jsonl}" \
      "$dir/decoded.jsonl" "$@"
  fi
}

no_secret() {
  if grep -qF -- "$2" "$dir/tool.err"; then
    fail "$1" "$dir/tool.err"
  else
    pass "$1"
  fi
}

# ---------------------------------------------------------------- PKI --
# Certificates on the P-256 curve, valid for two days, in $pki; the
# output of openssl goes to $pki/openssl.log.
pki=""
ossl() {
  timeout 60 openssl "$@" >>"$pki/openssl.log" 2>&1
}
pki_dir() {
  if [[ -z $pki ]]; then
    if ! command -v openssl >/dev/null 2>&1; then
      echo "$me: 'openssl' not found on PATH; it makes the test" \
        "certificates (scripts/deps.sh installs it)" >&2
      return 1
    fi
    pki=$work/pki
    mkdir -p "$pki"
  fi
}

make_ca() { # NAME SUBJECT: $pki/NAME.pem and NAME.key
  pki_dir || return 1
  ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$pki/$1.key" -out "$pki/$1.pem" -days 2 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
}

# make_cert NAME CA SUBJECT EXTENSIONS...: $pki/NAME.pem and NAME.key,
# issued by CA, with one extension per argument.
make_cert() {
  local name=$1 ca=$2 subject=$3
  shift 3
  pki_dir || return 1
  printf '%s\n' "authorityKeyIdentifier=keyid" "$@" >"$pki/$name.ext"
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" -subj "/CN=$subject" ||
    return 1
  ossl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.pem" \
    -CAkey "$pki/$ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/$name.ext" -out "$pki/$name.pem"
}

server_ext=("basicConstraints=critical,CA:FALSE"
  "keyUsage=critical,digitalSignature"
  "extendedKeyUsage=serverAuth")

# make_server_pki: $pki/ca.pem and a server certificate for 127.0.0.1
# issued by it ($pki/server.pem and server.key).
make_server_pki() {
  make_ca ca "otelc $me test CA" &&
    make_cert server ca "127.0.0.1" "${server_ext[@]}" \
      "subjectAltName=IP:127.0.0.1"
}
