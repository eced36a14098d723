/// `field|modifiers: values`: true when the field matches any value (all of
/// them with `all`).
public final class SigmaFieldItem: Sendable {
    public let field: SigmaField
    public let matchers: [SigmaValueMatcher]
    public let requiresAll: Bool
    private let needsRaw: Bool
    private let needsFolded: Bool
    /// Several infixes: the text's pair index is worth asking for.
    private let usesIndex: Bool
    /// When every value is a pattern compared without case (most items): them, for the short path.
    private let foldedPatterns: [SigmaPattern]?

    /// A rough cost of evaluating it: a comparison 1, a regular expression 100.
    var cost: Int { matchers.reduce(0) { $0 + $1.cost } }

    public init(field: SigmaField, matchers: [SigmaValueMatcher], requiresAll: Bool) {
        self.field = field
        self.matchers = matchers
        self.requiresAll = requiresAll
        needsRaw = matchers.contains { $0.needsRawText }
        needsFolded = matchers.contains { $0.needsFoldedText }
        usesIndex = matchers.filter(\.usesIndex).count >= 2
        let patterns = matchers.compactMap { matcher -> SigmaPattern? in
            if case .pattern(let pattern) = matcher, !pattern.isCased { return pattern }
            return nil
        }
        foldedPatterns = patterns.count == matchers.count && !patterns.isEmpty ? patterns : nil
    }

    @inline(__always)
    func evaluate(_ source: SigmaFieldSource) -> SigmaTruth {
        if let foldedPatterns {
            // The short path: one lookup, then the patterns over the bytes in place.
            guard case .value(let text) = source.lookUp(field, folded: true) else {
                return source.lookUp(field, folded: true).isUnknown ? .unknown : .no
            }
            let index = usesIndex ? source.foldedIndex(field) : nil
            let all = requiresAll
            return text.withUnsafeBytes { bytes in
                for pattern in foldedPatterns {
                    let matched = (index == nil || pattern.infixPairs.isEmpty || index!.mayContain(pattern.infixPairs))
                        && pattern.matches(bytes)
                    if all != matched { return all ? .no : .yes }
                }
                return all ? .yes : .no
            }
        }
        let raw = needsRaw ? source.lookUp(field, folded: false) : .unknown
        let folded = needsFolded ? source.lookUp(field, folded: true) : .unknown
        let index = usesIndex ? source.foldedIndex(field) : nil
        var result: SigmaTruth = requiresAll ? .yes : .no
        for matcher in matchers {
            let truth = matcher.matches(raw, folded: folded, index: index)
            if requiresAll {
                if truth == .no { return .no }
                if truth == .unknown { result = .unknown }
            } else {
                if truth == .yes { return .yes }
                if truth == .unknown { result = .unknown }
            }
        }
        return result
    }
}

/// What a search identifier of `detection` stands for.
public enum SigmaSearch: Sendable {
    /// A mapping (its items all true), or a list of mappings (any one of them).
    case fields([[SigmaFieldItem]])
    /// A list of values searched in every field: true when any field matches any of them
    /// (one item per field, built once).
    case keywords([SigmaFieldItem])

    /// Keywords: `matchers` searched in every field.
    public static func keywordSearch(_ matchers: [SigmaValueMatcher]) -> SigmaSearch {
        .keywords(SigmaField.allCases.map { SigmaFieldItem(field: $0, matchers: matchers, requiresAll: false) })
    }

    var cost: Int {
        switch self {
        case .fields(let alternatives): alternatives.reduce(0) { $0 + $1.reduce(0) { $0 + $1.cost } }
        case .keywords(let items): items.reduce(0) { $0 + $1.cost }
        }
    }

    /// The items of each mapping cheapest first (the value is the same: AND has no side effects).
    func orderedByCost() -> SigmaSearch {
        switch self {
        case .fields(let alternatives):
            .fields(alternatives.map { items in
                items.enumerated().sorted { ($0.element.cost, $0.offset) < ($1.element.cost, $1.offset) }.map(\.element)
            })
        case .keywords: self
        }
    }

    func evaluate(_ source: SigmaFieldSource) -> SigmaTruth {
        switch self {
        case .fields(let alternatives):
            var result: SigmaTruth = .no
            for items in alternatives {
                var all: SigmaTruth = .yes
                for item in items {
                    let truth = item.evaluate(source)
                    if truth == .no { all = .no; break }
                    if truth == .unknown { all = .unknown }
                }
                if all == .yes { return .yes }
                if all == .unknown { result = .unknown }
            }
            return result
        case .keywords(let items):
            var result: SigmaTruth = .no
            for item in items {
                let truth = item.evaluate(source)
                if truth == .yes { return .yes }
                if truth == .unknown { result = .unknown }
            }
            return result
        }
    }
}
