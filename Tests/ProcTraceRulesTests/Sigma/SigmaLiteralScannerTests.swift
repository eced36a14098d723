@testable import ProcTraceCore
import Testing

/// The one-pass multi-literal search against looking for each literal on its own.
@Suite struct SigmaLiteralScannerTests {
    /// Few letters, so literals overlap, nest, share prefixes and suffixes, and share anchors. A literal
    /// holding a NUL makes the scanner read a NUL as itself, not as the space the anchors fold it to.
    private static let alphabet: [UInt8] = Array("abé ".utf8) + [0, 255]

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
            let scanner = SigmaLiteralScanner(literals)
            let nulIsSpace = !literals.contains { $0.contains(0) }
            #expect(scanner.readsArgumentVectors == nulIsSpace)
            for _ in 0..<20 {
                let text = Self.word(&random, length: 0...30)
                var found: [Int] = []
                text.withUnsafeBytes { scanner.scan($0) { found.append($0) } }
                let read = nulIsSpace ? text.map { $0 == 0 ? 0x20 : $0 } : text
                let expected = literals.indices.filter { Self.contains(read, literals[$0]) }
                #expect(found.sorted() == expected, "literals \(literals) text \(text)")
            }
        }
    }

    /// Long literals among short ones, texts read as the scanner reads them: capitals as small letters, NULs
    /// as spaces (no literal holds one), a literal at the very start or end of the text or on its own.
    @Test func findsLongLiteralsAndReadsTextsFolded() throws {
        var random = RuleSampleRandom(seed: 3)
        let letters = Array("abc -/".utf8)
        func word(_ length: Int) -> [UInt8] { (0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] } }
        for _ in 0..<200 {
            var literals: [[UInt8]] = []
            for _ in 0..<(1 + Int(random.next() % 40)) {
                let literal = word(1 + Int(random.next() % (random.next() % 4 == 0 ? 1_000 : 6)))
                if !literals.contains(literal) { literals.append(literal) }
            }
            let scanner = SigmaLiteralScanner(literals)
            #expect(scanner.readsArgumentVectors)
            for _ in 0..<20 {
                var text = word(Int(random.next() % 40))
                if random.next() % 2 == 0 {
                    let literal = literals[Int(random.next() % UInt64(literals.count))]
                    let at = Int(random.next() % UInt64(text.count + 1))
                    text.insert(contentsOf: literal, at: at)
                }
                let folded = text
                // What the scanner reads: a capital for a small letter, a NUL for a space.
                let written = text.map { byte -> UInt8 in
                    switch random.next() % 3 {
                    case 0 where (0x61...0x7a).contains(byte): byte & ~0x20
                    case 1 where byte == 0x20: 0
                    default: byte
                    }
                }
                var found: [Int] = []
                written.withUnsafeBytes { scanner.scan($0) { found.append($0) } }
                let expected = literals.indices.filter { Self.contains(folded, literals[$0]) }
                // Each once, however often the text holds it.
                #expect(found.sorted() == expected, "literals \(literals.map(\.count)) text \(written)")
            }
        }
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

