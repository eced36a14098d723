/// A forward-only tokenizer over one JSON text in memory. It validates as it
/// goes and never allocates unless a string holds escapes.
struct JSONScanner {
    /// A string's raw content in the line (between the quotes, escapes not yet decoded).
    struct StringToken {
        var start: Int
        var end: Int
        var hasEscapes: Bool
    }

    /// Deeper nesting in an ignored value is refused rather than recursed into.
    static let maximumDepth = 64

    let bytes: UnsafeRawBufferPointer
    private(set) var index = 0
    /// Everything scanned so far is spelled the one way JSONLineEncoder
    /// spells it: no blanks, no escapes, only printable ASCII in strings, no
    /// `-0`. Cleared on the first difference; false only means "not sure"
    /// (valid UTF-8 the encoder would keep also clears it).
    var isAsEncoded = true

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    func failure(_ reason: String) -> JSONLineDecodingError {
        .malformed(reason: reason, column: min(index, bytes.count) + 1)
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// Bytes not read yet.
    var remainingCount: Int { bytes.count - index }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0d, 0x0a:
                index += 1
                isAsEncoded = false
            default: return
            }
        }
    }

    /// The next non-blank byte, not consumed; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Consumes `byte` if it comes next.
    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `literal` if the next bytes are exactly it (blanks are not skipped).
    @inline(__always)
    mutating func consume(_ literal: ShortLiteral) -> Bool {
        guard literal.occurs(in: bytes, at: index) else { return false }
        index += literal.count
        return true
    }

    mutating func expect(_ byte: UInt8) throws {
        guard consume(byte) else {
            throw failure(isAtEnd ? "line ends early, expected '\(Character(Unicode.Scalar(byte)))'"
                                  : "expected '\(Character(Unicode.Scalar(byte)))'")
        }
    }

    func text(_ token: StringToken) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end])
    }

    /// Consumes a string and returns where its content lies.
    mutating func scanString() throws -> StringToken {
        guard consume(UInt8(ascii: "\"")) else { throw failure(isAtEnd ? "line ends early" : "expected a string") }
        let start = index
        var hasEscapes = false
        while true {
            // Plain bytes are passed over eight at a time, up to the first that needs a look.
            if bytes.count - index >= 8 {
                let stops = EightStringBytes.stops(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index,
                                                                                            as: UInt64.self)))
                if stops == 0 {
                    index += 8
                    continue
                }
                index += stops.trailingZeroBitCount >> 3
            } else if index >= bytes.count {
                break
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return StringToken(start: start, end: index - 1, hasEscapes: hasEscapes)
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                isAsEncoded = false
                index += 2
                continue
            }
            // One test for both: below 0x20 is refused, 0x7f and up is not plain ASCII.
            if byte &- 0x20 >= 0x5f {
                if byte < 0x20 { throw failure("control character 0x\(String(byte, radix: 16)) inside a string") }
                isAsEncoded = false
            }
            index += 1
        }
        index = bytes.count
        throw failure("line ends inside a string")
    }

    /// Consumes a string of exactly `length` bytes that `parse` accepts, and
    /// returns what it made of them; nil (nothing consumed) for anything else,
    /// blanks before the string included. `parse` must refuse quotes,
    /// backslashes and control characters, so that what it accepts is a
    /// string `scanString` would read the same.
    @inline(__always)
    mutating func consumeString<Value>(length: Int, _ parse: (UnsafeRawBufferPointer) -> Value?) -> Value? {
        guard bytes.count - index >= length + 2, bytes[index] == UInt8(ascii: "\""),
            bytes[index + length + 1] == UInt8(ascii: "\""),
            let value = parse(UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<(index + 1 + length)]))
        else { return nil }
        index += length + 2
        return value
    }

    /// A string's bytes with its escapes decoded (as `appendContent` decodes them).
    func content(of token: StringToken) throws -> [UInt8] {
        guard token.hasEscapes else { return JSONScanner.copy(text(token)) }
        var decoded: [UInt8] = []
        try appendContent(of: token, to: &decoded)
        return decoded
    }

    /// Writes a string's bytes with its escapes decoded at `target`, which has
    /// room for the raw text (decoding only ever shortens it); returns how many.
    func copyContent(of token: StringToken, to target: UnsafeMutableRawPointer) throws -> Int {
        guard token.hasEscapes else {
            let raw = text(token)
            if let start = raw.baseAddress { target.copyMemory(from: start, byteCount: raw.count) }
            return raw.count
        }
        let decoded = try content(of: token)
        decoded.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return decoded.count
    }

    /// An array of exactly these bytes, copied in one go. `Array(_:)` rather
    /// than `init(unsafeUninitializedCapacity:)`: that one looks up the array
    /// storage's generic metadata in the runtime on every call (~340
    /// instructions of ~860; several arrays a record).
    static func copy(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        bytes.isEmpty ? [] : Array(bytes)
    }

    /// Appends a string's bytes with its escapes decoded: `\udc80`…`\udcff`
    /// become the raw byte they carry (see JSONStringEscaper), every other
    /// escape its UTF-8.
    func appendContent(of token: StringToken, to out: inout [UInt8]) throws {
        guard token.hasEscapes else {
            out.append(contentsOf: text(token))
            return
        }
        var position = token.start
        while position < token.end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                position += 1
                continue
            }
            guard position + 1 < token.end else { throw escapeFailure(at: position, "incomplete escape") }
            switch bytes[position + 1] {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try hexUnit(at: position + 2, end: token.end)
                position += 6
                switch unit {
                case 0xdc80...0xdcff:
                    out.append(UInt8(truncatingIfNeeded: unit))
                case 0xd800...0xdbff:
                    guard position + 1 < token.end, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u"),
                        case let low = try hexUnit(at: position + 2, end: token.end), (0xdc00...0xdfff).contains(low)
                    else { throw escapeFailure(at: position - 6, "high surrogate without its low half") }
                    position += 6
                    appendUTF8(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), to: &out)
                case 0xdc00...0xdfff:
                    throw escapeFailure(at: position - 6, "lone low surrogate \\u\(String(unit, radix: 16)) "
                                            + "(only \\udc80-\\udcff carry raw bytes)")
                default:
                    appendUTF8(unit, to: &out)
                }
                continue
            default:
                throw escapeFailure(at: position, "unknown escape '\\\(UntrustedText.escaped(CollectionOfOne(bytes[position + 1])))'")
            }
            position += 2
        }
    }

    private func escapeFailure(at position: Int, _ reason: String) -> JSONLineDecodingError {
        .malformed(reason: reason, column: position + 1)
    }

    private func hexUnit(at position: Int, end: Int) throws -> UInt32 {
        guard position + 4 <= end else { throw escapeFailure(at: position - 2, "\\u needs four hex digits") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[position + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw escapeFailure(at: position - 2, "\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(0xc0 | UInt8(scalar >> 6))
            out.append(0x80 | UInt8(scalar & 0x3f))
        case 0x800..<0x10000:
            out.append(0xe0 | UInt8(scalar >> 12))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3f))
            out.append(0x80 | UInt8(scalar & 0x3f))
        default:
            out.append(0xf0 | UInt8(scalar >> 18))
            out.append(0x80 | UInt8((scalar >> 12) & 0x3f))
            out.append(0x80 | UInt8((scalar >> 6) & 0x3f))
            out.append(0x80 | UInt8(scalar & 0x3f))
        }
    }

    /// Consumes `null` if it comes next.
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        // The four bytes compared in one load ("null" little-endian): the
        // encoder writes null for each field it has no value for, ~15 a line.
        guard bytes.count - index >= 4,
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)) == 0x6c6c_756e
        else { return false }
        index += 4
        return true
    }

    mutating func scanBool() throws -> Bool {
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw failure("expected true or false")
    }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// Consumes a non-negative integer (no fraction, no exponent).
    mutating func scanUnsigned() throws -> UInt64 {
        skipWhitespace()
        if let (value, length) = shortUnsigned() {
            index += length
            return value
        }
        let start = index
        var value: UInt64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1 && !overflow2 else { throw failure("number too large") }
            value = sum
            index += 1
        }
        guard index > start else {
            index = start
            throw failure(isAtEnd ? "line ends early, expected a number" : "expected a non-negative integer")
        }
        if index - start > 1 && bytes[start] == UInt8(ascii: "0") {
            index = start
            throw failure("number with a leading zero")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") {
            throw failure("expected an integer")
        }
        return value
    }

    /// The integer at `index` and its length when it has at most 15 digits,
    /// is followed by at least one byte, and is valid; nil otherwise (the
    /// digit-by-digit reading then decides). Never overflows.
    @inline(__always)
    private func shortUnsigned() -> (value: UInt64, length: Int)? {
        let available = bytes.count - index
        guard available >= 8 else { return nil }
        let start = bytes.baseAddress! + index
        let first = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self))
        var length = EightDigits.leadingDigitCount(first)
        let value: UInt64
        if length < 8 {
            guard length > 0 else { return nil }
            value = EightDigits.value(first, count: length)
        } else {
            guard available >= 16 else { return nil }
            let second = UInt64(littleEndian: start.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let more = EightDigits.leadingDigitCount(second)
            guard more < 8 else { return nil }
            length += more
            value = more == 0 ? EightDigits.value(first, count: 8)
                : EightDigits.value(first, count: 8) &* EightDigits.powerOfTen(more) &+ EightDigits.value(second, count: more)
        }
        let after = start.load(fromByteOffset: length, as: UInt8.self)
        guard length == 1 || start.load(as: UInt8.self) != UInt8(ascii: "0"),
            after != UInt8(ascii: "."), after | 0x20 != UInt8(ascii: "e")
        else { return nil }
        return (value, length)
    }

    mutating func scanSigned() throws -> Int64 {
        let negative = consume(UInt8(ascii: "-"))
        let magnitude = try scanUnsigned()
        if negative && magnitude == 0 { isAsEncoded = false }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw failure("number too small") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw failure("number too large") }
        return Int64(magnitude)
    }

    /// Consumes any value, checking it is well-formed.
    mutating func skipValue(depth: Int = 0) throws {
        guard depth < JSONScanner.maximumDepth else { throw failure("nested too deeply") }
        guard let byte = peek() else { throw failure("line ends early, expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                _ = try scanString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try scanBool()
        case UInt8(ascii: "n"):
            guard consumeNull() else { throw failure("expected a value") }
        default:
            try skipNumber()
        }
    }

    private mutating func skipNumber() throws {
        _ = consume(UInt8(ascii: "-"))
        let start = index
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        guard index > start else { throw failure("expected a value") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            guard index > fractionStart else { throw failure("expected digits after '.'") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            guard index > exponentStart else { throw failure("expected digits in the exponent") }
        }
    }
}
