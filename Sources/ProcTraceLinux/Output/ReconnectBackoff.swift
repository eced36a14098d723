/// How long a network output waits before connecting again: from 100 ms,
/// doubling to 2 s. Each wait is drawn between half and all of the current
/// step, so recorders that lost the same relay do not come back in step.
/// Only a connection that proved itself (a delivery committed through it, or
/// ten seconds up) starts the steps over: a receiver that accepts and closes
/// at once is retried as slowly as one that refuses.
struct ReconnectBackoff {
    static let first: Int64 = 100_000_000
    static let longest: Int64 = 2_000_000_000
    static let provenAfter: Int64 = 10_000_000_000

    private(set) var step = first

    /// The next wait in nanoseconds; the one after is twice as long, up to `longest`.
    mutating func nextWait() -> Int64 {
        let wait = step / 2 + Int64.random(in: 0...(step / 2))
        step = min(step * 2, Self.longest)
        return wait
    }

    mutating func reset() {
        step = Self.first
    }
}
