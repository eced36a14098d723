/// Counts occurrences per key in bounded memory: past `capacity` × 2 keys the
/// rarest are dropped (and the counts marked approximate), so a log with
/// millions of distinct names cannot exhaust memory. The frequent keys, the
/// ones a "most common" list shows, survive.
struct BoundedCounter<Key: Hashable> {
    let capacity: Int
    private(set) var counts: [Key: UInt64] = [:]
    private(set) var isApproximate = false

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    mutating func add(_ key: Key, _ amount: UInt64 = 1) {
        counts[key, default: 0] += amount
        if counts.count > capacity * 2 { prune() }
    }

    private mutating func prune() {
        let kept = counts.sorted { $0.value > $1.value }.prefix(capacity)
        counts = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        isApproximate = true
    }

    /// The `count` most frequent, most frequent first; ties in `precedes` order.
    func top(_ count: Int, precedes: (Key, Key) -> Bool) -> [(key: Key, count: UInt64)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : precedes($0.key, $1.key) }
            .prefix(count).map { (key: $0.key, count: $0.value) }
    }
}
