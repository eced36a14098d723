/// One process as the tree knows it.
public final class ProcessNode {
    public let pid: Int32
    public internal(set) var startTime: UInt64
    public internal(set) var ppid: Int32
    public internal(set) var comm: Comm
    public internal(set) var filename: [UInt8]?
    public internal(set) var argv: ArgumentVector?
    public internal(set) var argvTruncated = false
    public internal(set) var credentials: Credentials?
    public internal(set) var session: SessionIDs?
    public internal(set) var isKernelThread = false
    /// When it exited (ns since epoch); nil while it runs. Set ⇒ zombie.
    public internal(set) var exitTime: Int64?
    public internal(set) var exitStatus: WaitStatus?
    /// First seen in a record other than `exists`/`fork` (its birth was not observed).
    public internal(set) var unknownOrigin = false
    /// When it was born or first seen (ns since epoch).
    public internal(set) var firstSeen: Int64
    public internal(set) var children: Set<Int32> = []

    init(pid: Int32, startTime: UInt64, ppid: Int32, comm: Comm, firstSeen: Int64) {
        self.pid = pid
        self.startTime = startTime
        self.ppid = ppid
        self.comm = comm
        self.firstSeen = firstSeen
    }

    public var isZombie: Bool { exitTime != nil }

    public var processID: ProcessID { ProcessID(pid: pid, startTime: startTime) }
}
