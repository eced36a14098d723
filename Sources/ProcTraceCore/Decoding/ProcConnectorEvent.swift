/// One event of the netlink proc connector, as the kernel sent it: about one
/// task (thread), with no more than the kernel put in the message.
public struct ProcConnectorEvent: Equatable, Sendable {
    /// When the kernel sent it: CLOCK_MONOTONIC nanoseconds (ktime_get_ns).
    public var timestamp: UInt64
    public var cpu: UInt32
    public var detail: Detail

    public init(timestamp: UInt64, cpu: UInt32 = 0, detail: Detail) {
        self.timestamp = timestamp
        self.cpu = cpu
        self.detail = detail
    }

    public enum Detail: Equatable, Sendable {
        /// The kernel's answer to a subscription (errno, 0 on success).
        case acknowledgement(error: UInt32)
        /// `child` was cloned; a thread when child.tid != child.tgid. `parent`
        /// is the child's real parent (the caller's parent under CLONE_PARENT).
        case fork(parent: TaskIDs, child: TaskIDs)
        case exec(TaskIDs)
        /// Real and effective UID after a credential change.
        case uid(TaskIDs, real: UInt32, effective: UInt32)
        case gid(TaskIDs, real: UInt32, effective: UInt32)
        /// The task called setsid().
        case sid(TaskIDs)
        /// Attached (tracer non-zero) or detached.
        case ptrace(TaskIDs, tracer: TaskIDs)
        /// prctl(PR_SET_NAME) or a write to /proc/PID/comm (exec sends none).
        case comm(TaskIDs, Comm)
        /// A core dump began; whether a core file was written only the exit status says.
        case coredump(TaskIDs, parent: TaskIDs)
        /// One task ended. `exitCode` is its wait-status word; `exitSignal` is
        /// what its parent will be sent (-1 for threads); `parent` is zero when
        /// the task was already released, i.e. nobody will wait for it.
        case exit(TaskIDs, exitCode: UInt32, exitSignal: Int32, parent: TaskIDs)
    }
}

/// A task as the connector names it: `tid` is the kernel's pid (the thread),
/// `tgid` the process.
public struct TaskIDs: Hashable, Sendable, CustomStringConvertible {
    public var tid: Int32
    public var tgid: Int32

    public init(tid: Int32, tgid: Int32) {
        self.tid = tid
        self.tgid = tgid
    }

    public init(process pid: Int32) {
        self.init(tid: pid, tgid: pid)
    }

    /// The thread-group leader: the thread whose ID is the process's.
    public var isLeader: Bool { tid == tgid }

    public var description: String { tid == tgid ? "\(tgid)" : "\(tgid)/\(tid)" }
}
