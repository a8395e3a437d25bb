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

repeat=${BENCH_REPEAT:-5}

# timed LABEL ARGS...: runs the benchmark $repeat times, prints each run
# and the median ns/span and drop percentage.
timed() {
  local label=$1
  shift
  local out=()
  for ((i = 0; i < repeat; i++)); do
    out+=("$("$bin" "$@" 2>/dev/null)")
    echo "  ${out[-1]}"
  done
  # median FIELD: the median of "FIELD=value" over the runs.
  median() {
    printf '%s\n' "${out[@]}" | grep -o "$1=[0-9.]*" | cut -d= -f2 |
      sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
  }
  local dropped_pct
  dropped_pct=$(printf '%s\n' "${out[@]}" | grep -o '([0-9.]*%)' |
    tr -d '()%' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  echo "$label: median $(median ns/span) ns/span, median dropped ${dropped_pct}%"
}

echo "== wall time, ${spans} spans per thread (start, 4 attributes, end;"
echo "   batch processor with default sizes; exporter that only counts),"
echo "   ${repeat} runs each"
timed "1 thread, sampled" "$spans" 1 on
timed "2 threads, sampled" "$spans" 2 on
timed "1 thread, always_off" "$spans" 1 off

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

pbin=$root/build/release/bench/bench_propagation
echo
echo "== propagation (W3C traceparent + tracestate through a carrier)"
for ((i = 0; i < repeat; i++)); do echo "  $("$pbin" "$spans")"; done
echo "== instructions/op under callgrind ($cg_large - $cg_small operations)"
for op in parse extract inject; do
  for n in "$cg_small" "$cg_large"; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/p.$op.$n" \
      "$pbin" "$n" "$op" >/dev/null 2>&1
  done
  a=$(total_of "$tmp/p.$op.$cg_small")
  b=$(total_of "$tmp/p.$op.$cg_large")
  awk -v d="$((b - a))" -v n="$((cg_large - cg_small))" -v op="$op" \
    'BEGIN { printf "%s: %.0f instructions/op\n", op, d / n }'
done

ebin=$root/build/release/bench/bench_otlp_encode
echo
echo "== OTLP encoding (4-attribute spans, batches of 512)"
for ((i = 0; i < repeat; i++)); do "$ebin" 20000 | sed 's/^/  /'; done
echo "== instructions/span under callgrind"
for fmt in pb json; do
  for n in 20 60; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/e.$fmt.$n" \
      "$ebin" "$n" "$fmt" >/dev/null 2>&1
  done
  a=$(total_of "$tmp/e.$fmt.20")
  b=$(total_of "$tmp/e.$fmt.60")
  awk -v d="$((b - a))" -v fmt="$fmt" \
    'BEGIN { printf "%s: %.0f instructions/span\n", fmt, d / (40 * 512) }'
done

mbin=$root/build/release/bench/bench_metrics
echo
echo "== metrics: counter add and histogram record with 2 attributes, the"
echo "   same counter from 2 threads, a bound counter, and the collection"
echo "   of 2000 series (pull reader, cumulative), ${repeat} runs each"
mout=()
for ((i = 0; i < repeat; i++)); do
  while IFS= read -r line; do
    mout+=("$line")
    echo "  $line"
  done < <("$mbin" all 2>/dev/null)
done
# mmedian KEY FIELD: the median of FIELD over the lines holding KEY.
mmedian() {
  printf '%s\n' "${mout[@]}" | grep -F -- "$1" | grep -o "$2=[0-9.]*" |
    cut -d= -f2 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo "counter, 1 thread: median $(mmedian 'mode=counter threads=1' ns/op) ns/op"
echo "counter, 2 threads: median $(mmedian 'mode=counter threads=2' ns/op) ns/op per thread"
echo "histogram, 1 thread: median $(mmedian 'mode=hist threads=1' ns/op) ns/op"
echo "bound counter, 1 thread: median $(mmedian 'mode=bound threads=1' ns/op) ns/op"
echo "collect 2000 series: median $(mmedian 'mode=collect' us/collect) us/collect"
echo "== instructions/op under callgrind ($cg_large - $cg_small operations)"
for mode in counter hist bound; do
  for n in "$cg_small" "$cg_large"; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/m.$mode.$n" \
      "$mbin" "$mode" "$n" >/dev/null 2>&1
  done
  a=$(total_of "$tmp/m.$mode.$cg_small")
  b=$(total_of "$tmp/m.$mode.$cg_large")
  awk -v d="$((b - a))" -v n="$((cg_large - cg_small))" -v m="$mode" \
    'BEGIN { printf "%s: %.0f instructions/op\n", m, d / n }'
done
for n in 20 60; do
  valgrind --tool=callgrind --callgrind-out-file="$tmp/m.collect.$n" \
    "$mbin" collect "$n" >/dev/null 2>&1
done
a=$(total_of "$tmp/m.collect.20")
b=$(total_of "$tmp/m.collect.60")
awk -v d="$((b - a))" 'BEGIN {
  printf "collect: %.0f instructions/collection, %.0f per series\n",
         d / 40, d / 40 / 2001 }'

lbin=$root/build/release/bench/bench_logs
echo
echo "== logs: a record with a string body and 2 attributes while a sampled"
echo "   span is current, through a batch processor with default sizes into"
echo "   an exporter that only counts (emit), and otelc_logf of a formatted"
echo "   message with the console line off (logf); ${spans} records, ${repeat} runs each"
lout=()
for ((i = 0; i < repeat; i++)); do
  while IFS= read -r line; do
    lout+=("$line")
    echo "  $line"
  done < <("$lbin" all "$spans" 2>/dev/null)
done
# lmedian MODE FIELD: the median of FIELD over the lines of MODE.
lmedian() {
  printf '%s\n' "${lout[@]}" | grep -F -- "mode=$1 " | grep -o "$2[0-9.]*" |
    sed "s|^$2||" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for mode in emit logf; do
  echo "$mode: median $(lmedian "$mode" 'ns/op=') ns/op, median dropped $(lmedian "$mode" '(')%"
done
# lcg MODE N: run under callgrind; prints "producer export" totals. Threads
# in creation order: 01 main (set-up, warm-up), 02 the export thread,
# 03 the producer.
lcg() {
  local out=$tmp/l.$1.$2
  valgrind --tool=callgrind --fair-sched=yes --separate-threads=yes \
    --callgrind-out-file="$out.%p" "$lbin" "$1" "$2" 1 >/dev/null 2>&1
  local files=("$out".*-*)
  echo "$(total_of "${files[2]}") $(total_of "${files[1]}")"
}
echo "== instructions/record under callgrind ($cg_large - $cg_small records)"
for mode in emit logf; do
  read -r p1 e1 < <(lcg "$mode" "$cg_small")
  read -r p2 e2 < <(lcg "$mode" "$cg_large")
  awk -v p="$((p2 - p1))" -v e="$((e2 - e1))" -v d="$((cg_large - cg_small))" \
      -v m="$mode" 'BEGIN {
    printf "%s: producer=%.0f export-thread=%.0f instructions/record\n",
           m, p / d, e / d }'
done

sbin=$root/build/release/bench/bench_setup
echo
echo "== facade: a span through OTELC_WITH_SPAN against start/activate/"
echo "   detach/end by hand (one attribute, sampled, a processor that does"
echo "   nothing), and a counter add through otelc_telemetry_counter against"
echo "   a counter held in a variable, ${repeat} runs each"
sout=()
for ((i = 0; i < repeat; i++)); do
  while IFS= read -r line; do
    sout+=("$line")
    echo "  $line"
  done < <("$sbin" "$spans" 2>/dev/null)
done
# smedian MODE: the median ns/op of that mode over the runs.
smedian() {
  printf '%s\n' "${sout[@]}" | grep -F -- "mode=$1 " | grep -o 'ns/op=[0-9.]*' |
    cut -d= -f2 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for mode in plain scoped counter counter_by_name; do
  echo "$mode: median $(smedian "$mode") ns/op"
done
echo "== instructions/op under callgrind ($cg_large - $cg_small operations)"
declare -A sins
for mode in plain scoped counter counter_by_name; do
  for n in "$cg_small" "$cg_large"; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/s.$mode.$n" \
      "$sbin" "$n" "$mode" >/dev/null 2>&1
  done
  a=$(total_of "$tmp/s.$mode.$cg_small")
  b=$(total_of "$tmp/s.$mode.$cg_large")
  sins[$mode]=$(awk -v d="$((b - a))" -v n="$((cg_large - cg_small))" \
    'BEGIN { printf "%.0f", d / n }')
  echo "$mode: ${sins[$mode]} instructions/op"
done
awk -v p="${sins[plain]}" -v s="${sins[scoped]}" 'BEGIN {
  printf "OTELC_WITH_SPAN over the plain calls: %+.1f%% instructions " \
         "(target: within 10%%)\n", (s - p) * 100 / p }'
