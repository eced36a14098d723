import Foundation

/// A `proctrace record` started by a test, writing to its own log, ready
/// once its start record is on disk.
final class RunningRecorder {
    let process = Process()
    let directory: URL
    let log: URL
    private let errors: URL

    /// Starts `proctrace record --output LOG arguments…` (under `launcher`, e.g.
    /// setpriv, when given) and waits up to 20 s for the start record.
    init(arguments: [String] = [], launcher: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-service-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log = directory.appendingPathComponent("events.jsonl")
        errors = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let command = launcher + [Binaries.proctrace, "record", "--config", "/dev/null", "--output", log.path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, process.isRunning, !logText.contains("\"event\":\"start\"") {
            usleep(20_000)
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    var pid: Int32 { process.processIdentifier }
    var started: Bool { logText.contains("\"event\":\"start\"") }
    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Waits until the log holds `text` (up to `seconds`).
    @discardableResult
    func waitForLog(containing text: String, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if logText.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// The termination status once it exits on its own (up to `seconds`), else after SIGKILL.
    func exitStatus(within seconds: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard process.isRunning else {
            process.waitUntilExit()
            return process.terminationStatus
        }
        return stop(SIGKILL)
    }

    /// Sends `signal` and waits for the exit; returns the termination status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }
}
