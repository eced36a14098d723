import PropertyBased
@testable import ProcTraceCore
import Testing

/// The scanner reads integers eight digits at a time and the encoder's
/// timestamps in one go; these check both against the plain reading.
@Suite struct ScannerShortcutTests {
    /// What scanning an unsigned integer at the start of `text` gives, and where it stops.
    static func scanned(_ text: [UInt8]) -> String {
        text.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes)
            do {
                let value = try scanner.scanUnsigned()
                return "\(value) up to \(scanner.remainingCount) left"
            } catch {
                return "\(error)"
            }
        }
    }

    /// The same, a digit at a time: what schema version 1 says an integer is.
    static func expected(_ text: [UInt8]) -> String {
        var index = 0
        while index < text.count, [0x20, 0x09, 0x0d, 0x0a].contains(text[index]) { index += 1 }
        let start = index
        var value: UInt64 = 0
        var overflow = false
        while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(text[index] - UInt8(ascii: "0")))
            if overflow1 || overflow2 { overflow = true; break }
            value = sum
            index += 1
        }
        if overflow { return "column \(index + 1): number too large" }
        if index == start {
            return "column \(start + 1): " + (start == text.count ? "line ends early, expected a number" : "expected a non-negative integer")
        }
        if index - start > 1 && text[start] == UInt8(ascii: "0") { return "column \(start + 1): number with a leading zero" }
        if index < text.count, text[index] == UInt8(ascii: ".") || text[index] | 0x20 == UInt8(ascii: "e") {
            return "column \(index + 1): expected an integer"
        }
        return "\(value) up to \(text.count - index) left"
    }

    static let numberBytes: [UInt8] = Array("0123456789".utf8) + Array("0123456789".utf8) + Array(".eE-+ ,}\"/:a".utf8) + [0x00, 0xff, 0x80]

    @Test func integersOfEveryLengthReadAsDigitByDigit() {
        let suffixes: [[UInt8]] = ["", "}", ",\"pid\":1}", ".5", "e3", "E", " ", "0000000000000000000000", "x" + String(repeating: " ", count: 30)]
            .map { Array($0.utf8) }
        for length in 0...24 {
            for leading in ["", "1", "0", "9", " ", "\t"] {
                let digits = Array(leading.utf8) + (0..<length).map { UInt8(ascii: "0") + UInt8(($0 * 7 + 3) % 10) }
                for suffix in suffixes {
                    let text = digits + suffix
                    #expect(Self.scanned(text) == Self.expected(text), "\(String(decoding: text, as: UTF8.self))")
                }
            }
        }
        for text in ["18446744073709551615", "18446744073709551616", "99999999999999999999", "9999999999999999", "999999999999999",
                     "1000000000000000", "10000000", "99999999", "12345678,", "1234567,", "00000000000000001"] {
            for padding in [0, 1, 8, 16] {
                let line = Array(text.utf8) + Array(repeating: UInt8(ascii: "}"), count: padding)
                #expect(Self.scanned(line) == Self.expected(line), "\(text)")
            }
        }
    }

    @Test func randomBytesReadAsDigitByDigit() async {
        let gen = Gen.int(in: 0...(Self.numberBytes.count - 1)).map { Self.numberBytes[$0] }.array(of: 0...40)
        await propertyCheck(count: 5000, input: gen) { text in
            #expect(Self.scanned(text) == Self.expected(text), "\(text)")
        }
    }

    @Test func aShortLiteralMatchesExactlyItsBytes() {
        for length in 4...ShortLiteral.capacity {
            let bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0) }
            let literal = ShortLiteral(bytes)
            for padding in [0, 1, 7, 30] {
                let input = [UInt8(ascii: ",")] + bytes + Array(repeating: UInt8(ascii: "}"), count: padding)
                input.withUnsafeBytes { input in
                    #expect(literal.occurs(in: input, at: 1), "length \(length)")
                    #expect(!literal.occurs(in: input, at: 0))
                    #expect(!literal.occurs(in: UnsafeRawBufferPointer(rebasing: input[..<(length)]), at: 1))
                }
                for position in 0..<length {
                    var changed = input
                    changed[1 + position] ^= 0x20
                    changed.withUnsafeBytes { changed in
                        #expect(!literal.occurs(in: changed, at: 1), "length \(length), byte \(position)")
                    }
                }
            }
        }
    }

    @Test func everyEventNameAndNothingElseNamesAKind() throws {
        func kind(_ name: [UInt8]) throws -> EventKind? {
            try ([UInt8(ascii: "\"")] + name + [UInt8(ascii: "\"")]).withUnsafeBytes { quoted in
                var scanner = JSONScanner(quoted)
                return try EventKind(bytes: try scanner.scanString(), in: scanner)
            }
        }
        func expected(_ name: [UInt8]) -> EventKind? { EventKind.allCases.first { Array($0.name.utf8) == name } }
        for event in EventKind.allCases {
            let name = Array(event.name.utf8)
            #expect(try kind(name) == event)
            var variants = [Array(name.dropLast()), name + [UInt8(ascii: "s")], Array(name.dropFirst()), name.map { $0 & ~0x20 }]
            for position in name.indices {
                for replacement in [UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "o"), UInt8(ascii: "t"), 0x7f] {
                    var changed = name
                    changed[position] = replacement
                    variants.append(changed)
                }
            }
            for variant in variants { #expect(try kind(variant) == expected(variant), "\(variant)") }
        }
        #expect(try kind(Array(#"f\u006frk"#.utf8)) == .fork)
        #expect(try kind([]) == nil)
    }

    /// A timestamp read in one go is the one `scanString` and `RFC3339` read; anything else is left unread.
    @Test func onlyCanonicalTimestampsAreReadInOneGo() {
        let canonical = #""2026-11-23T20:12:46.123456789Z""#
        let cases: [(String, Int64?)] = [
            (canonical, RFC3339.parse("2026-11-23T20:12:46.123456789Z")),
            (canonical + ",", RFC3339.parse("2026-11-23T20:12:46.123456789Z")),
            (" " + canonical, nil),
            (#""2026-11-23T20:12:46.123456789Z"#, nil),
            (#""2026-11-23T20:12:46.12345678\Z""#, nil),
            (#""2026-11-23T20:12:46.1234567"Z""#, nil),
            ("\"2026-11-23T20:12:46.12345678\tZ\"", nil),
            (#""2026-11-23T20:12:46.123456789+""#, nil),
            (#""2026-11-23T20:12:46.5+01:00""#, nil),
            (#""2026-13-23T20:12:46.123456789Z""#, nil),
        ]
        for (text, expected) in cases {
            var line = Array(text.utf8)
            line.withUnsafeMutableBytes { bytes in
                var scanner = JSONScanner(UnsafeRawBufferPointer(bytes))
                let value = scanner.consumeString(length: RFC3339.canonicalLength, RFC3339.parseCanonical)
                #expect(value == expected, "\(text)")
                #expect(scanner.remainingCount == (value == nil ? bytes.count : bytes.count - 32), "\(text)")
            }
        }
    }

    @Test func timestampsDecodeAlikeHoweverWritten() throws {
        let decoder = JSONLineDecoder()
        func time(_ value: String) throws -> Int64 {
            try decoder.decode(#"{"seq":1,"time":"# + value + #","event":"lost","count":null}"#).time
        }
        let expected = try time(#""2026-11-23T20:12:46.123456789Z""#)
        #expect(expected == RFC3339.parse("2026-11-23T20:12:46.123456789Z"))
        #expect(try time(#" "2026-11-23T20:12:46.123456789Z""#) == expected)
        #expect(throws: JSONLineDecodingError.self) { try time(#""2026-11-23T20:12:46.123456789\u005a""#) }
        #expect(try time(#""2026-11-23T21:12:46.123456789+01:00""#) == expected)
        #expect(throws: JSONLineDecodingError.invalidRecord(#""time" is not an RFC 3339 timestamp: "2026-11-23T20:12:46.12345678"Z""#)) {
            try time(#""2026-11-23T20:12:46.12345678\"Z""#)
        }
    }

    @Test func argumentsAndFilenamesDecodeWhateverTheirEscapes() throws {
        let decoder = JSONLineDecoder()
        let prefix = #"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"exec","pid":1,"ppid":0,"comm":"a","start_time":0,"#
        let event = try decoder.decode(prefix + #""filename":"\/bin\/a\u00e9","argv":["","x\ny",  "\udcff\"",""],"argv_truncated":false}"#)
        #expect(event.filename == Array("/bin/aé".utf8))
        #expect(event.argv?.arguments == [[], Array("x\ny".utf8), [0xff, UInt8(ascii: "\"")], []])
        let empty = try decoder.decode(prefix + #""filename":"","argv":[],"argv_truncated":false}"#)
        #expect(empty.filename == [] && empty.argv?.arguments == [])
        for cut in [#""argv":["#, #""argv":[""#, #""argv":["a","#, #""argv":["a\"#] {
            #expect(throws: JSONLineDecodingError.self) { try decoder.decode(prefix + cut) }
        }
    }

    /// What scanning a string at the start of `text` gives: where it ends, whether it has escapes, whether
    /// the scanner still vouches for the line, or the error.
    static func scannedString(_ text: [UInt8]) -> String {
        text.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes)
            do {
                let token = try scanner.scanString()
                return "\(token.start)..<\(token.end) escapes \(token.hasEscapes) as encoded \(scanner.isAsEncoded)"
            } catch {
                return "\(error)"
            }
        }
    }

    /// The same, a byte at a time, as schema version 1 reads a string.
    static func expectedString(_ text: [UInt8]) -> String {
        guard text.first == UInt8(ascii: "\"") else {
            return "column 1: " + (text.isEmpty ? "line ends early" : "expected a string")
        }
        var index = 1
        var escapes = false
        var plain = true
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "\"") { return "1..<\(index) escapes \(escapes) as encoded \(plain)" }
            if byte == UInt8(ascii: "\\") {
                escapes = true
                plain = false
                index += 2
                continue
            }
            if byte < 0x20 { return "column \(index + 1): control character 0x\(String(byte, radix: 16)) inside a string" }
            if byte >= 0x7f { plain = false }
            index += 1
        }
        return "column \(text.count + 1): line ends inside a string"
    }

    static let stringBytes: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz0123456789 /.-_:".utf8) + Array("abcdefgh".utf8)
        + [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00, 0x01, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0x5b, 0x5d]

    /// Strings are passed over eight bytes at a time: every byte that needs a look, at every place in a word,
    /// is found as reading a byte at a time finds it.
    @Test func stringsEndAndAreVouchedForAsReadAByteAtATime() {
        let specials: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00, 0x1f, 0x7f, 0x80, 0xff, 0x20, 0x7e]
        for length in 0...20 {
            for position in 0..<max(length, 1) {
                for special in specials {
                    var body = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    if position < length { body[position] = special }
                    for tail in [[UInt8(ascii: "\"")], [UInt8(ascii: "\""), UInt8(ascii: ",")] + Array(repeating: UInt8(ascii: "x"), count: 9), []] {
                        let text = [UInt8(ascii: "\"")] + body + tail
                        #expect(Self.scannedString(text) == Self.expectedString(text), "\(text)")
                    }
                }
            }
        }
    }

    @Test func randomStringsScanAsReadAByteAtATime() async {
        let gen = Gen.int(in: 0...(Self.stringBytes.count - 1)).map { Self.stringBytes[$0] }.array(of: 0...40)
        await propertyCheck(count: 5000, input: gen) { body in
            let text = [UInt8(ascii: "\"")] + body
            #expect(Self.scannedString(text) == Self.expectedString(text), "\(text)")
        }
    }

    /// Timestamps after the first of their second reuse its parse: each must still be what parsing it alone gives,
    /// across seconds, days, a leap second, before 1970 and past the last second kept.
    @Test func aRememberedSecondGivesWhatParsingAloneGives() {
        let seconds = ["2026-11-23T20:12:46", "2026-11-23T20:12:47", "2026-11-24T00:00:00", "2016-12-31T23:59:60",
                       "1969-12-31T23:59:59", "0001-01-01T00:00:00", "2262-04-11T23:47:16", "2262-04-11T23:47:15",
                       "9999-12-31T23:59:59", "2026-02-29T00:00:00"]
        let fractions = ["000000000", "123456789", "999999999", "12345678x", "1234567890", "00000000Z", "5"]
        var recent = RecentSecond()
        var generator = SystemRandomNumberGenerator()
        var texts: [String] = []
        for second in seconds {
            for fraction in fractions {
                texts.append(second + "." + fraction + "Z")
                texts.append(second + "." + fraction + "+")
            }
        }
        for round in 0..<20 {
            for text in round == 0 ? texts : texts.shuffled(using: &generator) {
                var bytes = Array(text.utf8)
                bytes.withUnsafeMutableBytes { raw in
                    let text = UnsafeRawBufferPointer(raw)
                    #expect(recent.parse(text) == RFC3339.parseCanonical(text), "\(String(decoding: text, as: UTF8.self))")
                }
            }
        }
    }
}
