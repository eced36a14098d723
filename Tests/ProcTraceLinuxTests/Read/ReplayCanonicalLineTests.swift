import Foundation
import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport
import Testing

/// `replay --json` writes a record's line as read when encoding the record
/// would give that line again and the tree changed nothing; every other
/// record is encoded. The output must be what encoding every record gives,
/// byte for byte, on a log with hostile strings, nulls, truncated argv,
/// recorded reparents, records the tree fills in, and lines this encoder
/// would not write (other spacing, key order, escapes, an older schema).
@Suite(.blocking, .serialized) struct ReplayCanonicalLineTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-canonical-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The log's lines (no newlines) and the numbers (1-based) of those made non-canonical.
    static func log() -> (lines: [[UInt8]], altered: Set<Int>) {
        var events = EventSamples.everyKind()
        var hostile = EventSamples.process(.exec, pid: 4300, ppid: 4242, comm: "x\u{1b}[2Jy")
        hostile.comm = Comm([0x65, 0x1b, 0xff, 0x22, 0x5c])
        hostile.filename = [0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x22, 0x5c, 0x0a, 0xfe, 0xed, 0xb3, 0x80, 0x09]
        hostile.argv = ArgumentVector([[0xff], [0xc3], Array("a\"b\\c\u{7f}\u{85}".utf8), [], [0xe2, 0x80, 0xae]])
        hostile.argvTruncated = true
        events.append(hostile)
        // A reap written without its comm and ppid: the tree fills them in, so it must be encoded again.
        var worker = EventSamples.process(.fork, pid: 4400, ppid: 4242, comm: "worker")
        worker.time += 8_000_000
        events.append(worker)
        var reap = EventSamples.process(.reap, pid: 4400, ppid: 0, comm: "", at: 9_000_000)
        reap.reapReason = .wait
        events.append(reap)
        // Enough ordinary records for several chunks (~2,000 lines each).
        for index in 0..<3_000 {
            let pid = Int32(10_000 + index)
            var fork = EventSamples.process(.fork, pid: pid, ppid: 4242, at: 10_000_000 + Int64(index) * 10)
            fork.context = EventSamples.context(cwd: "/home/u", exe: "/usr/bin/bash", cgroup: "/user.slice")
            var exec = EventSamples.process(.exec, pid: pid, ppid: 4242, comm: "cc\(index % 7)",
                                            at: fork.time + 1)
            exec.filename = Array("/usr/bin/cc".utf8)
            exec.argv = ArgumentVector(strings: ["cc", "-O2", "file \(index).c", "-o", "\u{e9}t\u{e9}"])
            exec.argvTruncated = index % 11 == 0
            exec.context = EventSamples.context(cwd: "/home/u/src", exe: "/usr/bin/cc", cgroup: "/user.slice")
            var exit = EventSamples.process(.exit, pid: pid, ppid: 4242, comm: "cc\(index % 7)", at: fork.time + 2)
            exit.exitStatus = WaitStatus(exitCode: index % 3)
            var reaped = EventSamples.process(.reap, pid: pid, ppid: 4242, at: fork.time + 3)
            reaped.comm = exec.comm
            reaped.reaper = 4242
            reaped.reapReason = .wait
            events += [fork, exec, exit, reaped]
            if index % 500 == 0 {
                var reparent = EventSamples.process(.reparent, pid: pid, ppid: 1, comm: "orphan", at: fork.time + 1)
                reparent.oldPpid = 4242
                events.append(reparent)
            }
        }
        for index in events.indices { events[index].seq = UInt64(index) }
        var lines = events.map(EventSamples.line)
        var altered: Set<Int> = []
        func alter(_ number: Int, _ change: (String) -> String) {
            let text = String(decoding: lines[number - 1], as: UTF8.self)
            let changed = change(text)
            precondition(changed != text, "line \(number) unchanged")
            lines[number - 1] = Array(changed.utf8)
            altered.insert(number)
        }
        for number in stride(from: 40, to: lines.count, by: 97) {
            switch number % 5 {
            case 0: alter(number) { $0.replacingOccurrences(of: "\"pid\":", with: "\"pid\": ") }   // extra space
            case 1: alter(number) { $0 + " " }                                                      // trailing blank
            case 2: alter(number) { line in                                                        // keys reordered
                let seq = line.range(of: #"\{"seq":[0-9]+,"#, options: .regularExpression)!
                let body = String(line[seq.upperBound...].dropLast())
                return "{" + body + "," + line[line.index(after: seq.lowerBound)..<line.index(before: seq.upperBound)] + "}"
            }
            case 3: alter(number) { line in                                                        // other escape
                line.contains("/") ? line.replacingOccurrences(of: "/", with: "\\/")
                    : line.replacingOccurrences(of: "\"seq\":", with: "\"seq\":\t")
            }
            default: alter(number) { $0.replacingOccurrences(of: ",\"ppid\":", with: " , \"ppid\" :") }
            }
        }
        // An older schema: an exec line without the fields added since (issue 14's context).
        let older = lines.indices.first { !altered.contains($0 + 1)
            && String(decoding: lines[$0], as: UTF8.self).contains(#""event":"exec""#) }!
        alter(older + 1) { line in
            var text = line
            for key in ["auid", "audit_session", "tty", "nspid", "container_id"] {
                text = text.replacingOccurrences(of: #","\#(key)":(null|"[^"]*"|[0-9]+)"#, with: "", options: .regularExpression)
            }
            return text
        }
        return (lines, altered)
    }

    private func write(_ lines: [[UInt8]]) -> String {
        let path = directory.appendingPathComponent("log.jsonl").path
        var bytes: [UInt8] = []
        for line in lines { bytes += line + [0x0a] }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// What replay wrote before lines were kept: every record decoded inline and encoded.
    private func encodedEveryRecord(_ path: String, filter: EventFilter = EventFilter()) throws -> [UInt8] {
        let reader = try LogReader(paths: [path])
        let replayer = LogReplayer(filter: filter)
        let out = ByteBuffer()
        let encoder = JSONLineEncoder()
        while var event = try reader.next() {
            if replayer.process(&event) { encoder.append(event, to: out) }
        }
        return out.array
    }

    @Test func theDecodingThreadsHandOverExactlyTheLinesEncodingGivesAgain() throws {
        let (lines, altered) = Self.log()
        let path = write(lines)
        for threads in [1, 2, 3] {
            let reader = try LogReader(paths: [path], decodingThreads: threads, keepingCanonicalLines: true)
            var withoutLine: Set<Int> = []
            var records = 0
            try reader.forEachRecordWithLine { event, line in
                records += 1
                let number = Int(reader.location.split(separator: ":").last!)!
                if let line {
                    #expect(Array(line) == lines[number - 1], "line \(number)")
                    #expect(EventSamples.line(event) == lines[number - 1], "line \(number)")
                } else {
                    withoutLine.insert(number)
                    #expect(EventSamples.line(event) != lines[number - 1], "line \(number) is canonical")
                }
                return true
            }
            #expect(records == lines.count)
            #expect(withoutLine == altered, "\(threads) threads: \(withoutLine.subtracting(altered).sorted()) \(altered.subtracting(withoutLine).sorted())")
        }
        // Not asked for, or read inline: no lines.
        for (threads, keeping) in [(2, false), (0, true)] {
            let reader = try LogReader(paths: [path], decodingThreads: threads, keepingCanonicalLines: keeping)
            var given = 0
            try reader.forEachRecordWithLine { _, line in
                if line != nil { given += 1 }
                return true
            }
            #expect(given == 0)
        }
    }

    @Test func replayJSONIsByteForByteWhatEncodingEveryRecordGives() throws {
        let (lines, altered) = Self.log()
        #expect(altered.count > 30)
        let path = write(lines)
        let expected = try encodedEveryRecord(path)
        // The log itself differs from it (altered lines, the filled-in reap): replay cannot just copy it.
        #expect(expected != Array(lines.joined(separator: [0x0a])) + [0x0a])
        let run = try ReadCommandRun.run(["replay", "--max", "--json", path])
        #expect(run.exited([0]), "\(run.errorText)")
        #expect(run.output.count == expected.count)
        #expect(run.output == expected, "first difference at byte \(zip(run.output, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")

        let filtered = try ReadCommandRun.run(["replay", "--max", "--json", "--event", "reap,exec", path])
        let expectedFiltered = try encodedEveryRecord(path, filter: EventFilter(kinds: [.reap, .exec]))
        #expect(filtered.exited([0]), "\(filtered.errorText)")
        #expect(filtered.output == expectedFiltered)
    }
}
