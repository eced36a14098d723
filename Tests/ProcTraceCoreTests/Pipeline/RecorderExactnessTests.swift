import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// Issue 25: what the recorder does so that every backend's log is exact —
/// a move the log would otherwise miss, and the reaps still on their way at
/// the stop (docs/hooks.md, docs/netlink.md).
@Suite struct RecorderExactnessTests {
    typealias MemorySink = RecorderEnrichmentTests.MemorySink
    typealias ManualClock = RecorderEnrichmentTests.ManualClock

    static let time = EventSamples.baseTime

    static func recorder(_ source: EventSource, _ sink: MemorySink, parents: ParentLookup = FakeParentLookup(),
                         clock: ManualClock = ManualClock()) throws -> Recorder {
        let recorder = Recorder(source: source, sink: sink, parents: parents,
                                enrichment: .init(enricher: RecorderEnrichmentTests.ScriptedEnricher(), clock: { clock.now }))
        try recorder.start(EventSamples.start().stream!, time: time)
        return recorder
    }

    @Test func anExitNamingANewParentBeforeTheFormerParentsExitHasItsReparentFirst() throws {
        // The connector reports a parent's exit after moving its children: 20's exit (now under
        // the subreaper 5) comes before its parent 10's.
        let events = [
            LifecycleEvents.fork(10, ppid: 5, start: 10, at: Self.time + 1),
            LifecycleEvents.fork(20, ppid: 10, start: 20, at: Self.time + 2),
            LifecycleEvents.exit(20, ppid: 5, start: 20, at: Self.time + 30),
            LifecycleEvents.exit(10, ppid: 5, start: 10, at: Self.time + 40),
        ]
        let sink = MemorySink()
        let recorder = try Self.recorder(GeneratedEventSource(events: events), sink)
        try recorder.pump(timeoutMilliseconds: 0)
        let lines = try sink.lines().filter { $0.pid == 20 }
        #expect(lines.map(\.kind) == [.fork, .reparent, .exit])
        let move = try #require(lines.first { $0.kind == .reparent })
        #expect(move.oldPpid == 10 && move.ppid == 5)
        #expect(move.time == Self.time + 30, "timed at the exit, the latest the move can have been")
        #expect(try sink.lines().filter { $0.kind == .reparent }.count == 1, "the parent's exit moves no one again")
    }

    /// A child 20 that exited; the kernel has released it (gone), its reap arrives after `polls` empty polls.
    static func releasedZombie(reapAfter polls: Int?, _ clock: ManualClock) -> (GeneratedEventSource, FakeParentLookup) {
        var pending = [LifecycleEvents.fork(20, ppid: 10, start: 20, at: time + 1),
                       LifecycleEvents.exit(20, ppid: 10, start: 20, at: time + 2)][...]
        var empty = 0
        let source = GeneratedEventSource(batch: 100) {
            if let event = pending.popFirst() { return event }
            empty += 1
            clock.now += 10_000_000 // each empty poll waits 10 ms
            if let polls, empty == polls + 1 { return LifecycleEvents.reap(20, start: 20, reaper: 10, reason: .freed, at: time + 3) }
            return nil
        }
        return (source, FakeParentLookup([ProcessID(pid: 20, startTime: 20): .gone]))
    }

    @Test func theStopWaitsForTheReapOfAProcessAlreadyReleased() throws {
        let clock = ManualClock()
        let (source, parents) = Self.releasedZombie(reapAfter: 5, clock)
        let sink = MemorySink()
        let recorder = try Self.recorder(source, sink, parents: parents, clock: clock)
        try recorder.pump(timeoutMilliseconds: 0)
        try recorder.finish(time: Self.time + 10)
        let kinds = try sink.lines().map(\.kind)
        #expect(kinds.suffix(2) == [.reap, .stop], "\(kinds)")
        #expect(!kinds.contains(.warning))
    }

    @Test func aReapThatDoesNotComeWithinTheGraceIsNamedInAWarningBeforeTheStop() throws {
        let clock = ManualClock()
        let (source, parents) = Self.releasedZombie(reapAfter: nil, clock)
        let sink = MemorySink()
        let recorder = try Self.recorder(source, sink, parents: parents, clock: clock)
        try recorder.pump(timeoutMilliseconds: 0)
        let before = clock.now
        try recorder.finish(time: Self.time + 10)
        #expect(clock.now - before <= 600_000_000, "bounded: 500 ms and one poll")
        let lines = try sink.lines()
        #expect(lines.suffix(2).map(\.kind) == [.warning, .stop])
        let warning = try #require(lines.first { $0.kind == .warning })
        #expect(warning.notice?.code == "reaps_missing")
        #expect(warning.notice?.message?.hasSuffix("pids 20") == true, "\(warning.notice?.message ?? "")")
    }

    @Test func aZombieNotReleasedYetDoesNotHoldTheStop() throws {
        let clock = ManualClock()
        let (source, _) = Self.releasedZombie(reapAfter: nil, clock)
        let sink = MemorySink()
        // Its parent has not waited: /proc still shows it.
        let parents = FakeParentLookup([ProcessID(pid: 20, startTime: 20): .parent(10)])
        let recorder = try Self.recorder(source, sink, parents: parents, clock: clock)
        try recorder.pump(timeoutMilliseconds: 0)
        let before = clock.now
        try recorder.finish(time: Self.time + 10)
        #expect(clock.now - before < 100_000_000)
        #expect(try sink.lines().last?.kind == .stop && !sink.lines().contains { $0.kind == .warning })
    }
}
