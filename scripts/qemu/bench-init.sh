#!/bin/sh
# PID 1 of the tax-bench guest (scripts/qemu/bench-kernels.sh): the loads of
# scripts/bench-syscall-tax.sh on CPU 1, untraced and with proctrace in each
# mode of /bench/config's MODES on CPU 0, in alternating pairs. Reports every
# measurement on the serial console; the host makes the table.
#   @@tax PAIR MODE SIDE LOAD {loadgen's JSON}
#   @@taxside PAIR MODE TRACER_CPU_NS TRACER_EXEC_CPU_NS SAW
#   @@taxstart MODE {proctrace's start record} | @@taxerror MODE {error line}
#   @@taxdefault {the start record of proctrace without --hooks}
export PATH=/bin:/usr/bin:/sbin HOME=/root TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
. /bench/config
echo "@@bench kernel $(uname -r) cpus $(grep -c ^processor /proc/cpuinfo)"
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
TRACER=0
start() { # MODE: proctrace on CPU 0, returns once its start record is out
	if [ "$1" = default ]; then set --; else set -- --backend bpf --hooks "$1"; fi
	taskset -c 0 /pt/proctrace record --config /dev/null "$@" >/tmp/trace.out 2>/tmp/trace.err &
	TRACER=$!
	for _ in $(seq 1200); do
		grep -q '"event":"start"' /tmp/trace.out && { sleep 1; return 0; }
		kill -0 "$TRACER" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "$TRACER" 2>/dev/null
	wait "$TRACER"
	TRACER=0
	return 1
}
stop() {
	kill -INT "$TRACER"
	wait "$TRACER"
	TRACER=0
}
side() { # PAIR MODE SIDE
	echo "@@tax $1 $2 $3 getppid $(/pt/loadgen --mode getppid --count "$N_GETPPID" --cpu 1)"
	echo "@@tax $1 $2 $3 pingpong $(/pt/loadgen --mode pingpong --count "$N_PINGPONG" --cpu 1)"
	c0=0
	[ "$TRACER" != 0 ] && c0=$(cpu_ns "$TRACER")
	echo "@@tax $1 $2 $3 exec $(/pt/loadgen --mode forkexec --workers 1 --count "$N_EXEC" --cpu 1 --program /pt/taxmark --run tax)"
	EXEC_CPU=0
	[ "$TRACER" != 0 ] && { sleep 0.5; EXEC_CPU=$(($(cpu_ns "$TRACER") - c0)); }
}
measured=""
if [ "$MODES" != default ] && start default; then # which mode the default chose
	echo "@@taxdefault $(grep -m1 '"event":"start"' /tmp/trace.out)"
	stop
fi
for mode in $MODES; do
	if start "$mode"; then
		echo "@@taxstart $mode $(grep -m1 '"event":"start"' /tmp/trace.out)"
		stop
		measured="$measured $mode"
	else
		echo "@@taxerror $mode $(tail -n 1 /tmp/trace.err)"
	fi
done
for pair in $(seq "$PAIRS"); do
	for mode in $measured; do
		order="without with"
		[ $((pair % 2)) = 0 ] && order="with without"
		for s in $order; do
			if [ "$s" = without ]; then
				side "$pair" "$mode" without
			else
				start "$mode" || { echo "@@taxerror $mode did not start in pair $pair"; continue; }
				c0=$(cpu_ns "$TRACER")
				side "$pair" "$mode" with
				cpu=$(($(cpu_ns "$TRACER") - c0))
				stop
				saw=false
				grep -q taxmark /tmp/trace.out && saw=true
				echo "@@taxside $pair $mode $cpu $EXEC_CPU $saw"
			fi
		done
	done
done
echo "@@bench done"
sync
poweroff -f
