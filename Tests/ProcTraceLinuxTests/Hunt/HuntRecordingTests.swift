import Foundation
import Testing

/// `proctrace hunt` with the shared Sigma rules on a real recording: command
/// lines the rules look for, run under `proctrace record`, are found with
/// their ancestry; a parent's command line that a rule's filter names keeps
/// the same child quiet.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct HuntRecordingTests {
    static let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/sigma").path

    struct Hunted {
        var alerts: [[String: Any]]
        var run: ReadCommandRun
        /// The pid of each marked shell, by its mark.
        var directory: String
    }

    /// Records while /bin/sh runs `script` (in a fresh directory, given as $1), then hunts the log.
    static func hunt(_ script: String) throws -> Hunted {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-hunt-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("events.jsonl").path
        let recorder = try LiveRecording.startRecorder(log: log, arguments: ["--pid", "\(getpid())", "--descendants"])
        let (status, _) = try LiveRecording.run("/bin/sh", ["-c", script, "sh", directory.path])
        #expect(status == 0)
        usleep(300_000)
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        let run = try ReadCommandRun.run(["hunt", "--json", "--rules", rules, log])
        let alerts = run.outputLines.compactMap { LiveRecording.object($0) }
        return Hunted(alerts: alerts, run: run, directory: directory.path)
    }

    static func alerts(_ hunted: Hunted, rule id: String) -> [[String: Any]] {
        hunted.alerts.filter { ($0["rule"] as? [String: Any])?["id"] as? String == id }
    }

    @Test func aShellSpawnedByRsyncIsFoundWithItsAncestry() throws {
        // A copy of dash named rsync runs a shell: "Shell Execution via Rsync" looks at ParentImage.
        let hunted = try Self.hunt("""
            cp /bin/dash "$1/rsync" && "$1/rsync" -c 'sh -c "echo marker-rsync >/dev/null"; :'
            """)
        defer { try? FileManager.default.removeItem(atPath: hunted.directory) }
        #expect(hunted.run.status == 1, "\(hunted.run.errorText)")
        let found = Self.alerts(hunted, rule: "297241f3-8108-4b3a-8c15-2dda9f844594")
        try #require(found.count == 1, "\(hunted.alerts.map { ($0["rule"] as? [String: Any])?["title"] ?? "" })")
        let alert = found[0]
        #expect((alert["command_line"] as? String)?.hasSuffix("echo marker-rsync >/dev/null") == true)
        #expect((alert["image"] as? String)?.hasSuffix("/dash") == true)
        let ancestry = try #require(alert["ancestry"] as? [[String: Any]])
        // rsync (the copy), the shell that ran it, then this test process and its ancestors up to init.
        #expect(ancestry.first?["image"] as? String == hunted.directory + "/rsync")
        #expect((ancestry.first?["argv"] as? [String])?.first == hunted.directory + "/rsync")
        #expect(ancestry.dropFirst().first?["argv"] as? [String] == ["/bin/sh", "-c", Self.script(hunted), "sh", hunted.directory])
        #expect(ancestry.contains { $0["pid"] as? Int == Int(getpid()) })
        #expect(ancestry.last?["pid"] as? Int == 1 || ancestry.last?["in_recording"] as? Bool == false)
        #expect(alert["seq"] as? Int != nil && alert["pid"] as? Int != nil && alert["time"] as? String != nil)
    }

    private static func script(_ hunted: Hunted) -> String {
        """
        cp /bin/dash "$1/rsync" && "$1/rsync" -c 'sh -c "echo marker-rsync >/dev/null"; :'
        """
    }

    @Test func aRulesFilterOnTheParentCommandLineIsTheParentsAtTheExec() throws {
        // "Chmod Targeting Sensitive Directories" ignores a chmod whose parent is a dpkg postinst script.
        let hunted = try Self.hunt("""
            sh -c 'chmod 644 "$0/plain"; :' "$1/tmp/"
            sh -c 'chmod 644 "$0/quiet"; : /var/lib/dpkg/info/x.postinst configure' "$1/etc/"
            """)
        defer { try? FileManager.default.removeItem(atPath: hunted.directory) }
        let found = Self.alerts(hunted, rule: "6419afd1-3742-47a5-a7e6-b50386cd15f8")
        let lines = found.compactMap { $0["command_line"] as? String }
        // Both chmods were recorded: the second is quiet because of its parent, not because it was missed.
        let log = try String(contentsOfFile: hunted.directory + "/events.jsonl", encoding: .utf8)
        #expect(log.contains("\"argv\":[\"chmod\",\"644\",\"\(hunted.directory)/etc//quiet\"]"))
        #expect(lines.contains { $0.hasSuffix("/tmp//plain") }, "\(lines)")
        #expect(!lines.contains { $0.hasSuffix("/etc//quiet") }, "\(lines)")
        let plain = try #require(found.first { ($0["command_line"] as? String)?.hasSuffix("/plain") == true })
        let parent = try #require((plain["ancestry"] as? [[String: Any]])?.first)
        #expect(parent["argv"] as? [String] == ["sh", "-c", "chmod 644 \"$0/plain\"; :", hunted.directory + "/tmp/"])
        #expect(hunted.run.status == 1)
    }
}
