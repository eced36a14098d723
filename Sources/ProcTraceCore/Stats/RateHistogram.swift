/// Counts per time bucket over a log of any length in a fixed number of
/// buckets: when the log outgrows them, neighbouring buckets merge and the
/// width doubles (1 s, 2 s, 4 s, …).
public struct RateHistogram: Sendable, Equatable {
    public static let maximumBuckets = 60

    public private(set) var origin: Int64?
    public private(set) var bucketWidth: Int64 = 1_000_000_000
    public private(set) var counts: [UInt64] = []

    public init() {}

    public mutating func add(at time: Int64) {
        let origin = self.origin ?? {
            let second = time - ((time % 1_000_000_000) + 1_000_000_000) % 1_000_000_000
            self.origin = second
            return second
        }()
        var index = Int(max(0, time - origin) / bucketWidth)
        while index >= RateHistogram.maximumBuckets {
            mergePairs()
            index = Int(max(0, time - origin) / bucketWidth)
        }
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index - counts.count + 1)) }
        counts[index] += 1
    }

    private mutating func mergePairs() {
        counts = stride(from: 0, to: counts.count, by: 2).map { counts[$0] + (($0 + 1 < counts.count) ? counts[$0 + 1] : 0) }
        bucketWidth *= 2
    }

    /// (bucket start, count) for every bucket.
    public var buckets: [(start: Int64, count: UInt64)] {
        guard let origin else { return [] }
        return counts.enumerated().map { (origin + Int64($0.offset) * bucketWidth, $0.element) }
    }
}
