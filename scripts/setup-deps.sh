#!/usr/bin/env bash
# Installs what building and testing aiosmpp needs, and nothing when it is all there already.
# Called by scripts/demo.sh and scripts/test.sh; safe to run again; never asks a question. Works as
# root (CI) or through sudo. On a system without dpkg/apt it only checks the tools and says what to
# install. Starts no service: a package that would start one (redis-server) is installed with
# service starts refused, so nothing is left running, with or without an init system.
set -euo pipefail

# Debian 12 package names, one per line with what needs it: add yours at the end of the list.
# Build: compilers and CMake are assumed (the README's requirement), the rest comes from here. A
# component whose package is missing is skipped cleanly by CMake, so every package here is small
# enough to be worth installing on every run (chromium, the largest, is budgeted in
# docs/testing.md).
packages=(
  cmake ninja-build g++ git
  ccache                     # compiler cache: used when present, never required (docs/testing.md)
  lld                        # the presets' linker when present (AIOSMPP_LINKER=auto), else gold
  libasio-dev libfmt-dev nlohmann-json3-dev
  catch2 libbenchmark-dev
  clang libclang-rt-14-dev   # the fuzz preset: clang++ with libFuzzer and the sanitizer runtimes
  libsqlite3-dev             # aiosmpp::sqlite, the durable broker and correlator
  doxygen                    # the API reference, and the test that keeps it warning-free
  libssl-dev                 # TLS on both sides (asio::ssl over OpenSSL)
  libhiredis-dev             # aiosmpp::redis, the client of the Redis component
  redis-server               # the Redis that the Redis component's tests start (never a service)
  libcpp-httplib-dev         # the simulator's HTTP console
  chromium                   # the console's browser test (headless; skipped without it)
  gnuplot-nox                # BENCHMARKS.md's charts
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

# Debian's maintainer scripts start a package's service through invoke-rc.d (sysvinit, or no init
# at all in a container) or deb-systemd-invoke (systemd); both ask /usr/sbin/policy-rc.d first and
# start nothing when it answers 101. A machine that has one (Docker images do) keeps it; otherwise
# this run puts one there for the installation only and removes it whatever happens.
policy=/usr/sbin/policy-rc.d
own_policy=0
remove_policy() {
  if ((own_policy)); then
    "${sudo_cmd[@]}" rm -f "$policy"
  fi
}
trap remove_policy EXIT
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# scripts/setup-deps.sh: no service starts while it installs packages\nexit 101\n' |
    "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  own_policy=1
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_options=(-y -qq --no-install-recommends -o Dpkg::Use-Pty=0
             -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_options[@]}" "${missing[@]}" \
  </dev/null
log "done"
