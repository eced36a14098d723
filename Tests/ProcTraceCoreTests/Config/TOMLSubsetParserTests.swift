import ProcTraceCore
import Testing

@Suite struct TOMLSubsetParserTests {
    private func parse(_ text: String) throws -> [ConfigEntry] {
        try TOMLSubsetParser(fileName: "proctrace.toml").parse(text)
    }

    private func errors(_ text: String) -> [String] {
        TOMLSubsetParser(fileName: "proctrace.toml").parseCollectingErrors(text).errors.map(\.description)
    }

    @Test func readsEveryValueKindWithItsLine() throws {
        let entries = try parse("""
            # proctrace
            output = "/var/log/proctrace/events.jsonl"   # trailing comment

            comm = 'C:\\literal'
            rotate_keep = 1_000
            file_mode = 0o640
            duration = 1.5
            compress = true
            redact = ["--password", "-p", ]
            pid = [-3, +4, 0x1F]
            text = "a\\"b\\\\c\\u00e9\\t#"
            """)
        #expect(entries.map(\.line) == [2, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(entries.map(\.value) == [
            .string("/var/log/proctrace/events.jsonl"), .string("C:\\literal"), .integer(1000), .integer(0o640),
            .float(1.5), .boolean(true), .array([.string("--password"), .string("-p")]),
            .array([.integer(-3), .integer(4), .integer(31)]), .string("a\"b\\cé\t#"),
        ])
    }

    @Test func reportsEveryBadLineWithItsNumber() {
        #expect(errors("""
            output = "unterminated
            threads = yes
            [record]
            a.b = 1
            mode = 0640
            list = [1, 2
            ok = 1
            ok = 2
            = 3
            x = "\\q"
            y = 1 2
            """) == [
            "proctrace.toml:1: unterminated string: add the closing \"",
            "proctrace.toml:2: 'yes' is not a value: quote strings (\"yes\")",
            "proctrace.toml:3: tables ([name]) are not supported: write the settings as top-level keys",
            "proctrace.toml:4: dotted keys are not supported: write 'a' on its own",
            "proctrace.toml:5: '0640' is not a value: quote strings (\"0640\")",
            "proctrace.toml:6: unterminated array: add the closing ']' (arrays must fit on one line)",
            "proctrace.toml:8: duplicate key 'ok' (first set on line 7)",
            "proctrace.toml:9: expected a key (letters, digits, '_' or '-'), found '= 3'",
            "proctrace.toml:10: unknown escape '\\q' in a string",
            "proctrace.toml:11: unexpected '2' after the value",
        ])
    }

    @Test func acceptsCRLFAndAnEmptyFile() throws {
        #expect(try parse("") == [])
        #expect(try parse("a = 1\r\nb = true\r\n").map(\.value) == [.integer(1), .boolean(true)])
    }
}
