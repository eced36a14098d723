import Glibc
import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport
import Testing

/// `proctrace tail` is `LogTail` with standard output as `write`: these run it.
@Suite(.blocking) struct TailTests {
    /// LogTail over `paths` with `filter`, rendered by HumanFormatter, returning the lines it wrote.
    static func tail(_ paths: [String], _ filter: EventFilter = EventFilter(), last: Int? = nil,
                     maximumHeldBytes: Int? = nil, skipInvalid: Bool = false,
                     warn: @escaping (String) -> Void = { _ in }) throws -> (lines: [String], error: Error?) {
        let formatter = HumanFormatter(clock: .utc)
        var written: [UInt8] = []
        let tail = LogTail(
            last: last, follow: false,
            open: { (try LogReader(paths: paths, skipInvalid: skipInvalid, warn: warn), LogReplayer(filter: filter)) },
            render: { event, out in
                out.append(contentsOf: formatter.format(event).utf8)
                out.append(0x0a)
            },
            write: { written.append(contentsOf: $0) }, pause: {})
        if let maximumHeldBytes { tail.maximumHeldBytes = maximumHeldBytes }
        var failure: Error?
        do { try tail.run() } catch { failure = error }
        let lines = String(decoding: written, as: UTF8.self).split(separator: "\n").map(String.init)
        return (lines, failure)
    }

    private func tail(_ filter: EventFilter, last: Int? = nil) throws -> [String] {
        let result = try Self.tail([Fixtures.path("build.jsonl")], filter, last: last)
        if let error = result.error { throw error }
        return result.lines
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
        #expect(try tail(EventFilter(), last: 0).isEmpty)
        #expect(try tail(EventFilter(), last: 1_000_000) == (try tail(EventFilter())))
    }

    /// Past `maximumHeldBytes` the lines are counted, not kept, and the file is read a second time.
    @Test func theLastLinesOfAHugeNAreFoundByReadingTwiceInBoundedMemory() throws {
        let everything = try tail(EventFilter())
        for last in [1, 5, 17, 18, 100_000_000] {
            let result = try Self.tail([Fixtures.path("build.jsonl")], last: last, maximumHeldBytes: 300)
            #expect(result.error == nil)
            #expect(result.lines == Array(everything.suffix(last)), "-n \(last)")
        }
        var recent = RecentLines(capacity: 1_000, maximumBytes: 10)
        for _ in 0..<3 { [UInt8]("0123\n".utf8).withUnsafeBytes { recent.append($0) } }
        #expect(recent.overflowed, "three lines of 5 bytes do not fit in 10")
        recent.withBytes { #expect($0.isEmpty, "and nothing is kept once it overflowed") }
    }

    @Test func aPipeThatWouldNeedMoreThanTheBoundIsRefusedWithAReason() throws {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        let log = TemporaryDirectory().read(Fixtures.path("build.jsonl"))
        log.withUnsafeBytes { _ = write(ends[1], $0.baseAddress, $0.count) }
        close(ends[1])
        defer { close(ends[0]) }
        let result = try Self.tail(["/dev/fd/\(ends[0])"], last: 100, maximumHeldBytes: 300)
        #expect(result.lines.isEmpty)
        #expect("\(result.error.map { "\($0)" } ?? "")".contains("cannot be read twice (a pipe)"))
    }

    /// A bad line stops the tail, but what came before it is written first: all of it, or the last N.
    @Test func recordsBeforeABadLineAreWrittenBeforeTheError() throws {
        let directory = TemporaryDirectory()
        var log = directory.read(Fixtures.path("build.jsonl"))
        log += Array("{\"seq\":99,\"time\":\"soon\"}\n".utf8)
        let path = directory.write("bad.jsonl", log)
        let all = try Self.tail([path])
        #expect(all.lines.count == 18)
        #expect((all.error as? LogReadError)?.line == 19)
        let last = try Self.tail([path], last: 3)
        #expect(last.lines == Array(all.lines.suffix(3)))
        #expect((last.error as? LogReadError)?.line == 19)
        let twice = try Self.tail([path], last: 100, maximumHeldBytes: 300)
        #expect(twice.lines == all.lines)
        #expect((twice.error as? LogReadError)?.line == 19)
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
