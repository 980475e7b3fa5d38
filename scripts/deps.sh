#!/usr/bin/env bash
# Installs every Debian package that memsleuth's build and tests need. Idempotent, non-interactive.
# clang, libbpf-dev and bpftool build the BPF readers (cmake/bpf.cmake: off, with a message, when
# the build machine has no kernel BTF).
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build g++ clang libclang-rt-14-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev sqlite3
  libcrypt-dev libexpected-dev zlib1g-dev libsystemd-dev pkg-config libgtest-dev libgmock-dev libbenchmark-dev
  procps jq tzdata python3 util-linux ccache curl libssl-dev
  libbpf-dev bpftool
)
# Test-only tools (live/e2e/vm/report tests). MEMSLEUTH_DEPS=build skips them.
TEST_PKGS=(
  plocate qemu-system-x86 busybox-static cpio smem atop prometheus chromium python3-yaml time
  systemd-journal-remote strace
  # make image (buildah) and the container e2e tests: podman with runc (crun refuses the hybrid cgroup
  # hierarchy of the build machines), its bridge network, and containerd as the pods' runtime.
  podman buildah runc containernetworking-plugins containerd
  # man page, completion and systemd unit tests (man --warnings, col, zsh, fish, systemd-analyze).
  man-db groff-base bsdextrautils zsh fish systemd
)
# The HTML report embeds uPlot from the npm registry: npm must exist (the machine image ships Node.js).
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
want=("${PKGS[@]}")
if [[ "${MEMSLEUTH_DEPS:-all}" != build ]]; then want+=("${TEST_PKGS[@]}"); fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
# policy-rc.d keeps package postinst scripts from starting daemons (prometheus, atop, cron).
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
