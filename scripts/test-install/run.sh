#!/usr/bin/env bash
# The install test (make test-install): boots the cached clean Debian 12
# guest (make-rootfs.sh) in qemu, software emulation, systemd as PID 1; the
# guest installs DEB and exercises the service (guest-test.sh), the host
# judges what it brought back (judge.py). Fails loudly if the guest did not
# boot, did not finish, or any check did not run.
# Usage: run.sh CACHE_DIR DEB   (TIMEOUT=seconds for the whole boot, default 1500)
set -euo pipefail
cache=$(cd "${1:?usage: run.sh CACHE_DIR DEB}" && pwd)
deb=${2:?usage: run.sh CACHE_DIR DEB}
here=$(cd "$(dirname "$0")" && pwd)
timeout=${TIMEOUT:-1500}
[ -r "$deb" ] || { echo "run.sh: $deb missing (make deb)" >&2; exit 1; }
for f in rootfs.img vmlinuz initrd.img; do
  [ -e "$cache/$f" ] || { echo "run.sh: $cache/$f missing (scripts/test-install/make-rootfs.sh $cache)" >&2; exit 1; }
done

work=$cache/run
rm -rf "$work"; mkdir -p "$work/payload"
# Each run starts from the clean image: writes go to a throwaway overlay.
qemu-img create -q -f qcow2 -b "$cache/rootfs.img" -F raw "$work/root.qcow2"
cp "$deb" "$work/payload/proctrace.deb"
install -m 0755 "$here/guest-test.sh" "$work/payload/guest-test.sh"
marker="proctrace-marker-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
echo "$marker" > "$work/payload/marker"
truncate -s 256M "$work/payload.img"
mkfs.ext4 -q -L payload -d "$work/payload" "$work/payload.img"

echo "  QEMU     Debian 12 guest (tcg; console: $work/console.log)"
start=$(date +%s)
set +e
timeout --foreground "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 \
  -nodefaults -display none -no-reboot \
  -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0 loglevel=4" \
  -drive file="$work/root.qcow2",if=virtio,format=qcow2 \
  -drive file="$work/payload.img",if=virtio,format=raw \
  -serial file:"$work/console.log" -nic none
rc=$?
set -e
echo "  QEMU     exited $rc after $(( $(date +%s) - start )) s"
[ $rc -eq 124 ] && { tail -30 "$work/console.log" >&2; echo "run.sh: the guest did not power off within $timeout s (console above)" >&2; exit 1; }

rm -rf "$work/results"
debugfs -R "rdump /results $work" "$work/payload.img" > /dev/null 2>&1 || true
if [ ! -e "$work/results/steps" ]; then
  tail -30 "$work/console.log" >&2
  echo "run.sh: the guest brought back no results: it did not boot or did not run the test (console above)" >&2
  exit 1
fi
python3 "$here/judge.py" "$work/results" "$marker"
