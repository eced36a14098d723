#if canImport(Glibc)
import Glibc
#endif
import CZlib
import ProcTraceCore

/// A log file that is rotated by size: `events.jsonl` → `events.jsonl.1`
/// (→ `.1.gz` with compression) → `.2` … keeping `keep` old files.
public final class RotatingFileSink: RotatingLogSink {
    /// Most rotated files kept: each rotation may rename them all.
    public static let maximumKeep = 10_000

    public let path: ExactPath
    public let maximumBytes: UInt64
    public let keep: Int
    public let compress: Bool
    public let mode: mode_t
    private var file: FileSink
    private var bytesInFile: UInt64

    public init(path: ExactPath, maximumBytes: UInt64, keep: Int, compress: Bool, mode: mode_t,
                keepWaiting: (String) -> Bool = { _ in false }) throws {
        self.path = path
        self.maximumBytes = maximumBytes
        self.keep = min(max(keep, 1), Self.maximumKeep)
        self.compress = compress
        self.mode = mode
        file = try FileSink.appending(to: path, mode: mode, keepWaiting: keepWaiting)
        var info = stat()
        bytesInFile = fstat(file.fd, &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// What opening the first file changed about it (FileSink.notices).
    public var notices: [String] { file.notices }

    /// A file whose heads alone reach this still gets records before the
    /// next rotation: the Recorder, which writes the heads, sees to that.
    private var rotationPoint: UInt64 { maximumBytes }

    public var needsRotation: Bool { bytesInFile >= rotationPoint }

    public var bytesBeforeRotation: Int { Int(clamping: rotationPoint &- min(bytesInFile, rotationPoint)) }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try file.write(bytes)
        bytesInFile += UInt64(bytes.count)
    }

    public func flush() throws {
        try file.flush()
    }

    /// FileSink.reopenIfDeleted, for the current file.
    public func reopenIfDeleted() throws -> String? {
        try file.reopenIfDeleted()
    }

    private func rotatedName(_ index: Int) -> ExactPath {
        path.appending(".\(index)" + (compress ? ".gz" : ""))
    }

    private static func exists(_ path: ExactPath) -> Bool {
        var info = stat()
        return path.withCString { lstat($0, &info) } == 0
    }

    public func rotate() throws {
        try file.flush()
        // Only the files that exist are shifted: the work follows what is on
        // disk, not how many `keep` allows.
        var highest = 0
        while highest < keep && Self.exists(rotatedName(highest + 1)) { highest += 1 }
        if highest == keep {
            _ = rotatedName(keep).withCString { unlink($0) }
            highest -= 1
        }
        for index in stride(from: highest, through: 1, by: -1) {
            let (from, to) = (rotatedName(index), rotatedName(index + 1))
            _ = from.withCString { source in to.withCString { rename(source, $0) } }
        }
        let previous = path.appending(".1")
        try path.withCString { source in
            try previous.withCString { target in
                try retryingSystemCall("rename", path.text) { rename(source, target) }
            }
        }
        file = try FileSink.appending(to: path, mode: mode)
        bytesInFile = 0
        if compress {
            let compressed = previous.appending(".gz")
            try Self.gzip(previous, to: compressed, mode: mode)
            _ = previous.withCString { unlink($0) }
        }
    }

    /// Compresses at level 1: rotation happens on the consumer's thread, so
    /// speed matters more than ratio (the ring buffer absorbs the pause).
    static func gzip(_ source: ExactPath, to target: ExactPath, mode: mode_t) throws {
        func opening(_ path: ExactPath, _ flags: Int32) throws -> Int32 {
            do {
                return try path.withCString { name in try retryingSystemCall("open") { open(name, flags, mode) } }
            } catch let error as SystemCallError {
                throw OutputError.open(path, errno: error.errno)
            }
        }
        let input = try opening(source, O_RDONLY | O_CLOEXEC)
        defer { close(input) }
        // A fresh file (O_EXCL): one left there by someone else keeps its owner and mode.
        _ = target.withCString { unlink($0) }
        let output = try opening(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)
        guard let gz = gzdopen(output, "wb1") else {
            close(output)
            throw SystemCallError("gzdopen", target.text, errno: ENOMEM)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try chunk.withUnsafeMutableBytes { raw in
                try retryingSystemCall("read", source.text) { read(input, raw.baseAddress, raw.count) }
            }
            if count == 0 { break }
            let wrote = chunk.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32(count)) }
            guard wrote == Int32(count) else {
                gzclose(gz)
                throw SystemCallError("gzwrite", target.text, errno: EIO)
            }
        }
        guard gzclose(gz) == Z_OK else { throw SystemCallError("gzclose", target.text, errno: EIO) }
    }
}
