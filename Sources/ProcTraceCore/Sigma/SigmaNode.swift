/// A YAML document as the Sigma engine reads it: scalars, sequences and
/// mappings, each with the line it starts on (1-based) so a refusal can point
/// at it. The parsing itself is libyaml's (ProcTraceRules, SigmaYAML): the
/// engine stays free of any YAML library and of Foundation.
public indirect enum SigmaNode: Sendable {
    case scalar(SigmaScalar)
    case sequence([SigmaNode], line: Int)
    case mapping([SigmaMappingEntry], line: Int)

    public var line: Int {
        switch self {
        case .scalar(let scalar): scalar.line
        case .sequence(_, let line), .mapping(_, let line): line
        }
    }

    /// The value under `key` of a mapping (nil for other nodes or a missing key).
    public subscript(key: String) -> SigmaNode? {
        guard case .mapping(let entries, _) = self else { return nil }
        return entries.first { $0.key.text == key }?.value
    }

    /// The text of a scalar, nil for anything else.
    public var text: String? {
        if case .scalar(let scalar) = self { return scalar.text }
        return nil
    }

    /// What kind of node this is, for messages.
    public var kindName: String {
        switch self {
        case .scalar: "a single value"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

public struct SigmaScalar: Sendable, Hashable {
    public var text: String
    /// Written without quotes: only then is `null` (or `~`, or nothing) a null.
    public var isPlain: Bool
    public var line: Int

    public init(_ text: String, isPlain: Bool = false, line: Int = 0) {
        self.text = text
        self.isPlain = isPlain
        self.line = line
    }

    /// YAML's null (core schema): a plain `null`, `Null`, `NULL`, `~` or nothing.
    public var isNull: Bool {
        isPlain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }
}

public struct SigmaMappingEntry: Sendable {
    public var key: SigmaScalar
    public var value: SigmaNode

    public init(key: SigmaScalar, value: SigmaNode) {
        self.key = key
        self.value = value
    }
}
