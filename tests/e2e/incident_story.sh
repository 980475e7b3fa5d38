#!/usr/bin/env bash
# End to end, the 3 a.m. story of issue 16: a recorder runs (`record --interval 1s`) while a process in
# a memory cgroup of our own, with a 96 MiB limit, is OOM-killed. Asserts, on that real kill:
#  - the first kill after the recorder's start raises MemsleuthOOMKills: promtool fed with the
#    recorder's own /metrics before and after the kill (the series absent before the recorder ran);
#  - `report`'s first section names the victim's pid, comm, cgroup and limit, and its findings equal
#    (ids and subjects) those of `doctor --db --at` for the same moment;
#  - `explain PID --at` a moment after the kill returns the victim, "EXITED ... OOM-killed"; plain
#    `explain PID` points to the recorded exit;
#  - headless Chromium sees the cgroup-vs-limit chart with a visible series and time labels that do
#    not collide. Screenshot: tests/artifacts/incident_story/report.png (git-ignored).
# Other helpers' kills may land in /dev/kmsg meanwhile: every assertion is about our pid and cgroup.
source "$(dirname "$0")/../live/recorder_lib.bash"
source "$(dirname "$0")/../live/lib/cgroup.bash"
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ms_require_memcg
if [[ $MEMCG_V2 == 1 ]]; then echo "SKIP: needs the cgroup v1 memory controller (tests/vm covers v2)"; exit 77; fi
for t in python3 sqlite3 curl promtool node; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }; done
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium missing (scripts/deps.sh installs it)"
[[ -d $SRC/node_modules/playwright-core ]] || die "$SRC/node_modules/playwright-core missing (npm ci)"
CLEANUPS+=("ms_cleanup")
ARTIFACTS=${ARTIFACTS:-$SRC/tests/artifacts/incident_story}
mkdir -p "$ARTIFACTS"

CG=$MEMCG_ROOT/mst-story-$$
CGPATH=/mst-story-$$  # as the kernel names it in the OOM report
LIMIT=$((96 << 20))
ms_mkcg "$CG" || die "cannot create $CG"
ms_set_limit "$CG" "$LIMIT" || die "cannot set the limit"
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo "$LIMIT" > "$CG/memory.memsw.limit_in_bytes"

DB=$TMP/history.db
PORT=$(free_port)
start_recorder --db "$DB" --interval 1s --listen "127.0.0.1:$PORT" --kubelet-log off --kubelet-unit off
wait_for "first sample" 300 has_samples "$DB" 1
wait_for "metrics" 100 curl -sf "http://127.0.0.1:$PORT/metrics"

# The hog: 60 MiB and a name of its own, held until told to grow past the limit.
GO=$TMP/go
ms_start_in "$CG" python3 -c '
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(15, b"ms-story-hog", 0, 0, 0)
b = bytearray(60 << 20)
for i in range(0, len(b), 4096): b[i] = 1
open(sys.argv[1] + ".ready", "w").close()
while not os.path.exists(sys.argv[1]): time.sleep(0.05)
c = bytearray(200 << 20)
for i in range(0, len(c), 4096): c[i] = 1
time.sleep(60)' "$GO"
VICTIM=$MS_LAST_PID
ms_wait_file "$GO.ready" "$VICTIM" || die "the hog never got ready"
stored() { (($(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM processes WHERE pid=$VICTIM" 2>/dev/null || echo 0) >= 1)); }
wait_for "the hog stored by a sample" 100 stored
sleep 2  # a few more samples of it

# /metrics before the kill: the OOM counter of `cgroup` owners exists (at 0 unless another test's kill
# was counted), so the kill moves it.
SERIES='memsleuth_oom_kills_total{owner_kind="cgroup",namespace=""}'
BEFORE=$(metric_value "$PORT" "$SERIES")
[[ -n $BEFORE ]] || { curl -s "http://127.0.0.1:$PORT/metrics" | grep oom_kills; die "$SERIES absent before the first kill"; }

touch "$GO"
for _ in $(seq 1 100); do kill -0 "$VICTIM" 2>/dev/null || break; sleep 0.1; done
kill -0 "$VICTIM" 2>/dev/null && die "the hog outlived its limit"
(($(ms_oom_kills "$CG") >= 1)) || die "no OOM kill counted in $CG"
killed() { (($(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE kind='oom_kill' AND pid=$VICTIM" 2>/dev/null || echo 0) >= 1)); }
wait_for "the kill stored" 150 killed
KILL_T=$(sqlite3 "file:$DB?mode=ro" "SELECT time FROM events WHERE kind='oom_kill' AND pid=$VICTIM")
counted() { local v; v=$(metric_value "$PORT" "$SERIES"); [[ -n $v ]] && python3 -c "import sys; sys.exit(0 if float('$v') > float('$BEFORE') else 1)"; }
wait_for "the OOM counter moved" 100 counted
AFTER=$(metric_value "$PORT" "$SERIES")
triggered() { (($(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM samples WHERE trigger='oom-kill' AND time>=$KILL_T" 2>/dev/null || echo 0) >= 1)); }
wait_for "the OOM-triggered snapshot" 150 triggered
sleep 2
kill -TERM "$REC_PID"; wait "$REC_PID" 2>/dev/null

# 1. The victim's last reading is stored with the kill.
[[ $(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE pid=$VICTIM AND process_id IS NOT NULL AND victim IS NOT NULL") == 1 ]] ||
  die "the kill has no victim record: $(sqlite3 "$DB" "SELECT * FROM events WHERE pid=$VICTIM")"

# 2. The alert: the series absent before the recorder started, then the recorder's values before and after.
cp "$SRC/deploy/prometheus/memsleuth-alerts.yaml" "$TMP/"
# Quiet before our kill, unless another test's kill was counted since the recorder started (a series
# that appears above 0 alerts too).
QUIET_BEFORE="      - eval_time: 3m
        alertname: MemsleuthOOMKills
        exp_alerts: []"
[[ $BEFORE == 0 ]] || QUIET_BEFORE=""
cat > "$TMP/story.test.yaml" <<EOF
rule_files: [memsleuth-alerts.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'memsleuth_oom_kills_total{instance="node-1",owner_kind="cgroup",namespace=""}'
        values: '_ _ $BEFORE $BEFORE $AFTER $AFTER $AFTER $AFTER'
    alert_rule_test:
$QUIET_BEFORE
      - eval_time: 5m
        alertname: MemsleuthOOMKills
        exp_alerts:
          - exp_labels: {severity: warning, instance: node-1, owner_kind: cgroup}
            exp_annotations:
              summary: "node-1: OOM kill of a cgroup process (namespace '')"
              description: "\`memsleuth oom\` on the node shows the report; \`memsleuth history --since -15m\` the moments before."
EOF
(cd "$TMP" && promtool test rules story.test.yaml) > "$TMP/promtool.log" 2>&1 || { cat "$TMP/promtool.log"; die "MemsleuthOOMKills did not fire for the first kill"; }

# 3. The report: the incident first, its findings those of `doctor --db --at` of the same moment.
OUT=$ARTIFACTS/report.html
"$MS" report --db "$DB" --since "@$((KILL_T - 30))" --until "@$((KILL_T + 30))" --out "$OUT" > "$TMP/report.log" 2>&1 ||
  { cat "$TMP/report.log"; die "report failed"; }
"$MS" doctor --db "$DB" --at "@$(sed -n 's/.*--at @\([0-9]*\).*/\1/p' "$OUT" | head -1)" -o json > "$TMP/doctor.json"
[[ -s $TMP/doctor.json ]] || die "doctor --db --at wrote nothing"
python3 - "$OUT" "$TMP/doctor.json" "$VICTIM" "$CGPATH" "$LIMIT" <<'PY' || die "report and doctor disagree (see above)"
import html.parser, json, re, sys
page, doctor_file, victim, cgpath, limit = sys.argv[1:]
text = open(page, encoding="utf-8").read()
class P(html.parser.HTMLParser):
    first = None; data = None; in_data = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("id") == "incident" and self.first is None: self.first = a
        if tag == "h2" and self.first is None: self.first = {"h2 before the incident": True}
        self.in_data = tag == "script" and a.get("id") == "report-data"
    def handle_data(self, d):
        if self.in_data: self.data = (self.data or "") + d
p = P(); p.feed(text)
inc = p.first or {}
fail = []
if inc.get("data-pid") != victim: fail.append(f"incident pid {inc.get('data-pid')} != {victim}")
if inc.get("data-comm") != "ms-story-hog": fail.append(f"incident comm {inc.get('data-comm')}")
if inc.get("data-cgroup") != cgpath: fail.append(f"incident cgroup {inc.get('data-cgroup')} != {cgpath}")
if inc.get("data-limit-bytes") != limit: fail.append(f"incident limit {inc.get('data-limit-bytes')} != {limit}")
rep = json.loads(p.data)
doc = json.load(open(doctor_file))
key = lambda f: (f["id"], json.dumps(f["subject"], sort_keys=True))
rk, dk = [key(f) for f in rep["findings"]], [key(f) for f in doc["findings"]]
if rk != dk: fail.append(f"findings differ:\n report {rk}\n doctor {dk}")
if not any(f["id"] == "recent-memcg-oom" and f["subject"].get("pid") == int(victim) for f in rep["findings"]):
    fail.append("no recent-memcg-oom finding for the victim")
print(json.dumps({"incident": inc, "findings": rk}, indent=1))
if fail: print("\n".join(fail)); sys.exit(1)
PY

# 4. explain after the death: the victim as last read, with how it ended.
"$MS" explain "$VICTIM" --at "@$((KILL_T + 5))" --db "$DB" > "$TMP/explain.txt" 2>&1 || { cat "$TMP/explain.txt"; die "explain --at after the kill failed"; }
grep -q "^EXITED .*OOM-killed by the kernel" "$TMP/explain.txt" || { cat "$TMP/explain.txt"; die "explain --at: no EXITED line"; }
grep -q "^PID $VICTIM (ms-story-hog)" "$TMP/explain.txt" || { cat "$TMP/explain.txt"; die "explain --at: not the victim"; }
grep -q "$CGPATH" "$TMP/explain.txt" || { cat "$TMP/explain.txt"; die "explain --at: no cgroup"; }
if "$MS" explain "$VICTIM" --db "$DB" > /dev/null 2> "$TMP/explain-live.txt"; then die "explain of a dead pid succeeded"; fi
grep -q "the recorder saw it die" "$TMP/explain-live.txt" || { cat "$TMP/explain-live.txt"; die "plain explain does not point to the recorded exit"; }

# 5. What a person sees: Chromium draws the cgroup-vs-limit chart, the time labels do not collide.
RES=$(cd "$SRC" && node tests/browser/check_report.mjs "$OUT" "$ARTIFACTS/report.png" --visible-series=victim-cgroup \
      "ms-story-hog (pid $VICTIM) was OOM-killed" "$CGPATH" 2>&1) || { echo "$RES"; die "browser check failed"; }
echo "$RES" | head -c 2000; echo
echo "PASS: kill of pid $VICTIM in $CGPATH alerted, reported first with doctor's findings, explained after death; screenshot $ARTIFACTS/report.png"
