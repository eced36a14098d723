import Foundation
import Testing

/// Runs a shell script (the real daemons' tests start them this way) and
/// returns its exit status, standard output and standard error.
enum Shell {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
    }

    static func run(_ script: String, environment: [String: String] = [:], in directory: URL) throws -> Result {
        let file = directory.appendingPathComponent("script-\(UUID()).sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("script.out")
        let err = directory.appendingPathComponent("script.err")
        try #require(FileManager.default.createFile(atPath: out.path, contents: nil))
        try #require(FileManager.default.createFile(atPath: err.path, contents: nil))
        let process = Process()
        // A hung daemon ends the script (and fails the test) instead of holding `make test`.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", "180", "/bin/sh", file.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      errors: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-fleet-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
