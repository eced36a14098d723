#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport
import Synchronization
import Testing

/// A file output in ECS or OCSF converts and writes on a thread of its own:
/// the Recorder's write returns at once whatever the file does, what does
/// not fit the queue is dropped and counted exactly, and rotations and write
/// failures stay where and as the Recorder would have them.
@Suite(.blocking) struct ConvertingFileSinkTests {
    /// A log file in memory: its writes wait while the gate is shut (at most
    /// `gateLimit`, then they go on) and take `nanosecondsPerLine` for each
    /// line, it rotates by size, and it can fail a chosen write keeping only
    /// its first lines.
    final class GatedFile: ReopenableLogFile, RotatingLogSink, @unchecked Sendable {
        struct State {
            var open: Bool
            var files: [[UInt8]] = [[]]
            var reopened = 0
            var writes = 0
            /// Fail the write with this number (1 = the first), keeping this many whole lines.
            var failWrite: (number: Int, keptLines: Int)?
        }
        let state: Mutex<State>
        let maximumBytes: Int
        let gateLimit: Int64
        let nanosecondsPerLine: Int64

        init(open: Bool, maximumBytes: Int = .max, gateLimit: Int64 = 2_000_000_000, nanosecondsPerLine: Int64 = 0) {
            state = Mutex(State(open: open))
            self.maximumBytes = maximumBytes
            self.gateLimit = gateLimit
            self.nanosecondsPerLine = nanosecondsPerLine
        }

        func openGate() { state.withLock { $0.open = true } }
        var files: [[UInt8]] { state.withLock { $0.files } }
        var bytes: [UInt8] { files.flatMap { $0 } }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            let until = Clock.monotonicNanoseconds + gateLimit
            while !state.withLock({ $0.open }) && Clock.monotonicNanoseconds < until { usleep(1_000) }
            if nanosecondsPerLine > 0 { usleep(UInt32(Int64(ConvertingFileSinkTests.count(bytes)) * nanosecondsPerLine / 1_000)) }
            let batch = Array(bytes)
            let kept = state.withLock { state -> Int? in
                state.writes += 1
                var kept = batch.count
                if let fail = state.failWrite, fail.number == state.writes {
                    kept = batch.withUnsafeBytes { ConvertingFileSink.prefix(of: $0, lines: UInt64(fail.keptLines)) }
                }
                state.files[state.files.count - 1] += batch[..<kept]
                return kept < batch.count ? kept : nil
            }
            if let kept {
                throw LogWriteFailure(keptBytes: kept, errno: ENOSPC, underlying: SystemCallError("write", "gated", errno: ENOSPC))
            }
        }

        func flush() throws {}
        var needsRotation: Bool { bytesBeforeRotation == 0 }
        var bytesBeforeRotation: Int { state.withLock { max(0, maximumBytes - $0.files[$0.files.count - 1].count) } }
        func rotate() throws { state.withLock { $0.files.append([]) } }
        func reopen() throws -> [String] {
            state.withLock { $0.reopened += 1 }
            return []
        }
        func reopenIfDeleted() throws -> String? { nil }
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
            let (start, time) = (UInt64(1000 + n), EventSamples.baseTime + Int64(n) * 1000)
            events.append(E.fork(pid, ppid: 10, start: start, at: time))
            events.append(E.exec(pid, ppid: 10, start: start, argv: ["/bin/true", "pt-\(n)"], at: time + 1))
            events.append(E.exit(pid, ppid: 10, start: start, at: time + 2))
            events.append(E.reap(pid, start: start, at: time + 3))
        }
        return events
    }

    /// Records `events` into `sink`, timing each pump (write errors are counted and recording goes on).
    static func record(_ events: [Event], into sink: LogSink, finish: Bool = true) throws -> (Recorder, slowestPump: Int64) {
        let source = GeneratedEventSource(batch: 25, events: events)
        let recorder = Recorder(source: source, sink: sink, parents: FakeParentLookup())
        try recorder.start(EventSamples.start().stream!, time: EventSamples.baseTime)
        var slowest: Int64 = 0
        while !source.isExhausted {
            let before = Clock.monotonicNanoseconds
            do { try recorder.pump(timeoutMilliseconds: 0) } catch is LogWriteFailure {}
            slowest = max(slowest, Clock.monotonicNanoseconds - before)
        }
        if finish { try recorder.finish(time: EventSamples.baseTime + 10_000_000) }
        return (recorder, slowest)
    }

    /// What FormattingSink makes of the same recording on the caller's thread.
    static func convertedDirectly(_ events: [Event], format: OutputFormat) throws -> [UInt8] {
        let memory = MemorySink()
        _ = try record(events, into: FormattingSink(memory, format: format))
        return memory.bytes
    }

    static func count(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bytes.lazy.filter { $0 == 0x0a }.count)
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The number after `"key":` in a converted line.
    static func number(_ key: String, in line: String) -> UInt64? {
        guard let range = line.range(of: "\"\(key)\":") else { return nil }
        return UInt64(line[range.upperBound...].prefix { $0.isNumber })
    }

    @Test(arguments: [OutputFormat.ecs, .ocsf])
    func theRecorderNeverWaitsForTheConversionOrTheFile(format: OutputFormat) throws {
        // Shut for 2 s: a write on the record thread (the old FormattingSink) waits that long.
        let file = GatedFile(open: false)
        let sink = ConvertingFileSink(file, name: "gated", format: format, watched: false, onNotice: { _ in })
        sink.start()
        defer { sink.stop() }
        let events = Self.events(shortLived: 500)
        let began = Clock.monotonicNanoseconds
        let (recorder, slowest) = try Self.record(events, into: sink, finish: false)
        let recording = Clock.monotonicNanoseconds - began
        // 2,000 records went through the Recorder while the file took nothing.
        #expect(slowest < 200_000_000, "a pump took \(slowest / 1_000_000) ms")
        #expect(recording < 1_000_000_000, "recording took \(recording / 1_000_000) ms")
        #expect(file.bytes.count == 0)
        file.openGate()
        try recorder.finish(time: EventSamples.baseTime + 10_000_000)
        // Everything queued is written before finish returns, as the record thread would have written it.
        #expect(file.bytes == (try Self.convertedDirectly(events, format: format)))
        #expect(recorder.unwritten == 0)
        #expect(sink.snapshot.sent == recorder.written && sink.snapshot.dropped == 0)
    }

    @Test func aFullQueueDropsForThisOutputAloneAndCountsExactly() throws {
        let file = GatedFile(open: false, gateLimit: 60_000_000_000)
        // Bounds small enough for a debug build to convert what fits within the stop's grace.
        let sink = ConvertingFileSink(file, name: "gated", format: .ecs, watched: false, queueRecords: 5_000, onNotice: { _ in })
        sink.start()
        let total = 5_000 + 4_000
        var events = [EventSamples.start()]
        for n in 1..<total {
            var fork = LifecycleEvents.fork(Int32(100 + n % 30_000), ppid: 1, start: UInt64(n), at: EventSamples.baseTime)
            fork.seq = UInt64(n + 1)
            events.append(fork)
        }
        let text = EventSamples.logText(events)
        var kept = 0
        var failures: [LogWriteFailure] = []
        let batch = 1_000
        var offset = 0
        text.withUnsafeBytes { all in
            while offset < all.count {
                let end = offset + ConvertingFileSink.prefix(of: UnsafeRawBufferPointer(rebasing: all[offset...]), lines: UInt64(batch))
                guard end > offset else { break }
                let slice = UnsafeRawBufferPointer(rebasing: all[offset..<end])
                do {
                    try sink.write(slice)
                    kept += Int(Self.count(slice))
                } catch let failure as LogWriteFailure {
                    failures.append(failure)
                    kept += Int(Self.count(UnsafeRawBufferPointer(rebasing: slice.prefix(failure.keptBytes))))
                } catch {
                    Issue.record("\(error)")
                }
                offset = end
            }
        }
        #expect(kept == 5_000)
        #expect(!failures.isEmpty && failures.allSatisfy { "\($0)".contains("falls behind") })
        let dropped = UInt64(total - kept)
        #expect(sink.snapshot.dropped == dropped && sink.snapshot.droppedFull == dropped)
        file.openGate()
        try sink.flush()
        sink.stop()
        #expect(Self.lines(file.bytes).count == kept)
        #expect(sink.snapshot.sent == UInt64(kept) && sink.snapshot.waiting == 0)
    }

    @Test(arguments: [OutputFormat.ecs, .ocsf])
    func rotationsFallBetweenTheLinesTheRecorderRotatedAt(format: OutputFormat) throws {
        let file = GatedFile(open: true, maximumBytes: 24 * 1024)
        let sink = ConvertingFileSink(file, name: "gated", format: format, watched: false, maximumBytes: 24 * 1024, onNotice: { _ in })
        sink.start()
        defer { sink.stop() }
        let (recorder, _) = try Self.record(Self.events(shortLived: 400), into: sink)
        let files = file.files.map(Self.lines)
        #expect(recorder.rotations > 3 && files.count == recorder.rotations + 1)
        var nextSeq: UInt64 = 1
        for (index, lines) in files.enumerated() {
            // Each file begins with its `start` and the live processes, and the numbering goes on unbroken.
            #expect(lines.first?.contains("\"start\"") == true, "file \(index) begins \(lines.first ?? "empty")")
            for line in lines {
                #expect(Self.number("sequence", in: line) == nextSeq)
                nextSeq += 1
            }
            // Within a batch of the size the estimate foresees.
            #expect(lines.reduce(0) { $0 + $1.utf8.count + 1 } < 24 * 1024 + 256 * 1024, "file \(index)")
        }
        #expect(nextSeq == recorder.nextSeq)
    }

    @Test func aWriteThatFailsLaterIsCountedExactlyInTheStopRecord() throws {
        let file = GatedFile(open: true)
        file.state.withLock { $0.failWrite = (number: 2, keptLines: 7) }
        let sink = ConvertingFileSink(file, name: "gated", format: .ecs, watched: false, onNotice: { _ in })
        sink.start()
        defer { sink.stop() }
        let (recorder, _) = try Self.record(Self.events(shortLived: 300), into: sink)
        let lines = Self.lines(file.bytes)
        let stop = try #require(lines.last)
        #expect(recorder.unwritten > 0)
        #expect(Self.number("unwritten", in: stop) == recorder.unwritten)
        #expect(UInt64(lines.count) == recorder.nextSeq - 1 - recorder.unwritten)
        #expect(recorder.written == UInt64(lines.count))
        #expect(sink.snapshot.droppedWriteFailed == recorder.unwritten && sink.snapshot.writeError?.contains("No space left") == true)
    }

    /// A file slower than the stop's grace: what the grace leaves is dropped,
    /// and the file still ends with the `stop` record, which counts it.
    @Test func whatTheStopsGraceLeavesIsCountedByTheStopRecordAtTheFilesEnd() throws {
        // 2,000 records at 1 ms a line outlast a grace of 0.3 s; the chunk being written (at most 256 KiB,
        // ~1,000 lines) ends within the 2 s the stop record is given.
        let file = GatedFile(open: true, nanosecondsPerLine: 1_000_000)
        let sink = ConvertingFileSink(file, name: "slow", format: .ecs, watched: false, stopGrace: 300_000_000, onNotice: { _ in })
        sink.start()
        defer { sink.stop() }
        let (recorder, _) = try Self.record(Self.events(shortLived: 500), into: sink)
        let lines = Self.lines(file.bytes)
        let stop = try #require(lines.last)
        #expect(stop.contains("\"action\":\"stop\""), "the file ends \(stop.prefix(200))")
        #expect(recorder.unwritten > 0 && sink.snapshot.droppedAtStop == recorder.unwritten)
        #expect(Self.number("unwritten", in: stop) == recorder.unwritten)
        #expect(UInt64(lines.count) == recorder.nextSeq - 1 - recorder.unwritten)
    }

    @Test func aReopenFallsWhereItWasAsked() throws {
        let file = GatedFile(open: false)
        let sink = ConvertingFileSink(file, name: "gated", format: .ecs, watched: false, onNotice: { _ in })
        sink.start()
        let line = EventSamples.logText([EventSamples.start()])
        try line.withUnsafeBytes { try sink.write($0) }
        _ = try sink.reopen()
        #expect(file.state.withLock { $0.reopened } == 0)  // the writer is still in the first write
        file.openGate()
        try sink.flush()
        sink.stop()
        #expect(file.state.withLock { $0.reopened } == 1 && Self.lines(file.bytes).count == 1)
    }
}
