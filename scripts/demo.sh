#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds the simulator and the quick-start
# example (release preset), starts aiosmpp-smsc-sim on 127.0.0.1:${AIOSMPP_DEMO_PORT:-2775},
# runs the quick start against it (five messages, their outcomes and delivery receipts), and stops
# the simulator by its process id.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-deps.sh

echo "== building the simulator and the quick start (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release --target aiosmpp_smsc_sim aiosmpp_example_quickstart aiosmpp-pdu

bin=build/release
sim="$bin/tools/smsc-sim/aiosmpp-smsc-sim"
quickstart="$bin/examples/quickstart"
port="${AIOSMPP_DEMO_PORT:-2775}"

echo "== starting aiosmpp-smsc-sim on 127.0.0.1:$port"
"$sim" --host 127.0.0.1 --port "$port" --stats-interval 0 > "$bin/demo-sim.out" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT
# The simulator prints "listening HOST:PORT" once its socket accepts connections.
for _ in $(seq 100); do
  grep -q '^listening ' "$bin/demo-sim.out" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "the simulator exited; is port $port in use?"; exit 1; }
  sleep 0.1
done

echo "== running the quick start against it"
"$quickstart" --host 127.0.0.1 --port "$port"

echo "== stopping the simulator (its final statistics follow)"
kill -TERM "$sim_pid"
wait "$sim_pid" || true
trap - EXIT
grep '^stats ' "$bin/demo-sim.out" | tail -n 1
