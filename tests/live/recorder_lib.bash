# Helpers shared by the recorder's live tests (sourced; not a test itself: the name does not end in .sh).
# Every test makes its own temp dir and kills only the processes it started.
MS=${1:?usage: $0 <memsleuth-binary>}
TMP=$(mktemp -d /tmp/ms-recorder-test.XXXXXX)
PIDS=()
CLEANUPS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  local i
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[i]}" || true; done
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT INT TERM

die() { echo "FAIL: $*" >&2; [[ -f $TMP/rec.log ]] && { echo "--- recorder log" >&2; tail -20 "$TMP/rec.log" >&2; }; exit 1; }

# Polls a command until it succeeds; fails the test after $2 tries of 0.2s (bounded, no timing assertion).
wait_for() {
  local what=$1 tries=$2; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "timed out waiting for: $what"
}

samples_in() { sqlite3 "file:$1?mode=ro" "SELECT count(*) FROM samples" 2>/dev/null || echo 0; }
has_samples() { (($(samples_in "$1") >= $2)); }

# Starts the recorder in the background with a log; sets REC_PID; extra args follow.
start_recorder() {
  "$MS" record "$@" >"$TMP/rec.log" 2>&1 &
  REC_PID=$!
  PIDS+=("$REC_PID")
}

# Port the recorder printed ("serving /metrics on http://127.0.0.1:PORT/metrics").
metrics_port() { sed -n 's|.*serving /metrics on http://[^:]*:\([0-9]*\)/metrics.*|\1|p' "$TMP/rec.log" | head -1; }
port_known() { [[ -n $(metrics_port) ]]; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
metric_value() { # name{labels} exactly as exposed -> value
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'
}
