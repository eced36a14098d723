/// A `--from`/`--until` bound: an RFC 3339 time, or seconds since the recording began.
public enum TimeBound: Equatable, Sendable {
    /// Nanoseconds since the epoch.
    case absolute(Int64)
    /// Nanoseconds after the first record.
    case sinceStart(Int64)

    /// "2026-11-23T20:12:46Z", "2026-11-23T21:12:46.5+01:00", "90", "1.5"; nil otherwise.
    public init?(parsing text: String) {
        if let time = RFC3339.parse(text) {
            self = .absolute(time)
            return
        }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds < 9e9 else { return nil }
        self = .sinceStart(Int64((seconds * 1e9).rounded()))
    }

    /// The bound as a time, given when the recording began.
    public func resolved(recordingStart: Int64) -> Int64 {
        switch self {
        case let .absolute(time): time
        case let .sinceStart(offset): recordingStart + offset
        }
    }
}
