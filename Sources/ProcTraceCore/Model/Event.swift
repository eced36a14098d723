/// One record of a proctrace log: what happened, to which process, when.
///
/// A flat value type so the hot path (ring buffer → tree → JSON) copies it
/// without allocating; only `filename` and `argv` own heap storage, and only
/// on `exec` and `exists`. Which fields are meaningful depends on `kind`
/// (docs/events.md lists them per record).
public struct Event: Sendable {
    public var kind: EventKind
    /// Strictly increasing position in the log; assigned when written.
    public var seq: UInt64 = 0
    /// When it happened in the kernel, nanoseconds since the Unix epoch (UTC).
    public var time: Int64 = 0

    /// The process (TGID).
    public var pid: Int32 = 0
    /// TGID of the parent (real_parent).
    public var ppid: Int32 = 0
    /// The thread, for thread records.
    public var tid: Int32 = 0
    /// The process's start, nanoseconds since boot: with `pid`, its identity.
    /// 0 when the source cannot tell.
    public var startTime: UInt64 = 0
    public var comm = Comm()

    public var filename: [UInt8]?
    /// exec: the kernel's copy of the filename was cut (it is a prefix of the real one).
    public var filenameTruncated = false
    public var argv: ArgumentVector?
    public var argvTruncated = false
    public var credentials: Credentials?
    public var session: SessionIDs?
    /// exec: the thread that called execve, when it was not the leader.
    public var oldPid: Int32?
    /// fork: the parent's start time (BPF backend; 0: unknown). Not written:
    /// with `ppid` it names the parent's lifetime, so the tree never hangs a
    /// child under a stale process whose PID the parent now has.
    public var parentStartTime: UInt64 = 0
    /// reparent: the parent before.
    public var oldPpid: Int32 = 0
    /// exit, and exists for a zombie.
    public var exitStatus: WaitStatus?
    /// exit: how long the process lived.
    public var durationNs: UInt64?
    /// reap: who released it and how we know.
    public var reaper: Int32?
    public var reapReason: ReapReason?
    /// exec_failed: the errno execve returned (positive).
    public var errorNumber: Int32?
    /// exists: the ps state letter (R, S, D, T, t, Z, X, I).
    public var state: UInt8 = 0
    public var isKernelThread = false
    /// Fields the source could not provide (listed in the record, so "unknown" is never "empty").
    public var unavailable: UnavailableFields = []
    /// exec, exists, fork: who, where and which binary (issue 14). Kept
    /// behind one reference, so records without it carry a nil word.
    public var context: ProcessContext? {
        @inline(__always) get { contextStorage?.value }
        set { contextStorage = newValue.map(ProcessContextStorage.init) }
    }
    var contextStorage: ProcessContextStorage?

    /// lost: records the kernel could not deliver (nil: unknown); stop: total lost.
    public var lostCount: UInt64?
    /// stop: records written between start and stop.
    public var eventCount: UInt64 = 0
    /// stop: records that could not be written (write errors, full disk).
    public var unwrittenCount: UInt64 = 0
    /// resync: processes read from /proc.
    public var processCount: UInt64 = 0
    /// start: describes the stream. Kept behind one reference: only start
    /// records have it, and every other record is copied a word smaller.
    public var stream: StreamInfo? {
        @inline(__always) get { streamStorage?.value }
        set { streamStorage = newValue.map(StreamInfoStorage.init) }
    }
    var streamStorage: StreamInfoStorage?
    /// warning: what the recorder gave up on; stop: the hashes it skipped.
    /// Behind one reference, as `stream` is.
    public var notice: Notice? {
        @inline(__always) get { noticeStorage?.value }
        set { noticeStorage = newValue.map(NoticeStorage.init) }
    }
    var noticeStorage: NoticeStorage?
    /// seal: what it covers and its MAC. Behind one reference, as `stream` is.
    public var seal: SealInfo? {
        @inline(__always) get { sealStorage?.value }
        set { sealStorage = newValue.map(SealInfoStorage.init) }
    }
    var sealStorage: SealInfoStorage?
    /// alert: the rule and the process's ancestry. Behind one reference, as `stream` is.
    public var alert: AlertInfo? {
        @inline(__always) get { annexStorage?.alert }
        set { annexStorage = newValue.map { RecordAnnexStorage(alert: $0) } }
    }
    /// user: a uid and its name on the recording host.
    public var user: UserName? {
        @inline(__always) get { annexStorage?.user }
        set { annexStorage = newValue.map { RecordAnnexStorage(user: $0) } }
    }
    /// alert and user records' own fields: one word on every other record.
    var annexStorage: RecordAnnexStorage?
    /// Not written: the enrichment (an exe hash) this record waits for, 0 for
    /// none. The recorder holds the record, in order, until it is done or
    /// given up (Recorder, EventEnricher).
    public var enrichmentTicket: UInt32 = 0

    public init(kind: EventKind, time: Int64 = 0, pid: Int32 = 0, ppid: Int32 = 0, startTime: UInt64 = 0) {
        self.kind = kind
        self.time = time
        self.pid = pid
        self.ppid = ppid
        self.startTime = startTime
    }

    /// (pid, start time): the process across PID reuse.
    public var processID: ProcessID { ProcessID(pid: pid, startTime: startTime) }
}

/// A process's identity across PID reuse.
public struct ProcessID: Hashable, Sendable, CustomStringConvertible {
    public var pid: Int32
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    public var description: String { "\(pid)@\(startTime)" }

    /// Whether `self` and `other` can be the same lifetime: the same PID, and
    /// start times that agree (a start time of 0 means "unknown" and agrees with any).
    @inline(__always)
    public func isSameLifetime(as other: ProcessID) -> Bool {
        pid == other.pid && ProcessID.startTimesAgree(startTime, other.startTime)
    }

    /// Two start times of one PID can belong to the same lifetime (0: unknown).
    @inline(__always)
    public static func startTimesAgree(_ one: UInt64, _ other: UInt64) -> Bool {
        one == other || one == 0 || other == 0
    }
}

public enum ReapReason: UInt8, Sendable, CaseIterable {
    /// The parent's wait4/waitid returned it: the time is exact.
    case wait = 1
    /// The parent ignores SIGCHLD (or SA_NOCLDWAIT): released as it exited.
    case autoreap = 2
    /// Seen only when the kernel freed the task (RCU-delayed, milliseconds late).
    case freed = 3
    /// Its PID was handed to a new process, so it had been released before that fork.
    case recycled = 4
    /// Inferred by the netlink backend (the process is gone from /proc).
    case inferred = 5

    public var name: String {
        switch self {
        case .wait: "wait"
        case .autoreap: "autoreap"
        case .freed: "freed"
        case .recycled: "recycled"
        case .inferred: "inferred"
        }
    }

    public init?(name: some StringProtocol) {
        guard let reason = ReapReason.allCases.first(where: { $0.name == name }) else { return nil }
        self = reason
    }
}

public struct UnavailableFields: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let filename = UnavailableFields(rawValue: 1 << 0)
    public static let argv = UnavailableFields(rawValue: 1 << 1)
    public static let credentials = UnavailableFields(rawValue: 1 << 2)
    public static let startTime = UnavailableFields(rawValue: 1 << 3)
    public static let comm = UnavailableFields(rawValue: 1 << 4)
    // ProcessContext's fields, each named by its key.
    public static let auid = UnavailableFields(rawValue: 1 << 5)
    public static let auditSession = UnavailableFields(rawValue: 1 << 6)
    public static let tty = UnavailableFields(rawValue: 1 << 7)
    public static let cwd = UnavailableFields(rawValue: 1 << 8)
    public static let exe = UnavailableFields(rawValue: 1 << 9)
    public static let exeInode = UnavailableFields(rawValue: 1 << 10)
    public static let exeDevice = UnavailableFields(rawValue: 1 << 11)
    public static let exeSHA256 = UnavailableFields(rawValue: 1 << 12)
    public static let cgroup = UnavailableFields(rawValue: 1 << 13)
    public static let containerID = UnavailableFields(rawValue: 1 << 14)
    public static let pidns = UnavailableFields(rawValue: 1 << 15)
    public static let mntns = UnavailableFields(rawValue: 1 << 16)
    public static let netns = UnavailableFields(rawValue: 1 << 17)
    public static let userns = UnavailableFields(rawValue: 1 << 18)
    public static let nspid = UnavailableFields(rawValue: 1 << 19)

    /// The namespace fields together.
    public static let namespaces: UnavailableFields = [.pidns, .mntns, .netns, .userns]
    /// The ProcessContext fields a `fork` record does not carry (exec and exists do).
    public static let execOnlyContext: UnavailableFields = [.tty, .cwd, .exe, .exeInode, .exeDevice, .exeSHA256, .namespaces]
    /// Every ProcessContext field: what a record lists when the process was gone before any could be read.
    public static let context: UnavailableFields = [
        .auid, .auditSession, .tty, .cwd, .exe, .exeInode, .exeDevice, .exeSHA256, .cgroup, .containerID,
        .namespaces, .nspid,
    ]

    /// In the order they are written (bit order: the report page's script indexes them so),
    /// each named by its field's key (LogField); `credentials` stands for the six ids.
    public static let named: [(UnavailableFields, String)] = ([
        (.filename, .filename), (.argv, .argv), (.credentials, nil), (.startTime, .startTime), (.comm, .comm),
        (.auid, .auid), (.auditSession, .auditSession), (.tty, .tty), (.cwd, .cwd), (.exe, .exe),
        (.exeInode, .exeInode), (.exeDevice, .exeDevice), (.exeSHA256, .exeSHA256), (.cgroup, .cgroup),
        (.containerID, .containerID), (.pidns, .pidns), (.mntns, .mntns), (.netns, .netns),
        (.userns, .userns), (.nspid, .nspid),
    ] as [(UnavailableFields, LogField?)]).map { ($0.0, $0.1?.key.description ?? "credentials") }
}

/// What a `warning` says, and what a `stop` adds about skipped hashes.
public struct Notice: Hashable, Sendable {
    /// warning: a stable name for what happened (`device_stalled`, …).
    public var code: String?
    /// warning: the same for a person, one line.
    public var message: String?
    /// stop: `"reason: count"` of the hashes given up (HashSkipCounts.summary).
    public var hashSkipped: [String] = []
    /// stop: `"reason: count"` of the execs that went out unreviewed (`record --rules`).
    public var reviewSkipped: [String] = []

    public init(code: String? = nil, message: String? = nil, hashSkipped: [String] = [], reviewSkipped: [String] = []) {
        self.code = code
        self.message = message
        self.hashSkipped = hashSkipped
        self.reviewSkipped = reviewSkipped
    }
}

/// What a `seal` record says (docs/sealing.md).
public struct SealInfo: Hashable, Sendable {
    /// Why a seal was written.
    public enum Trigger: String, Sendable, CaseIterable {
        /// An interval of the key ended: the key moves on after it.
        case interval
        /// The file is full: the seal is its last line.
        case rotation
        /// The recording stops: the seal follows the `stop` record.
        case stop
    }

    /// The verification key's id (16 hex digits).
    public var keyID: String
    /// The interval whose key made the MAC.
    public var interval: UInt64
    /// The interval of the key the next seal of this recording is made with.
    public var nextInterval: UInt64
    public var trigger: Trigger
    /// The lines it covers: those since the previous seal (or its recording's `start`).
    public var lines: UInt64
    /// SHA-256 of those lines, each with its newline.
    public var linesSHA256: SHA256Digest
    /// The previous seal's MAC; nil for the first seal made with a key state that has none.
    public var previousMAC: SHA256Digest?
    /// HMAC-SHA256 of the chain and this line up to its MAC (docs/sealing.md).
    public var mac: SHA256Digest

    public init(keyID: String, interval: UInt64, nextInterval: UInt64, trigger: Trigger, lines: UInt64,
                linesSHA256: SHA256Digest, previousMAC: SHA256Digest?, mac: SHA256Digest) {
        self.keyID = keyID
        self.interval = interval
        self.nextInterval = nextInterval
        self.trigger = trigger
        self.lines = lines
        self.linesSHA256 = linesSHA256
        self.previousMAC = previousMAC
        self.mac = mac
    }
}

final class SealInfoStorage: Sendable {
    let value: SealInfo
    init(_ value: SealInfo) { self.value = value }
}

final class NoticeStorage: Sendable {
    let value: Notice
    init(_ value: Notice) { self.value = value }
}

/// An immutable StreamInfo behind a reference (Event.stream).
final class StreamInfoStorage: Sendable {
    let value: StreamInfo
    init(_ value: StreamInfo) { self.value = value }
}

/// An immutable ProcessContext behind a reference (Event.context).
/// Changed only while nobody else holds it (RecycledBuffers reuses a box it alone holds).
final class ProcessContextStorage: @unchecked Sendable {
    var value: ProcessContext
    init(_ value: ProcessContext) { self.value = value }
}

/// What the `start` record says about the stream.
public struct StreamInfo: Hashable, Sendable {
    public static let format = "proctrace"
    public static let schemaVersion = 1

    public var version: Int
    public var backend: String
    public var host: String
    public var bootID: String
    public var kernel: String
    public var proctraceVersion: String
    /// The PID of the recording proctrace (excluded from its own log by default).
    public var recorderPid: Int32
    /// What the BPF loader chose for this kernel (nil for other backends).
    public var bpfChoices: [String]? = nil
    /// Which kernel hooks follow reaps, credential and session changes (BPF only).
    public var hooks: String? = nil
    /// The cheaper hooks tried first and why the kernel refused them ("mode: why").
    public var hooksRefused: [String] = []
    /// Record kinds this stream cannot contain (their `event` names).
    public var unavailableEvents: [String] = []

    public init(
        version: Int = StreamInfo.schemaVersion, backend: String, host: String, bootID: String,
        kernel: String, proctraceVersion: String, recorderPid: Int32
    ) {
        self.version = version
        self.backend = backend
        self.host = host
        self.bootID = bootID
        self.kernel = kernel
        self.proctraceVersion = proctraceVersion
        self.recorderPid = recorderPid
    }
}
