#if canImport(Glibc)
import Glibc
#endif
import ProcTraceLinux

/// A child started with posix_spawn for a test; killed and reaped on `stop()`.
final class SpawnedProcess {
    let pid: pid_t
    private var reaped = false

    init(_ arguments: [String]) throws {
        var pid: pid_t = 0
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let result = posix_spawn(&pid, arguments[0], nil, nil, &cArguments, environ)
        guard result == 0 else { throw SystemCallError("posix_spawn", arguments[0], errno: result) }
        self.pid = pid
    }

    /// Its start time in boot nanoseconds, at /proc's tick precision.
    func startTime() throws -> UInt64 {
        let stat = try requireStat(pid)
        return stat.startTimeApproximate
    }

    /// Kills it (if still running) and reaps it. Returns the wait status.
    @discardableResult
    func stop() -> Int32 {
        guard !reaped else { return 0 }
        kill(pid, SIGKILL)
        return waitForExit()
    }

    /// Waits for it to end on its own and reaps it. Returns the wait status.
    @discardableResult
    func waitForExit() -> Int32 {
        guard !reaped else { return 0 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        reaped = true
        return status
    }

    deinit { stop() }
}

struct MissingProcess: Error { let pid: pid_t }

/// /proc/PID/stat, or a thrown error naming the PID.
func requireStat(_ pid: pid_t) throws -> ProcStat {
    guard let stat = ProcFS().stat(pid) else { throw MissingProcess(pid: pid) }
    return stat
}
