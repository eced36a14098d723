#!/usr/bin/env bash
# The system-call tax of proctrace's hook modes on Debian's kernels in qemu
# (`make bench PHASES=tax-kernels`; the native side is scripts/bench-syscall-tax.sh).
#   bench-kernels.sh            (root; .build/release/proctrace and .build/bench/loadgen built)
# The guest (scripts/qemu/bench-init.sh as PID 1, 2 CPUs) runs the getppid,
# pingpong and fork+exec loads on CPU 1, untraced and with proctrace in every
# --hooks mode (each that starts on that kernel) on CPU 0, in alternating
# pairs. Software emulation (tcg) makes every absolute time many times the
# native one and changes what is cheap, so only the ratios within one guest
# run mean something. Rows (kind "tax", with "kernel") are appended to
# RESULTS (.build/bench/tax.jsonl) in the form bench.py tax-report reads.
# KERNELS ("5.10 6.1 6.12"), PAIRS (3), QUICK=1 (small counts).
# BENCH=bpf measures instead the BPF run time of proctrace's programs per
# hook mode in fork, fork+exec and thread storms (issue 27: is `sched` as
# cheap as `fentry` per process?): rows of kind "bpf-guest" in
# RESULTS (.build/bench/bpf-kernels.jsonl); BPF_STORMS ("fork:2000
# forkexec:100 threads:4000", mode:count) sets the storms.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BIN:-.build/release/proctrace}
LOADGEN=${LOADGEN:-.build/bench/loadgen}
OUT=${OUT:-.build/bench}
BENCH=${BENCH:-tax}
if [ "$BENCH" = bpf ]; then
	RESULTS=${RESULTS:-$OUT/bpf-kernels.jsonl}
	BPF_STORMS=${BPF_STORMS:-fork:2000 forkexec:100 threads:4000}
else
	RESULTS=${RESULTS:-$OUT/tax.jsonl}
	BPF_STORMS=
fi
work=.build/kernels
boot_timeout=${KERNEL_TIMEOUT:-3000}
# The suites test-kernels.sh boots.
declare -A suite=([5.10]=bullseye [6.1]=bookworm [6.12]=trixie)
kernels=${KERNELS:-5.10 6.1 6.12}
if [ "${QUICK:-0}" = 1 ]; then
	PAIRS=${PAIRS_QUICK:-1} N_GETPPID=20000 N_PINGPONG=1000 N_EXEC=5
else
	PAIRS=${PAIRS:-3} N_GETPPID=300000 N_PINGPONG=10000 N_EXEC=30
fi
# grep reads all of the help (-q would stop early, and pipefail would see proctrace's SIGPIPE).
if "$BIN" record --help 2>&1 | grep -- '--hooks' > /dev/null; then
	modes=${HOOKS:-fentry kprobe sched syscall}
else
	modes=default
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,lib64,etc,proc,sys,dev,tmp,root,pt,bench}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	case $applet in sleep | busybox) continue ;; esac
	ln -sf busybox "$root/bin/$applet"
done
cp /usr/bin/sleep "$root/bin/"
cp "$BIN" "$root/pt/proctrace"
cp "$LOADGEN" "$root/pt/loadgen"
cp /usr/bin/true "$root/pt/taxmark"
for lib in $(ldd /usr/bin/sleep /usr/bin/true "$BIN" "$LOADGEN" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
install -m 0755 "$here/bench-init.sh" "$root/init"
printf 'PAIRS=%s\nN_GETPPID=%s\nN_PINGPONG=%s\nN_EXEC=%s\nMODES="%s"\nBPF_STORMS="%s"\n' \
	"$PAIRS" "$N_GETPPID" "$N_PINGPONG" "$N_EXEC" "$modes" "$BPF_STORMS" > "$root/bench/config"
mkdir -p "$work" "$OUT"
cpio=$work/bench-initramfs.cpio
(cd "$root" && find . | cpio -o -H newc --quiet) > "$cpio"

# The @@bpf lines of a guest's serial log as JSON rows.
bpf_rows() {
	tr -d '\r' < "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("@@taxerror"):
        print(json.dumps({"kind": "bpf-guest", "kernel": sys.argv[1], "refused": line.split(" ", 2)[1:]}))
    if not line.startswith("@@bpf "):
        continue
    _, pair, mode, storm, ns, runs, cpu, gen = line.rstrip("\n").split(" ", 7)
    print(json.dumps({"kind": "bpf-guest", "kernel": sys.argv[1], "pair": int(pair), "hooks": mode, "storm": storm,
                      "bpf_ns": int(ns), "bpf_runs": int(runs), "tracer_cpu_ns": int(cpu), "generator": json.loads(gen)}))
' "$2"
}

for kernel in $kernels; do
	dir=$work/$kernel
	"$here/fetch-kernel.sh" "$kernel" "${suite[$kernel]}" "$dir"
	log=$dir/bench.log
	rm -f "$log"
	echo "  QEMU     $(cat "$dir/release") ($BENCH bench: $modes; $PAIRS pairs)"
	started=$SECONDS
	timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nodefaults -no-reboot \
		-display none -monitor none -serial "file:$log" \
		-kernel "$dir/vmlinuz" -initrd "$cpio" -append "console=ttyS0 panic=-1 quiet" ||
		echo "  qemu for $kernel ended with status $? (timeout is ${boot_timeout}s)" >&2
	if ! tr -d '\r' < "$log" | grep -q '^@@bench done'; then
		echo "bench-kernels: the $kernel guest did not finish (serial log: $log)" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	if [ "$BENCH" = bpf ]; then
		bpf_rows "$log" "$(cat "$dir/release")" | tee -a "$RESULTS"
	else
		python3 scripts/bench.py tax-guest "$log" "$(cat /proc/loadavg | cut -d' ' -f1-3)" | tee -a "$RESULTS"
	fi
	echo "  $kernel: booted and measured in $((SECONDS - started))s"
done
