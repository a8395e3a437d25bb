# shellcheck shell=bash disable=SC2154,SC2034
# Sourced by otlp_lib.sh and bench/otlp_e2e.sh (not run): checks for
# Node.js and npm and installs the JS peers pinned in
# tests/peers/package-lock.json with `npm ci` when node_modules is missing
# or older than the lock file, one installer at a time (as
# run_propagation.sh does).
#
# Needs: $peers (tests/peers) and $me (the script's name, for messages).

for cmd in node npm; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "$me: '$cmd' not found on PATH. The JavaScript peers of this" \
      "test need Node.js (>= 20) and npm; install them with" \
      "scripts/deps.sh (Debian packages nodejs and npm)." >&2
    exit 1
  fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "$me: Node.js $(node -v) is too old; 20 or newer is needed" >&2
  exit 1
fi

peers_need_install() {
  [[ ! -f $peers/node_modules/.package-lock.json ]] ||
    [[ $peers/package-lock.json -nt $peers/node_modules/.package-lock.json ]] ||
    [[ $peers/package.json -nt $peers/node_modules/.package-lock.json ]]
}

peers_install() {
  if peers_need_install; then
    echo "$me: installing the JS peers (npm ci in $peers)"
    (cd "$peers" && timeout 240 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if peers_need_install; then
  if command -v flock >/dev/null 2>&1; then
    # Another test may be installing the same tree: one at a time.
    (
      flock -w 300 9 || {
        echo "$me: timed out waiting for $peers/.install.lock" >&2
        exit 1
      }
      peers_install
    ) 9>"$peers/.install.lock"
  else
    peers_install
  fi
fi

transformer_version=$(node -p \
  "require('$peers/node_modules/@opentelemetry/otlp-transformer/package.json').version")
protobufjs_version=$(node -p \
  "require('$peers/node_modules/protobufjs/package.json').version")
