#!/usr/bin/env bash
# `make test-kernels`: proctrace's own integration tests (scripts/qemu/runs)
# on stock Debian kernels booted in qemu, and natively on this machine.
#   test-kernels.sh BUILD_DIR        (BUILD_DIR: .build/debug, tests built)
# KERNELS="5.10 6.1" limits the matrix; NATIVE=0 skips the native run; RUNS=FILE
# takes its runs from FILE instead of scripts/qemu/runs (same format: a few suites).
# Each guest reports on its serial console; every judgement is made here, and
# a kernel that does not boot or a run that does not finish is a failure.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=.build/kernels
runs=${RUNS:-$here/runs}
boot_timeout=${KERNEL_TIMEOUT:-1200}
# 6.12 from trixie: bookworm-backports' 6.12.95 oopses at boot under qemu 7.2's emulation.
declare -A suite=([5.10]=bullseye [6.1]=bookworm [6.12]=trixie)
kernels=${KERNELS:-5.10 6.1 6.12}
failed=0
summary=()

# judge NAME LOG: one summary line per run; non-zero if anything is missing or failed.
judge() {
	local name=$1 log=$2 bad=0 run filter text
	# The serial console ends lines with CR LF; colours are for terminals.
	text=$(tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;]*m//g')
	if ! grep -q '^@@matrix kernel' <<<"$text"; then
		echo "FAIL $name: the kernel did not boot or init did not start (serial log: $log)" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
	while read -r run filter skip; do
		case $run in "#"* | "") continue ;; esac
		local body passed
		body=$(sed -n "/^@@matrix begin $run\$/,/^@@matrix end $run /p" <<<"$text")
		if ! grep -q "^@@matrix end $run rc=" <<<"$body"; then
			echo "FAIL $name/$run: did not finish (timeout or crash; serial log: $log)" >&2
			tail -n 20 <<<"$body" >&2
			bad=1
			continue
		fi
		passed=$(sed -n 's/^✔ Test run with \([0-9]*\) tests\? in .* passed after.*/\1/p' <<<"$body")
		if ! grep -q "^@@matrix end $run rc=0 " <<<"$body" || [ -z "$passed" ] || [ "$passed" -eq 0 ]; then
			echo "FAIL $name/$run (serial log: $log):" >&2
			grep -E '^✘|recorded an issue' <<<"$body" | head -n 30 >&2
			bad=1
			continue
		fi
		local seconds
		seconds=$(sed -n "s/^@@matrix end $run rc=0 seconds=\(.*\)/\1/p" <<<"$body" | awk -F'[.][.]' '{printf "%.0f", $2 - $1}')
		summary+=("$name $run: $passed tests passed in ${seconds}s")
		while read -r line; do summary+=("$name $run: $line"); done < <(sed -n 's/^.*@@report //p' <<<"$body")
	done <"$runs"
	return $bad
}

if [ "${JUDGE_ONLY:-0}" = 1 ]; then # re-reads the last logs, for working on this script
	for kernel in $kernels; do judge "$kernel" "$work/$kernel/serial.log" || failed=1; done
	judge native "$work/native.log" || failed=1
	printf '%s\n' "${summary[@]}"
	exit $failed
fi

cpio=$work/initramfs.cpio
mkdir -p "$work"
echo "  CPIO     $cpio"
"$here/initramfs.sh" "$cpio" "$runs" "$build"

for kernel in $kernels; do
	dir=$work/$kernel
	"$here/fetch-kernel.sh" "$kernel" "${suite[$kernel]}" "$dir"
	log=$dir/serial.log
	echo "  QEMU     $(cat "$dir/release")"
	for attempt in 1 2; do
		started=$SECONDS
		# No KVM: the machine's /dev/kvm cannot run a stock kernel, so software emulation.
		timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nodefaults -no-reboot \
			-display none -monitor none -serial "file:$log" \
			-kernel "$dir/vmlinuz" -initrd "$cpio" -append "console=ttyS0 panic=-1 quiet" ||
			echo "  qemu for $kernel ended with status $? (timeout is ${boot_timeout}s)" >&2
		summary+=("$kernel: booted and ran in $((SECONDS - started))s")
		# An oops on an int3 the kernel's live patching had already removed (a
		# tracepoint's static key switched while the other virtual CPU ran the
		# site) is qemu's software emulation keeping stale translated code;
		# hardware and KVM serialise it. Such a guest is booted once more; a
		# second oops, or any other failure, fails.
		kept=("${summary[@]}")
		if [ "$attempt" = 1 ] && grep -q 'Oops: int3' "$log" && ! judge "$kernel" "$log" 2>/dev/null; then
			summary=("${kept[@]}")
			mv "$log" "$log.int3"
			echo "  QEMU     $(cat "$dir/release") again: the guest oopsed on a stale int3 of live patching (emulation; $log.int3)" >&2
			summary+=("$kernel: booted again after an emulation int3 oops ($log.int3)")
			continue
		fi
		judge "$kernel" "$log" || failed=1
		break
	done
done

if [ "${NATIVE:-1}" != 0 ]; then
	log=$work/native.log
	echo "  NATIVE   $(uname -r)"
	{
		echo "@@matrix kernel $(uname -r)"
		while read -r run filter skip; do
			case $run in "#"* | "") continue ;; esac
			echo "@@matrix begin $run"
			start=$(cut -d' ' -f1 /proc/uptime)
			rc=0
			CI=true PROCTRACE_TEST_WIDTH=2 PROCTRACE_BUILD_DIR=$build "$build/proctracePackageTests.xctest" --testing-library swift-testing \
				--filter "$filter" ${skip:+--skip "$skip"} </dev/null 2>&1 || rc=$?
			echo "@@matrix end $run rc=$rc seconds=$start..$(cut -d' ' -f1 /proc/uptime)"
		done <"$runs"
	} >"$log"
	judge "native $(uname -r)" "$log" || failed=1
fi

printf '%s\n' "${summary[@]}"
if [ "$failed" != 0 ]; then
	echo "test-kernels: FAILED (see above)" >&2
	exit 1
fi
echo "test-kernels: all kernels passed"
