import ProcTraceCore

/// An EventSource fed from memory: a fixed snapshot, then scripted batches.
public final class InMemoryEventSource: EventSource {
    public let backendName: String
    public var snapshotEvents: [Event]
    public var batches: [[Event]]
    public private(set) var counters = SourceCounters()
    public private(set) var isClosed = false

    public init(backendName: String = "memory", snapshot: [Event] = [], batches: [[Event]] = []) {
        self.backendName = backendName
        self.snapshotEvents = snapshot
        self.batches = batches
    }

    public func snapshot() throws -> [Event] { snapshotEvents }

    public func poll(timeoutMilliseconds: Int32, deliver: (inout Event) -> Void) throws -> Int {
        guard !batches.isEmpty else { return 0 }
        var batch = batches.removeFirst()
        for index in batch.indices {
            counters.received += 1
            if batch[index].kind == .lost { counters.lostInKernel += batch[index].lostCount ?? 0 }
            deliver(&batch[index])
        }
        return batch.count
    }

    public var isExhausted: Bool { batches.isEmpty }

    public func close() { isClosed = true }
}
