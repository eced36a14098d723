import Foundation
import Testing

/// `record --rules` with the shared Sigma rules: command lines they look
/// for, run under a real recorder, are followed in the log by their `alert`
/// (with the ancestry at the exec); a flood of execs with rules on loses no
/// record, and every exec not reviewed is counted.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
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

    /// A storm (`.storm`): the shell execs as fast as it can, and its recorder takes the whole machine's
    /// records into the ring before it filters them. Beside another storm (in CI: 383 of 3,000 execs lost)
    /// the two recorders starve each other of CPU, which says nothing about the rules.
    @Test(.storm) func aFloodOfExecsWithRulesOnLosesNothingAndCountsWhatWasNotReviewed() throws {
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

    @Test func theMetricsCountAlertsPerRuleAndLevel() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            set -e
            P=""; W=""
            trap 'for x in $P $W; do kill -KILL $x 2>/dev/null; done; true' EXIT
            MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
            mkfifo "$D/go"
            sh -c 'read x < "$1"; for i in 1 2 3; do base64 -d </dev/null; done; read x < "$1"' sh "$D/go" & W=$!
            "$PROCTRACE" record --config /dev/null -o "$D/events.jsonl" --pid $W --descendants --rules "$RULES" \\
                --metrics-listen 127.0.0.1:$MPORT 2>"$D/record.err" & P=$!
            for i in $(seq 400); do grep -q '"event":"start"' "$D/events.jsonl" 2>/dev/null && break; sleep 0.05; done
            # Each step that can block says so first: a hang (status 124) then names where it stood.
            echo "step: first go" >&2; echo go > "$D/go"
            for i in $(seq 100); do
                [ "$(grep -c '"event":"alert"' "$D/events.jsonl" || true)" -ge 3 ] && break; sleep 0.1
            done
            sleep 0.3
            # The server starts after the snapshot, a moment after the start record.
            echo "step: metrics" >&2
            for i in $(seq 100); do curl -sf -m 5 "http://127.0.0.1:$MPORT/metrics" > "$D/metrics.txt" && break; sleep 0.1; done
            echo "step: second go" >&2; echo go > "$D/go"
            echo "step: stop" >&2; kill -INT $P; wait $P || echo "record exited $?" >&2; P=""; W=""
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace, "RULES": Self.rules], in: directory)
        #expect(result.status == 0, "\(result.errors) record: \(TLSSyslogOutputTests.text(directory, "record.err"))")
        let metrics = (try? String(contentsOf: directory.appendingPathComponent("metrics.txt"), encoding: .utf8)) ?? ""
        #expect(metrics.contains("proctrace_alerts_total{rule=\"e2072cab-8c9a-459b-b63c-40ae79e27031\",level=\"low\"} 3\n"),
                "\(metrics)")
        #expect(metrics.contains("proctrace_alerts_by_level_total{level=\"low\"} 3\n"), "\(metrics)")
        #expect(metrics.contains("proctrace_reviews_skipped_total{reason=\"queue_full\"} 0\n"), "\(metrics)")
        #expect(metrics.contains("proctrace_records_awaiting_review "), "\(metrics)")
    }

    @Test func sealingCoversTheAlertLines() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            set -e
            mkdir -m 700 "$D/state"
            "$PROCTRACE" seal init --key-file "$D/state/seal.key" --interval 1h > "$D/vkey"
            mkfifo "$D/go"
            sh -c 'read x < "$1"; base64 -d </dev/null; read x < "$1"' sh "$D/go" & W=$!
            "$PROCTRACE" record --config /dev/null -o "$D/events.jsonl" --pid $W --descendants --rules "$RULES" \\
                --seal-key "$D/state/seal.key" 2>"$D/record.err" & P=$!
            for i in $(seq 400); do grep -q '"event":"start"' "$D/events.jsonl" 2>/dev/null && break; sleep 0.05; done
            echo go > "$D/go"
            for i in $(seq 100); do grep -q '"event":"alert"' "$D/events.jsonl" && break; sleep 0.1; done
            echo go > "$D/go"
            kill -INT $P; wait $P
            "$PROCTRACE" verify --ended --key "$D/vkey" "$D/events.jsonl" > "$D/verify.txt" 2>&1; echo "verified $?"
            sed 's/"title":"Decode Base64 Encoded Text"/"title":"Nothing to see"/' "$D/events.jsonl" > "$D/tampered.jsonl"
            "$PROCTRACE" verify --ended --key "$D/vkey" "$D/tampered.jsonl" > "$D/tampered.txt" 2>&1 || echo "tampered $?"
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace, "RULES": Self.rules], in: directory)
        let log = (try? String(contentsOf: directory.appendingPathComponent("events.jsonl"), encoding: .utf8)) ?? ""
        #expect(log.contains("\"title\":\"Decode Base64 Encoded Text\""), "\(result.errors)")
        let verified = (try? String(contentsOf: directory.appendingPathComponent("verify.txt"), encoding: .utf8)) ?? ""
        #expect(result.output.contains("verified 0"), "\(verified) \(result.errors)")
        #expect(result.output.contains("tampered ") && !result.output.contains("tampered 0"), "an altered alert fails the seal: \(result.output)")
    }
}

