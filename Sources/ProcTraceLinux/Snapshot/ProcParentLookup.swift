#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The kernel's current parent of a process, from /proc/PID/stat, checked
/// against the process's start time so a recycled PID is never mistaken for
/// the process asked about.
public struct ProcParentLookup: ParentLookup {
    private let procFS: ProcFS

    public init(procFS: ProcFS = ProcFS()) {
        self.procFS = procFS
    }

    public func parent(of id: ProcessID) -> ParentLookupResult {
        guard let stat = procFS.stat(id.pid) else {
            return access("\(procFS.root)/\(id.pid)", F_OK) != 0 && errno == ENOENT ? .gone : .unknown
        }
        guard id.startTime == 0 || stat.startedInTick(ofBootNanoseconds: id.startTime) else { return .gone }
        return .parent(stat.ppid)
    }
}
