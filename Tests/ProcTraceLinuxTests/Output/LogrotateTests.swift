import Foundation
import Testing

/// The shipped logrotate stanza, run by the real logrotate against a running
/// `record`: after each rotation the recorder goes on in the new file and no
/// record is lost (`seq` runs on across the files, oldest first).
@Suite(.blocking)
struct LogrotateTests {
    struct Variant: CustomStringConvertible, Sendable {
        let description: String
        /// sed commands applied to the shipped stanza.
        let edit: [String]
        /// The rotated files expected after two rotations.
        let files: [String]
        /// What stderr must say (nothing, with a SIGHUP).
        let notice: String?
        /// The workload's user, one per variant: the variants run at once, and
        /// each recorder must see only its own workload.
        let uid: Int
    }

    static let stanza = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("dist/logrotate/proctrace").path

    static let variants: [Variant] = [
        Variant(description: "create, compress, postrotate SIGHUP (as shipped)", edit: [],
                files: ["events.jsonl.1.gz", "events.jsonl.2.gz"], notice: nil, uid: 60001),
        Variant(description: "copytruncate", edit: ["s/^\tcreate$/\tcopytruncate/", "/postrotate/,/endscript/d"],
                files: ["events.jsonl.1.gz", "events.jsonl.2.gz"], notice: nil, uid: 60002),
        Variant(description: "create, compress, delaycompress, SIGHUP", edit: ["s/^\tcompress$/\tcompress\\n\tdelaycompress/"],
                files: ["events.jsonl.1", "events.jsonl.2.gz"], notice: nil, uid: 60003),
        Variant(description: "create, compress, no SIGHUP", edit: ["/postrotate/,/endscript/d"],
                files: ["events.jsonl.1.gz", "events.jsonl.2.gz"], notice: "was rotated away and replaced while recording", uid: 60004),
    ]

    @Test(arguments: variants)
    func theRecorderGoesOnInTheNewFileAndLosesNothing(_ variant: Variant) throws {
        try #require(Privilege.isRoot, "needs root: logrotate and setpriv; under CI=true this must run as root")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/sbin/logrotate") || Privilege.inCI,
                     "needs logrotate (make deps)")
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let edits = variant.edit.map { "-e '\($0)'" }.joined(separator: " ")
        // Only the workload's records (its own uid): nothing else is written while logrotate works.
        let result = try Shell.run("""
            cd "$D"
            /usr/bin/env --default-signal=HUP "$PROCTRACE" record --config /dev/null --uid \(variant.uid) -o "$D/events.jsonl" 2>"$D/record.err" & P=$!
            until grep -q '"event":"start"' events.jsonl 2>/dev/null; do
                kill -0 $P 2>/dev/null || { echo "record exited" >&2; exit 1; }
                sleep 0.02
            done
            sed -e "s|/var/log/proctrace/events.jsonl|$D/events.jsonl|" -e "s|systemctl kill .*|kill -HUP $P|" \(edits) \\
                "$STANZA" > rotate.conf
            # A workload ends with a marked exec; it is in the log once the recorder's loop runs
            # (the start snapshot, which hashes every program, may hold it for seconds on a busy host).
            work() {
                /usr/bin/setpriv --reuid=\(variant.uid) --regid=\(variant.uid) --clear-groups /bin/sh -c \\
                    'for i in 1 2 3 4 5 6 7; do /bin/true; done; /bin/true "$1"' sh "mark-$1"
                for i in $(seq 600); do grep -q "\"mark-$1\"" events.jsonl 2>/dev/null && break; sleep 0.05; done
                settled
            }
            # Until the workload's records are all written: the log stops growing for 0.6 s (at most 10 s).
            settled() {
                last=-1; same=0
                for i in $(seq 50); do
                    size=$(stat -c %s events.jsonl 2>/dev/null || echo 0)
                    if [ "$size" = "$last" ]; then same=$((same + 1)); else same=0; fi
                    [ $same -ge 3 ] && return 0
                    last=$size; sleep 0.2
                done
            }
            # Until the recorder writes to the file at the path (at most 5 s).
            adopted() {
                for i in $(seq 100); do
                    readlink /proc/$P/fd/* 2>/dev/null | grep -qx "$D/events.jsonl" && return 0
                    sleep 0.05
                done
                echo "record did not go on in the new file" >&2
            }
            work 1
            /usr/sbin/logrotate -f -s "$D/state" rotate.conf || echo "logrotate exited $?" >&2
            adopted
            work 2
            /usr/sbin/logrotate -f -s "$D/state" rotate.conf || echo "logrotate exited $?" >&2
            adopted
            work 3
            kill -TERM $P; wait $P; echo "status $?"
            ls events.jsonl.* | sort
            for f in $(ls events.jsonl.* | sort -t. -k3,3nr) events.jsonl; do
                case $f in *.gz) gzip -dc $f;; *) cat $f;; esac
            done > all.jsonl
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace, "STANZA": Self.stanza], in: directory)
        // The BPF backend may say which hooks it fell back to; that is not this test's business.
        let errors = ((try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { !$0.hasPrefix("proctrace: hooks:") }.joined(separator: "\n")
        let output = result.output.split(separator: "\n").map(String.init)
        #expect(output.contains("status 0"), "the recorder ran to the end: \(output) \(result.errors) \(errors)")
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(Array(output.drop { !$0.hasPrefix("status") }.dropFirst()) == variant.files)
        if let notice = variant.notice {
            #expect(errors.contains(notice), "\(errors)")
        } else {
            #expect(errors.isEmpty, "\(errors)")
        }
        let lines = try String(contentsOf: directory.appendingPathComponent("all.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let records = lines.compactMap { LiveRecording.object($0) }
        #expect(records.count == lines.count, "every line whole")
        let seqs = records.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...max(seqs.count, 1)), "no record lost or doubled across the files")
        #expect(records.first?["event"] as? String == "start" && records.last?["event"] as? String == "stop")
        let current = try String(contentsOf: directory.appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(current.contains("\"event\":\"exec\""), "the last workload went into the new file")
        #expect(records.filter { $0["event"] as? String == "exec" }.count >= 24, "three workloads of 8")
    }
}
