#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

extension ProcFS {
    /// When the task last ran, in the scheduler's clock (nanoseconds):
    /// `se.exec_start` of /proc/PID/sched. A zombie never runs again after
    /// exiting, so for a zombie this is about when it exited. Compare it with
    /// `schedulerClockNow()`, not CLOCK_MONOTONIC: the two drift apart
    /// (10.4 s after 90 minutes of uptime on the test VM, measured). nil
    /// when the kernel does not provide the file.
    public func lastRan(_ pid: Int32) -> Int64? {
        execStart(of: "\(root)/\(pid)/sched")
    }

    /// The scheduler's clock now, to a time slice: `se.exec_start` of the
    /// calling thread, which is running as it reads it.
    public func schedulerClockNow() -> Int64? {
        execStart(of: "\(root)/thread-self/sched")
    }

    private func execStart(of path: String) -> Int64? {
        guard let text = FileIO.readSmallFile(path, limit: 8192) else { return nil }
        let key = Array("se.exec_start".utf8)
        for line in text.split(separator: UInt8(ascii: "\n")) where line.starts(with: key) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            // "se.exec_start   :   3226601.341294" — milliseconds with six decimals.
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
            let parts = value.split(separator: ".", maxSplits: 1)
            guard let milliseconds = Int64(parts[0]) else { return nil }
            var nanoseconds = milliseconds * 1_000_000
            if parts.count == 2, let fraction = Int64(parts[1].prefix(6).padding(toLength: 6)) {
                nanoseconds += fraction
            }
            return nanoseconds
        }
        return nil
    }
}

extension Substring {
    fileprivate func padding(toLength length: Int) -> String {
        String(self) + String(repeating: "0", count: Swift.max(0, length - count))
    }
}
