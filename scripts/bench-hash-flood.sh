#!/usr/bin/env bash
# Issue 23's flood, side by side in one run (root): two unprivileged loops
# exec'ing a 40 MiB sparse ELF whose size changes each time (every exec a
# hash miss), beside two fork+exec storms (loadgen), for SECONDS. For each
# binary: records lost, how far the log lagged behind (a marker run at the
# end: seconds until it is in the log), hashes skipped by reason, exec
# records written, and the recorder's CPU.
# Usage: scripts/bench-hash-flood.sh BINARY [BASE_BINARY]   (knobs: SECONDS_=38 RING=16M)
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGEN=.build/bench/loadgen
DURATION=${SECONDS_:-38}
RING=${RING:-16M}
[ -x "$LOADGEN" ] || { mkdir -p .build/bench; cc -O2 -Wall -o "$LOADGEN" scripts/loadgen.c -lpthread; }
OUT=$(mktemp -d /tmp/proctrace-flood.XXXXXX)
chown 65534:65534 "$OUT"
chmod 0755 "$OUT"
trap 'rm -rf "$OUT"' EXIT

flood() {
  setpriv --reuid=65534 --regid=65534 --clear-groups -- /usr/bin/python3 scripts/hash-flood.py "$OUT/$1" "$DURATION"
}

run() {
  local name=$1 bin=$2 log=$OUT/$1.jsonl
  "$bin" record --config /dev/null --ring-buffer-size "$RING" --output "$log" 2>"$OUT/$name.err" &
  local rec=$!
  until grep -q '"event":"start"' "$log" 2>/dev/null; do sleep 0.05; done
  sleep 1
  local cpu0
  cpu0=$(awk '{s += $1} END {print s}' /proc/$rec/task/*/schedstat)
  flood big1 >"$OUT/f1" & local f1=$!
  flood big2 >"$OUT/f2" & local f2=$!
  local count=$((DURATION * 1500))
  "$LOADGEN" --mode forkexec --count "$count" --workers 1 --rate 1500 >"$OUT/l1" & local l1=$!
  "$LOADGEN" --mode forkexec --count "$count" --workers 1 --rate 1500 >"$OUT/l2" & local l2=$!
  wait $f1 $f2
  kill $l1 $l2 2>/dev/null || true
  wait $l1 $l2 2>/dev/null || true
  local marker="flood-marker-$RANDOM$RANDOM" t0 t1
  t0=$(date +%s.%N)
  sh -c 'sleep 0.2' "$marker"
  until grep -q "$marker" "$log"; do sleep 0.01; done
  t1=$(date +%s.%N)
  local cpu1
  cpu1=$(awk '{s += $1} END {print s}' /proc/$rec/task/*/schedstat)
  kill -INT $rec; wait $rec || true
  python3 - "$log" "$name" "$(cat "$OUT/f1")" "$(cat "$OUT/f2")" "$t0" "$t1" "$cpu0" "$cpu1" <<'PY'
import json, sys
log, name, f1, f2, t0, t1, c0, c1 = sys.argv[1:]
records = [json.loads(line) for line in open(log)]
stop = records[-1]
floods = sum(1 for r in records if r.get("event") == "exec" and "flood" in (r.get("argv") or []))
execs = sum(1 for r in records if r.get("event") == "exec")
hashed = sum(1 for r in records if r.get("event") == "exec" and "flood" in (r.get("argv") or []) and r.get("exe_sha256"))
print(f"{name:5} lost {stop.get('lost')!s:>6}  marker lag {float(t1) - float(t0) - 0.2:6.2f} s  exec records {execs:6}"
      f"  flood execs run {int(f1) + int(f2):5} logged {floods:5} hashed {hashed:4}"
      f"  skipped {stop.get('hash_skipped', [])}  recorder CPU {(float(c1) - float(c0)) / 1e9:.1f} s")
PY
}

echo "flood: ${DURATION} s, ring $RING, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${2:-}" ] && run base "$2"
run new "$1"
