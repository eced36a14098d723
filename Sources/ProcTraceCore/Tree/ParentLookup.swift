/// What the kernel says, right now, about a process's parent.
public enum ParentLookupResult: Equatable, Sendable {
    /// The process (that lifetime) is there and this is its parent's PID.
    case parent(Int32)
    /// That lifetime no longer exists: reaped, and perhaps its PID reused.
    case gone
    /// Could not tell (unreadable, not permitted); ask again later.
    case unknown
}

/// Asks the kernel who a process's parent is (on Linux: /proc/PID/stat).
public protocol ParentLookup {
    func parent(of id: ProcessID) -> ParentLookupResult
}
