#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// What /proc/PID/stat says (proc(5)), the fields proctrace uses.
public struct ProcStat: Equatable, Sendable {
    public var pid: Int32
    public var comm: [UInt8]
    public var state: UInt8
    public var ppid: Int32
    public var pgrp: Int32
    public var session: Int32
    /// The controlling terminal's device number (field 7, `tty_nr`); 0 for none.
    public var ttyNumber: UInt32 = 0
    /// Clock ticks after boot.
    public var startTicks: UInt64
    public var flags: UInt32
    public var threadCount: Int32 = 1
    /// A zombie's wait status (field 52); nil when not shown (older kernel, not permitted).
    public var exitCode: UInt32?
    /// The CPU it last ran on (field 39).
    public var processor: Int32?

    /// Start time in boot nanoseconds, to tick precision (/proc has no better).
    public var startTimeApproximate: UInt64 {
        startTicks * ProcStat.nanosecondsPerTick
    }

    /// The length of /proc's clock tick: the one place it is computed.
    public static let nanosecondsPerTick = UInt64(1_000_000_000 / max(Clock.ticksPerSecond, 1))

    /// Whether a start time in boot nanoseconds (exact, from BPF) falls in
    /// this process's start tick: stat's starttime is start_boottime divided
    /// down to clock ticks, truncated.
    public func startedInTick(ofBootNanoseconds nanoseconds: UInt64) -> Bool {
        startTicks == nanoseconds / ProcStat.nanosecondsPerTick
    }

    public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    /// Parses the file's text; comm may hold spaces and ')' so it is taken up to the LAST ')'.
    public static func parse(_ text: [UInt8]) -> ProcStat? {
        guard let open = text.firstIndex(of: UInt8(ascii: "(")),
            let close = text.lastIndex(of: UInt8(ascii: ")")), close > open
        else { return nil }
        guard let pid = Int32(String(decoding: text[..<open], as: UTF8.self).trimmingSpaces) else { return nil }
        let comm = Array(text[(open + 1)..<close])
        // The file ends in a newline, after exit_code (the last field).
        let rest = text[(close + 1)...].split(omittingEmptySubsequences: true) { $0 == 0x20 || $0 == 0x0a }
        // rest[0] = state (field 3), rest[1] = ppid (4), rest[2] = pgrp (5), rest[3] = session (6),
        // rest[4] = tty_nr (7), rest[6] = flags (9), rest[17] = num_threads (20), rest[19] = starttime (22),
        // rest[36] = processor (39), rest[49] = exit_code (52).
        guard rest.count > 19, let state = rest[0].first,
            let ppid = Int32(String(decoding: rest[1], as: UTF8.self)),
            let pgrp = Int32(String(decoding: rest[2], as: UTF8.self)),
            let session = Int32(String(decoding: rest[3], as: UTF8.self)),
            let flags = UInt32(String(decoding: rest[6], as: UTF8.self)),
            let threadCount = Int32(String(decoding: rest[17], as: UTF8.self)),
            let start = UInt64(String(decoding: rest[19], as: UTF8.self))
        else { return nil }
        let exitCode = rest.count > 49 ? UInt32(String(decoding: rest[49], as: UTF8.self)) : nil
        let processor = rest.count > 36 ? Int32(String(decoding: rest[36], as: UTF8.self)) : nil
        // tty_nr is printed as a signed int.
        let tty = Int32(String(decoding: rest[4], as: UTF8.self)).map { UInt32(bitPattern: $0) } ?? 0
        return ProcStat(pid: pid, comm: comm, state: state, ppid: ppid, pgrp: pgrp, session: session,
                        ttyNumber: tty, startTicks: start, flags: flags, threadCount: threadCount, exitCode: exitCode,
                        processor: processor)
    }
}

/// Reads processes from /proc. Every read may race with the process's exit
/// or a recycled PID: callers check start time against what they expect.
public struct ProcFS: Sendable {
    public let root: String

    public init(root: String = "/proc") {
        self.root = root
    }

    /// PIDs of all processes (thread-group leaders) now.
    public func pids() -> [Int32] {
        numericEntries(of: root)
    }

    /// IDs of the process's threads, the leader's included; empty once it is gone.
    public func threads(of pid: Int32) -> [Int32] {
        numericEntries(of: "\(root)/\(pid)/task")
    }

    private func numericEntries(of directory: String) -> [Int32] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var result: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let pid = Int32(name) { result.append(pid) }
        }
        return result.sorted()
    }

    public func stat(_ pid: Int32) -> ProcStat? {
        FileIO.readSmallFile("\(root)/\(pid)/stat").flatMap(ProcStat.parse)
    }

    /// The argument area as the kernel stores it (NUL after each argument).
    /// nil when unreadable; empty for kernel threads and zombies.
    public func cmdline(_ pid: Int32, limit: Int = 1 << 20) -> [UInt8]? {
        FileIO.readSmallFile("\(root)/\(pid)/cmdline", limit: limit)
    }

    /// The executable's path (readlink of /proc/PID/exe); nil for kernel
    /// threads, zombies, or when not permitted.
    public func executable(_ pid: Int32) -> [UInt8]? {
        FileIO.readLink("\(root)/\(pid)/exe").map(ProcFS.withoutDeletedSuffix)
    }

    static func withoutDeletedSuffix(_ link: [UInt8]) -> [UInt8] {
        var path = link
        let deleted = Array(" (deleted)".utf8)
        if path.count > deleted.count && Array(path.suffix(deleted.count)) == deleted {
            path.removeLast(deleted.count)
        }
        return path
    }

    /// Real, effective, saved UID/GID from the text of /proc/PID/status.
    static func credentials(fromStatus text: [UInt8]) -> Credentials? {
        var uids: [UInt32] = []
        var gids: [UInt32] = []
        for line in text.split(separator: UInt8(ascii: "\n")) {
            if line.starts(with: Array("Uid:".utf8)) {
                uids = line.dropFirst(4).split(whereSeparator: { $0 == 9 || $0 == 32 })
                    .compactMap { UInt32(String(decoding: $0, as: UTF8.self)) }
            } else if line.starts(with: Array("Gid:".utf8)) {
                gids = line.dropFirst(4).split(whereSeparator: { $0 == 9 || $0 == 32 })
                    .compactMap { UInt32(String(decoding: $0, as: UTF8.self)) }
            }
        }
        guard uids.count >= 3, gids.count >= 3 else { return nil }
        return Credentials(uid: uids[0], euid: uids[1], suid: uids[2], gid: gids[0], egid: gids[1], sgid: gids[2])
    }

    /// A number in /proc/sys/kernel (`pid_max`: every PID is below it; `threads-max`: the most
    /// tasks at once). nil when unreadable.
    public func kernelLimit(_ name: String) -> Int? {
        guard let bytes = FileIO.readSmallFile("\(root)/sys/kernel/\(name)") else { return nil }
        return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \t\n"))
    }

    /// `/proc/sys/kernel/random/boot_id`.
    public func bootID() -> String {
        guard let bytes = FileIO.readSmallFile("\(root)/sys/kernel/random/boot_id") else { return "" }
        return String(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first?.trimmingSpaces ?? "")
    }
}

extension ProcFS {
    /// Whether the process ignores SIGCHLD (SigIgn in /proc/PID/status), so
    /// its children are released as they exit. nil when unreadable.
    public func ignoresChildSignals(_ pid: Int32) -> Bool? {
        guard let text = FileIO.readSmallFile("\(root)/\(pid)/status") else { return nil }
        for line in text.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("SigIgn:".utf8)) {
            let hex = String(decoding: line.dropFirst(7), as: UTF8.self).trimmingCharacters(in: " \t")
            guard let mask = UInt64(hex, radix: 16) else { return nil }
            return mask & (1 << (17 - 1)) != 0
        }
        return nil
    }
}
