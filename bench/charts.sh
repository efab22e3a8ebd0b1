#!/usr/bin/env bash
# bench/charts.sh: runs the benchmarks that BENCHMARKS.md and the README draw, writes their figures
# as CSV under bench/results/, and draws them as SVG under docs/images/ with gnuplot (Debian
# gnuplot-nox). Not part of the test command; nothing here gates CI on timing.
#
#   1. throughput.svg: submit_sm/s against the window (1, 10, 100, 1000) for aiosmpp's Esme
#      (esme_bench), node-smpp's client (bench/node/client.js) and the bare-socket client that only
#      copies pre-encoded PDUs (bench/sim_load.cpp), each against a fresh aiosmpp_responder (the
#      minimal responder, so the figure is the client's); median of --runs runs.
#   2. latency.svg: esme_bench's submit-to-response latency percentiles (its LATENCY line, from
#      the Esme's LatencyHistogram: bucket upper bounds, doubling from 50 us) against the window,
#      from the same runs (the median run's line).
#   3. soak.svg: the reliability soak's RSS and outcomes over time (soak --progress: a sample per
#      10% of the messages), every trouble mode on.
#
#   bench/charts.sh [--build-dir DIR] [--runs R] [--soak-count N] [--plot-only]
#
# --build-dir: a Release build with esme_bench, sim_load, aiosmpp_responder and soak (default
#   build/release: cmake --preset release && cmake --build --preset release --target esme_bench
#   sim_load aiosmpp_responder soak).
# --plot-only: draw the SVGs again from the CSVs already in bench/results/ (no benchmark runs).
# The CSVs keep the date, the load average and the command, so a chart says where it comes from.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build/release"
runs=3
soak_count=200000
plot_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --soak-count) soak_count=$2; shift 2 ;;
    --plot-only) plot_only=1; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "charts.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for v in runs soak_count; do
  if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
    echo "charts.sh: --${v//_/-} must be a positive integer, got '${!v}'" >&2
    exit 2
  fi
done
command -v gnuplot >/dev/null || { echo "charts.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 1; }

results="$repo/bench/results"
images="$repo/docs/images"
mkdir -p "$results" "$images"

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print v[int((NR + 1) / 2)] }'; }

run_benchmarks() {
  local esme_bench="$build/bench/esme_bench" sim_load="$build/bench/sim_load"
  local responder="$build/bench/aiosmpp_responder" soak="$build/bench/soak" b
  for b in "$esme_bench" "$sim_load" "$responder" "$soak"; do
    if [[ ! -x $b ]]; then
      echo "charts.sh: $b not found; build it first (Release):" >&2
      echo "  cmake --preset release && cmake --build --preset release --target esme_bench sim_load aiosmpp_responder soak" >&2
      exit 1
    fi
  done
  command -v node >/dev/null || { echo "charts.sh: node not found" >&2; exit 1; }
  local node_dir="$repo/tests/interop/node"
  [[ -d $node_dir/node_modules/smpp ]] || npm ci --prefix "$node_dir" --no-audit --no-fund >&2
  export NODE_PATH="$node_dir/node_modules"

  work=$(mktemp -d)
  server_pid=""
  trap 'if [[ -n $server_pid ]]; then kill -TERM "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

  # start_responder: a fresh responder on a free port; sets server_pid and port.
  start_responder() {
    # Emptied here, not by the background job's redirection, which may run after the first read.
    : >"$work/responder.out"
    "$responder" --port 0 >"$work/responder.out" 2>&1 &
    server_pid=$!
    local i
    for ((i = 0; i < 250; i++)); do
      port=$(sed -n 's/^responder listening on .*:\([0-9]*\)$/\1/p' "$work/responder.out")
      [[ -n $port ]] && return 0
      sleep 0.02
    done
    echo "charts.sh: the responder did not start" >&2
    return 1
  }
  stop_responder() {
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=""
  }

  # client_rate KIND WINDOW N: one run against a fresh responder; prints msgs/s (and, for
  # esme_bench, keeps its LATENCY line in $work/latency.<window>.<rate>).
  client_rate() {
    local kind=$1 window=$2 n=$3 out="$work/client.out" rate
    start_responder
    case $kind in
      aiosmpp) "$esme_bench" --host 127.0.0.1 --port "$port" --count "$n" --window "$window" >"$out" ;;
      node) node "$repo/bench/node/client.js" --host 127.0.0.1 --port "$port" --count "$n" --window "$window" >"$out" ;;
      bare) "$sim_load" --host 127.0.0.1 --port "$port" --count "$n" --window "$window" >"$out" ;;
    esac
    stop_responder
    case $kind in
      bare) rate=$(sed -n 's/.* = \([0-9]*\) msg\/s.*/\1/p' "$out") ;;
      *) rate=$(sed -n 's/^RESULT .* msgs_per_s=\([0-9]*\).*/\1/p' "$out") ;;
    esac
    [[ -n $rate ]] || { echo "charts.sh: $kind printed no rate:" >&2; cat "$out" >&2; return 1; }
    if [[ $kind == aiosmpp ]]; then grep '^LATENCY ' "$out" >"$work/latency.$window.$rate"; fi
    echo "$rate"
  }

  local when load tp lat kind window n r rates m
  when=$(date -u '+%Y-%m-%d %H:%M UTC')
  load=$(cut -d' ' -f1 /proc/loadavg)
  tp="$results/throughput.csv"
  lat="$results/latency.csv"
  {
    echo "# bench/charts.sh --runs $runs, $when, $(nproc) cores, load average $load at the start"
    echo "client,window,messages,msgs_per_s_median,runs"
  } >"$tp"
  {
    echo "# esme_bench LATENCY lines (bucket upper bounds, ms) of the median run, $when"
    echo "window,p50_ms,p90_ms,p99_ms,p999_ms"
  } >"$lat"
  for window in 1 10 100 1000; do
    for kind in aiosmpp node bare; do
      case $kind:$window in
        node:1) n=2000 ;;
        node:*) n=20000 ;;
        *:1) n=20000 ;;
        bare:*) n=1000000 ;;
        *) n=200000 ;;
      esac
      rates=()
      for ((r = 1; r <= runs; r++)); do
        rates+=("$(client_rate "$kind" "$window" "$n")")
        echo "  $kind, window $window, run $r: ${rates[-1]} msgs/s" >&2
      done
      m=$(printf '%s\n' "${rates[@]}" | median)
      echo "$kind,$window,$n,$m,$(IFS=/; echo "${rates[*]}")" >>"$tp"
      if [[ $kind == aiosmpp ]]; then
        sed -E 's/^LATENCY aiosmpp p50_ms=([0-9.]+) p90_ms=([0-9.]+) p99_ms=([0-9.]+) p999_ms=([0-9.]+).*/'"$window"',\1,\2,\3,\4/' \
          "$work/latency.$window.$m" >>"$lat"
      fi
    done
  done

  local sk="$results/soak.csv"
  echo "  soak, $soak_count messages" >&2
  {
    echo "# soak --count $soak_count --progress, $when, load average $(cut -d' ' -f1 /proc/loadavg) at the start"
    echo "seconds,outcomes,receipts,rss_kb"
  } >"$sk"
  # A violation is itself worth drawing: the CSV is written either way, and the run says so.
  if ! "$soak" --count "$soak_count" --progress >"$work/soak.out" 2>&1; then
    echo "charts.sh: the soak reported a violation or failed (its samples are still drawn):" >&2
    grep -v '^progress ' "$work/soak.out" | tail -n 20 >&2
    soak_failed=1
  fi
  sed -n -E 's/^progress seconds=([0-9.]+) outcomes=([0-9]+)\/[0-9]+ receipts=([0-9]+) rss_kb=([0-9]+).*/\1,\2,\3,\4/p' \
    "$work/soak.out" >>"$sk"
}

draw() {
  gnuplot <<EOF
set terminal svg size 800,480 dynamic enhanced font "sans,12" background "white"
set datafile separator ","
set key top left
set grid
set logscale x 10
set xtics ("1" 1, "10" 10, "100" 100, "1000" 1000)
set xlabel "window (submit\\\\_sm in flight)"

set output "$images/throughput.svg"
set title "submit\\\\_sm per second against the window, one connection over loopback"
set logscale y 10
set ylabel "messages per second"
set format y "%.0s%c"
plot "< grep '^aiosmpp,' $results/throughput.csv" using 2:4 with linespoints lw 2 pt 7 title "aiosmpp Esme (esme\\\\_bench)", \
     "< grep '^node,' $results/throughput.csv" using 2:4 with linespoints lw 2 pt 5 title "node-smpp client", \
     "< grep '^bare,' $results/throughput.csv" using 2:4 with linespoints lw 2 pt 9 dt 2 title "bare socket loop (pre-encoded PDUs)"

set output "$images/latency.svg"
set title "aiosmpp: submit\\\\_sm to submit\\\\_sm\\\\_resp latency (histogram bucket bounds)"
set ylabel "milliseconds"
set format y "%g"
plot "$results/latency.csv" using 1:2 skip 2 with linespoints lw 2 pt 7 title "p50", \
     "" using 1:3 skip 2 with linespoints lw 2 pt 5 title "p90", \
     "" using 1:4 skip 2 with linespoints lw 2 pt 9 title "p99", \
     "" using 1:5 skip 2 with linespoints lw 2 pt 11 title "p99.9"

set output "$images/soak.svg"
set title "reliability soak: resident memory and outcomes over time (every trouble mode on)"
unset logscale
set xtics auto
set xlabel "seconds"
set ylabel "resident set size (MiB)"
set y2label "outcomes (thousands)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
plot "$results/soak.csv" using 1:(\$4/1024) skip 2 axes x1y1 with linespoints lw 2 pt 7 title "RSS", \
     "" using 1:(\$2/1000) skip 2 axes x1y2 with linespoints lw 2 pt 5 title "outcomes", \
     "" using 1:(\$3/1000) skip 2 axes x1y2 with lines lw 2 dt 2 title "receipts matched"
EOF
  echo "charts.sh: wrote $images/throughput.svg, latency.svg, soak.svg from $results/*.csv" >&2
}

soak_failed=0
if ((plot_only == 0)); then run_benchmarks; fi
for f in throughput latency soak; do
  [[ -s $results/$f.csv ]] || { echo "charts.sh: $results/$f.csv missing; run without --plot-only" >&2; exit 1; }
done
draw
exit "$soak_failed"
