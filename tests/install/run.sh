#!/usr/bin/env bash
# ctest install.consumer: install a build tree into a temporary prefix,
# then build and run tests/install/main.c against it twice: once with
# find_package(otelc) (shared and static library), once with pkg-config.
#
#   run.sh BUILD_DIR SOURCE_DIR [CONFIG]
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR [CONFIG]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
config=${3:-}

step() { printf '\n--- install.consumer: %s\n' "$*"; }
fail() {
  printf 'install.consumer: FAILED: %s\n' "$*" >&2
  exit 1
}
# Run a command quietly; show its output only when it fails.
quiet() {
  local log
  log=$(mktemp "$work/log.XXXXXX")
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "command failed: $*"
  fi
}

cache_get() { # NAME -> value from the build's CMakeCache.txt, or empty
  sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" | head -n 1
}

[[ -f $build/CMakeCache.txt ]] || fail "$build is not a CMake build tree"

cc=$(cache_get CMAKE_C_COMPILER)
cc=${cc:-cc}
generator=$(cache_get CMAKE_GENERATOR)
libdir=$(cache_get CMAKE_INSTALL_LIBDIR)
libdir=${libdir:-lib}
includedir=$(cache_get CMAKE_INSTALL_INCLUDEDIR)
includedir=${includedir:-include}
if [[ -z $config ]]; then
  config=$(cache_get CMAKE_BUILD_TYPE)
fi
# A sanitized library needs sanitized programs on top of it.
sanitize=$(cache_get OTELC_SANITIZE)
san_flags=""
if [[ -n $sanitize ]]; then
  san_flags="-fsanitize=${sanitize//;/,} -fno-omit-frame-pointer"
fi
version=$(sed -n 's/^#define OTELC_VERSION_STRING "\(.*\)"$/\1/p' \
  "$src/include/otelc/version.h")
[[ -n $version ]] || fail "cannot read OTELC_VERSION_STRING from version.h"
major=${version%%.*}

work=$(mktemp -d "$build/install-test.XXXXXX")
if [[ -z ${OTELC_KEEP_INSTALL_TEST:-} ]]; then
  trap 'rm -rf "$work"' EXIT
fi
prefix=$work/prefix

step "cmake --install into $prefix"
install_args=(--install "$build" --prefix "$prefix")
[[ -n $config ]] && install_args+=(--config "$config")
quiet cmake "${install_args[@]}"
for f in "$includedir/otelc/otelc.h" "$includedir/otelc/version.h" \
  "$libdir/libotelc.so" "$libdir/libotelc.so.$major" "$libdir/libotelc.a" \
  "$libdir/cmake/otelc/otelcConfig.cmake" \
  "$libdir/cmake/otelc/otelcConfigVersion.cmake" \
  "$libdir/cmake/otelc/otelcTargets.cmake" \
  "$libdir/pkgconfig/otelc.pc"; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
  echo "installed: $f"
done
if find "$prefix/$includedir/otelc" -type f ! -name '*.h' | grep -q .; then
  fail "files other than headers installed under $includedir/otelc"
fi

run_consumer() { # EXE [ENV...]: run it, check that it prints the version
  local exe=$1 out
  shift
  out=$(env "$@" "$exe") || fail "$exe exited with status $?"
  echo "$out"
  [[ $out == "otelc $version" ]] || fail "$exe printed '$out', expected 'otelc $version'"
}

step "find_package(otelc CONFIG REQUIRED) consumer"
cmake_args=(
  -S "$src/tests/install"
  -DCMAKE_C_COMPILER="$cc"
  -DCMAKE_PREFIX_PATH="$prefix"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
  -DCMAKE_C_FLAGS="$san_flags"
  -DCMAKE_EXE_LINKER_FLAGS="$san_flags"
)
[[ -n $generator ]] && cmake_args+=(-G "$generator")
[[ -n $config ]] && cmake_args+=(-DCMAKE_BUILD_TYPE="$config")
quiet cmake "${cmake_args[@]}" -B "$work/consumer" \
  -DOTELC_REQUIRE_VERSION="$version"
found_dir=$(sed -n 's/^otelc_DIR:[A-Z]*=//p' "$work/consumer/CMakeCache.txt")
[[ $found_dir == "$prefix"/* ]] ||
  fail "find_package found otelc in '$found_dir', not in the test prefix"
echo "otelc_DIR=$found_dir"
quiet cmake --build "$work/consumer"
run_consumer "$work/consumer/consumer"
run_consumer "$work/consumer/consumer_static"
if command -v ldd >/dev/null 2>&1; then
  ldd "$work/consumer/consumer" | grep -F "$prefix/$libdir/libotelc.so.$major" ||
    fail "consumer does not load the installed libotelc.so.$major"
  if ldd "$work/consumer/consumer_static" | grep -q 'libotelc\.so'; then
    fail "consumer_static depends on libotelc.so"
  fi
fi

step "find_package refuses an incompatible major version"
if cmake "${cmake_args[@]}" -B "$work/consumer-wrong" \
  -DOTELC_REQUIRE_VERSION="$((major + 1)).0" >"$work/wrong.log" 2>&1; then
  cat "$work/wrong.log" >&2
  fail "find_package(otelc $((major + 1)).0) accepted version $version"
fi
echo "find_package(otelc $((major + 1)).0) rejected, as it should be"

step "pkg-config consumer"
command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not found"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
pc_version=$(pkg-config --modversion otelc)
[[ $pc_version == "$version" ]] ||
  fail "pkg-config reports version '$pc_version', expected '$version'"
pc_flags=$(pkg-config --cflags --libs otelc)
echo "pkg-config --cflags --libs otelc: $pc_flags"
pc_static=$(pkg-config --static --libs otelc)
[[ $pc_static == *-pthread* ]] ||
  fail "pkg-config --static --libs otelc lacks -pthread: $pc_static"
# shellcheck disable=SC2086 # flag lists are meant to be split
quiet "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror $san_flags \
  "$src/tests/install/main.c" -o "$work/consumer_pc" $pc_flags
run_consumer "$work/consumer_pc" LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

printf '\ninstall.consumer: OK (otelc %s)\n' "$version"
