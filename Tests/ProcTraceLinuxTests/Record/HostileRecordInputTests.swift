import Foundation
import Glibc
import Testing

/// `record` and `config check` against hostile options, paths and files:
/// absurd limits refused with a reason, every wait ended by --duration or
/// SIGTERM, paths kept as exact bytes, messages escaped.
@Suite(.blocking) struct HostileRecordInputTests {
    private static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-\(UUID())-\(name)").path
    }

    /// Runs proctrace; kills it and fails if it runs past `limit` seconds (a hang).
    private func run(_ arguments: [String], limit: TimeInterval = 20, signalAfter: TimeInterval? = nil)
        throws -> (status: Int32, errors: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        process.arguments = arguments
        let errorsFile = Self.temporaryPath("stderr")
        try #require(FileManager.default.createFile(atPath: errorsFile, contents: nil))
        defer { unlink(errorsFile) }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let started = Date()
        var signalled = false
        while process.isRunning && Date().timeIntervalSince(started) < limit {
            if let signalAfter, !signalled, Date().timeIntervalSince(started) >= signalAfter {
                kill(process.processIdentifier, SIGTERM)
                signalled = true
            }
            usleep(20_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("proctrace \(arguments.joined(separator: " ")) still ran after \(limit) s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: errorsFile, encoding: .utf8)) ?? "")
    }

    /// --rotate-keep 99999999999 renamed from FILE.1e11 down and ignored --duration and SIGTERM;
    /// --duration 1e300 trapped converting to nanoseconds.
    @Test(arguments: [
        (["--rotate-size", "8K", "--rotate-keep", "99999999999"], "--rotate-keep must be from 1 to 10000"),
        (["--rotate-keep", "0"], "--rotate-keep must be from 1 to 10000"),
        (["--rotate-keep", "-1"], "--rotate-keep must be from 1 to 10000"),
        (["--max-args-bytes", "-1"], "The value '-1' is invalid for '--max-args-bytes"),
        (["--rotate-size", "99999999G"], "--rotate-size must be a size from 4K to 1024G"),
        (["--rotate-size", "999999999999999999999K"], "--rotate-size must be a size from 4K to 1024G"),
        (["--duration", "1e300"], "--duration must be a positive number of seconds, at most 3153600000"),
        (["--duration", "inf"], "--duration must be a positive number of seconds"),
        (["--duration", "nan"], "--duration must be a positive number of seconds"),
        (["--duration", "-1"], "--duration must be a positive number of seconds"),
        (["--ring-buffer-size", "99999999999999999999G"], "--ring-buffer-size must be a power of two"),
        (["--ring-buffer-size", "2G"], "--ring-buffer-size must be a power of two"),
        (["--max-args-bytes", "4294967296"], "--max-args-bytes"),
        (["--max-args-bytes", "262145"], "--max-args-bytes can be at most 262144"),
        (["--file-mode", "7777"], "--file-mode must be octal permissions"),
    ])
    func absurdLimitsAreRefusedWithAReason(_ options: [String], _ reason: String) throws {
        let log = Self.temporaryPath("events.jsonl")
        defer { unlink(log) }
        let (status, errors) = try run(["record", "--config", "/dev/null", "--output", log, "--duration", "1"] + options,
                                       limit: 10)
        #expect(status == 64, "\(errors)")
        #expect(errors.contains(reason), "\(errors)")
    }

    @Test func absurdLimitsInTheConfigurationFileAreRefusedToo() throws {
        let file = Self.temporaryPath("proctrace.toml")
        try "output = \"/tmp/x.jsonl\"\nrotate_size = \"8K\"\nrotate_keep = 99999999999\nduration = 1e300\n"
            .write(toFile: file, atomically: false, encoding: .utf8)
        defer { unlink(file) }
        let (status, errors) = try run(["config", "check", file], limit: 10)
        #expect(status == 1)
        #expect(errors.contains("must be"), "\(errors)")
    }

    /// `record --output FIFO` with no reader blocked in open(), past --duration and SIGTERM.
    @Test func aFIFONobodyReadsEndsAtTheDuration() throws {
        let fifo = Self.temporaryPath("events.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let (status, errors) = try run(["record", "--config", "/dev/null", "--output", fifo, "--duration", "0.5"], limit: 10)
        #expect(status == 1)
        #expect(errors.contains("waiting for a reader on the FIFO \(fifo)"), "\(errors)")
        #expect(errors.contains("nothing reads the FIFO \(fifo)"), "\(errors)")
    }

    @Test func aFIFONobodyReadsEndsOnSIGTERM() throws {
        let fifo = Self.temporaryPath("events.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let (status, errors) = try run(["record", "--config", "/dev/null", "--output", fifo], limit: 10, signalAfter: 0.5)
        #expect(status == 1)
        #expect(errors.contains("nothing reads the FIFO"), "\(errors)")
    }

    /// File names reached stderr raw: ESC[2J cleared the terminal, ESC ]52 set the clipboard.
    @Test func messagesEscapeFileNames() throws {
        let hostile = "/nonexistent/\u{1b}[2J\u{1b}]52;c;aGk=\u{07}"
        for arguments in [["config", "check", hostile + ".toml"], ["record", "--config", hostile + ".toml"],
                          ["record", "--config", "/dev/null", "--output", hostile + ".jsonl", "--duration", "1"],
                          ["record", "--config", "/dev/null", "--max-args-bytes", hostile],
                          ["record", "--config", "/dev/null", "--event", hostile]] {
            let (status, errors) = try run(arguments, limit: 10)
            #expect(status == 1 || status == 64)
            #expect(!errors.utf8.contains(0x1b) && !errors.utf8.contains(0x07), "\(Array(errors.utf8))")
            #expect(errors.contains("/nonexistent/\\e[2J\\e]52;c;aGk=\\x07"), "\(errors)")
        }
    }

    /// A --config name that is not UTF-8 was decoded to U+FFFD and another file looked for.
    @Test func aConfigurationFileNameThatIsNotUTF8IsOpenedExactly() throws {
        let name = Array(Self.temporaryPath("p").utf8) + [0xff, 0xfe] + Array(".toml".utf8)
        let exact = name.map { CChar(bitPattern: $0) } + [0]
        let descriptor = open(exact, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(descriptor >= 0)
        _ = write(descriptor, "rotate_keep = 3\n", 16)
        close(descriptor)
        defer { unlink(exact) }
        let program = Array(Binaries.proctrace.utf8)
        for arguments in [[program, Array("config".utf8), Array("check".utf8), name],
                          [program, Array("config".utf8), Array("check".utf8), Array("--".utf8), name]] {
            #expect(try ChildProcess(Binaries.proctrace, arguments).wait() == 0)
        }
    }

    @Test func aConfigurationFileOthersCanWriteIsRefusedByRecord() throws {
        let file = Self.temporaryPath("proctrace.toml")
        try "redact = \"--password\"\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o666)
        defer { unlink(file) }
        let (status, errors) = try run(["record", "--config", file, "--duration", "0.1"], limit: 10)
        #expect(status == 1)
        #expect(errors == "proctrace: refusing the configuration file \(file): every user can write it (mode 0666); chmod o-w it\n")
    }
}

/// The same, where recording has to start (root).
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct HostileRecordOutputTests {
    /// A log that takes no byte (a full disk): one line naming the call and the cause, exit status 1, no hang.
    @Test func aLogThatCannotTakeTheStartRecordFailsWithOneLine() throws {
        let (status, _, errors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "--output", "/dev/full", "--duration", "5"])
        #expect(status == 1)
        // The hook-mode fallback line (a kernel refusing fentry) comes before it where it applies.
        let lines = errors.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("proctrace: hooks: ") }
        #expect(lines.joined(separator: "\n") == "proctrace: cannot write the start record: write(/dev/full): No space left on device\n", "\(errors)")
    }

    /// `--output` bytes that are not UTF-8 became U+FFFD: the log went to another file.
    @Test func anOutputPathThatIsNotUTF8IsUsedExactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-bytes-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = Array(directory.utf8) + Array("/ev".utf8) + [0xff, 0x80] + Array(".jsonl".utf8)
        let recorder = try ChildProcess(Binaries.proctrace, [
            Array(Binaries.proctrace.utf8), Array("record".utf8), Array("--config=/dev/null".utf8),
            Array("--duration=0.3".utf8), Array("-o".utf8), name,
        ])
        let status = recorder.wait()
        #expect(status == 0)
        let exact = name.map { CChar(bitPattern: $0) } + [0]
        let descriptor = open(exact, O_RDONLY)
        #expect(descriptor >= 0, "no file with the exact name")
        if descriptor >= 0 {
            var head = [UInt8](repeating: 0, count: 64)
            #expect(read(descriptor, &head, 64) == 64)
            #expect(String(decoding: head, as: UTF8.self).contains("\"event\":\"start\""))
            close(descriptor)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 1)
    }

    /// Deleting the log left the recorder writing to an unlinked file, exit 0.
    @Test func aDeletedLogIsCreatedAgainWithEverythingInIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-deleted-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/events.jsonl"
        let recorder = try LiveRecording.startRecorder(log: log)
        usleep(200_000)
        unlink(log)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: log) && Date() < deadline { usleep(50_000) }
        _ = try LiveRecording.run("/bin/true", [])
        usleep(300_000)
        kill(recorder.processIdentifier, SIGTERM)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.contains("\"event\":\"start\"") == true, "what was written before the deletion is kept")
        #expect(lines.last?.contains("\"event\":\"stop\"") == true)
        let seqs = lines.compactMap { line -> Int? in
            LiveRecording.object(line)?["seq"] as? Int
        }
        #expect(seqs == Array(1...seqs.count), "no record lost or doubled")
    }

    /// As root, record appended to a log another user owned (and so could read), keeping its mode.
    @Test func aLogOwnedByAnotherUserIsRefusedAndAWiderModeNarrowed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-owner-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let foreign = directory + "/foreign.jsonl"
        try #require(FileManager.default.createFile(atPath: foreign, contents: Data()))
        #expect(chown(foreign, 65534, 65534) == 0)
        let (refused, _, errors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "--output", foreign, "--duration", "0.2"])
        #expect(refused == 1)
        #expect(errors.hasPrefix("proctrace: cannot open the log: refusing to append to \(foreign): it belongs to uid 65534"), "\(errors)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: foreign)))?.isEmpty == true, "nothing written to it")

        // A log left world-readable, ending in a partial line (a crash).
        let log = directory + "/events.jsonl"
        try #require(FileManager.default.createFile(atPath: log, contents: Data("{\"seq\":1,\"event\":\"start\"}\n{\"seq\":2,\"ev".utf8)))
        chmod(log, 0o644)
        let (status, _, notices) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "--output", log, "--duration", "0.3"])
        #expect(status == 0, "\(notices)")
        var info = stat()
        stat(log, &info)
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(notices.contains("narrowed the permissions of \(log) from 0644 to 0640"), "\(notices)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count > 3)
        #expect(lines[1] == "{\"seq\":2,\"ev", "the damaged line stays on its own, detectably")
        #expect(lines[2].hasPrefix("{\"seq\":1,") && lines[2].contains("\"event\":\"start\""), "the new start is a line of its own")
    }

    /// A FIFO reader that takes nothing held the recorder in write(), past --duration and SIGTERM.
    @Test func aStalledFIFOReaderCannotHoldTheRecorderPastTheDuration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-stall-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/events.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        _ = fcntl(reader, 1031 /* F_SETPIPE_SZ */, 4096)
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--output", fifo, "--duration", "1"]
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        expectEndsOnTimeWithStatus1(recorder)
    }

    /// `record | reader-that-stops`: the write to standard output blocked past --duration.
    @Test func aStalledPipeOnStandardOutputCannotHoldTheRecorderPastTheDuration() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        _ = fcntl(ends[0], 1031 /* F_SETPIPE_SZ */, 4096)
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--duration", "1"]
        recorder.standardOutput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        expectEndsOnTimeWithStatus1(recorder)
    }

    @Test func aLogWhoseDirectoryIsDeletedStopsWithStatus1() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-gone-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let recorder = try LiveRecording.startRecorder(log: directory + "/events.jsonl")
        try FileManager.default.removeItem(atPath: directory)
        let deadline = Date().addingTimeInterval(10)
        while recorder.isRunning && Date() < deadline { usleep(50_000) }
        if recorder.isRunning { kill(recorder.processIdentifier, SIGKILL) }
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 1)
    }

    /// --max-args-bytes 0 gave exec argv:null but exists argv:[] ([] claims no arguments).
    @Test(arguments: ["bpf", "netlink"])
    func maxArgsBytesZeroLeavesArgvNullInExistsAsInExec(_ backend: String) throws {
        let recording = try LiveRecording.record(arguments: ["--backend", backend, "--max-args-bytes", "0"],
                                                 scenarios: ["exec-argv"])
        #expect(recording.exitStatus == 0, "\(recording.standardError)")
        #expect(!recording.lines.contains { $0.contains("\"argv\":[]") })
        let withArguments = recording.records.filter { ["exists", "exec"].contains($0["event"] as? String) }
            .filter { $0["kernel_thread"] as? Bool != true }
        #expect(withArguments.contains { $0["event"] as? String == "exists" })
        #expect(withArguments.contains { $0["event"] as? String == "exec" })
        for record in withArguments {
            #expect(record["argv"] is NSNull, "\(record)")
            #expect((record["unavailable"] as? [String])?.contains("argv") == true, "\(record)")
        }
    }

    /// A 1 s --duration with a reader that takes nothing: over by itself within
    /// 15 s, status 1 for the records it could not write.
    private func expectEndsOnTimeWithStatus1(_ recorder: Process) {
        let deadline = Date().addingTimeInterval(15)
        while recorder.isRunning && Date() < deadline { usleep(50_000) }
        let hung = recorder.isRunning
        if hung { kill(recorder.processIdentifier, SIGKILL) }
        recorder.waitUntilExit()
        #expect(!hung, "still writing 15 s after a 1 s --duration")
        #expect(recorder.terminationStatus == 1, "records it could not write make the status 1")
    }
}
