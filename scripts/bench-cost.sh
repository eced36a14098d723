#!/usr/bin/env bash
# Issue 27, cost at rest and at scale, side by side in one run (root):
#  1. memory: RSS at idle (after the snapshot, workers idle) and its peak
#     (VmHWM) after a fork+exec storm, for BASE (e.g. main's proctrace), this
#     proctrace, this proctrace with a 4K ring (the difference is the ring's
#     share of RSS), forkstat, execsnoop and bpftrace; RssAnon/RssFile split;
#  2. CPU per 1,000 fork+exec'd processes, per feature (recorder CPU from
#     schedstat; BPF run time from kernel.bpf_stats_enabled, per program);
#  2b. BPF run time per program per hook mode in fork, exec and thread storms;
#  3. `proctrace report` of a 1M-record recording: wall time and peak RSS,
#     BASE and this one on the same file.
# Usage: scripts/bench-cost.sh [BASE_BINARY]
#   knobs: ROUNDS=3 COUNT=4000 REPORT_RECORDS=1000000 PARTS="memory cpu bpf report" RULES=../shared/sigma
# Prints one JSON object per measurement (to OUT/cost.jsonl too).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/proctrace}
BASE=${1:-}
LOADGEN=.build/bench/loadgen
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-4000}
REPORT_RECORDS=${REPORT_RECORDS:-1000000}
PARTS=${PARTS:-memory cpu bpf report}
EXECSNOOP=${EXECSNOOP:-/usr/sbin/execsnoop}
RULES=${RULES:-../shared/sigma}
OUT=$(mktemp -d /tmp/proctrace-bench-cost.XXXXXX)
RESULTS=${RESULTS:-.build/bench/cost.jsonl}
mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"
[ -x "$LOADGEN" ] || { mkdir -p .build/bench; cc -O2 -Wall -o "$LOADGEN" scripts/loadgen.c -lpthread; }
previous_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
# bpftrace and execsnoop attach tracepoints by name through tracefs.
MOUNTED_TRACEFS=0
if [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing
  MOUNTED_TRACEFS=1
fi
TRACER=0
cleanup() {
  [ "$TRACER" = 0 ] || kill -INT "$TRACER" 2>/dev/null || true
  [ "$MOUNTED_TRACEFS" = 0 ] || umount /sys/kernel/tracing
  sysctl -qw kernel.bpf_stats_enabled="$previous_stats"
  rm -rf "$OUT"
}
trap cleanup EXIT

emit() { echo "$1" >> "$RESULTS"; echo "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
kib() { awk -v f="$2:" '$1 == f {print $2}' /proc/"$1"/status 2>/dev/null || echo null; }
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
max_prog_id() { bpftool -j prog show | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
# {"name": [run_time_ns, run_cnt], …} of the programs loaded after FIRST.
bpf_stats() {
  bpftool -j prog show | python3 -c '
import json, sys
first = int(sys.argv[1]); out = {}
for p in json.load(sys.stdin):
    if p["id"] > first:
        t, c = out.get(p.get("name", "?"), (0, 0))
        out[p.get("name", "?")] = (t + p.get("run_time_ns", 0), c + p.get("run_cnt", 0))
print(json.dumps(out))' "$1"
}

# start NAME READY_PATTERN COMMAND…: a tracer in the background, its output in OUT/NAME.out.
start() {
  local name=$1 ready=$2; shift 2
  FIRST_PROG=$(max_prog_id)
  "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" &
  TRACER=$!
  for _ in $(seq 600); do
    grep -q -- "$ready" "$OUT/$name.out" "$OUT/$name.err" 2>/dev/null && break
    kill -0 "$TRACER" 2>/dev/null || return 0
    sleep 0.1
  done
  sleep 2 # the snapshot written, the workers idle
}
stop() { kill -INT "$TRACER" 2>/dev/null || true; wait "$TRACER" 2>/dev/null || true; TRACER=0; }

# -- 1. memory
memory_of() {
  local name=$1 ready=$2; shift 2
  start "$name" "$ready" "$@"
  if ! kill -0 "$TRACER" 2>/dev/null; then
    emit "{\"kind\":\"memory\",\"tracer\":\"$name\",\"failed\":$(python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()[-300:]))' < "$OUT/$name.err")}"
    TRACER=0
    return 0
  fi
  local idle anon file
  idle=$(kib "$TRACER" VmRSS) anon=$(kib "$TRACER" RssAnon) file=$(kib "$TRACER" RssFile)
  "$LOADGEN" --mode forkexec --count "$COUNT" --workers "$(nproc)" --run "mem$$" > /dev/null
  sleep 0.5
  local peak peak_anon
  peak=$(kib "$TRACER" VmHWM) peak_anon=$(kib "$TRACER" RssAnon)
  stop
  emit "{\"kind\":\"memory\",\"tracer\":\"$name\",\"idle_kib\":$idle,\"idle_anon_kib\":$anon,\"idle_file_kib\":$file,\"peak_kib\":$peak,\"anon_after_storm_kib\":$peak_anon,\"load\":\"$(load)\"}"
}
part_memory() {
  local rec=(record --config /dev/null)
  for round in $(seq "$ROUNDS"); do
    [ -z "$BASE" ] || memory_of "proctrace-base" '"event":"start"' "$BASE" "${rec[@]}"
    memory_of "proctrace" '"event":"start"' "$BIN" "${rec[@]}"
    memory_of "proctrace-ring-4K" '"event":"start"' "$BIN" "${rec[@]}" --ring-buffer-size 4K
    memory_of "forkstat" 'Event' stdbuf -oL forkstat -e all
    memory_of "execsnoop" 'PCOMM' stdbuf -oL "$EXECSNOOP"
    memory_of "bpftrace" 'Attaching' bpftrace -e 'tracepoint:sched:sched_process_fork, tracepoint:sched:sched_process_exec, tracepoint:sched:sched_process_exit { printf("%s %d %s\n", probe, pid, comm); }'
  done
}

# -- 2. CPU per 1,000 fork+exec'd processes, per feature
cpu_of() {
  local name=$1; shift
  start cpu '"event":"start"' "$BIN" record --config /dev/null "$@"
  local c0 c1 gen l0
  l0=$(grep -c . "$OUT/cpu.out" || true)
  c0=$(cpu_ns "$TRACER")
  gen=$("$LOADGEN" --mode forkexec --count "$COUNT" --workers "$(nproc)" --run "cpu$$")
  sleep 0.3
  c1=$(cpu_ns "$TRACER")
  local bpf
  bpf=$(bpf_stats "$FIRST_PROG")
  stop
  # The recorder traces the whole machine: its records, not only the generator's, are the work done.
  local records
  records=$(( $(grep -c . "$OUT/cpu.out" || true) - l0 ))
  emit "{\"kind\":\"cpu\",\"feature\":\"$name\",\"processes\":$COUNT,\"records\":$records,\"recorder_ns\":$((c1 - c0)),\"bpf\":$bpf,\"generator\":$gen,\"load\":\"$(load)\"}"
}
part_cpu() {
  "$BIN" seal init --key-file "$OUT/seal.key" --interval 1h > "$OUT/seal.pub"
  for round in $(seq "$ROUNDS"); do
    cpu_of "no hashing (--hash-max-bytes 0)" --hash-max-bytes 0
    cpu_of "hashing (the default)"
    cpu_of "hashing + sealing (--seal-key)" --seal-key "$OUT/seal.key"
    cpu_of "hashing + metrics (--metrics-listen)" --metrics-listen 127.0.0.1:19127
    cpu_of "hashing + redaction (--redact)" --redact --password --redact 'token=*'
    cpu_of "hashing + rules (--rules, every shared Sigma rule)" --rules "$RULES"
    cpu_of "hashing + ECS (--format ecs, converted on its own thread)" --format ecs
    cpu_of "netlink backend (enrichment workers read /proc)" --backend netlink
    cpu_of "every feature (hashing, sealing, metrics, redaction, rules, ECS)" --seal-key "$OUT/seal.key" \
      --metrics-listen 127.0.0.1:19127 --redact --password --redact 'token=*' --rules "$RULES" --format ecs
  done
}

# -- 2b. BPF run time per program per hook mode, fork, exec and thread storms
# (modes this kernel refuses are skipped, said in the output).
part_bpf() {
  for round in $(seq "$ROUNDS"); do
    for hooks in ${HOOK_MODES:-fentry kprobe sched}; do
      for storm in "fork 40000" "forkexec $COUNT" "threads 100000"; do
        set -- $storm
        start "bpf-$hooks" '"event":"start"' "$BIN" record --config /dev/null --hooks "$hooks"
        if ! kill -0 "$TRACER" 2>/dev/null || [ -z "$(bpf_stats "$FIRST_PROG" | tr -d '{}')" ]; then
          emit "{\"kind\":\"bpf\",\"hooks\":\"$hooks\",\"refused\":true}"
          stop # a refused mode falls back to netlink and goes on recording: not left running
          break
        fi
        local gen bpf
        gen=$("$LOADGEN" --mode "$1" --count "$2" --workers "$(nproc)" --run "bpf$$")
        sleep 0.3
        bpf=$(bpf_stats "$FIRST_PROG")
        stop
        emit "{\"kind\":\"bpf\",\"hooks\":\"$hooks\",\"storm\":\"$1\",\"count\":$2,\"bpf\":$bpf,\"generator\":$gen,\"load\":\"$(load)\"}"
      done
    done
  done
}

# -- 3. report of a 1M-record recording
part_report() {
  local log=$OUT/report-source.jsonl big=$OUT/report.jsonl
  "$BIN" record --config /dev/null --output "$log" 2>/dev/null &
  TRACER=$!
  for _ in $(seq 600); do grep -q '"event":"start"' "$log" 2>/dev/null && break; sleep 0.1; done
  "$LOADGEN" --mode forkexec --count 10000 --workers "$(nproc)" --run "report$$" > /dev/null
  sleep 0.5
  stop
  local repeated
  repeated=$(python3 scripts/repeat-recording.py "$log" "$REPORT_RECORDS" "$big")
  rm -f "$log"
  for round in $(seq "$ROUNDS"); do
    for side in base this; do
      local bin=$BIN
      if [ "$side" = base ]; then [ -n "$BASE" ] || continue; bin=$BASE; fi
      local t0 t1
      t0=$(date +%s%N)
      /usr/bin/time -f '%M %U %S' -o "$OUT/time.txt" "$bin" report "$big" -o "$OUT/report.html"
      t1=$(date +%s%N)
      read -r hwm user sys < "$OUT/time.txt"
      emit "{\"kind\":\"report\",\"side\":\"$side\",\"recording\":$repeated,\"wall_ms\":$(( (t1 - t0) / 1000000 )),\"hwm_kib\":$hwm,\"user_s\":$user,\"sys_s\":$sys,\"bytes\":$(stat -c %s "$OUT/report.html"),\"load\":\"$(load)\"}"
    done
  done
  rm -f "$big"
}

emit "$(python3 scripts/bench.py env)"
for part in $PARTS; do "part_$part"; done
