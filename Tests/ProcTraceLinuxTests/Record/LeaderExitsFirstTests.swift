import Foundation
import Testing

/// Issue 25, 3: the leader thread ends first with SYS_exit(7), the last
/// thread later with SYS_exit(5). The exit record says what wait(2) said
/// (5 since Linux 6.0, where the last thread sets the group's status; 7 before).
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct LeaderExitsFirstTests {
    static func check(backend: String) throws {
        let recording = try LiveRecording.record(
            arguments: ["--backend", backend], scenarios: ["leader-exits-first"],
            scenarioArguments: ["leader-exits-first": ["7", "5"]])
        #expect(recording.exitStatus == 0, "\(recording.standardError)")
        #expect(recording.records.first?["backend"] as? String == backend)
        let scenario = recording.scenario("leader-exits-first")
        let child = try #require(scenario["child"] as? Int)
        #expect(scenario["exited"] as? Bool == true)
        let waited = try #require(scenario["exit_code"] as? Int)
        let exits = recording.records(pid: child, event: "exit")
        print("@@report leader exits first, \(backend): wait(2) said \(waited), the log \(exits.map { $0["exit_code"] ?? "?" })")
        #expect(exits.count == 1)
        #expect(exits.first?["exit_code"] as? Int == waited)
        #expect(exits.first?["signal"] is NSNull)
        let release = HostKernel.release
        let lastThreadDecides = release.count >= 2 && (release[0], release[1]) >= (6, 0)
        #expect(waited == (lastThreadDecides ? 5 : 7), "the kernel's rule (kernel/exit.c, synchronize_group_exit)")
    }

    @Test func netlinkWritesTheStatusWaitGives() throws { try Self.check(backend: "netlink") }
    @Test func bpfWritesTheStatusWaitGives() throws { try Self.check(backend: "bpf") }
}
