#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

extension ProcFS {
    /// The status its parent's wait(2) will get: the last field of
    /// /proc/PID/stat (exit_code, Linux 3.5+). Meaningful for a zombie.
    public func exitStatus(_ pid: Int32) -> WaitStatus? {
        guard let text = FileIO.readSmallFile("\(root)/\(pid)/stat"),
            let close = text.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        let fields = text[(close + 1)...].split(whereSeparator: { $0 == 0x20 || $0 == 0x0a })
        // Field 52 of the file; 2 fields (pid, comm) precede the ')'.
        guard fields.count >= 50, let raw = UInt32(String(decoding: fields[49], as: UTF8.self)) else { return nil }
        return WaitStatus(raw: raw)
    }

    /// When the task last stopped running, in CLOCK_MONOTONIC nanoseconds:
    /// `se.exec_start` of /proc/PID/sched (the scheduler's clock, which
    /// keeps step with CLOCK_MONOTONIC). A zombie never runs again after
    /// exiting, so for a zombie this is about when it exited. nil when the
    /// kernel does not provide the file.
    public func lastRan(_ pid: Int32) -> Int64? {
        guard let text = FileIO.readSmallFile("\(root)/\(pid)/sched", limit: 8192) else { return nil }
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
