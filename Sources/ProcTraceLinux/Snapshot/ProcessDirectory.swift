#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// /proc/PID held open as a directory. The kernel ties the open directory to
/// the process that had the PID when it was opened: once that process is
/// released every read through it fails, even if a new process gets the PID.
/// So after `stat()` confirms the start time, nothing read here can belong to
/// another process.
public final class ProcessDirectory: Sendable {
    public let pid: Int32
    let fd: Int32

    public init?(_ procFS: ProcFS, pid: Int32) {
        let fd = open("\(procFS.root)/\(pid)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.pid = pid
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    public func stat() -> ProcStat? {
        FileIO.readSmallFile(at: fd, "stat").flatMap(ProcStat.parse)
    }

    /// The argument area (NUL after each argument), at most `limit` bytes
    /// (ask one more to tell truncation). nil when unreadable; empty once the
    /// process has no memory left (a zombie) and for kernel threads.
    public func cmdline(limit: Int) -> [UInt8]? {
        FileIO.readSmallFile(at: fd, "cmdline", limit: limit)
    }

    /// The executable's path; nil for kernel threads and zombies.
    public func executable() -> [UInt8]? {
        FileIO.readLink(at: fd, "exe").map(ProcFS.withoutDeletedSuffix)
    }

    public func credentials() -> Credentials? {
        status().flatMap(ProcFS.credentials(fromStatus:))
    }

    /// The text of /proc/PID/status (credentials, NSpid).
    public func status() -> [UInt8]? {
        FileIO.readSmallFile(at: fd, "status")
    }
}
