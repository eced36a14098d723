import ProcTraceCore

/// Builds raw ring-buffer records laid out as bpf/proctrace.h defines them,
/// for decoder tests and consumer benchmarks that run without a kernel.
public struct KernelRecordBuilder {
    public typealias L = KernelRecordLayout
    public var bytes: [UInt8]

    public init(kind: KernelRecordLayout.Kind, size: Int, flags: UInt16 = 0, time: UInt64 = 1_000,
                startTime: UInt64 = 500, pid: UInt32 = 100, tid: UInt32 = 100, ppid: UInt32 = 1) {
        bytes = [UInt8](repeating: 0, count: size)
        put(kind.rawValue, at: L.Header.kind)
        put(flags, at: L.Header.flags)
        put(UInt32(size), at: L.Header.size)
        put(time, at: L.Header.time)
        put(startTime, at: L.Header.startTime)
        put(pid, at: L.Header.pid)
        put(tid, at: L.Header.tid)
        put(ppid, at: L.Header.ppid)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }

    public mutating func put(_ text: [UInt8], at offset: Int) {
        for (index, byte) in text.enumerated() { bytes[offset + index] = byte }
    }

    public mutating func putTaskInfo(uid: UInt32 = 1000, euid: UInt32 = 1000, gid: UInt32 = 100, sid: UInt32 = 7,
                                     pgid: UInt32 = 8, comm: String = "bash") {
        let base = L.Header.byteCount
        put(uid, at: base + L.TaskInfo.uid)
        put(euid, at: base + L.TaskInfo.euid)
        put(uid, at: base + L.TaskInfo.suid)
        put(gid, at: base + L.TaskInfo.gid)
        put(gid, at: base + L.TaskInfo.egid)
        put(gid, at: base + L.TaskInfo.sgid)
        put(sid, at: base + L.TaskInfo.sid)
        put(pgid, at: base + L.TaskInfo.pgid)
        put(Array(comm.utf8.prefix(15)), at: base + L.TaskInfo.comm)
    }

    public static func fork(pid: UInt32, ppid: UInt32, startTime: UInt64, time: UInt64, comm: String = "bash",
                            parentStartTime: UInt64 = 0) -> [UInt8] {
        var record = KernelRecordBuilder(kind: .fork, size: L.Fork.byteCount, time: time, startTime: startTime,
                                         pid: pid, tid: pid, ppid: ppid)
        record.putTaskInfo(comm: comm)
        record.put(parentStartTime, at: L.Fork.parentStartTime)
        return record.bytes
    }

    public static func exec(pid: UInt32, ppid: UInt32, startTime: UInt64, time: UInt64, filename: String,
                            arguments: [String], oldPid: UInt32? = nil, truncated: Bool = false,
                            filenameTruncated: Bool = false) -> [UInt8] {
        let name = Array(filename.utf8)
        let args = ArgumentVector(strings: arguments).bytes
        var record = KernelRecordBuilder(
            kind: .exec, size: L.Exec.byteCount + name.count + args.count,
            flags: (truncated ? L.Flag.argsTruncated : 0) | (filenameTruncated ? L.Flag.filenameTruncated : 0), time: time, startTime: startTime, pid: pid, tid: pid,
            ppid: ppid)
        record.putTaskInfo(comm: String((filename.split(separator: "/").last ?? "").prefix(15)))
        record.put(oldPid ?? pid, at: L.Exec.oldPid)
        record.put(UInt32(name.count), at: L.Exec.filenameLength)
        record.put(UInt32(args.count), at: L.Exec.argsLength)
        record.put(UInt32(args.count), at: L.Exec.argsTotal)
        record.put(name, at: L.Exec.byteCount)
        record.put(args, at: L.Exec.byteCount + name.count)
        return record.bytes
    }

    public static func exit(pid: UInt32, ppid: UInt32, startTime: UInt64, time: UInt64, status: UInt32,
                            comm: String = "true") -> [UInt8] {
        var record = KernelRecordBuilder(kind: .exit, size: L.Exit.byteCount, time: time, startTime: startTime,
                                         pid: pid, tid: pid, ppid: ppid)
        record.put(status, at: L.Exit.exitStatus)
        record.put(Array(comm.utf8.prefix(15)), at: L.Exit.comm)
        return record.bytes
    }

    public static func reap(pid: UInt32, startTime: UInt64, time: UInt64, reaper: UInt32,
                            reason: ReapReason = .wait) -> [UInt8] {
        var record = KernelRecordBuilder(kind: .reap, size: L.Reap.byteCount, time: time, startTime: startTime,
                                         pid: pid, tid: pid, ppid: 0)
        record.put(reaper, at: L.Reap.reaper)
        record.put(UInt32(reason.rawValue), at: L.Reap.reason)
        return record.bytes
    }

    public static func execFailed(pid: UInt32, ppid: UInt32, startTime: UInt64, time: UInt64, filename: String,
                                  arguments: [String], error: UInt32, truncated: Bool = false,
                                  comm: String = "bash") -> [UInt8] {
        let name = Array(filename.utf8)
        let args = ArgumentVector(strings: arguments).bytes
        var record = KernelRecordBuilder(
            kind: .execFailed, size: L.ExecFailed.byteCount + name.count + args.count,
            flags: truncated ? L.Flag.argsTruncated : 0, time: time, startTime: startTime, pid: pid, tid: pid, ppid: ppid)
        record.put(Array(comm.utf8.prefix(15)), at: L.ExecFailed.comm)
        record.put(error, at: L.ExecFailed.error)
        record.put(UInt32(name.count), at: L.ExecFailed.filenameLength)
        record.put(UInt32(args.count), at: L.ExecFailed.argsLength)
        record.put(name, at: L.ExecFailed.byteCount)
        record.put(args, at: L.ExecFailed.byteCount + name.count)
        return record.bytes
    }
}
