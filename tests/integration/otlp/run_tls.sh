#!/usr/bin/env bash
# otelc's OTLP/HTTP exporter (libotelc_otlp) over TLS, against a real
# HTTPS receiver.
#
#   run_tls.sh <otlp_tool> <source-dir>
#
# A throwaway PKI is made with openssl in a temporary directory: a CA, a
# server certificate for IP 127.0.0.1 signed by it, a client certificate
# signed by it (mutual TLS), a second, unrelated CA, a client certificate
# signed by that one, and a server certificate for "localhost" only.
# tests/peers/otlp_receiver.js serves HTTPS with them (--tls, and
# --client-ca for mutual TLS) and decodes every request with the official
# OpenTelemetry schema; `otlp_tool http` exports the rich trace of the
# encoding tests, configured through OTEL_EXPORTER_OTLP_* only. Cases:
#
#   - the CA given by OTEL_EXPORTER_OTLP_CERTIFICATE: the export succeeds
#     and the decoded spans equal what otelc recorded (otlp_compare.js);
#     http/protobuf and http/json with gzip, per-signal and generic
#     variables, two exports over the same connection;
#   - no CA given (the system's store does not know the test CA), a wrong
#     CA, a certificate for another host name, a CA file that does not
#     exist: the export fails cleanly: the program exits normally, the
#     spans are dropped and counted, the receiver got no request, one
#     warning says what went wrong with the certificate, and it is over
#     well within the timeout;
#   - mutual TLS: with the client certificate and key
#     (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, _CLIENT_KEY) the export
#     succeeds and the receiver saw the certificate; without one, or with
#     one from another CA, it fails cleanly (a TLS 1.3 server refuses the
#     client after the handshake, which the exporter retries as a
#     transport failure until the timeout: the number of attempts is
#     printed as a note);
#   - under valgrind (when installed and the build is not sanitized): a
#     successful mutual TLS export and a failed verification leak nothing.
#
# Node.js, npm and openssl are required (scripts/deps.sh installs them);
# the JS packages are installed from tests/peers/package-lock.json when
# needed.
set -euo pipefail

me=run_tls
suite=otlp-tls
compare_js=otlp_compare.js expected=expected.json
# shellcheck source=otlp_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/otlp_lib.sh"
setup otlp_tool "$@"
banner "$(openssl version 2>/dev/null || echo no openssl)"

# ---------------------------------------------------------------- PKI --
client_ext=("basicConstraints=critical,CA:FALSE"
  "keyUsage=critical,digitalSignature"
  "extendedKeyUsage=clientAuth")
{
  make_ca ca "otelc test CA" &&
    make_ca other-ca "otelc unrelated test CA" &&
    make_cert server ca "127.0.0.1" "${server_ext[@]}" \
      "subjectAltName=IP:127.0.0.1" &&
    make_cert localhost ca "localhost" "${server_ext[@]}" \
      "subjectAltName=DNS:localhost" &&
    make_cert client ca "otelc test client" "${client_ext[@]}" &&
    make_cert other-client other-ca "otelc unrelated client" \
      "${client_ext[@]}"
} || die "openssl made the test certificates" "${pki:+$pki/openssl.log}"
ossl_log=$pki/openssl.log
if timeout 30 openssl verify -CAfile "$pki/ca.pem" "$pki/server.pem" \
  "$pki/localhost.pem" "$pki/client.pem" >>"$ossl_log" 2>&1 &&
  ! timeout 30 openssl verify -CAfile "$pki/other-ca.pem" \
    "$pki/server.pem" >>"$ossl_log" 2>&1; then
  pass "the test certificates verify against their CA only"
else
  fail "the test certificates verify against their CA only" "$ossl_log"
fi

# ------------------------------------------------------------- helpers --
# https CASE [receiver options...]: a fresh directory and HTTPS receiver
# (the server certificate for 127.0.0.1 unless --tls is among the
# options).
https() {
  local tls=(--tls "$pki/server.pem" "$pki/server.key") a
  for a in "${@:2}"; do
    [[ $a == --tls ]] && tls=()
  done
  start http "$1" "${tls[@]}" "${@:2}"
}

# export_spans [otlp_tool http options...]: the rich trace through a batch
# processor into the exporter, configured by the caller's environment;
# what otelc recorded in $dir/expected.json.
export_spans() { run_tool http "$dir/expected.json" "$@"; }

# handshake_refused LABEL: the receiver reports a failed TLS handshake
# (the client did connect, then one side gave up on the certificates);
# waits up to 5 s for the line.
handshake_refused() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q 'TLS handshake failed' "$dir/receiver.err" && break
    sleep 0.05
  done
  if grep -q 'TLS handshake failed' "$dir/receiver.err"; then
    pass "$1"
  else
    fail "$1" "$dir/receiver.err" "$dir/tool.err"
  fi
}

url() { echo "https://127.0.0.1:$port/v1/traces"; }

ran_ok='rc === 0 && s.new === "OK" && s.shutdown === "OK"'
exported='s.exports === 1 && s.attempts === 1 && s.succeeded === 1 &&
  s.failed === 0 && s.last_http_status === 200 &&
  s.processor.exported === 4 && s.processor.export_failed === 0'
# The export timeout of the failure cases, and how long they may take.
fail_timeout_ms=5000
within="ms < $((fail_timeout_ms + 2000)) &&
  s.flush_ms < $((fail_timeout_ms + 2000))"
dropped='s.exports === 1 && s.succeeded === 0 && s.failed === 1 &&
  s.last_http_status === 0 && s.processor.exported === 0 &&
  s.processor.export_failed === 4'

# clean_failure NAME WHAT PATTERN: the checks of a failed TLS export, WHAT
# its description; the one warning must match the regular expression
# PATTERN (JavaScript, case-insensitive).
clean_failure() {
  local name=$1 what=$2 pattern=$3
  expect "$name: the program exits normally" "$ran_ok"
  expect "$name: the spans are dropped and counted (failed 1, succeeded 0)" \
    "$dropped"
  expect "$name: the receiver got no request" "r.length === 0"
  expect "$name: one warning, about $what" \
    "warns.length === 1 && /$pattern/i.test(warns[0]) &&
     warns[0].includes('spans are dropped')"
  expect "$name: over within the ${fail_timeout_ms} ms timeout + 2 s" \
    "$within"
}

# ----------------------------------------------------- a trusted CA --
https trusted
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/ca.pem \
  export_spans
name="https with OTEL_EXPORTER_OTLP_CERTIFICATE"
expect "$name: exported once, nothing failed" "$ran_ok && $exported"
expect "$name: one POST over TLS, decoded" \
  "r.length === 1 && r[0].method === 'POST' && r[0].path === '/v1/traces' &&
   r[0].contentType === 'application/x-protobuf' && r[0].ok === true &&
   /^TLSv1\\.[23]$/.test(r[0].tls.protocol) &&
   r[0].tls.clientSubject === null"
expect "$name: no warning" "warns.length === 0"
compare "$name: every span equals what otelc recorded" --requests 1

https generic
OTEL_EXPORTER_OTLP_ENDPOINT=https://127.0.0.1:$port \
  OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE=$pki/ca.pem \
  OTEL_EXPORTER_OTLP_PROTOCOL=http/json \
  OTEL_EXPORTER_OTLP_COMPRESSION=gzip \
  export_spans --batch 2
name="OTEL_EXPORTER_OTLP_ENDPOINT=https://..., _TRACES_CERTIFICATE, json, gzip"
expect "$name: two exports, both succeed" \
  "$ran_ok && s.exports === 2 && s.attempts === 2 && s.succeeded === 2 &&
   s.failed === 0 && s.processor.exported === 4"
expect "$name: two decoded JSON+gzip POSTs to /v1/traces over TLS" \
  "r.length === 2 && r.every((x) => x.ok && x.path === '/v1/traces' &&
     x.contentType === 'application/json' && x.contentEncoding === 'gzip' &&
     /^TLSv1\\.[23]$/.test(x.tls.protocol))"
compare "$name: every span equals what otelc recorded" --requests 2

# ------------------------------------------------- untrusted servers --
https no-ca
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  export_spans --timeout "$fail_timeout_ms"
clean_failure "no OTEL_EXPORTER_OTLP_CERTIFICATE" \
  "the server's certificate" 'certificate'
handshake_refused "no OTEL_EXPORTER_OTLP_CERTIFICATE: the exporter refused the handshake"

https wrong-ca
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/other-ca.pem \
  export_spans --timeout "$fail_timeout_ms"
clean_failure "a CA that did not issue the server's certificate" \
  "the server's certificate" 'certificate'
handshake_refused "a CA that did not issue the server's certificate: the exporter refused the handshake"

https wrong-host --tls "$pki/localhost.pem" "$pki/localhost.key"
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/ca.pem \
  export_spans --timeout "$fail_timeout_ms"
clean_failure "a certificate for localhost only, reached as 127.0.0.1" \
  "the host name" '(name|host).*127\.0\.0\.1'

https missing-ca
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$work/no-such-dir/ca.pem \
  export_spans --timeout "$fail_timeout_ms"
name="OTEL_EXPORTER_OTLP_CERTIFICATE naming a missing file"
expect "$name: the program exits normally" "$ran_ok"
expect "$name: the spans are dropped and counted" "$dropped"
expect "$name: the receiver got no request" "r.length === 0"
expect "$name: one warning names the variable and the file" \
  "warns.filter((l) => l.includes('OTEL_EXPORTER_OTLP_CERTIFICATE') &&
     l.includes('no-such-dir/ca.pem')).length === 1"
expect "$name: one warning for the failed export, about the file" \
  "warns.filter((l) => l.includes('spans are dropped')).length === 1 &&
   /certificate|CA/i.test(warns.find((l) => l.includes('spans are dropped')))"
expect "$name: over within the ${fail_timeout_ms} ms timeout + 2 s" "$within"

# --------------------------------------------------------- mutual TLS --
mtls=(--client-ca "$pki/ca.pem")

https mtls "${mtls[@]}"
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/ca.pem \
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=$pki/client.pem \
  OTEL_EXPORTER_OTLP_CLIENT_KEY=$pki/client.key \
  export_spans
name="mutual TLS with the client certificate and key"
expect "$name: exported once, nothing failed" "$ran_ok && $exported"
expect "$name: the receiver saw the client certificate" \
  "r.length === 1 && r[0].ok === true &&
   r[0].tls.clientSubject === 'otelc test client'"
expect "$name: no warning" "warns.length === 0"
compare "$name: every span equals what otelc recorded" --requests 1

# A TLS 1.3 server checks the client's certificate after the client has
# finished its handshake: the refusal comes as an alert on the first read.
https mtls-none "${mtls[@]}"
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/ca.pem \
  export_spans --timeout "$fail_timeout_ms"
clean_failure "mutual TLS without a client certificate" \
  "the client certificate" 'certificate'
handshake_refused "mutual TLS without a client certificate: the receiver refused the handshake"
echo "note  mutual TLS without a client certificate:" \
  "$(ev 's.attempts') attempt(s) in $(ev 'ms') ms"

# Node's TLS server closes the connection of a client whose certificate it
# does not trust without sending an alert: the exporter cannot tell why,
# so only the presence of its one warning is checked.
https mtls-other "${mtls[@]}"
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
  OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/ca.pem \
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=$pki/other-client.pem \
  OTEL_EXPORTER_OTLP_CLIENT_KEY=$pki/other-client.key \
  export_spans --timeout "$fail_timeout_ms"
clean_failure "mutual TLS with a client certificate from another CA" \
  "the failed export" '.'
handshake_refused "mutual TLS with a client certificate from another CA: the receiver refused the handshake"
echo "note  mutual TLS with a client certificate from another CA:" \
  "$(ev 's.attempts') attempt(s) in $(ev 'ms') ms"

# ----------------------------------------------------------- valgrind --
sanitized=false
if grep -aqE '__(asan|tsan|msan|ubsan)_' "$tool"; then
  sanitized=true
fi
# valgrind must be able to read the tool's debug information: Debian 12's
# valgrind 3.19 gives up on the DWARF 5 that clang 14 writes by default.
readable=true
if command -v valgrind >/dev/null 2>&1; then
  probe=$(valgrind "$tool" --help 2>&1 || true)
  if [[ $probe == *"debuginfo reader"* ]]; then
    readable=false
  fi
fi
if ! command -v valgrind >/dev/null 2>&1; then
  echo "skip  valgrind: not installed"
elif $sanitized; then
  echo "skip  valgrind: otlp_tool is built with a sanitizer"
elif ! $readable; then
  echo "skip  valgrind: this valgrind cannot read the tool's debug information"
else
  wrap=(valgrind -q --error-exitcode=99 --leak-check=full
    "--errors-for-leak-kinds=definite,indirect"
    "--show-leak-kinds=definite,indirect" --num-callers=30)
  if [[ -f $src/tests/valgrind.supp ]]; then
    wrap+=("--suppressions=$src/tests/valgrind.supp")
  fi

  https vg-mtls "${mtls[@]}"
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
    OTEL_EXPORTER_OTLP_CERTIFICATE=$pki/ca.pem \
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=$pki/client.pem \
    OTEL_EXPORTER_OTLP_CLIENT_KEY=$pki/client.key \
    export_spans
  expect "valgrind, mutual TLS export: succeeds, no memory error or leak" \
    "$ran_ok && $exported && r.length === 1"

  https vg-no-ca
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=$(url) \
    export_spans --timeout "$fail_timeout_ms"
  expect "valgrind, no CA: fails cleanly, no memory error or leak" \
    "$ran_ok && $dropped && r.length === 0"
  wrap=()
fi

stop_receiver
finish
