/// What completes records after they were decoded, off the thread that
/// drains the kernel (today: the executable's hash). The recorder holds a
/// record with an `enrichmentTicket`, in order, until `complete` says it is
/// done or its wait is over; it never waits on the enricher itself.
public protocol EventEnricher: AnyObject {
    /// Fills in what the ticket's work found, if it is done; false: not yet.
    /// Never blocks.
    func complete(_ event: inout Event) -> Bool

    /// The record goes out without its enrichment: the field is null and the
    /// reason recorded. The work, if it still runs, is forgotten.
    func giveUp(_ event: inout Event, because reason: HashSkipReason)

    /// Records the enricher has to say (`warning`), each once.
    func takeWarnings() -> [Event]

    /// Hashes given up so far, by reason (for the `stop` record and the metrics).
    var skipped: HashSkipCounts { get }

    /// Workers left behind in a read that never returned.
    var workersAbandoned: UInt64 { get }
}

/// How long and how many records the recorder holds for their enrichment.
public struct EnrichmentBounds: Sendable {
    /// A record waits at most this long (nanoseconds) for its enrichment.
    public var wait: Int64
    /// The first records after the start (the snapshot hashes every running
    /// program at once) wait at most this long.
    public var snapshotWait: Int64
    /// Records held at most; past that the oldest goes out without its enrichment.
    public var records: Int
    /// Bytes of held records' strings at most (argv and paths), likewise.
    public var bytes: Int

    public static let defaultWaitMilliseconds = 250

    public init(wait: Int64 = Int64(EnrichmentBounds.defaultWaitMilliseconds) * 1_000_000,
                snapshotWait: Int64 = 5_000_000_000, records: Int = 65_536, bytes: Int = 64 << 20) {
        self.wait = wait
        self.snapshotWait = max(snapshotWait, wait)
        self.records = max(records, 1)
        self.bytes = max(bytes, 1)
    }
}
