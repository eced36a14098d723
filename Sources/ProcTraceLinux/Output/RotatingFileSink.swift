#if canImport(Glibc)
import Glibc
#endif
import CZlib
import ProcTraceCore

/// A log file that is rotated by size: `events.jsonl` → `events.jsonl.1`
/// (→ `.1.gz` with compression) → `.2` … keeping `keep` old files.
public final class RotatingFileSink: RotatingLogSink {
    public let path: String
    public let maximumBytes: UInt64
    public let keep: Int
    public let compress: Bool
    public let mode: mode_t
    private var file: FileSink
    private var bytesInFile: UInt64

    public init(path: String, maximumBytes: UInt64, keep: Int, compress: Bool, mode: mode_t) throws {
        self.path = path
        self.maximumBytes = maximumBytes
        self.keep = max(keep, 1)
        self.compress = compress
        self.mode = mode
        file = try FileSink.appending(to: path, mode: mode)
        var info = stat()
        bytesInFile = fstat(file.fd, &info) == 0 ? UInt64(info.st_size) : 0
    }

    public var needsRotation: Bool { bytesInFile >= maximumBytes }

    public var bytesBeforeRotation: Int { Int(clamping: maximumBytes &- min(bytesInFile, maximumBytes)) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try file.write(bytes)
        bytesInFile += UInt64(bytes.count)
    }

    public func flush() throws {
        try file.flush()
    }

    private func rotatedName(_ index: Int) -> String {
        "\(path).\(index)" + (compress ? ".gz" : "")
    }

    public func rotate() throws {
        try file.flush()
        unlink(rotatedName(keep))
        if keep > 1 {
            for index in stride(from: keep - 1, through: 1, by: -1) {
                rename(rotatedName(index), rotatedName(index + 1))
            }
        }
        let previous = "\(path).1"
        try retryingSystemCall("rename", path) { rename(path, previous) }
        file = try FileSink.appending(to: path, mode: mode)
        bytesInFile = 0
        if compress {
            try Self.gzip(previous, to: previous + ".gz", mode: mode)
            unlink(previous)
        }
    }

    /// Compresses at level 1: rotation happens on the consumer's thread, so
    /// speed matters more than ratio (the ring buffer absorbs the pause).
    static func gzip(_ source: String, to target: String, mode: mode_t) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SystemCallError("open", source, errno: errno) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        guard output >= 0 else { throw SystemCallError("open", target, errno: errno) }
        guard let gz = gzdopen(output, "wb1") else {
            close(output)
            throw SystemCallError("gzdopen", target, errno: ENOMEM)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try chunk.withUnsafeMutableBytes { raw in
                try retryingSystemCall("read", source) { read(input, raw.baseAddress, raw.count) }
            }
            if count == 0 { break }
            let wrote = chunk.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32(count)) }
            guard wrote == Int32(count) else {
                gzclose(gz)
                throw SystemCallError("gzwrite", target, errno: EIO)
            }
        }
        guard gzclose(gz) == Z_OK else { throw SystemCallError("gzclose", target, errno: EIO) }
    }
}
