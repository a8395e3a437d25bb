#!/usr/bin/env bash
# Install what otelc's build, tests and demo need, from Debian's packages,
# when it is missing. Safe to run again: installed packages are left alone,
# and `apt-get update` runs only when something has to be installed.
#
#   scripts/deps.sh            install what is missing
#   OTELC_SKIP_DEPS=1 ...      do nothing (offline machines, other distros)
set -euo pipefail

if [[ -n ${OTELC_SKIP_DEPS:-} ]]; then
  echo "deps: OTELC_SKIP_DEPS is set; not checking packages"
  exit 0
fi

packages=(
  # build
  cmake ninja-build gcc clang pkg-config binutils
  # tests: clang's sanitizer and libFuzzer runtimes, unit tests, memcheck
  libclang-rt-14-dev libcmocka-dev valgrind
  # OTLP export (HTTP, TLS, gzip) and the JavaScript peers of the tests
  libcurl4-openssl-dev zlib1g-dev nodejs npm libnats-dev openssl
  # the Prometheus endpoint, and Prometheus/promtool that scrape and lint it
  libmicrohttpd-dev prometheus
  # the curl command the Prometheus tests scrape and query with
  curl
)

# A package counts as present when dpkg has it installed, or, for tools
# that are often installed some other way (Node.js from its own packages
# bundles npm), when the command is on PATH.
command_for() {
  case $1 in
    nodejs) echo node ;;
    npm) echo npm ;;
    pkg-config) echo pkg-config ;;
    *) echo "" ;;
  esac
}

is_installed() {
  local status cmd
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] && return 0
  cmd=$(command_for "$1")
  [[ -n $cmd ]] && command -v "$cmd" >/dev/null 2>&1
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: this is not a Debian-like system; install these yourself:" >&2
  echo "  ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "deps: not root and sudo not found; install as root:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=300 -q)
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${apt_opts[@]}" update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null
echo "deps: done"
