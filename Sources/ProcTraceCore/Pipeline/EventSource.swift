/// A backend that produces events: BPF, netlink, or an in-memory fake.
///
/// The contract every backend keeps: it is already listening when
/// `snapshot()` is called, so a process born meanwhile shows up either in the
/// snapshot or as a later event (possibly both; the tree treats a repeat of
/// the same (pid, start time) as the same process).
public protocol EventSource: AnyObject {
    /// Named in the `start` record: "bpf", "netlink", …
    var backendName: String { get }

    /// One `exists` event per process alive now.
    func snapshot() throws -> [Event]

    /// Waits at most `timeoutMilliseconds` (0: do not wait) and hands every
    /// event ready, in order, to `deliver`. A source reports records it lost
    /// as `lost` events in the stream. Returns how many events it delivered.
    func poll(timeoutMilliseconds: Int32, deliver: (inout Event) -> Void) throws -> Int

    var counters: SourceCounters { get }

    /// Stops listening and frees what it holds. Idempotent.
    func close()

    /// What completes this source's records off the draining thread (exe
    /// hashes), which the recorder waits for in order, within bounds; nil: none.
    var enricher: EventEnricher? { get }

    /// The recorder is waiting for these processes' reaps (at the stop): a
    /// source that infers reaps looks at them before the others.
    func lookForReaps(of processes: [ProcessID])
}

extension EventSource {
    public var enricher: EventEnricher? { nil }
    public func lookForReaps(of processes: [ProcessID]) {}
}

public struct SourceCounters: Sendable, Equatable {
    /// Records decoded and delivered.
    public var received: UInt64 = 0
    /// Records the kernel could not deliver (ring buffer full, socket overrun).
    public var lostInKernel: UInt64 = 0
    /// Records that arrived but could not be decoded (short or malformed).
    public var malformed: UInt64 = 0

    public init(received: UInt64 = 0, lostInKernel: UInt64 = 0, malformed: UInt64 = 0) {
        self.received = received
        self.lostInKernel = lostInKernel
        self.malformed = malformed
    }
}
