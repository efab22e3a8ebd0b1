#!/usr/bin/env bash
# bench/compare.sh: aiosmpp against node-smpp on this machine, in one run, against the same
# servers (issue 7, part 4). Not part of the test command; nothing here gates CI on timing.
#
#   1. Clients against aiosmpp-smsc-sim (--receipts off): esme_bench vs node-smpp's client
#      (bench/node/client.js, same command line and RESULT line), window 100 and 1000.
#   2. Servers serving esme_bench (window 100): aiosmpp-smsc-sim vs node-smpp's server
#      (bench/node/server.js: binds, submit_sm_resp with a message_id, enquire_link, unbind).
#
# Every run starts its own server on a free port (--port 0, reading its "listening" line) and
# stops it by process id; each figure is the median of --runs runs (3). Peak memory is GNU time's
# "Maximum resident set size" of the client, and of the server for the server comparison.
# node-smpp's client is slow, so it sends fewer messages (--n-node, 20,000) than esme_bench
# (--n-aiosmpp, 100,000), and node-smpp's server serves that many too: each run then takes a few
# seconds either way.
#
#   bench/compare.sh [--build-dir DIR] [--runs R] [--n-aiosmpp N] [--n-node N] [--write]
#
# --build-dir: a Release build with esme_bench and aiosmpp_smsc_sim (default build/release:
#   cmake --preset release && cmake --build --preset release --target esme_bench aiosmpp_smsc_sim).
# --write: also replace the section between the compare.sh markers in BENCHMARKS.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build/release"
runs=3
n_aiosmpp=100000
n_node=20000
write=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build=$(cd "$2" && pwd); shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --n-aiosmpp) n_aiosmpp=$2; shift 2 ;;
    --n-node) n_node=$2; shift 2 ;;
    --write) write=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for v in runs n_aiosmpp n_node; do
  if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
    echo "compare.sh: --${v//_/-} must be a positive integer, got '${!v}'" >&2
    exit 2
  fi
done

esme_bench="$build/bench/esme_bench"
sim="$build/tools/smsc-sim/aiosmpp-smsc-sim"
for b in "$esme_bench" "$sim"; do
  if [[ ! -x $b ]]; then
    echo "compare.sh: $b not found; build it first (Release):" >&2
    echo "  cmake --preset release && cmake --build --preset release --target esme_bench aiosmpp_smsc_sim" >&2
    exit 1
  fi
done
if [[ ! -x /usr/bin/time ]]; then
  echo "compare.sh: /usr/bin/time (GNU time) is needed for peak memory (Debian: apt-get install time)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "compare.sh: node not found" >&2; exit 1; }

# node-smpp from the interop suite's lock file, not a second one.
node_dir="$repo/tests/interop/node"
if [[ ! -d $node_dir/node_modules/smpp ]]; then
  npm ci --prefix "$node_dir" --no-audit --no-fund >&2
fi
export NODE_PATH="$node_dir/node_modules"
node_client="$repo/bench/node/client.js"
node_server="$repo/bench/node/server.js"

work=$(mktemp -d)
server_pids=()
cleanup() {
  local p
  for p in "${server_pids[@]}"; do [[ -n $p ]] && kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

loadavg() { cut -d' ' -f1 /proc/loadavg; }
# "Maximum resident set size (kbytes): 8752" from a GNU time -v report.
max_rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$1"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print v[int((NR + 1) / 2)] }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
thousands() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

# start_server NAME CMD...: runs CMD (which must accept --port 0 and print "listening HOST:PORT")
# under GNU time; sets server_pid (the server itself), server_time_pid, server_port.
start_server() {
  local name=$1; shift
  local out="$work/$name.out"
  : >"$out"
  /usr/bin/time -v -o "$work/$name.time" "$@" --port 0 >"$out" 2>"$work/$name.err" &
  server_time_pid=$!
  server_pid=""
  local i
  for ((i = 0; i < 500; i++)); do
    [[ -z $server_pid ]] && server_pid=$(pgrep -P "$server_time_pid" | head -n1 || true)
    if grep -q '^listening ' "$out" 2>/dev/null && [[ -n $server_pid ]]; then break; fi
    if ! kill -0 "$server_time_pid" 2>/dev/null; then
      echo "compare.sh: $name exited before listening:" >&2
      cat "$work/$name.err" >&2
      return 1
    fi
    sleep 0.02
  done
  server_port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$out" | head -n1)
  if [[ -z $server_port || -z $server_pid ]]; then
    echo "compare.sh: $name did not print its listening line" >&2
    return 1
  fi
  server_pids+=("$server_pid")
}

# stop_server NAME: SIGTERM to the server's pid, wait for it; sets server_rss_kb (its peak RSS).
# Not in a subshell: it waits for its own child and updates server_pids.
stop_server() {
  local name=$1 p keep=()
  kill -TERM "$server_pid"
  if ! wait "$server_time_pid"; then
    echo "compare.sh: $name did not exit cleanly:" >&2
    tail -n 5 "$work/$name.err" >&2
    return 1
  fi
  for p in "${server_pids[@]}"; do [[ $p == "$server_pid" ]] || keep+=("$p"); done
  server_pids=("${keep[@]}")
  server_rss_kb=$(max_rss_kb "$work/$name.time")
}

# run_client NAME CMD...: one client run against server_port; prints "MSGS_PER_S RSS_KB".
run_client() {
  local name=$1; shift
  if ! /usr/bin/time -v -o "$work/$name.time" "$@" --host 127.0.0.1 --port "$server_port" \
      >"$work/$name.out" 2>"$work/$name.err"; then
    echo "compare.sh: $name failed:" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    return 1
  fi
  local rate
  rate=$(sed -n 's/^RESULT .* msgs_per_s=\([0-9]*\).*/\1/p' "$work/$name.out")
  [[ -n $rate ]] || { echo "compare.sh: $name printed no RESULT line" >&2; return 1; }
  echo "$rate $(max_rss_kb "$work/$name.time")"
}

rows=()
# measure LABEL IMPL WINDOW N SERVER_KIND CLIENT_KIND: runs `runs` times, appends a table row.
measure() {
  local label=$1 impl=$2 window=$3 n=$4 server_kind=$5 client_kind=$6
  local rates=() crss=() srss=() load r
  load=$(loadavg)
  for ((r = 1; r <= runs; r++)); do
    case $server_kind in
      sim) start_server sim "$sim" --receipts off --stats-interval 0 --log-level warning ;;
      node) start_server node node "$node_server" ;;
    esac
    local result
    case $client_kind in
      esme_bench) result=$(run_client client "$esme_bench" --count "$n" --window "$window") ;;
      node) result=$(run_client client node "$node_client" --count "$n" --window "$window") ;;
    esac
    stop_server "$server_kind"
    local s_kb=$server_rss_kb
    rates+=("${result% *}")
    crss+=("${result#* }")
    srss+=("$s_kb")
    echo "  $label, $impl, window $window, run $r: ${result% *} msgs/s, client ${result#* } kB, server $s_kb kB" >&2
  done
  local m_rate m_crss m_srss all
  m_rate=$(printf '%s\n' "${rates[@]}" | median)
  m_crss=$(printf '%s\n' "${crss[@]}" | median)
  m_srss=$(printf '%s\n' "${srss[@]}" | median)
  all=$(for r in "${rates[@]}"; do printf '%s / ' "$(thousands "$r")"; done); all=${all% / }
  rows+=("| $label | $impl | $window | $(thousands "$n") | **$(thousands "$m_rate")** | $all | $(mib "$m_crss") | $(mib "$m_srss") | $load |")
}

echo "compare.sh: $runs runs per row; esme_bench N=$n_aiosmpp, node-smpp client N=$n_node" >&2
for w in 100 1000; do
  measure "client vs aiosmpp-smsc-sim" "aiosmpp esme_bench" "$w" "$n_aiosmpp" sim esme_bench
  measure "client vs aiosmpp-smsc-sim" "node-smpp client" "$w" "$n_node" sim node
done
measure "server serving esme_bench" "aiosmpp-smsc-sim" 100 "$n_aiosmpp" sim esme_bench
measure "server serving esme_bench" "node-smpp server" 100 "$n_node" node esme_bench

compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" | head -n1)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" | head -n1)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
smpp_version=$(node -p "require('smpp/package.json').version")
cmdline="bench/compare.sh --build-dir ${build#"$repo"/} --runs $runs --n-aiosmpp $n_aiosmpp --n-node $n_node"

table=$(
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($cpu), $mem, $(. /etc/os-release && echo "$PRETTY_NAME");"
  echo "aiosmpp built with $("${compiler:-c++}" --version | head -n1) ($build_type), node $(node --version), smpp $smpp_version."
  echo "Clients and server share the machine's cores over loopback. Median of $runs runs each;"
  echo "peak RSS is GNU time's maximum resident set size (median of the runs); load is the"
  echo "1-minute load average when the row started (other engineers' builds share this machine)."
  echo
  echo '```sh'
  echo "$cmdline"
  echo '```'
  echo
  echo "| comparison | implementation | window | N | msgs/s (median) | runs | client peak RSS (MiB) | server peak RSS (MiB) | load |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
)
echo "$table"

if [[ $write -eq 1 ]]; then
  md="$repo/BENCHMARKS.md"
  begin='<!-- compare.sh:begin (generated by bench/compare.sh --write; edits are overwritten) -->'
  end='<!-- compare.sh:end -->'
  if ! grep -qF "$begin" "$md" || ! grep -qF "$end" "$md"; then
    echo "compare.sh: the markers are missing from BENCHMARKS.md; add these two lines where the table goes:" >&2
    echo "$begin" >&2
    echo "$end" >&2
    exit 1
  fi
  printf '%s\n' "$table" >"$work/table.md"
  awk -v b="$begin" -v e="$end" -v f="$work/table.md" '
    $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == e { skip = 0 }
    !skip { print }' "$md" >"$work/BENCHMARKS.md"
  cat "$work/BENCHMARKS.md" >"$md"
  echo "compare.sh: BENCHMARKS.md updated" >&2
fi
