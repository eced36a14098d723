#!/usr/bin/env bash
# Makes the Debian package from the tree `make install` staged for /usr
# (`make deb` does both). Usage: build-deb.sh STAGED_ROOT OUTDIR
# Prints the .deb's path. Debian's own tools: dpkg-shlibdeps computes Depends,
# dpkg-deb builds (files owned by root without fakeroot: --root-owner-group).
set -euo pipefail
root=$(cd "${1:?usage: build-deb.sh STAGED_ROOT OUTDIR}" && pwd)
outdir=${2:?usage: build-deb.sh STAGED_ROOT OUTDIR}
dist=$(cd "$(dirname "$0")/../../dist/debian" && pwd)
bin=$root/usr/bin/proctrace
[ -x "$bin" ] || { echo "build-deb.sh: $bin missing: stage with make install DESTDIR=… PREFIX=/usr first" >&2; exit 1; }
work=$(dirname "$root")

version=$("$bin" --version)
arch=$(dpkg --print-architecture)
changelog_version=$(dpkg-parsechangelog -l "$dist/changelog" -S Version)
[ "$changelog_version" = "$version" ] || {
  echo "build-deb.sh: dist/debian/changelog is at $changelog_version, the binary is $version: add a changelog entry for $version" >&2; exit 1; }
if ldd "$bin" | grep -q /opt/swift; then
  echo "build-deb.sh: $bin links libraries from the Swift toolchain; build it with --static-swift-stdlib (make build)" >&2; exit 1
fi
# No ICU, no Foundation, at most 16 MiB stripped: read before stripping, the symbols tell.
"$(dirname "$0")/../check-binary.sh" "$bin" >&2

# Policy 10.1 and 12: binaries stripped, man pages and changelogs compressed
# reproducibly; files 0644, directories 0755.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$bin"
# Completion scripts are sourced, not run: no #! line (swift-argument-parser writes one).
sed -i '1{/^#!/d}' "$root/usr/share/bash-completion/completions/proctrace"
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +
doc=$root/usr/share/doc/proctrace
install -d "$doc"
install -m 0644 "$dist/copyright" "$doc/copyright"
gzip -9nc "$dist/changelog" > "$doc/changelog.gz"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f ! -path "$bin" -exec chmod 0644 {} +

# Depends from the libraries the binary needs, as Debian's shlibs files name them.
mkdir -p "$work/shlibdeps/debian"
printf 'Source: proctrace\n\nPackage: proctrace\nArchitecture: any\n' > "$work/shlibdeps/debian/control"
depends=$(cd "$work/shlibdeps" && dpkg-shlibdeps -O -e"$bin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb.sh: dpkg-shlibdeps found no dependencies for $bin" >&2; exit 1; }
# Packed relative relocations (DT_RELR: the Makefile links with -z pack-relative-relocs) need the
# loader of glibc 2.36. The binary asks for them by a version (GLIBC_ABI_DT_RELR) that no symbol
# carries, and dpkg-shlibdeps counts symbols: it would say 2.35, and an older loader refuses to start it.
if readelf -V "$bin" | grep -q 'Name: GLIBC_ABI_DT_RELR'; then
  libc=$(sed -n 's/.*libc6 (>= \([^)]*\)).*/\1/p' <<< "$depends")
  if [ -z "$libc" ]; then
    depends="$depends, libc6 (>= 2.36)"
  elif dpkg --compare-versions "$libc" lt 2.36; then
    depends=${depends/"libc6 (>= $libc)"/"libc6 (>= 2.36)"}
  fi
fi

install -d "$root/DEBIAN"
install -m 0644 "$dist/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$dist/$script" "$root/DEBIAN/$script"; done
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
    -e "s|@DEPENDS@|$depends|" "$dist/control" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
  > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

deb=$outdir/proctrace_${version}_${arch}.deb
dpkg-deb -Zxz --root-owner-group --build "$root" "$deb" > /dev/null
echo "$deb"
