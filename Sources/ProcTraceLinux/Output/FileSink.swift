#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Writes lines to a file descriptor: stdout, or a log file opened safely.
public final class FileSink: LogSink {
    public let fd: Int32
    public let name: String
    private let ownsDescriptor: Bool

    public init(fd: Int32, name: String, ownsDescriptor: Bool = false) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
    }

    public static func standardOutput() -> FileSink {
        FileSink(fd: STDOUT_FILENO, name: "standard output")
    }

    /// Opens `path` for appending: created with `mode` if missing, never
    /// through a symbolic link (O_NOFOLLOW), not inherited by children.
    public static func appending(to path: String, mode: mode_t = 0o640) throws -> FileSink {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode)
        if fd < 0 {
            let error = errno
            if error == ELOOP {
                throw OutputError.symbolicLink(path)
            }
            throw SystemCallError("open", path, errno: error)
        }
        return FileSink(fd: fd, name: path, ownsDescriptor: true)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try FileIO.writeAll(fd, bytes, name: name)
        } catch let failure as PartialWriteError {
            throw LogWriteFailure(keptBytes: keepWholeLines(of: bytes, written: failure.written),
                                  errno: failure.errno, underlying: failure.underlying)
        }
    }

    /// After a failed write, cuts a partial last line off a log file so it
    /// ends on a record boundary; returns the bytes of the batch kept.
    private func keepWholeLines(of bytes: UnsafeRawBufferPointer, written: Int) -> Int {
        let kept = bytes.prefix(written).lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        guard ownsDescriptor, written > kept else { return written }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return written }
        let length = Int(info.st_size) - (written - kept)
        return ftruncate(fd, off_t(max(length, 0))) == 0 ? kept : written
    }

    public func flush() throws {
        guard ownsDescriptor else { return }
        _ = try? retryingSystemCall("fdatasync", name) { fdatasync(fd) }
    }
}

public enum OutputError: Error, CustomStringConvertible {
    case symbolicLink(String)

    public var description: String {
        switch self {
        case .symbolicLink(let path):
            "refusing to write the log through a symbolic link: \(path); point --output at the real file"
        }
    }
}
