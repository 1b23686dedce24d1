#!/usr/bin/env bash
# Installs what building, testing and benchmarking flowtap need on Debian
# or Ubuntu: the BPF toolchain (only for `make generate`), and the real
# peers the tests compare against (tshark, tcpdump, tcpreplay). Go itself
# must be >= 1.21; a newer toolchain named in go.mod is fetched by Go.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
pkgs=(make git ca-certificates gcc libc6-dev clang-14 clang-format-14 llvm-14 libbpf-dev linux-libc-dev
      tshark tcpdump tcpreplay iproute2 time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then
    echo "Go is in /usr/local/go/bin: add it to PATH" >&2
  else
    $SUDO apt-get install -y -q golang-go
  fi
fi
