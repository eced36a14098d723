import Foundation
import Testing

/// `make install` / `make uninstall`, the unit file, and its system call filter.
@Suite(.blocking, .serialized)
struct InstallTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static var hasSystemdAnalyze: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") }

    private func make(_ arguments: [String]) throws -> (Int32, String, String) {
        try LiveRecording.runCapturingErrors("/usr/bin/make", ["-C", Self.repository.path, "-s"] + arguments)
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-install-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    private func files(under root: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
               !isDirectory.boolValue { files.append(path) }
        }
        return files.sorted()
    }

    private func text(_ url: URL, _ path: String) -> String {
        (try? String(contentsOf: url.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }

    @Test func installPutsEveryFileUnderDestdirAndUninstallRemovesThem() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, _, errors) = try make(["install", "DESTDIR=\(root.path)", "BIN=\(Binaries.proctrace)"])
        #expect(status == 0, "\(errors)")
        #expect(files(under: root) == [
            "etc/logrotate.d/proctrace",
            "etc/proctrace/proctrace.toml",
            "usr/local/bin/proctrace",
            "usr/local/lib/systemd/system/proctrace.service",
            "usr/local/share/bash-completion/completions/proctrace",
            "usr/local/share/fish/vendor_completions.d/proctrace.fish",
            "usr/local/share/man/man1/proctrace.1",
            "usr/local/share/zsh/site-functions/_proctrace",
        ])
        #expect(FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("usr/local/bin/proctrace").path))
        let unit = text(root, "usr/local/lib/systemd/system/proctrace.service")
        #expect(unit.contains("ExecStart=/usr/local/bin/proctrace record --config /etc/proctrace/proctrace.toml\n"))
        #expect(!unit.contains("@BINDIR@") && !unit.contains("@SYSCONFDIR@"), "every placeholder replaced")
        let manual = text(root, "usr/local/share/man/man1/proctrace.1")
        #expect(manual.hasPrefix(".TH PROCTRACE 1"))
        for option in ["\\fB\\-\\-redact\\fR", "\\fB\\-\\-rotate\\-size\\fR", "proctrace config check"] {
            #expect(manual.contains(option.replacingOccurrences(of: "\\-", with: "-")) || manual.contains(option),
                    "man page documents \(option)")
        }
        #expect(text(root, "usr/local/share/bash-completion/completions/proctrace").contains("--rotate-keep"))
        #expect(text(root, "usr/local/share/zsh/site-functions/_proctrace").hasPrefix("#compdef proctrace"))
        #expect(text(root, "usr/local/share/fish/vendor_completions.d/proctrace.fish").contains("record"))
        #expect(text(root, "etc/logrotate.d/proctrace") == text(Self.repository, "dist/logrotate/proctrace"))

        // A configuration the admin changed survives install and uninstall.
        let config = root.appendingPathComponent("etc/proctrace/proctrace.toml")
        try "output = \"/srv/events.jsonl\"\n".write(to: config, atomically: true, encoding: .utf8)
        #expect(try make(["install", "DESTDIR=\(root.path)", "BIN=\(Binaries.proctrace)"]).0 == 0)
        #expect(text(root, "etc/proctrace/proctrace.toml") == "output = \"/srv/events.jsonl\"\n")
        let (uninstalled, output, _) = try make(["uninstall", "DESTDIR=\(root.path)"])
        #expect(uninstalled == 0)
        #expect(output.contains("kept"))
        #expect(files(under: root) == ["etc/proctrace/proctrace.toml"])

        // An unchanged one goes with the rest.
        try FileManager.default.removeItem(at: config)
        #expect(try make(["install", "DESTDIR=\(root.path)", "BIN=\(Binaries.proctrace)"]).0 == 0)
        #expect(try make(["uninstall", "DESTDIR=\(root.path)"]).0 == 0)
        #expect(files(under: root) == [])
    }

    /// What lintian's groff-message check runs (MANWIDTH 120), and the 80 columns of a terminal.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/man") || Privilege.inCI,
                   "needs man (apt install man-db)"))
    func manualFormatsWithoutGroffWarnings() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manual = directory.appendingPathComponent("proctrace.1").path
        let generator = Self.repository.appendingPathComponent("scripts/generate-manpage.py").path
        let (generated, _, generatorErrors) = try LiveRecording.runCapturingErrors(
            "/bin/sh", ["-c", "\"$0\" \"$1\" > \"$2\"", generator, Binaries.proctrace, manual])
        #expect(generated == 0, "\(generatorErrors)")
        for width in ["80", "120"] {
            let (status, _, warnings) = try LiveRecording.runCapturingErrors(
                "/bin/sh", ["-c", "man --warnings -E UTF-8 -l -Tutf8 -Z \"$0\" > /dev/null", manual],
                environment: ["LC_ALL": "C.UTF-8", "MANROFFSEQ": "", "MANWIDTH": width])
            #expect(status == 0)
            #expect(warnings.isEmpty, "at \(width) columns: \(warnings)")
        }
    }

    @Test(.enabled(if: hasSystemdAnalyze || Privilege.inCI, "needs systemd-analyze (make deps)"))
    func installedUnitVerifiesAndIsHardened() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // Installed with its real paths under root, so the unit's commands exist for verify.
        let (status, _, errors) = try make([
            "install", "PREFIX=\(root.path)/usr", "SYSCONFDIR=\(root.path)/etc", "BIN=\(Binaries.proctrace)",
        ])
        #expect(status == 0, "\(errors)")
        let unit = root.appendingPathComponent("usr/lib/systemd/system/proctrace.service").path
        let (verified, verifyOutput, verifyErrors) = try LiveRecording.runCapturingErrors(
            "/usr/bin/systemd-analyze", ["verify", "--man=no", unit])
        #expect(verified == 0, "\(verifyOutput)\(verifyErrors)")
        #expect(verifyErrors.isEmpty, "no warnings: \(verifyErrors)")
        // systemd's own exposure score (0 best, 10 worst): at most 2.0.
        let (secure, report, _) = try LiveRecording.runCapturingErrors(
            "/usr/bin/systemd-analyze", ["security", "--offline=true", "--threshold=20", unit])
        #expect(secure == 0, "\(report.split(separator: "\n").suffix(3).joined(separator: "\n"))")
        // The unit's own command validates the installed configuration.
        let (checked, checkOutput, checkErrors) = try LiveRecording.runCapturingErrors(
            root.appendingPathComponent("usr/bin/proctrace").path,
            ["config", "check", root.appendingPathComponent("etc/proctrace/proctrace.toml").path])
        #expect(checked == 0, "\(checkErrors)")
        #expect(checkOutput.contains("--output=/var/log/proctrace/events.jsonl --rotate-size=100M"))
    }

    @Test(.enabled(if: (Privilege.isRoot && Self.hasSystemdAnalyze) || Privilege.inCI,
                   "needs root, strace and systemd-analyze (sudo make deps)"))
    func systemCallFilterAllowsEveryCallRecordMakes() throws {
        let (status, output, errors) = try LiveRecording.runCapturingErrors(
            Self.repository.appendingPathComponent("scripts/check-syscall-filter.sh").path,
            [Self.repository.appendingPathComponent("dist/systemd/proctrace.service").path, Binaries.proctrace])
        #expect(status == 0, "\(output)\(errors)")
        #expect(output.contains("allows all"))
    }
}
