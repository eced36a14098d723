#!/usr/bin/env bash
# syslog+tls:// against syslog+tcp:// (and relp://) to the same real rsyslog
# (rsyslog-gnutls with mutual TLS; rsyslog-relp), side by side in one run (root):
#  1. CPU per record delivered of the output's sender thread (proctrace-send),
#     from schedstat, and of the whole recorder, under a loadgen fork+exec storm;
#     PAIRS (5) alternating tcp/tls, COUNT (10000) fork+execs;
#  2. duplicates after one 3 s collector outage in the middle of 900 paced
#     execs (issue 28's scenario), ROUNDS (3) per protocol in PROTOCOLS
#     (tcp tls relp librelp), for each OUTAGE (term: rsyslog stopped with
#     SIGTERM and started 3 s later; stop: rsyslog frozen with SIGSTOP for 3 s,
#     a collector that hangs with the connection open; hang: frozen from 1 s
#     into the storm until the senders have exited after their SIGINT, or one
#     has waited 20 s: how long the stop takes). librelp is
#     scripts/bench/relp-librelp.c: librelp's client sending the recording the
#     recorder writes, as it grows, to the same imrelp; records lost, and the
#     longest time one send call held the caller (relp://: bpftrace on the
#     transport's send, the sender thread's call) are printed with the repeats.
#     PAIRS=0 skips part 1.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/proctrace
LOADGEN=.build/bench/loadgen
LIBRELP=.build/bench/relp-librelp
PAIRS=${PAIRS:-5}
COUNT=${COUNT:-10000}
ROUNDS=${ROUNDS:-3}
PROTOCOLS=${PROTOCOLS:-tcp tls relp librelp}
OUTAGES=${OUTAGES:-term stop hang}
scripts/install-deps.sh bpftrace  # and librelp-dev, rsyslog-gnutls, rsyslog-relp
mkdir -p .build/bench
cc -O2 -Wall -Wextra -o "$LIBRELP" scripts/bench/relp-librelp.c -lrelp
D=$(mktemp -d)
R=""; P=""; H=""; T=""
cleanup() {  # what is still running, whichever step failed
  for pid in $P $H $R; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ -n "$T" ]; then kill -INT "$T" 2>/dev/null || true; fi
  rm -rf "$D"
}
trap cleanup EXIT
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
  case $1 in relp|librelp) input=imrelp;; esac
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
options() {  # tcp|tls|relp|librelp (librelp: no network output, the harness sends the file)
  if [ "$1" = librelp ]; then
    :
  elif [ "$1" = relp ]; then
    echo "-o relp://127.0.0.1:$PORT"
  elif [ "$1" = tls ]; then
    echo "-o syslog+tls://127.0.0.1:$PORT --tls-ca $D/pki/ca.pem --tls-cert $D/pki/recorder.pem --tls-key $D/pki/recorder.key"
  else
    echo "-o syslog+tcp://127.0.0.1:$PORT"
  fi
}
wait_started() {
  for _ in $(seq 400); do grep -q '"event":"start"' "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "the recorder did not start:" >&2; tail -3 "$D/err" >&2; exit 1
}
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

# The longest call of the relp:// transport's send (and connect), on the
# sender thread: uprobes on their witnesses (how QueuedSink calls them).
trace_sends() {  # PID
  bpftrace -q -p "$1" -e "
    uprobe:$BIN:*13RELPTransportCAA15RecordTransportA2aDP4send_5until*TW,
    uprobe:$BIN:*13RELPTransportCAA15RecordTransportA2aDP7connect5until*TW { @start[tid] = nsecs; }
    uretprobe:$BIN:*13RELPTransportCAA15RecordTransportA2aDP4send_5until*TW,
    uretprobe:$BIN:*13RELPTransportCAA15RecordTransportA2aDP7connect5until*TW
      /@start[tid]/ { @longest[probe] = max(nsecs - @start[tid]); @calls[probe] = count(); delete(@start[tid]); }
    END { clear(@start); }" > "$D/trace" 2>&1 & T=$!
  sleep 3  # bpftrace attaches
}
outage() {  # term|stop|hang
  case $1 in
    stop) kill -STOP $R; sleep 3; kill -CONT $R;;
    hang) kill -STOP $R;;  # until after the stop (stop_senders)
    *) stop_rsyslog; sleep 3; start_rsyslog;;
  esac
}
# SIGINT to the recorder, then (once the recording is whole) to the librelp
# harness; how long each took to exit after its own. A hung collector is let
# go when the senders have exited, or a sender has waited 20 s since its SIGINT.
TOOK=0
stop_one() {  # PID START: sets TOOK, ms from START to PID's exit (or to now, after 20 s)
  for _ in $(seq 200); do
    kill -0 "$1" 2>/dev/null || break
    [ $(( $(date +%s%N) - $2 )) -ge 20000000000 ] && break
    sleep 0.1
  done
  TOOK=$(( ($(date +%s%N) - $2) / 1000000 ))
}
stop_senders() {  # term|stop|hang
  local took_p took_h=0 started
  started=$(date +%s%N); kill -INT $P; stop_one $P "$started"; took_p=$TOOK
  if [ -n "$H" ]; then
    started=$(date +%s%N); kill -INT $H; stop_one $H "$started"; took_h=$TOOK
  fi
  if [ "$1" = hang ]; then kill -CONT $R; fi
  wait $P || true; P=""
  if [ -n "$H" ]; then wait $H || true; H=""; fi
  echo "recorder $took_p ms, librelp harness $took_h ms" > "$D/stoptimes"
}
outage_run() {  # tcp|tls|relp|librelp term|stop: repeats and losses of 900 execs after a 3 s outage
  configure "$1"; rm -f "$D/received.log" "$D/events.jsonl" "$D/trace" "$D/librelp" "$D/err"; rm -rf "$D/spool"; start_rsyslog
  # shellcheck disable=SC2046
  "$BIN" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" $(options "$1") \
    $([ "$1" = librelp ] || echo --spool "$D/spool") 2>>"$D/err" & P=$!
  wait_started "$D/events.jsonl"
  [ "$1" = relp ] && trace_sends $P
  if [ "$1" = librelp ]; then "$LIBRELP" 127.0.0.1 "$PORT" "$D/events.jsonl" > "$D/librelp" 2>>"$D/err" & H=$!; fi
  (for i in $(seq 900); do /bin/true "outage-$i"; [ $((i % 30)) -eq 0 ] && sleep 0.1; done; true) & local storm=$!
  sleep 1; outage "$2"
  wait $storm; sleep 3
  stop_senders "$2"
  if [ -n "$T" ]; then kill -INT $T; wait $T || true; T=""; fi
  sleep 2; stop_rsyslog
  [ -n "${KEEP:-}" ] && cp "$D/received.log" "$KEEP.$1.$2" && cp "$D/events.jsonl" "$KEEP.$1.$2.events"
  python3 - "$1" "$2" "$D/received.log" "$D/events.jsonl" "$D/trace" "$D/librelp" "$D/stoptimes" "$D/err" <<'PY'
import os, re, sys
protocol, outage, received, recorded, trace, librelp, stoptimes, err = sys.argv[1:]
def seqs(path):
    lines = [l for l in open(path, errors="replace") if '{"seq":' in l] if os.path.exists(path) else []
    return [(re.search(r'\{"seq":(\d+)', l).group(1), l) for l in lines]
got, wrote = seqs(received), {q for q, _ in seqs(recorded)}
execs = [q for q, l in got if '"event":"exec"' in l and "outage-" in l]
have = {q for q, _ in got}
# What the recorder kept in its spool for the next run is not lost; those of them the
# collector wrote after all (taken, never answered) will arrive twice.
spooled = [int(n) for n in re.findall(r"(\d+) still waiting in the spool", open(err, errors="replace").read())]
spooled = spooled[-1] if spooled else 0
missing = len(wrote - have)
line = (f"outage {outage} {protocol}: {len(set(execs))} of 900 execs arrived, {len(execs) - len(set(execs))} twice; "
        f"all records: {len(have)} arrived, {len(got) - len(have)} twice, {max(0, missing - spooled)} of {len(wrote)} lost")
if spooled:
    line += f", {spooled} kept in the spool for the next run ({max(0, spooled - missing)} of them arrived already)"
if os.path.exists(trace):
    text = open(trace).read()
    longest = {("connect" if "connect" in p else "send"): int(v) for p, v in re.findall(r'@longest\[(.*?)\]: (\d+)', text)}
    calls = {("connect" if "connect" in p else "send"): int(v) for p, v in re.findall(r'@calls\[(.*?)\]: (\d+)', text)}
    line += "; " + "; ".join(f"{k}: {calls.get(k, 0)} calls, longest {longest.get(k, 0) / 1e6:.1f} ms" for k in ("connect", "send"))
    if not longest: line += " (bpftrace: " + text.strip()[:200] + ")"
if os.path.exists(librelp):
    line += "; " + open(librelp).read().strip()
took = re.findall(r"(\d+) ms", open(stoptimes).read())
line += f"; exit after SIGINT: {took[1] if protocol == 'librelp' else took[0]} ms"
print(line)
PY
}
for _ in $(seq "$ROUNDS"); do
  for outage in $OUTAGES; do for protocol in $PROTOCOLS; do outage_run "$protocol" "$outage"; done; done
done
