import Foundation
import Testing

/// A real recording written in OCSF to a file under fork+exec storms with a
/// small ring: the conversion runs on the output's own thread, so the drain
/// keeps up and capture loses nothing; the file holds every record, or its
/// drops are counted exactly in the `stop` record.
@Suite(.enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct ConvertedOutputStormTests {
    @Test func anOCSFFileUnderAStormLosesNoCaptureAndCountsWhatItDrops() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("events.ocsf.jsonl").path
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "-o", file, "--format", "\(file)=ocsf",
                              "--ring-buffer-size", "64K"]
        let errors = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        recorder.standardError = try FileHandle(forWritingTo: errors)
        try recorder.run()
        let deadline = Date().addingTimeInterval(60)
        while (try? String(contentsOfFile: file, encoding: .utf8))?.contains("\"event_code\":\"start\"") != true {
            guard recorder.isRunning, Date() < deadline else {
                recorder.interrupt()
                Issue.record("no start record: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
                return
            }
            usleep(20_000)
        }
        // Two storms, one per core: each round forks and execs `date` and `true`.
        let storms = try (0..<2).map { _ in
            let storm = Process()
            storm.executableURL = URL(fileURLWithPath: "/bin/sh")
            storm.arguments = ["-c", "end=$(($(date +%s) + 4)); while [ $(date +%s) -lt $end ]; do /bin/true; done"]
            try storm.run()
            return storm
        }
        storms.forEach { $0.waitUntilExit() }
        usleep(300_000)
        recorder.interrupt()
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0, "\((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")

        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let stop = try #require(records.last)
        #expect(SchemaOutputTests.value(at: "metadata.event_code", in: stop) as? String == "stop")
        let stopSeq = try #require(SchemaOutputTests.value(at: "metadata.sequence", in: stop) as? Int)
        let lost = SchemaOutputTests.value(at: "unmapped.lost", in: stop) as? Int ?? 0
        let unwritten = SchemaOutputTests.value(at: "unmapped.unwritten", in: stop) as? Int ?? 0
        // Capture kept up (the drain only copied the batches)...
        #expect(lost == 0)
        #expect(!records.contains { SchemaOutputTests.value(at: "metadata.event_code", in: $0) as? String == "lost" })
        // ...and every record numbered is in the file, or counted as not written there.
        #expect(records.count + unwritten == stopSeq)
        let sequences = records.compactMap { SchemaOutputTests.value(at: "metadata.sequence", in: $0) as? Int }
        #expect(sequences.count == records.count && zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 })
        let execs = records.filter { SchemaOutputTests.value(at: "metadata.event_code", in: $0) as? String == "exec" }
        #expect(execs.count > 1_000, "the storm made \(execs.count) execs")
    }
}
