import Foundation
import Glibc
import ProcTraceCore
import ProcTraceTestSupport
import ProcTraceLinux
import Testing

/// LogReader on inputs an attacker, a shell or a busy recorder can hand it.
@Suite struct HostileLogReaderTests {
    let directory = TemporaryDirectory()

    /// `count` fork records numbered from `seq`, one process each.
    private func forks(from seq: UInt64, count: Int) -> [Event] {
        (0..<count).map { offset in
            var event = EventSamples.process(.fork, pid: Int32(1000 + Int(seq) + offset))
            event.seq = seq + UInt64(offset)
            event.time = EventSamples.baseTime + Int64(seq) + Int64(offset)
            return event
        }
    }

    private func readAll(_ reader: LogReader) throws -> [Event] {
        var result: [Event] = []
        while let event = try reader.next() { result.append(event) }
        return result
    }

    /// What a reader warned, in order.
    private final class Warnings {
        var messages: [String] = []
    }

    /// A reader following `events.jsonl` (written with `count` forks from seq 1, already read through it).
    private func following(_ count: Int) throws -> (reader: LogReader, path: String, warnings: Warnings) {
        let path = directory.write("events.jsonl", EventSamples.logText(forks(from: 1, count: count)))
        let warnings = Warnings()
        let reader = try LogReader(paths: [path]) { warnings.messages.append($0) }
        reader.startFollowing()
        #expect(try readAll(reader).map(\.seq) == Array(1...UInt64(count)))
        return (reader, path, warnings)
    }

    @Test func aPipeIsReadOnceAndWhole() throws {
        // More than the reader's 1 MiB chunk, so ordering's look ahead cannot read the whole of it.
        let records = forks(from: 1, count: 12_000)
        let text = EventSamples.logText(records)
        #expect(text.count > 1 << 20)
        let other = directory.write("b.jsonl", EventSamples.logText(forks(from: 20_000, count: 3)))
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        let writeEnd = ends[1]
        let writer = Thread { text.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count { done += max(0, write(writeEnd, bytes.baseAddress! + done, bytes.count - done)) }
            close(writeEnd)
        } }
        writer.start()
        defer { close(ends[0]) }
        let read = try readAll(LogReader(paths: ["/dev/fd/\(ends[0])", other]))
        #expect(read.count == 12_003)
        #expect(read.map(\.seq) == records.map(\.seq) + [20_000, 20_001, 20_002])
    }

    @Test func aFIFOIsOpenedOnceNotTwice() throws {
        let fifo = directory.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let other = directory.write("b.jsonl", EventSamples.logText(forks(from: 10, count: 2)))
        let text = EventSamples.logText(forks(from: 1, count: 5))
        // One writer, one open: a reader opening the FIFO a second time would wait for ever.
        let writer = Thread {
            let descriptor = open(fifo, O_WRONLY)
            text.withUnsafeBytes { _ = write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
        writer.start()
        let read = try readAll(LogReader(paths: [fifo, other]))
        #expect(read.map(\.seq) == [1, 2, 3, 4, 5, 10, 11])
    }

    @Test func gzipInAPipeIsNamedNotMisread() throws {
        let gz = directory.writeGzip("a.jsonl.gz", EventSamples.logText(forks(from: 1, count: 2)))
        let bytes = directory.read(gz)
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        bytes.withUnsafeBytes { _ = write(ends[1], $0.baseAddress, $0.count) }
        close(ends[1])
        defer { close(ends[0]) }
        #expect {
            try readAll(LogReader(paths: ["/dev/fd/\(ends[0])"]))
        } throws: { "\($0)".contains("gzip data from a pipe: decompress it first") }
    }

    @Test func theSameFileTwiceIsReadOnce() throws {
        let path = directory.write("a.jsonl", EventSamples.logText(forks(from: 1, count: 3)))
        link(path, directory.path + "/hard-link.jsonl")
        var warnings: [String] = []
        let reader = try LogReader(paths: [path, path, directory.path + "/hard-link.jsonl"]) { warnings.append($0) }
        #expect(try readAll(reader).map(\.seq) == [1, 2, 3])
        #expect(reader.paths == [path])
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.contains("is the same file as \(path); reading it once") })
    }

    @Test func seqGoingBackwardsIsWarnedAboutOncePerFile() throws {
        // Two recorders appending to one file: each starts at 1, their records interleave.
        var a = forks(from: 1, count: 3), b = forks(from: 1, count: 3)
        a[0] = EventSamples.start()
        a[0].seq = 1
        b[0] = EventSamples.start()
        b[0].seq = 1
        let interleaved = [a[0], a[1], b[0], a[2], b[1], b[2]]
        let path = directory.write("both.jsonl", EventSamples.logText(interleaved))
        var warnings: [String] = []
        #expect(try readAll(LogReader(paths: [path]) { warnings.append($0) }).count == 6)
        #expect(warnings == ["\(path):5: seq 2 comes after 3: records are out of order "
                             + "(two recorders writing one file, or files from different recordings?)"])
        // A new recording appended after the old one (its start at seq 1) is not out of order.
        warnings = []
        let appended = directory.write("appended.jsonl", EventSamples.logText([a[0], a[1], a[2], b[0], b[1], b[2]]))
        #expect(try readAll(LogReader(paths: [appended]) { warnings.append($0) }).count == 6)
        #expect(warnings.isEmpty)
    }

    /// The recorder rotated three times between two looks (RotatingFileSink's scheme:
    /// FILE → FILE.1 → FILE.2 …): every file in between is read, in order.
    @Test func followingReadsEveryFileRotatedAwayBetweenTwoLooks() throws {
        let (reader, _, warnings) = try following(3)
        directory.append("events.jsonl", EventSamples.logText(forks(from: 4, count: 2)))
        var next: UInt64 = 6
        for _ in 0..<3 {
            for index in stride(from: 3, through: 1, by: -1) {
                directory.rename("events.jsonl.\(index)", to: "events.jsonl.\(index + 1)")
            }
            directory.rename("events.jsonl", to: "events.jsonl.1")
            directory.write("events.jsonl", EventSamples.logText(forks(from: next, count: 4)))
            next += 4
        }
        // The second rotated file compressed, as --rotate-compress leaves it.
        let middle = directory.read(directory.path + "/events.jsonl.2")
        directory.writeGzip("events.jsonl.2.gz", middle)
        unlink(directory.path + "/events.jsonl.2")
        #expect(try reader.checkFollowedFile() == .rotated)
        #expect(try readAll(reader).map(\.seq) == Array(4...17))
        #expect(warnings.messages.isEmpty)
    }

    /// `tail -f` looked while a rotation was renaming (oldest first, so one
    /// name is empty between two renames): the files past that name are still
    /// read (before, the look ended there and said them removed).
    @Test func followingReadsPastANameARotationHasJustVacated() throws {
        let (reader, _, warnings) = try following(2)
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText(forks(from: 3, count: 3)))
        directory.rename("events.jsonl.1", to: "events.jsonl.2")
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText(forks(from: 6, count: 2)))
        // A third rotation has moved .2 to .3 and .1 to .2, and not yet the file itself to .1.
        directory.rename("events.jsonl.2", to: "events.jsonl.3")
        directory.rename("events.jsonl.1", to: "events.jsonl.2")
        #expect(try reader.checkFollowedFile() == .rotated)
        #expect(try readAll(reader).map(\.seq) == Array(3...7))
        #expect(warnings.messages.isEmpty)
    }

    /// `tail -f` looked between the recorder creating a file and writing its
    /// first line, and again after that file was rotated: it was read as the
    /// current file and then once more as `PATH.1` (CI showed 502 records twice).
    @Test func followingReadsAFileOpenedBeforeItsFirstLineOnceWhenItIsRotatedAway() throws {
        let (reader, _, warnings) = try following(2)
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", [])
        #expect(try reader.checkFollowedFile() == .rotated)
        #expect(try readAll(reader).isEmpty)
        directory.append("events.jsonl", EventSamples.logText(forks(from: 3, count: 3)))
        directory.rename("events.jsonl.1", to: "events.jsonl.2")
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText(forks(from: 6, count: 2)))
        #expect(try reader.checkFollowedFile() == .rotated)
        #expect(try readAll(reader).map(\.seq) == [3, 4, 5, 6, 7])
        #expect(warnings.messages.isEmpty)
    }

    @Test func followingAnnouncesRecordsRotatedAwayAndRemovedBeforeTheyCouldBeRead() throws {
        let (reader, path, warnings) = try following(2)
        // --rotate-keep 1, rotated three times: the file of seq 3…5 is gone.
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText(forks(from: 3, count: 3)))
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText(forks(from: 6, count: 2)))
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText(forks(from: 8, count: 2)))
        #expect(try reader.checkFollowedFile() == .rotated)
        #expect(try readAll(reader).map(\.seq) == [6, 7, 8, 9])
        #expect(warnings.messages == ["\(path).1: 3 records (seq 3…5) were rotated away and removed before they could be read; "
                             + "they are not shown"])
    }

    @Test func followingNoticesARewriteInPlaceThatEndsUpLonger() throws {
        let (reader, path, warnings) = try following(2)
        // Truncated and written again between two looks, longer than before: same inode, larger size.
        directory.write("events.jsonl", EventSamples.logText(forks(from: 100, count: 5)))
        #expect(try reader.checkFollowedFile() == .truncated)
        #expect(try readAll(reader).map(\.seq) == [100, 101, 102, 103, 104])
        #expect(warnings.messages == ["\(path): file was truncated; reading it from the start"])
    }

    /// File names and strings from the log are quoted escaped in every message.
    @Test func messagesEscapeFileNamesAndStringsFromTheLog() throws {
        let evil = "ev\u{1b}]52;c;aGk=\u{7}il\u{1b}[2J.jsonl"
        let missing = LogReadError(path: directory.path + "/" + evil, reason: "cannot open")
        #expect(!missing.description.utf8.contains(0x1b))
        #expect(missing.description.contains("ev\\e]52;c;aGk=\\x07il\\e[2J.jsonl"))
        let lines = [
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"\u001b]52;c;aGk=\u0007"}"#,
            #"{"seq":1,"time":"\u001b[2J","event":"fork"}"#,
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"reap","pid":1,"ppid":0,"comm":"x","start_time":1,"reason":"\u001b[2J"}"#,
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"start","version":1,"format":"\u001b[2J"}"#,
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"fork","state":"\u001b[2J"}"#,
            "{\"seq\":1,\"time\":\"2026\\\u{1b}\"}",
        ]
        for line in lines {
            let path = directory.write(evil, Array((line + "\n").utf8))
            do {
                _ = try readAll(LogReader(paths: [path]))
                Issue.record("\(line) was read")
            } catch {
                let message = "\(error)"
                #expect(!message.utf8.contains { $0 < 0x20 || $0 == 0x7f }, "\(message)")
            }
        }
    }
}
