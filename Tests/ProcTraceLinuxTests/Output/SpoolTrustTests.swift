import Foundation
import ProcTraceLinux
import Testing

/// The spool directory is trusted only when the recording user alone can
/// change it: the recorder sends what it finds there and truncates it.
/// Run against the real binary, with files planted as another user.
@Suite(.blocking)
struct SpoolTrustTests {
    static let receiver = "syslog+tcp://127.0.0.1:1"

    struct Run {
        let status: Int32
        let errors: String
        let seconds: Double
    }

    /// `record` with a syslog output nobody listens on, spooling to `spool`;
    /// the status is the shell's (128 + N for a signal).
    static func record(spool: String, in directory: URL, seconds: String = "0.5") throws -> Run {
        let started = Date()
        let result = try Shell.run("""
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" -o \(receiver) \\
                --spool "$SPOOL" --duration \(seconds) 2>"$D/record.err"
            echo "status $?"
            """, environment: ["D": directory.path, "SPOOL": spool, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        let status = result.output.split(separator: "\n").last { $0.hasPrefix("status ") }.flatMap { Int32($0.dropFirst(7)) }
        return Run(status: status ?? -1, errors: errors, seconds: Date().timeIntervalSince(started))
    }

    static var outputDirectory: String { try! OutputTarget.network(receiver)!.spoolName }

    static func asNobody(_ script: String, in directory: URL) throws -> Shell.Result {
        try Shell.run("/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -ec '\(script)'", in: directory)
    }

    /// A secret of root's, with no final newline (what the old repair cut off).
    static func plantSecret(in directory: URL) throws -> (path: String, content: Data) {
        let secret = directory.appendingPathComponent("secret").path
        let content = Data("root:$6$hash\nthe last line has no newline".utf8)
        #expect(FileManager.default.createFile(atPath: secret, contents: content, attributes: [.posixPermissions: 0o600]))
        return (secret, content)
    }

    @Test func aSpoolDirectoryMadeByAnotherUserIsRefused() throws {
        try #require(Privilege.isRoot, "needs root: setpriv to another user; under CI=true this must run as root")
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = try Self.plantSecret(in: directory)
        let area = directory.appendingPathComponent("nobody")
        try FileManager.default.createDirectory(at: area, withIntermediateDirectories: true)
        #expect(chown(area.path, 65534, 65534) == 0)
        let spool = area.appendingPathComponent("spool").path
        let planted = try Self.asNobody("mkdir -m 700 \(spool) \(spool)/\(Self.outputDirectory); "
                                        + "ln -s \(secret.path) \(spool)/\(Self.outputDirectory)/0000000000000001.spool",
                                        in: directory)
        try #require(planted.status == 0, "\(planted.errors)")

        let run = try Self.record(spool: spool, in: directory)
        #expect(run.status == 1, "\(run.errors)")
        #expect(run.errors.contains("refusing the spool directory \(spool): it is owned by uid 65534, not by uid 0"), "\(run.errors)")
        #expect(run.errors.split(separator: "\n").count == 1, "one line: \(run.errors)")
        #expect(FileManager.default.contents(atPath: secret.path) == secret.content, "root's file is unchanged")
    }

    @Test func aSymbolicLinkOrForeignSegmentInOurOwnSpoolIsRefused() throws {
        try #require(Privilege.isRoot, "needs root: files of another user; under CI=true this must run as root")
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = try Self.plantSecret(in: directory)
        let own = directory.appendingPathComponent("spool/\(Self.outputDirectory)")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(directory.appendingPathComponent("spool").path, 0o700)
        let segment = own.appendingPathComponent("0000000000000001.spool").path
        #expect(symlink(secret.path, segment) == 0)

        let run = try Self.record(spool: directory.appendingPathComponent("spool").path, in: directory)
        #expect(run.status == 1, "\(run.errors)")
        #expect(run.errors.contains("0000000000000001.spool is a symbolic link"), "\(run.errors)")
        #expect(FileManager.default.contents(atPath: secret.path) == secret.content, "root's file is unchanged")

        // A hard link to root's file is not ours to truncate either.
        unlink(segment)
        #expect(link(secret.path, segment) == 0)
        let linked = try Self.record(spool: directory.appendingPathComponent("spool").path, in: directory)
        #expect(linked.status == 1, "\(linked.errors)")
        #expect(linked.errors.contains("0000000000000001.spool has 2 hard links"), "\(linked.errors)")
        #expect(FileManager.default.contents(atPath: secret.path) == secret.content, "root's file is unchanged")
    }

    @Test func aSpoolDirectoryOthersCanWriteIsRefused() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = directory.appendingPathComponent("spool").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        chmod(spool, 0o777)
        let run = try Self.record(spool: spool, in: directory)
        #expect(run.status == 1, "\(run.errors)")
        #expect(run.errors.contains("refusing the spool directory \(spool): other users can write it (mode 0777); chmod 0700 it"),
                "\(run.errors)")
    }

    /// A segment number at the top of UInt64 trapped the recorder (SIGILL) when it counted on.
    @Test func aSegmentNumberOutOfRangeIsRefusedNotACrash() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let own = directory.appendingPathComponent("spool/\(Self.outputDirectory)")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(directory.appendingPathComponent("spool").path, 0o700)
        let lines = String(repeating: "{\"seq\":1}\n", count: 2_000_000)
        try Data(lines.utf8).write(to: own.appendingPathComponent("18446744073709551615.spool"))
        let run = try Self.record(spool: directory.appendingPathComponent("spool").path, in: directory)
        #expect(run.status == 1, "a clear refusal, not a signal: \(run.errors)")
        #expect(run.errors.contains("18446744073709551615.spool is not a segment proctrace writes"), "\(run.errors)")
    }

    /// The start-up repair of a segment without a final newline read it back a byte at a time (16 s for 20 MB).
    @Test func aLargeSegmentWithoutANewlineIsRepairedQuickly() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let own = directory.appendingPathComponent("spool/\(Self.outputDirectory)")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(directory.appendingPathComponent("spool").path, 0o700)
        let segment = own.appendingPathComponent("0000000000000001.spool")
        try Data("{\"seq\":1}\n".utf8 + Data(repeating: 0x41, count: 20 << 20)).write(to: segment)
        // Time to the start record: the stop's wait for the absent receiver is not start-up.
        let result = try Shell.run("""
            T0=$(date +%s%N)
            "$PROCTRACE" record --config /dev/null --backend netlink -o "$D/events.jsonl" -o \(Self.receiver) \\
                --spool "$D/spool" --duration 30 2>"$D/record.err" & P=$!
            until grep -q '"event":"start"' "$D/events.jsonl" 2>/dev/null; do
                kill -0 $P 2>/dev/null || { echo "record exited" >&2; exit 1; }
                sleep 0.01
            done
            echo "startup_ms $(( ($(date +%s%N) - T0) / 1000000 ))"
            kill -TERM $P; wait $P
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        #expect(result.status == 0, "\(result.errors)")
        let milliseconds = result.output.split(separator: "\n").last { $0.hasPrefix("startup_ms ") }.flatMap { Int($0.dropFirst(11)) }
        let startup = try #require(milliseconds, "\(result.output) \(result.errors)")
        #expect(startup < 3000, "start-up took \(startup) ms")
        print("record with a 20 MB segment without a newline: start record after \(startup) ms")
        let kept = try Data(contentsOf: segment)
        #expect(kept.starts(with: Data("{\"seq\":1}\n".utf8)), "the whole line before the cut is kept")
        #expect(kept.range(of: Data(repeating: 0x41, count: 64)) == nil, "the partial line is cut off")
    }
}
