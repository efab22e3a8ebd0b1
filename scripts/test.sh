#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test:
#   1. dev preset (Debug, warnings as errors): unit, integration, interop (node-smpp), package;
#   2. fuzz preset (clang++, libFuzzer, ASan+UBSan): each fuzz target over its committed corpus
#      and regressions, then for AIOSMPP_FUZZ_SECONDS (default 30) of new inputs;
#   3. asan-ubsan preset: the whole suite of step 1 again under AddressSanitizer and
#      UndefinedBehaviorSanitizer;
#   4. tsan preset: the tests labelled "threads" (those that call the library from several
#      threads) under ThreadSanitizer.
# Exits non-zero on any failure and ends with ctest's summary. For a quick local loop:
# AIOSMPP_SKIP_SANITIZERS=1 skips steps 3 and 4, AIOSMPP_SKIP_FUZZ=1 skips step 2.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-deps.sh

stage() { echo; echo "== $1 ($(( $(date +%s) - start )) s so far)"; }
start=$(date +%s)

stage "dev: configure, build, test"
cmake --workflow --preset dev

if [[ "${AIOSMPP_SKIP_FUZZ:-0}" != 1 ]]; then
  stage "fuzz: configure, build, run each target for ${AIOSMPP_FUZZ_SECONDS:-30} s"
  cmake --preset fuzz "-DAIOSMPP_FUZZ_SECONDS=${AIOSMPP_FUZZ_SECONDS:-30}" >/dev/null
  cmake --build --preset fuzz
  ctest --preset fuzz
fi

if [[ "${AIOSMPP_SKIP_SANITIZERS:-0}" != 1 ]]; then
  stage "asan-ubsan: configure, build, test"
  cmake --workflow --preset asan-ubsan

  stage "tsan: configure, build and run the tests labelled 'threads'"
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  # ThreadSanitizer's shadow memory needs a predictable address-space layout, which some kernels'
  # mmap randomisation breaks ("unexpected memory mapping"): run without ASLR where that's allowed.
  no_aslr=()
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    no_aslr=(setarch "$(uname -m)" -R)
  fi
  "${no_aslr[@]}" ctest --preset tsan
fi

stage "done"
