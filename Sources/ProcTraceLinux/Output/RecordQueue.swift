/// Records waiting for a network output, oldest first, as whole JSON lines.
/// The record path appends; the output's sender reads and, once the
/// receiver has them, commits. Callers serialise access (QueuedSink's lock).
public protocol RecordQueue: AnyObject {
    /// Bytes appended and not yet committed.
    var pendingBytes: Int { get }
    /// Appends the longest prefix of whole lines that fits; returns its length.
    func append(_ bytes: UnsafeRawBufferPointer) throws -> Int
    /// Whole lines, at most `limit` bytes unless the first line alone is
    /// longer, starting `offset` bytes after the oldest uncommitted byte.
    func read(from offset: Int, limit: Int) throws -> [UInt8]
    /// Forgets the oldest `count` bytes (they were delivered).
    func commit(_ count: Int) throws
}

extension UnsafeRawBufferPointer {
    /// The length of the longest prefix of whole lines at most `limit` bytes long.
    func wholeLinePrefix(atMost limit: Int) -> Int {
        var end = Swift.min(limit, count)
        while end > 0 && self[end - 1] != 0x0a { end -= 1 }
        return end
    }
}

/// A queue in memory, bounded (records that do not fit are the caller's to count).
public final class MemoryRecordQueue: RecordQueue {
    public let capacity: Int
    private var storage: [UInt8] = []
    private var head = 0

    public init(capacity: Int) {
        self.capacity = capacity
    }

    public var pendingBytes: Int { storage.count - head }

    public func append(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        let fits = bytes.wholeLinePrefix(atMost: capacity - pendingBytes)
        if head > 0 && head >= storage.count / 2 {
            storage.removeFirst(head)
            head = 0
        }
        storage.append(contentsOf: bytes.prefix(fits))
        return fits
    }

    public func read(from offset: Int, limit: Int) throws -> [UInt8] {
        let start = head + offset
        guard start < storage.count else { return [] }
        return storage.withUnsafeBytes { all in
            let rest = UnsafeRawBufferPointer(rebasing: all[start...])
            var end = rest.wholeLinePrefix(atMost: limit)
            if end == 0, let newline = rest.firstIndex(of: 0x0a) { end = newline + 1 }
            return Array(rest.prefix(end))
        }
    }

    public func commit(_ count: Int) throws {
        head = Swift.min(head + count, storage.count)
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
    }
}
