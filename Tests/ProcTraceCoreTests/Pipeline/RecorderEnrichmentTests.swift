import ProcTraceCore
import ProcTraceTestSupport
import Synchronization
import Testing

/// The recorder holds records whose hash is not done, in order, within
/// bounds; it never waits on the enricher, and what it gives up it says.
@Suite struct RecorderEnrichmentTests {
    /// An enricher whose results the test hands out, on a clock the test moves.
    final class ScriptedEnricher: EventEnricher {
        var done: [UInt32: SHA256Digest] = [:]
        var warnings: [Event] = []
        private(set) var skipped = HashSkipCounts()
        let workersAbandoned: UInt64 = 0

        func complete(_ event: inout Event) -> Bool {
            guard let digest = done.removeValue(forKey: event.enrichmentTicket) else { return false }
            event.completeDigest(.success(digest))
            return true
        }

        func giveUp(_ event: inout Event, because reason: HashSkipReason) {
            skipped.count(reason)
            event.completeDigest(.failure(HashSkipError(reason)))
        }

        func takeWarnings() -> [Event] {
            defer { warnings.removeAll() }
            return warnings
        }
    }

    final class MemorySink: LogSink {
        var bytes: [UInt8] = []
        func write(_ data: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: data) }
        func flush() throws {}
        func lines() throws -> [Event] {
            let decoder = JSONLineDecoder()
            return try bytes.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Array($0)) }
        }
    }

    final class ManualClock: Sendable {
        private let nanoseconds = Atomic<Int64>(1_000_000_000)
        var now: Int64 {
            get { nanoseconds.load(ordering: .relaxed) }
            set { nanoseconds.store(newValue, ordering: .relaxed) }
        }
    }

    static let digest = SHA256Digest(bytes: Array(0..<32))

    /// exec records of `count` processes; the ones in `waiting` hold a ticket (their pid).
    static func execs(_ count: Int, waiting: Set<Int32>) -> [Event] {
        (0..<count).map { index in
            let pid = Int32(100 + index)
            var event = LifecycleEvents.exec(pid, ppid: 1, start: UInt64(pid), argv: ["/bin/true", "n\(index)"],
                                             at: EventSamples.baseTime + Int64(index))
            event.context = ProcessContext()
            if waiting.contains(pid) {
                event.enrichmentTicket = UInt32(pid)
                event.unavailable.insert(.exeSHA256)
            }
            return event
        }
    }

    static func recorder(_ events: [Event], _ enricher: ScriptedEnricher, _ clock: ManualClock, _ sink: MemorySink,
                         bounds: EnrichmentBounds = EnrichmentBounds(wait: 250_000_000, records: 1000, bytes: 1 << 20))
        throws -> (Recorder, GeneratedEventSource) {
        // Once the events are out, every poll finds nothing and time moves on 100 ms (as a real poll's wait would).
        var remaining = events[...]
        let source = GeneratedEventSource(batch: 1000) {
            if let event = remaining.popFirst() { return event }
            clock.now += 100_000_000
            return nil
        }
        let recorder = Recorder(source: source, sink: sink, parents: FakeParentLookup(),
                                enrichment: .init(enricher: enricher, bounds: bounds, clock: { clock.now }))
        try recorder.start(EventSamples.start().stream!, time: EventSamples.baseTime)
        return (recorder, source)
    }

    static func execLines(_ sink: MemorySink) throws -> [Event] { try sink.lines().filter { $0.kind == .exec } }

    @Test func recordsBehindAWaitingOneWaitAndLeaveInOrderWithItsHash() throws {
        let (enricher, clock, sink) = (ScriptedEnricher(), ManualClock(), MemorySink())
        let (recorder, _) = try Self.recorder(Self.execs(5, waiting: [101]), enricher, clock, sink)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.execLines(sink).map(\.pid) == [100], "the rest wait behind 101")
        #expect(recorder.heldCount == 4)
        enricher.done[101] = Self.digest
        try recorder.pump(timeoutMilliseconds: 0)
        let lines = try Self.execLines(sink)
        #expect(lines.map(\.pid) == [100, 101, 102, 103, 104])
        #expect(lines[1].context?.exeSHA256 == Self.digest && !lines[1].unavailable.contains(.exeSHA256))
        let seqs = try sink.lines().map(\.seq)
        #expect(seqs == Array(1...UInt64(seqs.count)))
    }

    @Test func aHashNotDoneInTimeGoesOutNullWithItsReasonAndTheStopCountsIt() throws {
        let (enricher, clock, sink) = (ScriptedEnricher(), ManualClock(), MemorySink())
        let (recorder, _) = try Self.recorder(Self.execs(3, waiting: [100]), enricher, clock, sink)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.execLines(sink).isEmpty)
        clock.now += 40_000_000 // with the polls' 100 ms each: 240 ms since it was held
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.execLines(sink).isEmpty, "still within its wait")
        try recorder.pump(timeoutMilliseconds: 0) // 340 ms
        let lines = try Self.execLines(sink)
        #expect(lines.map(\.pid) == [100, 101, 102])
        #expect(lines[0].context?.exeSHA256 == nil && lines[0].unavailable.contains(.exeSHA256))
        #expect(lines[0].context?.exeSHA256Skipped == .timeout)
        try recorder.finish(time: EventSamples.baseTime + 1000)
        let stop = try #require(try sink.lines().last)
        #expect(stop.kind == .stop && stop.notice?.hashSkipped == ["hash_timeout: 1"])
    }

    @Test func pastTheBoundTheOldestGoesOutWithoutItsHashNeverDropped() throws {
        let (enricher, clock, sink) = (ScriptedEnricher(), ManualClock(), MemorySink())
        let waiting = Set((100..<150).map { Int32($0) })
        let bounds = EnrichmentBounds(wait: 10_000_000_000, records: 10, bytes: 1 << 20)
        let (recorder, _) = try Self.recorder(Self.execs(50, waiting: waiting), enricher, clock, sink, bounds: bounds)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(recorder.heldCount == 10)
        let lines = try Self.execLines(sink)
        #expect(lines.map(\.pid) == (100..<140).map { Int32($0) })
        #expect(lines.allSatisfy { $0.context?.exeSHA256Skipped == .queueFull })
        #expect(enricher.skipped[.queueFull] == 40)
    }

    @Test func aStopWaitsAtMostASecondForHashesThenWritesEverything() throws {
        let (enricher, clock, sink) = (ScriptedEnricher(), ManualClock(), MemorySink())
        let bounds = EnrichmentBounds(wait: 10_000_000_000, records: 100, bytes: 1 << 20)
        let (recorder, _) = try Self.recorder(Self.execs(4, waiting: [100, 102]), enricher, clock, sink, bounds: bounds)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(recorder.heldCount == 4)
        enricher.done[100] = Self.digest
        let stopAsked = clock.now
        try recorder.finish(time: EventSamples.baseTime + 1000)
        #expect(clock.now - stopAsked <= 1_200_000_000, "a stop waits a second at most, not the 10 s of --hash-wait")
        let lines = try Self.execLines(sink)
        #expect(lines.map(\.pid) == [100, 101, 102, 103])
        #expect(lines[0].context?.exeSHA256 == Self.digest)
        #expect(lines[2].context?.exeSHA256Skipped == .timeout)
        #expect(try sink.lines().last?.kind == .stop)
    }

    @Test func warningsGoOutInOrderWithTheRecords() throws {
        let (enricher, clock, sink) = (ScriptedEnricher(), ManualClock(), MemorySink())
        let (recorder, _) = try Self.recorder(Self.execs(2, waiting: [100]), enricher, clock, sink)
        try recorder.pump(timeoutMilliseconds: 0)
        var warning = Event(kind: .warning, time: EventSamples.baseTime + 5)
        warning.notice = Notice(code: "device_stalled", message: "a read made no progress")
        enricher.warnings = [warning]
        enricher.done[100] = Self.digest
        try recorder.pump(timeoutMilliseconds: 0)
        let kinds = try sink.lines().map(\.kind)
        #expect(kinds.suffix(3) == [.exec, .exec, .warning])
        let written = try #require(try sink.lines().last)
        #expect(written.notice?.code == "device_stalled" && written.notice?.message == "a read made no progress")
    }
}
