/// One process lifetime (pid, start time) as the report draws it: one row,
/// a bar from its birth to its exit, a zombie stretch to its reap.
public struct ReportProcess {
    /// How the report knows when it began.
    public enum Origin: UInt8, Sendable {
        /// Already running when the recording began (an `exists` record).
        case exists = 0
        /// Its `fork` was recorded.
        case fork = 1
        /// First seen in a later record (its fork went unrecorded, e.g. lost).
        case unseen = 2
        /// Alive when the report's window (`--from`) begins.
        case beforeWindow = 3
    }

    /// What its bar's colour says.
    public enum Outcome: UInt8, Sendable {
        /// No exit in the report: still running at its end.
        case running = 0
        case exitedZero = 1
        case exitedNonZero = 2
        case killed = 3
        case coreDumped = 4

        public init(_ status: WaitStatus?) {
            guard let status else {
                self = .running
                return
            }
            if status.coreDumped { self = .coreDumped } else if status.signal != nil { self = .killed } else {
                self = status.exitCode == 0 ? .exitedZero : .exitedNonZero
            }
        }

        /// "exit 0", "exit 3", "SIGKILL", "SIGSEGV, core": short, for group labels.
        public static func shortText(_ status: WaitStatus?) -> String {
            guard let status else { return "running" }
            if let signal = status.signal { return SignalName.name(of: signal) + (status.coreDumped ? ", core" : "") }
            return "exit \(status.exitCode ?? 0)"
        }
    }

    public var pid: Int32
    /// The parent's TGID as its first record had it.
    public var ppid: Int32
    public var startTime: UInt64
    /// Index of the row it is nested under (the process that started it); nil for a root.
    public var parent: Int?
    public var origin: Origin
    /// When its bar begins: its fork, the recording's start, the window's start, or its first record.
    public var begin: Int64
    /// Its name now (after exec and `comm` renames).
    public var comm: Comm
    /// Its program's file and its argument vector as string-table indices (-1: none), interned
    /// when its exec or `exists` is read: a row keeps no bytes of its own (issue 27).
    public var file: Int64 = -1
    public var argv: Int64 = -1
    public var argvTruncated = false
    public var credentials: Credentials?
    public var session: SessionIDs?
    public var isKernelThread = false
    /// When it exited; for a zombie already in the snapshot, when the recording began.
    public var exitTime: Int64?
    public var exitStatus: WaitStatus?
    public var durationNs: UInt64?
    public var reapTime: Int64?
    public var reaper: Int32?
    public var reapReason: ReapReason?
    /// The parent it was moved to (the last `reparent`), when it was orphaned.
    public var adoptedBy: Int32?
    /// Rows nested under it, in the order they began.
    public var children: [Int] = []

    public var outcome: Outcome { Outcome(exitStatus) }

    public var processID: ProcessID { ProcessID(pid: pid, startTime: startTime) }
}
