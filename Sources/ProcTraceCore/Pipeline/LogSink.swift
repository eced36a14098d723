/// Where encoded lines go: a file, stdout, memory.
public protocol LogSink: AnyObject {
    /// Writes whole lines. On failure throws `LogWriteFailure` saying how
    /// many leading bytes were kept: always whole lines for a file (a
    /// partial line is cut off again), so the log never holds a split record.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes what was written durable enough for a reader (no-op for most sinks).
    func flush() throws
}

/// A sink that keeps everything in memory (tests, benchmarks).
public final class MemorySink: LogSink {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    public func flush() throws {}

    public var lines: [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// A sink that only counts (consumer benchmarks without I/O).
public final class DiscardingSink: LogSink {
    public private(set) var byteCount = 0
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { byteCount += bytes.count }
    public func flush() throws {}
}

/// Writing to the log failed (full disk, I/O error, closed pipe).
public struct LogWriteFailure: Error, CustomStringConvertible {
    /// Leading bytes of the batch that are in the log.
    public let keptBytes: Int
    /// The errno, when the failure came from a system call.
    public let errno: Int32?
    public let underlying: Error

    public init(keptBytes: Int, errno: Int32?, underlying: Error) {
        self.keptBytes = keptBytes
        self.errno = errno
        self.underlying = underlying
    }

    public var description: String { "\(underlying)" }
}
