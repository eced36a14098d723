import Foundation
import Glibc
import ProcTraceLinux
import Testing

/// Rotation when the directory refuses it, when someone rotated the file
/// first, and after a kill in the middle of compressing.
@Suite(.blocking)
struct RotationEdgeTests {
    static func lines(_ url: URL) -> [[String: Any]] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            LiveRecording.object($0)
        }
    }

    /// Root recording into a directory of another user: once its capabilities
    /// are dropped, rename(2) gets EACCES. That ended the recording with status 0.
    @Test func aFailedRotationKeepsRecordingIntoTheCurrentFile() throws {
        try #require(Privilege.isRoot, "needs root: a directory of another user; under CI=true this must run as root")
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let logs = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(chown(logs.path, 65534, 65534) == 0)
        let result = try Shell.run("""
            "$PROCTRACE" record --config /dev/null --uid 60010 -o "$L/events.jsonl" --rotate-size 4K \\
                2>"$D/record.err" & P=$!
            until grep -q '"event":"start"' "$L/events.jsonl" 2>/dev/null; do
                kill -0 $P 2>/dev/null || { echo "record exited" >&2; exit 1; }
                sleep 0.02
            done
            for round in 1 2 3 4; do
                /usr/bin/setpriv --reuid=60010 --regid=60010 --clear-groups /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done'
                sleep 0.3
            done
            kill -0 $P 2>/dev/null && echo "still recording"
            kill -TERM $P; wait $P; echo "status $?"
            """, environment: ["D": directory.path, "L": logs.path, "PROCTRACE": Binaries.proctrace], in: directory)
        // The BPF backend may say which hooks it fell back to; that is not this test's business.
        let errors = ((try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { !$0.hasPrefix("proctrace: hooks:") }.joined(separator: "\n")
        #expect(result.output.contains("still recording"), "the failure did not end the recording: \(errors)")
        #expect(result.output.contains("status 0"), "nothing was lost: \(result.output) \(errors)")
        #expect(errors.hasPrefix("proctrace: cannot rotate \(logs.path)/events.jsonl: rename("), "\(errors)")
        #expect(errors.contains("Permission denied; recording goes on into \(logs.path)/events.jsonl"), "\(errors)")
        #expect(errors.split(separator: "\n").count == 1, "said once: \(errors)")
        let records = Self.lines(logs.appendingPathComponent("events.jsonl"))
        #expect(records.filter { $0["event"] as? String == "exec" }.count >= 40, "every workload after the failure too")
        #expect(records.last?["event"] as? String == "stop")
        #expect(records.last?["lost"] as? Int == 0 && records.last?["unwritten"] as? Int == 0)
        let seqs = records.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...max(seqs.count, 1)))
    }

    /// logrotate moved the file away (and maybe made a new one) just before
    /// the recorder's own rotation: rename(2) of the name got ENOENT, and the
    /// rotation failed until the SIGHUP; or it renamed logrotate's new file.
    @Test(arguments: [false, true]) func aFileRotatedAwayFirstIsLeftWhereItWentAndRecordingGoesOnAtThePath(replaced: Bool) throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.jsonl").path
        var notices: [String] = []
        let sink = try RotatingFileSink(path: ExactPath(path), maximumBytes: 64, keep: 3, compress: true, mode: 0o640)
        sink.onNotice = { notices.append($0) }
        func write(_ text: String) throws { try Array(text.utf8).withUnsafeBytes { try sink.write($0) } }
        try write(String(repeating: "{\"before\":1}\n", count: 8))
        #expect(sink.needsRotation)
        #expect(rename(path, path + ".moved") == 0)
        if replaced { #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"new\":1}\n".utf8))) }
        try sink.rotate()
        try write("{\"after\":1}\n")
        try sink.flush()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["events.jsonl", "events.jsonl.moved"], "nothing of the recorder's own rotation: \(names)")
        #expect(try String(contentsOfFile: path + ".moved", encoding: .utf8) == String(repeating: "{\"before\":1}\n", count: 8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == (replaced ? "{\"new\":1}\n" : "") + "{\"after\":1}\n")
        #expect(notices.filter { $0.contains("was moved away before its rotation") }.count == 1, "\(notices)")
        #expect(!sink.needsRotation)
    }

    /// A kill while `events.jsonl.1` was being compressed left a cut `.1.gz`
    /// beside it; the next rotation renamed over the complete `.1` and
    /// `stats events.jsonl*` failed for ever on the cut gzip.
    @Test func whatAKillDuringCompressionLeftIsRepairedAtStart() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            cd "$D"
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/old.jsonl" --duration 0.3 2>/dev/null
            cp old.jsonl events.jsonl.1
            gzip -1 -c events.jsonl.1 | head -c 300 > events.jsonl.1.gz
            head -c 100 events.jsonl.1.gz > .events.jsonl.1.gz.tmp
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" --rotate-size 4K --compress \\
                --rotate-keep 1000 \\
                2>"$D/record.err" & P=$!
            # The start may already be in a rotated file: --rotate-size 4K rotates within the snapshot.
            until grep -qs "\\"recorder_pid\\":$P[,}]" events.jsonl* || ! kill -0 $P 2>/dev/null; do sleep 0.02; done
            for i in $(seq 60); do /bin/true; done
            sleep 0.5
            kill -TERM $P; wait $P; echo "status $?"
            ls -a | grep events.jsonl | sort
            for f in events.jsonl.*.gz; do gzip -dc $f > $f.plain || echo "cut gzip $f"; done
            "$PROCTRACE" stats events.jsonl* > /dev/null || echo "stats failed"
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        #expect(result.output.contains("status 0"), "\(result.output) \(result.errors) \(errors)")
        #expect(!result.output.contains("cut gzip") && !result.output.contains("stats failed"), "\(result.output) \(result.errors)")
        #expect(!result.output.contains(".events.jsonl.1.gz.tmp"), "the cut temporary is gone")
        #expect(errors.contains("compressed \(directory.path)/events.jsonl.1, which an earlier stop or failure left uncompressed"), "\(errors)")
        let original = try Data(contentsOf: directory.appendingPathComponent("old.jsonl"))
        let plain = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".plain") }
        #expect(plain.contains { (try? Data(contentsOf: directory.appendingPathComponent($0))) == original },
                "the complete events.jsonl.1 survives, compressed, among \(plain)")
    }

    /// A real SIGKILL in the middle of compressing: a preloaded gzwrite lets
    /// what it compressed reach the file, then kills the recorder before the
    /// gzip trailer. `stats FILE*` failed on the cut `.1.gz` it left.
    @Test func aKillDuringCompressionLeavesNoCutGzipUnderTheLogsName() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(#"""
            cd "$D"
            cat > kill.c <<'EOF'
            #define _GNU_SOURCE
            #include <dlfcn.h>
            #include <signal.h>
            #include <zlib.h>
            int gzwrite(gzFile file, voidpc buf, unsigned len)
            {
                int (*real)(gzFile, voidpc, unsigned) = (int (*)(gzFile, voidpc, unsigned))dlsym(RTLD_NEXT, "gzwrite");
                int n = real(file, buf, len);
                gzflush(file, Z_FULL_FLUSH);
                raise(SIGKILL);
                return n;
            }
            EOF
            # The system's cc, or the clang of the Swift toolchain that built the package.
            $(command -v cc || command -v clang) -shared -fPIC -o kill.so kill.c -ldl -lz \
                || { echo "cannot build the preload" >&2; exit 1; }
            LD_PRELOAD="$D/kill.so" "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl"                 --rotate-size 4K --compress 2>/dev/null & P=$!
            # The start may already be in a rotated file: --rotate-size 4K rotates within the snapshot.
            until grep -qs "\"recorder_pid\":$P[,}]" events.jsonl* || ! kill -0 $P 2>/dev/null; do sleep 0.02; done
            # Until the first compression kills it (the start snapshot's hashes may hold records a few seconds).
            i=0
            while kill -0 $P 2>/dev/null && [ $i -lt 5000 ]; do /bin/true; i=$((i + 1)); done
            kill -0 $P 2>/dev/null && kill -KILL $P
            wait $P; echo "killed $?"
            cp events.jsonl.1 rotated.copy
            "$PROCTRACE" stats events.jsonl* > /dev/null || echo "stats failed after the kill"
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" --rotate-size 4K --compress                 --rotate-keep 1000 2>"$D/record.err" & P=$!
            # The start may already be in a rotated file: --rotate-size 4K rotates within the snapshot.
            until grep -qs "\"recorder_pid\":$P[,}]" events.jsonl* || ! kill -0 $P 2>/dev/null; do sleep 0.02; done
            for i in $(seq 60); do /bin/true; done
            sleep 0.5
            kill -TERM $P; wait $P; echo "status $?"
            "$PROCTRACE" stats events.jsonl* > /dev/null || echo "stats failed after the restart"
            for f in events.jsonl.*.gz; do
                gzip -t $f 2>/dev/null && gzip -dc $f | cmp -s - rotated.copy && echo "kept in $f"
            done
            ls -a
            """#, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let output = result.output
        #expect(output.contains("killed 137"), "the preload killed it while compressing: \(output) \(result.errors)")
        #expect(!output.contains("stats failed"), "\(output) \(result.errors)")
        #expect(output.contains("status 0"), "\(output)")
        #expect(output.contains("kept in events.jsonl."), "the rotated file the kill cut short is kept whole: \(output)")
        #expect(!output.contains(".gz.tmp"), "the cut temporary is gone: \(output)")
    }
}
