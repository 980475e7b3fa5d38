#!/usr/bin/env bash
# `make image`: the OCI image deploy/daemonset.yaml runs, built with Debian's buildah and no base image:
# FROM scratch + the memsleuth binary + exactly the shared libraries it loads (ld.so's list for the
# binary, plus libsystemd.so.0, which memsleuth dlopen()s to read the kubelet's journal, and what that
# library needs) + the Debian copyright file of every package those files come from.
#
#   scripts/image.sh [--binary build/memsleuth] [--name localhost/memsleuth] [--archive FILE]
#                    [--version V] [--source URL] [--print-tag]
#
# Tags NAME:<version> and NAME:latest, where <version> is scripts/version.sh's (git describe --tags
# --always --dirty: the string of memsleuth --version and memsleuth_build_info). --archive also writes
# the image as an OCI archive
# (for `ctr images import` or `skopeo copy oci-archive:FILE docker://...`). The storage is buildah's
# default (CONTAINERS_STORAGE_CONF selects another, as the tests do).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BINARY=$SRC/build/memsleuth
NAME=localhost/memsleuth
ARCHIVE="" VERSION="" SOURCE="" PRINT_TAG=0
die() { echo "image.sh: $*" >&2; exit 1; }
while (($#)); do
  case $1 in
    --binary) BINARY=${2:?}; shift ;;
    --name) NAME=${2:?}; shift ;;
    --archive) ARCHIVE=${2:?}; shift ;;
    --version) VERSION=${2:?}; shift ;;
    --source) SOURCE=${2:?}; shift ;;
    --print-tag) PRINT_TAG=1 ;;
    *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
  shift
done

# scripts/version.sh: the string `memsleuth --version` and memsleuth_build_info carry (git describe, or
# the project version outside a git checkout).
if [[ -z $VERSION ]]; then
  VERSION=$(bash "$SRC/scripts/version.sh" version) || die "scripts/version.sh failed: pass --version"
fi
# An OCI tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; git describe output always fits, a --version may not.
[[ $VERSION =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "version '$VERSION' is not a valid image tag"
if ((PRINT_TAG)); then echo "$VERSION"; exit 0; fi

command -v buildah >/dev/null || die "buildah not found (Debian package buildah; make deps installs it)"
[[ -x $BINARY ]] || die "$BINARY is not an executable (run make build)"
REVISION=$(bash "$SRC/scripts/version.sh" revision)
# Where the source lives: the checkout's origin, else the project's public home (the registry the
# DaemonSet used to name, ghcr.io/memsleuth, is that project's).
[[ -n $SOURCE ]] || SOURCE=$(git -C "$SRC" remote get-url origin 2>/dev/null || echo https://github.com/memsleuth/memsleuth)

STAGE=$(mktemp -d /tmp/memsleuth-image.XXXXXX)
CTR=""
cleanup() {
  [[ -z $CTR ]] || buildah rm "$CTR" >/dev/null 2>&1 || true
  rm -rf "$STAGE"
}
trap cleanup EXIT

# ldd's "name => /path (addr)" and "/path (addr)" lines; linux-vdso has no file. A "not found" is fatal:
# the image would not start.
libs_of() {
  local out
  out=$(ldd "$1" 2>&1) || { [[ $out == *"not a dynamic executable"* ]] && return 0; die "ldd $1: $out"; }
  if grep -q 'not found' <<<"$out"; then die "ldd $1: $(grep 'not found' <<<"$out" | head -1)"; fi
  awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out"
}
# The dlopen()ed journal library, resolved as the loader resolves it (ld.so.cache).
journal_lib() {
  # (no early exit in the reader: under pipefail, a writer killed by SIGPIPE fails the pipeline)
  ldconfig -p | awk '$1 == "libsystemd.so.0" && /x86-64/ && !p {p = $NF} END {print p}'
}

declare -A files=()
list=$(libs_of "$BINARY") || exit 1
for f in $list; do files[$f]=1; done
# A static build has no loader and cannot dlopen(): it goes without the journal.
if ((${#files[@]})) && nm -D --undefined-only "$BINARY" | grep -w dlopen >/dev/null; then
  sd=$(journal_lib)
  [[ -n $sd ]] || die "libsystemd.so.0 not found (Debian package libsystemd0): the image could not read journals"
  files[$sd]=1
  list=$(libs_of "$sd") || exit 1
  for f in $list; do files[$f]=1; done
fi

install -D -m 0755 "$BINARY" "$STAGE/usr/bin/memsleuth"
declare -A pkgs=()
for f in "${!files[@]}"; do
  # Each library at the path the loader found it (regular file, symlinks followed): the image has no
  # ld.so.cache, and the loader's built-in directories include /lib/x86_64-linux-gnu.
  install -D -m 0644 "$(readlink -f "$f")" "$STAGE$f"
  # merged /usr: dpkg may know the file under the other name
  pkg=$(dpkg -S "$f" 2>/dev/null || dpkg -S "$(readlink -f "$f")" 2>/dev/null || true)
  pkg=${pkg%%:*}
  [[ -n $pkg ]] && pkgs[$pkg]=1
done
chmod 0755 "$STAGE"/lib64/ld-linux-*.so.* 2>/dev/null || true
for p in "${!pkgs[@]}"; do
  c=/usr/share/doc/$p/copyright
  [[ -f $c ]] && install -D -m 0644 "$c" "$STAGE$c"
done
# Mount points of the DaemonSet (a read-only root cannot grow them), and a /tmp for nothing in
# particular: memsleuth keeps SQLite temp data in memory.
install -d -m 0755 "$STAGE/host" "$STAGE/var/lib/memsleuth"
install -d -m 1777 "$STAGE/tmp"

CTR=$(buildah from scratch)
buildah copy --quiet "$CTR" "$STAGE" / >/dev/null
CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
buildah config \
  --entrypoint '["/usr/bin/memsleuth"]' --cmd '["--help"]' --workingdir / --user 0:0 \
  --env PATH=/usr/bin \
  --label org.opencontainers.image.title=memsleuth \
  --label "org.opencontainers.image.description=Who is eating this Linux/Kubernetes node's memory: node agent and flight recorder" \
  --label "org.opencontainers.image.version=$VERSION" \
  --label "org.opencontainers.image.revision=$REVISION" \
  --label "org.opencontainers.image.source=$SOURCE" \
  --label "org.opencontainers.image.created=$CREATED" \
  --label org.opencontainers.image.base.name=scratch \
  "$CTR"
buildah commit --quiet --format oci --rm "$CTR" "$NAME:$VERSION" >/dev/null
CTR=""
buildah tag "$NAME:$VERSION" "$NAME:latest"
if [[ -n $ARCHIVE ]]; then
  rm -f "$ARCHIVE"
  buildah push --quiet "$NAME:$VERSION" "oci-archive:$ARCHIVE:$NAME:$VERSION"
fi
size=$(du -sk --apparent-size "$STAGE" | cut -f1)
echo "image.sh: built $NAME:$VERSION (also :latest): $((${#files[@]})) libraries, ${size} KiB uncompressed${ARCHIVE:+, archive $ARCHIVE}" >&2
