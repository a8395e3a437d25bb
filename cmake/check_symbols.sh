#!/usr/bin/env bash
# Compare the dynamic symbols exported by libotelc with the committed list.
#
#   check_symbols.sh LIBRARY LIST [BUILD_DIR]            check (ctest: abi.exported_symbols)
#   check_symbols.sh --update LIBRARY LIST [BUILD_DIR]   rewrite LIST from LIBRARY
#
# LIST holds one symbol per line, sorted (LC_ALL=C); blank lines and lines
# starting with '#' are ignored. Every exported symbol must start with
# "otelc_" and must not start with "otelc__" (internal names).
set -euo pipefail

update=0
if [[ ${1:-} == --update ]]; then
  update=1
  shift
fi
if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 [--update] LIBRARY SYMBOL_LIST [BUILD_DIR]" >&2
  exit 2
fi
lib=$1
list=$2
build_dir=${3:-<build-dir>}
export LC_ALL=C

if [[ ! -f $lib ]]; then
  echo "check_symbols: library not found: $lib (build it first)" >&2
  exit 1
fi
NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
  echo "check_symbols: '$NM' not found (Debian package binutils)" >&2
  exit 1
fi

# Defined, global dynamic symbols: functions (T), data (D, B, R, G, S),
# weak (W, V), indirect functions (i) and unique globals (u). Versions
# (name@@VER) are stripped. Symbols the toolchain adds by itself (linker
# markers, sanitizer and coverage instrumentation) are not the library's.
current_symbols() {
  "$NM" -D --defined-only "$lib" |
    awk 'NF >= 3 && $2 ~ /^[TDBRGSWViu]$/ { print $3 }' |
    sed -e 's/@.*$//' |
    grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$|^(__odr_asan|__asan_|___asan|__ubsan_|__tsan_|__lsan_|__msan_|__sanitizer_|__gcov_|__llvm_)' |
    sort -u || true
}

indent() { sed 's/^/  /'; }

current=$(current_symbols)
if [[ -z $current ]]; then
  echo "check_symbols: $lib exports no symbols at all" >&2
  exit 1
fi

bad=$(grep -Ev '^otelc_' <<<"$current" || true)
internal=$(grep -E '^otelc__' <<<"$current" || true)
status=0
if [[ -n $bad ]]; then
  echo "check_symbols: exported symbols without the otelc_ prefix" >&2
  echo "(make them static, or leave them without OTELC_API):" >&2
  indent <<<"$bad" >&2
  status=1
fi
if [[ -n $internal ]]; then
  echo "check_symbols: internal otelc__ symbols are exported" >&2
  echo "(internal functions must not be marked OTELC_API):" >&2
  indent <<<"$internal" >&2
  status=1
fi

if ((update)); then
  if ((status)); then
    echo "check_symbols: $list not written; fix the names above first" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$list")"
  printf '%s\n' "$current" >"$list.tmp"
  mv "$list.tmp" "$list"
  echo "check_symbols: wrote $(wc -l <"$list") symbols to $list"
  exit 0
fi

if [[ ! -f $list ]]; then
  echo "check_symbols: symbol list not found: $list" >&2
  exit 1
fi
expected=$(grep -Ev '^[[:space:]]*(#|$)' "$list" | sed 's/[[:space:]]*$//' | sort -u || true)

if [[ $current != "$expected" ]]; then
  echo "check_symbols: exported symbols of $lib differ from $list" >&2
  echo "('-' listed but not exported, '+' exported but not listed)" >&2
  diff -u --label "$list" --label "$lib" \
    <(printf '%s\n' "$expected" | sed '/^$/d') \
    <(printf '%s\n' "$current") >&2 || true
  echo >&2
  echo "A removed symbol breaks the ABI (see docs/ABI.md). If the change is" >&2
  echo "intended, regenerate the list and commit it:" >&2
  echo "  cmake --build $build_dir --target update-symbols" >&2
  status=1
fi

if ((status == 0)); then
  echo "check_symbols: $(wc -l <<<"$current") exported symbols match $list"
fi
exit "$status"
