import ProcTraceCore
import ProcTraceRules
import Testing

/// Rule files as libyaml reads them (SigmaYAML): what YAML a rule may not use, each refused with its line.
@Suite struct SigmaYAMLTests {
    @Test func refusalsOfTheYAMLItselfNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("", 1, "the file holds no YAML document"),
            ("# only a comment\n", 1, "the file holds no YAML document"),
            (ruleText("selection:\n    Image: '/x'\ncondition: selection") + "\n---\ntitle: Second\n", 12,
             "rule collections (several YAML documents in one file) are not supported"),
            (ruleText("selection: &s\n    Image: '/x'\nother: *s\ncondition: selection"), 10,
             "YAML aliases are not supported in rules"),
            (ruleText("selection:\n    Image: '/x'\n    Image: '/y'\ncondition: selection"), 10,
             "the key 'Image' appears twice in one mapping"),
            (ruleText("selection:\n    ? [a, b]\n    : '/x'\ncondition: selection"), 9,
             "a mapping key must be a single value"),
            ("title: X\nlist: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n", 2,
             "nested deeper than 64 levels"),
            ("title: X\n  bad: indentation\n", 2, "not valid YAML: mapping values are not allowed in this context"),
        ]
        for (yaml, line, reason) in cases {
            guard let refused = refusal(yaml) else {
                Issue.record("loaded: \(yaml)")
                continue
            }
            #expect(refused.line == line, "\(refused)")
            #expect(refused.reason == reason, "\(refused)")
        }
    }

    @Test func scalarsKeepTheirTextStyleAndLine() throws {
        let compiled = try rule("""
            %YAML 1.1
            ---
            title: "Quoted \\u00e9"
            id: !!str 00000000-0000-0000-0000-000000000002
            logsource: {category: process_creation, product: linux}
            detection:
                selection:
                    Image|endswith:
                        - '/bash'
                        - >-
                          /z
                          sh
                    ParentImage: null
                condition: selection
            ...
            """)
        #expect(compiled.title == "Quoted é")
        #expect(compiled.id == "00000000-0000-0000-0000-000000000002")
        let bash = FieldValues([.image: "/bin/bash"])
        let zsh = FieldValues([.image: "/bin/z sh"])
        let withParent = FieldValues([.image: "/bin/bash", .parentImage: "/bin/init"])
        #expect(compiled.matches(bash))
        #expect(compiled.matches(zsh))
        #expect(!compiled.matches(withParent))
    }
}
