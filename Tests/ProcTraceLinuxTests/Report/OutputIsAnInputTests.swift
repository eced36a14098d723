import Foundation
import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// A command that writes a file refuses one that is among what it reads:
/// `report e.jsonl -o e.jsonl` replaced the recording with the page (exit 0).
@Suite(.blocking)
struct OutputIsAnInputTests {
    @Test func reportRefusesToWriteOverALogItReads() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("e.jsonl").path
        let text = Data(EventSamples.logText([EventSamples.start()]))
        #expect(FileManager.default.createFile(atPath: log, contents: text))
        let linked = directory.appendingPathComponent("link.html").path
        #expect(symlink(log, linked) == 0)
        let hard = directory.appendingPathComponent("hard.html").path
        #expect(link(log, hard) == 0)
        let other = directory.appendingPathComponent("other.jsonl").path
        #expect(FileManager.default.createFile(atPath: other, contents: text))
        for (target, files) in [(log, [log]), (log, [other, log]), (linked, [log]), (hard, [log]), (log + ".tmp", [log + ".tmp"])] {
            if target.hasSuffix(".tmp") {
                #expect(FileManager.default.createFile(atPath: target, contents: text))
            }
            let run = try ReadCommandRun.run(["report"] + files + ["-o", target.replacingOccurrences(of: ".tmp", with: "")])
            #expect(run.exited([1]), "\(files) -o \(target): status \(run.status)")
            #expect(run.errorText.contains("refusing to write the report to "), "\(run.errorText)")
            #expect(run.errorText.contains("which it would replace; choose another -o"), "\(run.errorText)")
            #expect(run.errorText.split(separator: "\n").count == 1, "one line: \(run.errorText)")
            #expect(FileManager.default.contents(atPath: files.last!) == text, "the log is unchanged")
        }
        let fine = try ReadCommandRun.run(["report", log, "-o", directory.appendingPathComponent("r.html").path])
        #expect(fine.exited([0]), "\(fine.errorText)")
    }

    @Test func recordRefusesToAppendToItsConfigurationFile() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("proctrace.toml").path
        let text = Data("backend = \"netlink\"\n".utf8)
        #expect(FileManager.default.createFile(atPath: config, contents: text, attributes: [.posixPermissions: 0o600]))
        let run = try ReadCommandRun.run(["record", "--config", config, "--output", config, "--duration", "0.2"])
        #expect(run.exited([1]), "status \(run.status) \(run.errorText)")
        #expect(run.errorText == "proctrace: refusing --output \(config): it is the configuration file \(config), "
                + "which the records would be appended to; choose another --output\n", "\(run.errorText)")
        #expect(FileManager.default.contents(atPath: config) == text, "the configuration is unchanged")
    }
}
