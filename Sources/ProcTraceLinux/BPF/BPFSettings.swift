/// How the BPF backend is set up (fixed at load time).
public struct BPFSettings: Sendable {
    public var maxArgumentBytes: UInt32 = 32 * 1024
    public var traceThreads = false
    /// Drop records of this process in the kernel (0: keep all).
    public var excludedProcess: Int32 = 0
    /// Ring buffer size in bytes: a power of two, at least one page. 4 MiB:
    /// a 2 s stop of the drain at 1,650 fork+exec a second, about 610 bytes of
    /// records each (BENCHMARKS.md, issue 27), with room to spare.
    public var ringBufferBytes: UInt32 = 4 * 1024 * 1024
    /// Wake the consumer only when this many bytes wait (0: every record);
    /// the consumer polls on `pollInterval` anyway.
    public var wakeupBytes: UInt64 = 256 * 1024
    public var verbose = false
    /// The hooks to use; a mode the kernel refuses is an error unless `auto`.
    public var hookMode: HookMode = .auto
    /// Fail as a load failure would, without touching the kernel: lets tests
    /// and admins check the netlink fallback (PROCTRACE_SIMULATE_BPF_FAILURE=1).
    public var simulateLoadFailure = false
    /// Executables larger than this get no exe_sha256 (0: none is hashed).
    public var hashMaxBytes = HashWorkerPool.defaultMaxBytes

    public init() {}

    /// The largest --max-args-bytes the BPF program can honour.
    public static let argumentBytesCap: UInt32 = 256 * 1024
}
