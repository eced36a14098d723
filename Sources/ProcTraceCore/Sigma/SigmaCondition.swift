/// A rule's `condition`, parsed: search identifiers joined by `and`, `or`,
/// `not` and parentheses (`not` binds tightest, then `and`, then `or`), and
/// `1 of PATTERN`, `N of PATTERN`, `all of PATTERN` (`them`: every
/// identifier but those starting with `_`; `*` in a pattern is any run of characters).
public indirect enum SigmaCondition: Sendable, Equatable {
    /// The search identifier at this index of the rule's `searches`.
    case search(Int)
    case not(SigmaCondition)
    case and([SigmaCondition])
    case or([SigmaCondition])
    /// At least `count` of the searches true (`all of`: count = searches.count).
    case atLeast(Int, [Int])

    public func evaluate(_ searches: [SigmaSearch], _ source: SigmaFieldSource) -> SigmaTruth {
        switch self {
        case .search(let index):
            return searches[index].evaluate(source)
        case .not(let inner):
            return inner.evaluate(searches, source).negated
        case .and(let terms):
            var result: SigmaTruth = .yes
            for term in terms {
                let truth = term.evaluate(searches, source)
                if truth == .no { return .no }
                if truth == .unknown { result = .unknown }
            }
            return result
        case .or(let terms):
            var result: SigmaTruth = .no
            for term in terms {
                let truth = term.evaluate(searches, source)
                if truth == .yes { return .yes }
                if truth == .unknown { result = .unknown }
            }
            return result
        case .atLeast(let count, let indices):
            var yes = 0, unknown = 0, no = 0
            for index in indices {
                switch searches[index].evaluate(source) {
                case .yes: yes += 1
                case .unknown: unknown += 1
                case .no: no += 1
                }
                if yes >= count { return .yes }
                if indices.count - no < count { return .no }
            }
            return yes + unknown >= count ? .unknown : .no
        }
    }

    /// The same condition with the terms of each `and`, `or` and `N of` in
    /// order of cost, cheapest first (a regular expression last): evaluation
    /// stops at the first term that decides, and terms have no side effects,
    /// so the value is the same.
    public func orderedByCost(_ searches: [SigmaSearch]) -> SigmaCondition {
        switch self {
        case .search: return self
        case .not(let inner): return .not(inner.orderedByCost(searches))
        case .and(let terms): return .and(SigmaCondition.sorted(terms.map { $0.orderedByCost(searches) }, searches))
        case .or(let terms): return .or(SigmaCondition.sorted(terms.map { $0.orderedByCost(searches) }, searches))
        case .atLeast(let count, let indices):
            return .atLeast(count, indices.enumerated().sorted {
                (searches[$0.element].cost, $0.offset) < (searches[$1.element].cost, $1.offset)
            }.map(\.element))
        }
    }

    private static func sorted(_ terms: [SigmaCondition], _ searches: [SigmaSearch]) -> [SigmaCondition] {
        terms.enumerated().sorted { ($0.element.cost(searches), $0.offset) < ($1.element.cost(searches), $1.offset) }
            .map(\.element)
    }

    func cost(_ searches: [SigmaSearch]) -> Int {
        switch self {
        case .search(let index): searches[index].cost
        case .not(let inner): inner.cost(searches)
        case .and(let terms), .or(let terms): terms.reduce(0) { $0 + $1.cost(searches) }
        case .atLeast(_, let indices): indices.reduce(0) { $0 + searches[$1].cost }
        }
    }
}

/// Why a condition could not be parsed.
public struct SigmaConditionError: Error, Equatable, Sendable {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }
}

/// Parses a condition against the rule's search identifiers (in the order the rule lists them).
public struct SigmaConditionParser {
    private enum Token: Equatable {
        case word(String)
        case open
        case close
        case pipe
    }

    private let identifiers: [String]
    private var tokens: [Token] = []
    private var position = 0

    public init(identifiers: [String]) {
        self.identifiers = identifiers
    }

    public static func parse(_ text: String, identifiers: [String]) throws(SigmaConditionError) -> SigmaCondition {
        var parser = SigmaConditionParser(identifiers: identifiers)
        return try parser.parse(text)
    }

    mutating func parse(_ text: String) throws(SigmaConditionError) -> SigmaCondition {
        tokens = SigmaConditionParser.tokenize(text)
        position = 0
        if tokens.contains(.pipe) {
            throw SigmaConditionError(reason: "aggregations after `|` in a condition (count(), near …) are not supported")
        }
        guard !tokens.isEmpty else { throw SigmaConditionError(reason: "the condition is empty") }
        let condition = try parseOr()
        if position < tokens.count {
            throw SigmaConditionError(reason: "unexpected \(describe(tokens[position])) in the condition")
        }
        return condition
    }

    private static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        func flush() {
            if !word.isEmpty { tokens.append(.word(word)) }
            word = ""
        }
        for character in text {
            switch character {
            case "(": flush(); tokens.append(.open)
            case ")": flush(); tokens.append(.close)
            case "|": flush(); tokens.append(.pipe)
            case " ", "\t", "\n", "\r": flush()
            default: word.append(character)
            }
        }
        flush()
        return tokens
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): "'\(word)'"
        case .open: "'('"
        case .close: "')'"
        case .pipe: "'|'"
        }
    }

    private func keyword(_ token: Token?) -> String? {
        guard case .word(let word)? = token else { return nil }
        let lowered = word.lowercased()
        return ["and", "or", "not", "of", "them", "all", "any"].contains(lowered) ? lowered : nil
    }

    private var current: Token? { position < tokens.count ? tokens[position] : nil }

    private mutating func parseOr() throws(SigmaConditionError) -> SigmaCondition {
        var terms = [try parseAnd()]
        while keyword(current) == "or" {
            position += 1
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func parseAnd() throws(SigmaConditionError) -> SigmaCondition {
        var terms = [try parseNot()]
        while keyword(current) == "and" {
            position += 1
            terms.append(try parseNot())
        }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    private mutating func parseNot() throws(SigmaConditionError) -> SigmaCondition {
        if keyword(current) == "not" {
            position += 1
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(SigmaConditionError) -> SigmaCondition {
        guard let token = current else { throw SigmaConditionError(reason: "the condition ends too early") }
        switch token {
        case .open:
            position += 1
            let inner = try parseOr()
            guard current == .close else { throw SigmaConditionError(reason: "a '(' is not closed") }
            position += 1
            return inner
        case .close, .pipe:
            throw SigmaConditionError(reason: "unexpected \(describe(token)) in the condition")
        case .word(let word):
            position += 1
            let lowered = word.lowercased()
            if lowered == "all" || lowered == "any" || Int(word) != nil {
                guard keyword(current) == "of" else {
                    throw SigmaConditionError(reason: "'\(word)' must be followed by 'of' in the condition")
                }
                position += 1
                return try parseQuantifier(word)
            }
            if keyword(token) != nil {
                throw SigmaConditionError(reason: "unexpected '\(word)' in the condition")
            }
            guard let index = identifiers.firstIndex(of: word) else {
                throw SigmaConditionError(reason: "the condition names '\(word)', which detection does not define")
            }
            return .search(index)
        }
    }

    private mutating func parseQuantifier(_ quantifier: String) throws(SigmaConditionError) -> SigmaCondition {
        guard case .word(let pattern)? = current else {
            throw SigmaConditionError(reason: "'\(quantifier) of' must be followed by a search identifier pattern or 'them'")
        }
        position += 1
        let indices: [Int]
        if pattern.lowercased() == "them" {
            indices = identifiers.indices.filter { !identifiers[$0].hasPrefix("_") }
        } else {
            let glob = SigmaPattern(pattern, cased: true)
            indices = identifiers.indices.filter { glob.matches(Array(identifiers[$0].utf8)) }
        }
        guard !indices.isEmpty else {
            throw SigmaConditionError(reason: "'\(quantifier) of \(pattern)' names no search identifier")
        }
        let count: Int
        switch quantifier.lowercased() {
        case "all": count = indices.count
        case "any": count = 1
        default:
            guard let number = Int(quantifier), number >= 1 else {
                throw SigmaConditionError(reason: "'\(quantifier) of': the count must be 1 or more")
            }
            count = number
        }
        return .atLeast(count, indices)
    }
}
