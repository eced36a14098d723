import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// One log file opened for reading in chunks; gzip files (recognised by their
/// magic bytes, not their name) are decompressed on the fly.
final class LogFileInput {
    let path: String
    let isCompressed: Bool
    private let descriptor: Int32
    private let compressed: gzFile?
    /// Where the file was when opened: a different inode at `path` later means it was rotated.
    let device: UInt64
    let inode: UInt64

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw LogFileInput.failure(path, "cannot open", errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = errno
            close(descriptor)
            throw LogFileInput.failure(path, "cannot stat", error)
        }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            close(descriptor)
            throw LogReadError(path: path, reason: "is a directory; name the log files inside it")
        }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        var magic: (UInt8, UInt8) = (0, 0)
        let peeked = withUnsafeMutableBytes(of: &magic) { pread(descriptor, $0.baseAddress, 2, 0) }
        isCompressed = peeked == 2 && magic == (0x1f, 0x8b)
        self.descriptor = descriptor
        if isCompressed {
            guard let file = gzdopen(descriptor, "rb") else {
                close(descriptor)
                throw LogReadError(path: path, reason: "cannot start decompressing (out of memory)")
            }
            gzbuffer(file, 256 * 1024)
            compressed = file
        } else {
            compressed = nil
        }
    }

    deinit {
        if let compressed { gzclose(compressed) } else { close(descriptor) }
    }

    /// Fills the start of `buffer`; 0 at the end of the file (for now, if it grows).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let compressed {
            let count = gzread(compressed, buffer.baseAddress, UInt32(min(buffer.count, Int(Int32.max))))
            if count < 0 {
                var code: Int32 = 0
                let message = gzerror(compressed, &code).map { String(cString: $0) } ?? "unknown error"
                throw LogReadError(path: path, reason: "compressed data is damaged: \(message)")
            }
            if count == 0 {
                // A gzip member cut short reads as a clean end; zlib says so only here.
                var code: Int32 = 0
                let message = gzerror(compressed, &code).map { String(cString: $0) } ?? ""
                if code != Z_OK {
                    throw LogReadError(path: path, reason: "compressed data is incomplete: \(message)")
                }
            }
            return Int(count)
        }
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw LogFileInput.failure(path, "cannot read", errno)
        }
    }

    /// How far reading has got (uncompressed files only: the byte offset in the file).
    var offset: Int64 {
        isCompressed ? 0 : Int64(lseek(descriptor, 0, SEEK_CUR))
    }

    var size: Int64 {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
    }

    /// Back to the start (after the file was truncated under us).
    func rewind() {
        if let compressed { gzrewind(compressed) } else { lseek(descriptor, 0, SEEK_SET) }
    }

    private static func failure(_ path: String, _ what: String, _ error: Int32) -> LogReadError {
        LogReadError(path: path, reason: "\(what): \(String(cString: strerror(error)))")
    }
}
