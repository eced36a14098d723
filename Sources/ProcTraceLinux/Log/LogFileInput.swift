import CZlib
#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// One log file opened for reading in chunks; gzip files (recognised by their
/// magic bytes, not their name) are decompressed on the fly.
///
/// A pipe, FIFO or terminal (`<(cat log)`, `/dev/stdin`) is read as it comes,
/// once: nothing is read ahead of the caller and nothing is read twice, so
/// what ordering the files looked at is still there to be read.
final class LogFileInput: LogByteInput {
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
        let descriptor = try LogFileInput.call(path, "open", "cannot open") { open(path, O_RDONLY | O_CLOEXEC) }
        var status = stat()
        do {
            try LogFileInput.call(path, "fstat", "cannot stat") { fstat(descriptor, &status) }
        } catch {
            close(descriptor)
            throw error
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
        let peeked = withUnsafeMutableBytes(of: &magic) { bytes in
            try? retryingSystemCall("pread", path) { pread(descriptor, bytes.baseAddress, 2, 0) }
        }
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
    /// zlib's message without the "<fd:N>: " it names a gzdopen'd file by
    /// (the path is in the error already; a descriptor number means nothing to the reader).
    static func zlibMessage(_ text: UnsafePointer<CChar>?) -> String? {
        guard let text else { return nil }
        let message = String(cString: text)
        // firstIndex(of:) rather than firstRange(of:): the latter is the string-processing library's (0.9 MiB).
        guard message.hasPrefix("<fd:"), let close = message.firstIndex(of: ">"), message[close...].hasPrefix(">: ")
        else { return message }
        return String(message[message.index(close, offsetBy: 3)...])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let compressed {
            let count = gzread(compressed, buffer.baseAddress, UInt32(min(buffer.count, Int(Int32.max))))
            if count < 0 {
                var code: Int32 = 0
                let message = Self.zlibMessage(gzerror(compressed, &code)) ?? "unknown error"
                throw LogReadError(path: path, reason: "compressed data is damaged: \(message)")
            }
            if count == 0 {
                // A gzip member cut short reads as a clean end; zlib says so only here.
                var code: Int32 = 0
                let message = Self.zlibMessage(gzerror(compressed, &code)) ?? ""
                if code != Z_OK {
                    throw LogReadError(path: path, reason: "compressed data is incomplete: \(message)")
                }
            }
            return Int(count)
        }
        return try LogFileInput.call(path, "read", "cannot read") { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
    }

    /// How far reading has got (uncompressed regular files only: the byte offset in the file).
    var offset: Int64 {
        guard !isCompressed, isRegularFile else { return 0 }
        return (try? retryingSystemCall("lseek", path) { lseek(descriptor, 0, SEEK_CUR) }).map(Int64.init) ?? 0
    }

    var size: Int64 {
        var status = stat()
        return (try? retryingSystemCall("fstat", path) { fstat(descriptor, &status) }) != nil ? Int64(status.st_size) : 0
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
        let count = bytes.withUnsafeMutableBytes { raw in
            (try? retryingSystemCall("pread", path) { pread(descriptor, raw.baseAddress, raw.count, 0) }) ?? 0
        }
        return Array(bytes.prefix(count))
    }

    /// Back to the start (after the file was truncated under us).
    func rewind() {
        if let compressed {
            gzrewind(compressed)
        } else if isRegularFile {
            _ = try? retryingSystemCall("lseek", path) { lseek(descriptor, 0, SEEK_SET) }
        }
        head = readHead()
    }

    /// A system call through the one EINTR policy; its failure said the way
    /// the read commands have always said it ("cannot open: No such file or directory").
    @discardableResult
    private static func call<T: BinaryInteger>(_ path: String, _ name: String, _ what: String,
                                               _ body: () -> T) throws -> T {
        do {
            return try retryingSystemCall(name, path, body)
        } catch let error as SystemCallError {
            throw LogReadError(path: path, reason: "\(what): \(error.message)")
        }
    }
}
