#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds the release preset, starts the
# bundled SMSC simulator, runs the quick-start example against it, and stops the simulator.
# What runs depends on what the project has built so far; the script says which path it took.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-deps.sh

echo "== building (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release

bin=build/release
sim="$bin/tools/smsc-sim/aiosmpp-smsc-sim"
quickstart="$bin/examples/quickstart"
pdu_tool="$bin/tools/pdu/aiosmpp-pdu"
port="${AIOSMPP_DEMO_PORT:-2775}"

if [[ -x "$sim" && -x "$quickstart" ]]; then
  echo "== starting aiosmpp-smsc-sim on 127.0.0.1:$port"
  "$sim" --host 127.0.0.1 --port "$port" &
  sim_pid=$!
  trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  echo "== running the quick start against it"
  "$quickstart" --host 127.0.0.1 --port "$port"
  echo "== stopping the simulator"
  exit 0
fi

echo "== the simulator and the quick-start example are not in this version yet (see CHANGELOG.md)"
if [[ -x "$pdu_tool" ]]; then
  hex="0000002200000002000000000000000165736d6530310070773132330000340000 00"
  echo "== instead: aiosmpp-pdu decodes a bind_transmitter from an SMSC log"
  echo "\$ aiosmpp-pdu decode $hex"
  "$pdu_tool" decode "$hex"
else
  echo "== instead: the library built; its version and unit tests:"
  ctest --test-dir "$bin" -L unit --output-on-failure | tail -n 3
fi
