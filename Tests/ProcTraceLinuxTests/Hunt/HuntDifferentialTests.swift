import Foundation
import Testing

/// `proctrace hunt` against pySigma's SQLite backend on the same generated
/// events, every shared rule (scripts/sigma-differential.py says how).
/// `make deps` installs pySigma; in CI the test must run.
@Suite(.blocking, .enabled(if: PySigma.isInstalled || Privilege.inCI,
                "needs pySigma with its SQLite backend (make deps, or: pip install pysigma-backend-sqlite)"))
struct HuntDifferentialTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func huntAgreesWithPySigmaOnEveryRuleItConverts() throws {
        let (status, output, errors) = try LiveRecording.runCapturingErrors("/usr/bin/env", [
            "python3", Self.root.appendingPathComponent("scripts/sigma-differential.py").path,
            "--proctrace", Binaries.proctrace, "--rules", HuntRecordingTests.rules, "--events", "4000", "--seed", "29",
        ])
        print(output.split(separator: "\n").map { "@@report sigma differential: \($0)" }.joined(separator: "\n"))
        #expect(status == 0, "\(output)\n\(errors)")
        // Every shared rule converts, most of them match some events: the comparison is not vacuous.
        #expect(output.contains("rules: 122 converted by pySigma, 0 not"), "\(output)")
        #expect(output.contains("122 passed, 0 failed"), "\(output)")
        let matchedRules = output.components(separatedBy: " rules matched at least once").first?
            .split(separator: "(").last.flatMap { Int($0) } ?? 0
        #expect(matchedRules >= 110, "\(output)")
    }
}

enum PySigma {
    static var isInstalled: Bool {
        (try? LiveRecording.runCapturingErrors("/usr/bin/env", ["python3", "-c", "import sigma.backends.sqlite"]).0) == 0
    }
}
