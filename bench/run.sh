#!/usr/bin/env bash
# Span benchmarks: wall time (ns/span) and instruction counts from
# callgrind (instructions/span), which are stable on a noisy machine.
#
#   bench/run.sh            build the release preset and run everything
#   BENCH_SPANS=1000000 bench/run.sh   fewer spans for the timed runs
#
# Instructions are measured as the difference between two callgrind runs
# of different lengths, so set-up and the fixed warm-up cancel out. They
# are split by thread: the producer (the caller's cost) and the export
# thread (the background cost).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
spans=${BENCH_SPANS:-5000000}
cg_small=100000
cg_large=300000

bash scripts/deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --parallel 2 >/dev/null
bin=$root/build/release/bench/bench_span

echo "== wall time, ${spans} spans per thread (start, 4 attributes, end;"
echo "   batch processor with default sizes; exporter that only counts)"
"$bin" "$spans" 1 on 2>/dev/null
"$bin" "$spans" 2 on 2>/dev/null
"$bin" "$spans" 1 off 2>/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# total_of FILE: the instruction total recorded by callgrind.
total_of() { sed -n 's/^totals: //p' "$1"; }

# cg MODE N: run under callgrind; prints "producer export process" totals.
cg() {
  local mode=$1 n=$2 out=$tmp/cg.$1.$2
  valgrind --tool=callgrind --fair-sched=yes --separate-threads=yes \
    --callgrind-out-file="$out.%p" "$bin" "$n" 1 "$mode" \
    >"$tmp/run.$mode.$n" 2>/dev/null
  local files=("$out".*-*)
  # Threads in creation order: 01 main (set-up, warm-up), 02 the export
  # thread, 03 the producer.
  local main export producer
  main=$(total_of "${files[0]}")
  export=$(total_of "${files[1]}")
  producer=$(total_of "${files[2]}")
  echo "$producer $export $((main + export + producer))"
}

echo
echo "== instructions/span under callgrind (1 producer thread,"
echo "   $cg_large - $cg_small spans)"
for mode in on off; do
  read -r p1 e1 t1 < <(cg "$mode" "$cg_small")
  read -r p2 e2 t2 < <(cg "$mode" "$cg_large")
  d=$((cg_large - cg_small))
  dropped=$(sed -n 's/.*dropped=\([0-9]*\).*/\1/p' "$tmp/run.$mode.$cg_large")
  awk -v p="$((p2 - p1))" -v e="$((e2 - e1))" -v t="$((t2 - t1))" \
      -v d="$d" -v m="$mode" -v dr="$dropped" -v n="$cg_large" 'BEGIN {
    printf "sampler=%s producer=%.0f export-thread=%.0f total=%.0f " \
           "instructions/span (dropped under valgrind: %d of %d)\n",
           (m == "on" ? "parentbased_always_on" : "always_off"),
           p / d, e / d, t / d, dr, n + 20000 }'
done
