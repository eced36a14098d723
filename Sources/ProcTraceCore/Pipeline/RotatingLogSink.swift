/// A sink that starts a new file now and then (by size). The recorder asks
/// after each whole batch — so a file always ends on a record boundary — and
/// writes `start` and the live processes at the head of the new file.
public protocol RotatingLogSink: LogSink {
    var needsRotation: Bool { get }
    /// Closes the current file, shifts the old ones, opens a fresh one.
    func rotate() throws
}
