/// The last `capacity` lines appended (oldest first), as bytes in one
/// buffer: `tail -n`. Holds at most `maximumBytes` of them; past that it
/// stops keeping lines and says so (`overflowed`), and the caller reads the
/// input again instead (see LogTail), so memory is bounded whatever N is.
public struct RecentLines {
    public let capacity: Int
    public let maximumBytes: Int
    /// More than `maximumBytes` would have been needed: the lines kept are not the last `capacity`.
    public private(set) var overflowed = false
    /// The lines, end to end; those before `head` have dropped out.
    private var bytes: [UInt8] = []
    private var head = 0
    /// Where each kept line starts in `bytes`, oldest first, from `first` on.
    private var starts: [Int] = []
    private var first = 0

    public init(capacity: Int, maximumBytes: Int = 64 << 20) {
        precondition(capacity >= 0 && maximumBytes > 0)
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    public var count: Int { starts.count - first }

    /// Appends one line, with its newline.
    public mutating func append(_ line: UnsafeRawBufferPointer) {
        guard capacity > 0, !overflowed else { return }
        if count == capacity { dropOldest() }
        starts.append(bytes.count)
        bytes.append(contentsOf: line)
        if bytes.count - head > maximumBytes {
            overflowed = true
            bytes = []
            starts = []
            head = 0
            first = 0
        }
    }

    private mutating func dropOldest() {
        first += 1
        head = first < starts.count ? starts[first] : bytes.count
        // Compact once the dropped part is as large as the kept part: amortised O(1) per line.
        if head > bytes.count - head && head > 4096 {
            bytes.removeFirst(head)
            starts = starts[first...].map { $0 - head }
            first = 0
            head = 0
        }
    }

    /// The kept lines, each ending in a newline, oldest first.
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
    }
}
