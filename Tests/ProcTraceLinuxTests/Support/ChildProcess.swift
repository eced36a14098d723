#if canImport(Glibc)
import Glibc
#endif
import ProcTraceLinux

/// A process a test starts with posix_spawn, with exact argument bytes (any
/// byte but NUL, not only valid UTF-8), optionally held at its stdin until
/// released. Killed and reaped when the test lets go of it.
final class ChildProcess {
    let pid: pid_t
    private var stdinWriter: Int32 = -1
    private var reaped = false

    /// Starts `path` with `arguments` (argv[0] included); with `holdStdin`
    /// its stdin is a pipe the test closes (or writes to) to let it go on.
    init(_ path: String, _ arguments: [[UInt8]], holdStdin: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if holdStdin {
            guard pipe(&pipeEnds) == 0 else { throw SystemCallError("pipe", path, errno: errno) }
            _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        }
        let cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { bytes in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            return copy
        } + [nil]
        defer { cArguments.forEach { $0?.deallocate() } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, cArguments, environ)
        if holdStdin { close(pipeEnds[0]) }
        guard result == 0 else {
            if holdStdin { close(pipeEnds[1]) }
            throw SystemCallError("posix_spawn", path, errno: result)
        }
        self.pid = pid
        stdinWriter = pipeEnds[1]
    }

    convenience init(_ path: String, _ arguments: [String], holdStdin: Bool = false) throws {
        try self.init(path, arguments.map { Array($0.utf8) }, holdStdin: holdStdin)
    }

    /// Starts `arguments[0]` with `arguments`.
    convenience init(_ arguments: [String]) throws {
        try self.init(arguments[0], arguments)
    }

    /// Its start time in boot nanoseconds, at /proc's tick precision.
    func startTime() throws -> UInt64 {
        try requireStat(pid).startTimeApproximate
    }

    /// Writes a line to its stdin and closes it.
    func release() {
        guard stdinWriter >= 0 else { return }
        _ = write(stdinWriter, "\n", 1)
        close(stdinWriter)
        stdinWriter = -1
    }

    /// Lets it go on and reaps it once it ends on its own; returns the raw wait status.
    @discardableResult
    func wait() -> Int32 {
        release()
        guard !reaped else { return 0 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        reaped = true
        return status
    }

    /// Kills it (if still running) and reaps it; returns the raw wait status.
    @discardableResult
    func stop() -> Int32 {
        guard !reaped else { return 0 }
        kill(pid, SIGKILL)
        return wait()
    }

    deinit { stop() }
}

struct MissingProcess: Error { let pid: pid_t }

/// /proc/PID/stat, or a thrown error naming the PID.
func requireStat(_ pid: pid_t) throws -> ProcStat {
    guard let stat = ProcFS().stat(pid) else { throw MissingProcess(pid: pid) }
    return stat
}
