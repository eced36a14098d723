/// Records read back in order from one or more log files (ProcTraceLinux's
/// `LogReader` opens and follows them); what `LogTail` needs of them.
public protocol RecordLog: AnyObject {
    /// The next record; nil at the end, or, when following, "nothing more yet".
    func next() throws -> Event?
    /// The inputs, in the order they are read.
    var paths: [String] { get }
    /// Every input is a regular file: a second log over the same paths reads the same records.
    var canBeReadAgain: Bool { get }
    /// Looks at the last file's name the way `tail -F` does, when `next()` returned nil while following.
    func checkFollowedFile() throws -> FollowedFileChange
}

/// What a look at a followed file's name found.
public enum FollowedFileChange: Equatable, Sendable {
    case unchanged
    /// A new file took the name: the rest of the old one is read, then the
    /// files rotated away since, then the new one from its start.
    case rotated
    /// The file got shorter, or was rewritten in place: it is read again from its start.
    case truncated
    /// Nothing has the name right now (between rotation and re-creation).
    case missing
}
