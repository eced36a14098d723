@testable import ProcTraceCore
import Testing

/// The one-pass multi-literal search against looking for each literal on its own.
@Suite struct SigmaLiteralScannerTests {
    /// Few letters, so literals overlap, nest and share prefixes and suffixes (where Aho–Corasick's links matter).
    private static let alphabet: [UInt8] = Array("abé".utf8) + [0, 255]

    private static func word(_ random: inout RuleSampleRandom, length: ClosedRange<Int>) -> [UInt8] {
        let count = length.lowerBound + Int(random.next() % UInt64(length.count))
        return (0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
    }

    private static func contains(_ text: [UInt8], _ literal: [UInt8]) -> Bool {
        guard literal.count <= text.count else { return false }
        return (0...(text.count - literal.count)).contains { Array(text[$0..<($0 + literal.count)]) == literal }
    }

    @Test func findsExactlyTheLiteralsTheTextHolds() throws {
        var random = RuleSampleRandom(seed: 7)
        for _ in 0..<300 {
            var literals: [[UInt8]] = []
            for _ in 0..<(1 + Int(random.next() % 12)) {
                let literal = Self.word(&random, length: 1...5)
                if !literals.contains(literal) { literals.append(literal) }
            }
            let scanner = try #require(SigmaLiteralScanner(literals))
            for _ in 0..<20 {
                let text = Self.word(&random, length: 0...30)
                var found = Set<Int>()
                text.withUnsafeBytes { scanner.scan($0) { found.insert($0) } }
                let expected = Set(literals.indices.filter { Self.contains(text, literals[$0]) })
                #expect(found == expected, "literals \(literals) text \(text)")
            }
        }
    }

    @Test func literalsTooManyForTheTableLeaveTheirRulesUnguarded() throws {
        var random = RuleSampleRandom(seed: 3)
        let literals = (0..<40).map { _ in (0..<1_000).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        #expect(SigmaLiteralScanner(literals) == nil)
        let values = literals.map { "'" + String(decoding: $0.map { 0x61 + $0 % 26 }, as: UTF8.self) + "'" }
        let big = try rule(ruleText("sel:\n    CommandLine|contains:\n" + values.map { "        - \($0)" }.joined(separator: "\n")
                                    + "\ncondition: sel"))
        let filter = SigmaLiteralFilter(rules: [big])
        #expect(filter.guardedRuleCount == 0)
    }

    @Test func aRuleIsGuardedOnlyWhenEveryWayToMatchNeedsALiteral() throws {
        func guardOf(_ detection: String) throws -> Set<String>? {
            SigmaLiteralGuard.of(try rule(ruleText(detection)))
                .map { Set($0.needles.map { "\($0.field.name)=\(String(decoding: $0.literal, as: UTF8.self))" }) }
        }
        #expect(try guardOf("sel:\n    CommandLine|contains|all: ['-o', 'http']\ncondition: sel") == ["CommandLine=http"])
        #expect(try guardOf("sel:\n    CommandLine|contains: ['-o', 'HTTP']\ncondition: sel") == ["CommandLine=-o", "CommandLine=http"])
        #expect(try guardOf("sel:\n    Image|endswith: '/curl'\n    CommandLine|re: 'x'\ncondition: sel") == ["Image=/curl"])
        #expect(try guardOf("sel:\n    CommandLine: 'ab*cd\\*x?ef'\ncondition: sel") == ["CommandLine=cd*x"])
        #expect(try guardOf("sel:\n    Image|endswith: '/curl'\nf:\n    CommandLine: 'x'\ncondition: sel and not f") == ["Image=/curl"])
        #expect(try guardOf("sel:\n    Image|endswith: '/curl'\nf:\n    CommandLine: 'x'\ncondition: sel or not f") == nil)
        #expect(try guardOf("sel:\n    CommandLine|re: 'abc'\ncondition: sel") == ["CommandLine=abc"])
        #expect(try guardOf("sel:\n    CommandLine|re: '-(W|R)\\s'\ncondition: sel") == ["CommandLine=-w", "CommandLine=-r"])
        #expect(try guardOf("sel:\n    CommandLine|re: 'a?'\ncondition: sel") == nil)
        #expect(try guardOf("sel:\n    CommandLine|re|i: 'abc'\ncondition: sel") == nil)
        #expect(try guardOf("sel:\n    CommandLine: '*'\ncondition: sel") == nil)
        #expect(try guardOf("sel:\n    CurrentDirectory|exists: true\ncondition: sel") == nil)
        #expect(try guardOf("sel_a:\n    Image: 'ab'\nsel_b:\n    User: 'cd'\ncondition: 1 of sel_*") == ["Image=ab", "User=cd"])
        #expect(try guardOf("sel_a:\n    Image: 'ab'\nsel_b:\n    User: 'cde'\ncondition: all of sel_*") == ["User=cde"])
    }
}

