/// The size of the BPF maps keyed by process ID (`zombies`, `exits_reported`).
/// A hash map allocates a bucket for every entry it may hold when it is
/// created: at the compiled 4,194,304 entries (the most PIDs Linux allows)
/// that was 64 MiB of kernel memory each, whatever ran (BENCHMARKS.md, issue 27).
///
/// An entry stands for a process between its exit and its reap or free, one
/// per PID (a PID's older entry is replaced). So no more can be needed than
/// there are PIDs (`kernel.pid_max`) or tasks (`kernel.threads-max`, set from
/// the machine's memory: 192,735 for 24 GiB), with a quarter more for the few
/// processes whose free the kernel never reports (docs/hooks.md). Both limits
/// are read at start; raised while recording, an entry that does not fit is
/// counted as lost (docs/service.md, "Memory").
public enum PIDKeyedMaps {
    /// The fewest entries, so a low limit still leaves room for the usual 32,768 PIDs.
    public static let minimumEntries = 32_768
    /// The most PIDs Linux allows (PID_MAX_LIMIT on 64-bit): the compiled size.
    public static let maximumEntries = 4 * 1024 * 1024

    /// Entries for the limits read from /proc/sys/kernel; the compiled size when neither is known.
    public static func entries(pidMax: Int?, threadsMax: Int?) -> UInt32 {
        let bounds = [pidMax, threadsMax.map { $0 + $0 / 4 }].compactMap { $0 }.filter { $0 > 0 }
        guard let tightest = bounds.min() else { return UInt32(maximumEntries) }
        return UInt32(min(max(tightest, minimumEntries), maximumEntries))
    }
}
