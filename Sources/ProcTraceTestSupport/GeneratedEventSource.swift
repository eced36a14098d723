import ProcTraceCore

/// An EventSource that delivers what `next` produces, `batch` events per
/// poll, until it returns nil: millions of events without holding them.
public final class GeneratedEventSource: EventSource {
    public let backendName = "generated"
    public private(set) var counters = SourceCounters()
    private let next: () -> Event?
    private let batch: Int
    public private(set) var isExhausted = false

    public init(batch: Int = 4096, _ next: @escaping () -> Event?) {
        self.batch = batch
        self.next = next
    }

    /// Delivers `events` in order.
    public convenience init(batch: Int = 4096, events: [Event]) {
        var remaining = events[...]
        self.init(batch: batch) { remaining.popFirst() }
    }

    public func snapshot() throws -> [Event] { [] }

    public func poll(timeoutMilliseconds: Int32, deliver: (inout Event) -> Void) throws -> Int {
        var count = 0
        while count < batch, var event = next() {
            counters.received += 1
            deliver(&event)
            count += 1
        }
        if count == 0 { isExhausted = true }
        return count
    }

    public func close() {}
}
