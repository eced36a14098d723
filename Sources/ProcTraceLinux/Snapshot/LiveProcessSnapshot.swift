#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The processes running now, read from /proc as records: one `exists` per
/// process and, for each zombie, an `exit` dated when it last ran, so the
/// tree can say how long it has been a zombie. Needs no BPF and no root
/// (other users' arguments and executables may be unreadable).
public struct LiveProcessSnapshot {
    private let procFS: ProcFS

    public init(procFS: ProcFS = ProcFS()) {
        self.procFS = procFS
    }

    /// Arguments read per process at most (a `tree --args` line, not a log record).
    static let maxArgumentBytes = 1 << 20

    public func events(includeArguments: Bool = true) -> [Event] {
        let now = Clock.realtimeNanoseconds
        var schedulerNow: [Int32: Int64] = [:]
        let snapshot = ProcSnapshot.read(procFS, time: now,
                                         maxArgumentBytes: includeArguments ? Self.maxArgumentBytes : nil, threads: false)
        var events: [Event] = []
        for exists in snapshot.processes {
            events.append(exists)
            guard exists.state == UInt8(ascii: "Z"), let lastRan = procFS.lastRan(exists.pid),
                let cpu = procFS.stat(exists.pid)?.processor else { continue }
            if schedulerNow[cpu] == nil { schedulerNow[cpu] = procFS.schedulerClockNow(onCPU: cpu) }
            guard let clock = schedulerNow[cpu] else { continue }
            var exit = Event(kind: .exit, time: now - max(clock - lastRan, 0), pid: exists.pid,
                             ppid: exists.ppid, startTime: exists.startTime)
            exit.exitStatus = exists.exitStatus
            events.append(exit)
        }
        return events
    }

    /// The process tree as it stands now.
    public func tree(includeArguments: Bool = true) -> ProcessTree {
        let tree = ProcessTree()
        for var event in events(includeArguments: includeArguments) { tree.apply(&event) }
        return tree
    }
}
