import ProcTraceCore

/// The reference the tree is checked against: the same rules written the
/// obvious way — one dictionary, children found by scanning everything.
struct NaiveProcessTable {
    struct Entry: Equatable {
        var pid: Int32
        var ppid: Int32
        var start: UInt64
        var comm: Comm
        var zombie = false
        var status: WaitStatus?
    }

    private(set) var entries: [Int32: Entry] = [:]

    mutating func apply(_ event: Event) {
        let pid = event.pid
        switch event.kind {
        case .exists, .fork, .exec, .exit, .comm:
            if let old = entries[pid] {
                let sameLifetime = old.start == event.startTime || old.start == 0 || event.startTime == 0
                if !sameLifetime || (event.kind == .fork && old.zombie) { entries[pid] = nil }
            }
            var entry = entries[pid] ?? Entry(pid: pid, ppid: event.ppid, start: event.startTime, comm: event.comm)
            if event.ppid != 0 { entry.ppid = event.ppid }
            if !event.comm.isEmpty { entry.comm = event.comm }
            if event.kind == .exit {
                entry.zombie = true
                entry.status = event.exitStatus
            }
            entries[pid] = entry
        case .reap:
            if let old = entries[pid], old.start == event.startTime { entries[pid] = nil }
        case .reparent:
            if let old = entries[pid], old.start == event.startTime { entries[pid]?.ppid = event.ppid }
        default:
            break
        }
    }

    /// Whether `parent` is `child`'s parent: the right PID, and not younger (a younger one is a recycled PID).
    private func isParent(_ parent: Entry, of child: Entry) -> Bool {
        child.ppid == parent.pid && child.pid != parent.pid && parent.start <= child.start
    }

    func children(of pid: Int32) -> [Int32] {
        guard let parent = entries[pid] else { return [] }
        return entries.values.filter { isParent(parent, of: $0) }.map(\.pid).sorted()
    }

    var roots: [Int32] {
        entries.values.filter { child in
            !entries.values.contains { isParent($0, of: child) }
        }.map(\.pid).sorted()
    }
}
