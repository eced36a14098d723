#!/usr/bin/env bash
# Fetches one Debian cloud kernel package with apt and extracts it.
#   fetch-kernel.sh NAME SUITE DIR
# NAME is the matrix name (5.10, 6.1, 6.12), SUITE the Debian suite whose
# linux-image-cloud-amd64 names the kernel. Everything apt needs lives under
# DIR/apt (its own sources list, lists, cache and an empty dpkg status), so the
# machine's own apt configuration is neither read nor changed. The .deb and
# the extracted kernel stay in DIR: a second run downloads nothing.
set -euo pipefail
name=$1 suite=$2 dir=$3
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -s "$dir/vmlinuz" ] && [ -s "$dir/release" ] && [ "$(cat "$dir/suite" 2>/dev/null)" = "$suite" ]; then
	exit 0
fi
apt_dir=$dir/apt
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc/preferences.d"
: > "$apt_dir/status"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$apt_dir/sources.list"
apt_options=(
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=/nonexistent"
	-o "Dir::Etc::preferencesparts=$apt_dir/etc/preferences.d" -o "Dir::Etc::preferences=/nonexistent"
	-o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir/cache"
	-o "APT::Architecture=amd64" -o "Debug::NoLocking=1" -q
)
echo "  APT      $suite (kernel $name)"
apt-get "${apt_options[@]}" update >"$apt_dir/update.log" 2>&1 || {
	echo "fetch-kernel: apt-get update for $suite failed (network or mirror $mirror?); see $apt_dir/update.log" >&2
	exit 1
}
package=$(apt-cache "${apt_options[@]}" depends linux-image-cloud-amd64 |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\(-unsigned\)\?\)$/\1/p' | head -n1)
case $package in
linux-image-$name.*-cloud-amd64* | linux-image-$name-*-cloud-amd64*) ;;
*)
	echo "fetch-kernel: $suite's linux-image-cloud-amd64 names '${package:-nothing}', not a $name kernel" >&2
	exit 1
	;;
esac
(cd "$dir" && rm -f ./*.deb && apt-get "${apt_options[@]}" download "$package" >"$apt_dir/download.log" 2>&1) || {
	echo "fetch-kernel: downloading $package failed; see $apt_dir/download.log" >&2
	exit 1
}
rm -rf "$dir/root"
dpkg-deb -x "$dir"/*.deb "$dir/root"
vmlinuz=$(ls "$dir"/root/boot/vmlinuz-* | head -n1)
release=${vmlinuz##*/vmlinuz-}
cp "$vmlinuz" "$dir/vmlinuz"
echo "$release" > "$dir/release"
echo "$suite" > "$dir/suite"
echo "  KERNEL   $release ($package)"
