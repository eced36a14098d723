/// One process as the tree knows it.
///
/// Children are an intrusive doubly-linked list (`firstChild`, then each
/// child's `nextSibling`), so linking, unlinking and adopting a child costs
/// no allocation and no hashing. A node whose parent is not in the tree sits
/// in the same kind of list, kept by the tree under its ppid until that
/// parent appears.
///
/// Its properties are exempt from Swift's run-time exclusivity checks: the
/// tree reads and relinks several nodes per event, and every checked access
/// is a call into the runtime. Nodes are only changed by their tree, from one
/// thread, never through overlapping accesses.
public final class ProcessNode {
    public let pid: Int32
    @exclusivity(unchecked) public internal(set) var startTime: UInt64
    @exclusivity(unchecked) public internal(set) var ppid: Int32
    /// The start time of the parent `ppid` names, when its fork said (0: unknown).
    @exclusivity(unchecked) var parentStartTime: UInt64 = 0
    @exclusivity(unchecked) public internal(set) var comm: Comm
    @exclusivity(unchecked) public internal(set) var filename: [UInt8]?
    @exclusivity(unchecked) public internal(set) var filenameTruncated = false
    @exclusivity(unchecked) public internal(set) var argv: ArgumentVector?
    @exclusivity(unchecked) public internal(set) var argvTruncated = false
    @exclusivity(unchecked) public internal(set) var credentials: Credentials?
    @exclusivity(unchecked) public internal(set) var session: SessionIDs?
    @exclusivity(unchecked) public internal(set) var isKernelThread = false
    /// Who, where and which binary, from its last exec, exists or fork record.
    @exclusivity(unchecked) var contextStorage: ProcessContextStorage?
    /// The context's fields that record could not read (or, after a fork, does not carry).
    @exclusivity(unchecked) var contextUnavailable: UnavailableFields = []
    public var context: ProcessContext? { contextStorage?.value }
    /// The ps state letter last reported by a snapshot (0 when never reported).
    @exclusivity(unchecked) public internal(set) var reportedState: UInt8 = 0
    /// When it exited (ns since epoch); nil while it runs. Set ⇒ zombie.
    @exclusivity(unchecked) public internal(set) var exitTime: Int64?
    @exclusivity(unchecked) public internal(set) var exitStatus: WaitStatus?
    /// First seen in a record other than `exists`/`fork` (its birth was not observed).
    @exclusivity(unchecked) public internal(set) var unknownOrigin = false
    /// Its fork was recorded: `firstSeen` is when it was born.
    @exclusivity(unchecked) public internal(set) var birthSeen = false
    /// When it was born or first seen (ns since epoch).
    @exclusivity(unchecked) public internal(set) var firstSeen: Int64
    /// The program and arguments it inherited at its fork, until it execs: kept here by SigmaHunter
    /// (a child runs its parent's image of that moment), so it goes with the node, with no lookup.
    @exclusivity(unchecked) var inheritedImage: SigmaImage?

    /// The node whose children list holds this one; nil while its parent is not in the tree.
    @exclusivity(unchecked) public internal(set) unowned var parent: ProcessNode?
    @exclusivity(unchecked) public internal(set) var firstChild: ProcessNode?
    @exclusivity(unchecked) public internal(set) var nextSibling: ProcessNode?
    @exclusivity(unchecked) unowned var previousSibling: ProcessNode?

    init(pid: Int32, startTime: UInt64, ppid: Int32, comm: Comm, firstSeen: Int64) {
        self.pid = pid
        self.startTime = startTime
        self.ppid = ppid
        self.comm = comm
        self.firstSeen = firstSeen
    }

    public var isZombie: Bool { exitTime != nil }

    public var processID: ProcessID { ProcessID(pid: pid, startTime: startTime) }

    /// The ps state letter: Z for a zombie, else what a snapshot last
    /// reported (nil when none did: records alone do not tell R from S).
    public var knownState: UInt8? {
        if isZombie { return UInt8(ascii: "Z") }
        if reportedState != 0 && reportedState != UInt8(ascii: "Z") { return reportedState }
        return nil
    }

    /// The children, in no particular order.
    public var children: ProcessNodeList { ProcessNodeList(first: firstChild) }

    /// Whether `self` and a process identified by `id` can be the same lifetime
    /// (a start time of 0 means "unknown" and matches any).
    func isSameLifetime(startTime other: UInt64) -> Bool {
        ProcessID.startTimesAgree(startTime, other)
    }

    /// When the child's fork named its parent's start time, only that
    /// lifetime is its parent. Otherwise: a parent is always older than its
    /// children (re-parenting only ever moves a process up to an ancestor),
    /// so a younger process at the parent's PID is a recycled PID, not the parent.
    func couldBeParent(of child: ProcessNode) -> Bool {
        guard child.ppid == pid, child.pid != pid else { return false }
        if child.parentStartTime != 0 && startTime != 0 { return startTime == child.parentStartTime }
        return startTime == 0 || child.startTime == 0 || startTime <= child.startTime
    }
}

/// A walk along a sibling list.
public struct ProcessNodeList: Sequence {
    let first: ProcessNode?

    public func makeIterator() -> Iterator { Iterator(upcoming: first) }

    public struct Iterator: IteratorProtocol {
        var upcoming: ProcessNode?

        public mutating func next() -> ProcessNode? {
            guard let current = upcoming else { return nil }
            upcoming = current.nextSibling
            return current
        }
    }
}
