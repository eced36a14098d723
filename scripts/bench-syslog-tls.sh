#!/usr/bin/env bash
# syslog+tls:// against syslog+tcp:// (and relp://) to the same real rsyslog
# (rsyslog-gnutls with mutual TLS; rsyslog-relp), side by side in one run (root):
#  1. CPU per record delivered of the output's sender thread (proctrace-send),
#     from schedstat, and of the whole recorder, under a loadgen fork+exec storm;
#     PAIRS (5) alternating tcp/tls, COUNT (10000) fork+execs;
#  2. duplicates after one 3 s collector outage in the middle of 900 paced
#     execs (issue 28's scenario), ROUNDS (3) per protocol: tcp, tls, relp.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/proctrace
LOADGEN=.build/bench/loadgen
PAIRS=${PAIRS:-5}
COUNT=${COUNT:-10000}
ROUNDS=${ROUNDS:-3}
D=$(mktemp -d)
R=""; P=""
trap '[ -n "$P" ] && kill -KILL $P 2>/dev/null; [ -n "$R" ] && kill -KILL $R 2>/dev/null; rm -rf "$D"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$D/work" "$D/pki"
( cd "$D/pki"; umask 077
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=bench CA"
  for name in server:127.0.0.1 recorder:recorder.test; do
    n=${name%%:*}; san=${name#*:}
    case $san in *[a-z]*) ext="subjectAltName=DNS:$san";; *) ext="subjectAltName=IP:$san";; esac
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj "/CN=$san"
    printf '%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$ext" > $n.ext
    openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out $n.pem -extfile $n.ext
  done ) 2>/dev/null
configure() {  # tcp|tls|relp
  local global="" module="" input="imtcp"
  if [ "$1" = tls ]; then
    global="DefaultNetstreamDriver=\"gtls\" DefaultNetstreamDriverCAFile=\"$D/pki/ca.pem\" DefaultNetstreamDriverCertFile=\"$D/pki/server.pem\" DefaultNetstreamDriverKeyFile=\"$D/pki/server.key\""
    module='StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/name" PermittedPeer=["recorder.test"]'
  fi
  [ "$1" = relp ] && input=imrelp
  cat > "$D/rsyslog.conf" <<CONF
global(workDirectory="$D/work" maxMessageSize="1m" $global)
module(load="$input" $module)
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="proctrace") { action(type="omfile" file="$D/received.log" template="raw") }
input(type="$input" address="127.0.0.1" port="$PORT" ruleset="proctrace")
CONF
}
start_rsyslog() {
  rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" 2>>"$D/rsyslog.err" & R=$!
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "rsyslog did not listen" >&2; exit 1
}
stop_rsyslog() { kill -TERM $R; wait $R || true; R=""; }
options() {  # tcp|tls
  if [ "$1" = relp ]; then
    echo "-o relp://127.0.0.1:$PORT"
  elif [ "$1" = tls ]; then
    echo "-o syslog+tls://127.0.0.1:$PORT --tls-ca $D/pki/ca.pem --tls-cert $D/pki/recorder.pem --tls-key $D/pki/recorder.key"
  else
    echo "-o syslog+tcp://127.0.0.1:$PORT"
  fi
}
wait_started() { for _ in $(seq 400); do grep -q '"event":"start"' "$1" 2>/dev/null && return 0; sleep 0.05; done; exit 1; }
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
sender_ns() {
  for task in /proc/"$1"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = proctrace-send ] && cut -d' ' -f1 "$task/schedstat"
  done | awk '{s += $1} END {printf "%.0f\n", s}'
}
received() { grep -c '^<30>1 ' "$D/received.log" 2>/dev/null || true; }

cpu_run() {  # tcp|tls: ns of recorder CPU per record delivered
  configure "$1"; rm -f "$D/received.log" "$D/events.jsonl"; start_rsyslog
  # shellcheck disable=SC2046
  "$BIN" record --config /dev/null -o "$D/events.jsonl" $(options "$1") 2>>"$D/err" & P=$!
  wait_started "$D/events.jsonl"; sleep 0.5
  local before; before=$(cpu_ns $P); local sender_before; sender_before=$(sender_ns $P)
  "$LOADGEN" --mode forkexec --count "$COUNT" --workers "$(nproc)" --run "tls$1$$" > /dev/null
  local written; written=$(wc -l < "$D/events.jsonl")
  for _ in $(seq 100); do [ "$(received)" -ge "$written" ] && break; sleep 0.1; done
  local after; after=$(cpu_ns $P); local sender_after; sender_after=$(sender_ns $P)
  kill -INT $P; wait $P || true; P=""
  stop_rsyslog
  echo "$1 $(( (after - before) / $(received) )) $(( (sender_after - sender_before) / $(received) ))"
}
for _ in $(seq "$PAIRS"); do cpu_run tcp; cpu_run tls; done | awk '
  { all[$1] += $2; send[$1] += $3; n[$1]++; print "cpu " $1 ": recorder " $2 " ns, sender thread " $3 " ns per record" }
  END { if (!n["tcp"] || !n["tls"]) exit
        tcp = send["tcp"] / n["tcp"]; tls = send["tls"] / n["tls"]
        printf "mean sender thread: tcp %.0f ns, tls %.0f ns per record (tls/tcp %.2f): TLS adds %.2f ms of CPU per 1,000 records\n",
               tcp, tls, tls / tcp, (tls - tcp) / 1000
        printf "mean recorder: tcp %.0f ns, tls %.0f ns per record\n", all["tcp"] / n["tcp"], all["tls"] / n["tls"] }'

outage_run() {  # tcp|tls: duplicates of 900 execs after a 3 s outage
  configure "$1"; rm -f "$D/received.log" "$D/events.jsonl"; rm -rf "$D/spool"; start_rsyslog
  # shellcheck disable=SC2046
  "$BIN" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" $(options "$1") --spool "$D/spool" 2>>"$D/err" & P=$!
  wait_started "$D/events.jsonl"
  (for i in $(seq 900); do /bin/true "outage-$i"; [ $((i % 30)) -eq 0 ] && sleep 0.1; done; true) & local storm=$!
  sleep 1; stop_rsyslog; sleep 3; start_rsyslog
  wait $storm; sleep 3
  kill -INT $P; wait $P || true; P=""
  sleep 0.5; stop_rsyslog
  [ -n "${KEEP:-}" ] && cp "$D/received.log" "$KEEP.$1" && cp "$D/events.jsonl" "$KEEP.$1.events"
  python3 - "$1" "$D/received.log" <<'PY'
import re, sys
lines = [l for l in open(sys.argv[2], errors="replace") if '{"seq":' in l]
seqs = [re.search(r'\{"seq":(\d+)', l).group(1) for l in lines]
execs = [q for q, l in zip(seqs, lines) if '"event":"exec"' in l and "outage-" in l]
print(f"outage {sys.argv[1]}: {len(set(execs))} of 900 execs arrived, {len(execs) - len(set(execs))} twice; "
      f"all records: {len(set(seqs))} arrived, {len(seqs) - len(set(seqs))} twice")
PY
}
for _ in $(seq "$ROUNDS"); do outage_run tcp; outage_run tls; outage_run relp; done
