/// Durations as people read them: "45µs", "12.3ms", "2.500s", "3m07s", "2h05m".
/// One table of steps, read here and by the report page's script (ReportSchema).
public enum DurationText {
    /// How durations below `below` nanoseconds are written: `nanoseconds / major`,
    /// the separator, `width` digits of `nanoseconds / minor % modulus` (none
    /// when `width` is 0), then the unit.
    public struct Step: Sendable {
        public let below: UInt64
        public let major: UInt64
        public let separator: String
        public let minor: UInt64
        public let modulus: UInt64
        public let width: Int
        public let unit: String
    }

    /// In order; the last takes every duration past the others.
    public static let steps: [Step] = [
        Step(below: 1_000_000, major: 1_000, separator: "", minor: 1, modulus: 1, width: 0, unit: "µs"),
        Step(below: 1_000_000_000, major: 1_000_000, separator: ".", minor: 100_000, modulus: 10, width: 1, unit: "ms"),
        Step(below: 60_000_000_000, major: 1_000_000_000, separator: ".", minor: 1_000_000, modulus: 1000, width: 3,
             unit: "s"),
        Step(below: 3_600_000_000_000, major: 60_000_000_000, separator: "m", minor: 1_000_000_000, modulus: 60,
             width: 2, unit: "s"),
        Step(below: .max, major: 3_600_000_000_000, separator: "h", minor: 60_000_000_000, modulus: 60, width: 2,
             unit: "m"),
    ]

    public static func format(nanoseconds: UInt64) -> String {
        let step = steps.first { nanoseconds < $0.below } ?? steps[steps.count - 1]
        var text = String(nanoseconds / step.major) + step.separator
        if step.width > 0 { text += padded(nanoseconds / step.minor % step.modulus, step.width) }
        return text + step.unit
    }

    private static func padded(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
