import ProcTraceCore
import Testing

@Suite struct ConfigurationFileTests {
    private func problems(_ text: String) -> [String] {
        do {
            _ = try ConfigurationFile(text: text, fileName: "proctrace.toml")
            return []
        } catch let errors as ConfigErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func misspeltKeySuggestsTheKnownOne() {
        let text = (1...6).map { "# line \($0)" }.joined(separator: "\n") + "\nrotate_sise = \"100M\"\n"
        #expect(problems(text) == ["proctrace.toml:7: unknown key 'rotate_sise' (did you mean 'rotate_size'?)"])
        #expect(problems("frobnicate = 1") == ["proctrace.toml:1: unknown key 'frobnicate'"])
    }

    @Test func wrongValuesAreNamedWithTheirLineInFileOrder() {
        #expect(problems("""
            backend = "ebpf"
            threads = "yes"
            rotate_size = "lots"
            event = ["fork", "spawn"]
            rotate_keep = 0
            broken = [
            pid = ["1"]
            file_mode = "999"
            duration = -1
            """) == [
            "proctrace.toml:1: 'backend' must be one of \"auto\", \"bpf\", \"netlink\", not \"ebpf\"",
            "proctrace.toml:2: 'threads' must be true or false, not a string",
            "proctrace.toml:3: 'rotate_size' must be a size such as \"100M\", not \"lots\"",
            "proctrace.toml:4: 'event': unknown record \"spawn\"; choose from "
                + EventKind.allCases.map(\.name).joined(separator: ", "),
            "proctrace.toml:5: 'rotate_keep' must be at least 1, not 0",
            "proctrace.toml:6: unterminated array: add the closing ']' (arrays must fit on one line)",
            "proctrace.toml:7: 'pid' must be an integer or an array of integers, not an array",
            "proctrace.toml:8: 'file_mode' must be octal permissions such as \"0640\" or 0o640",
            "proctrace.toml:9: 'duration' must be a positive number of seconds",
        ])
    }

    @Test func settingsBecomeTheOptionsTheyStandFor() throws {
        let file = try ConfigurationFile(text: """
            output = "/var/log/proctrace/events.jsonl"
            rotate_size = "100M"
            rotate_keep = 10
            compress = true
            threads = false
            exclude_self = false
            file_mode = 0o600
            event = "fork, exec"
            redact = ["--password", "-p"]
            pid = 7
            """, fileName: "proctrace.toml")
        #expect(file.arguments == [
            "--output=/var/log/proctrace/events.jsonl", "--rotate-size=100M", "--rotate-keep=10", "--compress",
            "--no-exclude-self", "--file-mode=0600", "--event=fork,exec", "--redact=--password", "--redact=-p",
            "--pid=7",
        ])
    }

    @Test func theCommandLineWinsOptionByOption() throws {
        let file = try ConfigurationFile(text: """
            output = "/var/log/proctrace/events.jsonl"
            pid = [1, 2]
            exclude_self = false
            verbose = true
            duration = 60
            """, fileName: "proctrace.toml")
        #expect(file.merged(under: ["-o", "here.jsonl", "--pid=9", "--exclude-self"]) == [
            "--verbose", "--duration=60", "-o", "here.jsonl", "--pid=9", "--exclude-self",
        ])
        #expect(file.merged(under: ["--output=x", "-v", "--", "--duration"]) == [
            "--pid=1", "--pid=2", "--no-exclude-self", "--duration=60", "--output=x", "-v", "--", "--duration",
        ])
    }

    /// A NUL cut `output = "/var/log/x\u0000y"` short at the NUL when the path was opened.
    @Test func aNULInAnyStringIsRefused() {
        #expect(problems("output = \"/var/log/x\\u0000.jsonl\"") == [
            "proctrace.toml:1: 'output' contains a NUL byte (\\u0000), which no path or argument can hold"])
        #expect(problems("redact = [\"--password\", \"-\\u0000p\"]") == [
            "proctrace.toml:1: 'redact' contains a NUL byte (\\u0000), which no path or argument can hold"])
    }

    /// Bytes that are not UTF-8 were replaced by U+FFFD, silently naming another file.
    @Test func bytesThatAreNotUTF8AreRefusedWithTheirLine() throws {
        let bytes = Array("# ok\noutput = \"/var/log/".utf8) + [0xff, 0xfe] + Array(".jsonl\"\n".utf8)
        #expect(throws: ConfigErrors.self) { try ConfigurationFile(bytes: bytes, fileName: "proctrace.toml") }
        do {
            _ = try ConfigurationFile(bytes: bytes, fileName: "proctrace.toml")
        } catch let errors as ConfigErrors {
            #expect(errors.errors.map(\.description) == ["proctrace.toml:2: not valid UTF-8: output = \"/var/log/\\xff\\xfe.jsonl\""])
        }
        let file = try ConfigurationFile(bytes: Array("output = \"/var/log/é.jsonl\"\n".utf8), fileName: "proctrace.toml")
        #expect(file.arguments == ["--output=/var/log/é.jsonl"])
    }

    /// Messages quoted the file's text and name raw: ESC ]52 set the clipboard, ESC[2J cleared the screen.
    @Test func messagesEscapeTheFileNameAndItsText() {
        let text = "backend = \"\u{1b}]52;c;aGk=\u{07}\"\nsize\u{1b}[2J = 1\nverbose = tr\u{1b}[2Jue\n"
        do {
            _ = try ConfigurationFile(text: text, fileName: "/etc/\u{1b}[31mx.toml")
            Issue.record("the file was accepted")
        } catch let errors as ConfigErrors {
            #expect(errors.errors.map(\.description) == [
                "/etc/\\e[31mx.toml:1: 'backend' must be one of \"auto\", \"bpf\", \"netlink\", not \"\\e]52;c;aGk=\\x07\"",
                "/etc/\\e[31mx.toml:2: expected '=' after 'size'",
                "/etc/\\e[31mx.toml:3: 'tr\\e[2Jue' is not a value: quote strings (\"tr\\e[2Jue\")",
            ])
        } catch {
            Issue.record("\(error)")
        }
    }
}
