#!/usr/bin/env bash
# Issue 14's cost, side by side in one run (root; BACKEND=netlink, the default,
# reads the fields from /proc; BACKEND=bpf reads them in the kernel and adds the
# BPF programs' own run time, kernel.bpf_stats_enabled; both hash in user space):
#  1. exec storm: recorder CPU per 1,000 fork+exec'd processes, alternating
#     BASE (a proctrace without the fields, e.g. main's), hashing off
#     (--hash-max-bytes 0: the /proc reads only) and the default (64M);
#  2. hash misses: recorder CPU for execs of K distinct 16 MiB binaries
#     (each a cache miss) against K execs of one (hits), per MiB hashed.
# Usage: scripts/bench-audit.sh [BASE_BINARY]   (knobs: BACKEND=netlink PAIRS=3 COUNT=4000 K=16)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/proctrace
BASE=${1:-}
LOADGEN=.build/bench/loadgen
PAIRS=${PAIRS:-3}
COUNT=${COUNT:-4000}
K=${K:-16}
BACKEND=${BACKEND:-netlink}
OUT=$(mktemp -d /tmp/proctrace-bench-audit.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
[ -x "$LOADGEN" ] || { mkdir -p .build/bench; cc -O2 -Wall -o "$LOADGEN" scripts/loadgen.c -lpthread; }

cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
# The BPF programs' run time (ns), summed over those loaded after FIRST_PROG.
max_prog_id() { bpftool -j prog show | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
bpf_ns() {
  [ "$BACKEND" = bpf ] || { echo 0; return; }
  bpftool -j prog show | python3 -c 'import json,sys; first=int(sys.argv[1]); print(sum(p.get("run_time_ns", 0) for p in json.load(sys.stdin) if p["id"] > first))' "$FIRST_PROG"
}
if [ "$BACKEND" = bpf ]; then
  previous_stats=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -qw kernel.bpf_stats_enabled=1
  trap 'sysctl -qw kernel.bpf_stats_enabled=$previous_stats; rm -rf "$OUT"' EXIT
fi
REC=0
FIRST_PROG=0
start() {
  local bin=$1 log=$2; shift 2
  rm -f "$log"
  [ "$BACKEND" = bpf ] && FIRST_PROG=$(max_prog_id)
  "$bin" record --config /dev/null --backend "$BACKEND" --output "$log" "$@" 2>>"$OUT/err" &
  REC=$!
  until grep -q '"event":"start"' "$log" 2>/dev/null; do sleep 0.05; done
  # The snapshot (which hashes every running program) is done once a sentinel's exec is in the log.
  local n=0
  until grep -q "\"/bin/sleep\",\"0.0$n\"" "$log" 2>/dev/null; do n=$((n + 1)); /bin/sleep "0.0$n"; done
}
stop() { kill -INT "$REC"; wait "$REC" || true; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== exec storm ($BACKEND): $COUNT fork+exec per run, recorder CPU (+ BPF programs' run time) ms per 1,000 processes"
declare -A total ktotal
modes="hash-off default"
[ -n "$BASE" ] && modes="base $modes"
for i in $(seq "$PAIRS"); do
  order=$modes
  [ $((i % 2)) = 0 ] && order=$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')
  for mode in $order; do
    case $mode in
      base) start "$BASE" "$OUT/log" ;;
      hash-off) start "$BIN" "$OUT/log" --hash-max-bytes 0 ;;
      default) start "$BIN" "$OUT/log" ;;
    esac
    c0=$(cpu_ns "$REC"); k0=$(bpf_ns)
    gen=$("$LOADGEN" --mode forkexec --count "$COUNT" --workers 2 --run "audit$i$mode$$")
    sleep 0.3
    c1=$(cpu_ns "$REC"); k1=$(bpf_ns)
    stop
    generated=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["generated"])' "$gen")
    per=$(( (c1 - c0) / generated ))   # ns per process = µs per 1,000
    kper=$(( (k1 - k0) / generated ))
    hashed=$(grep -c '"event":"exec".*"exe_sha256":"' "$OUT/log" || true)
    execs=$(grep -c '"event":"exec"' "$OUT/log" || true)
    kernel=""
    [ "$BACKEND" = bpf ] && kernel=" + BPF $(( kper / 1000 )).$(( kper % 1000 / 100 )) ms"
    echo "  $mode (run $i): $(( per / 1000 )).$(( per % 1000 / 100 )) ms$kernel per 1,000 processes; execs $execs, hashed $hashed; load $(cut -d' ' -f1 /proc/loadavg)"
    total[$mode]=$(( ${total[$mode]:-0} + per ))
    ktotal[$mode]=$(( ${ktotal[$mode]:-0} + kper ))
  done
done
for mode in $modes; do
  avg=$(( total[$mode] / PAIRS )); kavg=$(( ktotal[$mode] / PAIRS ))
  kernel=""
  [ "$BACKEND" = bpf ] && kernel=" + BPF $(( kavg / 1000 )).$(( kavg % 1000 / 100 )) ms"
  echo "  mean $mode: $(( avg / 1000 )).$(( avg % 1000 / 100 )) ms$kernel per 1,000 processes"
done

echo "== hash misses: $K distinct 16 MiB binaries, then one $K times"
for n in $(seq "$K"); do
  cp /bin/sleep "$OUT/big$n"
  head -c $((16 << 20)) /dev/zero >> "$OUT/big$n"
  printf '%s' "$n" >> "$OUT/big$n"
done
sync
cat "$OUT"/big* > /dev/null   # in the page cache: the hash's cost, not the disk's
start "$BIN" "$OUT/log"
c0=$(cpu_ns "$REC")
for n in $(seq "$K"); do "$OUT/big$n" 0.02; done
sleep 0.3
c1=$(cpu_ns "$REC")
for n in $(seq "$K"); do "$OUT/big1" 0.02; done
sleep 0.3
c2=$(cpu_ns "$REC")
stop
misses=$(grep '"event":"exec"' "$OUT/log" | grep "$OUT/big" | grep -c '"exe_sha256":"' || true)
python3 - "$c0" "$c1" "$c2" "$K" "$misses" <<'PY'
import sys
c0, c1, c2, k, hashed = map(int, sys.argv[1:])
miss, hit = (c1 - c0) / k, (c2 - c1) / k
mib = (16 << 20 | 0) / (1 << 20) + 0.04
print(f"  per exec: miss {miss / 1e6:.2f} ms, hit {hit / 1e6:.3f} ms of recorder CPU; "
      f"miss cost {(miss - hit) / mib / 1e6:.2f} ms per MiB hashed ({hashed} of {2 * k} execs hashed)")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
