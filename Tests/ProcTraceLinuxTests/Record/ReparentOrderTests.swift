import Foundation
import Testing

/// Issue 25, 2: a child orphaned by its parent's exit, which exits itself at
/// once: its `reparent` is written before its `exit`, never after it with an
/// earlier time. Records of one process are in causal order, whatever the backend.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct ReparentOrderTests {
    static let families = 20

    static func check(_ arguments: [String], _ label: String, scenario name: String = "orphan-exits") throws {
        let recording = try LiveRecording.record(
            arguments: arguments, scenarios: [name], scenarioArguments: [name: ["\(families)"]])
        #expect(recording.exitStatus == 0, "\(recording.standardError)")
        let scenario = recording.scenario(name)
        let subreaper = try #require(scenario["pid"] as? Int)
        let parents = try #require(scenario["parents"] as? [Int])
        let children = try #require(scenario["children"] as? [Int])
        #expect(children.count == families)

        var missing = 0, afterExit = 0, timesOutOfOrder = 0, wrong: [String] = []
        for (parent, child) in zip(parents, children) {
            let records = recording.records(pid: child)
            guard let exit = records.first(where: { $0["event"] as? String == "exit" }) else {
                wrong.append("no exit of \(child)")
                continue
            }
            guard let move = records.first(where: { $0["event"] as? String == "reparent" }) else {
                missing += 1
                continue
            }
            if move["old_ppid"] as? Int != parent || move["ppid"] as? Int != subreaper { wrong.append("\(move)") }
            if exit["ppid"] as? Int != subreaper { wrong.append("\(exit)") }
            if (move["seq"] as? Int ?? 0) > (exit["seq"] as? Int ?? 0) { afterExit += 1 }
            // In the order written, no record of the child is older than one before it.
            let times = records.compactMap { RecordLifecycleTests.nanoseconds($0["time"] as? String) }
            if times.count != records.count || zip(times, times.dropFirst()).contains(where: { $0 > $1 }) {
                timesOutOfOrder += 1
            }
        }
        print("@@report reparent order \(label) (\(name)): of \(families) orphans exiting at once, reparent missing \(missing), "
            + "written after the exit \(afterExit), records out of time order \(timesOutOfOrder)")
        #expect(missing == 0, "every orphan's move is recorded")
        #expect(afterExit == 0, "a reparent is written before the child's exit")
        #expect(timesOutOfOrder == 0, "a process's records are written in time order")
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test func bpfWritesTheMoveBeforeTheOrphansExit() throws { try Self.check(["--backend", "bpf"], "bpf") }

    @Test func bpfWithSyscallHooksWritesTheMoveBeforeTheOrphansExit() throws {
        try Self.check(["--backend", "bpf", "--hooks", "syscall"], "bpf syscall")
    }

    @Test func netlinkWritesTheMoveBeforeTheOrphansExit() throws { try Self.check(["--backend", "netlink"], "netlink") }

    // Each child exits before its parent's exit is reported (the kernel reports a parent's exit
    // after moving its children; the child preempts it on its CPU): netlink had no reparent then.

    @Test func bpfWritesTheMoveOfAnOrphanThatExitsFirst() throws {
        try Self.check(["--backend", "bpf"], "bpf", scenario: "orphan-exits-first")
    }

    @Test func bpfWithSyscallHooksWritesTheMoveOfAnOrphanThatExitsFirst() throws {
        try Self.check(["--backend", "bpf", "--hooks", "syscall"], "bpf syscall", scenario: "orphan-exits-first")
    }

    @Test func netlinkWritesTheMoveOfAnOrphanThatExitsFirst() throws {
        try Self.check(["--backend", "netlink"], "netlink", scenario: "orphan-exits-first")
    }
}
