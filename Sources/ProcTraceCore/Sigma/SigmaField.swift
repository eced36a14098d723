/// The Sigma fields of a process creation that proctrace can give a value
/// (docs/hunting.md has the table: where each comes from and when it is null).
/// A rule naming any other field is refused: it could never be true here.
public enum SigmaField: Int, CaseIterable, Sendable {
    case image
    case commandLine
    case parentImage
    case parentCommandLine
    case currentDirectory
    case user
    case logonId
    case processId
    case parentProcessId

    public var name: String {
        switch self {
        case .image: "Image"
        case .commandLine: "CommandLine"
        case .parentImage: "ParentImage"
        case .parentCommandLine: "ParentCommandLine"
        case .currentDirectory: "CurrentDirectory"
        case .user: "User"
        case .logonId: "LogonId"
        case .processId: "ProcessId"
        case .parentProcessId: "ParentProcessId"
        }
    }

    /// By its Sigma name, compared without case (as SQL backends compare column names).
    public init?(name: String) {
        let lowered = String(decoding: SigmaText.folded(Array(name.utf8)), as: UTF8.self)
        guard let field = SigmaField.allCases.first(where: {
            String(decoding: SigmaText.folded(Array($0.name.utf8)), as: UTF8.self) == lowered
        }) else { return nil }
        self = field
    }
}

/// What a field holds for the event being evaluated.
public enum SigmaLookup {
    case value([UInt8])
    /// Null or not there: no value matches, `|exists: false` and `null` do.
    case absent
    /// Not known yet (the candidate filter evaluates rules on the image alone).
    case unknown

    var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }
}

/// Where the evaluator gets field values. `folded` asks for the text with
/// ASCII letters lowercased (every comparison but `cased` and `re` uses it);
/// a source computes each at most once per event.
public protocol SigmaFieldSource: AnyObject {
    func lookUp(_ field: SigmaField, folded: Bool) -> SigmaLookup
    /// The byte pairs of the folded text of `field`, when the source keeps them (nil: search without).
    func foldedIndex(_ field: SigmaField) -> SigmaTextIndex?
}

extension SigmaFieldSource {
    public func foldedIndex(_ field: SigmaField) -> SigmaTextIndex? { nil }
}

/// Kleene's three-valued logic: `unknown` when the fields known so far cannot decide.
public enum SigmaTruth: UInt8, Sendable {
    case no = 0
    case yes = 1
    case unknown = 2

    @inline(__always) init(_ value: Bool) { self = value ? .yes : .no }

    @inline(__always) var negated: SigmaTruth {
        switch self {
        case .no: .yes
        case .yes: .no
        case .unknown: .unknown
        }
    }
}
