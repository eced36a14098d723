import Foundation
import Testing

/// `report` encodes each record as it reads it: its memory follows the
/// processes drawn, not the records read (issue 27).
@Suite(.blocking)
struct ReportScaleTests {
    /// 200,000 records (the fixture build repeated by scripts/repeat-recording.py,
    /// as `make bench` makes its million): 124 MiB peak RSS when every event
    /// was kept until the end (debug build), 53 MiB encoding them as read, 43 MiB
    /// with each row's file and arguments interned as read and the columns
    /// compressed where they are (not copied into one buffer first).
    @Test func twoHundredThousandRecordsFitInFortyEightMebibytes() throws {
        let root = #filePath.components(separatedBy: "/Tests/")[0]
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = """
            set -e
            cd \(directory.path)
            python3 \(root)/scripts/repeat-recording.py \(root)/Tests/Fixtures/build.jsonl 200000 big.jsonl > /dev/null
            python3 -c 'import resource, subprocess, sys
            subprocess.run(sys.argv[1:], check=True)
            print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \(Binaries.proctrace) report big.jsonl -o big.html
            """
        let run = try Shell.run(script, in: directory)
        #expect(run.status == 0, "\(run.errors)")
        let peakKiB = try #require(Int(run.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(run.output)")
        #expect(peakKiB <= 48 * 1024, "peak RSS \(peakKiB) KiB")
        let page = try String(contentsOf: directory.appendingPathComponent("big.html"), encoding: .utf8)
        #expect(page.contains("id=\"report-records\""))
    }
}
