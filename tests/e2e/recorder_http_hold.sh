#!/usr/bin/env bash
# The recorder's /metrics endpoint cannot be held (issue 18, item 2), and TLS and basic auth work
# through a web configuration file (--web-config):
#  - 200 connections that never finish their request (reopened as the server closes them) and two
#    clients sending one header byte every 3 s: every ordinary scrape is answered (each has 5 s);
#  - 400 of them, more than the server's 256 connections: still answered (the oldest make room);
#  - 100 pipelined GETs on one connection: 100 answers, in order;
#  - SIGTERM with all of the above held, and a client that never reads: exits within 2 s, code 0;
#  - TLS (a throwaway certificate from openssl req; curl --cacert), basic auth (right, wrong and no
#    password; /healthz open to probes), client certificates, a rotated certificate picked up.
# The scrape latency figures are printed (docs/metrics.md quotes them).
set -euo pipefail
source "$(dirname "$0")/../live/recorder_lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENTS="python3 $HERE/http_clients.py"
command -v curl >/dev/null && command -v openssl >/dev/null || { echo "SKIP: curl and openssl needed"; exit 77; }
QUIET=(--interval 1h --no-kmsg --kubelet-log off --kubelet-unit off)

start_recorder "${QUIET[@]}" --db "$TMP/h.db" --listen 127.0.0.1:0
wait_for "metrics port" 150 port_known
PORT=$(metrics_port)
sampled() { [[ -n $(metric_value "$PORT" memsleuth_samples_total) ]]; }
wait_for "first sample on /metrics" 300 sampled

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# --- slow and unfinished clients ---
for partial in 200 400; do
  out=$($CLIENTS hold "$PORT" --partial "$partial" --slow 2 --gap 3 --duration 20 --timeout 5)
  echo "hold $partial: $out"
  scrapes=$(field "$out" scrapes) answered=$(field "$out" answered)
  ((answered == scrapes)) || die "$((scrapes - answered)) of $scrapes scrapes failed with $partial connections held: $out"
  ((scrapes >= 10)) || die "only $scrapes scrapes were tried in 20 s: $out"
done

# --- pipelining ---
out=$($CLIENTS pipeline "$PORT" -n 100)
echo "pipeline: $out"
[[ $(field "$out" answered) == 100 ]] || die "pipelined GETs: $out"

# --- SIGTERM whatever the clients do ---
out=$($CLIENTS sigterm "$PORT" "$REC_PID" --partial 200 --slow 2 --hold 4 --timeout 30)
echo "sigterm: $out"
[[ $(field "$out" exited) == True ]] || die "still running 30 s after SIGTERM: $out"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 2.0 else 1)" "$(field "$out" seconds)" ||
  die "SIGTERM took more than 2 s to end the recorder: $out"
rc=0
wait "$REC_PID" || rc=$?
((rc == 0)) || die "exit code $rc after SIGTERM"

# --- TLS and basic auth ---
cd "$TMP"
mkcert() { # name san -> name.crt, name.key (EC P-256, one day)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=$1" \
    -addext "subjectAltName=$2" -keyout "$1.key" -out "$1.crt" 2>/dev/null
}
mkcert server "IP:127.0.0.1,DNS:localhost"
mkcert client "DNS:prometheus.monitoring.svc"
mkcert intruder "DNS:intruder"
# bcrypt of "pw" at cost 4 (the password is the test's; the cost is the cheapest).
cat > web.yml <<'YML'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $2b$04$rPSB8F02MCMtqSgKKSEBUObvYmi2L/JFchqIBFXDsItP6dh2cxAgu
YML
start_recorder "${QUIET[@]}" --db "$TMP/h2.db" --listen 127.0.0.1:0 --web-config web.yml
tls_port() { sed -n 's|.*serving /metrics on https://[^:]*:\([0-9]*\)/metrics.*|\1|p' "$TMP/rec.log" | head -1; }
tls_known() { [[ -n $(tls_port) ]]; }
wait_for "TLS metrics port" 150 tls_known
TPORT=$(tls_port)
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true; }
https_ok() { [[ $(code --cacert server.crt -u prometheus:pw "https://127.0.0.1:$TPORT/metrics") == 200 ]]; }
tls_sampled() {
  curl -sf --max-time 10 --cacert server.crt -u prometheus:pw "https://127.0.0.1:$TPORT/metrics" >tls-metrics.txt &&
    grep -q '^memsleuth_samples_total ' tls-metrics.txt
}
wait_for "an authenticated TLS scrape with the first sample" 300 tls_sampled
[[ $(code --cacert server.crt -u prometheus:wrong "https://127.0.0.1:$TPORT/metrics") == 401 ]] || die "a wrong password was not refused"
[[ $(code --cacert server.crt "https://127.0.0.1:$TPORT/metrics") == 401 ]] || die "no password was not refused"
[[ $(code --cacert server.crt "https://127.0.0.1:$TPORT/healthz") == 200 ]] || die "/healthz must answer probes without credentials"
[[ $(code --cacert intruder.crt -u prometheus:pw "https://127.0.0.1:$TPORT/metrics") == 000 ]] ||
  die "a client trusting another CA connected"
[[ $(code -u prometheus:pw "http://127.0.0.1:$TPORT/metrics") == 000 ]] || die "plain HTTP was answered on the TLS port"
# Pipelining and slow clients over TLS too.
out=$($CLIENTS hold "$TPORT" --partial 50 --slow 2 --duration 3 --timeout 5 2>/dev/null || true)
https_ok || die "TLS scrape failed after holding clients: $out"

# A rotated certificate (cert-manager renames a new file into place) is served without a restart.
old_serial=$(openssl s_client -connect "127.0.0.1:$TPORT" </dev/null 2>/dev/null | openssl x509 -noout -serial)
mkcert rotated "IP:127.0.0.1"
mv rotated.key server.key.new && mv rotated.crt server.crt.new && mv server.key.new server.key && mv server.crt.new server.crt
rotated() {
  [[ $(openssl s_client -connect "127.0.0.1:$TPORT" </dev/null 2>/dev/null | openssl x509 -noout -serial) != "$old_serial" ]]
}
wait_for "the rotated certificate" 150 rotated
https_ok || die "TLS scrape failed after the rotation"
grep -q "web config: reloaded" rec.log || die "the reload was not logged"
kill -TERM "$REC_PID"
wait "$REC_PID" || die "recorder with TLS exited $?"

# Client certificates: RequireAndVerifyClientCert with client_allowed_sans.
cat client.crt intruder.crt > clients-ca.crt
cat > mtls.yml <<'YML'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: clients-ca.crt
  client_allowed_sans: [prometheus.monitoring.svc]
YML
start_recorder "${QUIET[@]}" --db "$TMP/h3.db" --listen 127.0.0.1:0 --web-config mtls.yml
wait_for "mTLS metrics port" 150 tls_known
TPORT=$(tls_port)
mtls_ok() { [[ $(code --cacert server.crt --cert client.crt --key client.key "https://127.0.0.1:$TPORT/healthz") == 200 ]]; }
wait_for "a scrape with a client certificate" 300 mtls_ok
[[ $(code --cacert server.crt "https://127.0.0.1:$TPORT/metrics") == 000 ]] || die "no client certificate was accepted"
[[ $(code --cacert server.crt --cert intruder.crt --key intruder.key "https://127.0.0.1:$TPORT/metrics") == 000 ]] ||
  die "a certificate outside client_allowed_sans was accepted"

# A web configuration with a mistake stops the recorder at start, naming the file.
printf 'tls_server_config:\n  cert_file: server.crt\n' > bad.yml
rc=0
"$MS" record "${QUIET[@]}" --db "$TMP/h4.db" --listen 127.0.0.1:0 --web-config bad.yml --samples 1 2>bad.log || rc=$?
((rc != 0)) || die "a web config without key_file was accepted"
grep -q "bad.yml" bad.log || die "the error does not name the file: $(cat bad.log)"
echo PASS
