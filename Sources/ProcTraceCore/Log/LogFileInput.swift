import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// One log file opened for reading in chunks; gzip files (recognised by their
/// magic bytes, not their name) are decompressed on the fly.
///
/// A pipe, FIFO or terminal (`<(cat log)`, `/dev/stdin`) is read as it comes,
/// once: nothing is read ahead of the caller and nothing is read twice, so
/// what ordering the files looked at is still there to be read.
final class LogFileInput {
    let path: String
    let isCompressed: Bool
    /// A regular file: it can be stat'ed for size, rewound, followed by name.
    let isRegularFile: Bool
    private let descriptor: Int32
    private let compressed: gzFile?
    /// Where the file was when opened: a different inode at `path` later means it was rotated.
    let device: UInt64
    let inode: UInt64
    /// The first bytes of the file as first seen, to notice it being rewritten in place.
    private var head: [UInt8] = []
    static let headLength = 64

    init(path: String) throws {
        self.path = path
        let descriptor = try LogFileInput.retrying(path, "cannot open") { open(path, O_RDONLY | O_CLOEXEC) }
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
        isRegularFile = status.st_mode & S_IFMT == S_IFREG
        self.descriptor = descriptor
        guard isRegularFile else {
            // Peeking would consume: a pipe is read as plain text (LogReader names gzip in one).
            isCompressed = false
            compressed = nil
            return
        }
        var magic: (UInt8, UInt8) = (0, 0)
        let peeked = withUnsafeMutableBytes(of: &magic) { pread(descriptor, $0.baseAddress, 2, 0) }
        isCompressed = peeked == 2 && magic == (0x1f, 0x8b)
        if isCompressed {
            guard let file = gzdopen(descriptor, "rb") else {
                close(descriptor)
                throw LogReadError(path: path, reason: "cannot start decompressing (out of memory)")
            }
            gzbuffer(file, 256 * 1024)
            compressed = file
        } else {
            compressed = nil
            head = readHead()
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
        return try LogFileInput.retrying(path, "cannot read") { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// How far reading has got (uncompressed regular files only: the byte offset in the file).
    var offset: Int64 {
        isCompressed || !isRegularFile ? 0 : Int64(lseek(descriptor, 0, SEEK_CUR))
    }

    var size: Int64 {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
    }

    /// Whether the file no longer starts as it did (it was truncated and
    /// written again, perhaps longer than before, between two looks).
    func wasRewritten() -> Bool {
        guard isRegularFile, !isCompressed else { return false }
        let now = readHead()
        guard now.starts(with: head) else { return true }
        head = now
        return false
    }

    private func readHead() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: LogFileInput.headLength)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return Array(bytes.prefix(max(count, 0)))
    }

    /// Back to the start (after the file was truncated under us).
    func rewind() {
        if let compressed { gzrewind(compressed) } else if isRegularFile { lseek(descriptor, 0, SEEK_SET) }
        head = readHead()
    }

    private static func retrying(_ path: String, _ what: String, _ call: () -> Int) throws -> Int {
        while true {
            let result = call()
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw failure(path, what, errno)
        }
    }

    private static func retrying(_ path: String, _ what: String, _ call: () -> Int32) throws -> Int32 {
        Int32(try retrying(path, what) { Int(call()) })
    }

    private static func failure(_ path: String, _ what: String, _ error: Int32) -> LogReadError {
        LogReadError(path: path, reason: "\(what): \(String(cString: strerror(error)))")
    }
}
