#!/usr/bin/env bash
# Builds the test guest's initramfs (an uncompressed cpio):
#   initramfs.sh OUT RUNS BUILD_DIR
# busybox for the shell and mounts, coreutils true and sleep (the tests run
# /bin/true and /bin/sleep), setpriv, script (a pseudo-terminal), proctrace, the scenario program and the
# test bundle from BUILD_DIR, with every library ldd lists for them; RUNS is
# the list of test runs for guest-init.sh.
set -euo pipefail
out=$1 runs=$2 build=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# The guest's / (mktemp made it 0700): every user may walk it, as on a real
# system (tests run /bin/true as uid 65534).
chmod 0755 "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,lib64,etc,proc,sys,dev,tmp,root,pt,matrix}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	case $applet in true | sleep | busybox) continue ;; esac
	ln -sf busybox "$root/bin/$applet"
done
ln -sf ../../bin/busybox "$root/usr/bin/sha256sum"
elves=(/usr/bin/true /usr/bin/sleep /usr/bin/setpriv /usr/bin/script "$build/proctrace" "$build/proctrace-scenarios"
	"$build/proctracePackageTests.xctest")
cp /usr/bin/true /usr/bin/sleep "$root/bin/"
cp /usr/bin/setpriv /usr/bin/script "$root/usr/bin/"
cp "$build/proctrace" "$build/proctrace-scenarios" "$build/proctracePackageTests.xctest" "$root/pt/"
for lib in $(ldd "${elves[@]}" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
install -m 0755 "$here/guest-init.sh" "$root/init"
cp "$runs" "$root/matrix/runs"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
