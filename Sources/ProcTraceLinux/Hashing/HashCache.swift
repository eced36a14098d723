import ProcTraceCore

/// Digests by file identity and version, the oldest forgotten first once
/// `capacity` are kept. Not synchronised: HashWorkerPool holds it under its lock.
struct HashCache {
    let capacity: Int
    private var digests: [ExecutableIdentity: SHA256Digest] = [:]
    /// Insertion order, for evicting the oldest entry once full.
    private var order: [ExecutableIdentity] = []
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        digests.reserveCapacity(min(self.capacity, 1024))
    }

    subscript(identity: ExecutableIdentity) -> SHA256Digest? { digests[identity] }

    var count: Int { digests.count }

    mutating func insert(_ digest: SHA256Digest, for identity: ExecutableIdentity) {
        guard digests[identity] == nil else { return }
        if order.count < capacity {
            order.append(identity)
        } else {
            digests[order[oldest]] = nil
            order[oldest] = identity
            oldest = (oldest + 1) % capacity
        }
        digests[identity] = digest
    }
}
