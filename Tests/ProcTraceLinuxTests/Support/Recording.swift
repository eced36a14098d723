import Foundation

/// A log written by a real `proctrace record` while known scenarios ran.
// Unchecked: immutable once parsed (JSONSerialization's values, every property a let, none changed after).
struct Recording: @unchecked Sendable {
    let lines: [String]
    let records: [[String: Any]]
    /// Scenario name → the JSON it printed (PIDs it created).
    let scenarios: [String: [String: Any]]
    let exitStatus: Int32
    let standardError: String
    /// The test process: parent of every scenario.
    let testPid: Int32
    /// The scenario programs' PIDs, and CLOCK_BOOTTIME before the first of them started.
    var scenarioPids: Set<Int> = []
    var scenariosBegan: Int = 0

    /// The records of the process a scenario knew as `pid`. The PID alone is not enough: a
    /// recording of the whole machine beside storms (CI) goes through all 32,768 PIDs in seconds,
    /// and the same PID names other processes before and after (a CI run read a `date` of 14 s
    /// before as a scenario's exec).
    func records(pid: Int, event: String? = nil) -> [[String: Any]] {
        let lifetime = lifetime(of: pid)
        return records.filter {
            $0["pid"] as? Int == pid && (event == nil || $0["event"] as? String == event)
                && (lifetime == nil || ($0["start_time"] as? Int).map { $0 == lifetime } ?? true)
        }
    }

    /// The start time of the scenarios' process `pid`: the one started after the scenarios began
    /// (netlink's start times are whole clock ticks, so 20 ms earlier), and if the PID was reused
    /// even then, the one that descends from a scenario program. Nil: none started since.
    private func lifetime(of pid: Int, depth: Int = 0) -> Int? {
        let since = scenariosBegan - 20_000_000
        var parents: [Int: Int] = [:]
        for record in records where record["pid"] as? Int == pid {
            if let start = record["start_time"] as? Int, start >= since, let ppid = record["ppid"] as? Int {
                parents[start] = parents[start] ?? ppid
            }
        }
        guard parents.count > 1, depth < 8 else { return parents.keys.first }
        return parents.first { scenarioPids.contains($0.value) }?.key
            ?? parents.first { lifetime(of: $0.value, depth: depth + 1) != nil }?.key
            ?? parents.keys.max()
    }

    /// The lines of `records(pid:event:)`, as written.
    func lines(pid: Int, event: String) -> [String] {
        let lifetime = lifetime(of: pid)
        return zip(lines, records).filter { line, record in
            line.contains("\"event\":\"\(event)\",\"pid\":\(pid),")
                && (lifetime == nil || (record["start_time"] as? Int).map { $0 == lifetime } ?? true)
        }.map(\.0)
    }

    func scenario(_ name: String) -> [String: Any] { scenarios[name] ?? [:] }
}

enum RecordingError: Error, CustomStringConvertible {
    case recorderDidNotStart(String)
    case scenarioFailed(String, Int32)

    var description: String {
        switch self {
        case .recorderDidNotStart(let stderr): "proctrace record did not write its start record: \(stderr)"
        case .scenarioFailed(let name, let status): "scenario \(name) exited \(status)"
        }
    }
}

enum LiveRecording {
    /// Starts `proctrace record`, waits for its start record, runs the
    /// scenarios one after another, stops it with SIGINT and reads the log.
    static func record(
        arguments: [String] = [], scenarios: [String], scenarioArguments: [String: [String]] = [:],
        environment: [String: String] = [:]
    ) throws -> Recording {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-test-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl")
        let errors = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)

        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--output", log.path] + arguments
        if !environment.isEmpty {
            recorder.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        recorder.standardError = try FileHandle(forWritingTo: errors)
        try recorder.run()

        // Generous: under software emulation (make test-kernels) the verifier alone takes seconds.
        let deadline = Date().addingTimeInterval(90)
        var started = false
        while !started && recorder.isRunning && Date() < deadline {
            started = (try? String(contentsOf: log, encoding: .utf8))?.contains("\"event\":\"start\"") == true
            if !started { usleep(20_000) }
        }
        guard started, recorder.isRunning else {
            // Scenarios run before the probes are attached would be missing from the log: fail here instead.
            kill(recorder.processIdentifier, SIGKILL)
            recorder.waitUntilExit()
            throw RecordingError.recorderDidNotStart((try? String(contentsOf: errors, encoding: .utf8)) ?? "no start record in 90 s")
        }

        var printed: [String: [String: Any]] = [:]
        var scenarioPids: Set<Int> = []
        let began = bootNanoseconds()
        for name in scenarios {
            let (status, output) = try run(Binaries.scenarios, [name] + (scenarioArguments[name] ?? [])) {
                scenarioPids.insert(Int($0))
            }
            guard status == 0 else { throw RecordingError.scenarioFailed(name, status) }
            let object = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
            printed[name] = object ?? [:]
        }
        usleep(300_000)  // let the last records reach the ring and the log
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()

        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        let records = lines.map { line -> [String: Any] in LiveRecording.object(line) ?? ["unparsable": line] }
        return Recording(
            lines: lines, records: records, scenarios: printed, exitStatus: recorder.terminationStatus,
            standardError: (try? String(contentsOf: errors, encoding: .utf8)) ?? "", testPid: getpid(),
            scenarioPids: scenarioPids, scenariosBegan: began)
    }

    static func bootNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }

    /// A log line as JSON. JSONSerialization rejects the lone surrogates that carry invalid UTF-8
    /// bytes (any process on the machine may have them in its argv, cwd or cgroup); tests assert
    /// those on the raw line.
    static func object(_ line: some StringProtocol) -> [String: Any]? {
        let parsable = line.replacingOccurrences(of: "\\udc", with: "\\u00")
        return (try? JSONSerialization.jsonObject(with: Data(parsable.utf8))) as? [String: Any]
    }

    /// Runs a program to completion; returns its exit status and standard output.
    static func run(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, started: (Int32) -> Void = { _ in }
    ) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        started(process.processIdentifier)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a program to completion; returns its exit status, standard output and standard error.
    static func runCapturingErrors(_ path: String, _ arguments: [String], environment: [String: String] = [:])
        throws -> (Int32, String, String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self),
                String(decoding: errorData, as: UTF8.self))
    }

    /// Starts `proctrace record --output log` with `arguments` (its standard
    /// error to `errors`, else the test's) and returns once its start record is
    /// in the log (the probes are attached).
    static func startRecorder(log: String, arguments: [String] = [], errors: Pipe? = nil) throws -> Process {
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--output", log] + arguments
        if let errors { recorder.standardError = errors }
        try recorder.run()
        let deadline = Date().addingTimeInterval(90)  // the verifier under software emulation (make test-kernels)
        while (try? String(contentsOfFile: log, encoding: .utf8))?.contains("\"event\":\"start\"") != true {
            guard recorder.isRunning, Date() < deadline else { throw RecordingError.recorderDidNotStart(log) }
            usleep(20_000)
        }
        return recorder
    }
}
