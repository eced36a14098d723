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
        let fd = openat(directory, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            guard let n = try? chunk.withUnsafeMutableBytes({ buffer in
                try retryingSystemCall("read", path) { read(fd, buffer.baseAddress, buffer.count) }
            }) else { return nil }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
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
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
        var offset = 0
        while offset < bytes.count {
            do {
                let n = try retryingSystemCall("write", name) {
                    write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                }
                offset += n
            } catch let error as SystemCallError {
                throw PartialWriteError(written: offset, underlying: error)
            }
        }
    }

    public static func readAll(fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = (try? chunk.withUnsafeMutableBytes { buffer in
                try retryingSystemCall("read") { read(fd, buffer.baseAddress, buffer.count) }
            }) ?? 0
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }
}
