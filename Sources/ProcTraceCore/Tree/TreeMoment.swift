/// The moment of a recording a tree is shown at (`tree --at`).
public enum TreeMoment: Equatable, Sendable {
    /// When the recording ends (its last record).
    case end
    /// A wall-clock time, nanoseconds since the epoch.
    case time(Int64)
    /// Nanoseconds after the recording's first record.
    case afterStart(Int64)

    /// "2026-11-23T20:12:46Z" (RFC 3339) or "12.5" (seconds since the start).
    public init?(parsing text: String) {
        if let time = RFC3339.parse(text) {
            self = .time(time)
        } else if let seconds = Double(text), seconds >= 0, seconds.isFinite, seconds < 1e9 {
            self = .afterStart(Int64((seconds * 1e9).rounded()))
        } else {
            return nil
        }
    }
}
