#!/usr/bin/env bash
# Fork storm by wall clock: loadgen's rate untraced against `proctrace record` at default settings,
# in alternating (ABBA) pairs, one line per pair (BENCHMARKS.md, issue 27, "Fork storm by wall clock").
# Usage: scripts/bench-fork-pairs.sh   (after `make build` and `make bench`'s loadgen; N, PAIRS in the environment)
#
# ACCOUNT=1 also says where the traced storm's extra CPU went, per forked process: the storm's own
# CPU (loadgen's, its workers' and children's: the BPF programs run in their context, so it includes
# most of them), the BPF programs' run time (kernel.bpf_stats_enabled, on for the whole run: it adds
# two clock reads a program run), and the recorder's CPU (/proc/PID/stat). With the storm using
# every core, the slowdown it predicts is (traced storm CPU + recorder CPU) / untraced storm CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/release/proctrace} loadgen=.build/bench/loadgen
n=${N:-150000} pairs=${PAIRS:-7} account=${ACCOUNT:-0}
log=$(mktemp -d)/fork.jsonl
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'rm -rf "$(dirname "$log")"; sysctl -qw kernel.bpf_stats_enabled="$stats_before"' EXIT
[ "$account" = 1 ] && sysctl -qw kernel.bpf_stats_enabled=1
ticks=$(getconf CLK_TCK)

# loadgen's JSON line: "rate cpu_seconds".
storm() { "$loadgen" --mode fork --count "$n" --workers "$(nproc)" --run "forkpairs$$" |
  python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["rate"], r["cpu_seconds"])'; }
# The recorder's user + system CPU in seconds.
recorder_cpu() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
# The ids of the BPF programs loaded now (bpftool here cannot say which process holds a program).
bpf_ids() { bpftool -j prog show | python3 -c 'import json, sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin)))'; }
# The run time in seconds of the programs loaded since the ids in $1 (0 without ACCOUNT): the recorder's.
bpf_seconds() {
  [ "$account" = 1 ] || { echo 0; return; }
  bpftool -j prog show | python3 -c '
import json, sys
before = set(sys.argv[1].split())
print(sum(p.get("run_time_ns", 0) for p in json.load(sys.stdin) if str(p["id"]) not in before) / 1e9)' "$1"
}
traced() {
  rm -f "$log"
  local others; others=$(bpf_ids)
  "$bin" record --config /dev/null --output "$log" 2>/dev/null & local recorder=$!
  until grep -q '"event":"start"' "$log" 2>/dev/null; do sleep 0.05; done
  local cpu0 bpf0 rate cpu cpu1 bpf1
  cpu0=$(recorder_cpu "$recorder") bpf0=$(bpf_seconds "$others")
  read -r rate cpu < <(storm)
  cpu1=$(recorder_cpu "$recorder") bpf1=$(bpf_seconds "$others")
  sleep 0.3; kill -INT "$recorder"; wait "$recorder"
  local lost; lost=$(tail -1 "$log" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("lost"))')
  echo "$rate $cpu $(python3 -c "print($cpu1 - $cpu0, $bpf1 - $bpf0)") $lost"
}
for i in $(seq "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then
    read -r u ucpu < <(storm); read -r t tcpu rec bpf lost < <(traced)
  else
    read -r t tcpu rec bpf lost < <(traced); read -r u ucpu < <(storm)
  fi
  line="pair $i untraced $u traced $t ratio $(python3 -c "print(round($t / $u, 3))") lost $lost load $(cut -d' ' -f1 /proc/loadavg)"
  if [ "$account" = 1 ]; then
    line+=$(python3 -c "
n = $n
us = lambda s: round(s / n * 1e6, 2)
print(f' | per fork µs: storm untraced {us($ucpu)} traced {us($tcpu)} (bpf {us($bpf)}) recorder {us($rec)};'
      f' predicted slowdown {round(($tcpu + $rec) / $ucpu, 3)} measured {round($u / $t, 3)}')")
  fi
  echo "$line"
done
