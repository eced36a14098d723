import Foundation
import Testing

/// A real recording written in OCSF to a file under fork+exec storms with the
/// default ring: the conversion runs on the output's own thread, so the drain
/// keeps up and capture loses nothing; the file holds every record, or its
/// drops are counted exactly in the `stop` record.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct ConvertedOutputStormTests {
    @Test(.storm) func anOCSFFileUnderAStormLosesNoCaptureAndCountsWhatItDrops() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("events.ocsf.jsonl").path
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        // The default ring (sized to absorb a 2 s stall at the machine's fork+exec rate): with a 256K
        // one, the full suite's other tests starved the drain of CPU and it lost 608 records.
        recorder.arguments = ["record", "--config", "/dev/null", "-o", file, "--format", "\(file)=ocsf"]
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
        // A storm of 3 s: each round forks and execs `date` and `true` (one storm: a debug build's
        // converter must write what is queued within the stop's 5 s grace).
        let storms = try (0..<1).map { _ in
            let storm = Process()
            storm.executableURL = URL(fileURLWithPath: "/bin/sh")
            storm.arguments = ["-c", "end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do /bin/true; done"]
            try storm.run()
            return storm
        }
        storms.forEach { $0.waitUntilExit() }
        usleep(300_000)
        recorder.interrupt()
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0, "\((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")

        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        // LiveRecording.object: another process's argv may hold invalid UTF-8, a lone surrogate JSONSerialization rejects.
        let records = try lines.map { try #require(LiveRecording.object($0)) }
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
        #expect(execs.count > 300, "the storm made \(execs.count) execs")
    }

    /// Rotation with compression, sealing and a SIGHUP reopen, on the writer's
    /// thread: each file starts with `start`, each rotated one ends with its
    /// seal, and read oldest first the files hold every record once.
    @Test func anECSFileRotatesAndSealsBetweenTheRightRecords() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("events.ecs.jsonl").path
        let key = directory.appendingPathComponent("seal.key").path
        let initKey = try Shell.run("\"$P\" seal init --key-file \"$K\" --interval 1h > /dev/null",
                                    environment: ["P": Binaries.proctrace, "K": key], in: directory)
        #expect(initKey.status == 0, "\(initKey.errors)")
        // The recording follows one shell running the storms when told, not the suite's other tests
        // (in CI their 32 KiB argv filled the converter's 16 MiB queue).
        let storm = "i=0; while [ $i -lt 600 ]; do /bin/true; i=$((i+1)); done"
        let storms = try ShellOnCue([storm, storm])
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "-o", file, "--format", "ecs", "--rotate-size", "256K",
                              "--rotate-keep", "1000", "--compress", "--seal-key", key,
                              "--pid", "\(storms.pid)", "--descendants"]
        let errors = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        recorder.standardError = try FileHandle(forWritingTo: errors)
        try recorder.run()
        let deadline = Date().addingTimeInterval(60)
        while (try? String(contentsOfFile: file, encoding: .utf8))?.contains("\"action\":\"start\"") != true {
            guard recorder.isRunning, Date() < deadline else {
                recorder.interrupt()
                Issue.record("no start record: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
                return
            }
            usleep(20_000)
        }
        #expect(storms.runNext())
        // logrotate's way: move the file away, then SIGHUP; records go on in a fresh file at the path.
        try FileManager.default.moveItem(atPath: file, toPath: file + ".moved")
        kill(recorder.processIdentifier, SIGHUP)
        #expect(storms.runNext())
        usleep(300_000)
        recorder.interrupt()
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0, "\((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")

        // Every file of the recording, oldest first (by the first record's number).
        let base = (file as NSString).lastPathComponent
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(base) }
        let sequence = { (record: [String: Any]) in SchemaOutputTests.value(at: "event.sequence", in: record) as? Int ?? 0 }
        var loaded: [(name: String, records: [[String: Any]])] = []
        for name in names {
            let path = directory.appendingPathComponent(name).path
            let text = try Shell.run(name.hasSuffix(".gz") ? "gzip -dc \"$F\"" : "cat \"$F\"", environment: ["F": path], in: directory).output
            loaded.append((name, try text.split(separator: "\n").map { try #require(LiveRecording.object($0)) }))
        }
        loaded.sort { ($0.records.first.map(sequence) ?? 0) < ($1.records.first.map(sequence) ?? 0) }
        let ordered = loaded.map(\.name)
        let files = loaded.map(\.records)
        let rotated = ordered.filter { $0.hasSuffix(".gz") }.count
        #expect(rotated >= 2, "\(ordered)")
        let action = { (record: [String: Any]) in SchemaOutputTests.value(at: "event.action", in: record) as? String }
        var expected = 1
        for (index, (name, records)) in zip(ordered, files).enumerated() {
            for record in records {
                #expect(sequence(record) == expected, "\(name)")
                expected += 1
            }
            // A file the recording or its own rotation began starts with `start` (the one the SIGHUP
            // opened has no heads, as after logrotate); every file but the last ends with a seal.
            if index == 0 || ordered[index - 1] != base + ".moved" {
                #expect(records.first.flatMap(action) == "start", "\(name)")
            }
            if name != base { #expect(records.last.flatMap(action) == "seal", "\(name) ends \(records.last.map { "\($0)" } ?? "empty")") }
        }
        let stop = try #require(files.last?.last)
        #expect(action(stop) == "seal" || action(stop) == "stop")
    }
}
