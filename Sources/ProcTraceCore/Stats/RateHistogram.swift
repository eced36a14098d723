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
            let second = TimeArithmetic.adding(time, -(((time % 1_000_000_000) + 1_000_000_000) % 1_000_000_000))
            self.origin = second
            return second
        }()
        let offset = TimeArithmetic.elapsed(from: origin, to: time)
        var index = offset / UInt64(bucketWidth)
        while index >= UInt64(RateHistogram.maximumBuckets) {
            mergePairs()
            index = offset / UInt64(bucketWidth)
        }
        let slot = Int(index)
        if slot >= counts.count { counts.append(contentsOf: repeatElement(0, count: slot - counts.count + 1)) }
        counts[slot] += 1
    }

    private mutating func mergePairs() {
        counts = stride(from: 0, to: counts.count, by: 2).map { counts[$0] + (($0 + 1 < counts.count) ? counts[$0 + 1] : 0) }
        // Doubled only while the span exceeds 60 widths, so it stays below 2⁶⁴ / 30; checked all the same.
        bucketWidth = bucketWidth.multipliedReportingOverflow(by: 2).overflow ? .max : bucketWidth * 2
    }

    /// (bucket start, count) for every bucket.
    public var buckets: [(start: Int64, count: UInt64)] {
        guard let origin else { return [] }
        return counts.enumerated().map { bucket in
            let (offset, overflow) = Int64(bucket.offset).multipliedReportingOverflow(by: bucketWidth)
            return (overflow ? .max : TimeArithmetic.adding(origin, offset), bucket.element)
        }
    }
}
