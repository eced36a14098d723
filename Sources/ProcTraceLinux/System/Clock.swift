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

    /// CLOCK_MONOTONIC: the clock of the netlink proc connector's timestamps.
    public static var monotonicNanoseconds: Int64 { nanoseconds(CLOCK_MONOTONIC) }

    /// Add to a CLOCK_BOOTTIME reading to get time since the epoch.
    public static func bootToEpochOffset() -> Int64 {
        offset(from: CLOCK_BOOTTIME, to: CLOCK_REALTIME)
    }

    /// Add to a reading of `source` to get a reading of `target`. Read as a
    /// sandwich so the error is at most the few nanoseconds between reads.
    public static func offset(from source: clockid_t, to target: clockid_t) -> Int64 {
        let before = nanoseconds(source)
        let reading = nanoseconds(target)
        let after = nanoseconds(source)
        return reading - (before + (after - before) / 2)
    }

    /// Sleeps for `nanoseconds` (any Int64), resuming after a signal whose
    /// handler returns (through the one EINTR retry); a signal that
    /// terminates, like Ctrl-C, ends it at once.
    public static func sleep(nanoseconds: Int64) {
        guard nanoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        _ = try? retryingSystemCall("nanosleep") {
            let result = nanosleep(&request, &remaining)
            if result != 0 { request = remaining }
            return result
        }
    }

    /// Clock ticks per second for /proc's start times (sysconf(_SC_CLK_TCK)).
    public static let ticksPerSecond: Int64 = Int64(sysconf(Int32(_SC_CLK_TCK)))
}
