import ProcTraceCore

/// Short constructors for the process records tests script by hand. Start
/// times are boot nanoseconds, times epoch nanoseconds, as in real logs.
public enum LifecycleEvents {
    public static func exists(
        _ pid: Int32, ppid: Int32, start: UInt64, comm: String = "", uid: UInt32 = 0, state: Character = "S",
        argv: [String]? = nil, at time: Int64 = 0
    ) -> Event {
        var event = Event(kind: .exists, time: time, pid: pid, ppid: ppid, startTime: start)
        event.comm = Comm(comm.isEmpty ? "p\(pid)" : comm)
        event.state = state.asciiValue ?? 0
        event.credentials = Credentials(uid: uid, euid: uid, suid: uid, gid: uid, egid: uid, sgid: uid)
        event.argv = argv.map { ArgumentVector(strings: $0) }
        return event
    }

    public static func fork(_ pid: Int32, ppid: Int32, start: UInt64, comm: String = "", at time: Int64 = 0) -> Event {
        var event = Event(kind: .fork, time: time, pid: pid, ppid: ppid, startTime: start)
        event.comm = Comm(comm.isEmpty ? "p\(pid)" : comm)
        return event
    }

    public static func exec(
        _ pid: Int32, ppid: Int32, start: UInt64, argv: [String], comm: String? = nil, uid: UInt32? = nil,
        oldPid: Int32? = nil, at time: Int64 = 0
    ) -> Event {
        var event = Event(kind: .exec, time: time, pid: pid, ppid: ppid, startTime: start)
        let program = argv.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        event.comm = Comm(comm ?? program)
        event.filename = Array((argv.first ?? "").utf8)
        event.argv = ArgumentVector(strings: argv)
        event.credentials = uid.map { Credentials(uid: $0, euid: $0, suid: $0, gid: $0, egid: $0, sgid: $0) }
        event.oldPid = oldPid
        return event
    }

    public static func exit(_ pid: Int32, ppid: Int32, start: UInt64, status: WaitStatus = WaitStatus(exitCode: 0), at time: Int64 = 0) -> Event {
        var event = Event(kind: .exit, time: time, pid: pid, ppid: ppid, startTime: start)
        event.exitStatus = status
        return event
    }

    /// As the kernel sends it: no comm, no ppid (the tree fills them in).
    public static func reap(_ pid: Int32, start: UInt64, reaper: Int32? = nil, reason: ReapReason = .wait, at time: Int64 = 0) -> Event {
        var event = Event(kind: .reap, time: time, pid: pid, startTime: start)
        event.reaper = reaper
        event.reapReason = reason
        return event
    }

    public static func reparent(_ pid: Int32, from oldPpid: Int32, to ppid: Int32, start: UInt64, at time: Int64 = 0) -> Event {
        var event = Event(kind: .reparent, time: time, pid: pid, ppid: ppid, startTime: start)
        event.oldPpid = oldPpid
        return event
    }

    public static func thread(_ kind: EventKind, pid: Int32, tid: Int32, ppid: Int32, start: UInt64, at time: Int64 = 0) -> Event {
        var event = Event(kind: kind, time: time, pid: pid, ppid: ppid, startTime: start)
        event.tid = tid
        return event
    }
}

extension ProcessTree {
    /// Applies each event in order.
    public func apply(_ events: [Event]) {
        for var event in events { apply(&event) }
    }

    /// Child PIDs of `pid`, sorted (empty when there is no such node).
    public func childPIDs(of pid: Int32) -> [Int32] {
        (self[pid]?.children).map { $0.map(\.pid).sorted() } ?? []
    }
}
