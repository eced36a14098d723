#if canImport(Glibc)
import Glibc
#endif

public enum Clock {
    public static func nanoseconds(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// CLOCK_BOOTTIME: the clock of BPF timestamps and task start times.
    public static var bootNanoseconds: Int64 { nanoseconds(CLOCK_BOOTTIME) }

    public static var realtimeNanoseconds: Int64 { nanoseconds(CLOCK_REALTIME) }

    /// Add to a CLOCK_BOOTTIME reading to get time since the epoch. Read as a
    /// sandwich so the error is at most the few nanoseconds between reads.
    public static func bootToEpochOffset() -> Int64 {
        let before = bootNanoseconds
        let wall = realtimeNanoseconds
        let after = bootNanoseconds
        return wall - (before + (after - before) / 2)
    }

    /// Clock ticks per second for /proc's start times (sysconf(_SC_CLK_TCK)).
    public static let ticksPerSecond: Int64 = Int64(sysconf(Int32(_SC_CLK_TCK)))
}
