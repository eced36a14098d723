import Foundation
import Testing

/// `record --output syslog+tcp://…` against receivers that misbehave on
/// purpose, and a spool that cannot be written: what could not be delivered
/// is counted, with its cause.
@Suite(.enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct MisbehavingReceiverTests {
    static let prelude = """
        set -e
        P=""; Q=""
        trap '[ -n "$P" ] && kill -KILL $P 2>/dev/null; [ -n "$Q" ] && kill -KILL $Q 2>/dev/null; true' EXIT
        wait_for() { for i in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; return 1; }
        wait_started() {
            for i in $(seq 400); do grep -q '"event":"start"' "$1" 2>/dev/null && return 0; sleep 0.05; done
            echo "record did not start" >&2; return 1
        }
        now() { python3 -c 'import time; print(time.monotonic())'; }

        """

    static func text(_ directory: URL, _ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    /// Drops were always summed up as "(queue full)", whatever the cause. A spool on a full
    /// file system (a 64 KiB tmpfs in a mount namespace of the test's own) says so.
    @Test func aSpoolThatCannotBeWrittenSaysWhyRecordsWereDropped() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.prelude + """
            # Nobody listens on the port: every record waits in the spool.
            PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
            mkdir "$D/spool"
            unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" record \
                --config /dev/null -o "$3/events.jsonl" -o syslog+tcp://127.0.0.1:$4 --spool "$1" --duration 3' \
                sh "$D/spool" "$PROCTRACE" "$D" $PORT 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 200); do /bin/true; done
            STATUS=0; wait $P || STATUS=$?; P=""
            echo "status $STATUS"
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = Self.text(directory, "record.err")
        #expect(result.status == 0, "\(result.errors) \(errors)")
        #expect(result.output.contains("status 1"), "records were lost: \(result.output)")
        let summary = errors.split(separator: "\n").filter { $0.contains("records delivered") }
        #expect(summary.count == 1, "\(errors)")
        #expect(summary.first?.contains("No space left on device") == true, "\(summary)")
        #expect(summary.first?.contains("queue full") == false, "\(summary)")
    }
}
