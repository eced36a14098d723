#!/usr/bin/env bash
# Netlink's exec records whose argv could not be read (the process was gone
# before /proc was), side by side in one run (root): a fork+exec storm of
# ROUNDS rounds, each COUNT children of /bin/true at RATE per second (2
# workers), recorded with `--backend netlink` by each binary in turn. Prints,
# per binary and round, the exec records of the storm, how many have argv
# null, and the share.
# Usage: scripts/bench-netlink-nulls.sh BINARY [BASE_BINARY]   (knobs: ROUNDS=3 COUNT=6000 RATE=1500)
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGEN=.build/bench/loadgen
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-6000}
RATE=${RATE:-1500}
[ -x "$LOADGEN" ] || { mkdir -p .build/bench; cc -O2 -Wall -o "$LOADGEN" scripts/loadgen.c -lpthread; }
OUT=$(mktemp -d /tmp/proctrace-nulls.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

run() {
  local name=$1 bin=$2 round=$3 log=$OUT/$1-$3.jsonl id="nl$RANDOM$RANDOM"
  "$bin" record --config /dev/null --backend netlink --output "$log" 2>"$OUT/$name.err" &
  local rec=$!
  until grep -q '"event":"start"' "$log" 2>/dev/null; do sleep 0.05; done
  sleep 1
  "$LOADGEN" --mode forkexec --count "$COUNT" --workers 2 --rate "$RATE" --run "$id" --program /bin/true >"$OUT/load.json"
  sleep 1
  kill -INT $rec; wait $rec || true
  python3 - "$log" "$OUT/load.json" "$name" "$round" <<'PY'
import json, sys
log, load, name, round_ = sys.argv[1:]
execs, nulls = 0, 0
records = [json.loads(line) for line in open(log, "rb") if line.strip()]
# The storm's children: forked by loadgen's workers.
workers = set(json.load(open(load))["worker_pids"])
children = {r["pid"] for r in records if r.get("event") == "fork" and r.get("ppid") in workers}
for r in records:
    if r.get("event") == "exec" and r["pid"] in children:
        execs += 1
        nulls += r.get("argv") is None
print(f"{name} round {round_}: {execs} exec records of the storm, argv null in {nulls} ({100.0 * nulls / max(execs, 1):.1f} %)")
PY
}

for round in $(seq "$ROUNDS"); do
  [ $# -ge 2 ] && run base "$2" "$round"
  run new "$1" "$round"
done
