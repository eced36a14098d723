#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Testing

/// After recording for a while, the tree `record` keeps in memory is the
/// kernel's: the same processes with the same parents.
@Suite(.blocking, .serialized, .enabled(if: Privilege.canTrace, Privilege.skipReason))
struct TreeMatchesKernelTests {
    /// Alone (`.alone`): it compares every process of the machine, and on this
    /// machine's 6.18 kernel about 1 in 1,000 processes of a fork storm never
    /// gets its `sched_process_free` (bpftrace sees none either), so another
    /// test's storm beside it leaves zombies in the tree that /proc no longer has.
    @Test(.alone) func theRecordedTreeEqualsProcAtTheEnd() throws {
        var settings = BPFSettings()
        settings.excludedProcess = getpid()
        let source = try BPFEventSource(settings: settings)
        defer { source.close() }
        let recorder = Recorder(source: source, sink: DiscardingSink(), parents: ProcParentLookup())
        try recorder.record(snapshot: source.snapshot())

        for scenario in ["tree", "subreaper", "daemon", "autoreap", "exit3", "thread-exec"] {
            let spawned = try ChildProcess([Binaries.scenarios, scenario])
            var status: Int32 = 0
            while waitpid(spawned.pid, &status, WNOHANG) == 0 { try recorder.pump(timeoutMilliseconds: 20) }
        }
        let settle = Clock.bootNanoseconds + 700_000_000
        while Clock.bootNanoseconds < settle { try recorder.pump(timeoutMilliseconds: 20) }

        let procFS = ProcFS()
        let tickNanoseconds = ProcStat.nanosecondsPerTick
        var mismatches: [String] = []
        for _ in 0..<5 {
            mismatches = []
            try recorder.pump(timeoutMilliseconds: 0)
            let settledBefore = UInt64(Clock.bootNanoseconds) - 50_000_000
            for pid in procFS.pids() where pid != getpid() {
                guard let stat = procFS.stat(pid), stat.startTicks * tickNanoseconds < settledBefore else { continue }
                try recorder.pump(timeoutMilliseconds: 0)
                // Read again: only a process that stayed the same across the pump counts.
                guard let again = procFS.stat(pid), again.startTicks == stat.startTicks, again.ppid == stat.ppid else {
                    continue
                }
                guard let node = recorder.tree[pid] else {
                    mismatches.append("\(pid) (\(String(decoding: stat.comm, as: UTF8.self))) is missing from the tree")
                    continue
                }
                if node.ppid != again.ppid {
                    mismatches.append("\(pid) has parent \(node.ppid) in the tree, \(again.ppid) in /proc")
                }
                if node.startTime / tickNanoseconds != again.startTicks {
                    mismatches.append("\(pid) has another start time in the tree")
                }
                if (again.state == UInt8(ascii: "Z")) != node.isZombie {
                    mismatches.append("\(pid) zombie in /proc: \(again.state == UInt8(ascii: "Z")), in the tree: \(node.isZombie)")
                }
            }
            // A reap comes after an RCU grace period, which a loaded machine stretches: up to 3 s for all.
            let gone = recorder.tree.allNodes.filter { $0.startTime < settledBefore && $0.pid != getpid() && procFS.stat($0.pid) == nil }
            let reapBy = Clock.bootNanoseconds + 3_000_000_000
            while gone.contains(where: { recorder.tree[$0.pid] != nil }) && Clock.bootNanoseconds < reapBy {
                try recorder.pump(timeoutMilliseconds: 50)
            }
            for node in gone where recorder.tree[node.pid] != nil && procFS.stat(node.pid) == nil {
                mismatches.append("\(node.pid) (\(node.comm.description), zombie: \(node.isZombie), parent \(node.ppid), lost so far \(recorder.lostTotal)) is gone from /proc but not from the tree")
            }
            if mismatches.isEmpty { break }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(recorder.tree.count > 20)
    }
}
