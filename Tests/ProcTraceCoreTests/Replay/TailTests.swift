import ProcTraceCore
import Testing

/// What `proctrace tail` does: the log through the tree and the filter, then formatted.
@Suite struct TailTests {
    private func tail(_ filter: EventFilter, last: Int? = nil) throws -> [String] {
        let reader = try LogReader(paths: [Fixtures.path("build.jsonl")])
        let replayer = LogReplayer(filter: filter)
        let formatter = HumanFormatter(clock: .utc)
        var recent = RecentItems<String>(capacity: last ?? Int.max)
        var lines: [String] = []
        while var event = try reader.next() {
            guard replayer.process(&event) else { continue }
            if last != nil { recent.append(formatter.format(event)) } else { lines.append(formatter.format(event)) }
        }
        return last != nil ? recent.elements : lines
    }

    @Test func followsADescendantAcrossItsReparenting() throws {
        #expect(try tail(EventFilter(pids: [101], descendants: true, kinds: [.exec, .exit, .reap])) == [
            "11:06:40.000 start        proctrace 0.1.0 recording on h (bpf, kernel 6.1, schema 1, recorder pid 9, 2026-11-18T11:06:40.000000000Z)",
            "11:06:40.200 exec             101     100 make             make -j2 (/usr/bin/make)",
            "11:06:40.400 exec             102     101 cc               cc -c 'a b.c' (/usr/bin/cc)",
            "11:06:41.400 exit             102     101 cc               exited 1 after 1.100s",
            "11:06:41.600 exec             103     101 cc               cc -c b.c (/usr/bin/cc)",
            "11:06:41.700 exit             101     100 make             exited 2 after 1.600s",
            "11:06:41.700 reap             101     100 make             reaped by 100 (wait)",
            "11:06:42.500 exit             103       1 cc               killed by SIGKILL after 1.000s",
            "11:06:42.600 lost         3 records lost",
            "11:06:49.500 reap             102     101 cc               (freed)",
            "11:06:49.600 reap             103       1 cc               reaped by 1 (wait)",
            "11:06:49.700 stop         17 records, 3 lost, 0 unwritten",
        ])
    }

    @Test func keepsOnlyTheLastLinesAsked() throws {
        #expect(try tail(EventFilter(comms: [Comm("cc")], kinds: [.reap]), last: 2) == [
            "11:06:49.600 reap             103       1 cc               reaped by 1 (wait)",
            "11:06:49.700 stop         17 records, 3 lost, 0 unwritten",
        ])
        var recent = RecentItems<Int>(capacity: 3)
        for number in 1...7 { recent.append(number) }
        #expect(recent.elements == [5, 6, 7])
        var none = RecentItems<Int>(capacity: 0)
        none.append(1)
        #expect(none.elements.isEmpty)
    }

    @Test func replayBoundsAndPace() {
        #expect(TimeBound(parsing: "90") == .sinceStart(90_000_000_000))
        #expect(TimeBound(parsing: "1.5") == .sinceStart(1_500_000_000))
        #expect(TimeBound(parsing: "2026-11-18T11:06:41Z") == .absolute(RFC3339.parse("2026-11-18T11:06:41Z")!))
        #expect(TimeBound(parsing: "-1") == nil && TimeBound(parsing: "soon") == nil && TimeBound(parsing: "nan") == nil)
        #expect(TimeBound.sinceStart(5).resolved(recordingStart: 100) == 105)

        var pacer = ReplayPacer(speed: 2)
        #expect(pacer.delay(before: 1_000, now: 50_000) == 0)
        #expect(pacer.delay(before: 3_000, now: 50_000) == 1_000, "2 µs recorded at double speed: due 1 µs later")
        #expect(pacer.delay(before: 3_000, now: 60_000) == 0, "late records go out at once")
    }
}
