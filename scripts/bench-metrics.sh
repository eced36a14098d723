#!/usr/bin/env bash
# Recorder CPU per record with --metrics-listen on and off, side by side
# (the real record path: BPF, tree, JSON, file write; root). Pairs alternate
# so drift in the machine's load falls on both. PAIRS (5), COUNT (20000 fork+exec).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/proctrace
LOADGEN=.build/bench/loadgen
PAIRS=${PAIRS:-5}
COUNT=${COUNT:-20000}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
run() {
  local log="$DIR/events.jsonl" extra=()
  [ "$1" = on ] && extra=(--metrics-listen "127.0.0.1:$(free_port)")
  rm -f "$log"
  "$BIN" record --config /dev/null -o "$log" "${extra[@]}" 2>>"$DIR/err" & local pid=$!
  for _ in $(seq 400); do grep -q '"event":"start"' "$log" 2>/dev/null && break; sleep 0.05; done
  sleep 0.5
  local before; before=$(cpu_ns $pid)
  "$LOADGEN" --mode forkexec --count "$COUNT" --workers "$(nproc)" --run "metrics$1$$" > /dev/null
  sleep 1
  local after; after=$(cpu_ns $pid)
  local records; records=$(wc -l < "$log")
  kill -INT $pid; wait $pid || true
  echo "$1 $(( (after - before) / records ))"
}
for _ in $(seq "$PAIRS"); do run off; run on; done | awk '
  { sum[$1] += $2; n[$1]++; print "metrics " $1 ": " $2 " ns CPU per record" }
  END { off = sum["off"] / n["off"]; on = sum["on"] / n["on"];
        printf "mean: off %.0f ns, on %.0f ns per record, on/off %.3f\n", off, on, on / off }'
