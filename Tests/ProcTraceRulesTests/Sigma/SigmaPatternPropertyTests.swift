import ProcTraceCore
import PropertyBased
import Testing

/// The matcher against a plain recursive definition of Sigma's wildcards,
/// over random patterns and texts (ASCII letters of both cases, a two-byte
/// letter, wildcards, escapes).
@Suite struct SigmaPatternPropertyTests {
    /// A pattern element as the reference reads it: one character, or a wildcard.
    private enum Token: Equatable {
        case character(Unicode.Scalar)
        case anyRun
        case anyCharacter
    }

    /// (how the rule writes it, what it means)
    private static let patternPieces: [(String, Token)] = [
        ("a", .character("a")), ("B", .character("B")), ("é", .character("é")), ("x", .character("x")),
        ("*", .anyRun), ("?", .anyCharacter),
        ("\\*", .character("*")), ("\\?", .character("?")), ("\\\\", .character("\\")), ("\\", .character("\\")),
    ]
    private static let textPieces = ["a", "A", "b", "B", "é", "É", "x", "*", "?", "\\"]
    private static let choices = Gen.int(in: 0...1_000).array(of: 0...24)

    /// Builds the rule text and the tokens it means; a lone backslash before
    /// `*`, `?` or `\` would escape it, so there it is written `\\`.
    private static func pattern(_ choices: ArraySlice<Int>) -> (String, [Token]) {
        var pieces = choices.map { patternPieces[$0 % patternPieces.count] }
        for index in pieces.indices where pieces[index].0 == "\\" {
            if index + 1 < pieces.count, let next = pieces[index + 1].0.first, "*?\\".contains(next) {
                pieces[index] = ("\\\\", .character("\\"))
            }
        }
        return (pieces.map(\.0).joined(), pieces.map(\.1))
    }

    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }

    /// The definition: `*` any run of characters, `?` exactly one, others equal (ASCII case folded unless cased).
    private static func reference(_ tokens: ArraySlice<Token>, _ text: ArraySlice<Unicode.Scalar>, cased: Bool) -> Bool {
        guard let first = tokens.first else { return text.isEmpty }
        switch first {
        case .anyRun:
            return (0...text.count).contains { reference(tokens.dropFirst(), text.dropFirst($0), cased: cased) }
        case .anyCharacter:
            return !text.isEmpty && reference(tokens.dropFirst(), text.dropFirst(), cased: cased)
        case .character(let scalar):
            guard let head = text.first else { return false }
            let equal = cased ? head == scalar : fold(head) == fold(scalar)
            return equal && reference(tokens.dropFirst(), text.dropFirst(), cased: cased)
        }
    }

    private static func text(_ choices: ArraySlice<Int>) -> String {
        choices.map { textPieces[$0 % textPieces.count] }.joined()
    }

    private static func matches(_ pattern: SigmaPattern, _ text: String) -> Bool {
        pattern.matches(pattern.isCased ? Array(text.utf8) : SigmaText.folded(Array(text.utf8)))
    }

    @Test func wildcardsMatchAsTheirDefinition() async {
        await propertyCheck(count: 2_000, input: Self.choices) { choices in
            let split = choices.count / 2
            let (source, tokens) = Self.pattern(choices[..<split])
            let text = Self.text(choices[split...])
            for cased in [false, true] {
                let pattern = SigmaPattern(source, cased: cased)
                let expected = Self.reference(tokens[...], Array(text.unicodeScalars)[...], cased: cased)
                #expect(Self.matches(pattern, text) == expected, "pattern \(source) text \(text) cased \(cased)")
            }
        }
    }

    @Test func containsStartsWithAndEndsWithAreWildcardsAround() async {
        await propertyCheck(count: 1_000, input: Self.choices) { choices in
            let split = choices.count / 2
            let (source, tokens) = Self.pattern(choices[..<split])
            let text = Array(Self.text(choices[split...]).unicodeScalars)
            let contains = SigmaPattern(source, leadingAnyRun: true, trailingAnyRun: true)
            let startsWith = SigmaPattern(source, trailingAnyRun: true)
            let endsWith = SigmaPattern(source, leadingAnyRun: true)
            let string = String(String.UnicodeScalarView(text))
            #expect(Self.matches(contains, string) == Self.reference([.anyRun] + tokens + [.anyRun], text[...], cased: false))
            #expect(Self.matches(startsWith, string) == Self.reference(tokens + [.anyRun], text[...], cased: false))
            #expect(Self.matches(endsWith, string) == Self.reference([.anyRun] + tokens, text[...], cased: false))
        }
    }

    @Test func thePairIndexNeverChangesAnAnswer() async {
        let index = SigmaTextIndex()
        await propertyCheck(count: 2_000, input: Self.choices) { choices in
            let split = choices.count / 2
            let (source, _) = Self.pattern(choices[..<split])
            let text = SigmaText.folded(Array(Self.text(choices[split...]).utf8))
            index.index(text)
            for pattern in [SigmaPattern(source, leadingAnyRun: true, trailingAnyRun: true), SigmaPattern(source)] {
                #expect(pattern.matches(text, index: index) == pattern.matches(text), "\(source)")
            }
        }
        index.index(Array("curl http://x".utf8))
        #expect(!SigmaPattern("wget", leadingAnyRun: true, trailingAnyRun: true).matches(Array("curl http://x".utf8), index: index))
        index.index(Array("wget".utf8))
        #expect(SigmaPattern("wget", leadingAnyRun: true, trailingAnyRun: true).matches(Array("wget".utf8), index: index),
                "the pairs of the text before are forgotten")
        #expect(!index.mayContain(SigmaTextIndex.pairs(of: Array("ur".utf8))))
    }

    @Test func aLiteralValueMatchesItselfInAnyASCIICase() async {
        await propertyCheck(count: 500, input: Self.choices) { choices in
            let text = Self.text(choices[...]).replacingWildcardsAndEscapes()
            let pattern = SigmaPattern(text)
            #expect(Self.matches(pattern, text))
            #expect(Self.matches(pattern, text.uppercasedASCII()))
            #expect(Self.matches(SigmaPattern(text, leadingAnyRun: true, trailingAnyRun: true), "zz" + text + "zz"))
            // Cased: only the exact bytes.
            let cased = SigmaPattern(text, cased: true)
            #expect(Self.matches(cased, text))
            #expect(Self.matches(cased, text.uppercasedASCII()) == (text == text.uppercasedASCII()))
        }
    }

    @Test func examples() {
        #expect(Self.matches(SigmaPattern("*/bash", cased: false), "/usr/bin/BASH"))
        #expect(!Self.matches(SigmaPattern("*/bash"), "/usr/bin/bash5"))
        #expect(Self.matches(SigmaPattern("a\\*b"), "a*b"))
        #expect(!Self.matches(SigmaPattern("a\\*b"), "axb"))
        #expect(Self.matches(SigmaPattern("a\\\\*"), "a\\anything"))
        #expect(Self.matches(SigmaPattern("c:\\windows"), "C:\\Windows"))
        #expect(Self.matches(SigmaPattern("?"), "é"))
        #expect(!Self.matches(SigmaPattern("??"), "é"))
        #expect(!Self.matches(SigmaPattern("É"), "é"), "case folding is ASCII only, as SQLite's LIKE")
        #expect(Self.matches(SigmaPattern(""), ""))
        #expect(!Self.matches(SigmaPattern(""), "a"))
        #expect(Self.matches(SigmaPattern("*"), ""))
    }
}

private extension String {
    /// The text with `*`, `?` and `\` taken out: a value that means itself.
    func replacingWildcardsAndEscapes() -> String {
        String(unicodeScalars.filter { !"*?\\".unicodeScalars.contains($0) }.map(Character.init))
    }

    func uppercasedASCII() -> String {
        String(decoding: utf8.map { ($0 &- UInt8(ascii: "a")) < 26 ? $0 - 32 : $0 }, as: UTF8.self)
    }
}
