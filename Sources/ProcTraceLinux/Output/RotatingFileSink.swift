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
    /// Where the next rotation is due; moved on by a rotation that failed.
    private var rotationPoint: UInt64
    private var rotationFailing = false
    /// Hears what a failed rotation has to say (the Recorder may swallow the error mid-batch).
    public var onNotice: ((String) -> Void)?

    public init(path: ExactPath, maximumBytes: UInt64, keep: Int, compress: Bool, mode: mode_t,
                keepWaiting: (String) -> Bool = { _ in false }) throws {
        self.path = path
        self.maximumBytes = maximumBytes
        self.keep = min(max(keep, 1), Self.maximumKeep)
        self.compress = compress
        self.mode = mode
        rotationPoint = maximumBytes
        var repairs: [String] = []
        if compress { repairs = Self.finishCompression(of: path.appending(".1"), mode: mode) }
        file = try FileSink.appending(to: path, mode: mode, keepWaiting: keepWaiting)
        bytesInFile = 0
        startupNotices = repairs
        refreshSize()
    }

    private let startupNotices: [String]

    private func refreshSize() {
        var info = stat()
        bytesInFile = fstat(file.fd, &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// What opening the first file changed about it (FileSink.notices).
    public var notices: [String] { startupNotices + file.notices }

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
        let notice = try file.reopenIfDeleted()
        if notice != nil { refreshSize() }
        return notice
    }

    /// FileSink.reopen (SIGHUP); the size counts from what the file now holds.
    public func reopen() throws -> [String] {
        let notices = try file.reopen()
        refreshSize()
        rotationPoint = maximumBytes
        return notices
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
        // Deleted: made again with what it held, or replaced (then the new file may be too small to rotate).
        if let notice = try? file.reopenIfDeleted() {
            onNotice?(notice)
            refreshSize()
            guard needsRotation else { return }
        }
        // Moved away already (logrotate before its SIGHUP): renaming the name again would rename another file, or none.
        if !pathHoldsTheOpenFile { return try goOnInTheFileAtPath() }
        let previous = path.appending(".1")
        if compress && Self.exists(previous) {
            // Left uncompressed by the last rotation: compressed first, or the rename below would replace it.
            Self.finishCompression(of: previous, mode: mode).forEach { onNotice?($0) }
            if Self.exists(previous) {
                throw postpone(RotationFailure(path: path, error: OutputError.uncompressed(previous), still: path))
            }
        }
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
        do {
            _ = try path.withCString { source in
                try previous.withCString { target in
                    try retryingSystemCall("rename", path.text) { rename(source, target) }
                }
            }
        } catch let error as SystemCallError where error.errno == ENOENT {
            return try goOnInTheFileAtPath()  // moved away since the look above
        } catch {
            throw postpone(RotationFailure(path: path, error: error, still: path))
        }
        do {
            file = try FileSink.appending(to: path, mode: mode)
        } catch {
            // Put it back, so the records go on where they were (the open file is the one renamed).
            let back = previous.withCString { source in path.withCString { rename(source, $0) } }
            throw postpone(RotationFailure(path: path, error: error, still: back == 0 ? path : previous))
        }
        bytesInFile = 0
        rotationPoint = maximumBytes
        if rotationFailing { onNotice?("rotating \(path) works again") }
        rotationFailing = false
        if compress {
            do {
                try Self.compressAndReplace(previous, mode: mode)
            } catch {
                // The new file is open and recording goes on; the next rotation compresses it first.
                onNotice?("cannot compress \(previous): \(error); it stays uncompressed until the next rotation")
            }
        }
    }

    /// Whether `path` still names the file being written (compared on the descriptor written to).
    private var pathHoldsTheOpenFile: Bool {
        var (open, named) = (stat(), stat())
        guard fstat(file.fd, &open) == 0, path.withCString({ lstat($0, &named) }) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    /// Someone rotated the file first (moved away, maybe replaced): it stays
    /// where they put it, uncompressed, and records go on in the file at the
    /// path, made if there is none, as after a SIGHUP.
    private func goOnInTheFileAtPath() throws {
        do {
            try file.reopen().forEach { onNotice?($0) }
        } catch {
            throw postpone(RotationFailure(path: path, error: error, still: nil))
        }
        refreshSize()
        rotationPoint = maximumBytes
        onNotice?("\(path) was moved away before its rotation (by logrotate, or by hand); it is left where it was moved, "
                  + "and records go on in the file at \(path)")
    }

    /// After a failed rotation, recording goes on in the current file and the
    /// next try waits for another `maximumBytes`, not for the next batch.
    private func postpone(_ failure: RotationFailure) -> RotationFailure {
        rotationPoint = bytesInFile &+ maximumBytes
        if !rotationFailing { onNotice?(failure.description) }  // once until a rotation works again
        rotationFailing = true
        return failure
    }

    /// `FILE.1` → `FILE.1.gz`: compressed under a hidden name, renamed into
    /// place once whole, and only then is `FILE.1` removed, so a kill at any
    /// point leaves the complete `FILE.1` and never a cut `.gz` under a name
    /// `stats FILE*` reads.
    static func compressAndReplace(_ previous: ExactPath, mode: mode_t) throws {
        let compressed = previous.appending(".gz")
        let temporary = hiddenTemporary(for: compressed)
        do {
            try gzip(previous, to: temporary, mode: mode)
        } catch {
            _ = temporary.withCString { unlink($0) }
            throw error
        }
        _ = try temporary.withCString { source in
            try compressed.withCString { target in
                try retryingSystemCall("rename", compressed.text) { rename(source, target) }
            }
        }
        _ = previous.withCString { unlink($0) }
    }

    /// `DIR/.NAME.tmp` for `DIR/NAME`: beside it (a rename, not a copy), outside `NAME*`.
    static func hiddenTemporary(for path: ExactPath) -> ExactPath {
        let bytes = path.bytes
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
        // Never empty and never a NUL: built from a checked path.
        return try! ExactPath(bytes: Array(bytes[..<slash]) + [UInt8(ascii: ".")] + Array(bytes[slash...]) + Array(".tmp".utf8))
    }

    /// What a run killed while compressing left: a cut temporary (removed)
    /// and `FILE.1`, whole, maybe beside a `.gz` cut by an older version:
    /// `FILE.1` is compressed again and replaces it.
    static func finishCompression(of previous: ExactPath, mode: mode_t) -> [String] {
        let compressed = previous.appending(".gz")
        let temporary = hiddenTemporary(for: compressed)
        var notices: [String] = []
        if exists(temporary) {
            _ = temporary.withCString { unlink($0) }
            notices.append("removed \(temporary), a compression cut short by an earlier stop")
        }
        var info = stat()
        guard previous.withCString({ lstat($0, &info) }) == 0, info.st_mode & S_IFMT == S_IFREG,
              info.st_uid == geteuid() else { return notices }
        var gz = stat()
        if compressed.withCString({ lstat($0, &gz) }) == 0, gz.st_mtim.tv_sec < info.st_mtim.tv_sec {
            // Older than FILE.1: an earlier run's, without --compress since; not ours to replace.
            return notices
        }
        do {
            try compressAndReplace(previous, mode: mode)
            notices.append("compressed \(previous), which an earlier stop or failure left uncompressed, into \(compressed)")
        } catch {
            notices.append("cannot compress \(previous), left by an earlier stop: \(error); it stays as it is")
        }
        return notices
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
