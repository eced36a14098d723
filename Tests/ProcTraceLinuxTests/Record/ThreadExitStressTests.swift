import Foundation
import Testing

/// Hundreds of processes with 8 busy threads each, ending with exit_group(7):
/// the kernel tears the threads down on several CPUs at once, and half the
/// processes lose their leader first. Each process has exactly one `exit`.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct ThreadExitStressTests {
    static let processes = 300

    static func check(backend: String) throws {
        let recording = try LiveRecording.record(
            arguments: ["--backend", backend], scenarios: ["thread-exits"], scenarioArguments: ["thread-exits": ["\(processes)", "8"]])
        #expect(recording.exitStatus == 0, "stderr: \(recording.standardError)")
        let start = try #require(recording.records.first)
        #expect(start["backend"] as? String == backend)
        let children = try #require(recording.scenario("thread-exits")["children"] as? [Int])
        #expect(children.count == processes)
        let wanted = Set(children)
        let parent = recording.scenario("thread-exits")["pid"] as? Int
        var exits: [Int: Int] = [:]
        var wrongStatus = 0
        // A child's PID, not one reused after it (pid_max is 32768 here: a busy machine wraps it in seconds).
        for record in recording.records where record["event"] as? String == "exit" && record["ppid"] as? Int == parent {
            guard let pid = record["pid"] as? Int, wanted.contains(pid) else { continue }
            exits[pid, default: 0] += 1
            if record["exit_code"] as? Int != 7 { wrongStatus += 1 }
        }
        let duplicated = children.filter { exits[$0, default: 0] > 1 }
        let missing = children.filter { exits[$0] == nil }
        let lost = recording.records.last?["lost"] as? Int ?? -1
        print("@@report stress: \(processes) processes x 8 threads, \(exits.values.reduce(0, +)) exit records, "
            + "\(duplicated.count) duplicated, \(missing.count) missing, \(wrongStatus) not exit 7, lost \(lost)"
            + ((start["bpf_choices"] as? [String]).map { ", bpf_choices \($0)" } ?? ""))
        #expect(duplicated.isEmpty, "more than one exit for \(duplicated.prefix(10))")
        #expect(missing.isEmpty, "no exit for \(missing.prefix(10))")
        #expect(wrongStatus == 0, "every process ended with exit_group(7)")
        #expect(lost == 0)
    }

    @Test(.storm) func bpfReportsExactlyOneExitPerProcess() throws { try Self.check(backend: "bpf") }
    @Test(.storm) func netlinkReportsExactlyOneExitPerProcess() throws { try Self.check(backend: "netlink") }
}
