/// `replay --from/--until`: which records are printed, resolved against the
/// first record's time when it comes (a bound in seconds counts from it).
public struct ReplayWindow: Sendable {
    public let from: TimeBound?
    public let until: TimeBound?
    private var resolved: (from: Int64, until: Int64)?

    public enum Place: Equatable, Sendable {
        /// Before --from: applied to the tree, not printed.
        case before
        case inside
        /// After --until: the replay ends.
        case after
    }

    public init(from: TimeBound? = nil, until: TimeBound? = nil) {
        self.from = from
        self.until = until
    }

    public mutating func place(of time: Int64) -> Place {
        let bounds = resolved ?? {
            let bounds = (from?.resolved(recordingStart: time) ?? .min, until?.resolved(recordingStart: time) ?? .max)
            resolved = bounds
            return bounds
        }()
        if time > bounds.until { return .after }
        return time < bounds.from ? .before : .inside
    }
}
