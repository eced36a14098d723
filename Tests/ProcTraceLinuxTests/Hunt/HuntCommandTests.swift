import Foundation
import Testing

/// `proctrace hunt` as a command: exit statuses, refusals on standard error, the two outputs.
@Suite(.blocking) struct HuntCommandTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/build.jsonl").path

    /// A directory with the given rule files.
    static func rules(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-rules-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    static func rule(_ title: String, _ selection: String, id: String = "11111111-2222-3333-4444-555555555555") -> String {
        """
        title: \(title)
        id: \(id)
        level: high
        tags: [attack.t1059]
        references: [https://example.org/r]
        logsource:
            category: process_creation
            product: linux
        detection:
            selection:
                \(selection)
            condition: selection
        """
    }

    @Test func aMatchIsExitStatusOneWithTheAlertAndItsAncestry() throws {
        let directory = try Self.rules(["cc.yml": Self.rule("Compiler with a space", "CommandLine|endswith: ' -c a b.c'")])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let json = try ReadCommandRun.run(["hunt", "--json", "--rules", directory, Self.fixture])
        #expect(json.exited([1]), "\(json.errorText)")
        let alerts = json.outputLines.compactMap { LiveRecording.object($0) }
        try #require(alerts.count == 1, "\(json.outputText)")
        #expect(alerts[0]["seq"] as? Int == 6 && alerts[0]["pid"] as? Int == 102 && alerts[0]["ppid"] as? Int == 101)
        #expect(alerts[0]["command_line"] as? String == "cc -c a b.c")
        #expect(alerts[0]["image"] as? String == "/usr/bin/cc")
        let rule = try #require(alerts[0]["rule"] as? [String: Any])
        #expect(rule["title"] as? String == "Compiler with a space" && rule["level"] as? String == "high")
        #expect(rule["tags"] as? [String] == ["attack.t1059"] && rule["references"] as? [String] == ["https://example.org/r"])
        let ancestry = try #require(alerts[0]["ancestry"] as? [[String: Any]])
        #expect(ancestry.map { $0["pid"] as? Int } == [101, 100, 1])
        #expect(ancestry.map { $0["image"] as? String } == ["/usr/bin/make", "/bin/bash", "/sbin/init"])
        #expect(json.errorText.contains("hunt: 1 rule loaded"), "\(json.errorText)")

        let text = try ReadCommandRun.run(["hunt", "--rules", directory, Self.fixture])
        #expect(text.exited([1]))
        #expect(text.outputText.hasPrefix("high  Compiler with a space  (11111111-2222-3333-4444-555555555555)\n  seq 6  2026-11-18T11:06:40.400000000Z\n  pid 102  /usr/bin/cc: cc -c a b.c\n    ← 101  /usr/bin/make: make -j2\n"), "\(text.outputText)")
    }

    @Test func noMatchIsExitStatusZeroAndRefusalsAreNamed() throws {
        let directory = try Self.rules([
            "none.yml": Self.rule("Nothing", "Image|endswith: '/nothing-here'"),
            "bad.yml": Self.rule("Hashes", "Hashes|contains: 'abc'"),
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try ReadCommandRun.run(["hunt", "--rules", directory, Self.fixture])
        #expect(run.exited([0]), "\(run.errorText)")
        #expect(run.output.isEmpty)
        #expect(run.errorText.contains("warning: \(directory)/bad.yml:11: field 'Hashes' has no proctrace equivalent"), "\(run.errorText)")
        #expect(run.errorText.contains("hunt: 1 rule loaded, 1 refused"), "\(run.errorText)")
    }

    @Test func unreadableRulesOrLogsAreExitStatusTwo() throws {
        let directory = try Self.rules(["bad.yml": "title: [unclosed\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let noRule = try ReadCommandRun.run(["hunt", "--rules", directory, Self.fixture])
        #expect(noRule.exited([2]), "\(noRule.errorText)")
        #expect(noRule.errorText.contains("no rule could be evaluated"), "\(noRule.errorText)")
        let missing = try ReadCommandRun.run(["hunt", "--rules", directory + "/missing", Self.fixture])
        #expect(missing.exited([2]), "\(missing.errorText)")
        let good = try Self.rules(["a.yml": Self.rule("A", "Image: x")])
        defer { try? FileManager.default.removeItem(atPath: good) }
        let missingLog = try ReadCommandRun.run(["hunt", "--rules", good, directory + "/no-such.jsonl"])
        #expect(missingLog.exited([2]), "\(missingLog.errorText)")
        let usage = try ReadCommandRun.run(["hunt", Self.fixture])
        #expect(usage.exited([64]), "\(usage.errorText)")
    }
}

extension HuntCommandTests {
    @Test func aFailedWriteIsExitStatusTwoNotAMatch() throws {
        let directory = try Self.rules(["cc.yml": Self.rule("Compiler", "Image|endswith: '/cc'")])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try ReadCommandRun.run(["hunt", "--rules", directory, Self.fixture], stdout: "/dev/full")
        #expect(run.exited([2]), "status \(run.status)")
        #expect(run.errorText.hasPrefix("Error: write(standard output): No space left on device\n"), "\(run.errorText)")
    }

    @Test func hostileTextInALogOrARuleReachesTheTerminalEscaped() throws {
        let directory = try Self.rules([
            // YAML's "\e" is ESC (a raw control character is not valid YAML: libyaml refuses it).
            "evil.yml": Self.rule(#""Evil \e[2J title""#, "CommandLine|contains: 'x'"),
            "bad\u{1b}[2J.yml": "title: [\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/log.jsonl"
        let lines = [
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"exists","pid":1,"ppid":0,"comm":"init","start_time":1,"state":"S","filename":"/sbin/init","argv":["\u001b]52;c;aGk=\u0007"],"argv_truncated":false}"#,
            #"{"seq":2,"time":"2026-11-18T11:06:41Z","event":"exec","pid":5,"ppid":1,"comm":"x","start_time":5,"filename":"/bin/x\u001b[2J","argv":["x\u001b[2J"],"argv_truncated":false}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let run = try ReadCommandRun.run(["hunt", "--rules", directory, log])
        #expect(run.exited([1]), "\(run.errorText)")
        #expect(!run.outputText.contains("\u{1b}") && !run.errorText.contains("\u{1b}"), "\(run.outputText.debugDescription) \(run.errorText.debugDescription)")
        #expect(run.outputText.contains("/bin/x\\e[2J: x\\e[2J"), "\(run.outputText)")
        #expect(run.outputText.hasPrefix("high  Evil \\e[2J title"), "\(run.outputText)")
        #expect(run.errorText.contains("bad\\e[2J.yml:2: not valid YAML"), "\(run.errorText)")
    }
}
