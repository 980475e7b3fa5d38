#!/usr/bin/env bash
# Live: deploy/grafana/memsleuth-fleet.json against a real Prometheus (Debian's) scraping a real
# recorder. The node is given what every panel shows: a kubelet (a process named kubelet whose
# --cgroup-root is a cgroup of ours, with a limited kubepods: the allocatable view), a pod-shaped cgroup
# with a real OOM kill, an eviction in the kubelet's log, and the recorder's target carries a `node`
# label as deploy/servicemonitor.yaml's relabeling gives it. Every panel's query (Grafana's variables
# substituted) must parse and return at least one series through /api/v1/query; the kill and the
# eviction panels must show our namespace; the node variable's query must list our node.
source "$(dirname "$0")/recorder_lib.bash"
DASH=${MEMSLEUTH_SOURCE_DIR:?}/deploy/grafana/memsleuth-fleet.json
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (memory cgroups, /dev/kmsg)"; exit 77; fi
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then echo "SKIP: no writable cgroup v1 memory hierarchy at $MEM"; exit 77; fi
for t in prometheus python3 curl jq cc; do command -v $t >/dev/null || die "$t not installed (scripts/deps.sh)"; done

NODE=ms-dash-node-$$
PREFIX=mst-dash-$$
BASE=$MEM/$PREFIX
POD_UID=$(cat /proc/sys/kernel/random/uuid)
CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
CG=$BASE/kubepods/burstable/pod$POD_UID/$CID
CLEANUPS+=("rmdir '$CG' '$BASE/kubepods/burstable/pod$POD_UID' '$BASE/kubepods/burstable' '$BASE/kubepods' '$BASE' 2>/dev/null")
mkdir -p "$CG" || die "cannot create $CG"
echo $((2 << 30)) >"$BASE/kubepods/memory.limit_in_bytes"
echo $((48 << 20)) >"$CG/memory.limit_in_bytes"
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((48 << 20)) >"$CG/memory.memsw.limit_in_bytes"

# The node's files under a root of ours: the kubelet's config, /var/log/pods, its log, /dev/kmsg.
ROOT=$TMP/root
NS=mst-dash-ns
POD=hog-$$
mkdir -p "$ROOT/etc/kubernetes" "$ROOT/var/log/pods/${NS}_${POD}_${POD_UID}/hog" "$ROOT/var/log/containers" "$ROOT/dev"
touch "$ROOT/var/log/pods/${NS}_${POD}_${POD_UID}/hog/0.log"
ln -s "../pods/${NS}_${POD}_${POD_UID}/hog/0.log" "$ROOT/var/log/containers/${POD}_${NS}_hog-${CID}.log"
ln -s /dev/kmsg "$ROOT/dev/kmsg"
: >"$ROOT/var/log/kubelet.log"
cat >"$ROOT/etc/kubernetes/kubelet-config.yaml" <<'YML'
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
evictionHard:
  memory.available: "500Mi"
YML
# The kubelet: a real binary named kubelet (comm and exe say so) whose pods cgroup is ours.
printf '#include <unistd.h>\nint main(void){for(;;)pause();}\n' | cc -x c -o "$TMP/kubelet" - || die "cc"
"$TMP/kubelet" --config=/etc/kubernetes/kubelet-config.yaml --cgroup-root=/$PREFIX &
KUBELET=$!
PIDS+=("$KUBELET")
# The recorder takes the lowest-pid kubelet: another test's fake kubelet would win. Wait it out.
lowest_is_ours() { [[ $(pgrep -x kubelet | sort -n | head -1) == "$KUBELET" ]]; }
wait_for "no other process named kubelet below pid $KUBELET ($(pgrep -x kubelet | tr '\n' ' '))" 600 lowest_is_ours

PORT=$(free_port)
start_recorder --rootfs "$ROOT" --db "$TMP/h.db" --interval 1s --listen "127.0.0.1:$PORT" \
  --kubelet-log /var/log/kubelet.log --kubelet-unit off
wait_for "first sample" 300 has_samples "$TMP/h.db" 1

PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: memsleuth
    static_configs: [{targets: ["127.0.0.1:$PORT"], labels: {node: "$NODE"}}]
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$TMP/prom.log" 2>&1 &
PIDS+=($!)
wait_for "prometheus ready" 150 curl -sf "http://127.0.0.1:$PPORT/-/ready"
q() { curl -sf --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
series() { q "$1" | jq -r '.data.result | length'; }
scraped() { [[ $(series "up{job=\"memsleuth\",node=\"$NODE\"} == 1") == 1 ]]; }
wait_for "prometheus scraped the recorder" 150 scraped

# An eviction the kubelet logs, and a real OOM kill in the pod's container cgroup.
klog_now() { date -u +"%m%d %H:%M:%S.000000"; }
echo "I$(klog_now) 4242 eviction_manager.go:612] \"Evicting pod\" pod=\"$NS/victim\" podUID=\"11111111-2222-3333-4444-555555555555\" message=\"The node was low on resource: memory. Threshold quantity: 500Mi, available: 87608Ki. \"" \
  >>"$ROOT/var/log/kubelet.log"
sh -c "echo \$\$ > '$CG/cgroup.procs' && exec python3 -c 'b = b\"x\" * (200 << 20)'" >/dev/null 2>&1 &
VICTIM=$!
rc=0
{ wait "$VICTIM"; } 2>/dev/null || rc=$?
[[ $rc -eq 137 ]] || die "expected the allocator to be OOM-killed (exit 137), got $rc"
counted() { [[ $(series "memsleuth_${1}_total{namespace=\"$NS\"}") -ge 1 ]]; }
wait_for "OOM kill counted in prometheus" 150 counted oom_kills
wait_for "eviction counted in prometheus" 150 counted evictions
sleep 3 # a few more scrapes: increase() over the counters needs two points

# Every panel's query, as Grafana sends it with our node selected.
python3 - "$DASH" "$NODE" >"$TMP/queries.tsv" <<'PY' || die "cannot read the dashboard's panels"
import json, sys
dash, node = json.load(open(sys.argv[1])), sys.argv[2]
names = {v["name"] for v in dash["templating"]["list"]}
assert names == {"datasource", "node"}, f"variables {names}: give them values in this test"
subst = {"$node": node, "$__range": "5m", "$__rate_interval": "15s"}
for p in dash["panels"]:
    if p["type"] == "row":
        continue
    assert p.get("targets"), f"panel {p['title']!r} has no query"
    for t in p["targets"]:
        e = t["expr"]
        for k, v in subst.items():
            e = e.replace(k, v)
        assert "$" not in e, f"unsubstituted variable in {p['title']!r}: {e}"
        print(f"{p['title']}\t{e}")
PY
n=0
while IFS=$'\t' read -r title expr; do
  resp=$(curl -s --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$expr")
  [[ $(jq -r .status <<<"$resp") == success ]] || die "panel '$title': query does not parse: $expr: $(jq -r .error <<<"$resp")"
  count=$(jq '.data.result | length' <<<"$resp")
  ((count >= 1)) || die "panel '$title': no series for $expr"
  case $title in
    OOM*|Evictions*)
      jq -e --arg ns "$NS" '[.data.result[].metric.namespace] | index($ns) != null' <<<"$resp" >/dev/null ||
        die "panel '$title' does not show namespace $NS: $resp" ;;
  esac
  n=$((n + 1))
  echo "ok: $title: $count series"
done <"$TMP/queries.tsv"
((n >= 10)) || die "only $n panel queries found"
# The node variable: label_values(memsleuth_build_info, node).
var=$(jq -r '.templating.list[] | select(.name == "node") | .query.query' "$DASH")
[[ $var == "label_values(memsleuth_build_info, node)" ]] || die "node variable query changed ($var): adapt this check"
curl -sf --get "http://127.0.0.1:$PPORT/api/v1/label/node/values" --data-urlencode "match[]=memsleuth_build_info" |
  jq -e --arg n "$NODE" '.data | index($n) != null' >/dev/null || die "the node variable does not list $NODE"
echo "PASS: $n dashboard queries answered by Prometheus"
