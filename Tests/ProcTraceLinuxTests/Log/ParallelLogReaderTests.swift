import Foundation
import ProcTraceCore
import ProcTraceTestSupport
import ProcTraceLinux
import Testing

/// Decoding ahead on threads (LogReader's `decodingThreads`) must change
/// nothing a caller sees: the same records, the same FILE:LINE after each,
/// the same warnings, the same error at the same place, the same counts.
/// Every case is read inline and with 1, 2 and 3 threads and compared.
@Suite struct ParallelLogReaderTests {
    let directory = TemporaryDirectory()
    let events = EventSamples.everyKind()

    /// Everything a caller can observe while reading to the end (or to the first error).
    private func trace(_ paths: [String], skipInvalid: Bool, threads: Int, stopAfter: Int? = nil,
                       eachRecord: Bool = false) -> [String] {
        var warnings: [String] = []
        var seen: [String] = []
        do {
            let reader = try LogReader(paths: paths, skipInvalid: skipInvalid, decodingThreads: threads) { warnings.append($0) }
            do {
                if eachRecord {
                    try reader.forEachRecord { event in
                        seen.append("\(reader.location) \(String(decoding: EventSamples.line(event), as: UTF8.self))")
                        return stopAfter.map { seen.count < $0 } ?? true
                    }
                } else {
                    while let event = try reader.next() {
                        seen.append("\(reader.location) \(String(decoding: EventSamples.line(event), as: UTF8.self))")
                        if let stopAfter, seen.count >= stopAfter { break }
                    }
                }
                seen.append("end at \(reader.location)")
            } catch {
                seen.append("error \(error) at \(reader.location)")
                // Asked again after an error, the reader goes on with the next line, as it does inline.
                seen.append("again: " + ((try? reader.next()).map { $0.map { "seq \($0.seq)" } ?? "end" } ?? "error")
                            + " at \(reader.location)")
            }
            seen.append("invalid \(reader.invalidLineCount) first \(reader.firstInvalidLine.map { "\($0)" } ?? "-")")
        } catch {
            seen.append("open: \(error)")
        }
        return seen + warnings.map { "warning \($0)" }
    }

    private func expectSame(_ paths: [String], skipInvalid: Bool = false, stopAfter: Int? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let inline = trace(paths, skipInvalid: skipInvalid, threads: 0, stopAfter: stopAfter)
        // Inline and ahead, record by record (next) and in place (forEachRecord).
        for (threads, eachRecord) in [(0, true), (1, false), (2, false), (3, false), (1, true), (2, true)] {
            let ahead = trace(paths, skipInvalid: skipInvalid, threads: threads, stopAfter: stopAfter, eachRecord: eachRecord)
            #expect(ahead.count == inline.count, "\(threads) threads, forEachRecord \(eachRecord)", sourceLocation: sourceLocation)
            if let first = zip(ahead, inline).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                Issue.record("\(threads) threads, forEachRecord \(eachRecord), entry \(first.offset): \(first.element.0) ≠ inline \(first.element.1)",
                             sourceLocation: sourceLocation)
            }
        }
    }

    /// Many chunks' worth of records (a chunk holds at most 2,048 lines, 256 KiB).
    private func manyLines(_ count: Int) -> [[UInt8]] {
        (0..<count).map { index in
            var event = events[2 + index % (events.count - 2)]
            event.seq = UInt64(index + 1)
            return record(event)
        }
    }

    /// One record's line, with its newline.
    private func record(_ event: Event) -> [UInt8] {
        EventSamples.line(event) + [0x0a]
    }

    private func write(_ name: String, _ lines: [[UInt8]], tail: [UInt8] = []) -> String {
        directory.write(name, Array(lines.joined()) + tail)
    }

    /// The decoding threads are named and run 5 nice steps below the thread that takes the records: with
    /// more threads than cores, that thread, which every record waits for, keeps a core of its own.
    @Test func theDecodingThreadsRunBelowTheThreadThatTakesTheRecords() throws {
        let path = write("priority.jsonl", [record(events[0])] + manyLines(20_000))
        let own = try #require(Self.nice(ofTask: "thread-self"))
        var decoders: [Int32] = []
        let reader = try LogReader(paths: [path], decodingThreads: 2)
        try reader.forEachRecord { _ in
            if decoders.isEmpty { decoders = Self.nicesOfThreads(named: "proctrace-parse") }
            return true
        }
        #expect(!decoders.isEmpty, "no thread named proctrace-parse while decoding")
        #expect(decoders.allSatisfy { $0 == own + 5 }, "nice \(decoders), the reading thread's \(own)")
    }

    /// Field 19 of /proc/self/`task`/stat (after the parenthesised name, which may hold blanks).
    private static func nice(ofTask task: String) -> Int32? {
        let path = task == "thread-self" ? "/proc/thread-self/stat" : "/proc/self/task/\(task)/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 16 ? Int32(fields[16]) : nil
    }

    private static func nicesOfThreads(named name: String) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
            return comm == name + "\n" ? nice(ofTask: task) : nil
        }
    }

    @Test func whatTheAnnotatorNotedOfARecordComesWithThatRecord() throws {
        var lines = [record(events[0])] + manyLines(9_000)
        lines[4_100] = Array("not json\n".utf8)
        let path = write("notes.jsonl", lines)
        // Notes: the record's seq and the line's length, so a note handed with the wrong record shows.
        let reader = try LogReader(paths: [path], skipInvalid: true, decodingThreads: 2,
                                   annotating: { event, notes in notes += [Int32(event.seq), Int32(event.pid)] })
        var noted = 0
        var wrong: [String] = []
        var records = 0
        try reader.forEachRecordWithNotes { event, notes in
            records += 1
            guard let notes else { return true }
            noted += 1
            if Array(notes) != [Int32(event.seq), Int32(event.pid)] { wrong.append("seq \(event.seq): \(Array(notes))") }
            return true
        }
        #expect(records == 9_000)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        // All but the first record of each chunk of 2,048 lines come decoded ahead, with their notes.
        #expect(noted >= records - 10, "\(noted) of \(records) records came with notes")
    }

    @Test func aLargeLogReadsTheSame() {
        let lines = [record(events[0])] + manyLines(9_000)
        let path = write("big.jsonl", lines)
        expectSame([path])
        #expect(trace([path], skipInvalid: false, threads: 2).filter { $0.hasPrefix(path + ":") }.count == 9_001)
    }

    @Test func aMalformedLineAtAndAroundChunkBoundariesIsReportedWithItsLineNumber() {
        for bad in [1, 2, 2_047, 2_048, 2_049, 4_097, 6_000] {
            var lines = [record(events[0])] + manyLines(6_500)
            lines[bad - 1] = Array(#"{"seq":oops}"#.utf8) + [0x0a]
            let path = write("bad-\(bad).jsonl", lines)
            expectSame([path])
            expectSame([path], skipInvalid: true)
        }
    }

    @Test func blankLinesInvalidLinesAndANewerSchemaMidFile() {
        var lines = [record(events[0])] + manyLines(5_000)
        lines[100] = Array("   \t\r\n".utf8)
        lines[2_500] = [0x0a]
        lines[3_000] = Array("not json\n".utf8)
        lines[3_001] = Array("{\"seq\":1}\n".utf8)
        let path = write("mixed.jsonl", lines)
        expectSame([path])
        expectSame([path], skipInvalid: true)
        var newer = lines
        newer[4_000] = Array(#"{"seq":0,"time":"2026-01-01T00:00:00Z","event":"start","format":"proctrace","version":2}"#.utf8) + [0x0a]
        expectSame([write("newer.jsonl", newer)], skipInvalid: true)
    }

    @Test func aTruncatedLastLineIsWarnedAboutTheSame() {
        let lines = [record(events[0])] + manyLines(4_100)
        expectSame([write("cut.jsonl", lines, tail: Array(EventSamples.line(events[5]).prefix(30)))])
        expectSame([write("cut-short.jsonl", [record(events[0])], tail: Array("{\"seq\"".utf8))])
        expectSame([write("empty.jsonl", [])])
    }

    @Test func aLineLongerThanAChunkAndSeqGoingBackwards() {
        var lines = [record(events[0])] + manyLines(3_000)
        var exec = events.first { $0.kind == .exec }!
        exec.argv = ArgumentVector(strings: (0..<40_000).map { "argument-\($0)" })
        exec.seq = 5
        lines[2_500] = record(exec)
        #expect(lines[2_500].count > 256 << 10)
        expectSame([write("long.jsonl", lines)])
    }

    @Test func rotatedAndCompressedFilesReadTheSame() {
        let all = manyLines(7_000)
        let oldest = directory.writeGzip("events.jsonl.2.gz", [UInt8](([record(events[0])] + all[0..<3_000]).joined()))
        let middle = write("events.jsonl.1", Array(all[3_000..<5_000]))
        let newest = write("events.jsonl", Array(all[5_000...]))
        expectSame([newest, middle, oldest])
        let whole = directory.read(oldest)
        expectSame([directory.write("cut.gz", Array(whole.prefix(whole.count / 2)))])
    }

    @Test func stoppingEarlyLeavesNoThreadBehind() {
        let path = write("early.jsonl", [record(events[0])] + manyLines(10_000))
        for stop in [1, 10, 2_049, 9_000] { expectSame([path], stopAfter: stop) }
    }

    @Test func randomMixesOfGoodBadBlankAndLongLines() {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let good = manyLines(64)
        for round in 0..<6 {
            var lines = [record(events[0])]
            for _ in 0..<(1 + random(6_000)) {
                switch random(100) {
                case 0: lines.append(Array("garbage \(random(1000))\n".utf8))
                case 1: lines.append([0x0a])
                case 2: lines.append(Array(String(repeating: "x", count: random(300_000)).utf8) + [0x0a])
                default: lines.append(good[random(good.count)])
                }
            }
            let tail = random(2) == 0 ? [] : Array(good[0].prefix(random(good[0].count)))
            let path = write("random-\(round).jsonl", lines, tail: tail)
            expectSame([path], skipInvalid: random(2) == 0)
        }
    }

    @Test func theTreeAtAMomentIsTheSameReadAhead() throws {
        let lines = [record(events[0])] + manyLines(9_000)
        let path = write("tree.jsonl", lines)
        let reader = try LogReader(paths: [path])
        let firstRecord = try reader.next()
        guard let first = firstRecord?.time else {
            Issue.record("no record in \(path) (\(directory.read(path).count) bytes)")
            return
        }
        for moment in [TreeMoment.end, .afterStart(0), .afterStart(1), .time(first), .time(events[events.count / 2].time)] {
            let inline = try RecordedTreeBuilder.build(at: moment, next: LogReader(paths: [path]).next)
            let ahead = try RecordedTreeBuilder.build(at: moment, records: LogReader(paths: [path], decodingThreads: 2).forEachRecord)
            #expect(ahead.time == inline.time)
            #expect(TreeJSONRenderer(showArguments: true, userName: { _ in nil }).render(ahead.tree.roots)
                    == TreeJSONRenderer(showArguments: true, userName: { _ in nil }).render(inline.tree.roots))
        }
    }
}
