/// Where encoded lines go: a file, stdout, memory.
public protocol LogSink: AnyObject {
    /// Writes whole lines; on failure throws and nothing is known to be written.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes what was written durable enough for a reader (no-op for most sinks).
    func flush() throws
}

/// A sink that keeps everything in memory (tests, benchmarks).
public final class MemorySink: LogSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var writeCount = 0

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
        writeCount += 1
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
