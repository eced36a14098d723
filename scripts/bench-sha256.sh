#!/usr/bin/env bash
# SHA-256 throughput of exe_sha256's hashing, side by side in one run (BENCHMARKS.md, "The binary").
# Usage: scripts/bench-sha256.sh [ROUNDS]   (after `swift build -c release --product proctrace-bench`)
#
# Each round hashes the same 64 MiB file (in the page cache) once with each, alternating, on core 1:
#   libcrypto:    proctrace-bench sha256 (Debian's OpenSSL libcrypto through CProcTraceCrypto, as the recorder)
#   swift-crypto: the same loop on swift-crypto 3.12.3's SHA256 (BoringSSL), what the recorder used
#                 before: built here from the program below, in .build-sha256-baseline
#   sha256sum:    coreutils, for scale
# Prints one Markdown row per hasher: median MiB/s, and the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
bench=.build/release/proctrace-bench
[ -x "$bench" ] || { echo "bench-sha256.sh: build $bench first (swift build -c release --product proctrace-bench)" >&2; exit 1; }

base=.build-sha256-baseline
mkdir -p "$base/Sources/sha256-swift-crypto"
cat > "$base/Package.swift" <<'SWIFT'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "sha256-baseline",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0")],
    targets: [.executableTarget(name: "sha256-swift-crypto", dependencies: [.product(name: "Crypto", package: "swift-crypto")])]
)
SWIFT
cat > "$base/Sources/sha256-swift-crypto/main.swift" <<'SWIFT'
// proctrace-bench sha256's loop on swift-crypto: 1 MiB preads, each fed to the hasher (as VerifiedFileHasher did).
import Crypto
import Glibc

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
let fd = open(CommandLine.arguments[1], O_RDONLY | O_CLOEXEC)
precondition(fd >= 0, "cannot open \(CommandLine.arguments[1])")
let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
var offset: off_t = 0
var sha = SHA256()
let began = now()
while true {
    let n = pread(fd, chunk.baseAddress, chunk.count, offset)
    precondition(n >= 0, "read failed")
    if n == 0 { break }
    sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
    offset += off_t(n)
}
let digest = sha.finalize().map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
print("{\"mib_per_s\":\(Int(Double(offset) / 1_048_576 / (now() - began))),\"sha256\":\"\(digest)\"}")
SWIFT
swift build -c release --package-path "$base" --scratch-path "$base/.build" -q 2>&1 | grep -v warning >&2 || true
baseline=$base/.build/release/sha256-swift-crypto
[ -x "$baseline" ] || { echo "bench-sha256.sh: the swift-crypto baseline did not build" >&2; exit 1; }

file=$(mktemp /tmp/bench-sha256.XXXXXX)
trap 'rm -f "$file"' EXIT
head -c 64M /dev/urandom > "$file"
cat "$file" > /dev/null
expected=$(sha256sum "$file" | cut -c1-64)

declare -A runs
for _ in $(seq "$rounds"); do
  out=$(taskset -c 1 "$bench" sha256 --file "$file" --rounds 1)
  [[ $out == *"\"sha256\":\"$expected\""* ]] || { echo "bench-sha256.sh: libcrypto's digest is wrong: $out" >&2; exit 1; }
  runs[libcrypto]+=" $(sed 's/.*"mib_per_s":\([0-9]*\).*/\1/' <<< "$out")"
  out=$(taskset -c 1 "$baseline" "$file")
  [[ $out == *"\"sha256\":\"$expected\""* ]] || { echo "bench-sha256.sh: swift-crypto's digest is wrong: $out" >&2; exit 1; }
  runs[swift-crypto]+=" $(sed 's/.*"mib_per_s":\([0-9]*\).*/\1/' <<< "$out")"
  began=$(date +%s%N)
  taskset -c 1 sha256sum "$file" > /dev/null
  runs[sha256sum]+=" $(( 64 * 1000000000 / ($(date +%s%N) - began) ))"
done

echo "| hasher | MiB/s (median of $rounds) | runs |"
echo "| --- | ---: | --- |"
for hasher in libcrypto swift-crypto sha256sum; do
  median=$(tr ' ' '\n' <<< "${runs[$hasher]}" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')
  echo "| $hasher | $median |${runs[$hasher]} |"
done
