import ProcTraceCore

/// Processes that exited and are not yet reaped, watched through /proc
/// because the proc connector sends nothing when a parent reaps.
///
/// A zombie is reaped once /proc/PID is gone or holds a process with another
/// start time. Each round looks at a bounded number of zombies, taking turns,
/// so lingering zombies (a parent that never waits) cost a fixed amount.
struct ZombieWatch {
    private var startTimes: [Int32: UInt64] = [:]
    private var order: [Int32] = []
    private var cursor = 0

    var isEmpty: Bool { startTimes.isEmpty }
    var count: Int { startTimes.count }

    mutating func add(pid: Int32, startTime: UInt64) {
        if startTimes.updateValue(startTime, forKey: pid) == nil {
            order.append(pid)
        }
    }

    /// Stops watching `pid`; returns the start time of the zombie it named.
    @discardableResult
    mutating func remove(pid: Int32) -> UInt64? {
        guard let startTime = startTimes.removeValue(forKey: pid) else { return nil }
        if let index = order.firstIndex(of: pid) {
            order.swapAt(index, order.count - 1)
            order.removeLast()
        }
        return startTime
    }

    mutating func removeAll() {
        startTimes.removeAll()
        order.removeAll()
        cursor = 0
    }

    /// Looks at the zombies among `pids` (however many others wait their
    /// turn) and returns (and forgets) those reaped.
    mutating func reaped(among pids: [Int32], in procFS: ProcFS) -> [ProcessID] {
        var gone: [ProcessID] = []
        for pid in pids {
            guard let startTime = startTimes[pid], procFS.stat(pid)?.startTimeApproximate != startTime else { continue }
            remove(pid: pid)
            gone.append(ProcessID(pid: pid, startTime: startTime))
        }
        return gone
    }

    /// Looks at up to `limit` zombies and returns (and forgets) those reaped.
    mutating func reaped(checking limit: Int, in procFS: ProcFS) -> [ProcessID] {
        var gone: [ProcessID] = []
        var checked = 0
        while checked < min(limit, order.count) {
            if cursor >= order.count { cursor = 0 }
            let pid = order[cursor]
            checked += 1
            let startTime = startTimes[pid] ?? 0
            if let stat = procFS.stat(pid), stat.startTimeApproximate == startTime {
                cursor += 1
                continue
            }
            remove(pid: pid)
            gone.append(ProcessID(pid: pid, startTime: startTime))
        }
        return gone
    }
}
