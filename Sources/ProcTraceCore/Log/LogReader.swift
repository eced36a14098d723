#if canImport(Glibc)
import Glibc
#endif

/// Reads one or more log files as one stream of events, in order, with
/// bounded memory, knowing at every moment which FILE:LINE it is at.
///
/// - A last line without its newline (the writer was killed mid-record) is
///   reported through `warn` and ignored.
/// - A line that does not decode throws `FILE:LINE: reason`, or, with
///   `skipInvalid`, is counted in `invalidLineCount` and passed over. A `start`
///   record of a newer schema is never passed over.
/// - Blank lines are passed over.
public final class LogReader {
    public private(set) var paths: [String]
    public let skipInvalid: Bool
    /// Lines passed over with `skipInvalid`.
    public private(set) var invalidLineCount = 0
    /// The first of them, to show the user what was wrong.
    public private(set) var firstInvalidLine: LogReadError?

    private let warn: (String) -> Void
    private let decoder = JSONLineDecoder()
    private var fileIndex = 0
    private var current: LogLineReader?
    /// Following the last file (`tail -F`): its end is not the end.
    private var following = false
    private var rotatedFile: LogLineReader?

    /// Opens `paths` in the order they were written (see `LogFileOrder`) unless `ordered` is false.
    public init(paths: [String], skipInvalid: Bool = false, ordered: Bool = true,
                warn: @escaping (String) -> Void = { _ in }) throws {
        self.paths = ordered ? try LogFileOrder.sorted(paths) : paths
        self.skipInvalid = skipInvalid
        self.warn = warn
    }

    /// FILE:LINE of the last line read.
    public var location: String {
        guard let current else { return finishedLocation }
        return "\(current.path):\(current.lineNumber)"
    }

    private var finishedLocation = ""

    /// The next event; nil at the end of the last file. When following, nil
    /// means "nothing more yet": call again later (after `checkFollowedFile()`).
    public func next() throws -> Event? {
        while true {
            if current == nil {
                guard fileIndex < paths.count else { return nil }
                current = try LogLineReader(path: paths[fileIndex])
            }
            let reader = current!
            while let line = try reader.nextLine() {
                if let event = try decode(line, at: reader) { return event }
            }
            if following && rotatedFile == nil && fileIndex == paths.count - 1 { return nil }
            if reader.hasPartialLine {
                warn("\(reader.path):\(reader.lineNumber + 1): last line is incomplete (no newline at the end: "
                     + "the writer stopped mid-record); ignored")
            }
            if let rotatedFile {
                current = rotatedFile
                self.rotatedFile = nil
                continue
            }
            finishedLocation = "\(reader.path):\(reader.lineNumber)"
            current = nil
            fileIndex += 1
        }
    }

    private func decode(_ line: UnsafeRawBufferPointer, at reader: LogLineReader) throws -> Event? {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { return nil }
        do {
            return try decoder.decode(line)
        } catch let error as JSONLineDecodingError {
            let failure = LogReadError(path: reader.path, line: reader.lineNumber, reason: error.description,
                                       isNewerSchema: error.isNewerSchema)
            guard skipInvalid && !failure.isNewerSchema else { throw failure }
            invalidLineCount += 1
            if firstInvalidLine == nil { firstInvalidLine = failure }
            return nil
        }
    }

    // MARK: Following

    /// What `checkFollowedFile()` found.
    public enum FollowedFileChange: Equatable, Sendable {
        case unchanged
        /// A new file took the name: the rest of the old one is read, then the new one from its start.
        case rotated
        /// The file got shorter: it is read again from its start.
        case truncated
        /// Nothing has the name right now (between rotation and re-creation).
        case missing
    }

    /// From now on the end of the last file is not the end of the stream.
    public func startFollowing() {
        following = true
    }

    /// Looks at the last file's name the way `tail -F` does. Call when
    /// `next()` returned nil while following.
    public func checkFollowedFile() throws -> FollowedFileChange {
        guard following, rotatedFile == nil, let path = paths.last else { return .unchanged }
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        guard let reader = current, fileIndex == paths.count - 1 else { return .unchanged }
        if UInt64(status.st_ino) != reader.input.inode || UInt64(status.st_dev) != reader.input.device {
            rotatedFile = try LogLineReader(path: path)
            return .rotated
        }
        if !reader.input.isCompressed && Int64(status.st_size) < reader.input.offset {
            warn("\(path): file was truncated; reading it from the start")
            reader.restart()
            return .truncated
        }
        return .unchanged
    }
}
