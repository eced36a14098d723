@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// Times, offsets and speeds at the edges of what a log or a command line can
/// hold: every sum and difference saturates or is refused, none traps.
@Suite struct ExtremeValueTests {
    /// A log from 1970-01-01T00:00:00Z (time 0) to 2262-04-11 (the last nanosecond in 64 bits).
    static let spanningLog: [Event] = {
        var start = EventSamples.start()
        start.seq = 1
        start.time = 0
        var fork = EventSamples.process(.fork, pid: 100)
        fork.seq = 2
        fork.time = 0
        var exit = EventSamples.process(.exit, pid: 100)
        exit.seq = 3
        exit.time = 1_000_000_000
        exit.exitStatus = WaitStatus(exitCode: 1)
        exit.durationNs = .max
        var late = EventSamples.process(.fork, pid: 101)
        late.seq = 4
        late.time = .max
        var early = EventSamples.process(.exit, pid: 101)
        early.seq = 5
        early.time = .min
        return [start, fork, exit, late, early]
    }()

    @Test func thePacerWaitsUntilTheEndOfTimeRatherThanTrap() {
        var slow = ReplayPacer(speed: 1e-15)
        #expect(slow.delay(before: 0, now: 5) == 0)
        #expect(slow.delay(before: 1_000_000_000, now: 5) == Int64.max - 5, "1 s at 1e-15: due after the end of time")
        var pacer = ReplayPacer(speed: 1)
        #expect(pacer.delay(before: .min, now: .max) == 0)
        #expect(pacer.delay(before: .max, now: .max) == 0, "a difference past Int64 saturates")
        var fast = ReplayPacer(speed: 1e300)
        #expect(fast.delay(before: .max, now: 0) == 0)
        #expect(fast.delay(before: .min, now: 0) == 0)
    }

    @Test func boundsSaturateAndSayWhyTheyAreRefused() throws {
        #expect(TimeBound.sinceStart(7_500_000_000_000_000_000).resolved(recordingStart: 7_500_000_000_000_000_000) == .max)
        #expect(TimeBound(parsing: "7500000000") == .sinceStart(7_500_000_000_000_000_000))
        #expect(TimeArithmetic.adding(.min, -1) == .min && TimeArithmetic.difference(.min, .max) == .min)
        #expect(TimeArithmetic.elapsed(from: .min, to: .max) == UInt64.max)
        func reason(_ text: String) -> String {
            do {
                _ = try TimeBound.parse(text)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(reason("-1") == "seconds since the recording began are 0 or more, e.g. 90 or 1.5")
        #expect(reason("1e300").hasPrefix("more than 9200000000 seconds"))
        #expect(reason("2263-01-01T00:00:00Z").hasPrefix("it is outside the times proctrace can represent (1677-09-21"))
        #expect(reason("2026-02-30T00:00:00Z").hasPrefix("it is not a real date and time"))
        #expect(reason("soon").hasPrefix("give an RFC 3339 time"))
        #expect(TreeMoment(parsing: "-1") == nil && TreeMoment(parsing: "5") == .afterStart(5_000_000_000))
    }

    @Test func invalidDatesAreRefusedNotNormalised() {
        for text in ["2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "1900-02-29T00:00:00Z",
                     "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
                     "2026-01-01T00:00:00+24:00"] {
            #expect(RFC3339.check(text) == .failure(.noSuchDate), "\(text)")
        }
        #expect(RFC3339.parse("2024-02-29T00:00:00Z") != nil && RFC3339.parse("2000-02-29T00:00:00Z") != nil)
        #expect(RFC3339.check("2262-04-12T00:00:00Z") == .failure(.outOfRange))
        #expect(RFC3339.check("1677-09-21T00:12:43.145224191Z") == .failure(.outOfRange))
        #expect(RFC3339.check("1677-09-21T00:12:43.145224192Z") == .success(.min))
        // The decoder's fast path too, and what it says.
        let line = #"{"seq":1,"time":"2026-02-30T00:00:00.000000000Z","event":"stop","events":0,"lost":0,"unwritten":0}"#
        #expect(throws: JSONLineDecodingError.invalidRecord(
            #""time" "2026-02-30T00:00:00.000000000Z" is not a real date and time (no such day of that month, or an hour or minute out of range)"#)) {
            try JSONLineDecoder().decode(line)
        }
        let late = #"{"seq":1,"time":"2263-01-01T00:00:00.000000000Z","event":"stop","events":0,"lost":0,"unwritten":0}"#
        #expect { try JSONLineDecoder().decode(late) } throws: { "\($0)".contains("is outside the times proctrace can represent") }
    }

    @Test func aNULInsideAnArgumentOrANameIsRefusedNotSplit() throws {
        var exec = EventSamples.process(.exec, comm: "x")
        exec.argv = ArgumentVector([Array("a".utf8), Array("b".utf8)])
        exec.filename = Array("/bin/x".utf8)
        let line = String(decoding: EventSamples.line(exec), as: UTF8.self)
        let split = line.replacingOccurrences(of: #"["a","b"]"#, with: #"["a\u0000b"]"#)
        #expect(split != line)
        #expect { try JSONLineDecoder().decode(split) } throws: { "\($0)".contains("holds \\u0000 (NUL)") }
        let name = line.replacingOccurrences(of: #""comm":"x""#, with: #""comm":"x\u0000y""#)
        #expect { try JSONLineDecoder().decode(name) } throws: { "\($0)".contains("\"comm\" holds \\u0000") }
        // A file name keeps every byte (it is not split into parts).
        let file = line.replacingOccurrences(of: #""filename":"/bin/x""#, with: #""filename":"/bin/x\u0000y""#)
        #expect(try JSONLineDecoder().decode(file).filename == Array("/bin/x\0y".utf8))
    }

    @Test func statisticsOverTheWholeRangeOfTimes() {
        let statistics = LogStatistics(zombieThresholdNs: 0)
        let tree = ProcessTree()
        for var event in Self.spanningLog {
            tree.apply(&event)
            statistics.add(event, tree: tree)
        }
        let report = statistics.finish()
        #expect(report.records == 5)
        #expect(report.firstTime == 0, "a record at exactly 1970-01-01T00:00:00Z counts")
        #expect(report.lastTime == .max)
        #expect(report.durationNs == UInt64(Int64.max))
        #expect(report.text(clock: .utc).hasPrefix("5 records from 1970-01-01T00:00:00.000000000Z to 2262-04-11T23:47:16.854775807Z"))
        #expect(report.json().contains(#""first_time":"1970-01-01T00:00:00.000000000Z""#))
        var histogram = RateHistogram()
        histogram.add(at: .min)
        histogram.add(at: .max)
        histogram.add(at: 0)
        #expect(histogram.counts.reduce(0, +) == 3 && histogram.counts.count <= RateHistogram.maximumBuckets)
        #expect(histogram.buckets.count == histogram.counts.count)
    }

    @Test func aTreeAtAMomentOfALogSpanningAllTimes() throws {
        for moment in [TreeMoment.afterStart(5_000_000_000), .afterStart(.max), .time(.min), .time(.max), .end] {
            var events = Self.spanningLog[...]
            let (tree, time) = try RecordedTreeBuilder.build(at: moment) { events.popFirst() }
            _ = TreeTextRenderer(now: time).render(tree.roots)
        }
        let zombie = ProcessTree()
        var fork = EventSamples.process(.fork, pid: 7)
        zombie.apply(&fork)
        var exit = EventSamples.process(.exit, pid: 7)
        exit.time = .min
        zombie.apply(&exit)
        #expect(TreeTextRenderer(now: .max).render(zombie.roots).contains("<zombie 5124095h34m>"))
    }

    @Test func pendingZombiesAreBoundedAndTheReportSaysItIsApproximate() {
        let statistics = LogStatistics(zombieThresholdNs: 0, maximumPendingZombies: 100)
        let tree = ProcessTree()
        for pid in Int32(1)...10_000 {
            var exit = EventSamples.process(.exit, pid: pid)
            exit.time = Int64(pid)
            statistics.add(exit, tree: tree)
            #expect(statistics.pendingZombieCount <= 100)
        }
        var end = EventSamples.process(.fork, pid: 20_000)
        end.time = 1_000_000
        statistics.add(end, tree: tree)
        let report = statistics.finish()
        #expect(report.isApproximate)
        #expect(report.lingeringZombies.first?.pid == 1, "the longest-lingering zombies are the ones kept")
        #expect(report.text().contains("zombie counts are approximate"))
    }
}

@Suite struct BoundedReplayTreeTests {
    /// A log of exits that are never reaped: the replayer's tree keeps at most twice its bound of zombies.
    @Test func theTreeForgetsTheLongestDeadZombiesPastItsBound() {
        let replayer = LogReplayer(maximumZombies: 100)
        for pid in Int32(10)...5_009 {
            var exit = EventSamples.process(.exit, pid: pid)
            exit.time = Int64(pid)
            _ = replayer.process(&exit)
            #expect(replayer.tree.count <= 200)
        }
        #expect(replayer.forgottenZombies > 4_000)
        #expect(replayer.tree[5_009] != nil && replayer.tree[10] == nil, "the most recent exits are kept")
        var reap = EventSamples.process(.reap, pid: 5_008)
        _ = replayer.process(&reap)
        #expect(replayer.tree[5_008] == nil)
        let statistics = LogStatistics()
        #expect(statistics.finish(forgottenZombies: replayer.forgottenZombies).isApproximate)
    }
}
