import Foundation

/// A shell that runs each of its commands when told and says when it is
/// done, so a recording can follow it alone (`--pid PID --descendants`):
/// the suite's other tests, which run beside it, are then not its load.
final class ShellOnCue {
    private let shell = Process()
    private let orders = Pipe()
    private let reports = Pipe()

    /// Starts the shell; each command waits for its `run()`. Their standard output goes to /dev/null.
    init(_ commands: [String]) throws {
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        let steps = commands.map { "read go && { \($0)\n} >/dev/null && echo done" }
        shell.arguments = ["-c", (steps + ["read go"]).joined(separator: " && ")]
        (shell.standardInput, shell.standardOutput) = (orders, reports)
        try shell.run()
    }

    var pid: Int32 { shell.processIdentifier }

    /// Runs the next command; true once it is done, false when it failed (the shell then exits).
    func runNext() -> Bool {
        orders.fileHandleForWriting.write(Data("go\n".utf8))
        var said = Data()
        while !said.contains(UInt8(ascii: "\n")) {
            let more = reports.fileHandleForReading.availableData
            if more.isEmpty { return false }
            said.append(more)
        }
        return said == Data("done\n".utf8)
    }

    deinit {
        try? orders.fileHandleForWriting.close()
        shell.waitUntilExit()
    }
}
