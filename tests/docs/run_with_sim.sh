#!/bin/sh
# run_with_sim.sh SIMULATOR PROGRAM [ARGS...]
# Starts the SMSC simulator on a free port, runs PROGRAM ARGS... 127.0.0.1 PORT, stops the
# simulator by its process id, and exits with PROGRAM's status. Safe to run in parallel.
set -u
sim="$1"
shift
log=$(mktemp)
"$sim" --host 127.0.0.1 --port 0 --stats-interval 0 --log-level warning >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT
port=""
tries=0
while [ -z "$port" ]; do
  port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log")
  [ -n "$port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the simulator exited before listening:" >&2
    cat "$log" >&2
    exit 1
  fi
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    echo "the simulator did not print its listening line within 10 s" >&2
    exit 1
  fi
  sleep 0.1
done
"$@" 127.0.0.1 "$port"
