import ProcTraceCore
import ProcTraceRules
import PropertyBased
import ProcTraceTestSupport
import Testing

@Suite struct SigmaRuleCompilerTests {
    @Test func fieldListsAreAndValueListsAreOr() throws {
        let compiled = try rule(ruleText("""
            selection:
                Image|endswith:
                    - '/curl'
                    - '/wget'
                CommandLine|contains: 'http'
            condition: selection
            """))
        #expect(compiled.matches(FieldValues([.image: "/usr/bin/wget", .commandLine: "wget HTTP://x"])))
        #expect(compiled.matches(FieldValues([.image: "/usr/bin/CURL", .commandLine: "curl http://x"])))
        #expect(!compiled.matches(FieldValues([.image: "/usr/bin/curl", .commandLine: "curl ftp://x"])))
        #expect(!compiled.matches(FieldValues([.image: "/usr/bin/nc", .commandLine: "nc http"])))
        #expect(!compiled.matches(FieldValues([.commandLine: "curl http://x"])), "an absent Image matches no value")
    }

    @Test func allRequiresEveryValue() throws {
        let compiled = try rule(ruleText("""
            selection:
                CommandLine|contains|all:
                    - ' -e '
                    - '/bin/sh'
            condition: selection
            """))
        #expect(compiled.matches(FieldValues([.commandLine: "nc -e /bin/sh 10.0.0.1"])))
        #expect(!compiled.matches(FieldValues([.commandLine: "nc -e /bin/bash"])))
    }

    @Test func aListOfMappingsIsAnyOfThem() throws {
        let compiled = try rule(ruleText("""
            selection:
                - Image|endswith: '/a'
                - CommandLine|startswith: 'b '
            condition: selection
            """))
        #expect(compiled.matches(FieldValues([.image: "/x/a"])))
        #expect(compiled.matches(FieldValues([.commandLine: "B c"])))
        #expect(!compiled.matches(FieldValues([.image: "/x/b", .commandLine: "a b"])))
    }

    @Test func regularExpressionsAreSearchedCaseSensitively() throws {
        let compiled = try rule(ruleText("""
            selection:
                CommandLine|re: '\\s-[FTd]\\s'
            insensitive:
                CommandLine|re|i: 'xYz$'
            condition: selection or insensitive
            """))
        #expect(compiled.matches(FieldValues([.commandLine: "curl -F x"])))
        #expect(!compiled.matches(FieldValues([.commandLine: "curl -f x"])))
        #expect(compiled.matches(FieldValues([.commandLine: "ends with XYZ"])))
        #expect(!compiled.matches(FieldValues([.commandLine: "XYZ not at the end"])))
    }

    @Test func existsNullAndNumbers() throws {
        let compiled = try rule(ruleText("""
            root:
                LogonId: 0
                User: root
            unnamed:
                User: null
            has_cwd:
                CurrentDirectory|exists: true
            condition: root or (unnamed and not has_cwd)
            """))
        #expect(compiled.matches(FieldValues([.logonId: "0", .user: "ROOT"])))
        #expect(!compiled.matches(FieldValues([.logonId: "10", .user: "root"])))
        #expect(compiled.matches(FieldValues([.logonId: "10"])))
        #expect(!compiled.matches(FieldValues([.logonId: "10", .currentDirectory: "/"])))
    }

    @Test func casedComparesBytes() throws {
        let compiled = try rule(ruleText("""
            selection:
                CommandLine|contains|cased: 'ABC'
            condition: selection
            """))
        #expect(compiled.matches(FieldValues([.commandLine: "xABCx"])))
        #expect(!compiled.matches(FieldValues([.commandLine: "xabcx"])))
    }

    @Test func keywordsSearchEveryField() throws {
        let compiled = try rule(ruleText("""
            keywords:
                - 'evil'
                - 'bad*thing'
            condition: keywords
            """))
        #expect(compiled.matches(FieldValues([.parentCommandLine: "an EVIL parent"])))
        #expect(compiled.matches(FieldValues([.currentDirectory: "/tmp/bad-thing/"])))
        #expect(!compiled.matches(FieldValues([.commandLine: "good", .image: "/bin/thing"])))
    }

    @Test func metadataIsKept() throws {
        let compiled = try rule("""
            title: Meta
            id: 6c0a0a3c-0000-4000-8000-000000000000
            status: test
            level: medium
            tags:
                - attack.execution
                - attack.t1059
            references:
                - https://example.org/a
            logsource:
                category: process_creation
                product: linux
            detection:
                selection:
                    Image: '/bin/x'
                condition: selection
            """)
        #expect(compiled.title == "Meta")
        #expect(compiled.id == "6c0a0a3c-0000-4000-8000-000000000000")
        #expect(compiled.level == "medium")
        #expect(compiled.tags == ["attack.execution", "attack.t1059"])
        #expect(compiled.references == ["https://example.org/a"])
        #expect(compiled.fields == [.image])
    }

    @Test func refusalsNameTheLineAndTheReason() {
        let cases: [(String, Int, String)] = [
            (ruleText("selection:\n    Hashes|contains: 'x'\ncondition: selection"), 9,
             "field 'Hashes' has no proctrace equivalent (docs/hunting.md lists the fields)"),
            (ruleText("selection:\n    CommandLine|base64offset|contains: 'x'\ncondition: selection"), 9,
             "modifier 'base64offset' is not supported"),
            (ruleText("selection:\n    CommandLine|contains|startswith: 'x'\ncondition: selection"), 9,
             "modifiers contains, startswith contradict each other"),
            (ruleText("selection:\n    CommandLine|re: '(unclosed'\ncondition: selection"), 9, ""),
            (ruleText("selection:\n    Image: '/x'\ncondition: selection | count() > 3"), 10,
             "aggregations after `|` in a condition (count(), near …) are not supported"),
            (ruleText("selection:\n    Image: '/x'\ntimeframe: 5m\ncondition: selection"), 10,
             "timeframe (events counted over time) is not supported"),
            (ruleText("selection:\n    Image: '/x'\ncondition: selection and other"), 10,
             "the condition names 'other', which detection does not define"),
            ("title: X\nlogsource:\n    category: network_connection\n    product: linux\ndetection:\n    s:\n        Image: x\n    condition: s",
             3, "logsource category network_connection: proctrace's records are process creations (category process_creation)"),
            ("title: X\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    s:\n        Image: x\n    condition: s",
             4, "logsource product windows: proctrace records Linux processes"),
            ("title: X\nlogsource: {category: process_creation\n", 3, ""),
            ("title: [a\n", 2, ""),
        ]
        for (yaml, line, reason) in cases {
            guard let refused = refusal(yaml) else {
                Issue.record("loaded: \(yaml)")
                continue
            }
            #expect(refused.file == "test.yml")
            #expect(refused.line == line, "\(refused)")
            if reason.isEmpty {
                #expect(!refused.reason.isEmpty)
            } else {
                #expect(refused.reason == reason)
            }
        }
    }
}

/// Every rule in ../shared/sigma loads or is refused with a reason; the count is stated.
@Suite struct SharedSigmaRulesTests {
    static let directory = Fixtures.path("../../../shared/sigma")

    @Test func everySharedRuleLoadsOrIsRefusedWithAReason() throws {
        let loaded = try SigmaRuleFiles.load([Self.directory])
        #expect(loaded.files == 122)
        #expect(loaded.rules.count + loaded.refusals.count == loaded.files)
        for refused in loaded.refusals {
            #expect(refused.line > 0 && !refused.reason.isEmpty, "\(refused)")
        }
        // The note in docs/hunting.md states these numbers.
        #expect(loaded.rules.count == 122, "\(loaded.refusals.map(\.description))")
        #expect(Set(loaded.rules.map(\.id)).count == loaded.rules.count)
    }
}

/// The two `re` engines agree on the shared rules' expressions (and PCRE2 is what hunt uses).
@Suite struct SigmaRegexEngineTests {
    static let patterns = [#"\s-[FTd]\s"#, #"\s-O\s"#, #"(?:\s-[^-\s]{0,20}i|\s--inode\s)"#, #"(.){20,}"#,
                           #"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#, "-D", "é+x$"]
    static let pieces = [" ", "-", "F", "f", "d", "O", "i", "--inode", "W", "R", "'", "\"", "0a", "fF", "x", "é", "É", "\t"]

    @Test func pcre2AndSwiftRegexAgree() async throws {
        let engines = try Self.patterns.map { pattern in
            (try PCRE2SigmaRegex(pattern), try SwiftSigmaRegex(pattern),
             try PCRE2SigmaRegex(pattern, flags: SigmaRegexFlags(ignoreCase: true)),
             try SwiftSigmaRegex(pattern, flags: SigmaRegexFlags(ignoreCase: true)))
        }
        await propertyCheck(count: 1_000, input: Gen.int(in: 0...1_000).array(of: 0...40)) { choices in
            let text = Array(choices.map { Self.pieces[$0 % Self.pieces.count] }.joined().utf8)
            for (pcre, swift, pcreCaseless, swiftCaseless) in engines {
                #expect(pcre.matches(text) == swift.matches(text), "\(pcre.source) on \(String(decoding: text, as: UTF8.self))")
                #expect(pcreCaseless.matches(text) == swiftCaseless.matches(text), "\(pcre.source) (i)")
            }
        }
        #expect(try PCRE2SigmaRegex("a").matches([0x61, 0xff]), "bytes that are not UTF-8 do not stop the search")
        #expect(!(try PCRE2SigmaRegex("^$").matches([0x61])))
        #expect(try PCRE2SigmaRegex("^$").matches([]))
        #expect(throws: PCRE2SigmaRegex.CompileError.self) { try PCRE2SigmaRegex("(unclosed") }
    }
}
