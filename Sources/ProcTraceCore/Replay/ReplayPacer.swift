/// Spaces replayed records the way they were recorded, `speed` times faster:
/// the first record sets the origin, every later one is due when as much
/// time has passed (divided by `speed`) as did in the recording.
///
/// Times come from the log and `speed` from the command line, so any of them
/// may be extreme (a log spanning 1970 to 2262, `--speed 1e-15`): the sums
/// saturate, and a record due beyond the end of time waits until then.
public struct ReplayPacer: Sendable {
    public let speed: Double
    private var origin: (recorded: Int64, clock: Int64)?

    public init(speed: Double) {
        precondition(speed > 0 && speed.isFinite)
        self.speed = speed
    }

    /// How many nanoseconds to wait, at clock time `now`, before emitting a record stamped `recorded`.
    public mutating func delay(before recorded: Int64, now: Int64) -> Int64 {
        guard let origin else {
            origin = (recorded, now)
            return 0
        }
        let recordedGap = TimeArithmetic.difference(recorded, origin.recorded)
        guard recordedGap > 0 else { return max(0, TimeArithmetic.difference(origin.clock, now)) }
        let scaled = (Double(recordedGap) / speed).rounded()
        // Int64(_:) traps on a Double of 2⁶³ or more: such a record is due at the end of time.
        let wait = scaled < 9.2e18 ? Int64(scaled) : Int64.max
        let due = TimeArithmetic.adding(origin.clock, wait)
        return max(0, TimeArithmetic.difference(due, now))
    }
}
