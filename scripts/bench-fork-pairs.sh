#!/usr/bin/env bash
# Fork storm by wall clock: loadgen's rate untraced against `proctrace record` at default settings,
# in alternating (ABBA) pairs, one line per pair (BENCHMARKS.md, issue 27, "Fork storm by wall clock").
# Usage: scripts/bench-fork-pairs.sh   (after `make build` and `make bench`'s loadgen; N, PAIRS in the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/proctrace loadgen=.build/bench/loadgen
n=${N:-150000} pairs=${PAIRS:-7}
log=$(mktemp -d)/fork.jsonl
trap 'rm -rf "$(dirname "$log")"' EXIT
rate() { "$loadgen" --mode fork --count "$n" --workers "$(nproc)" --run "forkpairs$$" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["rate"])'; }
traced() {
  rm -f "$log"
  "$bin" record --config /dev/null --output "$log" 2>/dev/null & local recorder=$!
  until grep -q '"event":"start"' "$log" 2>/dev/null; do sleep 0.05; done
  local r; r=$(rate)
  sleep 0.3; kill -INT "$recorder"; wait "$recorder"
  echo "$r $(tail -1 "$log" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("lost"))')"
}
for i in $(seq "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then u=$(rate); read -r t lost < <(traced); else read -r t lost < <(traced); u=$(rate); fi
  echo "pair $i untraced $u traced $t ratio $(python3 -c "print(round($t / $u, 3))") lost $lost load $(cut -d' ' -f1 /proc/loadavg)"
done
