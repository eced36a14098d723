/// The last `capacity` items appended, oldest first: `tail -n` in bounded memory.
public struct RecentItems<Element> {
    public let capacity: Int
    private var storage: [Element] = []
    private var next = 0

    public init(capacity: Int) {
        precondition(capacity >= 0)
        self.capacity = capacity
        storage.reserveCapacity(Swift.min(capacity, 4096))
    }

    public mutating func append(_ element: Element) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[next] = element
            next = (next + 1) % capacity
        }
    }

    public var elements: [Element] {
        Array(storage[next...] + storage[..<next])
    }
}
