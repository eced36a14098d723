// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "proctrace",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "proctrace", targets: ["proctrace"]),
        .executable(name: "proctrace-bench", targets: ["proctrace-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "proctrace",
            dependencies: [
                "ProcTraceCore",
                "ProcTraceLinux",
                "ProcTraceRules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The commands' wiring, not their loops (those are in the libraries): built for size,
            // which keeps the packaged binary within its 16 MiB (16,806,032 -> 16,777,032 bytes with ProcTraceRules and lld -O2).
            swiftSettings: [.unsafeFlags(["-Osize"], .when(configuration: .release))]
        ),
        // Event model, kernel record decoding, JSON, the pipeline, splitting and ordering logs read back.
        // The report page's script, style and markup are files, embedded as byte arrays at build time.
        .target(
            name: "ProcTraceCore",
            dependencies: ["CProcTraceStandardC"],
            resources: [
                .embedInCode("Report/Page/report.js"), .embedInCode("Report/Page/report.css"),
                .embedInCode("Report/Page/body.html"),
            ]
        ),
        // Linux: BPF and netlink backends, /proc, system calls, signals, files (log files read back too).
        .target(
            name: "ProcTraceLinux",
            dependencies: [
                "ProcTraceCore", "CProcTraceBPF", "CProcTraceNetlink", "CProcTraceSystem", "CProcTraceCrypto", "CProcTraceTLS", "CZlib",
            ]
        ),
        // Sigma rule files read with libyaml (CYAML) into ProcTraceCore's engine, `re` compiled by PCRE2.
        // Reading rule files and PCRE2's glue (matching itself is PCRE2's JIT code): built for size, as the commands are.
        .target(name: "ProcTraceRules", dependencies: ["ProcTraceCore", "ProcTraceLinux", "CPCRE2", "CYAML"],
                swiftSettings: [.unsafeFlags(["-Osize"], .when(configuration: .release))]),
        // libyaml (Debian's libyaml-0-2, the C library Yams wraps), for Sigma rule files: no Foundation.
        .systemLibrary(name: "CYAML"),
        // PCRE2 (Debian's libpcre2-8), for Sigma's `re`: Perl-compatible, as the rules are written, and JIT-compiled.
        .systemLibrary(name: "CPCRE2"),
        // Signal handling Swift cannot express safely (async-signal-safe handlers).
        .target(name: "CProcTraceSystem"),
        // The C standard library's byte searches and local clock for ProcTraceCore, which imports no platform module.
        .target(name: "CProcTraceStandardC"),
        // SHA-256 (exe_sha256) and HMAC-SHA256 from Debian's libcrypto (libssl3), with the CPU's SHA
        // extensions, behind a small C header: no Foundation in the binary (swift-crypto brought it, and ICU).
        .target(name: "CProcTraceCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        // syslog+tls:// (RFC 5425): a TLS 1.2+ client from Debian's libssl (libssl3, as libcrypto), behind a small C header.
        .target(name: "CProcTraceTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // libbpf, the generated skeleton (embedded BPF object) and the shared record header.
        .target(
            name: "CProcTraceBPF",
            cSettings: [.headerSearchPath("generated"), .headerSearchPath("../../bpf")],
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        // zlib's gz* functions, for reading rotated logs that were compressed.
        .systemLibrary(name: "CZlib"),
        // The netlink proc connector's macros, constants and struct layouts.
        .target(name: "CProcTraceNetlink"),
        .target(name: "ProcTraceTestSupport", dependencies: ["ProcTraceCore"]),
        // Known process lifecycles the integration tests trace (C, to control fork/clone/exec exactly).
        // `make bench`: consumer, replay and tree-memory figures from memory, no kernel; SHA-256 throughput.
        .executableTarget(name: "proctrace-bench", dependencies: ["ProcTraceCore", "ProcTraceLinux", "ProcTraceTestSupport"]),
        .executableTarget(name: "proctrace-scenarios", linkerSettings: [.linkedLibrary("pthread")]),
        .testTarget(
            name: "ProcTraceCoreTests",
            dependencies: [
                // Core alone: its tests run wherever Core builds.
                "ProcTraceCore", "ProcTraceTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ProcTraceRulesTests",
            dependencies: [
                "ProcTraceCore", "ProcTraceRules", "ProcTraceTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ProcTraceLinuxTests",
            dependencies: [
                "ProcTraceCore", "ProcTraceLinux", "CProcTraceBPF", "CProcTraceNetlink", "ProcTraceTestSupport",
                "proctrace", "proctrace-scenarios", "CZlib",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
