#!/bin/bash
# Issue 28: what a file output in ECS costs the thread that drains the ring,
# BASE (conversion on that thread) beside BIN (conversion on the output's own
# thread), alternating in one run so that load hits both alike.
#
#   flock /work/bench.lock scripts/bench-formatted.sh BASE BIN [ROUNDS] [COUNT]
#
#  1. CPU per 1,000 records written: `record -o F --format F=ecs`, a fork+exec
#     storm of COUNT processes (loadgen); on-CPU time (schedstat, ns) of the
#     recorder's main thread (the drain: it polls the ring and runs the
#     Recorder), of the `proctrace-conv` thread, and of the whole process.
#  2. A fork storm as fast as loadgen goes, ring 64K: records the kernel
#     could not deliver (`lost` in the stop record) and the storm's rate.
# Prints one JSON line per measurement.
set -euo pipefail
BASE=$1 BIN=$2 ROUNDS=${3:-3} COUNT=${4:-20000}
LOADGEN=.build/bench/loadgen
[ -x "$LOADGEN" ] || { mkdir -p .build/bench; cc -O2 -Wall -o "$LOADGEN" scripts/loadgen.c -lpthread; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

ns_of_thread() { awk '{print $1}' "/proc/$1/task/$2/schedstat" 2>/dev/null || echo 0; }
ns_of_comm() {
  local total=0 task
  for task in /proc/"$1"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = "$2" ] && total=$((total + $(awk '{print $1}' "$task/schedstat")))
  done
  echo "$total"
}
ns_of_process() {
  local total=0 task
  for task in /proc/"$1"/task/*; do total=$((total + $(awk '{print $1}' "$task/schedstat" 2>/dev/null || echo 0))); done
  echo "$total"
}

# run NAME BINARY LOADGEN-ARGS… -- RECORD-ARGS…
run() {
  local name=$1 bin=$2; shift 2
  local gen_args=() 
  while [ "$1" != "--" ]; do gen_args+=("$1"); shift; done
  shift
  rm -f "$OUT/f.jsonl"
  "$bin" record --config /dev/null -o "$OUT/f.jsonl" "$@" 2> "$OUT/err" &
  local pid=$!
  for _ in $(seq 600); do grep -q '"start"' "$OUT/f.jsonl" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  local l0 d0 c0 p0
  l0=$(grep -c . "$OUT/f.jsonl" || true)
  d0=$(ns_of_thread "$pid" "$pid") c0=$(ns_of_comm "$pid" proctrace-conv) p0=$(ns_of_process "$pid")
  local gen
  gen=$("$LOADGEN" "${gen_args[@]}" --workers "$(nproc)" --run "fmt$$")
  sleep 1
  local d1 c1 p1 l1
  d1=$(ns_of_thread "$pid" "$pid") c1=$(ns_of_comm "$pid" proctrace-conv) p1=$(ns_of_process "$pid")
  l1=$(grep -c . "$OUT/f.jsonl" || true)
  kill -INT "$pid"; wait "$pid" || true
  local stop
  stop=$(tail -n 1 "$OUT/f.jsonl")
  python3 - "$name" "$((l1 - l0))" "$((d1 - d0))" "$((c1 - c0))" "$((p1 - p0))" "$gen" "$stop" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
name, records, drain, conv, process, gen, stop, load = sys.argv[1:]
records = int(records)
stop = json.loads(stop)
def find(o, key):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == key and isinstance(v, int): return v
            r = find(v, key)
            if r is not None: return r
    return None
per = lambda ns: round(int(ns) / 1e6 / records * 1000, 2) if records else None
print(json.dumps({"tracer": name, "records": records, "drain_ms_per_1000": per(drain), "conv_thread_ms_per_1000": per(conv),
                  "process_ms_per_1000": per(process), "lost": find(stop, "lost") or 0,
                  "unwritten": find(stop, "unwritten") or 0, "generator": json.loads(gen), "load": load}))
PY
}

for round in $(seq "$ROUNDS"); do
  for side in base new; do
    bin=$BASE; [ "$side" = new ] && bin=$BIN
    run "$side ecs" "$bin" --mode forkexec --count "$COUNT" -- --format "$OUT/f.jsonl=ecs"
  done
  run "new native" "$BIN" --mode forkexec --count "$COUNT" --
done
for round in $(seq "$ROUNDS"); do
  for side in base new; do
    bin=$BASE; [ "$side" = new ] && bin=$BIN
    run "$side ecs fork storm ring 64K" "$bin" --mode fork --count 100000 -- --format "$OUT/f.jsonl=ecs" --ring-buffer-size 64K
  done
done
