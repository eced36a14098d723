#!/usr/bin/env bash
# Builds the install test's guest once and caches it: a clean Debian 12 root
# file system (debootstrap: no Swift, nothing of proctrace), with Debian's cloud
# kernel and systemd as PID 1, as an ext4 image plus the kernel and initrd to
# boot it with. Usage: make-rootfs.sh OUTDIR (writes OUTDIR/rootfs.img,
# OUTDIR/vmlinuz, OUTDIR/initrd.img; does nothing if this version of the
# script already made them).
set -euo pipefail
out=${1:?usage: make-rootfs.sh OUTDIR}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
# The cache is rebuilt when this script or the test runner's unit changes.
stamp=$(cat "$here/make-rootfs.sh" "$here/proctrace-install-test.service" | sha256sum | cut -c1-16)
[ -e "$out/rootfs.img" ] && [ -e "$out/vmlinuz" ] && [ -e "$out/initrd.img" ] \
  && [ "$(cat "$out/rootfs.stamp" 2>/dev/null)" = "$stamp" ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "make-rootfs.sh: debootstrap needs root; run it with sudo" >&2; exit 1; }
rm -f "$out/rootfs.img"
mkdir -p "$out"
out=$(cd "$out" && pwd)
root="$out/rootfs"

# What a minimal Debian server has, plus the kernel. The test's own tools
# (procps for pgrep) stay within what such a host would have.
if [ ! -e "$root/.debootstrap-done" ]; then
rm -rf "$root"
echo "  DEBOOTSTRAP bookworm -> $root"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,udev,kmod,procps,linux-image-cloud-amd64,initramfs-tools,apt \
  bookworm "$root" "$mirror" > "$out/debootstrap.log" 2>&1 \
  || { tail -20 "$out/debootstrap.log" >&2; echo "make-rootfs.sh: debootstrap failed (log: $out/debootstrap.log)" >&2; exit 1; }
touch "$root/.debootstrap-done"
fi

# Offline guest: no network, so apt resolves the .deb's Depends from what is
# installed. The packages proctrace depends on are those any Debian host has
# or gets from the archive; installed here as the archive would.
chroot "$root" apt-get install -y -qq --no-install-recommends libbpf1 libelf1 zlib1g libssl3 libyaml-0-2 libpcre2-8-0 >> "$out/debootstrap.log" 2>&1

echo proctrace-test > "$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"
passwd -R "$root" -d root > /dev/null
# The test runner: runs the payload disk's script once the system is up, then
# powers off. Its output goes to the serial console and the payload disk.
install -m 0644 "$here/proctrace-install-test.service" "$root/etc/systemd/system/"
ln -sf /etc/systemd/system/proctrace-install-test.service \
  "$root/etc/systemd/system/multi-user.target.wants/proctrace-install-test.service"
# No getty on the console: the test's output is all it shows.
rm -f "$root/etc/systemd/system/getty.target.wants/"*
chroot "$root" apt-get clean

cp -L "$root/vmlinuz" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
cp -L "$root/initrd.img" "$out/initrd.img.tmp" && mv "$out/initrd.img.tmp" "$out/initrd.img"
rm -f "$out/rootfs.img.tmp"
truncate -s 2G "$out/rootfs.img.tmp"
mkfs.ext4 -q -L proctrace-test -d "$root" "$out/rootfs.img.tmp"
mv "$out/rootfs.img.tmp" "$out/rootfs.img"
echo "$stamp" > "$out/rootfs.stamp"
rm -rf "$root"
echo "  ROOTFS   $out/rootfs.img"
