#!/bin/sh
# PID 1 of the tax-bench guest (scripts/qemu/bench-kernels.sh): the loads of
# scripts/bench-syscall-tax.sh on CPU 1, untraced and with proctrace in each
# mode of /bench/config's MODES on CPU 0, in alternating pairs. Reports every
# measurement on the serial console; the host makes the table.
#   @@tax PAIR MODE SIDE LOAD {loadgen's JSON}
#   @@taxside PAIR MODE TRACER_CPU_NS TRACER_EXEC_CPU_NS SAW
#   @@taxstart MODE {proctrace's start record} | @@taxerror MODE {error line}
#   @@taxdefault {the start record of proctrace without --hooks}
# With BPF_STORMS in the config (bench-kernels.sh BENCH=bpf), instead: the BPF
# run time of proctrace's programs (kernel.bpf_stats_enabled, summed from
# its programs' fdinfo) in each storm, per mode, and the storm untraced:
#   @@bpf PAIR MODE STORM RUN_TIME_NS RUN_CNT TRACER_CPU_NS {loadgen's JSON}
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
# "run_time_ns run_cnt" summed over the tracer's BPF programs (each program's fd once).
bpf_stats() {
	cat /proc/"$TRACER"/fdinfo/* 2>/dev/null |
		awk '$1 == "run_time_ns:" {t += $2} $1 == "run_cnt:" {c += $2} END {printf "%.0f %.0f\n", t, c}'
}
bpf_storms() {
	echo 1 > /proc/sys/kernel/bpf_stats_enabled
	for pair in $(seq "$PAIRS"); do
		for storm in $BPF_STORMS; do
			echo "@@bpf $pair untraced ${storm%%:*} 0 0 0 $(/pt/loadgen --mode "${storm%%:*}" --count "${storm#*:}" --workers 1 --cpu 1 --run bpf)"
		done
		for mode in $MODES; do
			start "$mode" || { echo "@@taxerror $mode $(tail -n 1 /tmp/trace.err)"; continue; }
			for storm in $BPF_STORMS; do
				set -- $(bpf_stats)
				c0=$(cpu_ns "$TRACER")
				gen=$(/pt/loadgen --mode "${storm%%:*}" --count "${storm#*:}" --workers 1 --cpu 1 --run bpf)
				sleep 0.5
				c1=$(cpu_ns "$TRACER")
				set -- $(bpf_stats) "$1" "$2"
				echo "@@bpf $pair $mode ${storm%%:*} $(($1 - $3)) $(($2 - $4)) $((c1 - c0)) $gen"
			done
			stop
		done
	done
	echo "@@bench done"
	sync
	poweroff -f
}
[ -n "${BPF_STORMS:-}" ] && bpf_storms

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
