/// Which records to keep. Options of different kinds must all match; several
/// values of one option match any of them. Stream records (`start`, `stop`,
/// `lost`, `resync`) always pass: they say what the log covers and what it missed.
///
/// Call `matches` for every record, in order, after the tree has applied it:
/// `descendants` follows the processes it has seen descend from `pids`, so a
/// child forked later matches, and still matches after it is reparented.
public struct EventFilter {
    /// Only these processes (and their descendants with `descendants`).
    public var pids: Set<Int32> = []
    public var descendants = false
    /// Only processes with these names (compared as the kernel stores them: at most 15 bytes).
    public var comms: Set<Comm> = []
    /// Only processes with these real user IDs.
    public var uids: Set<UInt32> = []
    /// Only processes in containers whose id begins with one of these (lowercase hex, ≥ 1 digit).
    public var containers: [[UInt8]] = []
    /// Only processes in one of these cgroups or below them (`/system.slice` takes `/system.slice/cron.service`).
    public var cgroups: [[UInt8]] = []
    /// Only processes with these login uids.
    public var auids: Set<UInt32> = []
    /// Only these kinds of record; nil: every kind.
    public var kinds: Set<EventKind>?
    /// Never these processes (the recorder itself).
    public var excludedPids: Set<Int32> = []

    /// Processes seen descending from `pids`, with their start times, until reaped.
    private var descendantsSeen: [Int32: UInt64] = [:]

    /// Parent links followed at most; a loop in a damaged log must not hang.
    private static let maximumAncestry = 4096

    public init(pids: Set<Int32> = [], descendants: Bool = false, comms: Set<Comm> = [], uids: Set<UInt32> = [],
                kinds: Set<EventKind>? = nil, excludedPids: Set<Int32> = []) {
        self.pids = pids
        self.descendants = descendants
        self.comms = comms
        self.uids = uids
        self.kinds = kinds
        self.excludedPids = excludedPids
    }

    /// Lets everything through.
    public var isEmpty: Bool {
        pids.isEmpty && comms.isEmpty && uids.isEmpty && kinds == nil && excludedPids.isEmpty
            && containers.isEmpty && cgroups.isEmpty && auids.isEmpty
    }

    public mutating func matches(_ event: Event, in tree: ProcessTree) -> Bool {
        guard event.kind.isProcessRecord else { return true }
        let inSelectedProcesses = pids.isEmpty || isSelected(event, in: tree)
        guard inSelectedProcesses, !excludedPids.contains(event.pid) else { return false }
        if let kinds, !kinds.contains(event.kind) { return false }
        if !comms.isEmpty {
            let comm = event.comm.isEmpty ? tree.node(event.processID)?.comm ?? event.comm : event.comm
            guard comms.contains(comm) else { return false }
        }
        if !uids.isEmpty {
            guard let uid = event.credentials?.uid ?? tree.node(event.processID)?.credentials?.uid,
                uids.contains(uid)
            else { return false }
        }
        if !containers.isEmpty || !cgroups.isEmpty || !auids.isEmpty {
            // A record without the context (exit, reap, …) is judged by its process's last one.
            guard let context = event.context ?? tree.node(event.processID)?.context else { return false }
            if !containers.isEmpty {
                guard let id = context.containerID, containers.contains(where: { id.starts(with: $0) }) else { return false }
            }
            if !cgroups.isEmpty {
                guard let cgroup = context.cgroup, cgroups.contains(where: { EventFilter.cgroup(cgroup, isAtOrBelow: $0) })
                else { return false }
            }
            if !auids.isEmpty {
                guard let auid = context.auid, auids.contains(auid) else { return false }
            }
        }
        return true
    }

    /// Whether `path` is `prefix` or a cgroup below it (whole path components: `/a` is not above `/ab`).
    static func cgroup(_ path: [UInt8], isAtOrBelow prefix: [UInt8]) -> Bool {
        var prefix = prefix
        while prefix.count > 1 && prefix.last == UInt8(ascii: "/") { prefix.removeLast() }
        guard path.starts(with: prefix) else { return false }
        return path.count == prefix.count || prefix == [UInt8(ascii: "/")] || path[prefix.count] == UInt8(ascii: "/")
    }

    private mutating func isSelected(_ event: Event, in tree: ProcessTree) -> Bool {
        if pids.contains(event.pid) { return true }
        guard descendants else { return false }
        if let startTime = descendantsSeen[event.pid] {
            if ProcessID.startTimesAgree(startTime, event.startTime) {
                if event.kind == .reap { descendantsSeen[event.pid] = nil }
                return true
            }
            descendantsSeen[event.pid] = nil // its reap was lost; this is a new process with the same PID
        }
        var ancestor = event.ppid
        for _ in 0..<EventFilter.maximumAncestry {
            guard ancestor > 0, ancestor != event.pid else { break }
            if pids.contains(ancestor) || descendantsSeen[ancestor] != nil {
                if event.kind != .reap { descendantsSeen[event.pid] = event.startTime }
                return true
            }
            guard let parent = tree[ancestor], parent.ppid != ancestor else { break }
            ancestor = parent.ppid
        }
        return false
    }
}
