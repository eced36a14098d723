/// Durations as people read them: "45µs", "12.3ms", "2.500s", "3m07s", "2h05m".
public enum DurationText {
    public static func format(nanoseconds: UInt64) -> String {
        switch nanoseconds {
        case ..<1_000_000:
            return "\(nanoseconds / 1000)µs"
        case ..<1_000_000_000:
            return "\(nanoseconds / 1_000_000).\(nanoseconds / 100_000 % 10)ms"
        case ..<60_000_000_000:
            return "\(nanoseconds / 1_000_000_000).\(padded(nanoseconds / 1_000_000 % 1000, 3))s"
        case ..<3_600_000_000_000:
            let seconds = nanoseconds / 1_000_000_000
            return "\(seconds / 60)m\(padded(seconds % 60, 2))s"
        default:
            let minutes = nanoseconds / 60_000_000_000
            return "\(minutes / 60)h\(padded(minutes % 60, 2))m"
        }
    }

    private static func padded(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
