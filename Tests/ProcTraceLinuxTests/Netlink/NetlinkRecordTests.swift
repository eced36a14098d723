import Foundation
import Testing

/// `proctrace record --backend netlink` on the lifecycles where the connector
/// says least: programs that are gone before /proc can be read.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct NetlinkRecordTests {
    static let shared: Result<Recording, Error> = Result {
        try LiveRecording.record(arguments: ["--backend", "netlink"], scenarios: ["thread-exec", "exec-argv", "threads", "exec-failed"])
    }

    @Test func theStartRecordSaysFailedExecsAreNotVisible() throws {
        let recording = try Self.shared.get()
        #expect(recording.records.first?["unavailable_events"] as? [String] == ["exec_failed"])
        #expect(recording.records.first?["hooks"] == nil)
        try HookExpectations.checkFailedExecs(in: recording)
    }

    /// A comm is the program's name, or null and listed in `unavailable`: never "" and never the old name.
    static func expectKnownOrNull(_ record: [String: Any], _ name: String, _ line: String) {
        let unavailable = record["unavailable"] as? [String] ?? []
        if record["comm"] is NSNull {
            #expect(unavailable.contains("comm"), "\(line)")
        } else {
            #expect(record["comm"] as? String == name, "\(line)")
            #expect(!unavailable.contains("comm"), "\(line)")
        }
    }

    @Test func shortLivedProgramsHaveTheirCommOrNullNeverEmptyOrStale() throws {
        let recording = try Self.shared.get()
        #expect(recording.exitStatus == 0, "stderr: \(recording.standardError)")
        #expect(recording.records.first?["backend"] as? String == "netlink")
        for scenario in ["thread-exec", "exec-argv"] {
            let child = try #require(recording.scenario(scenario)["child"] as? Int)
            let exec = try #require(recording.records(pid: child, event: "exec").first)
            let execLine = recording.lines(pid: child, event: "exec").first ?? ""
            #expect(!execLine.contains(#""comm":"""#), "\(execLine)")
            Self.expectKnownOrNull(exec, "true", execLine)
            let exits = recording.records(pid: child, event: "exit")
            #expect(exits.count == 1, "\(scenario): one exit")
            if let exit = exits.first {
                Self.expectKnownOrNull(exit, "true", recording.lines(pid: child, event: "exit").first ?? "")
                #expect(exit["exit_code"] as? Int == 0)
            }
        }
    }

    @Test func aThreadedProcessExitsOnceWithItsStatus() throws {
        let recording = try Self.shared.get()
        let child = try #require(recording.scenario("threads")["child"] as? Int)
        let exits = recording.records(pid: child, event: "exit")
        #expect(exits.count == 1)
        #expect(exits.first?["exit_code"] as? Int == 7)
    }
}
