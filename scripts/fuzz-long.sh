#!/usr/bin/env bash
# Long fuzzing runs: builds the fuzz preset's configuration (clang++, libFuzzer, ASan + UBSan)
# and runs every fuzz target for a while, several at once, then prints a summary.
#
#   scripts/fuzz-long.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 600. TARGET names are as in tests/fuzz (pdu_decode, framer,
# ...); default all. Runs up to nproc targets in parallel (FUZZ_JOBS overrides). Environment:
#   FUZZ_BUILD_DIR  build directory (default build/fuzz, the preset's)
#   FUZZ_WORK_DIR   where corpora, logs and crash artifacts go (default <build>/fuzz-long)
#
# Corpora grow in the work dir, seeded from tests/fuzz/corpus and tests/fuzz/regressions (which
# are read, never written). A crash, leak, timeout or sanitizer report leaves its input in
# <work>/<target>/artifacts/; minimise it (<target>_fuzz -minimize_crash=1 -runs=10000 FILE) and
# commit it under tests/fuzz/regressions/<target>/. Exit status: 0 when every target ran clean.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
shift $(( $# > 0 ? 1 : 0 ))
all_targets=(pdu_decode framer text_decode receipt udh json_decode smsc_session)
targets=("$@")
if (( ${#targets[@]} == 0 )); then targets=("${all_targets[@]}"); fi
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
work=${FUZZ_WORK_DIR:-$build/fuzz-long}
jobs=${FUZZ_JOBS:-$(nproc)}

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds == 0 )); then
  echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi

# The same cache as the fuzz preset (CMakePresets.json), in any build directory.
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAIOSMPP_BUILD_FUZZERS=ON -DAIOSMPP_BUILD_TESTS=OFF -DAIOSMPP_BUILD_EXAMPLES=OFF \
  -DAIOSMPP_BUILD_TOOLS=OFF -DAIOSMPP_BUILD_BENCH=OFF -DAIOSMPP_INSTALL=OFF \
  "-DCMAKE_CXX_FLAGS=-g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null || exit 1
cmake --build "$build" --target "${targets[@]/%/_fuzz}" -j "$jobs" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 dir=$work/$1
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local dict=()
  [[ -f "$root/tests/fuzz/$t.dict" ]] && dict=("-dict=$root/tests/fuzz/$t.dict")
  "$build/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" \
    "$dir/corpus" "$root/tests/fuzz/corpus/$t" "$root/tests/fuzz/regressions/$t" \
    >"$dir/log.txt" 2>&1
  echo $? >"$dir/status"
}

echo "fuzzing ${#targets[@]} target(s) for ${seconds}s each, $jobs at a time; logs in $work"
running=0
for t in "${targets[@]}"; do
  if [[ ! -x "$build/tests/fuzz/${t}_fuzz" ]]; then
    echo "unknown target: $t" >&2
    exit 2
  fi
  rm -f "$work/$t/status"
  run_one "$t" &
  running=$((running + 1))
  if (( running >= jobs )); then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
printf '\n%-14s %-6s %10s %8s %10s  %s\n' target result execs cov corpus artifacts
for t in "${targets[@]}"; do
  dir=$work/$t
  status=$(cat "$dir/status" 2>/dev/null || echo "?")
  result=ok
  if [[ "$status" != 0 ]]; then result=FAIL; failed=1; fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log.txt" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log.txt" | tail -1 | cut -d' ' -f2)
  files=$(find "$dir/corpus" -type f | wc -l)
  artifacts=$(find "$dir/artifacts" -type f | tr '\n' ' ')
  printf '%-14s %-6s %10s %8s %10s  %s\n' "$t" "$result" "${execs:--}" "${cov:--}" "$files" \
    "${artifacts:-none}"
done
if (( failed )); then
  echo "failures: see $work/<target>/log.txt and the artifacts listed above" >&2
fi
exit $failed
