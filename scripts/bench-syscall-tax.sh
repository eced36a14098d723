#!/usr/bin/env bash
# The tax a tracer puts on the rest of the machine (`make bench`, phase `tax`;
# runs alone too). Root. Three loads pinned to one CPU (the last), the tracer
# pinned to another (the first):
#   getppid   raw syscall(SYS_getppid) in a loop: CPU ns per call
#   pingpong  two threads on that CPU passing a byte over two pipes: CPU ns per
#             round trip (two context switches, four system calls)
#   exec      fork + exec + exit + reap, one after another: CPU µs per process
#             (the generator's and its children's), and the tracer's own CPU
# each untraced and traced, in alternating pairs (ABBA), per tracer:
# proctrace `record` in each hook mode this kernel allows (every mode of
# --hooks when record has it; else its one default), bpftrace on the four sched
# tracepoints proctrace needs, forkstat (proc connector) and libbpf-tools'
# execsnoop (syscall tracepoints). The loads' times are CPU time (loadgen:
# thread or process CPU clock, median of 10 chunks), so other work on the
# machine shows much less than in wall-clock time; BPF programs run in the
# traced task and are in it. Each side lists the BPF tracing programs of
# other tracers that were loaded meanwhile (they tax the untraced side too).
#
# Writes one JSON line per pair (kind "tax") and one per tracer (kind
# "tax-tracer": its command, whether it started, what hook it chose) to
# RESULTS (.build/bench/tax.jsonl), and prints them. Knobs: PAIRS (5),
# TRACERS (a subset of the names printed at the start), HOOKS (the proctrace
# modes to run: default all that start), QUICK=1 (small counts).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/proctrace}
LOADGEN=${LOADGEN:-.build/bench/loadgen}
OUT=${OUT:-.build/bench}
RESULTS=${RESULTS:-$OUT/tax.jsonl}
PAIRS=${PAIRS:-5}
CPUS=$(nproc)
LOAD_CPU=$((CPUS - 1))
TRACER_CPU=0
EXECSNOOP=${EXECSNOOP:-/usr/sbin/execsnoop}

if [ "$(id -u)" -ne 0 ]; then
  echo "the system-call tax bench needs root (the tracers load BPF programs): sudo $0" >&2
  exit 1
fi
if [ "$CPUS" -lt 2 ]; then
  echo "the system-call tax bench needs 2 CPUs (the load on one, the tracer on another); this machine has $CPUS" >&2
  exit 1
fi
if [ "${QUICK:-0}" = 1 ]; then
  N_GETPPID=1000000 N_PINGPONG=20000 N_EXEC=100 PAIRS=${PAIRS_QUICK:-2}
else
  N_GETPPID=5000000 N_PINGPONG=100000 N_EXEC=500
fi

mkdir -p "$OUT"
if [ "${APPEND:-0}" != 1 ]; then
  : > "$RESULTS"
  python3 scripts/bench.py env >> "$RESULTS"
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
emit() { echo "$1" >> "$RESULTS"; echo "$1"; }
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# The exec load runs this copy of true: every tracer names it (comm or path),
# which shows it saw the load.
MARK=$OUT/taxmark
cp /bin/true "$MARK"
# bpftrace and execsnoop attach tracepoints by name through tracefs.
MOUNTED_TRACEFS=0
if [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing
  MOUNTED_TRACEFS=1
fi
TRACER=0
cleanup() {
  if [ "$TRACER" != 0 ]; then kill -INT "$TRACER" 2>/dev/null; wait "$TRACER" 2>/dev/null || true; fi
  if [ "$MOUNTED_TRACEFS" = 1 ]; then umount /sys/kernel/tracing; fi
  rm -f "$MARK"
}
trap cleanup EXIT

# -- The tracers: a name, the command (run with the output in a file), what
# the output says once it is attached, and what it hooks (proctrace's start
# record says that itself).
names=() commands=() ready=() hooks=()
add() { names+=("$1"); commands+=("$2"); ready+=("$3"); hooks+=("${4:-}"); }
DEFAULT_INFO=""
if "$BIN" record --help 2>&1 | grep -q -- '--hooks'; then
  # Every mode; one this kernel does not allow is reported as not started.
  for mode in ${HOOKS:-fentry kprobe sched syscall}; do
    add "proctrace --hooks $mode" "$BIN record --config /dev/null --backend bpf --hooks $mode" '"event":"start"'
  done
  DEFAULT_INFO=yes # the default (auto) is one of them: its start record says which
else
  add "proctrace" "$BIN record --config /dev/null" '"event":"start"'
fi
SCHED='tracepoint:sched:sched_process_fork,tracepoint:sched:sched_process_exec,tracepoint:sched:sched_process_exit,tracepoint:sched:sched_process_free'
add "bpftrace (sched tracepoints)" "bpftrace -e '$SCHED { printf(\"%s %d %d %s\\n\", probe, pid, tid, comm); }'" 'Attaching' \
  "sched_process_fork/exec/exit/free tracepoints, a line per event"
add "forkstat" "stdbuf -oL forkstat -e all" 'Event' "proc connector (netlink), all events"
add "execsnoop (libbpf-tools)" "stdbuf -oL $EXECSNOOP" 'PCOMM' "syscalls:sys_enter_execve/sys_exit_execve tracepoints"

echo "tracers: $(printf '"%s" ' "${names[@]}")" >&2
selected=()
for i in "${!names[@]}"; do
  if [ -z "${TRACERS:-}" ] || [[ "|$TRACERS|" == *"|${names[$i]}|"* ]]; then selected+=("$i"); fi
done

# Other BPF tracers on the machine (other users' recordings, tests) tax the
# untraced side too: each side notes the tracing programs loaded that are not
# its tracer's (OURS: the programs that appeared when it started).
OURS=""
foreign_bpf() {
  python3 scripts/bench.py bpf-progs | tr ' ' '\n' | grep -vxF -f <(printf '%s\n' $OURS none) | cut -d: -f2- | sort -u | paste -sd' ' || true
}

# Starts tracer $1 on TRACER_CPU; returns once attached (1 if it did not attach).
start_tracer() {
  local i=$1 log=$OUT/tax-tracer.out before
  : > "$log"
  before=$(python3 scripts/bench.py bpf-progs)
  taskset -c "$TRACER_CPU" bash -c "exec ${commands[$i]}" > "$log" 2>"$OUT/tax-tracer.err" &
  TRACER=$!
  for _ in $(seq 300); do
    grep -q -- "${ready[$i]}" "$log" 2>/dev/null && {
      sleep 0.5
      OURS=$(python3 scripts/bench.py bpf-progs | tr ' ' '\n' | grep -vxF -f <(printf '%s\n' $before none) | paste -sd' ' || true)
      return 0
    }
    kill -0 "$TRACER" 2>/dev/null || break
    sleep 0.05
  done
  kill -INT "$TRACER" 2>/dev/null; wait "$TRACER" 2>/dev/null || true
  TRACER=0
  return 1
}
stop_tracer() {
  kill -INT "$TRACER"
  wait "$TRACER" || true
  TRACER=0 OURS=""
}

# One side of a pair: the three loads; with a tracer when TRACER is set.
side() {
  local g p e c0=0 c1=0 f0 f1
  f0=$(foreign_bpf)
  g=$("$LOADGEN" --mode getppid --count "$N_GETPPID" --cpu "$LOAD_CPU")
  p=$("$LOADGEN" --mode pingpong --count "$N_PINGPONG" --cpu "$LOAD_CPU")
  [ "$TRACER" != 0 ] && c0=$(cpu_ns "$TRACER")
  e=$("$LOADGEN" --mode forkexec --workers 1 --count "$N_EXEC" --cpu "$LOAD_CPU" --program "$MARK" --run "tax$$")
  [ "$TRACER" != 0 ] && { sleep 0.3; c1=$(cpu_ns "$TRACER"); }
  f1=$(foreign_bpf)
  echo "{\"getppid\":$g,\"pingpong\":$p,\"exec\":$e,\"tracer_exec_cpu_ns\":$((c1 - c0)),\"foreign_bpf\":\"$(printf '%s\n' $f0 $f1 | sort -u | paste -sd' ')\"}"
}

echo "== system-call tax: load on CPU $LOAD_CPU, tracer on CPU $TRACER_CPU, $PAIRS pairs per tracer" >&2
# tracer_row I MEASURED STARTED: the tracer's row, from its output and errors.
tracer_row() {
  emit "$(python3 scripts/bench.py tax-tracer "${names[$1]}" "${commands[$1]}" "${hooks[$1]}" "$2" "$3" \
    "$OUT/tax-tracer.out" "$OUT/tax-tracer.err")"
}
started=()
for i in "${selected[@]}"; do
  if start_tracer "$i"; then
    stop_tracer
    tracer_row "$i" true true
    started+=("$i")
  else
    tracer_row "$i" true false
  fi
done
# With --hooks, the default is not measured again: this row says which mode it is.
if [ -n "$DEFAULT_INFO" ]; then
  add "proctrace (default)" "$BIN record --config /dev/null" '"event":"start"'
  last=$((${#names[@]} - 1))
  if start_tracer "$last"; then stop_tracer; tracer_row "$last" false true; else tracer_row "$last" false false; fi
fi

for pair in $(seq "$PAIRS"); do
  for i in "${started[@]}"; do
    order="without with"
    [ $((pair % 2)) = 0 ] && order="with without"
    without="" with="" saw=false cpu=0
    for s in $order; do
      if [ "$s" = without ]; then
        without=$(side)
      else
        start_tracer "$i" || { echo "${names[$i]} did not start in pair $pair" >&2; exit 1; }
        c0=$(cpu_ns "$TRACER")
        with=$(side)
        cpu=$(( $(cpu_ns "$TRACER") - c0 ))
        stop_tracer
        grep -q taxmark "$OUT/tax-tracer.out" && saw=true
      fi
    done
    emit "{\"kind\":\"tax\",\"tracer\":\"${names[$i]}\",\"pair\":$pair,\"order\":\"$order\",\"load_cpu\":$LOAD_CPU,\"tracer_cpu\":$TRACER_CPU,\"without\":$without,\"with\":$with,\"tracer_cpu_ns\":$cpu,\"saw_exec_load\":$saw,\"load\":\"$(load)\"}"
  done
done
rm -f "$OUT/tax-tracer.out"
