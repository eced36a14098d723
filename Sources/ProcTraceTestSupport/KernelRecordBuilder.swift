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

    /// struct pt_audit and its paths, as the kernel fills them for a login
    /// shell's child unless a test says otherwise.
    public struct Audit {
        public var valid: UInt32 = L.Audit.Valid.loginUID | L.Audit.Valid.tty | L.Audit.Valid.cwd
            | L.Audit.Valid.exe | L.Audit.Valid.cgroup | L.Audit.Valid.namespaces | L.Audit.Valid.nspid
        public var auid: UInt32 = 1000
        public var sessionID: UInt32 = 3
        public var tty: UInt32 = 136 << 20 | 1 // pts/1
        public var nspid: UInt32? = nil // nil: the pid
        public var pidns: UInt32 = 4_026_531_836
        public var mntns: UInt32 = 4_026_531_841
        public var netns: UInt32 = 4_026_531_840
        public var userns: UInt32 = 4_026_531_837
        public var cgroupID: UInt64 = 4242
        public var exeInode: UInt64 = 1_234_567
        public var exeDevice: UInt32 = 8 << 20 | 1
        public var cwd: [UInt8] = Array("/home/user/src".utf8)
        public var exe: [UInt8]? = nil // nil: the exec's filename
        public var cgroup: [UInt8] = Array("/user.slice/user-1000.slice/session-3.scope".utf8)
        /// Sent with Valid.exeVersion.
        public var exeVersion = FileVersion(size: 35_000, modifiedSeconds: 1_700_000_000, modifiedNanoseconds: 5,
                                            changedSeconds: 1_700_000_100, changedNanoseconds: 7)

        public init() {}
    }

    /// Writes the fixed part at `base` and appends the paths a record of this
    /// kind carries (a fork's only the cgroup), fixing the header's size.
    public mutating func putAudit(_ audit: Audit, at base: Int, pid: UInt32, exe: [UInt8], fork: Bool = false) {
        typealias A = L.Audit
        put(audit.auid, at: base + A.auid)
        put(audit.sessionID, at: base + A.sessionID)
        put(audit.tty, at: base + A.tty)
        put(audit.nspid ?? pid, at: base + A.nspid)
        put(audit.pidns, at: base + A.pidns)
        put(audit.mntns, at: base + A.mntns)
        put(audit.netns, at: base + A.netns)
        put(audit.userns, at: base + A.userns)
        put(audit.cgroupID, at: base + A.cgroupID)
        put(audit.exeInode, at: base + A.exeInode)
        put(audit.exeDevice, at: base + A.exeDevice)
        put(audit.valid, at: base + A.valid)
        put(UInt64(bitPattern: audit.exeVersion.size), at: base + A.exeSize)
        put(UInt64(bitPattern: audit.exeVersion.modifiedSeconds), at: base + A.exeModifiedSeconds)
        put(UInt64(bitPattern: audit.exeVersion.changedSeconds), at: base + A.exeChangedSeconds)
        put(UInt32(truncatingIfNeeded: audit.exeVersion.modifiedNanoseconds), at: base + A.exeModifiedNanoseconds)
        put(UInt32(truncatingIfNeeded: audit.exeVersion.changedNanoseconds), at: base + A.exeChangedNanoseconds)
        let cwd = fork ? [] : audit.cwd
        let exe = fork ? [] : exe
        put(UInt16(cwd.count), at: base + A.cwdLength)
        put(UInt16(exe.count), at: base + A.exeLength)
        put(UInt16(audit.cgroup.count), at: base + A.cgroupLength)
        bytes += cwd + exe + audit.cgroup
        put(UInt32(bytes.count), at: L.Header.size)
    }

    public static func fork(pid: UInt32, ppid: UInt32, startTime: UInt64, time: UInt64, comm: String = "bash",
                            parentStartTime: UInt64 = 0, audit: Audit = Audit()) -> [UInt8] {
        var record = KernelRecordBuilder(kind: .fork, size: L.Fork.byteCount, time: time, startTime: startTime,
                                         pid: pid, tid: pid, ppid: ppid)
        record.putTaskInfo(comm: comm)
        record.put(parentStartTime, at: L.Fork.parentStartTime)
        record.putAudit(audit, at: L.Fork.audit, pid: pid, exe: [], fork: true)
        return record.bytes
    }

    public static func exec(pid: UInt32, ppid: UInt32, startTime: UInt64, time: UInt64, filename: String,
                            arguments: [String], oldPid: UInt32? = nil, truncated: Bool = false,
                            filenameTruncated: Bool = false, audit: Audit = Audit()) -> [UInt8] {
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
        record.putAudit(audit, at: L.Exec.audit, pid: pid, exe: audit.exe ?? name)
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
