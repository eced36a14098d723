import Foundation
import Testing

/// SIGHUP reopens the log (logrotate's convention) instead of ending `record`.
@Suite(.blocking)
struct HangupSignalTests {
    /// The test runner may ignore SIGHUP, and an ignored signal stays ignored
    /// across exec: record starts with the default action, as under systemd.
    static let defaultHangup = ["/usr/bin/env", "--default-signal=HUP"]

    @Test func hangupReopensTheLogAndRecordingGoesOn() throws {
        let recorder = try RunningRecorder(arguments: ["--backend", "netlink"], launcher: Self.defaultHangup)
        try #require(recorder.started, "\(recorder.standardError)")
        let moved = recorder.directory.appendingPathComponent("events.jsonl.1")
        #expect(rename(recorder.log.path, moved.path) == 0)
        kill(recorder.pid, SIGHUP)
        // The new file appears as soon as records come.
        _ = try LiveRecording.run("/bin/true", [])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, recorder.process.isRunning, recorder.logText.isEmpty {
            _ = try LiveRecording.run("/bin/true", [])
            usleep(100_000)
        }
        #expect(recorder.process.isRunning, "SIGHUP did not end record: \(recorder.standardError)")
        #expect(!recorder.logText.isEmpty, "records go to the file now at the log's path")
        let status = recorder.stop(SIGTERM)
        #expect(recorder.process.terminationReason == .exit && status == 0, "\(status) \(recorder.standardError)")
        let text = (try String(contentsOf: moved, encoding: .utf8)) + recorder.logText
        let records = text.split(separator: "\n").compactMap {
            LiveRecording.object($0)
        }
        #expect(records.last?["event"] as? String == "stop", "a graceful stop after the reopen")
        let seqs = records.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...max(seqs.count, 1)), "no record lost or doubled across the reopen")
    }

    /// With no log file to reopen and a terminal, a hang-up is the terminal going away: a graceful stop.
    @Test func hangupOfTheTerminalStopsGracefully() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = Date()
        // script(1) gives record a pseudo-terminal for standard output.
        let result = try Shell.run("""
            /usr/bin/script -qfec "/usr/bin/env --default-signal=HUP $PROCTRACE record --config /dev/null --backend netlink --duration 20; echo status \\$?" "$D/typescript" >/dev/null </dev/null &
            until grep -q '"event":"start"' "$D/typescript" 2>/dev/null; do sleep 0.02; done
            kill -HUP "$(pgrep -P "$(pgrep -P $!)")"  # script → sh → record
            wait
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let typescript = (try? String(contentsOf: directory.appendingPathComponent("typescript"), encoding: .utf8)) ?? ""
        #expect(typescript.contains("status 0"), "\(typescript.suffix(300)) \(result.errors)")
        #expect(typescript.contains("\"event\":\"stop\""))
        #expect(Date().timeIntervalSince(started) < 10, "the hang-up stopped it, not --duration")
    }

    /// With no log file and no terminal (a unit with network outputs only, which a logrotate stanza may
    /// still signal), there is nothing to reopen and nothing to stop for.
    @Test func hangupWithoutALogFileOrATerminalIsIgnored() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            /usr/bin/env --default-signal=HUP "$PROCTRACE" record --config /dev/null --backend netlink \\
                --duration 20 > "$D/out.jsonl" 2>"$D/record.err" & P=$!
            until grep -q '"event":"start"' "$D/out.jsonl" 2>/dev/null; do sleep 0.02; done
            kill -HUP $P; sleep 0.5
            kill -0 $P && echo "still recording"
            kill -TERM $P; wait $P; echo "status $?"
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        #expect(result.output.contains("still recording"), "\(result.output) \(result.errors)")
        #expect(result.output.contains("status 0"), "\(result.output) \(result.errors)")
        let out = try String(contentsOf: directory.appendingPathComponent("out.jsonl"), encoding: .utf8)
        #expect(out.split(separator: "\n").last?.contains("\"event\":\"stop\"") == true)
    }
}
