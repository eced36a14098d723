/// Gathers `StatisticsReport` from a stream of records in bounded memory:
/// fixed-size counters and top lists, plus one entry per process that has
/// exited but not yet been reaped.
///
/// Call `add` with every record after the tree has applied it (the tree
/// supplies parents' names and a reap's comm).
public final class LogStatistics {
    public let zombieThresholdNs: UInt64
    public let listLength: Int

    private var report = StatisticsReport()
    private var programs = BoundedCounter<[UInt8]>()
    private var failures = BoundedCounter<FailureKey>()
    private var adopters = BoundedCounter<Int32>()
    private var adopterNames: [Int32: Comm] = [:]
    private var zombies: [Int32: PendingZombie] = [:]

    private struct FailureKey: Hashable {
        var comm: Comm
        var status: WaitStatus
    }

    private struct PendingZombie {
        var startTime: UInt64
        var exitTime: Int64
        var comm: Comm
        var parentPid: Int32
        var parentComm: Comm?
    }

    public init(zombieThresholdNs: UInt64 = 5_000_000_000, listLength: Int = 10) {
        self.zombieThresholdNs = zombieThresholdNs
        self.listLength = listLength
        report.zombieThresholdNs = zombieThresholdNs
    }

    public func add(_ event: Event, tree: ProcessTree) {
        report.records += 1
        report.countsByKind[Int(event.kind.rawValue)] += 1
        if event.time != 0 {
            if report.firstTime == nil { report.firstTime = event.time }
            report.lastTime = max(report.lastTime ?? event.time, event.time)
        }
        switch event.kind {
        case .fork:
            report.forksOverTime.add(at: event.time)
            zombies[event.pid] = nil
        case .exec:
            programs.add(event.filename ?? event.argv?.arguments.first ?? event.comm.bytes)
        case .exit:
            if let status = event.exitStatus, status.exitCode != 0 {
                failures.add(FailureKey(comm: event.comm, status: status))
            }
            if let duration = event.durationNs {
                record(StatisticsReport.Lifetime(pid: event.pid, comm: event.comm, durationNs: duration, time: event.time))
            }
            zombies[event.pid] = PendingZombie(startTime: event.startTime, exitTime: event.time, comm: event.comm,
                                               parentPid: event.ppid, parentComm: tree[event.ppid]?.comm)
        case .exists:
            if event.state == UInt8(ascii: "Z") {
                // Exited before the log began: it has lingered at least since this record.
                zombies[event.pid] = PendingZombie(startTime: event.startTime, exitTime: event.time, comm: event.comm,
                                                   parentPid: event.ppid, parentComm: tree[event.ppid]?.comm)
            }
        case .reap:
            if var zombie = zombies.removeValue(forKey: event.pid),
                zombie.startTime == event.startTime || zombie.startTime == 0 || event.startTime == 0 {
                if event.ppid != 0 && event.ppid != zombie.parentPid {
                    zombie.parentPid = event.ppid
                    zombie.parentComm = tree[event.ppid]?.comm
                }
                considerLingering(pid: event.pid, zombie, until: event.time, neverReaped: false, into: &report)
            }
        case .reparent:
            report.orphanCount += 1
            adopters.add(event.ppid)
            if let name = tree[event.ppid]?.comm { adopterNames[event.ppid] = name }
            if report.firstOrphans.count < listLength {
                report.firstOrphans.append(StatisticsReport.Orphan(pid: event.pid, comm: event.comm,
                                                                   oldParent: event.oldPpid, newParent: event.ppid,
                                                                   time: event.time))
            }
        case .lost:
            report.lostRecords += 1
            if let count = event.lostCount { report.lostTotal += count } else { report.lostUnknownCount += 1 }
        case .stop:
            report.stopLost += event.lostCount ?? 0
            report.stopUnwritten += event.unwrittenCount
        case .start, .resync, .threadStart, .threadExit, .comm, .cred, .session:
            break
        }
    }

    /// The report, counting the zombies still unreaped when the log ends up to its last record.
    public func finish(invalidLines: Int = 0) -> StatisticsReport {
        var final = report
        let end = report.lastTime ?? 0
        for (pid, zombie) in zombies.sorted(by: { $0.key < $1.key }) {
            considerLingering(pid: pid, zombie, until: end, neverReaped: true, into: &final)
        }
        let bytesFirst: ([UInt8], [UInt8]) -> Bool = { $0.lexicographicallyPrecedes($1) }
        final.mostExecuted = programs.top(listLength, precedes: bytesFirst).map { .init(name: $0.key, count: $0.count) }
        final.failures = failures.top(listLength) { a, b in
            a.comm.bytes != b.comm.bytes ? a.comm.bytes.lexicographicallyPrecedes(b.comm.bytes) : a.status.raw < b.status.raw
        }.map { .init(comm: $0.key.comm, status: $0.key.status.summary, count: $0.count) }
        final.adopters = adopters.top(listLength, precedes: <).map {
            .init(pid: $0.key, comm: adopterNames[$0.key], orphans: $0.count)
        }
        final.invalidLines = invalidLines
        final.isApproximate = programs.isApproximate || failures.isApproximate || adopters.isApproximate
        return final
    }

    private func considerLingering(pid: Int32, _ zombie: PendingZombie, until end: Int64, neverReaped: Bool,
                                   into report: inout StatisticsReport) {
        guard end > zombie.exitTime, UInt64(end - zombie.exitTime) > zombieThresholdNs else { return }
        report.lingeringZombieCount += 1
        let entry = StatisticsReport.Zombie(pid: pid, comm: zombie.comm, parentPid: zombie.parentPid,
                                            parentComm: zombie.parentComm, lingeredNs: UInt64(end - zombie.exitTime),
                                            neverReaped: neverReaped)
        insert(entry, into: &report.lingeringZombies) { $0.lingeredNs > $1.lingeredNs }
    }

    private func record(_ lifetime: StatisticsReport.Lifetime) {
        insert(lifetime, into: &report.longestLived) { $0.durationNs > $1.durationNs }
        insert(lifetime, into: &report.shortestLived) { $0.durationNs < $1.durationNs }
    }

    /// Keeps `list` the `listLength` first in `order`; among equals, the earlier arrival stays ahead.
    private func insert<Element>(_ element: Element, into list: inout [Element], order: (Element, Element) -> Bool) {
        let position = list.firstIndex { order(element, $0) } ?? list.endIndex
        guard position < listLength else { return }
        list.insert(element, at: position)
        if list.count > listLength { list.removeLast() }
    }
}
