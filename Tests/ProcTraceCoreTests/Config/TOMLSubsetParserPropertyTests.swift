import PropertyBased
import ProcTraceCore
import Testing

/// The configuration parser on hostile files: it reads or reports every
/// line, never traps or recurses without bound, and every message it
/// prints is terminal-safe however the file was crafted.
@Suite struct TOMLSubsetParserPropertyTests {
    /// Bytes that are mostly trouble for this grammar: brackets, quotes,
    /// escapes, comments, controls (ESC, BEL, CR, NUL), invalid UTF-8.
    static let troublesomeBytes: [UInt8] = Array("[]\"'\\=#,. aZ09_-u".utf8) + [0x00, 0x07, 0x0d, 0x1b, 0x7f, 0x9b, 0xc3, 0xff]
    static let hostileLine = Gen.int(in: 0...(troublesomeBytes.count - 1)).map { troublesomeBytes[$0] }.array(of: 0...80)

    static func isTerminalSafe(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f && !(0x80...0x9f).contains($0.value) }
    }

    @Test func hostileFilesParseOrReportButNeverCrashAndEveryMessageIsEscaped() async {
        await propertyCheck(count: 1000, input: Self.hostileLine.array(of: 1...6), Gen.int(in: 0...3)) { lines, prefix in
            let keys = ["", "pid = ", "output = ", "redact = ["]
            let bytes = Array(lines.map { Array(keys[prefix].utf8) + $0 }.joined(separator: [0x0a]))
            do {
                _ = try ConfigurationFile(bytes: bytes, fileName: "p\u{1b}[2J.toml")
            } catch let errors as ConfigErrors {
                for error in errors.errors {
                    #expect(Self.isTerminalSafe(error.description), "\(Array(error.description.utf8))")
                }
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
    }

    /// An integer past 64 bits was called "not a value: quote strings".
    @Test func integersTooLargeAreNamedAsOutOfRange() {
        let (_, errors) = TOMLSubsetParser(fileName: "p.toml").parseCollectingErrors(
            "rotate_keep = 99999999999999999999\npid = [-99999999999999999999]\nmax_args_bytes = 0x1_0000_0000_0000_0000\n")
        #expect(errors.map(\.description) == [
            "p.toml:1: '99999999999999999999' is out of range: integers are 64-bit",
            "p.toml:2: '-99999999999999999999' is out of range: integers are 64-bit",
            "p.toml:3: '0x1_0000_0000_0000_0000' is out of range: integers are 64-bit",
        ])
    }

    /// `pid = [[[[…` 50,000 deep used to overflow the stack (SIGSEGV).
    @Test(arguments: ["[", "[1, [", "[\"a\", ["])
    func deepNestingIsRefusedWithoutRecursing(_ opening: String) {
        let text = "pid = " + String(repeating: opening, count: 50_000) + "\nrotate_keep = 3\n"
        let (entries, errors) = TOMLSubsetParser(fileName: "deep.toml").parseCollectingErrors(text)
        #expect(errors.map(\.description) == ["deep.toml:1: nested arrays are not supported"])
        #expect(entries.map(\.key) == ["rotate_keep"])
    }
}
