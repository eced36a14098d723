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

    public func events(includeArguments: Bool = true) -> [Event] {
        let now = Clock.realtimeNanoseconds
        let monotonicNow = Clock.nanoseconds(CLOCK_MONOTONIC)
        var events: [Event] = []
        for pid in procFS.pids() {
            guard let stat = procFS.stat(pid) else { continue }
            var event = Event(kind: .exists, time: now, pid: pid, ppid: stat.ppid, startTime: stat.startTimeApproximate)
            event.comm = Comm(stat.comm)
            event.state = stat.state
            event.session = SessionIDs(sid: stat.session, pgid: stat.pgrp)
            event.isKernelThread = stat.isKernelThread
            event.credentials = procFS.credentials(pid)
            if event.credentials == nil { event.unavailable.insert(.credentials) }
            if includeArguments && !stat.isKernelThread {
                event.argv = procFS.cmdline(pid).map(ArgumentVector.init(bytes:))
                event.filename = procFS.executable(pid)
            }
            guard stat.state == UInt8(ascii: "Z") else {
                events.append(event)
                continue
            }
            event.exitStatus = procFS.exitStatus(pid)
            events.append(event)
            if let lastRan = procFS.lastRan(pid) {
                var exit = Event(kind: .exit, time: now - max(monotonicNow - lastRan, 0), pid: pid, ppid: stat.ppid,
                                 startTime: event.startTime)
                exit.exitStatus = event.exitStatus
                events.append(exit)
            }
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
