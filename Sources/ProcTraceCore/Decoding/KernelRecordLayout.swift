/// Offsets and sizes of the records in bpf/proctrace.h, mirrored for the
/// platform-free decoder. ProcTraceLinuxTests checks them against the C
/// header's own layout, so the two cannot drift apart silently.
public enum KernelRecordLayout {
    public enum Kind: UInt16 {
        case fork = 1, exec, exit, reap, threadStart, threadExit, exists, comm, cred, session
        case execFailed = 11
    }

    public enum Flag {
        public static let argsTruncated: UInt16 = 1 << 0
        public static let filenameTruncated: UInt16 = 1 << 1
        public static let zombie: UInt16 = 1 << 2
        public static let kernelThread: UInt16 = 1 << 3
    }

    public static let commLength = 16

    public enum Header {
        public static let kind = 0
        public static let flags = 2
        public static let size = 4
        public static let time = 8
        public static let startTime = 16
        public static let pid = 24
        public static let tid = 28
        public static let ppid = 32
        public static let byteCount = 40
    }

    /// struct pt_task_info, relative to its start (which is Header.byteCount).
    public enum TaskInfo {
        public static let uid = 0
        public static let euid = 4
        public static let suid = 8
        public static let gid = 12
        public static let egid = 16
        public static let sgid = 20
        public static let sid = 24
        public static let pgid = 28
        public static let comm = 32
        public static let byteCount = 48
    }

    /// struct pt_audit, relative to its start (each record's `audit`).
    public enum Audit {
        public static let auid = 0
        public static let sessionID = 4
        public static let tty = 8
        public static let nspid = 12
        public static let pidns = 16
        public static let mntns = 20
        public static let netns = 24
        public static let userns = 28
        public static let cgroupID = 32
        public static let exeInode = 40
        public static let exeDevice = 48
        public static let valid = 52
        public static let cwdLength = 56
        public static let exeLength = 58
        public static let cgroupLength = 60
        public static let exeSize = 64
        public static let exeModifiedSeconds = 72
        public static let exeChangedSeconds = 80
        public static let exeModifiedNanoseconds = 88
        public static let exeChangedNanoseconds = 92
        public static let byteCount = 96

        /// pt_audit.valid: what the kernel could read.
        public enum Valid {
            public static let loginUID: UInt32 = 1 << 0
            public static let tty: UInt32 = 1 << 1
            public static let cwd: UInt32 = 1 << 2
            public static let exe: UInt32 = 1 << 3
            public static let cgroup: UInt32 = 1 << 4
            public static let namespaces: UInt32 = 1 << 5
            public static let nspid: UInt32 = 1 << 6
            public static let exeVersion: UInt32 = 1 << 7
            public static let cwdTruncated: UInt32 = 1 << 8
            public static let exeTruncated: UInt32 = 1 << 9
            public static let cgroupTruncated: UInt32 = 1 << 10
        }

        /// loginuid and sessionid before a login sets them.
        public static let unset: UInt32 = 0xffff_ffff
    }

    public enum Fork {
        public static let parentStartTime = 88
        public static let audit = 96
        public static let byteCount = 192
    }

    public enum Exec {
        public static let oldPid = 88
        public static let filenameLength = 92
        public static let argsLength = 96
        public static let argsTotal = 100
        public static let audit = 104
        public static let byteCount = 200
    }

    public enum Exit {
        public static let exitStatus = 40
        public static let comm = 48
        public static let byteCount = 64
    }

    public enum Reap {
        public static let reaper = 40
        public static let reason = 44
        public static let byteCount = 48
    }

    public enum Exists {
        public static let exitStatus = 88
        public static let audit = 96
        public static let byteCount = 192
    }

    public enum CommRecord {
        public static let comm = 40
        public static let byteCount = 56
    }

    /// struct pt_exec_failed; filename then NUL-terminated arguments follow.
    public enum ExecFailed {
        public static let comm = 40
        public static let error = 56
        public static let filenameLength = 60
        public static let argsLength = 64
        public static let byteCount = 72
    }

    /// pt_cred and pt_session: header + task info.
    public static let taskInfoRecordByteCount = 88
}
