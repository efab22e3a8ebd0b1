#!/usr/bin/env bash
# Installs what building and testing aiosmpp needs, and nothing when it is all there already.
# Called by scripts/demo.sh and scripts/test.sh; safe to run again. Works as root (CI) or through
# sudo. On a system without dpkg/apt it only checks the tools and says what to install.
set -euo pipefail

# Debian 12 package names. Build: compilers and CMake are assumed (the README's requirement), the
# rest comes from here.
packages=(
  cmake ninja-build g++ git
  libasio-dev libfmt-dev nlohmann-json3-dev
  catch2 libbenchmark-dev
  clang libclang-rt-14-dev   # the fuzz preset: clang++ with libFuzzer and the sanitizer runtimes
  libsqlite3-dev             # aiosmpp::sqlite, the durable broker and correlator
  doxygen                    # the API reference, and the test that keeps it warning-free
)

log() { printf '[setup] %s\n' "$*"; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  log "no dpkg/apt here: install the equivalents of: ${packages[*]}"
  exit 0
fi

# node and npm run node-smpp, the third-party peer of the interop tests. A machine that already has
# them (from NodeSource, nvm, ...) keeps its own: Debian's npm would conflict with them.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  log "all packages present"
  exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    log "missing packages: ${missing[*]}; run this script as root or install sudo"
    exit 1
  fi
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
log "done"
