#if canImport(Glibc)
import Glibc
#endif

public enum FileIO {
    /// Reads a whole (small, e.g. /proc) file. nil when it cannot be opened or read.
    public static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        readSmallFile(at: AT_FDCWD, path, limit: limit)
    }

    /// Reads a whole small file at `path` relative to the open directory `directory`.
    public static func readSmallFile(at directory: Int32, _ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        guard let fd = try? retryingSystemCall("openat", path, { openat(directory, path, O_RDONLY | O_CLOEXEC) }) else {
            return nil
        }
        defer { close(fd) }
        return try? readAll(fd: fd, name: path, limit: limit, chunkSize: 4096)
    }

    /// readlink(2); nil on error.
    public static func readLink(_ path: String) -> [UInt8]? {
        readLink(at: AT_FDCWD, path)
    }

    /// readlinkat(2) relative to the open directory `directory`; nil on error.
    public static func readLink(at directory: Int32, _ path: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes {
            readlinkat(directory, path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
        }
        guard n >= 0 else { return nil }
        return Array(buffer[0..<n])
    }

    /// Writes everything, retrying short writes and EINTR. A failure after
    /// part of the bytes went out says how many did.
    /// On a non-blocking descriptor whose reader is slow (EAGAIN), waits for
    /// room while `whileBlocked` says to, so the caller decides how long a
    /// stalled reader may hold it (a stop signal, --duration).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String,
                                whileBlocked: (() -> Bool)? = nil) throws {
        var offset = 0
        while offset < bytes.count {
            do {
                let n = try retryingSystemCall("write", name) {
                    write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                }
                offset += n
            } catch let error as SystemCallError {
                if error.errno == EAGAIN, let whileBlocked, whileBlocked() {
                    var room = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&room, 1, 100)
                    continue
                }
                throw PartialWriteError(written: offset, underlying: error)
            }
        }
    }

    /// Lets a pipe on `fd` hold `bytes` when it holds less (F_SETPIPE_SZ): a
    /// writer far faster than its reader (`replay | jq`) then waits for it
    /// once per `bytes` instead of once per 64 KiB, each wait two context
    /// switches. Anything but a pipe, or a size the kernel refuses (above
    /// /proc/sys/fs/pipe-max-size, a user's pipe quota), is left as it is.
    public static func enlargePipe(_ fd: Int32, to bytes: Int32) {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else { return }
        let current = fcntl(fd, FileIO.getPipeSize)
        if current >= 0 && current < bytes { _ = fcntl(fd, FileIO.setPipeSize, bytes) }
    }

    /// F_SETPIPE_SZ and F_GETPIPE_SZ (<linux/fcntl.h>; Glibc exports them only with _GNU_SOURCE).
    static let setPipeSize: Int32 = 1031
    static let getPipeSize: Int32 = 1032

    /// Reads `fd` to its end (or to `limit` bytes), retrying EINTR; a read
    /// error is thrown, never taken for the end of the file.
    public static func readAll(fd: Int32, name: String, limit: Int = .max, chunkSize: Int = 64 * 1024) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while result.count < limit {
            let n = try chunk.withUnsafeMutableBytes { raw in
                try retryingSystemCall("read", name) { read(fd, raw.baseAddress, min(raw.count, limit - result.count)) }
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }
}
