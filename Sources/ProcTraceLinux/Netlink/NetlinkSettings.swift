/// How the netlink backend is set up.
public struct NetlinkSettings: Sendable {
    /// The socket's receive buffer; past it the kernel drops datagrams (a `lost` record).
    public var receiveBufferBytes = 16 * 1024 * 1024
    /// Arguments read from /proc/PID/cmdline at most (the rest: argv_truncated).
    public var maxArgumentBytes = 32 * 1024
    /// Leave out this process's records (0: keep all).
    public var excludedProcess: Int32 = 0
    /// Zombies looked at per round of reap inference, and the time between rounds.
    public var reapChecksPerRound = 64
    public var reapCheckIntervalMilliseconds: Int32 = 10
    /// Datagrams handled per poll at most, so one poll cannot run unbounded under a flood.
    public var maxDatagramsPerPoll = 16 * 1024
    /// /proc is re-read after an overrun at most this often; overruns in
    /// between are reported at once and share the next re-read, so a consumer
    /// that cannot keep up does not spend its time re-reading /proc.
    public var minimumResyncIntervalMilliseconds: Int32 = 1000
    /// Executables larger than this get no exe_sha256 (0: none is hashed).
    public var hashMaxBytes = HashWorkerPool.defaultMaxBytes

    public init() {}
}
