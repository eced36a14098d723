import Foundation
@testable import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport
import Testing

/// The page's own script, style and markup, as the page carries them.
@Suite(.blocking) struct ReportPageResourcesTests {
    /// A small recording: every kind of bar (exit 0, non-zero, killed, running) and a fan-out.
    static func data() throws -> ReportData {
        var events: [Event] = [
            LifecycleEvents.exists(1, ppid: 0, start: 1, comm: "init", at: 1_000_000_000),
            LifecycleEvents.fork(10, ppid: 1, start: 100, comm: "bash", at: 1_100_000_000),
            LifecycleEvents.exec(10, ppid: 1, start: 100, argv: ["/bin/sh", "-c", "make <all> & \"more\""], at: 1_200_000_000),
            LifecycleEvents.fork(11, ppid: 10, start: 110, comm: "sh", at: 1_300_000_000),
            LifecycleEvents.exec(11, ppid: 10, start: 110, argv: ["/bin/false"], at: 1_310_000_000),
            LifecycleEvents.exit(11, ppid: 10, start: 110, status: WaitStatus(exitCode: 1), at: 1_400_000_000),
            LifecycleEvents.reap(11, start: 110, reaper: 10, at: 1_500_000_000),
            LifecycleEvents.fork(12, ppid: 10, start: 120, comm: "sh", at: 1_600_000_000),
            LifecycleEvents.exit(12, ppid: 10, start: 120, status: WaitStatus(signal: 9), at: 1_700_000_000),
            LifecycleEvents.reap(12, start: 120, reaper: 10, at: 1_700_000_500),
        ]
        for n in 0..<12 {
            let pid = Int32(200 + n), start = UInt64(2_000 + n), at = Int64(2_000_000_000 + n * 1_000_000)
            events.append(LifecycleEvents.fork(pid, ppid: 10, start: start, comm: "sh", at: at))
            events.append(LifecycleEvents.exec(pid, ppid: 10, start: start, argv: ["/bin/true"], at: at + 10_000))
            events.append(LifecycleEvents.exit(pid, ppid: 10, start: start, at: at + 500_000))
            events.append(LifecycleEvents.reap(pid, start: start, reaper: 10, at: at + 600_000))
        }
        var remaining = events[...]
        return try RecordingReport.build(ReportSelection()) { remaining.popFirst() }
    }

    /// Node's parser, by `node --check` (`make deps` installs nodejs): the exit status and what it said.
    static func nodeCheck(_ script: [UInt8]) throws -> (status: Int32, errors: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-js-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("report.js")
        try Data(script).write(to: file)
        let node = Process()
        node.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        node.arguments = ["node", "--check", file.path]
        let errors = Pipe()
        node.standardError = errors
        try node.run()
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        node.waitUntilExit()
        return (node.terminationStatus, String(decoding: said, as: UTF8.self))
    }

    /// What node prints running `program` (`node -e`).
    static func nodeOutput(_ program: String) throws -> String {
        let node = Process()
        node.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        node.arguments = ["node", "-e", program]
        let output = Pipe()
        node.standardOutput = output
        try node.run()
        let said = output.fileHandleForReading.readDataToEndOfFile()
        node.waitUntilExit()
        #expect(node.terminationStatus == 0)
        return String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The script's durationText, run by node as the page has it, writes what DurationText writes,
    /// and follows the steps it is given: changed steps (other units) change its text the same way.
    @Test func theScriptFormatsDurationsByTheSchemasSteps() throws {
        let script = String(decoding: ReportPage.script, as: UTF8.self)
        let start = try #require(script.range(of: "function durationText(ns) {")).lowerBound
        let end = try #require(script[start...].range(of: "\n}\n")).upperBound
        let samples: [UInt64] = [0, 999, 45_000, 999_999, 1_000_000, 12_345_678, 999_999_999, 2_500_000_000,
                                 59_999_999_999, 187_000_000_000, 3_599_999_999_999, 7_500_000_000_000, 90_000_000_000_000]
        let schema = String(decoding: ReportSchema.json(), as: UTF8.self)
        for (from, to) in [("", ""), ("µs", "us"), ("ms", "msec")] {
            let steps = from.isEmpty ? schema : schema.replacingOccurrences(of: "\"\(from)\"", with: "\"\(to)\"")
            let said = try Self.nodeOutput("const SCHEMA = \(steps);\n\(script[start..<end])\n"
                + "console.log(\(samples).map(durationText).join(\" \"));")
            let expected = samples.map { sample in
                let text = DurationText.format(nanoseconds: sample)
                return from.isEmpty || !text.hasSuffix(from) ? text : String(text.dropLast(from.count)) + to
            }
            #expect(said == expected.joined(separator: " "), "steps with \(from) as \(to)")
        }
    }

    /// The script as the page carries it parses as JavaScript (a strict-mode script: it says "use strict").
    @Test func theScriptIsJavaScriptNodeAccepts() throws {
        let (status, errors) = try Self.nodeCheck(ReportPage.script)
        #expect(status == 0, "node --check: \(errors)")
        #expect(ReportPage.script.starts(with: Array("\"use strict\";\n".utf8)))
    }

    /// The check itself tells broken JavaScript (a stray brace), and a strict-mode error, from good.
    @Test func nodeCheckRejectsBrokenScripts() throws {
        #expect(try Self.nodeCheck(ReportPage.script + Array("\n}\n".utf8)).status != 0)
        #expect(try Self.nodeCheck(Array("\"use strict\";\nlet a = 1; let a = 2;\n".utf8)).status != 0)
        #expect(try Self.nodeCheck(Array("\"use strict\";\nwith (Math) {}\n".utf8)).status != 0)
    }

    /// Each part is its file's bytes: the markup whole, the style and script without the file's last newline.
    @Test func thePartsAreTheFiles() throws {
        let directory = #filePath.components(separatedBy: "/Tests/")[0] + "/Sources/ProcTraceCore/Report/Page/"
        func file(_ name: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + name))) }
        #expect(ReportPage.markup == (try file("body.html")))
        #expect(ReportPage.style + [10] == (try file("report.css")))
        #expect(ReportPage.script + [10] == (try file("report.js")))
    }

    static let fixture = Fixtures.path("report-page.html")

    /// The page for this recording is the one recorded when its script, style and markup were
    /// Swift strings (f569cc4): moving them into files changed no byte. A deliberate change to
    /// the page re-records it: PROCTRACE_RECORD_FIXTURES=1 swift test --filter ReportPageResourcesTests
    @Test func thePageIsByteForByteTheRecordedOne() throws {
        let page = try ReportPage.html(try Self.data(), gzip: { try Gzip.compress($0, alongside: $1) }, nonce: "0123456789abcdef0123456789abcdef").array
        if ProcessInfo.processInfo.environment["PROCTRACE_RECORD_FIXTURES"] == "1" {
            try Data(page).write(to: URL(fileURLWithPath: Self.fixture))
        }
        let recorded = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture)))
        let firstDifference = (0..<min(page.count, recorded.count)).first { page[$0] != recorded[$0] } ?? min(page.count, recorded.count)
        let identical = page == recorded
        #expect(identical, """
            the page differs from \(Self.fixture) at byte \(firstDifference) of \(page.count) (recorded: \(recorded.count)): \
            \(String(decoding: page[max(0, firstDifference - 40)..<min(page.count, firstDifference + 40)], as: UTF8.self))
            """)
    }
}
