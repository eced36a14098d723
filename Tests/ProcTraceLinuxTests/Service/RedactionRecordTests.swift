import Foundation
import Testing

/// `record --redact`: secrets in arguments never reach the log.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason))
struct RedactionRecordTests {
    @Test func maskedArgumentsAreWrittenAndTheRestIsExact() throws {
        let recorder = try RunningRecorder(arguments: ["--redact", "--password", "--redact", "-p", "--redact", "AKIA*"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        let (status, _) = try LiveRecording.run("/bin/sh", [
            "-c", "exit 0", "--password", "hunter2", "--password=swordfish", "-ptopsecret", "AKIAEXAMPLE", "marker-\(getpid())",
        ])
        #expect(status == 0)
        #expect(recorder.waitForLog(containing: "marker-\(getpid())"))
        #expect(recorder.stop() == 0)
        let exec = try #require(recorder.logText.split(separator: "\n").first { $0.contains("marker-\(getpid())") })
        #expect(exec.contains(#""argv":["/bin/sh","-c","exit 0","--password","<redacted>","--password=<redacted>","-p<redacted>","<redacted>","marker-"#))
        for secret in ["hunter2", "swordfish", "topsecret", "AKIAEXAMPLE"] {
            #expect(!recorder.logText.contains(secret))
        }
    }
}
