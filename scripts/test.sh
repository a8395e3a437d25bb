#!/usr/bin/env bash
# Runs every test of otelc, one stage after another:
#
#   gcc       default preset (gcc, RelWithDebInfo, -Werror): build + ctest
#   clang     clang preset: build + ctest
#   asan      asan preset (clang, AddressSanitizer + UBSan): build + ctest
#   tsan      tsan preset (clang, ThreadSanitizer): build + ctest
#   valgrind  every unit test executable of the default build under memcheck
#   fuzz      each libFuzzer target of the fuzz preset for a bounded time
#             (skipped when tests/fuzz has no targets)
#
# Stops at the first failing stage and exits non-zero.
#
# Environment:
#   OTELC_STAGES="gcc valgrind"  run only these stages (default: all)
#   OTELC_JOBS=2                 parallel compile and test jobs
#   OTELC_FUZZ_SECONDS=30        time given to each fuzz target
#   OTELC_SKIP_DEPS=1            do not check or install Debian packages
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

all_stages="gcc clang asan tsan valgrind fuzz"
stages=${OTELC_STAGES:-$all_stages}
jobs=${OTELC_JOBS:-2}
fuzz_seconds=${OTELC_FUZZ_SECONDS:-30}

for s in $stages; do
  if [[ " $all_stages " != *" $s "* ]]; then
    echo "test.sh: unknown stage '$s' in OTELC_STAGES (known: $all_stages)" >&2
    exit 2
  fi
done
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
  echo "test.sh: OTELC_JOBS must be a positive number" >&2
  exit 2
fi
if ! [[ $fuzz_seconds =~ ^[0-9]+$ ]]; then
  echo "test.sh: OTELC_FUZZ_SECONDS must be a number of seconds" >&2
  exit 2
fi

# ------------------------------------------------------------- reporting --
summary_lines=()
tests_passed=0
current_stage=""
stage_start=0
script_start=$SECONDS

header() {
  printf '\n'
  printf '=%.0s' {1..72}
  printf '\n== %s\n' "$*"
  printf '=%.0s' {1..72}
  printf '\n'
}

stage_begin() { # NAME DESCRIPTION
  current_stage=$1
  stage_start=$SECONDS
  header "stage $1: $2"
}

stage_end() { # RESULT DETAIL
  summary_lines+=("$(printf '%-9s %-7s %5ss  %s' "$current_stage" "$1" \
    "$((SECONDS - stage_start))" "$2")")
  current_stage=""
}

on_exit() {
  local rc=$?
  if [[ -n $current_stage ]]; then
    summary_lines+=("$(printf '%-9s %-7s %5ss' "$current_stage" FAILED \
      "$((SECONDS - stage_start))")")
  fi
  header "summary ($((SECONDS - script_start))s)"
  if ((${#summary_lines[@]})); then
    printf '%s\n' "${summary_lines[@]}"
  fi
  if ((rc == 0)); then
    echo "all stages passed"
    echo "tests: $tests_passed passed, 0 failed"
  else
    echo "FAILED${current_stage:+ in stage $current_stage} (exit status $rc)"
  fi
}
trap on_exit EXIT

want() { [[ " $stages " == *" $1 "* ]]; }

# --------------------------------------------------------------- helpers --
configure_and_build() { # PRESET
  local preset=$1 cache=$root/build/$1/CMakeCache.txt fresh=()
  # A tree configured by hand with another generator cannot be reused.
  if [[ -f $cache ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
    fresh=(--fresh)
  fi
  cmake --preset "$preset" "${fresh[@]}"
  cmake --build --preset "$preset" --parallel "$jobs"
}

# Runs ctest with the test preset; adds what ran to the total.
run_ctest() { # PRESET [COMMAND PREFIX...]
  local preset=$1 log counts
  shift
  log=$root/build/$preset/ctest.log
  "$@" ctest --preset "$preset" -j "$jobs" 2>&1 | tee "$log"
  counts=$(sed -n 's/.* \([0-9][0-9]*\) tests failed out of \([0-9][0-9]*\)$/\1 \2/p' "$log" | tail -n 1)
  if [[ -n $counts ]]; then
    tests_passed=$((tests_passed + ${counts#* } - ${counts% *}))
    ctest_detail="$((${counts#* } - ${counts% *})) tests passed"
  else
    ctest_detail="ctest"
  fi
}

ctest_stage() { # STAGE PRESET DESCRIPTION [COMMAND PREFIX...]
  local stage=$1 preset=$2 desc=$3
  shift 3
  stage_begin "$stage" "$desc"
  configure_and_build "$preset"
  run_ctest "$preset" "$@"
  stage_end passed "$ctest_detail"
}

# ------------------------------------------------------------------ deps --
header "dependencies"
bash "$root/scripts/deps.sh"

# ---------------------------------------------------------------- stages --
if want gcc; then
  ctest_stage gcc default "gcc, RelWithDebInfo, -Werror (preset default)"
fi

if want clang; then
  ctest_stage clang clang "clang, RelWithDebInfo, -Werror (preset clang)"
fi

if want asan; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest_stage asan asan "AddressSanitizer + UndefinedBehaviorSanitizer (preset asan)"
fi

if want tsan; then
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  stage_begin tsan "ThreadSanitizer (preset tsan)"
  configure_and_build tsan
  # clang 14's ThreadSanitizer cannot start under kernels that randomise
  # mmap addresses with more bits than it expects ("unexpected memory
  # mapping"); run the tests without address randomisation there.
  tsan_prefix=()
  probe=$root/build/tsan/tsan-probe
  printf 'int main(void) { return 0; }\n' |
    clang -fsanitize=thread -x c - -o "$probe"
  if ! "$probe" >/dev/null 2>&1; then
    if setarch "$(uname -m)" -R "$probe" >/dev/null 2>&1; then
      echo "note: ThreadSanitizer needs ASLR off on this kernel; using setarch -R"
      tsan_prefix=(setarch "$(uname -m)" -R)
    else
      echo "ThreadSanitizer cannot run a trivial program on this machine:" >&2
      "$probe" || true
      exit 1
    fi
  fi
  run_ctest tsan "${tsan_prefix[@]}"
  stage_end passed "$ctest_detail"
fi

if want valgrind; then
  stage_begin valgrind "valgrind memcheck over the unit tests (default build)"
  configure_and_build default
  testdir=$root/build/default/tests
  # Unit tests of the core sit in tests/; those of optional libraries in
  # the subdirectories that build them.
  mapfile -t exes < <(find "$testdir" -type f -name 'test_*' \
    -perm -u+x 2>/dev/null | sort)
  mapfile -t srcs < <(find "$root/tests/unit" -maxdepth 1 -name 'test_*.c' \
    2>/dev/null | sort)
  if ((${#exes[@]} < ${#srcs[@]})); then
    echo "found ${#exes[@]} test executables in $testdir for ${#srcs[@]} sources" >&2
    exit 1
  fi
  if ((${#exes[@]} == 0)); then
    echo "no unit tests yet"
    stage_end skipped "no unit test executables"
  else
    vg=(valgrind --error-exitcode=1 --leak-check=full
      "--errors-for-leak-kinds=definite,indirect"
      "--show-leak-kinds=definite,indirect" --track-fds=no --num-callers=30 -q)
    if [[ -f $root/tests/valgrind.supp ]]; then
      vg+=(--suppressions="$root/tests/valgrind.supp")
    fi
    vgdir=$root/build/default/valgrind
    rm -rf "$vgdir"
    mkdir -p "$vgdir"
    # Up to $jobs tests at a time; each writes its log and exit status.
    for exe in "${exes[@]}"; do
      while (($(jobs -rp | wc -l) >= jobs)); do
        wait -n || true
      done
      name=$(basename "$exe")
      (
        cd "$testdir"
        start=$SECONDS
        if OTELC_TEST_UNDER_VALGRIND=1 "${vg[@]}" "$exe" \
          >"$vgdir/$name.log" 2>&1; then
          rc=0
        else
          rc=$?
        fi
        echo "$rc $((SECONDS - start))" >"$vgdir/$name.status"
      ) &
    done
    wait
    failed=()
    for exe in "${exes[@]}"; do
      name=$(basename "$exe")
      read -r rc secs <"$vgdir/$name.status" || rc=255
      if [[ $rc == 0 ]]; then
        printf 'valgrind: %-40s ok (%ss)\n' "$name" "$secs"
        tests_passed=$((tests_passed + 1))
      else
        printf 'valgrind: %-40s FAILED (exit %s)\n' "$name" "$rc"
        failed+=("$name")
      fi
    done
    if ((${#failed[@]})); then
      for name in "${failed[@]}"; do
        header "valgrind log of $name"
        cat "$vgdir/$name.log"
      done
      echo "valgrind: ${#failed[@]} of ${#exes[@]} unit tests failed: ${failed[*]}" >&2
      exit 1
    fi
    stage_end passed "${#exes[@]} unit tests clean"
  fi
fi

if want fuzz; then
  stage_begin fuzz "libFuzzer targets, ${fuzz_seconds}s each (preset fuzz)"
  fuzzers=()
  if [[ ! -d $root/tests/fuzz ]]; then
    echo "no tests/fuzz directory: nothing to fuzz"
  elif ((fuzz_seconds == 0)); then
    echo "OTELC_FUZZ_SECONDS=0: fuzzing disabled"
  else
    configure_and_build fuzz
    mapfile -t fuzzers < <(find "$root/build/fuzz/tests/fuzz" -maxdepth 1 \
      -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
    [[ ${#fuzzers[@]} -gt 0 ]] || echo "no fuzz_* executables were built"
  fi
  if ((${#fuzzers[@]} == 0)); then
    stage_end skipped "no fuzz targets"
  else
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    artifacts=$root/build/fuzz/artifacts
    mkdir -p "$artifacts"
    for f in "${fuzzers[@]}"; do
      name=$(basename "$f")
      # New inputs go to a scratch corpus; committed seeds are only read.
      corpus=$root/build/fuzz/corpus/$name
      mkdir -p "$corpus"
      args=("-max_total_time=$fuzz_seconds" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 "-artifact_prefix=$artifacts/$name-")
      for dict in "$root/tests/fuzz/$name.dict" "$root/tests/fuzz/dict/$name.dict"; do
        if [[ -f $dict ]]; then
          args+=("-dict=$dict")
          break
        fi
      done
      seeds=()
      if [[ -d $root/tests/fuzz/corpus/$name ]]; then
        seeds=("$root/tests/fuzz/corpus/$name")
      fi
      echo "--- $name (${fuzz_seconds}s)"
      log=$root/build/fuzz/$name.log
      if ! "$f" "${args[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
        tail -n 150 "$log"
        echo "fuzz: $name failed; the input is in $artifacts/ (full log: $log)" >&2
        exit 1
      fi
      grep -E '^(Done|stat::)' "$log" || tail -n 5 "$log"
      tests_passed=$((tests_passed + 1))
    done
    stage_end passed "${#fuzzers[@]} targets, ${fuzz_seconds}s each"
  fi
fi
