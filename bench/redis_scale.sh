#!/usr/bin/env bash
# End-to-end throughput of the Redis scale-out (docs/redis.md), on one host: messages enqueued in
# Redis by the producer, taken by 1, 2 or 3 sender processes (examples/scale_out, each an Esme on
# RedisBroker + RedisHook + RedisCorrelator + RedisRateLimiter + RedisOutcomeStream) and sent to
# aiosmpp-smsc-sim, until every message's outcome (its correlated response) is in the account's
# outcome stream.
#
#   bench/redis_scale.sh [BUILD_DIR]        (default build/release)
#
# Environment: COUNT (messages per run, default 200000), SENDERS (default "1 2 3"), ROUNDS
# (default 3, interleaved so every figure comes from the same minutes), RATE (the shared budget,
# default 1000000: far above what the machine can do, so it never limits).
#
# Each run starts from an empty Redis: the producer enqueues COUNT messages (timed on its own),
# then the senders start; the clock runs from their launch (connect and bind included) until
# XLEN of the outcome stream reaches COUNT. The senders are then stopped (SIGTERM) and the
# example's watcher reads the whole stream and checks one outcome per message, none twice.
# Prints one line per run:
#   RUN senders=<k> window=<w> round=<n> count=<N> seconds=<s> msg_s=<x> enqueue_msg_s=<y>
#       redis_cpu_us=<a> senders_cpu_us=<b> sim_cpu_us=<c>      (CPU time per message)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/release}
count=${COUNT:-200000}
senders_list=${SENDERS:-1 2 3}
rounds=${ROUNDS:-3}
rate=${RATE:-1000000}
window=${WINDOW:-64}

sim=$build/tools/smsc-sim/aiosmpp-smsc-sim
app=$build/examples/scale_out
for f in "$sim" "$app"; do
  [[ -x $f ]] || { echo "missing $f (build the release preset with hiredis)" >&2; exit 2; }
done
command -v redis-server >/dev/null || { echo "redis-server not found" >&2; exit 2; }

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now() { date +%s.%N; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port for redis-server (it has no "port 0").
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
"$sim" --port 0 --receipts off >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
pids+=("$sim_pid")
for _ in $(seq 100); do
  grep -q listening "$work/sim.out" 2>/dev/null && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
sim_port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$work/sim.out" | head -1)
[[ -n $sim_port ]] || { echo "the simulator did not start" >&2; exit 1; }

common=(--port "$sim_port" --redis-port "$redis_port" --account bench --rate "$rate" --seconds 600)
stream=aiosmpp:bench:outcomes

run_one() {
  local k=$1 round=$2
  redis-cli -p "$redis_port" flushall >/dev/null
  local t0 t1 t2 t3
  t0=$(now)
  "$app" "${common[@]}" --role produce --count "$count" >/dev/null
  t1=$(now)
  local r0 s0
  r0=$(cpu_ticks "$redis_pid")
  s0=$(cpu_ticks "$sim_pid")
  local senders=()
  t2=$(now)
  for i in $(seq "$k"); do
    "$app" "${common[@]}" --role send --window "$window" >"$work/send$i.out" 2>&1 &
    senders+=($!)
  done
  local deadline=$((SECONDS + 600))
  until [[ $(redis-cli -p "$redis_port" xlen "$stream") -ge $count ]]; do
    ((SECONDS < deadline)) || { echo "timed out" >&2; exit 1; }
    sleep 0.02
  done
  t3=$(now)
  local r1 s1 sc=0
  r1=$(cpu_ticks "$redis_pid")
  s1=$(cpu_ticks "$sim_pid")
  for p in "${senders[@]}"; do sc=$((sc + $(cpu_ticks "$p"))); done
  for p in "${senders[@]}"; do kill -TERM "$p"; done
  for p in "${senders[@]}"; do wait "$p" || { cat "$work"/send*.out >&2; exit 1; }; done
  [[ -z ${VERBOSE:-} ]] || grep -h stopped "$work"/send*.out >&2
  # Every message exactly one outcome (the watcher exits 1 otherwise).
  local watched
  watched=$("$app" "${common[@]}" --role watch --count "$count" --seconds 120)
  grep -q "outcomes $count of $count (ok $count,.*), 0 twice" <<<"$watched" ||
    { echo "bad run: $watched" >&2; exit 1; }
  awk -v k="$k" -v w="$window" -v round="$round" -v n="$count" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" \
    -v r="$((r1 - r0))" -v s="$((s1 - s0))" -v c="$sc" -v hz="$ticks" 'BEGIN {
      printf "RUN senders=%d window=%d round=%d count=%d seconds=%.2f msg_s=%.0f enqueue_msg_s=%.0f", \
        k, w, round, n, t3 - t2, n / (t3 - t2), n / (t1 - t0)
      printf " redis_cpu_us=%.1f senders_cpu_us=%.1f sim_cpu_us=%.1f\n", \
        r / hz / n * 1e6, c / hz / n * 1e6, s / hz / n * 1e6 }'
}

for round in $(seq "$rounds"); do
  for k in $senders_list; do
    run_one "$k" "$round"
  done
done
