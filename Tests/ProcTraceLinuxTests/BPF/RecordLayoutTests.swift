import CProcTraceBPF
import ProcTraceCore
import Testing

/// The Swift decoder's offsets must be the C header's: the kernel writes what
/// bpf/proctrace.h says, and KernelRecordLayout reads it.
struct RecordLayoutTests {
    typealias L = KernelRecordLayout

    @Test func sizesMatchTheCHeader() {
        #expect(MemoryLayout<pt_header>.size == L.Header.byteCount)
        #expect(MemoryLayout<pt_task_info>.size == L.TaskInfo.byteCount)
        #expect(MemoryLayout<pt_audit>.size == L.Audit.byteCount)
        #expect(MemoryLayout<pt_fork>.size == L.Fork.byteCount)
        #expect(MemoryLayout<pt_exec>.size == L.Exec.byteCount)
        #expect(MemoryLayout<pt_exit>.size == L.Exit.byteCount)
        #expect(MemoryLayout<pt_reap>.size == L.Reap.byteCount)
        #expect(MemoryLayout<pt_exists>.size == L.Exists.byteCount)
        #expect(MemoryLayout<pt_comm>.size == L.CommRecord.byteCount)
        #expect(MemoryLayout<pt_cred>.size == L.taskInfoRecordByteCount)
        #expect(MemoryLayout<pt_session>.size == L.taskInfoRecordByteCount)
    }

    @Test func offsetsMatchTheCHeader() {
        #expect(MemoryLayout<pt_header>.offset(of: \.kind) == L.Header.kind)
        #expect(MemoryLayout<pt_header>.offset(of: \.flags) == L.Header.flags)
        #expect(MemoryLayout<pt_header>.offset(of: \.size) == L.Header.size)
        #expect(MemoryLayout<pt_header>.offset(of: \.time_ns) == L.Header.time)
        #expect(MemoryLayout<pt_header>.offset(of: \.start_time) == L.Header.startTime)
        #expect(MemoryLayout<pt_header>.offset(of: \.pid) == L.Header.pid)
        #expect(MemoryLayout<pt_header>.offset(of: \.tid) == L.Header.tid)
        #expect(MemoryLayout<pt_header>.offset(of: \.ppid) == L.Header.ppid)
        #expect(MemoryLayout<pt_task_info>.offset(of: \.euid) == L.TaskInfo.euid)
        #expect(MemoryLayout<pt_task_info>.offset(of: \.sgid) == L.TaskInfo.sgid)
        #expect(MemoryLayout<pt_task_info>.offset(of: \.sid) == L.TaskInfo.sid)
        #expect(MemoryLayout<pt_task_info>.offset(of: \.pgid) == L.TaskInfo.pgid)
        #expect(MemoryLayout<pt_task_info>.offset(of: \.comm) == L.TaskInfo.comm)
        #expect(MemoryLayout<pt_fork>.offset(of: \.parent_start_time) == L.Fork.parentStartTime)
        #expect(MemoryLayout<pt_exec>.offset(of: \.old_pid) == L.Exec.oldPid)
        #expect(MemoryLayout<pt_exec>.offset(of: \.filename_len) == L.Exec.filenameLength)
        #expect(MemoryLayout<pt_exec>.offset(of: \.args_len) == L.Exec.argsLength)
        #expect(MemoryLayout<pt_exec>.offset(of: \.args_total) == L.Exec.argsTotal)
        #expect(MemoryLayout<pt_exit>.offset(of: \.exit_status) == L.Exit.exitStatus)
        #expect(MemoryLayout<pt_exit>.offset(of: \.comm) == L.Exit.comm)
        #expect(MemoryLayout<pt_reap>.offset(of: \.reaper) == L.Reap.reaper)
        #expect(MemoryLayout<pt_reap>.offset(of: \.reason) == L.Reap.reason)
        #expect(MemoryLayout<pt_exists>.offset(of: \.exit_status) == L.Exists.exitStatus)
        #expect(MemoryLayout<pt_fork>.offset(of: \.audit) == L.Fork.audit)
        #expect(MemoryLayout<pt_exec>.offset(of: \.audit) == L.Exec.audit)
        #expect(MemoryLayout<pt_exists>.offset(of: \.audit) == L.Exists.audit)
        #expect(MemoryLayout<pt_audit>.offset(of: \.auid) == L.Audit.auid)
        #expect(MemoryLayout<pt_audit>.offset(of: \.sessionid) == L.Audit.sessionID)
        #expect(MemoryLayout<pt_audit>.offset(of: \.tty) == L.Audit.tty)
        #expect(MemoryLayout<pt_audit>.offset(of: \.nspid) == L.Audit.nspid)
        #expect(MemoryLayout<pt_audit>.offset(of: \.pidns) == L.Audit.pidns)
        #expect(MemoryLayout<pt_audit>.offset(of: \.mntns) == L.Audit.mntns)
        #expect(MemoryLayout<pt_audit>.offset(of: \.netns) == L.Audit.netns)
        #expect(MemoryLayout<pt_audit>.offset(of: \.userns) == L.Audit.userns)
        #expect(MemoryLayout<pt_audit>.offset(of: \.cgroup_id) == L.Audit.cgroupID)
        #expect(MemoryLayout<pt_audit>.offset(of: \.exe_inode) == L.Audit.exeInode)
        #expect(MemoryLayout<pt_audit>.offset(of: \.exe_dev) == L.Audit.exeDevice)
        #expect(MemoryLayout<pt_audit>.offset(of: \.valid) == L.Audit.valid)
        #expect(MemoryLayout<pt_audit>.offset(of: \.cwd_len) == L.Audit.cwdLength)
        #expect(MemoryLayout<pt_audit>.offset(of: \.exe_len) == L.Audit.exeLength)
        #expect(MemoryLayout<pt_audit>.offset(of: \.cgroup_len) == L.Audit.cgroupLength)
        #expect(MemoryLayout<pt_comm>.offset(of: \.comm) == L.CommRecord.comm)
    }

    @Test func kindsAndFlagsMatchTheCHeader() {
        #expect(UInt32(PT_FORK.rawValue) == UInt32(L.Kind.fork.rawValue))
        #expect(UInt32(PT_EXEC.rawValue) == UInt32(L.Kind.exec.rawValue))
        #expect(UInt32(PT_EXIT.rawValue) == UInt32(L.Kind.exit.rawValue))
        #expect(UInt32(PT_REAP.rawValue) == UInt32(L.Kind.reap.rawValue))
        #expect(UInt32(PT_THREAD_START.rawValue) == UInt32(L.Kind.threadStart.rawValue))
        #expect(UInt32(PT_EXISTS.rawValue) == UInt32(L.Kind.exists.rawValue))
        #expect(UInt32(PT_SESSION.rawValue) == UInt32(L.Kind.session.rawValue))
        #expect(PT_FLAG_ARGS_TRUNCATED == UInt32(L.Flag.argsTruncated))
        #expect(PT_FLAG_ZOMBIE == UInt32(L.Flag.zombie))
        #expect(PT_FLAG_KERNEL_THREAD == UInt32(L.Flag.kernelThread))
        typealias V = L.Audit.Valid
        #expect(PT_AUDIT_LOGINUID == V.loginUID)
        #expect(PT_AUDIT_TTY == V.tty)
        #expect(PT_AUDIT_CWD == V.cwd)
        #expect(PT_AUDIT_EXE == V.exe)
        #expect(PT_AUDIT_CGROUP == V.cgroup)
        #expect(PT_AUDIT_NAMESPACES == V.namespaces)
        #expect(PT_AUDIT_NSPID == V.nspid)
        #expect(PT_AUDIT_CWD_TRUNCATED == V.cwdTruncated)
        #expect(PT_AUDIT_EXE_TRUNCATED == V.exeTruncated)
        #expect(PT_AUDIT_CGROUP_TRUNCATED == V.cgroupTruncated)
        #expect(PT_ID_UNSET == L.Audit.unset)
        #expect(UInt32(PT_REAP_RECYCLED.rawValue) == UInt32(ReapReason.recycled.rawValue))
    }
}
