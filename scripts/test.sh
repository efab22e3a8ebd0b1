#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test (unit,
# integration, package consumer) twice: in the dev preset (Debug, warnings as errors) and under
# AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero on any failure; ends with ctest's
# summary. AIOSMPP_SKIP_SANITIZERS=1 skips the sanitizer pass (for a quick local loop only).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-deps.sh

start=$(date +%s)
echo "== dev: configure, build, test"
cmake --workflow --preset dev

if [[ "${AIOSMPP_SKIP_SANITIZERS:-0}" != 1 ]]; then
  echo "== asan-ubsan: configure, build, test (dev stage took $(( $(date +%s) - start )) s)"
  cmake --workflow --preset asan-ubsan
fi
