/// A log that cannot be read on: where (`FILE:LINE`, or just `FILE` when the
/// file itself is the problem) and why. The file name is escaped when shown:
/// it need not be printable.
public struct LogReadError: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based; nil when the error is not about one line.
    public var line: Int?
    public var reason: String
    /// Set when the line was readable JSON of a newer schema: never skipped.
    public var isNewerSchema = false
    /// Whether `--skip-invalid` would pass over it (a line that does not decode, not a newer schema).
    public var isSkippable: Bool

    public init(path: String, line: Int? = nil, reason: String, isNewerSchema: Bool = false, isSkippable: Bool? = nil) {
        self.path = path
        self.line = line
        self.reason = reason
        self.isNewerSchema = isNewerSchema
        self.isSkippable = isSkippable ?? (line != nil && !isNewerSchema)
    }

    public var location: String {
        let file = UntrustedText.escaped(path)
        return line.map { "\(file):\($0)" } ?? file
    }

    public var description: String {
        "\(location): \(reason)"
    }
}
