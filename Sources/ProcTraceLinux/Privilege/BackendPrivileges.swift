import ProcTraceCore

/// The capabilities each backend needs, measured on Linux 6.18 by running
/// `record` as root under a reduced bounding set (docs/service.md):
///
/// - Loading and attaching the BPF programs: CAP_BPF and CAP_PERFMON (tracing
///   programs), or CAP_SYS_ADMIN, which implies both (and is all that kernels
///   before 5.8 know). Locked memory for the maps is charged to the memory
///   cgroup since 5.11, so CAP_SYS_RESOURCE is not needed there.
/// - The netlink proc connector: nothing since 6.6 (CAP_NET_ADMIN before).
/// - Reading /proc/PID/exe of a process that holds capabilities proctrace
///   lacks (init, daemons): CAP_SYS_PTRACE. Without it those `exists` and
///   netlink `exec` records have `"filename":null` and name it in `unavailable`.
public enum BackendPrivileges {
    /// Capabilities the BPF backend lacks in `effective`; empty when it can load.
    public static func missingForBPF(in effective: CapabilitySet) -> [Capability] {
        if effective.contains(.sysAdmin) { return [] }
        return [Capability.bpf, .perfmon].filter { !effective.contains($0) }
    }

    /// What `record` keeps once the programs are attached, the log is open
    /// and the running processes are read (RecordingBackend.capabilitiesAfterStart):
    /// the BPF ring buffer, the netlink socket and /proc/PID/stat need nothing;
    /// the netlink backend reads /proc/PID/exe for every exec (and again after
    /// an overrun), and the BPF backend opens it to hash the file (exe_sha256)
    /// unless hashing is off, so they keep this if they have it; a BPF backend
    /// that does not hash keeps none.
    public static let readingExecutables = CapabilitySet([.sysPtrace])
}
