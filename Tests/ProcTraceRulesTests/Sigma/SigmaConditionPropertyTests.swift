import ProcTraceCore
import PropertyBased
import Testing

/// Conditions parsed from text against a direct evaluation of the expression
/// they were printed from: precedence, parentheses, `not`, `N of`.
@Suite struct SigmaConditionPropertyTests {
    private indirect enum Expression {
        case identifier(Int)
        case not(Expression)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case atLeast(Int, prefix: String)

        func value(_ truth: [Bool], names: [String]) -> Bool {
            switch self {
            case .identifier(let index): truth[index]
            case .not(let inner): !inner.value(truth, names: names)
            case .and(let left, let right): left.value(truth, names: names) && right.value(truth, names: names)
            case .or(let left, let right): left.value(truth, names: names) || right.value(truth, names: names)
            case .atLeast(let count, let prefix):
                names.indices.filter { names[$0].hasPrefix(prefix) && truth[$0] }.count
                    >= (count == 0 ? names.filter { $0.hasPrefix(prefix) }.count : count)
            }
        }

        /// Printed fully parenthesised, or with the fewest parentheses precedence allows.
        func text(names: [String], minimal: Bool) -> String {
            switch self {
            case .identifier(let index): return names[index]
            case .not(let inner): return "not " + inner.wrapped(names: names, minimal: minimal, unless: { if case .identifier = $0 { true } else if case .atLeast = $0 { true } else { false } })
            case .and(let left, let right):
                let keep: (Expression) -> Bool = { if case .or = $0 { false } else { true } }
                return left.wrapped(names: names, minimal: minimal, unless: keep) + " and "
                    + right.wrapped(names: names, minimal: minimal, unless: { if case .or = $0 { false } else if case .and = $0 { false } else { true } })
            case .or(let left, let right):
                return left.wrapped(names: names, minimal: minimal, unless: { _ in true }) + " or "
                    + right.wrapped(names: names, minimal: minimal, unless: { if case .or = $0 { false } else { true } })
            case .atLeast(let count, let prefix):
                return (count == 0 ? "all" : "\(count)") + " of " + prefix + "*"
            }
        }

        private func wrapped(names: [String], minimal: Bool, unless: (Expression) -> Bool) -> String {
            let inner = text(names: names, minimal: minimal)
            return minimal && unless(self) ? inner : "(" + inner + ")"
        }
    }

    private static let names = ["selection_a", "selection_b", "filter_a", "filter_b", "other"]
    private static let fields: [SigmaField] = [.image, .commandLine, .parentImage, .currentDirectory, .user]

    private static func expression(_ choices: inout ArraySlice<Int>, depth: Int) -> Expression {
        let choice = choices.popFirst() ?? 0
        if depth > 3 || choice % 6 == 0 || choice % 6 == 1 { return .identifier((choice / 6) % names.count) }
        switch choice % 6 {
        case 2: return .not(expression(&choices, depth: depth + 1))
        case 3: return .and(expression(&choices, depth: depth + 1), expression(&choices, depth: depth + 1))
        case 4: return .or(expression(&choices, depth: depth + 1), expression(&choices, depth: depth + 1))
        default: return .atLeast((choice / 6) % 3, prefix: ["selection", "filter", "o"][(choice / 18) % 3])
        }
    }

    /// A search per name, true when its field holds "yes".
    private static let searches: [SigmaSearch] = fields.map { field in
        .fields([[SigmaFieldItem(field: field, matchers: [.pattern(SigmaPattern("yes"))], requiresAll: false)]])
    }

    @Test func parsedConditionsEvaluateAsTheExpressionTheyWerePrintedFrom() async throws {
        await propertyCheck(count: 1_000, input: Gen.int(in: 0...10_000).array(of: 1...20)) { choices in
            var rest = choices[...]
            let truthBits = rest.popFirst() ?? 0
            let expression = Self.expression(&rest, depth: 0)
            let truth = (0..<Self.names.count).map { truthBits >> $0 & 1 == 1 }
            let source = FieldValues(Dictionary(uniqueKeysWithValues: Self.fields.enumerated().map { ($0.element, truth[$0.offset] ? "YES" : "no") }))
            for minimal in [false, true] {
                let text = expression.text(names: Self.names, minimal: minimal)
                do {
                    let condition = try SigmaConditionParser.parse(text, identifiers: Self.names)
                    let value = condition.evaluate(Self.searches, source)
                    #expect(value == (expression.value(truth, names: Self.names) ? .yes : .no), "\(text) with \(truth)")
                } catch {
                    Issue.record("\(text): \(error)")
                }
            }
        }
    }

    @Test func precedenceIsNotThenAndThenOr() throws {
        let names = ["a", "b", "c"]
        func check(_ text: String, equals expected: String) throws {
            #expect(try SigmaConditionParser.parse(text, identifiers: names)
                    == SigmaConditionParser.parse(expected, identifiers: names), "\(text)")
        }
        try check("a or b and c", equals: "a or (b and c)")
        try check("not a and b", equals: "(not a) and b")
        try check("a and not b or c", equals: "(a and (not b)) or c")
        try check("not not a", equals: "not (not a)")
        try check("1 of them", equals: "1 of *")
        try check("all of them", equals: "all of *")
    }

    @Test func themLeavesOutUnderscoredIdentifiers() throws {
        let condition = try SigmaConditionParser.parse("all of them", identifiers: ["a", "_helper", "b"])
        #expect(condition == .atLeast(2, [0, 2]))
    }

    @Test func malformedConditionsSayWhy() {
        let names = ["selection", "filter"]
        let cases: [(String, String)] = [
            ("selection and", "the condition ends too early"),
            ("(selection", "a '(' is not closed"),
            ("selection)", "unexpected ')' in the condition"),
            ("selection or missing", "the condition names 'missing', which detection does not define"),
            ("1 of nothing_*", "'1 of nothing_*' names no search identifier"),
            ("selection | count() > 5", "aggregations after `|` in a condition (count(), near …) are not supported"),
            ("all selection", "'all' must be followed by 'of' in the condition"),
            ("", "the condition is empty"),
        ]
        for (text, reason) in cases {
            #expect(throws: SigmaConditionError(reason: reason), "\(text)") {
                try SigmaConditionParser.parse(text, identifiers: names)
            }
        }
    }
}
