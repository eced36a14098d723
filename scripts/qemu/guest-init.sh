#!/bin/sh
# PID 1 of the test guest: runs each line of /matrix/runs ("NAME FILTER [SKIP]")
# through the test bundle and reports on the serial console between markers
# the host looks for. The guest never judges: the host reads the output.
export PATH=/bin:/usr/bin:/sbin HOME=/root TMPDIR=/tmp CI=true PROCTRACE_BUILD_DIR=/pt
# Two blocking tests at a time, as many as the guest has CPUs (Tests/…/BlockingTest.swift).
export PROCTRACE_TEST_WIDTH=2
# Debian's kernels allow fentry and kprobes: the hook tests fail if either is refused.
export PROCTRACE_EXPECT_HOOKS="fentry kprobe"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm /dev/pts && mount -t tmpfs tmpfs /dev/shm && mount -t devpts devpts /dev/pts
# The cgroup v2 hierarchy, where issue 14's tests make their cgroups.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ln -s /proc/self/fd /dev/fd 2>/dev/null
# Foundation (CFSocket) wakes its run loop through UDP on the loopback.
ip link set lo up
echo "@@matrix kernel $(uname -r) cpus $(grep -c ^processor /proc/cpuinfo)"
while read -r name filter skip; do
	case $name in "#"* | "") continue ;; esac
	echo "@@matrix begin $name"
	start=$(cut -d' ' -f1 /proc/uptime)
	/pt/proctracePackageTests.xctest --testing-library swift-testing --filter "$filter" ${skip:+--skip "$skip"} </dev/null 2>&1
	rc=$?
	echo "@@matrix end $name rc=$rc seconds=$start..$(cut -d' ' -f1 /proc/uptime)"
done < /matrix/runs
echo "@@matrix done"
sync
poweroff -f
