@testable import ProcTraceCore
import ProcTraceRules
import Testing

/// The literals read from `re` values: every text PCRE2 finds a match in
/// holds one of them (else the filter would hide a match), and the shared
/// rules' expressions get the sets a reader of them would name.
@Suite struct SigmaRegexLiteralsTests {
    private func needed(_ source: String, _ flags: SigmaRegexFlags = SigmaRegexFlags()) -> Set<String>? {
        SigmaRegexLiterals.needed(in: Array(source.utf8), flags: flags)
            .map { Set($0.map { String(decoding: $0, as: UTF8.self) }) }
    }

    @Test func theSharedRulesExpressionsNeedTheirLiterals() {
        #expect(needed(#"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#) == ["-W", "-R"])
        #expect(needed(#"\s-[FTd]\s"#) == ["-F", "-T", "-d"])
        #expect(needed("-D") == ["-D"])
        #expect(needed(#"\s-O\s"#) == ["-O"])
        #expect(needed("(.){200,}") == nil)
        #expect(needed(#"(?:\s-[^-\s]{0,20}i|\s--inode\s)"#)?.contains("--inode") == true)
    }

    @Test func whatCanMatchWithoutALiteralNeedsNone() {
        #expect(needed("abc|") == nil)
        #expect(needed("a?") == nil)
        #expect(needed("(ab)*") == nil)
        #expect(needed("a{0,3}") == nil)
        #expect(needed(#"\d+"#) == nil)
        #expect(needed("[^a]") == nil)
        #expect(needed("^$") == nil)
    }

    @Test func runsJoinAcrossGroupsAndRepeats() {
        #expect(needed("a(b|)c") == ["abc", "ac"])
        #expect(needed("x{3}") == ["xxx"])
        #expect(needed("(?:ab)+cd") == ["ab", "cd"] || needed("(?:ab)+cd") == ["cd"] || needed("(?:ab)+cd") == ["ab"])
        #expect(needed(#"\bcurl\b"#) == ["curl"])
        #expect(needed("é+x") == ["é"] || needed("é+x") == ["x"])
    }

    @Test func syntaxItDoesNotKnowIsNotRead() {
        for source in [#"(a)\1"#, "a(?=b)", "(?i)abc", #"\x41"#, #"\p{L}abc"#, #"\Qa.b\E"#, "(*UTF)abc", "[[:alpha:]]x",
                       "a{", #"abc\"#, "(abc"] {
            #expect(needed(source) == nil, "\(source)")
        }
        #expect(needed("abc", SigmaRegexFlags(ignoreCase: true)) == nil, "Unicode caseless matching")
    }

    /// Random expressions over a few characters, and random texts over them:
    /// wherever PCRE2 finds a match, the text holds a literal of the set.
    @Test func everyTextPCRE2MatchesHoldsOneOfTheLiterals() throws {
        var random = RuleSampleRandom(seed: 41)
        var guarded = 0
        var matchesChecked = 0
        for _ in 0..<3_000 {
            let source = Self.expression(&random, depth: 0)
            guard let regex = try? PCRE2SigmaRegex(source) else { continue }
            guard let literals = SigmaRegexLiterals.needed(in: Array(source.utf8), flags: regex.flags) else { continue }
            guarded += 1
            let folded = literals.map(SigmaText.folded)
            for _ in 0..<40 {
                let text = Self.text(&random)
                guard regex.matches(text) else { continue }
                matchesChecked += 1
                let haystack = SigmaText.folded(text)
                let holds = folded.contains { literal in
                    haystack.count >= literal.count
                        && (0...(haystack.count - literal.count)).contains { Array(haystack[$0..<($0 + literal.count)]) == literal }
                }
                #expect(holds, "\(source) matches \(String(decoding: text, as: UTF8.self)) without \(literals)")
                if !holds { return }
            }
        }
        #expect(guarded > 1_000, "expressions with a literal set: \(guarded)")
        #expect(matchesChecked > 5_000, "matches checked: \(matchesChecked)")
    }

    private static let characters = ["a", "b", "W", "-", " ", "é", "."]
    private static let atoms = [#"\s"#, #"\d"#, #"\w"#, #"\-"#, #"\."#, #"\b"#, "[ab]", "[a-c]", "[^a]", "[-W]", #"[\s-]"#,
                                ".", "^", "$", "[é]"]
    private static let quantifiers = ["?", "*", "+", "{2}", "{1,2}", "{0,1}", "+?", "*?", "{2,}"]

    private static func expression(_ random: inout RuleSampleRandom, depth: Int) -> String {
        var result = ""
        for _ in 0..<(1 + Int(random.next() % 4)) {
            var atom: String
            switch random.next() % 10 {
            case 0...4: atom = characters[Int(random.next() % UInt64(characters.count))]
            case 5...7: atom = atoms[Int(random.next() % UInt64(atoms.count))]
            default:
                guard depth < 2 else { atom = "a"; break }
                let inner = (0..<(1 + Int(random.next() % 3))).map { _ in
                    random.next() % 6 == 0 ? "" : expression(&random, depth: depth + 1)
                }
                atom = (random.next() % 2 == 0 ? "(" : "(?:") + inner.joined(separator: "|") + ")"
            }
            // "." is the literal only escaped; unescaped it is any character.
            if atom == "." && random.next() % 2 == 0 { atom = #"\."# }
            if random.next() % 3 == 0 && atom != "^" && atom != "$" && atom != #"\b"# {
                atom += quantifiers[Int(random.next() % UInt64(quantifiers.count))]
            }
            result += atom
        }
        return result
    }

    private static let textCharacters: [[UInt8]] = ["a", "b", "c", "W", "w", "-", " ", "é", "É", "\t", ".", "1"].map { Array($0.utf8) }

    private static func text(_ random: inout RuleSampleRandom) -> [UInt8] {
        (0..<Int(random.next() % 12)).flatMap { _ in textCharacters[Int(random.next() % UInt64(textCharacters.count))] }
    }
}
