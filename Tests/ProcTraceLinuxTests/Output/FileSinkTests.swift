import Foundation
import Glibc
import ProcTraceCore
import ProcTraceLinux
import Testing

/// Opening the log as a root daemon must: a file someone else owns or has
/// linked elsewhere is refused, a readable mode is narrowed, a crash's
/// partial line stays on its own line, a FIFO is waited for only as long
/// as the caller allows, a deleted log is recreated with what it held.
@Suite struct FileSinkTests {
    final class Directory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-sink-\(UUID())").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ name: String, _ text: String = "", mode: mode_t = 0o640) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: false, encoding: .utf8)
            chmod(file, mode)
            return file
        }
    }

    private func write(_ sink: FileSink, _ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try sink.write($0) }
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o7777
    }

    @Test func aLogOwnedByAnotherUserIsRefused() throws {
        let directory = try Directory()
        let log = try directory.file("events.jsonl", "{\"seq\":1}\n", mode: 0o644)
        let other: uid_t = geteuid() == 0 ? 65534 : 0
        guard chown(log, other, gid_t.max) == 0 else {
            Issue.record("chown needs root (CI runs as root)")
            return
        }
        #expect(throws: OutputError.self) { try FileSink.appending(to: ExactPath(log)) }
        do {
            _ = try FileSink.appending(to: ExactPath(log))
        } catch {
            #expect("\(error)".hasPrefix("refusing to append to \(log): it belongs to uid \(other), not to uid \(geteuid())"))
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "{\"seq\":1}\n", "left as it was")
    }

    @Test func aHardLinkedLogIsRefused() throws {
        let directory = try Directory()
        let log = try directory.file("events.jsonl")
        #expect(link(log, directory.path + "/elsewhere") == 0)
        #expect(throws: OutputError.self) { try FileSink.appending(to: ExactPath(log)) }
    }

    @Test func permissionsWiderThanTheFileModeAreNarrowedWithANotice() throws {
        let directory = try Directory()
        let log = try directory.file("events.jsonl", "{\"seq\":1}\n", mode: 0o666)
        let sink = try FileSink.appending(to: ExactPath(log), mode: 0o640)
        #expect(mode(log) == 0o640)
        #expect(sink.notices == ["narrowed the permissions of \(log) from 0666 to 0640 (--file-mode 0640): other users could read the log"])
        let tighter = try directory.file("tight.jsonl", "", mode: 0o600)
        #expect(try FileSink.appending(to: ExactPath(tighter), mode: 0o640).notices.isEmpty)
        #expect(mode(tighter) == 0o600, "a tighter mode an admin chose stays")
    }

    @Test func appendingAfterAPartialLastLineStartsOnAFreshLine() throws {
        let directory = try Directory()
        let log = try directory.file("events.jsonl", "{\"seq\":1}\n{\"seq\":2,\"ev")
        let sink = try FileSink.appending(to: ExactPath(log))
        try write(sink, "{\"seq\":1,\"event\":\"start\"}\n")
        #expect(try String(contentsOfFile: log, encoding: .utf8)
                == "{\"seq\":1}\n{\"seq\":2,\"ev\n{\"seq\":1,\"event\":\"start\"}\n")
        #expect(sink.notices.count == 1)
        let whole = try directory.file("whole.jsonl", "{\"seq\":1}\n")
        let again = try FileSink.appending(to: ExactPath(whole))
        try write(again, "{}\n")
        #expect(try String(contentsOfFile: whole, encoding: .utf8) == "{\"seq\":1}\n{}\n", "nothing added to a whole file")
    }

    @Test func pathsAreBytesKeptExact() throws {
        let directory = try Directory()
        let name = Array(directory.path.utf8) + Array("/ev\u{1b}".utf8) + [0xff, 0xfe] + Array(".jsonl".utf8)
        let sink = try FileSink.appending(to: ExactPath(bytes: name))
        try write(sink, "{}\n")
        let exact = name.map { CChar(bitPattern: $0) } + [0]
        #expect(access(exact, F_OK) == 0)
        #expect(sink.path?.description == directory.path + "/ev\\e\\xff\\xfe.jsonl")
        #expect(throws: ExactPathError.self) { try ExactPath(bytes: Array("/tmp/a\u{0}b".utf8)) }
    }

    @Test func aFIFOWithoutAReaderIsWaitedForOnlyWhileAllowed() throws {
        let directory = try Directory()
        let fifo = directory.path + "/events.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        var asked: [String] = []
        var rounds = 0
        #expect(throws: OutputError.self) {
            try FileSink.appending(to: ExactPath(fifo)) { what in
                asked.append(what)
                rounds += 1
                return rounds < 3
            }
        }
        #expect(asked.first == "waiting for a reader on the FIFO \(fifo)")
        #expect(rounds == 3)

        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let sink = try FileSink.appending(to: ExactPath(fifo))
        try write(sink, "{}\n")
        var bytes = [UInt8](repeating: 0, count: 8)
        #expect(read(reader, &bytes, 8) == 3)
    }

    /// A FIFO whose reader takes nothing held a write forever, past any stop.
    @Test func aStalledFIFOReaderHoldsAWriteOnlyWhileAllowed() throws {
        let directory = try Directory()
        let fifo = directory.path + "/events.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        _ = fcntl(reader, 1031 /* F_SETPIPE_SZ */, 4096)
        let sink = try FileSink.appending(to: ExactPath(fifo))
        var rounds = 0
        sink.whileBlocked = {
            rounds += 1
            return rounds < 3
        }
        let batch = [UInt8](repeating: 0x0a, count: 256 * 1024)
        do {
            try batch.withUnsafeBytes { try sink.write($0) }
            Issue.record("a write of 256 KiB into a 4 KiB pipe nobody reads succeeded")
        } catch let failure as LogWriteFailure {
            #expect("\(failure)" == "the reader of \(fifo) stopped taking records: it stayed full from before the stop until 2 s after")
            #expect(failure.keptBytes < batch.count)
        }
        #expect(rounds == 3)
    }

    @Test func aDeletedLogIsCreatedAgainWithWhatItHeld() throws {
        let directory = try Directory()
        let log = try directory.file("events.jsonl")
        let sink = try FileSink.appending(to: ExactPath(log))
        #expect(try sink.reopenIfDeleted() == nil)
        try write(sink, "{\"seq\":1}\n")
        unlink(log)
        let notice = try sink.reopenIfDeleted()
        #expect(notice == "the log \(log) was deleted while recording; created it again with the 10 bytes already written")
        try write(sink, "{\"seq\":2}\n")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "{\"seq\":1}\n{\"seq\":2}\n")
        #expect(mode(log) == 0o640)
    }

    @Test func aLogWhoseDirectoryWasDeletedFailsLoudly() throws {
        let directory = try Directory()
        let log = try directory.file("events.jsonl")
        let sink = try FileSink.appending(to: ExactPath(log))
        try FileManager.default.removeItem(atPath: directory.path)
        #expect(throws: OutputError.self) { try sink.reopenIfDeleted() }
    }
}

/// Rotation does work for the files that exist, not for every number `keep` allows.
@Suite struct RotatingFileSinkTests {
    @Test func rotationShiftsOnlyTheFilesThatExist() throws {
        let directory = try FileSinkTests.Directory()
        let log = directory.path + "/events.jsonl"
        let sink = try RotatingFileSink(path: ExactPath(log), maximumBytes: 4096, keep: RotatingFileSink.maximumKeep,
                                        compress: false, mode: 0o640)
        for round in 1...3 {
            try Array("{\"round\":\(round)}\n".utf8).withUnsafeBytes { try sink.write($0) }
            try sink.rotate()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["events.jsonl", "events.jsonl.1", "events.jsonl.2", "events.jsonl.3"])
        #expect(try String(contentsOfFile: log + ".3", encoding: .utf8) == "{\"round\":1}\n")

        let small = try RotatingFileSink(path: ExactPath(directory.path + "/small.jsonl"), maximumBytes: 4096, keep: 2,
                                         compress: false, mode: 0o640)
        for round in 1...4 {
            try Array("{\"round\":\(round)}\n".utf8).withUnsafeBytes { try small.write($0) }
            try small.rotate()
        }
        #expect(try String(contentsOfFile: directory.path + "/small.jsonl.2", encoding: .utf8) == "{\"round\":3}\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/small.jsonl.3"))
    }
}
