/// A `--from`/`--until`/`--at` bound: an RFC 3339 time, or seconds since the recording began.
public enum TimeBound: Equatable, Sendable {
    /// Nanoseconds since the epoch.
    case absolute(Int64)
    /// Nanoseconds after the first record.
    case sinceStart(Int64)

    /// Why a text is not a bound; the description is the reason, without the text.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The longest offset, in seconds, whose nanoseconds fit in 64 bits (292 years).
    public static let maximumSeconds = 9.2e9

    /// "2026-11-23T20:12:46Z", "2026-11-23T21:12:46.5+01:00", "90", "1.5"; nil otherwise.
    public init?(parsing text: String) {
        guard let bound = try? TimeBound.parse(text) else { return nil }
        self = bound
    }

    /// Like `init(parsing:)`, saying what is wrong.
    public static func parse(_ text: String) throws -> TimeBound {
        switch RFC3339.check(text) {
        case let .success(time):
            return .absolute(time)
        case let .failure(failure) where failure != .malformed:
            throw ParseError(description: "it " + failure.reason)
        case .failure:
            break
        }
        guard let seconds = Double(text), !text.hasPrefix("+") else {
            throw ParseError(description: "give an RFC 3339 time like 2026-11-23T20:12:46Z, "
                             + "or seconds since the recording began like 90")
        }
        guard seconds.isFinite, seconds >= 0 else {
            throw ParseError(description: "seconds since the recording began are 0 or more, e.g. 90 or 1.5")
        }
        guard seconds < maximumSeconds else {
            throw ParseError(description: "more than \(Int64(maximumSeconds)) seconds (292 years) after the "
                             + "recording began; give an RFC 3339 time instead")
        }
        return .sinceStart(Int64((seconds * 1e9).rounded()))
    }

    /// The bound as a time, given when the recording began; past the end of
    /// time it is the end of time (the bound then excludes nothing).
    public func resolved(recordingStart: Int64) -> Int64 {
        switch self {
        case let .absolute(time): time
        case let .sinceStart(offset): TimeArithmetic.adding(recordingStart, offset)
        }
    }
}
