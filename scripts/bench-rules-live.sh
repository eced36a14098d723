#!/usr/bin/env bash
# Recorder CPU per 1,000 execs with every shared Sigma rule on (`record --rules`)
# and off, side by side in one run (root): ROUNDS rounds, each a fork+exec storm
# of COUNT children of /bin/true (2 loadgen workers, full speed) recorded once
# without rules and once with them, in alternating order. The recorder's CPU is
# its threads' scheduler run time (/proc/PID/task/*/schedstat, the review thread
# included) from just before the storm to 0.5 s after it.
# Usage: scripts/bench-rules-live.sh BINARY   (knobs: ROUNDS=3 COUNT=20000 RULES=../shared/sigma)
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGEN=.build/bench/loadgen
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-20000}
RULES=${RULES:-$(cd .. && pwd)/shared/sigma}
BIN=$1
[ -x "$LOADGEN" ] || { mkdir -p .build/bench; cc -O2 -Wall -o "$LOADGEN" scripts/loadgen.c -lpthread; }
OUT=$(mktemp -d /tmp/proctrace-rules-live.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

cpu_ns() {  # the recorder's threads' run time so far
  local total=0 t
  for t in /proc/"$1"/task/*/schedstat; do total=$((total + $(cut -d' ' -f1 "$t" 2>/dev/null || echo 0))); done
  echo "$total"
}

run() {
  local name=$1 round=$2 log=$OUT/$1-$2.jsonl id="rl$RANDOM$RANDOM"
  local rules=()
  [ "$name" = on ] && rules=(--rules "$RULES")
  "$BIN" record --config /dev/null --output "$log" "${rules[@]}" 2>"$OUT/$name.err" &
  local rec=$!
  until grep -q '"event":"start"' "$log" 2>/dev/null; do sleep 0.05; done
  sleep 1
  local before after
  before=$(cpu_ns $rec)
  "$LOADGEN" --mode forkexec --count "$COUNT" --workers 2 --run "$id" --program /bin/true >"$OUT/load.json"
  sleep 0.5
  after=$(cpu_ns $rec)
  kill -INT $rec; wait $rec || true
  python3 - "$log" "$OUT/load.json" "$name" "$round" "$((after - before))" <<'PY'
import json, sys
log, load, name, round_, cpu = sys.argv[1:]
records = [json.loads(line) for line in open(log, "rb") if line.strip()]
workers = set(json.load(open(load))["worker_pids"])
children = {r["pid"] for r in records if r.get("event") == "fork" and r.get("ppid") in workers}
execs = sum(1 for r in records if r.get("event") == "exec" and r["pid"] in children)
alerts = sum(1 for r in records if r.get("event") == "alert")
stop = [r for r in records if r.get("event") == "stop"][-1]
cpu_ms = int(cpu) / 1e6
print(f"{name:3} round {round_}: {execs} storm execs logged, lost {stop['lost']}, alerts {alerts}, "
      f"review_skipped {stop.get('review_skipped', [])}, recorder CPU {cpu_ms:.0f} ms = "
      f"{1000 * cpu_ms / max(execs, 1):.2f} ms per 1,000 execs")
PY
}

for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then run off "$round"; run on "$round"; else run on "$round"; run off "$round"; fi
done
