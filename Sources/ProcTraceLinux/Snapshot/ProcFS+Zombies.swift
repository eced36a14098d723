#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

extension ProcFS {
    /// When the task last ran, in the scheduler's clock (nanoseconds):
    /// `se.exec_start` of /proc/PID/sched. A zombie never runs again after
    /// exiting, so for a zombie this is about when it exited. Compare it with
    /// `schedulerClockNow(onCPU:)` of the CPU it last ran on, not
    /// CLOCK_MONOTONIC: the two drift apart (10.4 s after 90 minutes of
    /// uptime on the test VM, measured), and so do the CPUs' clocks (1.75 s).
    /// nil when the kernel does not provide the file.
    public func lastRan(_ pid: Int32) -> Int64? {
        execStart(of: "\(root)/\(pid)/sched")
    }

    /// The scheduler's clock of `cpu` now, to a time slice (the calling
    /// thread runs there for the moment it reads its own `se.exec_start`).
    public func schedulerClockNow(onCPU cpu: Int32) -> Int64? {
        let now = pt_scheduler_clock_on_cpu(cpu)
        return now >= 0 ? Int64(now) : nil
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
