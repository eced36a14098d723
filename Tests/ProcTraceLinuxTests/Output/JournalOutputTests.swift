import Foundation
import Testing

/// `record --output journal` against a real systemd-journald, started for the
/// test in a private mount namespace (its own /run/systemd, /run/log and
/// /var/log/journal), so the host's logging is untouched.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct JournalOutputTests {
    @Test func journaldHoldsOneEntryPerRecordWithMatchableFields() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A hostile comm: a newline and a field assignment must not make a field of their own.
        let hostile = directory.appendingPathComponent("pt\nMESSAGE=x")
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: hostile.path)
        let script = """
            set -e
            D="$1"; J=""; P=""
            trap 'for x in $P $J; do kill -KILL $x 2>/dev/null; done; true' EXIT
            mount -t tmpfs tmpfs /run/systemd
            mkdir -p /run/log && mount -t tmpfs tmpfs /run/log
            mkdir -p /var/log/journal "$D/journal" && mount --bind "$D/journal" /var/log/journal
            mkdir -p /run/systemd/journal
            /lib/systemd/systemd-journald & J=$!
            for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
            "$PROCTRACE" record --config /dev/null -o journal -o "$D/events.jsonl" 2>"$D/record.err" & P=$!
            for i in $(seq 200); do grep -q '"event":"start"' "$D/events.jsonl" 2>/dev/null && break; sleep 0.05; done
            for i in $(seq 20); do /bin/true; "$HOSTILE"; done
            sleep 0.5
            kill -INT $P; wait $P || echo "record exited $?" >&2; P=""
            journalctl --flush
            journalctl -a -D "$D/journal" -o json PROCTRACE_EVENT=exec > "$D/exec.json"
            journalctl -a -D "$D/journal" -o json SYSLOG_IDENTIFIER=proctrace > "$D/all.json"
            kill $J; wait $J || true; J=""
            """
        let result = try Shell.run(
            "exec unshare -m --propagation private sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' sh \"$D\"",
            environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace, "HOSTILE": hostile.path], in: directory)
        let recordErrors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        #expect(result.status == 0, "\(result.errors + recordErrors)")
        #expect(!result.errors.contains("record exited"), "\(result.errors + recordErrors)")

        let fileLines = try String(contentsOf: directory.appendingPathComponent("events.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let fileRecords = fileLines.compactMap { LiveRecording.object($0) }
        let fileExecSeqs = Set(fileRecords.filter { $0["event"] as? String == "exec" }.compactMap { $0["seq"] as? Int })
        #expect(fileExecSeqs.count >= 40)

        let entries = try String(contentsOf: directory.appendingPathComponent("exec.json"), encoding: .utf8)
            .split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let journalExecSeqs = entries.compactMap { ($0["PROCTRACE_SEQ"] as? String).flatMap(Int.init) }
        // Every exec record, once, and nothing else matched PROCTRACE_EVENT=exec.
        #expect(journalExecSeqs.count == Set(journalExecSeqs).count, "an entry was repeated")
        #expect(Set(journalExecSeqs) == fileExecSeqs)

        let all = try String(contentsOf: directory.appendingPathComponent("all.json"), encoding: .utf8)
            .split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(all.count == fileLines.count, "one entry per record")
        for entry in entries {
            let message = try #require(entry["MESSAGE"] as? String)
            #expect(fileLines.contains(message), "MESSAGE is the JSON line")
            let record = try #require(LiveRecording.object(message), "\(message)")
            #expect(entry["PROCTRACE_PID"] as? String == "\(record["pid"] as? Int ?? -1)")
            #expect(entry["PROCTRACE_PPID"] as? String == "\(record["ppid"] as? Int ?? -1)")
            #expect(entry["PROCTRACE_UID"] as? String == "\(record["uid"] as? Int ?? -1)")
        }
        // journalctl shows a value with a control byte escaped, or (other versions) as an array of bytes.
        func comm(_ entry: [String: Any]) -> [UInt8]? {
            (entry["PROCTRACE_COMM"] as? String).map { Array($0.utf8) } ?? (entry["PROCTRACE_COMM"] as? [Int])?.map { UInt8($0) }
        }
        let hostileEntries = entries.filter { comm($0) == Array("pt\nMESSAGE=x".utf8) }
        #expect(hostileEntries.count == 20, "the hostile comm arrives whole, byte for byte")
        let workload = Set(hostileEntries.compactMap { $0["PROCTRACE_PPID"] as? String })
        #expect(workload.count == 1)
        #expect(entries.filter { comm($0) == Array("true".utf8) && workload.contains($0["PROCTRACE_PPID"] as? String ?? "") }.count == 20)
        #expect(!entries.contains { ($0["MESSAGE"] as? String) == "x" }, "no field was injected")
    }
}
