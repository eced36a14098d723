/// One value of a detection item, with its modifiers applied: a pattern, a
/// regular expression, a null, or an existence test.
public enum SigmaValueMatcher: @unchecked Sendable {
    case pattern(SigmaPattern)
    /// `re`: searched anywhere in the text (not anchored), case-sensitive
    /// unless `re|i`, as PCRE and Python's `re.search` read it.
    case regex(SigmaRegex)
    /// A `null` value: the field is null or missing.
    case null
    /// `exists: true` / `exists: false`.
    case exists(Bool)

    /// Whether it matches what the field holds (`folded` when the field was looked up folded).
    @inline(__always)
    func matches(_ lookup: SigmaLookup, folded: SigmaLookup) -> SigmaTruth {
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
            case .value(let text): return SigmaTruth(pattern.matches(text))
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

    /// Whether it compares case-sensitively (needs the text as it is rather than folded).
    var needsRawText: Bool {
        switch self {
        case .pattern(let pattern): pattern.isCased
        case .regex, .exists, .null: true
        }
    }

    var needsFoldedText: Bool {
        if case .pattern(let pattern) = self { return !pattern.isCased }
        return false
    }
}

/// A compiled `re` value. Swift's Regex (the standard library's, no
/// Foundation) with Unicode-scalar semantics, so `.` is one code point as in
/// PCRE and Python, not one grapheme cluster.
public final class SigmaRegex: @unchecked Sendable {
    public let source: String
    private let regex: Regex<AnyRegexOutput>

    /// `flags`: the `re` sub-modifiers `i`, `m`, `s`.
    public init(_ source: String, ignoreCase: Bool = false, multiline: Bool = false, dotAll: Bool = false) throws {
        self.source = source
        var flags = ""
        if ignoreCase { flags += "i" }
        if multiline { flags += "m" }
        if dotAll { flags += "s" }
        let pattern = flags.isEmpty ? source : "(?\(flags))" + source
        regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
    }

    public func matches(_ text: [UInt8]) -> Bool {
        let string = String(decoding: text, as: UTF8.self)
        return (try? regex.firstMatch(in: string)) != nil
    }
}
