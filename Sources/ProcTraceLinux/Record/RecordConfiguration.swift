#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Everything `proctrace record` was asked to do.
public struct RecordConfiguration {
    /// nil: standard output.
    public var outputPath: ExactPath?
    public var fileMode: mode_t = 0o640
    /// The journal and syslog receivers to send to as well (or instead, with no outputPath).
    public var networkOutputs: [OutputTarget] = []
    /// The schema each output writes (docs/formats.md), by the output's name:
    /// the file's path as given, "standard output", or a network target's
    /// description (`journal`, `syslog+tcp://…`). Absent: proctrace.
    public var formats: [String: OutputFormat] = [:]
    /// Where network outputs keep records their receiver has not taken yet
    /// (one subdirectory each); nil: in memory, `memoryQueueBytes` each.
    public var spoolDirectory: String?
    public var spoolBytes: UInt64 = 256 << 20
    public var memoryQueueBytes = 16 << 20
    /// How syslog+tls:// outputs check their server and show themselves.
    public var tls = TLSSettings()
    /// Serve Prometheus metrics at http://ADDRESS:PORT/metrics.
    public var metricsListen: String?
    /// Stop by itself after this many seconds.
    public var duration: Double?
    public var bpf = BPFSettings()
    public var netlink = NetlinkSettings()
    /// How long one poll may wait; bounds the delay of a quiet record.
    public var pollIntervalMilliseconds: Int32 = 100
    /// How long and how many records wait for their exe hash.
    public var enrichment = EnrichmentBounds()
    /// Start a new file when the log passes this size (nil: never).
    public var rotateBytes: UInt64?
    /// Rotated files kept (`FILE.1` … `FILE.N`).
    public var rotateKeep = 5
    /// gzip rotated files.
    public var compressRotated = false
    /// Events that pass are written (all are applied to the tree).
    public var filter: ((Event, ProcessTree) -> Bool)?
    /// Runs on each event that passes the filter, before it is written (redaction).
    public var transform: ((inout Event) -> Void)?
    /// Once the source is started, the log open and the snapshot read, give
    /// up every capability the backend no longer needs (BackendPrivileges).
    /// Off by default: a process embedding the session may need its own.
    public var dropCapabilitiesAfterStart = false
    /// Seal the stream with the key state in this file (docs/sealing.md); nil: no sealing.
    public var sealKeyPath: String?
    /// Sigma rules evaluated on every exec, an `alert` record after each match (docs/hunting.md); nil: none.
    public var rules: [SigmaRule]?
    /// Write a `user` record naming each uid before the first exec under it.
    public var nameUsers = true
    /// Execs queued for review at most, and how long (nanoseconds) records wait for a review.
    public var reviewQueue = 4_096
    public var reviewWait: Int64 = 250_000_000

    public init() {}
}
