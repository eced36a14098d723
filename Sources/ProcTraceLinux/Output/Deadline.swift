import Synchronization

/// When a network output must give up, on the monotonic clock: never until
/// the recording stops, then a moment a few seconds away (the stop grace).
/// Set by the record thread, read by the sender between waits.
public final class Deadline: Sendable {
    private let nanoseconds = Atomic<Int64>(.max)

    public init() {}

    public var value: Int64 { nanoseconds.load(ordering: .acquiring) }

    public var hasPassed: Bool { Clock.monotonicNanoseconds >= value }

    /// Moves the deadline to `time` unless it is already earlier.
    public func bringForward(to time: Int64) {
        _ = nanoseconds.min(time, ordering: .acquiringAndReleasing)
    }

    /// Nanoseconds left before the deadline or `limit`, whichever comes first (never negative).
    public func remaining(within limit: Int64) -> Int64 {
        max(0, min(value, limit) - Clock.monotonicNanoseconds)
    }
}
