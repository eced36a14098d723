/// Gathers `StatisticsReport` from a stream of records in bounded memory:
/// fixed-size counters and top lists, plus one entry per process that has
/// exited but not yet been reaped, up to `maximumPendingZombies` (past that
/// the most recent exits are forgotten and the report is approximate).
///
/// Call `add` with every record after the tree has applied it (the tree
/// supplies parents' names and a reap's comm).
///
/// Used from one thread: its per-record state skips the run-time exclusivity checks.
public final class LogStatistics {
    public let zombieThresholdNs: UInt64
    public let listLength: Int
    public let maximumPendingZombies: Int
    /// Unreaped exits forgotten to keep within `maximumPendingZombies`.
    @exclusivity(unchecked) private var forgottenZombies: UInt64 = 0

    @exclusivity(unchecked) private var report = StatisticsReport()
    @exclusivity(unchecked) private var programs = BoundedCounter<ProgramName>()
    @exclusivity(unchecked) private var binaries = BoundedCounter<SHA256Digest>()
    /// The path each counted binary was first seen at (kept while it is counted).
    @exclusivity(unchecked) private var binaryPaths: [SHA256Digest: [UInt8]] = [:]
    @exclusivity(unchecked) private var failures = BoundedCounter<FailureKey>()
    @exclusivity(unchecked) private var failedExecs = BoundedCounter<Int32>()
    @exclusivity(unchecked) private var adopters = BoundedCounter<Int32>()
    @exclusivity(unchecked) private var adopterNames: [Int32: Comm] = [:]
    @exclusivity(unchecked) private var zombies: [Int32: PendingZombie] = [:]

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

    public init(zombieThresholdNs: UInt64 = 5_000_000_000, listLength: Int = 10, maximumPendingZombies: Int = 100_000) {
        precondition(maximumPendingZombies > 0)
        self.zombieThresholdNs = zombieThresholdNs
        self.listLength = listLength
        self.maximumPendingZombies = maximumPendingZombies
        report.zombieThresholdNs = zombieThresholdNs
    }

    public func add(_ event: Event, tree: ProcessTree) {
        report.records += 1
        report.countsByKind[Int(event.kind.rawValue)] += 1
        if report.firstTime == nil { report.firstTime = event.time }
        report.lastTime = max(report.lastTime ?? event.time, event.time)
        switch event.kind {
        case .fork:
            report.forksOverTime.add(at: event.time)
            zombies[event.pid] = nil
        case .exec:
            programs.add(ProgramName(bytes: event.filename ?? event.argv?.arguments.first ?? event.comm.bytes))
            if let context = event.context, let digest = context.exeSHA256 {
                binaries.add(digest)
                if binaryPaths[digest] == nil { binaryPaths[digest] = context.exe ?? event.filename ?? [] }
                if binaryPaths.count > binaries.counts.count * 2 { binaryPaths = binaryPaths.filter { binaries.counts[$0.key] != nil } }
            }
        case .exit:
            if let status = event.exitStatus, status.exitCode != 0 {
                failures.add(FailureKey(comm: event.comm, status: status))
            }
            if let duration = event.durationNs {
                record(StatisticsReport.Lifetime(pid: event.pid, comm: event.comm, durationNs: duration, time: event.time))
            }
            remember(PendingZombie(startTime: event.startTime, exitTime: event.time, comm: event.comm,
                                   parentPid: event.ppid, parentComm: tree[event.ppid]?.comm), pid: event.pid)
        case .exists:
            if event.state == UInt8(ascii: "Z") {
                // Exited before the log began: it has lingered at least since this record.
                remember(PendingZombie(startTime: event.startTime, exitTime: event.time, comm: event.comm,
                                       parentPid: event.ppid, parentComm: tree[event.ppid]?.comm), pid: event.pid)
            }
        case .reap:
            if var zombie = zombies.removeValue(forKey: event.pid),
                ProcessID.startTimesAgree(zombie.startTime, event.startTime) {
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
        case .execFailed:
            failedExecs.add(event.errorNumber ?? 0)
        case .start, .resync, .threadStart, .threadExit, .comm, .cred, .session, .warning, .seal, .alert, .user:
            break
        }
    }

    /// Exited processes remembered until their reap.
    var pendingZombieCount: Int { zombies.count }

    /// Keeps `zombie` until its reap. A full table forgets its newer half: the
    /// zombies that have lingered least so far, the last a top list would show.
    private func remember(_ zombie: PendingZombie, pid: Int32) {
        zombies[pid] = zombie
        guard zombies.count > maximumPendingZombies else { return }
        let newest = zombies.sorted { $0.value.exitTime > $1.value.exitTime }.prefix(zombies.count - maximumPendingZombies / 2)
        for (pid, _) in newest { zombies[pid] = nil }
        forgottenZombies += UInt64(newest.count)
    }

    /// The report, counting the zombies still unreaped when the log ends up to its last record.
    /// `forgottenZombies`: unreaped exits the tree forgot (LogReplayer.forgottenZombies), which makes it approximate too.
    public func finish(invalidLines: Int = 0, forgottenZombies treeForgot: Int = 0) -> StatisticsReport {
        var final = report
        let end = report.lastTime ?? 0
        for (pid, zombie) in zombies.sorted(by: { $0.key < $1.key }) {
            considerLingering(pid: pid, zombie, until: end, neverReaped: true, into: &final)
        }
        let bytesFirst: (ProgramName, ProgramName) -> Bool = { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        final.mostExecuted = programs.top(listLength, precedes: bytesFirst).map { .init(name: $0.key.bytes, count: $0.count) }
        final.topBinaries = binaries.top(listLength) { $0.hex < $1.hex }.map {
            .init(sha256: $0.key, exe: binaryPaths[$0.key] ?? [], count: $0.count)
        }
        final.failures = failures.top(listLength) { a, b in
            a.comm.bytes != b.comm.bytes ? a.comm.bytes.lexicographicallyPrecedes(b.comm.bytes) : a.status.raw < b.status.raw
        }.map { .init(comm: $0.key.comm, status: $0.key.status.summary, count: $0.count) }
        final.failedExecs = failedExecs.top(listLength, precedes: <).map { .init(errorNumber: $0.key, count: $0.count) }
        final.adopters = adopters.top(listLength, precedes: <).map {
            .init(pid: $0.key, comm: adopterNames[$0.key], orphans: $0.count)
        }
        final.invalidLines = invalidLines
        final.isApproximate = programs.isApproximate || binaries.isApproximate || failures.isApproximate
            || adopters.isApproximate || failedExecs.isApproximate || forgottenZombies > 0 || treeForgot > 0
        return final
    }

    private func considerLingering(pid: Int32, _ zombie: PendingZombie, until end: Int64, neverReaped: Bool,
                                   into report: inout StatisticsReport) {
        let lingered = TimeArithmetic.elapsed(from: zombie.exitTime, to: end)
        guard lingered > zombieThresholdNs else { return }
        report.lingeringZombieCount += 1
        let entry = StatisticsReport.Zombie(pid: pid, comm: zombie.comm, parentPid: zombie.parentPid,
                                            parentComm: zombie.parentComm, lingeredNs: lingered, neverReaped: neverReaped)
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
