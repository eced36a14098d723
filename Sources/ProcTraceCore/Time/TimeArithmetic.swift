/// Sums and differences of nanosecond times that come from logs or command
/// lines: they may lie anywhere in Int64, so they saturate instead of trapping.
public enum TimeArithmetic {
    /// `time + offset`, held at Int64.min/max.
    @inline(__always)
    public static func adding(_ time: Int64, _ offset: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(offset)
        return overflow ? (offset > 0 ? .max : .min) : sum
    }

    /// `later - earlier`, held at Int64.min/max.
    @inline(__always)
    public static func difference(_ later: Int64, _ earlier: Int64) -> Int64 {
        let (difference, overflow) = later.subtractingReportingOverflow(earlier)
        return overflow ? (later > earlier ? .max : .min) : difference
    }

    /// How long from `earlier` to `later`, 0 when `later` is not after it.
    /// Never overflows: any two Int64 are at most UInt64.max apart.
    @inline(__always)
    public static func elapsed(from earlier: Int64, to later: Int64) -> UInt64 {
        guard later > earlier else { return 0 }
        return UInt64(bitPattern: later &- earlier)
    }
}
