/// A log that cannot be read on: where (`FILE:LINE`, or just `FILE` when the
/// file itself is the problem) and why.
public struct LogReadError: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based; nil when the error is not about one line.
    public var line: Int?
    public var reason: String
    /// Set when the line was readable JSON of a newer schema: never skipped.
    public var isNewerSchema = false

    public init(path: String, line: Int? = nil, reason: String, isNewerSchema: Bool = false) {
        self.path = path
        self.line = line
        self.reason = reason
        self.isNewerSchema = isNewerSchema
    }

    public var description: String {
        if let line { return "\(path):\(line): \(reason)" }
        return "\(path): \(reason)"
    }
}
