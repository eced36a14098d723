/// Records held, in order, while the oldest among them waits for its
/// enrichment: a FIFO with a deadline per record and a bound in records and
/// bytes. Storage is reused; holding and releasing allocate nothing once warm.
struct HeldRecords {
    private var slots: [Event] = []
    private var deadlines: [Int64] = []
    private var head = 0
    private(set) var bytes = 0

    var isEmpty: Bool { head == slots.count }
    var count: Int { slots.count - head }

    var headDeadline: Int64? { isEmpty ? nil : deadlines[head] }
    var headNeedsEnrichment: Bool { !isEmpty && slots[head].enrichmentTicket != 0 }

    mutating func hold(_ event: Event, until deadline: Int64) {
        bytes += HeldRecords.size(of: event)
        slots.append(event)
        deadlines.append(deadline)
    }

    /// Removes the oldest record and returns it.
    mutating func releaseHead() -> Event {
        var event = Event(kind: .lost)
        swap(&event, &slots[head])
        head += 1
        bytes -= HeldRecords.size(of: event)
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            deadlines.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= slots.count {
            slots.removeFirst(head)
            deadlines.removeFirst(head)
            head = 0
        }
        return event
    }

    mutating func withHead<T>(_ body: (inout Event) -> T) -> T { body(&slots[head]) }

    /// What a held record costs beyond its fixed size: its strings.
    private static func size(of event: Event) -> Int {
        var bytes = event.filename?.count ?? 0
        if let argv = event.argv { bytes += argv.bytes.count }
        if let context = event.context { bytes += (context.exe?.count ?? 0) + (context.cwd?.count ?? 0) + (context.cgroup?.count ?? 0) }
        return bytes
    }
}
