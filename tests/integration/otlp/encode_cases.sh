# shellcheck shell=bash disable=SC2154
# The checks that the OTLP metrics and logs encoders share (sourced after
# otlp_lib.sh, not run): `$tool encode` writes the signal's hand-made data
# as protobuf and as OTLP/JSON and describes it; tests/peers/otlp_decode.js
# decodes both strictly with the official schema, $compare_js compares
# each with the description, and broken variants of otelc's own output
# show that the decoder and the comparison fail when they should.
#
# Needs:
#   signal      metrics or logs (otlp_decode.js's kind)
#   what        what the tool encodes, for the labels ("the collection")
#   equals      what the comparison checks ("every field equals ...")
#   mutate_var, mutate_of
#               the name a variant's JavaScript gets for part of the
#               decoded document, and the expression over doc it stands
#               for
# Provides decode, encode_cases, compare_cases, mutate, rejects,
# pb_variants, differs; $decoded_pb and $decoded_json are the decodings
# (empty when one failed).

decode() { # format file
  timeout 60 node "$peers/otlp_decode.js" "$1" "$2" "$signal"
}
compare_files() { # label expected decoded
  timeout 60 node "$peers/$compare_js" check "$@"
}

# encode_cases [other file the tool writes...]: encodes, then decodes both
# encodings; ends the script when the tool did not write its files.
encode_cases() {
  local f
  if ! timeout 60 "$tool" encode "$work" 2>"$work/tool.err"; then
    die "$tool_name encode" "$work/tool.err"
  fi
  for f in request.pb request.json expected.jsonl "$@"; do
    if [[ ! -s $work/$f ]]; then
      die "$tool_name wrote $f"
    fi
  done
  pass "$tool_name encoded $what"

  decoded_pb=""
  if decode pb "$work/request.pb" >"$work/pb.jsonl" 2>"$work/pb.err"; then
    pass "protobuf: decoded by the official schema, identical bytes again"
    decoded_pb=$work/pb.jsonl
  else
    fail "protobuf: decoded by the official schema, identical bytes again" \
      "$work/pb.err"
  fi

  if [[ $(tr -cd '\n' <"$work/request.json" | wc -c) -eq 0 ]]; then
    pass "json: one line without a newline"
  else
    fail "json: one line without a newline"
  fi

  decoded_json=""
  if decode json "$work/request.json" >"$work/json.jsonl" \
    2>"$work/json.err"; then
    pass "json: decoded strictly by the official schema"
    decoded_json=$work/json.jsonl
  else
    fail "json: decoded strictly by the official schema" "$work/json.err"
  fi
}

# Each decoding against the description, and the two with each other.
compare_cases() {
  if [[ -n $decoded_pb ]]; then
    counted compare_files "protobuf: $equals" "$work/expected.jsonl" \
      "$decoded_pb"
  else
    fail "protobuf: $equals (not decoded)"
  fi
  if [[ -n $decoded_json ]]; then
    counted compare_files "json: $equals" "$work/expected.jsonl" \
      "$decoded_json"
  else
    fail "json: $equals (not decoded)"
  fi
  if [[ -n $decoded_pb && -n $decoded_json ]]; then
    counted timeout 60 node "$peers/otlp_compare.js" same \
      "protobuf and JSON carry the same request" "$decoded_pb" "$decoded_json"
  else
    fail "protobuf and JSON carry the same request (not decoded)"
  fi
}

# mutate IN OUT JS-BODY: the body gets text, doc (the first line, parsed)
# and $mutate_var; it changes doc, or returns the new text.
mutate() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  timeout 30 node -e '
    const fs = require("fs");
    const [input, output, body, name, of] = process.argv.slice(1);
    const text = fs.readFileSync(input, "utf8").trim();
    const doc = JSON.parse(text.split("\n")[0]);
    const part = new Function("doc", `return (${of});`)(doc);
    const r = new Function("text", "doc", name, body)(text, doc, part);
    fs.writeFileSync(output,
                     typeof r === "string" ? r : `${JSON.stringify(doc)}\n`);
  ' "$1" "$2" "$3" "$mutate_var" "$mutate_of"
}

rejects() { # label format file expected-substring
  local label="decoder rejects $1"
  if decode "$2" "$3" >/dev/null 2>"$work/neg.err"; then
    fail "$label (it was accepted)"
  elif ! grep -qF -- "$4" "$work/neg.err"; then
    fail "$label (the error does not mention '$4')" "$work/neg.err"
  else
    pass "$label"
  fi
}

# An unknown field appended to the protobuf request, and the request cut
# short.
pb_variants() {
  cp "$work/request.pb" "$work/p1.pb"
  printf '\x98\x06\x01' >>"$work/p1.pb"
  rejects "an unknown protobuf field" pb "$work/p1.pb" "are not fields of"
  head -c -3 "$work/request.pb" >"$work/p2.pb"
  rejects "a truncated protobuf request" pb "$work/p2.pb" "not a valid"
}

differs() { # label decoded-file expected-substring
  local label="comparison catches $1"
  if compare_files "$label" "$work/expected.jsonl" "$2" >"$work/cmp.out" \
    2>&1; then
    fail "$label (it passed)"
  elif ! grep -qF -- "$3" "$work/cmp.out"; then
    fail "$label (the report does not mention '$3')" "$work/cmp.out"
  else
    pass "$label"
  fi
}
