import Foundation
import Testing

/// `record --rules` with the shared Sigma rules: command lines they look
/// for, run under a real recorder, are followed in the log by their `alert`
/// (with the ancestry at the exec); a flood of execs with rules on loses no
/// record, and every exec not reviewed is counted.
@Suite(.enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct LiveAlertTests {
    static let rules = HuntRecordingTests.rules

    struct Recorded {
        var lines: [String]
        var records: [[String: Any]]
        var errors: String
        var directory: String
    }

    /// Records this process's descendants with the shared rules while /bin/sh runs `script` ($1: a fresh directory).
    static func record(_ script: String, extra: [String] = []) throws -> Recorded {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-alert-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("events.jsonl").path
        let errors = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--output", log, "--rules", rules,
                              "--pid", "\(getpid())", "--descendants"] + extra
        recorder.standardError = try FileHandle(forWritingTo: errors)
        try recorder.run()
        let deadline = Date().addingTimeInterval(90)
        while (try? String(contentsOfFile: log, encoding: .utf8))?.contains("\"event\":\"start\"") != true {
            guard recorder.isRunning, Date() < deadline else {
                throw RecordingError.recorderDidNotStart((try? String(contentsOf: errors, encoding: .utf8)) ?? "")
            }
            usleep(20_000)
        }
        let (status, _) = try LiveRecording.run("/bin/sh", ["-c", script, "sh", directory.path])
        #expect(status == 0)
        usleep(300_000)
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        return Recorded(lines: lines, records: lines.map { LiveRecording.object($0) ?? [:] },
                        errors: (try? String(contentsOf: errors, encoding: .utf8)) ?? "", directory: directory.path)
    }

    static func alerts(_ recorded: Recorded, rule id: String) -> [(index: Int, record: [String: Any])] {
        recorded.records.enumerated().filter { $0.element["event"] as? String == "alert" && $0.element["rule_id"] as? String == id }
            .map { ($0.offset, $0.element) }
    }

    @Test func aBase64DecodePipedToAShellIsFollowedByItsAlertsWithTheAncestry() throws {
        let script = "echo ZWNobyBsaXZlLWFsZXJ0Cg== | base64 -d | sh"
        let recorded = try Self.record(script)
        defer { try? FileManager.default.removeItem(atPath: recorded.directory) }
        #expect(recorded.errors.contains("rules loaded"), "\(recorded.errors)")
        // "Decode Base64 Encoded Text": Image ends with /base64, CommandLine contains -d.
        let decode = Self.alerts(recorded, rule: "e2072cab-8c9a-459b-b63c-40ae79e27031")
        try #require(decode.count == 1, "\(recorded.records.filter { $0["event"] as? String == "alert" })")
        let (index, alert) = decode[0]
        let exec = recorded.records[index - 1]
        #expect(exec["event"] as? String == "exec", "the alert follows its exec")
        #expect(exec["argv"] as? [String] == ["base64", "-d"])
        #expect(alert["exec_seq"] as? Int == exec["seq"] as? Int)
        #expect(alert["seq"] as? Int == (exec["seq"] as? Int).map { $0 + 1 })
        #expect(alert["pid"] as? Int == exec["pid"] as? Int && alert["start_time"] as? Int == exec["start_time"] as? Int)
        #expect(alert["title"] as? String == "Decode Base64 Encoded Text" && alert["level"] as? String == "low")
        #expect((alert["tags"] as? [String])?.contains("attack.t1027") == true)
        let ancestry = try #require(alert["ancestry"] as? [[String: Any]])
        #expect(ancestry.first?["argv"] as? [String] == ["/bin/sh", "-c", script, "sh", recorded.directory])
        #expect(ancestry.contains { $0["pid"] as? Int == Int(getpid()) && $0["in_recording"] as? Bool == true })
        #expect(ancestry.last?["pid"] as? Int == 1 || ancestry.last?["in_recording"] as? Bool == false)
        // "Linux Base64 Encoded Pipe to Shell" matches the shell's own command line.
        let pipe = Self.alerts(recorded, rule: "ba592c6d-6888-43c3-b8c6-689b8fe47337")
        try #require(pipe.count == 1)
        let shell = recorded.records[pipe[0].index - 1]
        #expect(shell["argv"] as? [String] == ["/bin/sh", "-c", script, "sh", recorded.directory])
        // Names for the uids, each once, before the first exec under it.
        let users = recorded.records.filter { $0["event"] as? String == "user" }
        #expect(users.contains { $0["uid"] as? Int == 0 && $0["name"] as? String == "root" }, "\(users)")
        #expect(Set(users.compactMap { $0["uid"] as? Int }).count == users.count)
        let stop = try #require(recorded.records.last { $0["event"] as? String == "stop" })
        #expect(stop["lost"] as? Int == 0)
    }

    @Test func aFloodOfExecsWithRulesOnLosesNothingAndCountsWhatWasNotReviewed() throws {
        // Every `base64 -d` is one the rules match: each has its alert, or is counted as not reviewed.
        let count = 3000
        let recorded = try Self.record("i=0; while [ $i -lt \(count) ]; do base64 -d </dev/null; i=$((i+1)); done")
        defer { try? FileManager.default.removeItem(atPath: recorded.directory) }
        let stop = try #require(recorded.records.last { $0["event"] as? String == "stop" })
        #expect(stop["lost"] as? Int == 0 && stop["unwritten"] as? Int == 0)
        let execs = recorded.records.indices.filter {
            recorded.records[$0]["event"] as? String == "exec" && recorded.records[$0]["argv"] as? [String] == ["base64", "-d"]
        }
        #expect(execs.count == count, "every exec is in the log")
        let alerted = execs.filter { index in
            index + 1 < recorded.records.count && recorded.records[index + 1]["event"] as? String == "alert"
                && recorded.records[index + 1]["rule_id"] as? String == "e2072cab-8c9a-459b-b63c-40ae79e27031"
        }
        let skipped = ((stop["review_skipped"] as? [String]) ?? []).compactMap { Int($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
        #expect(alerted.count + skipped >= count, "alerted \(alerted.count), skipped \(skipped)")
        #expect(alerted.count > 0)
        let allAlerts = Self.alerts(recorded, rule: "e2072cab-8c9a-459b-b63c-40ae79e27031")
        #expect(allAlerts.count == alerted.count, "no alert anywhere but right after its exec")
        let seqs = recorded.records.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(seqs.first!...seqs.last!), "no gap in the numbering")
    }
}
