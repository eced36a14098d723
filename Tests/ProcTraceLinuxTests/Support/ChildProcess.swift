#if canImport(Glibc)
import Glibc
#endif

/// A process the tests start with exact argument bytes (any byte but NUL,
/// not only valid UTF-8), optionally held at its stdin until released.
final class ChildProcess {
    let pid: pid_t
    private var stdinWriter: Int32 = -1

    /// Starts `path` with `arguments`; with `holdStdin` its stdin is a pipe
    /// proctrace's tests close (or write to) to let it go on.
    init(_ path: String, _ arguments: [[UInt8]], holdStdin: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if holdStdin {
            guard pipe(&pipeEnds) == 0 else { throw ChildProcessError.spawn(errno) }
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
            throw ChildProcessError.spawn(result)
        }
        self.pid = pid
        stdinWriter = pipeEnds[1]
    }

    convenience init(_ path: String, _ arguments: [String], holdStdin: Bool = false) throws {
        try self.init(path, arguments.map { Array($0.utf8) }, holdStdin: holdStdin)
    }

    /// Writes a line to its stdin and closes it.
    func release() {
        guard stdinWriter >= 0 else { return }
        _ = write(stdinWriter, "\n", 1)
        close(stdinWriter)
        stdinWriter = -1
    }

    /// Reaps it; returns the raw wait status.
    @discardableResult
    func wait() -> Int32 {
        release()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }

    deinit {
        if stdinWriter >= 0 { close(stdinWriter) }
    }
}

enum ChildProcessError: Error {
    case spawn(Int32)
}
