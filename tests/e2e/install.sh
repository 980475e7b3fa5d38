#!/usr/bin/env bash
# `make install` (the Makefile target, on this build directory) into a DESTDIR, twice: PREFIX=/usr and
# PREFIX=/opt/memsleuth. Each installs exactly the binary, memsleuth(1), the bash/zsh/fish
# completions, the systemd unit (its ExecStart= and Documentation= naming the installed binary and
# docs) and the docs; the installed binary runs.
set -euo pipefail
MS=${1:?usage: install.sh <memsleuth binary in its build directory>}
SRC=${MEMSLEUTH_SOURCE_DIR:?}
BUILD=$(cd "$(dirname "$MS")" && pwd)
TMP=$(mktemp -d /tmp/ms-install-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# What an install must hold, relative to the prefix (docs: every docs/*.md, README.md, deploy/).
expected() {
  local p=$1
  {
    echo bin/memsleuth
    echo share/man/man1/memsleuth.1
    echo share/bash-completion/completions/memsleuth
    echo share/zsh/vendor-completions/_memsleuth
    echo share/fish/vendor_completions.d/memsleuth.fish
    echo lib/systemd/system/memsleuth-record.service
    echo share/doc/memsleuth/README.md
    (cd "$SRC/docs" && ls -- *.md) | sed 's|^|share/doc/memsleuth/|'
    (cd "$SRC/deploy" && find . -type f ! -name '*.service' | sed 's|^\./|share/doc/memsleuth/deploy/|')
  } | sed "s|^|${p#/}/|" | sort
}

check_install() {
  local prefix=$1 dest=$TMP/dest-${1//\//_}
  make -C "$SRC" --no-print-directory install BUILD="$BUILD" DESTDIR="$dest" PREFIX="$prefix" >"$TMP/make.log" 2>&1 ||
    { tail -30 "$TMP/make.log"; fail "make install PREFIX=$prefix exited non-zero"; }
  (cd "$dest" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$TMP/got"
  expected "$prefix" >"$TMP/want"
  diff -u "$TMP/want" "$TMP/got" >"$TMP/diff" || { cat "$TMP/diff"; fail "PREFIX=$prefix: installed files differ (- missing, + extra)"; }
  local root=$dest$prefix unit=$dest$prefix/lib/systemd/system/memsleuth-record.service
  [[ -x $root/bin/memsleuth ]] || fail "$root/bin/memsleuth is not executable"
  # The unit starts the binary it was installed with, and its documentation is where it was installed.
  grep -qx "ExecStart=$prefix/bin/memsleuth record .*" "$unit" || { grep ExecStart "$unit"; fail "ExecStart= not $prefix/bin/memsleuth"; }
  local doc
  doc=$(sed -n 's|^Documentation=.*file://\([^ ]*\).*|\1|p' "$unit")
  [[ $doc == "$prefix/share/doc/memsleuth/recorder.md" ]] || fail "Documentation= names '$doc'"
  [[ -f $dest$doc ]] || fail "the unit's documentation $doc is not installed"
  grep -q '^Documentation=man:memsleuth(1)' "$unit" || fail "the unit does not name memsleuth(1)"
  if [[ $prefix != /usr/local ]] && grep -n "/usr/local" "$unit"; then fail "the unit still names /usr/local"; fi
  # The installed binary runs, and is the one this build made.
  "$root/bin/memsleuth" --version >"$TMP/v" || fail "installed memsleuth --version exited $?"
  diff <("$MS" --version) "$TMP/v" || fail "installed binary's --version differs from the build's"
  "$root/bin/memsleuth" snapshot --no-processes -o json | jq -e '.schema == "memsleuth.snapshot/v1"' >/dev/null ||
    fail "installed memsleuth snapshot -o json"
  # Generated files are the build's.
  cmp "$BUILD/share/memsleuth.1" "$root/share/man/man1/memsleuth.1" || fail "man page differs from the build's"
  echo "ok: make install PREFIX=$prefix DESTDIR=$dest: $(wc -l <"$TMP/got") files"
}

check_install /usr
check_install /opt/memsleuth
echo PASS
