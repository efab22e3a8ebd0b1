#!/usr/bin/env bash
# aiosmpp-smsc-sim against the minimal responder (bench/responder.cpp), served by the same
# bare-socket client (bench/sim_load.cpp), in one run: each server in turn, receipts off and on,
# ROUNDS times interleaved, so that every figure comes from the same minutes on the same machine.
# With receipts on, every server sends a deliver_sm receipt per submit_sm (the responder its
# minimal one, --receipts on) and sim_load answers each.
#
#   bench/sim_bench.sh [BUILD_DIR] [BEFORE_DIR]
#
# BUILD_DIR (default build/release) holds the binaries measured; BEFORE_DIR, when given, holds an
# older aiosmpp-smsc-sim (and its sim_load) measured in the same rounds, for before/after tables.
# Prints one line per run:
#   RUN server=<sim|before|responder> receipts=<off|on> round=<n> msg_s=<x> cpu_us_per_msg=<y>
# cpu_us_per_msg is the server's own CPU time (utime + stime from /proc) per submit_sm. A run
# that has not finished after LIMIT seconds (default 120: the build before issue 15 can take
# minutes with receipts on) is stopped and printed as msg_s=timeout, with the CPU time it used.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/release}
before=${2:-}
count=${COUNT:-1000000}
window=${WINDOW:-100}
rounds=${ROUNDS:-3}
port=${PORT:-2801}
limit=${LIMIT:-120}

sim=$build/tools/smsc-sim/aiosmpp-smsc-sim
load=$build/bench/sim_load
responder=$build/bench/aiosmpp_responder
for f in "$sim" "$load" "$responder"; do
  [[ -x $f ]] || { echo "missing $f (build the release preset)" >&2; exit 2; }
done

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run_one NAME RECEIPTS SERVER_CMD...
run_one() {
  local name=$1 receipts=$2 round=$3
  shift 3
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep 0.3
  local t0
  t0=$(cpu_ticks "$pid")
  local line
  line=$(timeout "$limit" "$load" --port "$port" --count "$count" --window "$window" \
    --receipts "$receipts") || line=""
  local t1
  t1=$(cpu_ticks "$pid")
  kill -TERM "$pid"
  wait "$pid" || true
  if [[ -z $line ]]; then
    local cpu_s
    cpu_s=$(awk -v d=$((t1 - t0)) -v hz="$ticks" 'BEGIN{printf "%.1f", d / hz}')
    echo "RUN server=$name receipts=$receipts round=$round msg_s=timeout(${limit}s) cpu_s=$cpu_s"
    return
  fi
  local rate
  rate=$(sed -E 's/.*= ([0-9]+) msg\/s.*/\1/' <<<"$line")
  local cpu_us
  cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$ticks" -v n="$count" 'BEGIN{printf "%.2f", d / hz * 1e6 / n}')
  echo "RUN server=$name receipts=$receipts round=$round msg_s=$rate cpu_us_per_msg=$cpu_us"
}

sim_flags=(--port "$port" --stats-interval 0 --log-level warning)
for round in $(seq 1 "$rounds"); do
  for receipts in off on; do
    # The responder sends a minimal receipt for each submit_sm when receipts are on (like for like).
    run_one responder "$receipts" "$round" "$responder" --port "$port" --receipts "$receipts"
    run_one sim "$receipts" "$round" "$sim" "${sim_flags[@]}"
    if [[ -n $before ]]; then
      run_one before "$receipts" "$round" "$before/aiosmpp-smsc-sim" "${sim_flags[@]}"
    fi
  done
done
