#!/usr/bin/env bash
# Fetches and caches Debian's kernels for the VM tests; sourced by run.sh, or run alone to pre-fetch:
#   bash tests/vm/kernels.sh 6.1 6.12     prints "<series> <vmlinuz path>" per kernel.
# Kernels are unpacked with dpkg-deb, never installed. Package names are resolved at run time through
# the meta packages, because a given version leaves the mirror after a point release.


VM_CACHE=${MEMSLEUTH_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memsleuth-vm}

# Meta package that depends on the current image of each kernel series (Debian 12: 6.1 is the default
# kernel, 6.12 comes from bookworm's updates).
vm_meta_package() {
  case "$1" in
    6.1) echo linux-image-amd64 ;;
    6.12) echo linux-image-6.12-amd64 ;;
    *) return 1 ;;
  esac
}

# Prints the path of a cached vmlinuz for a series; fetches it when the mirror knows a newer image.
# Falls back to any cached image of the same series when the mirror is unreachable.
vm_kernel() {
  local series=$1 meta pkg dir vmlinuz
  meta=$(vm_meta_package "$series") || { echo "vm: unknown kernel series $series" >&2; return 1; }
  mkdir -p "$VM_CACHE/kernels"
  pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}') || true
  if [[ -n "$pkg" ]]; then
    dir=$VM_CACHE/kernels/$pkg
    vmlinuz=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -1) || true
    if [[ -n "$vmlinuz" ]]; then echo "$vmlinuz"; return 0; fi
    local tmp
    tmp=$(mktemp -d "$VM_CACHE/kernels/.fetch.XXXXXX")
    if (cd "$tmp" && apt-get download -q "$pkg" >&2) && dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x" &&
        ls "$tmp"/x/boot/vmlinuz-* >/dev/null 2>&1; then
      # Keep only the kernel image (the modules are 400 MB and the test needs none of them).
      mkdir -p "$tmp/keep/boot" && mv "$tmp"/x/boot/vmlinuz-* "$tmp/keep/boot/"
      rm -rf "$dir" && mv "$tmp/keep" "$dir"
      rm -rf "$tmp"
      ls "$dir"/boot/vmlinuz-* | head -1
      return 0
    fi
    rm -rf "$tmp"
    echo "vm: could not fetch $pkg (apt-get download / dpkg-deb failed)" >&2
  else
    echo "vm: apt-cache does not resolve $meta (run apt-get update?)" >&2
  fi
  # Offline: reuse the newest cached image of this series.
  vmlinuz=$(ls -d "$VM_CACHE"/kernels/linux-image-"$series".[0-9]*/boot/vmlinuz-* \
              "$VM_CACHE"/kernels/linux-image-"$series"+*/boot/vmlinuz-* 2>/dev/null | sort -V | tail -1) || true
  if [[ -n "$vmlinuz" ]]; then echo "vm: using cached $vmlinuz" >&2; echo "$vmlinuz"; return 0; fi
  return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  for s in "${@:-6.1 6.12}"; do
    for k in $s; do echo "$k $(vm_kernel "$k")"; done
  done
fi
