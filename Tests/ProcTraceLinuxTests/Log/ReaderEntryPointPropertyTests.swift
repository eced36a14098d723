import PropertyBased
import ProcTraceCore
import ProcTraceTestSupport
import ProcTraceLinux
import Testing

/// Each reader entry point — tail (LogTail), replay (ReplayWindow, ReplayPacer), stats (LogStatistics and its
/// reports), tree --from (RecordedTreeBuilder and the renderers) — on hostile logs with hostile options: it
/// throws a LogReadError or finishes; it never traps.
@Suite struct ReaderEntryPointPropertyTests {
    static let samples = EventSamples.everyKind().map(EventSamples.line)
    /// Times at the edges: 1677, 1970, 2262, and the nanoseconds around them.
    static let extremeTimes: [Int64] = [.min, .min + 1, -1, 0, 1, 1_000_000_000, EventSamples.baseTime, .max - 1, .max]
    /// Option values as a user, a script or an attacker types them.
    static let hostileOptionTexts = [
        "0", "5", "-1", "1e-15", "1e300", "nan", "inf", "-0", "7500000000", "9223372036.854775807", "9.2e9",
        "1970-01-01T00:00:00Z", "2262-04-11T23:47:16.854775807Z", "2262-04-12T00:00:00Z", "1677-09-21T00:12:43.145224192Z",
        "2026-02-30T00:00:00Z", "2026-11-18T11:06:41+23:59", "\u{1b}[2J", "", " 5", "0x10",
    ]

    /// A log of `count` lines: samples with their time replaced by an extreme one, their seq shuffled,
    /// some mutated as the decoder property tests mutate lines.
    static let hostileLogs = zip(
        Gen.int(in: 0...(samples.count - 1)).array(of: 1...40), Gen.int(in: 0...(extremeTimes.count - 1)).array(of: 40),
        Gen.int(in: 0...12).array(of: 40), Gen.int(in: 0...10_000).array(of: 40), Gen.uint8(in: 0...255).array(of: 40)
    ).map { which, times, mutations, positions, replacements -> [UInt8] in
        var log: [UInt8] = []
        for (index, sample) in which.enumerated() {
            var line = String(decoding: samples[sample], as: UTF8.self)
            if let time = line.range(of: #""time":"[^"]*""#) {
                line.replaceSubrange(time, with: "\"time\":\"\(RFC3339.format(nanoseconds: extremeTimes[times[index]]))\"")
            }
            var bytes = Array(line.utf8)
            if mutations[index] < 4 { LineMutation.apply(mutations[index], to: &bytes, at: positions[index], byte: replacements[index]) }
            log += bytes.filter { $0 != 0x0a } + [0x0a]
        }
        return log
    }

    static let options = Gen.int(in: 0...(hostileOptionTexts.count - 1)).map { hostileOptionTexts[$0] }

    private static func open(_ path: String, skipInvalid: Bool, filter: EventFilter = EventFilter()) throws
        -> (reader: LogReader, replayer: LogReplayer) {
        (try LogReader(paths: [path], skipInvalid: skipInvalid), LogReplayer(filter: filter))
    }

    private static func finishesOrThrowsALogError(_ body: () throws -> Void) {
        do {
            try body()
        } catch is LogReadError {
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func tailPrintsTheLastNOfWhatItWouldPrintInFull() async {
        await propertyCheck(count: 150, input: Self.hostileLogs, Gen.int(in: 0...30), Gen.int(in: 1...2000), Gen.bool,
                            Gen.int(in: 0...3)) { log, last, held, skipInvalid, filterKind in
            let directory = TemporaryDirectory()
            let path = directory.write("hostile.jsonl", log)
            let filter = [EventFilter(), EventFilter(pids: [4242], descendants: true), EventFilter(kinds: [.exec, .reap]),
                          EventFilter(comms: [Comm("bash")])][filterKind]
            let count = last == 30 ? Int.max : last
            let full = try? TailTests.tail([path], filter, skipInvalid: skipInvalid)
            let tail = try? TailTests.tail([path], filter, last: count, maximumHeldBytes: held, skipInvalid: skipInvalid)
            guard let full, let tail else {
                Issue.record("the log could not be opened")
                return
            }
            #expect(tail.lines == Array(full.lines.suffix(count)))
            #expect((tail.error == nil) == (full.error == nil))
            if let error = full.error, !(error is LogReadError) { Issue.record("unexpected error \(error)") }
        }
    }

    @Test func replayWindowsAndPacingTakeAnyOptionsAndTimes() async {
        await propertyCheck(count: 300, input: Self.hostileLogs, Self.options, Self.options, Self.options, Gen.int64()) {
            log, fromText, untilText, speedText, now in
            let directory = TemporaryDirectory()
            let path = directory.write("hostile.jsonl", log)
            let speed = Double(speedText).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? 1
            var pacer = ReplayPacer(speed: speed)
            var window = ReplayWindow(from: try? TimeBound.parse(fromText), until: try? TimeBound.parse(untilText))
            Self.finishesOrThrowsALogError {
                let (reader, replayer) = try Self.open(path, skipInvalid: true)
                while var event = try reader.next() {
                    let place = window.place(of: event.time)
                    if place == .after { break }
                    guard replayer.process(&event), place == .inside else { continue }
                    #expect(pacer.delay(before: event.time, now: now) >= 0)
                    _ = HumanFormatter(clock: .utc).format(event)
                }
            }
        }
    }

    @Test func statisticsOfAnyLogWithAnyThresholdAndListLength() async {
        await propertyCheck(count: 150, input: Self.hostileLogs, Gen.uint64(), Gen.int(in: 1...10_000), Gen.int(in: 1...50)) {
            log, threshold, top, pending in
            let directory = TemporaryDirectory()
            let path = directory.write("hostile.jsonl", log)
            let statistics = LogStatistics(zombieThresholdNs: threshold, listLength: top, maximumPendingZombies: pending)
            var read: UInt64 = 0
            Self.finishesOrThrowsALogError {
                let (reader, replayer) = try Self.open(path, skipInvalid: true)
                while var event = try reader.next() {
                    _ = replayer.process(&event)
                    statistics.add(event, tree: replayer.tree)
                    read += 1
                }
            }
            let report = statistics.finish()
            #expect(report.records == read)
            _ = report.text(clock: .utc)
            _ = report.text(clock: .local)
            #expect(report.json().filter { $0 == "\n" }.count == 1)
        }
    }

    @Test func aTreeAtAnyMomentOfAnyLog() async {
        await propertyCheck(count: 150, input: Self.hostileLogs, Self.options, Gen.bool) { log, atText, arguments in
            let directory = TemporaryDirectory()
            let path = directory.write("hostile.jsonl", log)
            let moment = (try? TimeBound.parse(atText)).map(TreeMoment.init) ?? .end
            Self.finishesOrThrowsALogError {
                let reader = try LogReader(paths: [path], skipInvalid: true)
                let (tree, time) = try RecordedTreeBuilder.build(at: moment, next: reader.next)
                let text = TreeTextRenderer(now: time, showArguments: arguments).render(tree.roots)
                #expect(!text.utf8.contains(0x1b))
                _ = TreeJSONRenderer(showArguments: arguments).render(tree.roots)
            }
        }
    }

    @Test func optionTextsParseOrSayWhyNeverTrap() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 0...32), Gen.int64()) { bytes, start in
            let text = String(decoding: bytes, as: UTF8.self)
            for candidate in [text] + Self.hostileOptionTexts {
                do {
                    _ = try TimeBound.parse(candidate).resolved(recordingStart: start)
                } catch {
                    #expect(!"\(error)".utf8.contains { $0 < 0x20 })
                }
            }
        }
    }
}
