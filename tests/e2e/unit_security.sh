#!/usr/bin/env bash
# deploy/memsleuth-record.service: `systemd-analyze security --offline=yes` rates its exposure at most
# 2.5, as written and as `make install` installs it; the installed unit passes `systemd-analyze
# verify` (ExecStart= must exist: the unit is installed with the binary under a temporary prefix, and
# verify checks its man: documentation link against the installed page).
# Why a prefix and not DESTDIR + --root: in a DESTDIR tree verify finds none of systemd's own units
# (sysinit.target, ...) and fails on the default dependencies; with a prefix the unit names the
# binary by its real path and verify checks it against this machine's systemd.
set -euo pipefail
MS=${1:?usage: unit_security.sh <memsleuth binary in its build directory>}
SRC=${MEMSLEUTH_SOURCE_DIR:?}
BUILD=$(cd "$(dirname "$MS")" && pwd)
UNIT=$SRC/deploy/memsleuth-record.service
MAX=2.5
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed (Debian package systemd)"; exit 77; }
TMP=$(mktemp -d /tmp/ms-unit-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

exposure() { # unit file -> the number of "Overall exposure level for X: 2.3 OK"
  systemd-analyze security --offline=yes "$1" >"$TMP/security.txt" 2>&1 || true
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$TMP/security.txt"
}
within() { awk -v a="$1" -v b="$MAX" 'BEGIN {exit !(a != "" && a + 0 <= b + 0)}'; }

score=$(exposure "$UNIT")
[[ -n $score ]] || { cat "$TMP/security.txt"; fail "no 'Overall exposure level' line"; }
within "$score" || { grep '✗' "$TMP/security.txt"; fail "exposure $score > $MAX"; }
echo "ok: $UNIT exposure $score (at most $MAX)"

P=$TMP/prefix
DESTDIR="" cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; fail "cmake --install"; }
INSTALLED=$P/lib/systemd/system/memsleuth-record.service
grep -q "^ExecStart=$P/bin/memsleuth record" "$INSTALLED" || fail "installed unit's ExecStart= is not $P/bin/memsleuth"
score2=$(exposure "$INSTALLED")
within "$score2" || fail "installed unit: exposure '$score2' > $MAX"
# The man page the unit names is found where it was installed.
MANPATH=$P/share/man: systemd-analyze verify "$INSTALLED" >"$TMP/verify.txt" 2>&1 || { cat "$TMP/verify.txt"; fail "systemd-analyze verify"; }
[[ ! -s $TMP/verify.txt ]] || { cat "$TMP/verify.txt"; fail "systemd-analyze verify printed warnings"; }
echo "ok: installed unit verifies, exposure $score2"
# verify really looks at ExecStart=: without the binary it must complain.
mv "$P/bin/memsleuth" "$P/bin/memsleuth.away"
if MANPATH=$P/share/man: systemd-analyze verify "$INSTALLED" >"$TMP/verify2.txt" 2>&1; then
  fail "systemd-analyze verify accepts the unit without its binary: the check above proves nothing"
fi
grep -q "memsleuth" "$TMP/verify2.txt" || { cat "$TMP/verify2.txt"; fail "verify's complaint does not name the binary"; }
echo PASS
