/// Reads the small part of TOML a configuration file needs, with a line
/// number on every error:
///
///     # comment                      blank lines and comments anywhere
///     output = "/var/log/x.jsonl"    basic strings ("…", with \" \\ \n \t \uXXXX)
///     comm = 'literal'               literal strings ('…', no escapes)
///     rotate_keep = 10               integers (also -3, 1_000, 0o640, 0x1F)
///     duration = 1.5                 floats
///     compress = true                booleans
///     redact = ["--password", "-p"]  arrays on one line (trailing comma allowed)
///
/// Keys are bare (letters, digits, `_`, `-`) and top-level: tables, dotted
/// keys, multi-line strings and dates are not part of the subset and are
/// reported as errors rather than misread.
public struct TOMLSubsetParser {
    public let fileName: String

    public init(fileName: String) {
        self.fileName = fileName
    }

    /// The entries in file order, or every error found.
    public func parse(_ text: String) throws -> [ConfigEntry] {
        let (entries, errors) = parseCollectingErrors(text)
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return entries
    }

    /// The entries of every line that reads, and an error for every line that does not.
    public func parseCollectingErrors(_ text: String) -> (entries: [ConfigEntry], errors: [ConfigError]) {
        var entries: [ConfigEntry] = []
        var errors: [ConfigError] = []
        var firstLine: [String: Int] = [:]
        for (index, rawLine) in text.utf8.split(separator: 0x0a, omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var cursor = Cursor(Array(rawLine))
            cursor.skipSpaces()
            if cursor.atEndOfContent { continue }
            do {
                let entry = try parseEntry(&cursor, line: lineNumber)
                if let earlier = firstLine[entry.key] {
                    throw Problem("duplicate key '\(entry.key)' (first set on line \(earlier))")
                }
                firstLine[entry.key] = lineNumber
                entries.append(entry)
            } catch {
                let message = (error as? Problem)?.message ?? "\(error)"
                errors.append(ConfigError(file: fileName, line: lineNumber, message: message))
            }
        }
        return (entries, errors)
    }

    private struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private func parseEntry(_ cursor: inout Cursor, line: Int) throws -> ConfigEntry {
        if cursor.peek == UInt8(ascii: "[") {
            throw Problem("tables ([name]) are not supported: write the settings as top-level keys")
        }
        let key = cursor.take { Cursor.isBareKeyByte($0) }
        guard !key.isEmpty else {
            throw Problem("expected a key (letters, digits, '_' or '-'), found '\(cursor.restText)'")
        }
        cursor.skipSpaces()
        if cursor.peek == UInt8(ascii: ".") {
            throw Problem("dotted keys are not supported: write '\(String(decoding: key, as: UTF8.self))' on its own")
        }
        guard cursor.peek == UInt8(ascii: "=") else {
            throw Problem("expected '=' after '\(String(decoding: key, as: UTF8.self))'")
        }
        cursor.advance()
        cursor.skipSpaces()
        guard !cursor.atEndOfContent else { throw Problem("missing value after '='") }
        let value = try parseValue(&cursor)
        cursor.skipSpaces()
        guard cursor.atEndOfContent else {
            throw Problem("unexpected '\(cursor.restText)' after the value")
        }
        return ConfigEntry(key: String(decoding: key, as: UTF8.self), value: value, line: line)
    }

    private func parseValue(_ cursor: inout Cursor) throws -> ConfigValue {
        switch cursor.peek {
        case UInt8(ascii: "\""):
            if cursor.starts(with: "\"\"\"") { throw Problem("multi-line strings are not supported") }
            return .string(try parseBasicString(&cursor))
        case UInt8(ascii: "'"):
            if cursor.starts(with: "'''") { throw Problem("multi-line strings are not supported") }
            cursor.advance()
            let body = cursor.take { $0 != UInt8(ascii: "'") }
            guard cursor.peek == UInt8(ascii: "'") else { throw Problem("unterminated string: add the closing '") }
            cursor.advance()
            return .string(String(decoding: body, as: UTF8.self))
        case UInt8(ascii: "["):
            return .array(try parseArray(&cursor))
        default:
            let word = String(decoding: cursor.take { !Cursor.endsBareValue($0) }, as: UTF8.self)
            if word == "true" { return .boolean(true) }
            if word == "false" { return .boolean(false) }
            if let number = TOMLSubsetParser.number(word) { return number }
            if word.isEmpty { throw Problem("expected a value, found '\(cursor.restText)'") }
            if TOMLSubsetParser.looksLikeInteger(word) {
                throw Problem("'\(UntrustedText.escaped(word.utf8.prefix(60)))' is out of range: integers are 64-bit")
            }
            let quoted = UntrustedText.escaped(word.utf8.prefix(60))
            throw Problem("'\(quoted)' is not a value: quote strings (\"\(quoted)\")")
        }
    }

    private func parseArray(_ cursor: inout Cursor) throws -> [ConfigValue] {
        cursor.advance()
        var elements: [ConfigValue] = []
        while true {
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "]") {
                cursor.advance()
                return elements
            }
            guard !cursor.atEndOfContent else {
                throw Problem("unterminated array: add the closing ']' (arrays must fit on one line)")
            }
            // Refused before descending: an element never recurses, so no
            // line (`[[[[…`) can nest deeper than one array.
            if cursor.peek == UInt8(ascii: "[") { throw Problem("nested arrays are not supported") }
            elements.append(try parseValue(&cursor))
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: ",") {
                cursor.advance()
            } else if cursor.peek != UInt8(ascii: "]") {
                throw Problem(cursor.atEndOfContent
                    ? "unterminated array: add the closing ']' (arrays must fit on one line)"
                    : "expected ',' or ']' in the array, found '\(cursor.restText)'")
            }
        }
    }

    private func parseBasicString(_ cursor: inout Cursor) throws -> String {
        cursor.advance()
        var bytes: [UInt8] = []
        while let byte = cursor.peek {
            cursor.advance()
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = cursor.peek else { break }
                cursor.advance()
                switch escaped {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): bytes.append(0x0a)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "r"): bytes.append(0x0d)
                case UInt8(ascii: "u"):
                    let hex = String(decoding: cursor.take(count: 4), as: UTF8.self)
                    guard hex.count == 4, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw Problem("\\u needs four hex digits of a Unicode scalar")
                    }
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw Problem("unknown escape '\\\(UntrustedText.escaped([escaped]))' in a string")
                }
            default:
                bytes.append(byte)
            }
        }
        throw Problem("unterminated string: add the closing \"")
    }

    /// Digits (with sign, `_`, a 0x/0o/0b prefix) that `number` could not hold.
    static func looksLikeInteger(_ word: String) -> Bool {
        var body = Substring(word)
        if body.first == "-" || body.first == "+" { body.removeFirst() }
        if body.hasPrefix("0x") {
            body = body.dropFirst(2)
            return !body.isEmpty && body.allSatisfy { $0.isHexDigit || $0 == "_" }
        }
        if body.hasPrefix("0o") || body.hasPrefix("0b") { body = body.dropFirst(2) } else if body.hasPrefix("0") { return false }
        return !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_") }
    }

    /// TOML integers and floats: sign, `_` between digits, 0x/0o/0b prefixes.
    static func number(_ word: String) -> ConfigValue? {
        guard let first = word.first, first.isNumber || first == "-" || first == "+" else { return nil }
        if zip(word.utf8, word.utf8.dropFirst()).contains(where: { $0 == 0x5F && $1 == 0x5F }) || word.hasPrefix("_") || word.hasSuffix("_") { return nil }
        let digits = String(word.filter { $0 != "_" })
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            return Int64(digits.dropFirst(2), radix: radix).map(ConfigValue.integer)
        }
        let unsigned = digits.hasPrefix("-") || digits.hasPrefix("+") ? digits.dropFirst() : Substring(digits)
        if unsigned.count > 1 && unsigned.hasPrefix("0") && !unsigned.hasPrefix("0.") { return nil }  // no leading zeros
        if let integer = Int64(digits) { return .integer(integer) }
        if unsigned.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let float = Double(digits) {
            return .float(float)
        }
        return nil
    }
}

/// A position in one line's bytes; `#` outside a string ends the content.
private struct Cursor {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) {
        var line = bytes
        if line.last == 0x0d { line.removeLast() }  // CRLF files
        self.bytes = line
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    var atEndOfContent: Bool { peek == nil || peek == UInt8(ascii: "#") }

    /// The rest of the content, as an error message quotes it: escaped, and
    /// cut to its first 60 bytes so one bad line cannot flood the terminal.
    var restText: String {
        var rest = bytes[index...].prefix { $0 != UInt8(ascii: "#") }
        while let last = rest.last, last == 0x20 || last == 0x09 { rest.removeLast() }
        return UntrustedText.escaped(rest.prefix(60)) + (rest.count > 60 ? "…" : "")
    }

    mutating func advance() { index += 1 }

    mutating func skipSpaces() {
        while let byte = peek, byte == 0x20 || byte == 0x09 { index += 1 }
    }

    func starts(with text: String) -> Bool { bytes[index...].starts(with: text.utf8) }

    mutating func take(while predicate: (UInt8) -> Bool) -> [UInt8] {
        let start = index
        while let byte = peek, predicate(byte) { index += 1 }
        return Array(bytes[start..<index])
    }

    mutating func take(count: Int) -> [UInt8] {
        let end = min(index + count, bytes.count)
        defer { index = end }
        return Array(bytes[index..<end])
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    static func endsBareValue(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "#")
    }
}
