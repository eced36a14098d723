/// A sink that starts a new file now and then (by size). The recorder asks
/// after each whole batch — so a file always ends on a record boundary — and
/// writes `start` and the live processes at the head of the new file.
public protocol RotatingLogSink: LogSink {
    var needsRotation: Bool { get }
    /// Bytes the current file may still take before it should rotate.
    var bytesBeforeRotation: Int { get }
    /// Closes the current file, shifts the old ones, opens a fresh one.
    func rotate() throws
}
