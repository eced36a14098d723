import Foundation

/// One run of the `proctrace` binary for the read-command tests: standard
/// output and error go to files (so neither can fill a pipe and stall it),
/// and a run that outlives `timeout` is stopped with SIGTERM (SIGKILL 5 s
/// later) and says so.
struct ReadCommandRun {
    var status: Int32
    /// Set when a signal ended it (SIGILL/SIGTRAP for a Swift trap, SIGTERM for a timeout).
    var signal: Int32?
    var timedOut: Bool
    var output: [UInt8]
    var errors: [UInt8]

    var outputText: String { String(decoding: output, as: UTF8.self) }
    var errorText: String { String(decoding: errors, as: UTF8.self) }
    var outputLines: [Substring] { outputText.split(separator: "\n") }

    /// `stdin` is a file to read standard input from; `stdout` a path to write it to instead of capturing.
    static func run(_ arguments: [String], stdin: String? = nil, stdout: String? = nil, timeout: TimeInterval = 60,
                    executable: String = Binaries.proctrace) throws -> ReadCommandRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("out"), errorURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdout.map { URL(fileURLWithPath: $0) } ?? outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                // A child that does not obey SIGTERM is the failure being tested for: it must not hang the test too.
                let grace = Date().addingTimeInterval(5)
                while process.isRunning && Date() < grace { usleep(10_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        return ReadCommandRun(
            status: process.terminationStatus,
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
            timedOut: timedOut,
            output: [UInt8]((try? Data(contentsOf: outputURL)) ?? Data()),
            errors: [UInt8]((try? Data(contentsOf: errorURL)) ?? Data()))
    }

    /// Exited (no signal, no timeout) with one of `statuses`.
    func exited(_ statuses: Set<Int32>) -> Bool {
        signal == nil && !timedOut && statuses.contains(status)
    }

    /// Standard error holds nothing a terminal would act on: no control
    /// character but the newline, no DEL, no C1 control.
    var errorsAreInert: Bool {
        var previous: UInt8 = 0
        for byte in errors {
            if (byte < 0x20 && byte != 0x0a) || byte == 0x7f { return false }
            if previous == 0xc2 && (0x80...0x9f).contains(byte) { return false }
            previous = byte
        }
        return true
    }
}
