import Foundation
import Testing

/// Issue 30: seals travel with the records, so what a collector holds verifies
/// too. One sealed recording sent to a real systemd-journald (in a private
/// mount namespace, as JournalOutputTests starts it) and to Debian's rsyslog;
/// the lines each collector kept verify with the verification key, and a line
/// dropped from them is caught.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct SealedCollectorTests {
    struct Collected {
        let directory: URL
        var journalLines: URL { directory.appendingPathComponent("journal.jsonl") }
        var syslogLines: URL { directory.appendingPathComponent("syslog.jsonl") }
        var key: URL { directory.appendingPathComponent("vkey") }
    }

    static let collected: Result<Collected, Error> = Result { try record() }

    static func record() throws -> Collected {
        let directory = try Shell.temporaryDirectory()
        let script = SyslogOutputTests.rsyslog + """
            J=""
            trap 'for x in $P $R $J; do kill -KILL $x 2>/dev/null; done; true' EXIT
            mount -t tmpfs tmpfs /run/systemd
            mkdir -p /run/log && mount -t tmpfs tmpfs /run/log
            mkdir -p /var/log/journal "$D/journal" && mount --bind "$D/journal" /var/log/journal
            mkdir -p /run/systemd/journal
            /lib/systemd/systemd-journald & J=$!
            for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
            start_rsyslog
            mkdir -m 700 "$D/state"
            "$PROCTRACE" seal init --key-file "$D/state/seal.key" --interval 1s > "$D/vkey"
            "$PROCTRACE" record --config /dev/null -o journal -o "syslog+tcp://127.0.0.1:$PORT" \\
                -o "$D/events.jsonl" --seal-key "$D/state/seal.key" 2>"$D/record.err" & P=$!
            # Started when its start line is written (journald, rsyslog and BPF loading: 30 s on a loaded machine).
            n=0
            until grep -q '"event":"start"' "$D/events.jsonl" 2>/dev/null; do
                kill -0 $P 2>/dev/null && [ $n -lt 600 ] || { echo "record did not start" >&2; exit 1; }
                sleep 0.05; n=$((n+1))
            done
            for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do storm 10; sleep 0.1; done
            n=0
            until grep -q '"trigger":"interval"' "$D/events.jsonl" || [ $n -ge 100 ]; do sleep 0.1; n=$((n+1)); done
            kill -TERM $P; wait $P || echo "record exited $?" >&2; P=""
            sleep 1
            stop_rsyslog
            journalctl --flush
            journalctl -a -D "$D/journal" -o cat SYSLOG_IDENTIFIER=proctrace > "$D/journal.jsonl"
            kill $J; wait $J || true; J=""
            """
        let result = try Shell.run(
            "exec unshare -m --propagation private sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' sh \"$D\"",
            environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        guard result.status == 0, !result.errors.contains("record exited") else {
            throw RecordingError.recorderDidNotStart("\(result.errors) \(errors)")
        }
        let received = try SyslogOutputTests.receivedLines(directory)
        try (received.joined(separator: "\n") + "\n").write(
            to: directory.appendingPathComponent("syslog.jsonl"), atomically: true, encoding: .utf8)
        return Collected(directory: directory)
    }

    static func verify(_ collected: Collected, _ file: URL) throws -> Shell.Result {
        try Shell.run("\"$PROCTRACE\" verify --key \"$K\" \"$F\"",
                      environment: ["PROCTRACE": Binaries.proctrace, "K": collected.key.path, "F": file.path],
                      in: collected.directory)
    }

    /// The collector's lines with the first `exec` line after its second seal removed.
    static func withALineDropped(_ file: URL) throws -> URL {
        var lines = try SyslogOutputTests.lines(file)
        let seals = lines.indices.filter { lines[$0].contains("\"event\":\"seal\"") }
        let victim = try #require(lines.indices.first { $0 > seals[min(1, seals.count - 1)] && lines[$0].contains("\"event\":\"exec\"") })
        lines.remove(at: victim)
        let copy = file.deletingPathExtension().appendingPathExtension("dropped.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: copy, atomically: true, encoding: .utf8)
        return copy
    }

    @Test(arguments: ["journal", "syslog"])
    func whatTheCollectorKeptVerifies(collector: String) throws {
        let collected = try Self.collected.get()
        let file = collector == "journal" ? collected.journalLines : collected.syslogLines
        let lines = try SyslogOutputTests.lines(file)
        let fileLines = try SyslogOutputTests.lines(collected.directory.appendingPathComponent("events.jsonl"))
        #expect(lines == fileLines, "\(collector) kept the file's lines, in order (\(lines.count) of \(fileLines.count))")
        #expect(lines.filter { $0.contains("\"event\":\"seal\"") }.count >= 2, "an interval seal and the stop's")

        let intact = try Self.verify(collected, file)
        #expect(intact.status == 0, "\(intact.output) \(intact.errors)")
        let broken = try Self.verify(collected, try Self.withALineDropped(file))
        #expect(broken.status != 0, "a dropped line is caught: \(broken.output)")
    }
}
