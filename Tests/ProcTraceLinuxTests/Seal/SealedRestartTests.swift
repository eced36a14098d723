import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// Recordings one after another into one file, chained through the key state.
@Suite(.blocking)
struct SealedRestartTests {
    /// A restart within the key's interval uses the next interval's key early
    /// (the stop erased its own): the chain and the dates still verify. Then a
    /// recorder killed with SIGKILL: the next run chains to its last seal, and
    /// verify names where the killed one's records stop being proven.
    @Test func restartsChainAndAKilledRecorderIsABreak() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            set -e
            mkdir -m 700 "$D/state"
            # A recording before sealing began, in the same file (the packaged service's log before seal init).
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" --duration 0.3 2>>"$D/record.err"
            "$PROCTRACE" seal init --key-file "$D/state/seal.key" --interval 1h > "$D/vkey"
            for run in 1 2; do
                "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" --seal-key "$D/state/seal.key" \\
                    --duration 0.5 2>>"$D/record.err"
            done
            "$PROCTRACE" verify --ended --key "$D/vkey" "$D/events.jsonl" > "$D/clean.out" || echo "clean verify failed"
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" --seal-key "$D/state/seal.key" \\
                2>>"$D/record.err" & P=$!
            until [ "$(grep -c '"event":"start"' "$D/events.jsonl")" = 4 ]; do sleep 0.02; done
            sleep 0.3; kill -KILL $P; wait $P || true
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" --seal-key "$D/state/seal.key" \\
                --duration 0.5 2>>"$D/record.err"
            "$PROCTRACE" verify --ended --key "$D/vkey" "$D/events.jsonl" > "$D/killed.out" && echo "killed verify passed"
            echo done
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let read = { (name: String) in (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        #expect(result.output.hasSuffix("done\n"), "\(result.output) \(result.errors) \(read("record.err"))")
        #expect(!result.output.contains("clean verify failed"), "\(read("clean.out"))")
        #expect(read("clean.out").contains(": intact ("), "\(read("clean.out"))")
        #expect(read("clean.out").contains("come before sealing began"), "\(read("clean.out"))")
        #expect(!result.output.contains("killed verify passed"), "\(read("killed.out"))")
        #expect(read("killed.out").contains("a new recording starts here, but the one before did not end with stop and its seal"),
                "\(read("killed.out"))")
        // Every run's first seal chains to the run before (the key state carries the last MAC).
        let seals = read("events.jsonl").split(separator: "\n").filter { $0.contains("\"event\":\"seal\"") }
            .compactMap { LiveRecording.object($0) }
        #expect(seals.count == 3, "one per clean stop; the killed run made none")
        #expect(seals.first?["prev_mac"] is NSNull)
        for (previous, seal) in zip(seals, seals.dropFirst()) {
            #expect(seal["prev_mac"] as? String == previous["mac"] as? String)
        }
    }
}

/// Seals are records: a network output's spool carries the same lines, seals
/// included, so what a collector receives verifies on its own.
@Suite(.blocking)
struct SealedOutputsTests {
    @Test func theSpoolOfANetworkOutputVerifies() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            set -e
            mkdir -m 700 "$D/state" "$D/spool"
            "$PROCTRACE" seal init --key-file "$D/state/seal.key" --interval 1s > "$D/vkey"
            # Nothing listens on port 1: every record waits in the spool.
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" -o syslog+tcp://127.0.0.1:1 \\
                --spool "$D/spool" --seal-key "$D/state/seal.key" --duration 2.5 2>"$D/record.err" || true
            cat $(find "$D/spool" -name '*.spool' | sort) > "$D/spooled.jsonl"
            "$PROCTRACE" verify --ended --key "$D/vkey" "$D/spooled.jsonl" && echo "spool verified"
            cmp "$D/spooled.jsonl" "$D/events.jsonl" && echo "same lines"
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        #expect(result.output.contains("spool verified"), "\(result.output) \(result.errors)")
        #expect(result.output.contains("same lines"), "\(result.output) \(result.errors)")
        let spooled = (try? String(contentsOf: directory.appendingPathComponent("spooled.jsonl"), encoding: .utf8)) ?? ""
        #expect(spooled.components(separatedBy: "\"event\":\"seal\"").count - 1 >= 2, "interval seals and the stop's")
    }
}
