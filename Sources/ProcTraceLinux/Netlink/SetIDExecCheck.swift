#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Whether a netlink uid (gid) event was a set-uid (set-gid) exec's own.
///
/// The kernel sends a uid or gid event from inside execve when the exec
/// changes the ids (commit_creds, before the exec event), and one for each
/// set*id call: the two look alike. The netlink source takes an event for the
/// exec's own change only when the process's next event is its exec and the
/// event kept the real id the process had (no exec changes it); then the file
/// the exec runs decides, read on a reader thread (its `stat` can block):
/// set-uid and owned by the event's effective uid (set-gid, group-executable,
/// and of the event's effective gid). The record is then dropped — the exec
/// record shows the same ids. What cannot be told apart, by any reading of the
/// connector, is a set*id call that sets the effective id to that owner right
/// before such an exec: its record is dropped too (docs/netlink.md).
public struct SetIDExecCheck: Sendable {
    /// A gid event (else uid).
    public var group: Bool
    /// The effective id the event reported.
    public var effectiveID: UInt32

    public init(group: Bool, effectiveID: UInt32) {
        self.group = group
        self.effectiveID = effectiveID
    }

    /// Whether the file the process runs through `directory`, still the exec's
    /// (`exePath`), gives the event's effective id through its set-id bit.
    func isOwnChange(of directory: ProcessDirectory, exePath: [UInt8]?) -> Bool {
        guard let exePath, FileIO.readLink(at: directory.fd, "exe") == exePath else { return false }
        var status = stat()
        guard fstatat(directory.fd, "exe", &status, 0) == 0 else { return false }
        return gives(mode: status.st_mode, owner: status.st_uid, group: status.st_gid)
    }

    /// The kernel's rule (fs/exec.c, bprm_fill_uid): set-uid gives the owner;
    /// set-gid gives the group only with group execute (else it marks mandatory locking).
    func gives(mode: mode_t, owner: uid_t, group fileGroup: gid_t) -> Bool {
        if group {
            return mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP && fileGroup == effectiveID
        }
        return mode & S_ISUID != 0 && owner == effectiveID
    }
}
