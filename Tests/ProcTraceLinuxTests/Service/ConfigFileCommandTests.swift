import Foundation
import Testing

/// The configuration file through the command line: `config check`, and
/// `record --config` (the command line wins).
@Suite(.blocking) struct ConfigFileCommandTests {
    private func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-\(UUID()).toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func checkListsEveryProblemWithItsLine() throws {
        let file = try write("""
            # proctrace
            output = "/var/log/proctrace/events.jsonl"
            rotate_size = "100M"
            rotate_keep = 10
            compress = true
            backend = "auto"
            rotate_sise = "10M"
            threads = maybe
            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output, errors) = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["config", "check", file.path])
        #expect(status == 1)
        #expect(output.isEmpty)
        #expect(errors == """
            \(file.path):7: unknown key 'rotate_sise' (did you mean 'rotate_size'?)
            \(file.path):8: 'maybe' is not a value: quote strings ("maybe")

            """)
    }

    @Test func checkReportsSettingsThatConflict() throws {
        let file = try write("compress = true\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, _, errors) = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["config", "check", file.path])
        #expect(status == 1)
        #expect(errors.hasPrefix("\(file.path): --compress applies to rotated files"))
    }

    @Test func recordRefusesABadFileBeforeTracing() throws {
        let file = try write("output = 5\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, _, errors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", file.path, "--duration", "1"])
        #expect(status == 1)
        #expect(errors == "\(file.path):1: 'output' must be a non-empty string or an array of them, not an integer\n")
    }

    @Test func recordRefusesAConfigurationFileItCannotRead() throws {
        let (status, _, errors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/nonexistent/proctrace.toml"])
        #expect(status == 1)
        #expect(errors == "proctrace: cannot read the configuration file /nonexistent/proctrace.toml: No such file or directory\n")
    }

    @Test(.enabled(if: Privilege.canTrace, Privilege.skipReason))
    func recordTakesTheFileAndTheCommandLineWins() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fromFile = directory.appendingPathComponent("file.jsonl").path
        let fromCommandLine = directory.appendingPathComponent("cli.jsonl").path
        let file = try write("output = \"\(fromFile)\"\nduration = 0.5\nevent = \"exec\"\n")
        defer { try? FileManager.default.removeItem(at: file) }

        let (status, _, errors) = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["record", "--config", file.path])
        #expect(status == 0, "\(errors)")
        let fileLog = try String(contentsOfFile: fromFile, encoding: .utf8)
        #expect(fileLog.contains("\"event\":\"stop\""))
        #expect(!fileLog.contains("\"event\":\"exists\""), "the file's event filter applied")

        let (overridden, _, overrideErrors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", file.path, "-o", fromCommandLine, "--event", "exists,exec"])
        #expect(overridden == 0, "\(overrideErrors)")
        let commandLineLog = try String(contentsOfFile: fromCommandLine, encoding: .utf8)
        #expect(commandLineLog.contains("\"event\":\"exists\""))
        #expect(commandLineLog.contains("\"event\":\"stop\""), "the file's duration still applied")
    }
}
