/// One value of a detection item, with its modifiers applied: a pattern, a
/// regular expression, a null, or an existence test.
public enum SigmaValueMatcher: Sendable {
    case pattern(SigmaPattern)
    /// `re`: searched anywhere in the text (not anchored), case-sensitive
    /// unless `re|i`, as PCRE and Python's `re.search` read it.
    case regex(any SigmaRegex)
    /// A `null` value: the field is null or missing.
    case null
    /// `exists: true` / `exists: false`.
    case exists(Bool)

    /// Whether it matches what the field holds (`folded` when the field was looked up folded).
    @inline(__always)
    func matches(_ lookup: SigmaLookup, folded: SigmaLookup, index: SigmaTextIndex? = nil) -> SigmaTruth {
        switch self {
        case .exists(let wanted):
            switch lookup {
            case .value: return SigmaTruth(wanted)
            case .absent: return SigmaTruth(!wanted)
            case .unknown: return .unknown
            }
        case .null:
            switch lookup {
            case .value: return .no
            case .absent: return .yes
            case .unknown: return .unknown
            }
        case .pattern(let pattern):
            switch pattern.isCased ? lookup : folded {
            case .value(let text): return SigmaTruth(pattern.matches(text, index: pattern.isCased ? nil : index))
            case .absent: return .no
            case .unknown: return .unknown
            }
        case .regex(let regex):
            switch lookup {
            case .value(let text): return SigmaTruth(regex.matches(text))
            case .absent: return .no
            case .unknown: return .unknown
            }
        }
    }

    var cost: Int {
        switch self {
        case .regex: 100
        case .pattern(let pattern): if case .general = pattern.shape { 2 } else { 1 }
        case .null, .exists: 0
        }
    }

    /// Whether it compares case-sensitively (needs the text as it is rather than folded).
    var needsRawText: Bool {
        switch self {
        case .pattern(let pattern): pattern.isCased
        case .regex, .exists, .null: true
        }
    }

    /// An infix compared without case: worth a pair index of the text.
    var usesIndex: Bool {
        if case .pattern(let pattern) = self { return !pattern.isCased && !pattern.infixPairs.isEmpty }
        return false
    }

    var needsFoldedText: Bool {
        if case .pattern(let pattern) = self { return !pattern.isCased }
        return false
    }
}

/// A compiled `re` value: searched anywhere in the text (not anchored).
public protocol SigmaRegex: AnyObject, Sendable {
    var source: String { get }
    var flags: SigmaRegexFlags { get }
    func matches(_ text: [UInt8]) -> Bool
}

/// Compiles an `re` value with its flags (the `i`, `m`, `s` sub-modifiers); throws a reason.
public typealias SigmaRegexCompiler = @Sendable (_ source: String, _ flags: SigmaRegexFlags) throws -> SigmaRegex

public struct SigmaRegexFlags: Hashable, Sendable {
    public var ignoreCase = false
    public var multiline = false
    public var dotAll = false

    public init(ignoreCase: Bool = false, multiline: Bool = false, dotAll: Bool = false) {
        self.ignoreCase = ignoreCase
        self.multiline = multiline
        self.dotAll = dotAll
    }
}
