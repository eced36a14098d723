import Foundation

/// Debian's headless Chromium, driven from the command line: load a page,
/// let its scripts run for a budget of virtual time, then dump its DOM or
/// take a screenshot, optionally logging every network request it made.
enum Chromium {
    static let path = "/usr/bin/chromium"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs chromium on `url` with `arguments` after the common ones; returns its standard output.
    @discardableResult
    static func run(_ url: String, _ arguments: [String], seconds: Double = 90) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(path) is missing: install Debian's chromium (make deps / scripts/install-deps.sh)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-chromium-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let standardOutput = directory.appendingPathComponent("stdout")
        _ = FileManager.default.createFile(atPath: standardOutput.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)", "--hide-scrollbars",
        ] + arguments + [url]
        process.standardOutput = try FileHandle(forWritingTo: standardOutput)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "chromium did not finish \(url) within \(Int(seconds)) s")
        }
        return (try? String(contentsOf: standardOutput, encoding: .utf8)) ?? ""
    }

    /// The DOM after `budgetMs` of virtual time.
    static func dumpDOM(_ url: String, budgetMs: Int = 10_000, window: String = "1400,900",
                        netLog: String? = nil) throws -> String {
        try run(url, ["--virtual-time-budget=\(budgetMs)", "--window-size=\(window)", "--dump-dom"]
                + (netLog.map { ["--log-net-log=\($0)"] } ?? []))
    }

    static func screenshot(_ url: String, to file: String, window: String = "1600,900", budgetMs: Int = 10_000) throws {
        try run(url, ["--virtual-time-budget=\(budgetMs)", "--window-size=\(window)", "--screenshot=\(file)"])
    }

    /// Requests a page made, from a `--log-net-log` file: every URL request
    /// with an initiator. Chromium's own background requests (updates,
    /// accounts) carry the initiator "not an origin"; anything a page loads
    /// or fetches carries the page's origin ("null" for a file).
    static func pageRequests(netLog: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: netLog))
        let log = try require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let constants = try require(log["constants"] as? [String: Any])
        let types = try require(constants["logEventTypes"] as? [String: Int])
        let startJob = try require(types["URL_REQUEST_START_JOB"])
        let events = try require(log["events"] as? [[String: Any]])
        return events.compactMap { event -> String? in
            guard event["type"] as? Int == startJob, let parameters = event["params"] as? [String: Any],
                let url = parameters["url"] as? String else { return nil }
            let initiator = parameters["initiator"] as? String ?? "none"
            return initiator == "not an origin" ? nil : "\(url) (initiator \(initiator))"
        }
    }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw Chromium.Failure(description: "chromium's net log is not in the expected format") }
    return value
}
