#!/usr/bin/env bash
# `make bench`: capture completeness, overhead and throughput of proctrace.
# Needs root (BPF). Results go to standard output, to .build/bench/results.jsonl
# (one JSON object per measurement) and into BENCHMARKS.md between the markers.
#
# Knobs (environment): PAIRS (cost pairs per mode, 5), CHURN_SECONDS (120),
# RATE (fixed exec rate, 1600), SOAK_SECONDS (600; 0 skips the real-kernel
# soak), TAX_PAIRS (pairs per tracer in the system-call tax, 5),
# TAX_KERNEL_PAIRS (the same in the qemu guests, 3), KERNELS (the guests, "5.10
# 6.1 6.12"), PHASES (a subset of "storms sigstop cost kernel fixed memory soak
# read tax tax-kernels"), QUICK=1 (small counts, for checking the script).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.build/release/proctrace
BENCH=.build/release/proctrace-bench
LOADGEN=.build/bench/loadgen
OUT=.build/bench
RESULTS=$OUT/results.jsonl
PAIRS=${PAIRS:-7}
CHURN_SECONDS=${CHURN_SECONDS:-120}
RATE=${RATE:-1600}
CPUS=$(nproc)
# The user-space benchmarks run on one core: the last one.
CORE=$((CPUS - 1))

if [ "$(id -u)" -ne 0 ]; then
  echo "make bench needs root (it loads BPF programs): sudo make bench" >&2
  exit 1
fi

# Counts: full size, or small to check the script quickly.
if [ "${QUICK:-0}" = 1 ]; then
  N_FORKEXEC=400 N_FORK=4000 N_SPAWN=400 N_THREADS=4000
  STORM_FORKEXEC=1000 STORM_FORK=10000 STORM_THREADS=20000 STOP_COUNT=4000 FIXED_SECONDS=2
  CONSUMER_PROCESSES=20000 ROUNDS=2 SOAK_SECONDS=${SOAK_SECONDS:-20} REPORT_RECORDS=50000
else
  N_FORKEXEC=10000 N_FORK=150000 N_SPAWN=10000 N_THREADS=500000
  STORM_FORKEXEC=20000 STORM_FORK=200000 STORM_THREADS=500000 STOP_COUNT=10000 FIXED_SECONDS=10
  CONSUMER_PROCESSES=250000 ROUNDS=5 REPORT_RECORDS=1000000
fi
SOAK_SECONDS=${SOAK_SECONDS:-600}
MAIN_PHASES="storms sigstop cost kernel fixed memory soak read"
PHASES=${PHASES:-$MAIN_PHASES tax tax-kernels}
for phase in $PHASES; do
  case $phase in
    storms|sigstop|cost|kernel|fixed|memory|soak|report|read|tax|tax-kernels) ;;
    *) echo "unknown phase '$phase' in PHASES: use storms sigstop cost kernel fixed memory soak read tax tax-kernels report" >&2; exit 2 ;;
  esac
done

mkdir -p "$OUT"
: > "$RESULTS"
: > "$OUT/recorder.err"

load() { cut -d' ' -f1-3 /proc/loadavg; }
emit() { echo "$1" >> "$RESULTS"; echo "$1"; }
# CPU time of a process, ns: sum over its threads of the scheduler's run time
# (what utime+stime count, without the 10 ms tick granularity).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
hwm_kib() { awk '/^VmHWM/ {print $2}' /proc/"$1"/status; }

REC=0
start_recorder() {
  local log=$1; shift
  rm -f "$log"
  "$BIN" record --output "$log" "$@" 2>>"$OUT/recorder.err" &
  REC=$!
  for _ in $(seq 100); do
    grep -q '"event":"start"' "$log" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.5 # the snapshot of running processes follows the start record
}
stop_recorder() {
  kill -INT "$REC"
  wait "$REC" || true
}
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "== environment"
emit "$(python3 scripts/bench.py env)"

# -- 1. Completeness: storms at full speed, one recording each.
storm() {
  local mode=$1 count=$2; shift 2
  local log=$OUT/storm-$mode.jsonl
  start_recorder "$log" "$@"
  local gen
  gen=$("$LOADGEN" --mode "$mode" --count "$count" --workers "$CPUS" --run "storm$mode$$")
  sleep 0.5
  stop_recorder
  local cap
  cap=$(python3 scripts/bench.py capture "$log" "$gen")
  emit "{\"kind\":\"storm\",\"mode\":\"$mode\",\"generated\":$(json_field "$gen" generated),\"rate\":$(json_field "$gen" rate),\"capture\":$cap,\"load\":\"$(load)\"}"
}
phase_storms() {
  echo "== capture completeness (full speed, $CPUS workers)"
  storm forkexec "$STORM_FORKEXEC"
  storm fork "$STORM_FORK"
  storm spawn "$N_SPAWN"
  storm vfork "$N_SPAWN"
  storm threads "$STORM_THREADS" --threads
}

# -- 2. Loss: the consumer stopped for 2 s in a storm, default ring then a small one.
sigstop() {
  local ring=$1 mode=${2:-forkexec} count=${3:-$STOP_COUNT}
  local log=$OUT/sigstop-$ring.jsonl
  start_recorder "$log" --ring-buffer-size "$ring"
  "$LOADGEN" --mode "$mode" --count "$count" --workers "$CPUS" --run "stop$ring$$" > "$OUT/sigstop.gen" &
  local gen_pid=$!
  sleep 1
  kill -STOP "$REC"
  sleep 2
  kill -CONT "$REC"
  wait "$gen_pid"
  sleep 0.5
  stop_recorder
  local gen cap
  gen=$(cat "$OUT/sigstop.gen")
  cap=$(python3 scripts/bench.py capture "$log" "$gen")
  emit "{\"kind\":\"sigstop\",\"ring\":\"$ring\",\"mode\":\"$mode\",\"rate\":$(json_field "$gen" rate),\"capture\":$cap,\"load\":\"$(load)\"}"
}
# STOP_RINGS: the ring sizes tried (the default's size is chosen by this:
# the smallest that loses nothing in either storm).
phase_sigstop() {
  echo "== consumer stopped for 2 s during a storm"
  for ring in ${STOP_RINGS:-16M 256K}; do
    sigstop "$ring" forkexec "$STOP_COUNT"
    sigstop "$ring" fork "$((STOP_COUNT * 10))"
  done
}

# -- 3. Cost: alternating pairs (ABBA order) without and with a recording.
pair_mode() {
  local mode=$1 count=$2; shift 2
  # The row's name: the generator mode and proctrace's options.
  local label="$mode${*:+ $*}" untraced=""
  [ "$mode" = threads ] && [ "$*" != --threads ] && untraced=untraced-threads
  for i in $(seq "$PAIRS"); do
    local order="without with"
    [ $((i % 2)) = 0 ] && order="with without"
    local without="" with="" cpu=0 hwm=0 gen="" cap=""
    for side in $order; do
      if [ "$side" = without ]; then
        without=$("$LOADGEN" --mode "$mode" --count "$count" --workers "$CPUS" --run "free$mode$i$$")
      else
        local log=$OUT/pair-$mode.jsonl
        start_recorder "$log" "$@"
        local c0 c1
        c0=$(cpu_ns "$REC")
        gen=$("$LOADGEN" --mode "$mode" --count "$count" --workers "$CPUS" --run "pair$mode$i$$")
        sleep 0.3 # the last records wait at most one poll interval (100 ms)
        c1=$(cpu_ns "$REC")
        hwm=$(hwm_kib "$REC")
        stop_recorder
        cpu=$((c1 - c0))
        cap=$(python3 scripts/bench.py capture "$log" "$gen" $untraced)
      fi
    done
    emit "{\"kind\":\"pair\",\"mode\":\"$label\",\"pair\":$i,\"order\":\"$order\",\"without\":$(json_field "$without" rate),\"with\":$(json_field "$gen" rate),\"processes\":$(json_field "$gen" generated),\"cpu_ns\":$cpu,\"hwm_kib\":$hwm,\"capture\":$cap,\"load\":\"$(load)\"}"
  done
}
phase_cost() {
  echo "== cost: $PAIRS alternating pairs per mode"
  pair_mode forkexec "$N_FORKEXEC"
  pair_mode fork "$N_FORK"
  pair_mode spawn "$N_SPAWN"
  pair_mode vfork "$N_SPAWN"
  pair_mode threads "$N_THREADS"
  pair_mode threads "$N_THREADS" --threads
}

# -- 3b. Cost in CPU time, exactly (wall-clock rates on a shared machine are
# noisy): the programs' own run time from the kernel's BPF statistics and the
# recorder's CPU, against the CPU the generator and its children used.
# sys_exit runs for every process's system calls; all of it is counted.
kernel_mode() {
  local mode=$1 count=$2; shift 2
  local label="$mode${*:+ $*}"
  start_recorder "$OUT/kernel-$mode.jsonl" "$@"
  local before after gen c0 c1
  c0=$(cpu_ns "$REC")
  before=$(python3 scripts/bench.py progstats)
  gen=$("$LOADGEN" --mode "$mode" --count "$count" --workers "$CPUS" --run "kernel$mode$$")
  after=$(python3 scripts/bench.py progstats)
  sleep 0.3
  c1=$(cpu_ns "$REC")
  stop_recorder
  emit "{\"kind\":\"kernel\",\"mode\":\"$label\",\"processes\":$(json_field "$gen" generated),\"gen_cpu_s\":$(json_field "$gen" cpu_seconds),\"recorder_cpu_ns\":$((c1 - c0)),\"before\":$before,\"after\":$after,\"load\":\"$(load)\"}"
}
phase_kernel() {
  echo "== cost in CPU time (kernel BPF statistics)"
  local previous
  previous=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -qw kernel.bpf_stats_enabled=1
  trap "sysctl -qw kernel.bpf_stats_enabled=$previous" EXIT
  kernel_mode forkexec "$N_FORKEXEC"
  kernel_mode fork "$N_FORK"
  kernel_mode spawn "$N_SPAWN"
  kernel_mode vfork "$N_SPAWN"
  kernel_mode threads "$N_THREADS"
  kernel_mode threads "$N_THREADS" --threads
  sysctl -qw kernel.bpf_stats_enabled="$previous"
  trap - EXIT
}

# -- 4. CPU at a fixed exec rate, and idle.
phase_fixed() {
  echo "== proctrace CPU at $RATE execs/s, and idle"
  start_recorder "$OUT/fixed.jsonl"
  c0=$(cpu_ns "$REC")
  sleep 3
  c1=$(cpu_ns "$REC")
  emit "{\"kind\":\"idle\",\"seconds\":3,\"cpu_ns\":$((c1 - c0)),\"load\":\"$(load)\"}"
  c0=$(cpu_ns "$REC")
  gen=$("$LOADGEN" --mode forkexec --rate "$RATE" --count $((RATE * FIXED_SECONDS)) --workers "$CPUS" --run "fixed$$")
  sleep 0.3
  c1=$(cpu_ns "$REC")
  stop_recorder
  emit "{\"kind\":\"fixed\",\"asked\":$RATE,\"rate\":$(json_field "$gen" rate),\"seconds\":$(json_field "$gen" seconds),\"cpu_ns\":$((c1 - c0)),\"load\":\"$(load)\"}"
}

# -- 5. User space from memory, one core.
run_bench() { emit "$(taskset -c "$CORE" "$BENCH" "$@" | sed "s/}\$/,\"load\":\"$(load)\"}/" | sed 's/"bench":/"kind":/')"; }
phase_memory() {
  echo "== consumer, replay and memory from memory (core $CORE)"
  run_bench consumer --processes "$CONSUMER_PROCESSES" --rounds "$ROUNDS"
  run_bench replay --processes "$CONSUMER_PROCESSES" --rounds "$ROUNDS"
  [ -f "$OUT/storm-fork.jsonl" ] && run_bench replay --file "$OUT/storm-fork.jsonl" --rounds "$ROUNDS"
  run_bench tree-memory --live 100000
  run_bench churn --seconds "$CHURN_SECONDS"
}

# -- 6. Soak: real fork storms through the kernel for SOAK_SECONDS, recording
# with rotation; the recorder's RSS sampled after every generator batch.
soak() {
  local log=$OUT/soak.jsonl
  rm -f "$log" "$log".*
  start_recorder "$log" --rotate-size 256M --rotate-keep 2
  local t0 now elapsed=0 batch=0 processes=0 c0 gen samples=""
  t0=$(date +%s.%N)
  c0=$(cpu_ns "$REC")
  samples="{\"t\":0,\"rss_kib\":$(awk '/^VmRSS/ {print $2}' /proc/"$REC"/status),\"processes\":0}"
  while awk -v e="$elapsed" -v s="$SOAK_SECONDS" 'BEGIN {exit !(e < s)}'; do
    batch=$((batch + 1))
    if [ $((batch % 2)) = 1 ]; then
      gen=$("$LOADGEN" --mode forkexec --count "$N_FORKEXEC" --workers "$CPUS" --run "soak$batch$$")
    else
      gen=$("$LOADGEN" --mode fork --count "$N_FORK" --workers "$CPUS" --run "soak$batch$$")
    fi
    processes=$((processes + $(json_field "$gen" generated)))
    now=$(date +%s.%N)
    elapsed=$(awk -v a="$now" -v b="$t0" 'BEGIN {printf "%.1f", a - b}')
    samples="$samples,{\"t\":$elapsed,\"rss_kib\":$(awk '/^VmRSS/ {print $2}' /proc/"$REC"/status),\"processes\":$processes}"
  done
  sleep 0.3
  local cpu=$(( $(cpu_ns "$REC") - c0 )) hwm
  hwm=$(hwm_kib "$REC")
  stop_recorder
  local stop files
  stop=$(tail -n 1 "$log")
  files=$(ls "$log"* | wc -l)
  emit "{\"kind\":\"soak\",\"seconds\":$elapsed,\"batches\":$batch,\"processes\":$processes,\"cpu_ns\":$cpu,\"hwm_kib\":$hwm,\"stop_lost\":$(json_field "$stop" lost),\"stop_unwritten\":$(json_field "$stop" unwritten),\"stop_events\":$(json_field "$stop" events),\"stop_seq\":$(json_field "$stop" seq),\"files\":$files,\"samples\":[$samples],\"load\":\"$(load)\"}"
  rm -f "$log" "$log".*
}
phase_soak() {
  [ "$SOAK_SECONDS" = 0 ] && return
  echo "== soak: $SOAK_SECONDS s of fork storms through the kernel, recording with rotation"
  soak
}

# -- 8. proctrace report on a large recording: page size and time to its first screen.
# A real recording of loadgen (fork+exec children of P workers) repeated, renumbered,
# to REPORT_RECORDS records (scripts/repeat-recording.py): generating a million records
# for real would hold both cores for minutes.
phase_report() {
  echo "== report: a ${REPORT_RECORDS}-record recording drawn by proctrace report, opened in headless Chromium"
  local log=$OUT/report-source.jsonl big=$OUT/report.jsonl html=$OUT/report.html
  start_recorder "$log"
  "$LOADGEN" --mode forkexec --count 10000 --workers "$CPUS" --run "report$$" >/dev/null
  sleep 0.5
  stop_recorder
  local repeated
  repeated=$(python3 scripts/repeat-recording.py "$log" "$REPORT_RECORDS" "$big")
  local t0 t1 hwm_file=$OUT/report-time.txt
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$hwm_file" "$BIN" report "$big" -o "$html"
  t1=$(date +%s%N)
  local bytes records
  bytes=$(stat -c %s "$html")
  records=$(json_field "$repeated" records)
  # Time to first screen, in real time over the DevTools pipe (scripts/report-first-screen.py): the
  # page's own performance.now() once its visible rows are built and laid out, from navigation start
  # (reading, inflating and decoding the data included), and from starting chromium; three loads.
  local screen
  screen=$(python3 scripts/report-first-screen.py "$html" 3)
  local profile
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --disable-background-networking \
    --user-data-dir="$profile" --window-size=1600,900 --virtual-time-budget=5000 --hide-scrollbars \
    --screenshot="$OUT/report.png" "file://$PWD/$html" >/dev/null 2>&1 || true
  rm -rf "$profile"
  emit "{\"kind\":\"report\",\"records\":$records,\"bytes\":$bytes,\"write_ms\":$(( (t1 - t0) / 1000000 )),\"write_hwm_kib\":$(cat "$hwm_file"),\"page\":$screen,\"load\":\"$(load)\"}"
  rm -f "$log" "$big"
}

# -- 9. The read commands end to end (replay --max --json, stats, tree --from) beside jq and cat.
phase_read() {
  echo "== read: replay --max --json, stats and tree --from on a ~1M-line log, beside jq -c . and cat"
  RESULTS=$RESULTS OUT=$OUT BIN=$BIN BENCH=$BENCH ROUNDS=$ROUNDS scripts/bench-read.sh
}

# -- 9. The system-call tax of proctrace in each hook mode and of its peers
# (scripts/bench-syscall-tax.sh).
phase_tax() {
  echo "== system-call tax: proctrace per hook mode, bpftrace, forkstat, execsnoop"
  RESULTS=$RESULTS OUT=$OUT BIN=$BIN LOADGEN=$LOADGEN APPEND=1 PAIRS=${TAX_PAIRS:-5} scripts/bench-syscall-tax.sh
}

# -- 10. The same for proctrace's hook modes on Debian's kernels in qemu
# (scripts/qemu/bench-kernels.sh; KERNELS narrows them).
phase_tax-kernels() {
  echo "== system-call tax on Debian's kernels in qemu: proctrace per hook mode"
  RESULTS=$RESULTS OUT=$OUT BIN=$BIN LOADGEN=$LOADGEN PAIRS=${TAX_KERNEL_PAIRS:-3} scripts/qemu/bench-kernels.sh
}

for phase in $PHASES; do
  "phase_$phase"
done

echo "== report"
# Only a full run replaces the figures in BENCHMARKS.md; a subset is printed.
# The system-call tax has its own section, rewritten from what ran whenever
# tax or tax-kernels did.
main=() tax=()
for phase in $PHASES; do
  case $phase in tax|tax-kernels) tax+=("$phase") ;; *) main+=("$phase") ;; esac
done
if [ "${main[*]}" = "$MAIN_PHASES" ]; then
  python3 scripts/bench.py report "$RESULTS" BENCHMARKS.md
elif [ ${#main[@]} -gt 0 ]; then
  python3 scripts/bench.py report "$RESULTS" /dev/null
fi
if [ ${#tax[@]} -gt 0 ]; then
  python3 scripts/bench.py tax-report "$RESULTS" BENCHMARKS.md
fi
if [ -s "$OUT/recorder.err" ]; then
  echo "proctrace said (standard error):" >&2
  cat "$OUT/recorder.err" >&2
fi
