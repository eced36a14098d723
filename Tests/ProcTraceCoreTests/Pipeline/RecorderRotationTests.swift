import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// Rotation through the Recorder: every file starts with `start` and the live
/// processes, and whatever a write error loses, the counts still add up.
@Suite struct RecorderRotationTests {
    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "No space left on device" }
    }

    /// Log files in memory, rotated by size; can fail chosen writes.
    final class MemoryRotatingSink: RotatingLogSink {
        private(set) var files: [[UInt8]] = [[]]
        let maximumBytes: Int
        /// Fail the first write into the file opened by rotation number N (1 = the first rotation).
        var failFirstWriteAfterRotation: Int?
        private var failNextWrite = false

        init(maximumBytes: Int) { self.maximumBytes = maximumBytes }

        var needsRotation: Bool { files[files.count - 1].count >= maximumBytes }
        var bytesBeforeRotation: Int { max(0, maximumBytes - files[files.count - 1].count) }

        func rotate() throws {
            files.append([])
            failNextWrite = files.count - 1 == failFirstWriteAfterRotation
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            if failNextWrite {
                failNextWrite = false
                throw LogWriteFailure(keptBytes: 0, errno: nil, underlying: DiskFull())
            }
            files[files.count - 1].append(contentsOf: bytes)
        }

        func flush() throws {}

        func lines(ofFile index: Int) throws -> [Event] {
            let decoder = JSONLineDecoder()
            return try files[index].split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Array($0)) }
        }
    }

    /// Ten long-lived processes, then short-lived ones forked, exec'd, exited and reaped.
    static func events(shortLived: Int) -> [Event] {
        typealias E = LifecycleEvents
        var events = [E.exists(1, ppid: 0, start: 1, comm: "init")]
        for pid in Int32(10)..<20 {
            events.append(E.fork(pid, ppid: 1, start: UInt64(pid), at: EventSamples.baseTime))
        }
        for n in 0..<shortLived {
            let pid = Int32(1000 + n)
            let start = UInt64(1000 + n)
            let time = EventSamples.baseTime + Int64(n) * 1000
            events.append(E.fork(pid, ppid: 10, start: start, at: time))
            events.append(E.exec(pid, ppid: 10, start: start, argv: ["/bin/true", "pt-\(n)"], at: time + 1))
            events.append(E.exit(pid, ppid: 10, start: start, at: time + 2))
            events.append(E.reap(pid, start: start, at: time + 3))
        }
        return events
    }

    /// Records `events` into `sink` (write errors are counted and recording goes on).
    static func record(_ events: [Event], into sink: MemoryRotatingSink) throws -> Recorder {
        let source = GeneratedEventSource(batch: 25, events: events)
        let recorder = makeRecorder(source, sink)
        try recorder.start(EventSamples.start().stream!, time: EventSamples.baseTime)
        while !source.isExhausted {
            do { try recorder.pump(timeoutMilliseconds: 0) } catch is LogWriteFailure {}
        }
        try recorder.finish(time: EventSamples.baseTime + 10_000_000)
        return recorder
    }

    static func makeRecorder(_ source: EventSource, _ sink: LogSink) -> Recorder {
        Recorder(source: source, sink: sink, parents: FakeParentLookup())
    }

    @Test func everyFileStartsWithTheStreamAndTheLiveProcessesAndSeqRunsOn() throws {
        let sink = MemoryRotatingSink(maximumBytes: 8192)
        let recorder = try Self.record(Self.events(shortLived: 300), into: sink)
        #expect(recorder.rotations >= 3)
        #expect(sink.files.count == recorder.rotations + 1)
        var seq: UInt64 = 0
        for index in sink.files.indices {
            let lines = try sink.lines(ofFile: index)
            #expect(lines.first?.kind == .start)
            if index > 0 {
                // init and the ten long-lived processes, nothing else is alive between batches.
                #expect(lines.dropFirst().prefix(11).allSatisfy { $0.kind == .exists })
            }
            for line in lines {
                #expect(line.seq == seq + 1)
                seq = line.seq
            }
        }
        let stop = try #require(try sink.lines(ofFile: sink.files.count - 1).last)
        #expect(stop.kind == .stop && stop.unwrittenCount == 0)
        #expect(recorder.written == seq && recorder.unwritten == 0)
    }

    @Test func headsOfANewFileLostToAWriteErrorAreCountedAsUnwritten() throws {
        // One rotation; the first write into the new file (its heads) fails.
        let sink = MemoryRotatingSink(maximumBytes: 150_000)
        sink.failFirstWriteAfterRotation = 1
        let recorder = try Self.record(Self.events(shortLived: 300), into: sink)
        #expect(recorder.rotations == 1)

        // The second file lost its `start` and the `exists` after it (init,
        // the ten long-lived processes, any short-lived one alive then).
        let second = try sink.lines(ofFile: 1)
        #expect(second.first?.kind == .fork || second.first?.kind == .exec || second.first?.kind == .exit
                    || second.first?.kind == .reap)
        #expect(recorder.unwritten >= 12)

        // Every record numbered was either written or counted as unwritten.
        let written = try sink.files.indices.reduce(0) { $0 + (try sink.lines(ofFile: $1)).count }
        #expect(UInt64(written) == recorder.written)
        #expect(recorder.written + recorder.unwritten == recorder.nextSeq - 1)

        // The stop record agrees with its own file (which has no `start`) and with the recorder.
        let stop = try #require(second.last)
        #expect(stop.kind == .stop)
        #expect(stop.unwrittenCount == recorder.unwritten)
        #expect(stop.eventCount == UInt64(second.count - 1))
    }

    /// Fails its second write (the first after `start`); takes every other.
    final class SecondWriteFails: LogSink {
        let memory = MemorySink()
        private var writes = 0
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            writes += 1
            if writes == 2 { throw LogWriteFailure(keptBytes: 0, errno: 28 /* ENOSPC */, underlying: DiskFull()) }
            try memory.write(bytes)
        }
        func flush() throws {}
    }

    /// The disk fills with what the stop drains (records still in the ring at the signal): the write error is
    /// thrown by finish, for the caller to say its cause, not only counted (a drain with `try?` lost it, and
    /// `record` said "N records could not be written" with no reason, once under load in make test).
    @Test func aWriteThatFailsInTheStopsDrainIsThrownAndCounted() throws {
        let sink = SecondWriteFails()
        let source = GeneratedEventSource(batch: 25, events: Self.events(shortLived: 20))
        let recorder = Self.makeRecorder(source, sink)
        try recorder.start(EventSamples.start().stream!, time: EventSamples.baseTime)
        #expect(throws: LogWriteFailure.self) { try recorder.finish(time: EventSamples.baseTime + 10_000_000) }
        let decoder = JSONLineDecoder()
        let lines = try sink.memory.lines.map { try decoder.decode($0) }
        let stop = try #require(lines.last)
        #expect(stop.kind == .stop)
        #expect(recorder.unwritten == 25 && stop.unwrittenCount == 25, "the first batch of the drain")
        #expect(recorder.written + recorder.unwritten == recorder.nextSeq - 1)
    }

    @Test func liveProcessesThatAloneFillAFileDoNotMakeEveryFlushRotate() throws {
        // The heads (start and eleven exists, about 1.6 KB) are larger than a file may be.
        let sink = MemoryRotatingSink(maximumBytes: 1_000)
        let recorder = try Self.record(Self.events(shortLived: 300), into: sink)
        let records = 300 * 4
        #expect(recorder.rotations > 10)
        #expect(recorder.rotations < records / 10, "\(recorder.rotations) rotations for \(records) records")
        for index in sink.files.indices.dropFirst().dropLast() {
            let lines = try sink.lines(ofFile: index)
            let heads = lines.prefix { $0.kind == .start || $0.kind == .exists }
            #expect(lines.count > heads.count, "file \(index) holds more than its heads")
        }
        #expect(recorder.unwritten == 0)
        #expect(recorder.written == recorder.nextSeq - 1)
    }
}
