/// Why a line of a log could not be read back into an event.
public enum JSONLineDecodingError: Error, Equatable, CustomStringConvertible {
    /// Not well-formed JSON; `column` is the 1-based byte position in the line.
    case malformed(reason: String, column: Int)
    /// Well-formed JSON, but not a record this schema describes.
    case invalidRecord(String)
    /// A `start` record of a schema this reader does not know. Never skipped:
    /// every line after it may mean something else.
    case newerSchema(version: Int)

    public var isNewerSchema: Bool {
        if case .newerSchema = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .malformed(reason, column):
            "column \(column): \(reason)"
        case let .invalidRecord(reason):
            reason
        case let .newerSchema(version):
            "schema version \(version) is newer than this proctrace understands (\(StreamInfo.schemaVersion)); "
                + "upgrade proctrace"
        }
    }
}
