import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// A `record` killed with SIGKILL (no drain, no `stop`) leaves a log whose
/// every complete line reads back.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct CrashSafetyTests {
    @Test func aKilledRecorderLeavesALogThatReplays() throws {
        let recorder = try RunningRecorder(arguments: ["--backend", "bpf"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        // Writes in flight when the kill comes: a burst of short-lived processes.
        let burst = Process()
        burst.executableURL = URL(fileURLWithPath: Binaries.scenarios)
        burst.arguments = ["burst", "2000"]
        burst.standardOutput = FileHandle.nullDevice
        try burst.run()
        #expect(recorder.waitForLog(containing: "\"event\":\"fork\""))
        #expect(recorder.stop(SIGKILL) == SIGKILL)
        burst.waitUntilExit()

        let bytes = try Data(contentsOf: recorder.log)
        let completeLines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            .count - (bytes.last == UInt8(ascii: "\n") ? 0 : 1)
        #expect(completeLines > 2)
        #expect(!recorder.logText.contains("\"event\":\"stop\""), "SIGKILL leaves no stop record")

        // The Core reader reads every complete line, without one error.
        let reader = try LogReader(paths: [recorder.log.path])
        var events: [Event] = []
        while let event = try reader.next() { events.append(event) }
        #expect(events.count == completeLines)
        #expect(events.first?.kind == .start)
        #expect(reader.invalidLineCount == 0)

        // And so does the command.
        let (status, output) = try LiveRecording.run(Binaries.proctrace, ["replay", "--max", "--json", recorder.log.path])
        #expect(status == 0)
        #expect(output.split(separator: "\n").count == completeLines)
    }
}
