import ProcTraceCore
import ProcTraceTestSupport
import ProcTraceLinux
import Testing

@Suite struct LogReaderTests {
    let directory = TemporaryDirectory()
    let events = EventSamples.everyKind()

    private func readAll(_ reader: LogReader) throws -> [Event] {
        var result: [Event] = []
        while let event = try reader.next() { result.append(event) }
        return result
    }

    @Test func readsEveryRecordInOrder() throws {
        let path = directory.write("events.jsonl", EventSamples.logText(events))
        let read = try readAll(LogReader(paths: [path]))
        #expect(read.map(\.seq) == events.map(\.seq))
        #expect(EventSamples.logText(read) == EventSamples.logText(events))
    }

    @Test func warnsAboutAndIgnoresAnIncompleteLastLine() throws {
        var text = EventSamples.logText(Array(events.prefix(3)))
        text += EventSamples.line(events[3]).prefix(20)
        let path = directory.write("events.jsonl", text)
        var warnings: [String] = []
        let read = try readAll(LogReader(paths: [path]) { warnings.append($0) })
        #expect(read.count == 3)
        #expect(warnings == ["\(path):4: last line is incomplete (no newline at the end: the writer stopped mid-record); ignored"])
    }

    @Test func namesFileAndLineOfAMalformedLine() throws {
        let path = directory.write("events.jsonl", EventSamples.logText([events[0], events[1]]) + Array("{\"seq\":oops}\n".utf8))
        let reader = try LogReader(paths: [path])
        _ = try reader.next()
        _ = try reader.next()
        #expect(throws: LogReadError(path: path, line: 3, reason: "column 8: expected a non-negative integer")) {
            try reader.next()
        }
        #expect(String(describing: LogReadError(path: path, line: 3, reason: "x")) == "\(path):3: x")
    }

    @Test func skipsAndCountsInvalidLinesWhenAsked() throws {
        var text = EventSamples.logText([events[0]])
        text += Array("not json\n\n{\"seq\":1}\n".utf8)
        text += EventSamples.logText([events[1]])
        let path = directory.write("events.jsonl", text)
        let reader = try LogReader(paths: [path], skipInvalid: true)
        let read = try readAll(reader)
        #expect(read.map(\.kind) == [.start, .exists])
        #expect(reader.invalidLineCount == 2)
        #expect(reader.firstInvalidLine?.line == 2)
    }

    @Test func refusesANewerSchemaEvenWhenSkipping() throws {
        let newer = #"{"seq":0,"time":"2026-01-01T00:00:00Z","event":"start","format":"proctrace","version":2}"#
        let path = directory.write("events.jsonl", Array((newer + "\n").utf8))
        let reader = try LogReader(paths: [path], skipInvalid: true)
        #expect(throws: LogReadError(path: path, line: 1, reason: "schema version 2 is newer than this proctrace understands (1); upgrade proctrace",
                                     isNewerSchema: true)) { try reader.next() }
    }

    @Test func readsGzipCompressedFiles() throws {
        let path = directory.writeGzip("events.jsonl.1.gz", EventSamples.logText(events))
        #expect(try readAll(LogReader(paths: [path])).count == events.count)
    }

    @Test func reportsACutShortGzipFile() throws {
        let whole = directory.writeGzip("whole.gz", EventSamples.logText(events))
        let bytes = directory.read(whole)
        let path = directory.write("cut.gz", Array(bytes.prefix(bytes.count / 2)))
        #expect(throws: LogReadError.self) { try readAll(LogReader(paths: [path])) }
    }

    @Test func readsARotatedSetOldestFirstWhateverOrderItIsGiven() throws {
        let oldest = directory.writeGzip("events.jsonl.2.gz", EventSamples.logText(Array(events[0..<5])))
        let middle = directory.write("events.jsonl.1", EventSamples.logText(Array(events[5..<12])))
        let newest = directory.write("events.jsonl", EventSamples.logText(Array(events[12...])))
        let read = try readAll(LogReader(paths: [newest, middle, oldest]))
        #expect(read.map(\.seq) == events.map(\.seq))
    }

    @Test func ordersByRotationSuffixWhenTimesTie() throws {
        #expect(LogFileOrder.rotationNumber("/var/log/events.jsonl.12.gz") == 12)
        #expect(LogFileOrder.rotationNumber("events.jsonl") == 0)
        let a = directory.write("events.jsonl", EventSamples.logText([events[1]]))
        let b = directory.write("events.jsonl.1", EventSamples.logText([events[0]]))
        // Both start at the same time: the rotated one is older.
        #expect(try LogFileOrder.sorted([a, b]) == [b, a])
    }

    @Test func namesAMissingFile() {
        #expect(throws: LogReadError(path: directory.path + "/nope", reason: "cannot open: No such file or directory")) {
            try readAll(LogReader(paths: [directory.path + "/nope"]))
        }
    }

    @Test func readsFilesLargerThanItsBuffer() throws {
        let many = Array(repeating: events[5], count: 20_000)
        let path = directory.write("big.jsonl", EventSamples.logText(many))
        var count = 0
        let reader = try LogReader(paths: [path])
        while try reader.next() != nil { count += 1 }
        #expect(count == 20_000)
        #expect(reader.location == "\(path):20000")
    }

    @Test func followsAppendsTruncationAndRotation() throws {
        let path = directory.write("events.jsonl", EventSamples.logText([events[0]]))
        var warnings: [String] = []
        let reader = try LogReader(paths: [path]) { warnings.append($0) }
        reader.startFollowing()
        #expect(try reader.next()?.kind == .start)
        #expect(try reader.next() == nil)

        directory.append("events.jsonl", Array(EventSamples.line(events[1]).prefix(10)))
        #expect(try reader.next() == nil, "a half-written line waits")
        directory.append("events.jsonl", Array(EventSamples.logText([events[1]]).dropFirst(10)))
        #expect(try reader.next()?.kind == .exists)

        directory.append("events.jsonl", EventSamples.logText([events[2]]))
        directory.rename("events.jsonl", to: "events.jsonl.1")
        directory.write("events.jsonl", EventSamples.logText([events[3]]))
        #expect(try reader.checkFollowedFile() == .rotated)
        #expect(try reader.next()?.seq == 2, "the rest of the old file first")
        #expect(try reader.next()?.seq == 3)
        #expect(try reader.next() == nil)

        // Same inode, shorter: truncated and rewritten in place.
        directory.write("events.jsonl", EventSamples.logText([events[4]]))
        #expect(try reader.checkFollowedFile() == .truncated)
        #expect(try reader.next()?.seq == 4)
        #expect(warnings == ["\(path): file was truncated; reading it from the start"])
    }

    @Test func theFuzzCorpusIsSkippedLineByLine() throws {
        let reader = try LogReader(paths: [Fixtures.path("damaged.jsonl")], skipInvalid: true)
        var kinds: [EventKind] = []
        while let event = try reader.next() { kinds.append(event.kind) }
        #expect(kinds == [.start, .fork, .stop])
        #expect(reader.invalidLineCount == 9)
    }
}
