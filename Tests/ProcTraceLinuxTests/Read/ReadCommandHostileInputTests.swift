import Foundation
import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// `tail`, `replay`, `stats` and `tree --from` run as users run them, on the
/// inputs of issue 18: each exits with a status and a one-line reason, never
/// a trap, a hang, a silent loss or a raw escape on the terminal.
@Suite(.blocking, .serialized) struct ReadCommandHostileInputTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func write(_ name: String, _ events: [Event]) -> String {
        write(name, EventSamples.logText(events))
    }

    private func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directory.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    private func append(_ name: String, _ bytes: [UInt8]) {
        let handle = FileHandle(forWritingAtPath: directory.appendingPathComponent(name).path)!
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        handle.closeFile()
    }

    /// `count` fork records numbered from `seq`.
    static func forks(from seq: UInt64, count: Int, time: Int64 = EventSamples.baseTime) -> [Event] {
        (0..<count).map { offset in
            var event = EventSamples.process(.fork, pid: Int32(truncatingIfNeeded: 1000 + Int(seq) + offset))
            event.seq = seq + UInt64(offset)
            event.time = time
            return event
        }
    }

    static func start(seq: UInt64 = 1, time: Int64 = EventSamples.baseTime) -> Event {
        var start = EventSamples.start()
        start.seq = seq
        start.time = time
        return start
    }

    @Test func aLogSpanningEveryRepresentableTimeNeverTraps() throws {
        var exit = EventSamples.process(.exit, pid: 1001)
        exit.seq = 3
        exit.time = 1_000_000_000
        exit.exitStatus = WaitStatus(exitCode: 1)
        exit.durationNs = .max
        var last = Self.forks(from: 4, count: 1, time: .max)[0]
        last.pid = 2000
        let log = write("spanning.jsonl", [Self.start(time: 0)] + Self.forks(from: 2, count: 1, time: 0) + [exit, last])
        // Starting now, then the last and the first representable nanosecond.
        var first = Self.forks(from: 3, count: 1, time: .min)[0]
        first.pid = 3000
        let now = write("now.jsonl", [Self.start()] + Self.forks(from: 2, count: 1, time: .max) + [first])
        // Starting at the end of time.
        let end = write("end.jsonl", [Self.start(time: .max)] + Self.forks(from: 2, count: 1, time: .max))
        for log in [log, now, end] {
            for arguments in [["replay", "--max", log], ["replay", "--max", "--until", "7500000000", log],
                              ["replay", "--max", "--from", "7500000000", log], ["replay", "--max", "--json", log],
                              ["tree", "--from", log, "--at", "5"], ["tree", "--from", log], ["stats", log],
                              ["stats", "--json", log], ["tail", "-n", "2", log]] {
                let run = try ReadCommandRun.run(arguments)
                #expect(run.exited([0]), "\(arguments): status \(run.status) signal \(run.signal ?? 0): \(run.errorText)")
            }
        }
        let stats = try ReadCommandRun.run(["stats", log])
        #expect(stats.outputText.hasPrefix("4 records from 1970-01-01T00:00:00.000000000Z to 2262-04-11T23:47:16.854775807Z"))
    }

    /// `--speed 1e-15` puts the second record 31 million years away: the wait is real, and SIGTERM ends it.
    @Test func anAbsurdlySlowReplayWaitsAndObeysSIGTERM() throws {
        let log = write("slow.jsonl", [Self.start()] + Self.forks(from: 2, count: 1, time: EventSamples.baseTime + 1_000_000_000))
        let run = try ReadCommandRun.run(["replay", "--speed", "1e-15", log], timeout: 2)
        #expect(run.timedOut && run.signal == SIGTERM, "status \(run.status) signal \(run.signal ?? 0): \(run.errorText)")
        #expect(run.outputLines.count == 1, "the first record went out before the wait")
    }

    /// A legitimate recording of a 200,000-deep shell recursion.
    @Test func aTreeOfADeepForkChainPrintsInLinearSpace() throws {
        let depth = 200_000
        var log = EventSamples.logText([Self.start()])
        for level in 0..<depth {
            var fork = EventSamples.process(.fork, pid: Int32(level + 2), ppid: Int32(level + 1), comm: "sh")
            fork.seq = UInt64(level + 2)
            fork.startTime = UInt64(level + 2)
            log += EventSamples.line(fork) + [0x0a]
        }
        let path = write("chain.jsonl", log)
        let run = try ReadCommandRun.run(["tree", "--from", path], timeout: 300)
        #expect(run.exited([0]), "status \(run.status) signal \(run.signal ?? 0): \(run.errorText)")
        #expect(run.outputLines.count == depth)
        #expect(run.output.count < depth * 400, "\(run.output.count) bytes")
        #expect(run.outputLines.last?.hasSuffix("[depth \(depth - 1)] \(depth + 1) sh") == true)
    }

    @Test func aFIFOAmongTheFilesIsReadOnceWithoutHanging() throws {
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let other = write("other.jsonl", [Self.start(seq: 1, time: EventSamples.baseTime + 10)])
        let text = EventSamples.logText([Self.start()] + Self.forks(from: 2, count: 4))
        let writer = Thread {
            let descriptor = open(fifo, O_WRONLY)
            text.withUnsafeBytes { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
        writer.start()
        let run = try ReadCommandRun.run(["tail", fifo, other], timeout: 30)
        #expect(run.exited([0]), "status \(run.status) timed out \(run.timedOut): \(run.errorText)")
        #expect(run.outputLines.count == 6)
    }

    /// `stats <(cat a.jsonl)` and `cat a.jsonl | proctrace stats /dev/stdin b.jsonl`: more than the reader's
    /// 1 MiB chunk comes through a pipe, and every record of it is counted.
    @Test func pipesAreReadWhole() throws {
        let big = write("a.jsonl", [Self.start()] + Self.forks(from: 2, count: 12_000))
        let other = write("b.jsonl", [Self.start(seq: 1, time: EventSamples.baseTime + 1)])
        let shell = { (script: String) in
            try ReadCommandRun.run(["-c", script], executable: "/bin/bash")
        }
        let substituted = try shell("'\(Binaries.proctrace)' stats --json <(cat '\(big)')")
        #expect(substituted.exited([0]), "\(substituted.errorText)")
        #expect(substituted.outputText.hasPrefix(#"{"records":12001,"#), "\(substituted.outputText.prefix(80))")
        let piped = try shell("cat '\(big)' | '\(Binaries.proctrace)' stats --json /dev/stdin '\(other)'")
        #expect(piped.exited([0]), "\(piped.errorText)")
        #expect(piped.outputText.hasPrefix(#"{"records":12002,"#), "\(piped.outputText.prefix(80))")
        let twice = try ReadCommandRun.run(["stats", "--json", big, big])
        #expect(twice.outputText.hasPrefix(#"{"records":12001,"#), "the same file twice is counted once")
        #expect(twice.errorText.contains("is the same file as"))
    }

    @Test func recordsBeforeABadLineAreWrittenAndTheStatusSaysItFailed() throws {
        let good = EventSamples.logText([Self.start()] + Self.forks(from: 2, count: 499))
        let log = write("bad.jsonl", good + Array("{\"seq\":501,\"event\":\"fork\"}\n".utf8) + good)
        for (arguments, lines) in [(["tail", log], 500), (["tail", "-n", "5", log], 5), (["replay", "--max", log], 500),
                                   (["replay", "--max", "--json", log], 500)] {
            let run = try ReadCommandRun.run(arguments)
            #expect(run.exited([1]), "\(arguments)")
            #expect(run.outputLines.count == lines, "\(arguments)")
            #expect(run.errorText.contains("bad.jsonl:501: fork record has no \"time\""), "\(arguments): \(run.errorText)")
        }
        let stats = try ReadCommandRun.run(["stats", log])
        #expect(stats.exited([1]))
        #expect(stats.outputText.contains("bad.jsonl:501, where reading stopped:\n500 records"), "\(stats.outputText.prefix(200))")
    }

    @Test func aFullDiskIsAOneLineErrorNotExitZero() throws {
        let log = write("log.jsonl", [Self.start()] + Self.forks(from: 2, count: 3))
        for arguments in [["stats", log], ["stats", "--json", log], ["tail", log], ["replay", "--max", log],
                          ["tree", "--from", log]] {
            let run = try ReadCommandRun.run(arguments, stdout: "/dev/full")
            #expect(run.exited([1]), "\(arguments): status \(run.status)")
            #expect(run.errorText == "Error: write(standard output): No space left on device\n", "\(arguments): \(run.errorText)")
        }
    }

    /// OSC 52 (set the clipboard) and ESC[2J (clear the screen) in a log or a file name reach standard error escaped.
    @Test func messagesQuotingTheLogOrAFileNameAreEscaped() throws {
        let crafted = [
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"\u001b]52;c;aGk=\u0007\u001b[2J"}"#,
            #"{"seq":1,"time":"\u001b]52;c;aGk=\u0007","event":"fork"}"#,
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"reap","pid":1,"ppid":0,"comm":"x","start_time":1,"reason":"\u001b[2J"}"#,
            #"{"seq":1,"time":"2026-11-18T11:06:40Z","event":"start","version":1,"format":"\u009b2J"}"#,
        ]
        let evilName = "evil\u{1b}[2J\u{1b}]52;c;aGk=\u{7}.jsonl"
        for line in crafted {
            let path = write(evilName, Array((line + "\n").utf8))
            for arguments in [["tail", path], ["tail", "--skip-invalid", path], ["replay", "--max", path], ["stats", path],
                              ["tree", "--from", path]] {
                let run = try ReadCommandRun.run(arguments)
                #expect(run.exited([0, 1]))
                #expect(run.errorsAreInert, "\(arguments) wrote \(run.errorText.debugDescription)")
            }
        }
        let missing = try ReadCommandRun.run(["tail", directory.appendingPathComponent("no\u{1b}[2Jfile").path])
        #expect(missing.exited([1]) && missing.errorsAreInert, "\(missing.errorText.debugDescription)")
        #expect(missing.errorText.contains("no\\e[2Jfile: cannot open: No such file or directory"))
    }

    @Test func errorsSayWhatIsWrong() throws {
        let log = write("log.jsonl", [Self.start()] + Self.forks(from: 2, count: 3))
        let negative = try ReadCommandRun.run(["tree", "--from", log, "--at", "-1"])
        #expect(negative.exited([64]))
        #expect(negative.errorText.contains("seconds since the recording began are 0 or more"), "\(negative.errorText)")
        let late = try ReadCommandRun.run(["replay", "--until", "2263-01-01T00:00:00Z", log])
        #expect(late.errorText.contains("it is outside the times proctrace can represent"), "\(late.errorText)")
        let february = try ReadCommandRun.run(["replay", "--from", "2026-02-30T00:00:00Z", log])
        #expect(february.errorText.contains("it is not a real date and time"), "\(february.errorText)")
        let speed = try ReadCommandRun.run(["replay", "--speed", "-1", log])
        #expect(speed.errorText.contains("--speed must be a positive number"), "\(speed.errorText)")
        // --skip-invalid is suggested only for what it can pass over.
        var newer = Self.start()
        newer.stream?.version = 2
        let newerLog = write("newer.jsonl", [newer])
        let refused = try ReadCommandRun.run(["stats", newerLog])
        #expect(refused.errorText.contains("schema version 2 is newer") && !refused.errorText.contains("--skip-invalid"))
        let long = write("long.jsonl", [UInt8](repeating: UInt8(ascii: "x"), count: (64 << 20) + 10) + [0x0a])
        let tooLong = try ReadCommandRun.run(["stats", long])
        #expect(tooLong.errorText.contains("line longer than 64 MiB") && !tooLong.errorText.contains("--skip-invalid"),
                "\(tooLong.errorText)")
        let damaged = try ReadCommandRun.run(["stats", write("damaged.jsonl", Array("{\n".utf8))])
        #expect(damaged.errorText.contains("--skip-invalid passes over such lines"))
    }

    /// The recorder rotating 40 times faster than `tail -f` looks (as `record --rotate-size` does
    /// in a storm): every record of every file is shown, in order.
    @Test func tailFollowShowsEveryRecordAcrossManyRotationsBetweenLooks() throws {
        let name = "events.jsonl"
        var seq: UInt64 = 1
        _ = write(name, [Self.start(seq: seq)])
        seq += 1
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        tail.arguments = ["tail", "-f", "--json", directory.appendingPathComponent(name).path]
        let outputURL = directory.appendingPathComponent("tail.out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        tail.standardOutput = try FileHandle(forWritingTo: outputURL)
        let errorURL = directory.appendingPathComponent("tail.err")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        tail.standardError = try FileHandle(forWritingTo: errorURL)
        try tail.run()
        usleep(500_000)
        let path = { (index: Int) in self.directory.appendingPathComponent(index == 0 ? name : "\(name).\(index)").path }
        for rotation in 0..<40 {
            append(name, EventSamples.logText(Self.forks(from: seq, count: 250)))
            seq += 250
            for index in stride(from: rotation, through: 0, by: -1) { rename(path(index), path(index + 1)) }
            _ = write(name, [Self.start(seq: seq)])
            seq += 1
        }
        let expected = Int(seq - 1)
        let deadline = Date().addingTimeInterval(60)
        var shown = 0
        while Date() < deadline {
            shown = ((try? String(contentsOf: outputURL, encoding: .utf8)) ?? "").split(separator: "\n").count
            if shown >= expected { break }
            usleep(100_000)
        }
        tail.terminate()
        tail.waitUntilExit()
        let lines = ((try? String(contentsOf: outputURL, encoding: .utf8)) ?? "").split(separator: "\n")
        let seqs = lines.compactMap { line in try? JSONLineDecoder().decode(String(line)).seq }
        #expect(seqs == Array(1...UInt64(expected)), "\(seqs.count) of \(expected) shown; \(String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self))")
    }
}
