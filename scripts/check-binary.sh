#!/usr/bin/env bash
# Fails if the release binary has put on weight again (BENCHMARKS.md, "The binary").
# Usage: check-binary.sh BINARY [MAX_MIB]   (BINARY unstripped: the check reads its symbol table)
#
# - no ICU: no `icudt*` data table (34 MB of it came with swift-crypto's Foundation);
# - no Foundation, no FoundationInternationalization, no _FoundationICU: not one symbol of theirs.
#   FoundationEssentials is allowed, and only it: swift-argument-parser (1.8.2, the version this
#   machine has) imports it for its JSONEncoder and LocalizedError (Utilities/Foundation.swift);
#   proctrace's own modules import no Foundation at all (the build would fail: nothing re-exports it);
# - stripped as the Debian package strips it, at most MAX_MIB (default 16) MiB.
set -euo pipefail
bin=${1:?usage: check-binary.sh BINARY [MAX_MIB]}
max_mib=${2:-16}
[ -f "$bin" ] || { echo "check-binary.sh: $bin: no such file" >&2; exit 1; }

symbols=$(mktemp)
stripped=$(mktemp)
trap 'rm -f "$symbols" "$stripped"' EXIT
nm "$bin" > "$symbols" 2>/dev/null || true
[ -s "$symbols" ] || { echo "check-binary.sh: $bin has no symbol table: check the binary before it is stripped" >&2; exit 1; }

failed=0
# Swift's mangling: $s<length><module name>…; ICU's data is one symbol, icudt<version>_dat.
heavy=$(awk '{ print $NF }' "$symbols" |
  grep -E '^icudt[0-9]+|^\$s(10Foundation|30FoundationInternationalization|13_FoundationICU)' || true)
if [ -n "$heavy" ]; then
  echo "check-binary.sh: $bin links ICU or Foundation again ($(wc -l <<< "$heavy") symbols), e.g.:" >&2
  sed -n 's/^/  /; 1,5p' <<< "$heavy" >&2
  echo "  (a dependency imports Foundation: find it with 'grep -rn \"import Foundation\" .build/checkouts')" >&2
  failed=1
fi

strip --strip-unneeded --remove-section=.comment --remove-section=.note -o "$stripped" "$bin"
size=$(stat -c %s "$stripped")
if [ "$size" -gt $((max_mib * 1024 * 1024)) ]; then
  echo "check-binary.sh: $bin is $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }') MiB stripped, more than $max_mib MiB" >&2
  failed=1
fi
[ "$failed" -eq 0 ] || exit 1
echo "check-binary.sh: $bin: $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }') MiB stripped (at most $max_mib), no ICU, no Foundation"
