import ProcTraceCore

/// Processes that exited and are not yet reaped, watched through /proc
/// because the proc connector sends nothing when a parent reaps.
///
/// A zombie is reaped once /proc/PID is gone or holds a process with another
/// start time. Each round looks at a bounded number of zombies, so lingering
/// zombies (a parent that never waits) cost a fixed amount. Most parents reap
/// within milliseconds of the exit, so the young zombies (their first
/// `youngRounds` rounds) are looked at first, newest first, in every round;
/// the older ones take turns with what is left, at least a quarter of the
/// round. Without that, a reap beside 6,000 lingering zombies was noticed up
/// to ⌈6,000 ⁄ 64⌉ rounds (about a second) late.
struct ZombieWatch {
    /// How many rounds a zombie counts as young: about 100 ms at the source's 10 ms a round.
    static let youngRounds = 10

    private var startTimes: [Int32: UInt64] = [:]
    /// Young zombies in the order they exited, with the round each was added in.
    private var young: [(pid: Int32, round: Int)] = []
    /// Older zombies, looked at in turn.
    private var order: [Int32] = []
    private var cursor = 0
    private var round = 0

    var isEmpty: Bool { startTimes.isEmpty }
    var count: Int { startTimes.count }

    mutating func add(pid: Int32, startTime: UInt64) {
        if startTimes.updateValue(startTime, forKey: pid) == nil {
            young.append((pid, round))
        }
    }

    /// Stops watching `pid`; returns the start time of the zombie it named.
    @discardableResult
    mutating func remove(pid: Int32) -> UInt64? {
        guard let startTime = startTimes.removeValue(forKey: pid) else { return nil }
        if let index = young.lastIndex(where: { $0.pid == pid }) {
            young.remove(at: index)
        } else if let index = order.firstIndex(of: pid) {
            order.swapAt(index, order.count - 1)
            order.removeLast()
        }
        return startTime
    }

    mutating func removeAll() {
        startTimes.removeAll()
        young.removeAll()
        order.removeAll()
        cursor = 0
    }

    /// Looks at the zombies among `pids` (however many others wait their
    /// turn) and returns (and forgets) those reaped.
    mutating func reaped(among pids: [Int32], in procFS: ProcFS) -> [ProcessID] {
        var gone: [ProcessID] = []
        for pid in pids {
            guard let startTime = startTimes[pid], isReaped(pid, startTime, procFS) else { continue }
            remove(pid: pid)
            gone.append(ProcessID(pid: pid, startTime: startTime))
        }
        return gone
    }

    /// One round: looks at up to `limit` zombies, the young ones first, and
    /// returns (and forgets) those reaped.
    mutating func reaped(checking limit: Int, in procFS: ProcFS) -> [ProcessID] {
        round += 1
        var gone: [ProcessID] = []
        let youngChecked = checkYoung(limit - limit / 4, procFS, &gone)
        graduate()
        checkOld(limit - youngChecked, procFS, &gone)
        return gone
    }

    private func isReaped(_ pid: Int32, _ startTime: UInt64, _ procFS: ProcFS) -> Bool {
        procFS.stat(pid)?.startTimeApproximate != startTime
    }

    /// Looks at up to `limit` young zombies, newest first; returns how many it looked at.
    private mutating func checkYoung(_ limit: Int, _ procFS: ProcFS, _ gone: inout [ProcessID]) -> Int {
        var checked = 0
        var index = young.count - 1
        while index >= 0 && checked < limit {
            let pid = young[index].pid
            let startTime = startTimes[pid] ?? 0
            checked += 1
            if isReaped(pid, startTime, procFS) {
                startTimes[pid] = nil
                young.remove(at: index)
                gone.append(ProcessID(pid: pid, startTime: startTime))
            }
            index -= 1
        }
        return checked
    }

    /// Moves the zombies young for `youngRounds` rounds to the older ones' turns.
    private mutating func graduate() {
        let aged = young.prefix { round - $0.round >= Self.youngRounds }.count
        guard aged > 0 else { return }
        order.append(contentsOf: young[..<aged].map(\.pid))
        young.removeFirst(aged)
    }

    private mutating func checkOld(_ limit: Int, _ procFS: ProcFS, _ gone: inout [ProcessID]) {
        var checked = 0
        while checked < min(limit, order.count) {
            if cursor >= order.count { cursor = 0 }
            let pid = order[cursor]
            checked += 1
            let startTime = startTimes[pid] ?? 0
            guard isReaped(pid, startTime, procFS) else {
                cursor += 1
                continue
            }
            // Removed where it stands (remove(pid:) would search both lists for it).
            startTimes[pid] = nil
            order.swapAt(cursor, order.count - 1)
            order.removeLast()
            gone.append(ProcessID(pid: pid, startTime: startTime))
        }
    }
}
