/// A necessary condition of a rule, in literals: a set of (field, literal)
/// of which every exec the rule matches holds at least one in that field
/// (compared folded, as the matcher compares: ASCII letters lowercased).
/// `nil` is "no such set": something in the rule can be true without any
/// literal (a `not`, a regular expression with no literal SigmaRegexLiterals
/// can read, `exists`, a null, a bare `*`).
///
/// Derived from the condition: an `or` (and a list of values, of mappings,
/// keywords, `1 of`) needs the union of its terms' sets, and an `and` (a
/// mapping's items, `|all`, `all of`) only one term's set: the one whose
/// shortest literal is longest. A pattern's set is its longest literal, the
/// wildcards and escapes already taken out (SigmaPattern's elements).
struct SigmaLiteralGuard: Equatable {
    struct Needle: Hashable {
        var field: SigmaField
        var literal: [UInt8]
    }

    var needles: Set<Needle>

    static func of(_ rule: SigmaRule) -> SigmaLiteralGuard? {
        of(rule.condition, rule.searches)
    }

    static func of(_ condition: SigmaCondition, _ searches: [SigmaSearch]) -> SigmaLiteralGuard? {
        switch condition {
        case .search(let index): of(searches[index])
        case .not: nil
        case .and(let terms): all(terms.map { of($0, searches) })
        case .or(let terms): any(terms.map { of($0, searches) })
        case .atLeast(let count, let indices):
            count >= indices.count ? all(indices.map { of(searches[$0]) }) : any(indices.map { of(searches[$0]) })
        }
    }

    static func of(_ search: SigmaSearch) -> SigmaLiteralGuard? {
        switch search {
        case .fields(let alternatives): any(alternatives.map { items in all(items.map(of)) })
        case .keywords(let items): any(items.map(of))
        }
    }

    static func of(_ item: SigmaFieldItem) -> SigmaLiteralGuard? {
        let guards = item.matchers.map { of($0, field: item.field) }
        return item.requiresAll ? all(guards) : any(guards)
    }

    static func of(_ matcher: SigmaValueMatcher, field: SigmaField) -> SigmaLiteralGuard? {
        switch matcher {
        case .pattern(let pattern):
            guard let literal = pattern.longestLiteral, !literal.isEmpty else { return nil }
            return SigmaLiteralGuard(needles: [Needle(field: field, literal: SigmaText.folded(literal))])
        case .regex(let regex):
            guard let literals = SigmaRegexLiterals.needed(in: Array(regex.source.utf8), flags: regex.flags) else {
                return nil
            }
            return SigmaLiteralGuard(needles: Set(literals.map { Needle(field: field, literal: SigmaText.folded($0)) }))
        case .null, .exists:
            return nil
        }
    }

    /// Any term true: each must have a set, and the union is needed.
    static func any(_ guards: [SigmaLiteralGuard?]) -> SigmaLiteralGuard? {
        var needles: Set<Needle> = []
        for guardSet in guards {
            guard let guardSet else { return nil }
            needles.formUnion(guardSet.needles)
        }
        return needles.isEmpty ? nil : SigmaLiteralGuard(needles: needles)
    }

    /// Every term true: any one term's set is needed; the most selective is kept.
    static func all(_ guards: [SigmaLiteralGuard?]) -> SigmaLiteralGuard? {
        guards.compactMap { $0 }.max { $0.selectivity < $1.selectivity }
    }

    /// Longer shortest literal first, then fewer literals.
    private var selectivity: (Int, Int) {
        (needles.map(\.literal.count).min() ?? 0, -needles.count)
    }
}

extension SigmaPattern {
    /// The longest run of literal bytes the pattern requires (as stored: lowercased unless cased).
    var longestLiteral: [UInt8]? {
        switch shape {
        case .exact(let literal), .prefix(let literal), .suffix(let literal), .infix(let literal): literal
        case .anything: nil
        case .general(let elements):
            elements.compactMap { element -> [UInt8]? in
                if case .literal(let literal) = element { return literal }
                return nil
            }.max { $0.count < $1.count }
        }
    }
}
