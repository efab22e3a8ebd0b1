#!/usr/bin/env bash
# The README's test command (CI runs exactly this through .ci/run). Installs what is missing, then
# builds and runs every test; docs/testing.md says what each stage proves and what it may cost:
#   1. check (asan-ubsan preset): g++ Debug build of everything with warnings as errors and
#      ASan + UBSan, then the whole suite under them: unit, integration, interop (node-smpp),
#      documentation, soak and the three package-consumer tests;
#   2. fuzz (fuzz preset): clang++ with libFuzzer, only the fuzz targets; each replays its corpus
#      and regressions, then all of them share a fixed budget of new-input fuzzing;
#   3. tsan (tsan preset): the tests labelled "threads" under ThreadSanitizer.
# Ends with each stage's time and the number of tests run; exits non-zero on any failure.
#
# Local loops:
#   scripts/test.sh --quick LAYER   build LAYER's unit tests in build/dev and run them (core, pdu,
#                                   text, json, esme, smsc, sqlite; see docs/testing.md)
#   AIOSMPP_SKIP_SANITIZERS=1       stage 1 builds the dev preset (no sanitizers), stage 3 is skipped
#   AIOSMPP_SKIP_FUZZ=1             stage 2 is skipped
#   AIOSMPP_FUZZ_BUDGET_SECONDS=N   stage 2's new-input fuzzing, all targets together (default 120)
#   AIOSMPP_FUZZ_SEED=N             stage 2's libFuzzer seed (default: from the commit's hash)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# ccache when it is installed (setup-deps installs it) and no launcher is set, never required.
use_ccache() {
  if [[ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]] && command -v ccache >/dev/null 2>&1; then
    export CMAKE_CXX_COMPILER_LAUNCHER=ccache
  fi
}
# For the full run, two more settings let the package tests' add_subdirectory and FetchContent
# builds of the library reuse stage 1's objects instead of compiling them again: the compile
# commands are the same but run from another directory, which ccache hashes for -g builds unless
# told not to (hash_dir), and which a base_dir would turn into other relative paths. Only hits
# come of it: a cold cache (CI's) just compiles.
share_objects_with_package_tests() {
  if [[ "${CMAKE_CXX_COMPILER_LAUNCHER:-}" == *ccache* ]]; then
    export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR=
  fi
}

quick() {
  local layer=$1 target=${1}_tests
  use_ccache
  if [[ ! -f build/dev/CMakeCache.txt ]]; then
    cmake --preset dev >/dev/null
  fi
  local targets
  targets=$(cmake --build build/dev --target help)
  if ! grep -q "^${target}:" <<<"$targets"; then
    echo "no test target ${target}; the <name>_tests targets are:" >&2
    sed -n 's/^\([a-z0-9]*\)_tests: .*/  \1/p' <<<"$targets" >&2
    exit 2
  fi
  cmake --build build/dev --target "$target" -j2
  ctest --test-dir build/dev -R "^${target}:" --output-on-failure -j2
}

case "${1:-}" in
  "") ;;
  --quick)
    [[ -n "${2:-}" ]] || { usage >&2; exit 2; }
    quick "$2"
    exit ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

# Stage bookkeeping: every stage's elapsed seconds against its budget (docs/testing.md), printed
# at the end whatever happens, with the tests ctest counted.
start=$SECONDS
names=() secs=() budgets=() results=()
current="" current_budget=0 current_start=0
tests_passed=0 tests_failed=0
logs=$(mktemp -d)

begin() {
  current=$1 current_budget=$2 current_start=$SECONDS
  echo
  echo "== $1 ($((SECONDS - start)) s so far)"
}
end() {
  names+=("$current") secs+=($((SECONDS - current_start))) budgets+=("$current_budget")
  results+=("${1:-ok}")
  current=""
}
# Runs a ctest command line, keeping its output for the totals.
run_ctest() {
  local log
  log=$(mktemp -p "$logs")
  "$@" 2>&1 | tee "$log"
}
count_tests() {
  local line passed total failed
  for log in "$logs"/*; do
    [[ -f "$log" ]] || continue
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1) || continue
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    total=$(sed -E 's/.*failed out of ([0-9]+).*/\1/' <<<"$line")
    tests_failed=$((tests_failed + failed))
    tests_passed=$((tests_passed + total - failed))
  done
}
summary() {
  local rc=$?
  if [[ -n "$current" ]]; then end FAILED; fi
  count_tests
  echo
  echo "== stage times (s; budgets from docs/testing.md)"
  printf '%-38s %7s %7s  %s\n' stage seconds budget result
  local i over
  for i in "${!names[@]}"; do
    over=""
    if ((secs[i] > budgets[i])); then over=" (over budget)"; fi
    printf '%-38s %7d %7d  %s%s\n' "${names[i]}" "${secs[i]}" "${budgets[i]}" "${results[i]}" "$over"
  done
  printf '%-38s %7d %7d\n' total $((SECONDS - start)) 2490
  rm -rf "$logs"
  echo
  echo "tests: ${tests_passed} passed, ${tests_failed} failed"
  if ((rc != 0)); then fuzz_artifacts; fi
  exit "$rc"
}
# AIOSMPP_FUZZ_SEED when set, else the commit's first 8 hex digits as a number (0, libFuzzer's
# own choice, outside a git checkout).
fuzz_seed() {
  local head
  if [[ -n "${AIOSMPP_FUZZ_SEED:-}" ]]; then
    echo "$AIOSMPP_FUZZ_SEED"
  elif head=$(git rev-parse --short=8 HEAD 2>/dev/null); then
    echo $((16#$head))
  else
    echo 0
  fi
}
# The inputs a failed fuzz run saved, printed last (where a CI log's tail keeps them) as base64,
# so that a failure seen only in CI can be replayed: base64 -d > in && build/fuzz/.../<t>_fuzz in
fuzz_artifacts() {
  local f shown=0
  for f in build/fuzz/tests/fuzz/work/*/artifacts/*; do
    [[ -f "$f" ]] || continue
    ((shown++ < 3)) || break
    echo "fuzz artifact ${f#build/fuzz/tests/fuzz/work/} ($(stat -c %s "$f") octets), base64:"
    head -c 3000 "$f" | base64 -w 0
    echo
  done
}
trap summary EXIT

begin "setup: packages" 300
bash scripts/setup-deps.sh
end

use_ccache
share_objects_with_package_tests
if [[ -n "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]]; then
  echo "compiler launcher: ${CMAKE_CXX_COMPILER_LAUNCHER}"
fi

# Stage 1. AIOSMPP_SKIP_SANITIZERS=1 makes it the plain dev build for a quicker local loop.
main=asan-ubsan
if [[ "${AIOSMPP_SKIP_SANITIZERS:-0}" == 1 ]]; then
  main=dev
fi
begin "check ($main): configure, build" 1080
cmake --preset "$main" >/dev/null
cmake --build --preset "$main"
end
begin "check ($main): every test" 360
run_ctest ctest --preset "$main"
end

if [[ "${AIOSMPP_SKIP_FUZZ:-0}" != 1 ]]; then
  fuzz_budget=${AIOSMPP_FUZZ_BUDGET_SECONDS:-120}
  fuzz_seed=$(fuzz_seed)
  begin "fuzz: configure, build" 240
  echo "fuzz seed ${fuzz_seed} (AIOSMPP_FUZZ_SEED; from the commit, so a failure here fuzzes the same way again)"
  cmake --preset fuzz "-DAIOSMPP_FUZZ_BUDGET_SECONDS=${fuzz_budget}" \
    "-DAIOSMPP_FUZZ_SEED=${fuzz_seed}" >/dev/null
  cmake --build --preset fuzz
  end
  begin "fuzz: corpora, then ${fuzz_budget} s of fuzzing" $((fuzz_budget + 30))
  run_ctest ctest --preset fuzz
  end
fi

if [[ "${AIOSMPP_SKIP_SANITIZERS:-0}" != 1 ]]; then
  begin "tsan: configure, build" 240
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  end
  begin "tsan: tests labelled 'threads'" 120
  # ThreadSanitizer's shadow memory needs a predictable address-space layout, which some kernels'
  # mmap randomisation breaks ("unexpected memory mapping"): run without ASLR where that's allowed.
  no_aslr=()
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    no_aslr=(setarch "$(uname -m)" -R)
  fi
  run_ctest "${no_aslr[@]}" ctest --preset tsan
  end
fi
