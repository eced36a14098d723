import Foundation
import Testing

@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RecordThreadsTests {
    @Test func threadsFlagAddsThreadStartAndExit() throws {
        let recording = try LiveRecording.record(arguments: ["--backend", "bpf", "--threads"], scenarios: ["threads"])
        #expect(recording.exitStatus == 0)
        let child = try #require(recording.scenario("threads")["child"] as? Int)
        let starts = recording.records(pid: child, event: "thread_start")
        let exits = recording.records(pid: child, event: "thread_exit")
        #expect(starts.count == 2)
        #expect(exits.count == 2)
        #expect(Set(starts.compactMap { $0["tid"] as? Int }) == Set(exits.compactMap { $0["tid"] as? Int }))
        #expect(starts.allSatisfy { ($0["tid"] as? Int) != child })
        #expect(recording.records(pid: child, event: "exit").count == 1)
    }
}
