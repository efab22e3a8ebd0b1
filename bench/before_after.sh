#!/usr/bin/env bash
# bench/before_after.sh: esme_bench of two builds (before and after a change) in one run, against
# one simulator, runs interleaved so that the machine's load falls on both alike. Not part of the
# test command; nothing here gates CI on timing.
#
#   bench/before_after.sh --before DIR --after DIR [--runs R] [--count N] [--windows "1 10 100"]
#                         [--sim-args "..."] [--after-args "..."]
#
# DIR: a Release build tree with bench/esme_bench (the after tree also needs the simulator,
#   tools/smsc-sim/aiosmpp-smsc-sim). Defaults: 3 runs, 100,000 messages, windows 1 10 100 1000,
#   the simulator with --receipts off --stats-interval 0 plus --sim-args. --after-args are given
#   to the after build's esme_bench only (a flag the before build does not have).
# Prints one markdown row per window: each run's msgs/s for both builds, the medians, and the
# after/before ratio of the medians; then the load average before and after.
set -euo pipefail

before="" after="" runs=3 count=100000 windows="1 10 100 1000" sim_args="" after_args=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --before) before=$(cd "$2" && pwd); shift 2 ;;
    --after) after=$(cd "$2" && pwd); shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --windows) windows=$2; shift 2 ;;
    --sim-args) sim_args=$2; shift 2 ;;
    --after-args) after_args=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "before_after.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z $before || -z $after ]]; then
  echo "before_after.sh: --before DIR and --after DIR are required" >&2
  exit 2
fi
for v in runs count; do
  if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
    echo "before_after.sh: --$v must be a positive integer, got '${!v}'" >&2
    exit 2
  fi
done
sim="$after/tools/smsc-sim/aiosmpp-smsc-sim"
for b in "$before/bench/esme_bench" "$after/bench/esme_bench" "$sim"; do
  [[ -x $b ]] || { echo "before_after.sh: $b not found (build it first, Release)" >&2; exit 1; }
done

work=$(mktemp -d)
sim_pid=""
cleanup() {
  [[ -n $sim_pid ]] && kill -TERM "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2086  # sim_args is a list of words
"$sim" --port 0 --receipts off --stats-interval 0 $sim_args >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
port=""
for ((i = 0; i < 500; i++)); do
  port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$work/sim.out" | head -n1)
  [[ -n $port ]] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.err" >&2; exit 1; }
  sleep 0.02
done
[[ -n $port ]] || { echo "before_after.sh: the simulator did not print its listening line" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# one BUILD WINDOW [EXTRA...]: one esme_bench run; prints its msgs/s.
one() {
  local build=$1 window=$2
  shift 2
  local out
  out=$("$build/bench/esme_bench" --host 127.0.0.1 --port "$port" --count "$count" \
    --window "$window" "$@") || { echo "before_after.sh: esme_bench failed: $out" >&2; exit 1; }
  sed -n 's/^RESULT .*msgs_per_s=\([0-9]*\).*/\1/p' <<<"$out"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| window | before (msgs/s) | after (msgs/s) | median before | median after | after / before |"
echo "|---:|---|---|---:|---:|---:|"
for w in $windows; do
  b=() a=()
  for ((r = 0; r < runs; r++)); do
    b+=("$(one "$before" "$w")")
    # shellcheck disable=SC2086  # after_args is a list of words
    a+=("$(one "$after" "$w" $after_args)")
  done
  mb=$(printf '%s\n' "${b[@]}" | median)
  ma=$(printf '%s\n' "${a[@]}" | median)
  ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.2f", a / b }')
  echo "| $w | $(IFS=/; echo "${b[*]}") | $(IFS=/; echo "${a[*]}") | $mb | $ma | $ratio |"
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "$sim_pid"
wait "$sim_pid" || true
sim_pid=""
tail -n 1 "$work/sim.out"
