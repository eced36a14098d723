/// The moment of a recording a tree is shown at (`tree --at`).
public enum TreeMoment: Equatable, Sendable {
    /// When the recording ends (its last record).
    case end
    /// A wall-clock time, nanoseconds since the epoch.
    case time(Int64)
    /// Nanoseconds after the recording's first record.
    case afterStart(Int64)

    public init(_ bound: TimeBound) {
        switch bound {
        case let .absolute(time): self = .time(time)
        case let .sinceStart(offset): self = .afterStart(offset)
        }
    }

    /// "2026-11-23T20:12:46Z" (RFC 3339) or "12.5" (seconds since the start).
    public init?(parsing text: String) {
        guard let bound = TimeBound(parsing: text) else { return nil }
        self.init(bound)
    }
}
