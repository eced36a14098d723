/// Spaces replayed records the way they were recorded, `speed` times faster:
/// the first record sets the origin, every later one is due when as much
/// time has passed (divided by `speed`) as did in the recording.
public struct ReplayPacer: Sendable {
    public let speed: Double
    private var origin: (recorded: Int64, clock: Int64)?

    public init(speed: Double) {
        precondition(speed > 0)
        self.speed = speed
    }

    /// How many nanoseconds to wait, at clock time `now`, before emitting a record stamped `recorded`.
    public mutating func delay(before recorded: Int64, now: Int64) -> Int64 {
        guard let origin else {
            origin = (recorded, now)
            return 0
        }
        let due = origin.clock + Int64((Double(recorded - origin.recorded) / speed).rounded())
        return max(0, due - now)
    }
}
