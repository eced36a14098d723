/// Writes arbitrary bytes as the inside of a JSON string, losslessly, on one
/// line, and safe to print on a terminal.
///
/// - Valid UTF-8 is kept as is, except characters that could break a line or
///   a terminal or hide text: C0 controls and DEL as `\n`, `\t`, … or
///   `\u00XX`; C1 controls (U+0080–U+009F), U+2028/U+2029 and the bidi
///   controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) as `\uXXXX`.
/// - Every byte that is not part of valid UTF-8 becomes `\udcXX`, a lone low
///   surrogate carrying the byte 0x80–0xFF (the "surrogateescape" convention
///   of Python's os.fsdecode). Valid UTF-8 can never contain a surrogate, so
///   the mapping is reversible: the reader turns `\udcXX` back into byte XX.
public enum JSONStringEscaper {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    private static func appendUnicodeEscape(_ value: UInt32, to out: ByteBuffer) {
        out.reserve(6)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        out.append(hex[Int((value >> 12) & 0xf)])
        out.append(hex[Int((value >> 8) & 0xf)])
        out.append(hex[Int((value >> 4) & 0xf)])
        out.append(hex[Int(value & 0xf)])
    }

    @inline(__always)
    static func mustEscape(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x80...0x9f, 0x2028, 0x2029, 0x061c, 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069: true
        default: false
        }
    }

    /// Appends `"…"` with `bytes` escaped.
    public static func appendQuoted(_ bytes: UnsafeRawBufferPointer, to out: ByteBuffer) {
        out.append(UInt8(ascii: "\""))
        appendEscaped(bytes, to: out)
        out.append(UInt8(ascii: "\""))
    }

    public static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: ByteBuffer) {
        let count = bytes.count
        out.reserve(count + 2)
        var index = 0
        var runStart = 0
        @inline(__always) func flushRun(_ end: Int) {
            if end > runStart { out.append(UnsafeRawBufferPointer(rebasing: bytes[runStart..<end])) }
        }
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte < 0x80 {
                flushRun(index)
                switch byte {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0a: out.append("\\n")
                case 0x09: out.append("\\t")
                case 0x0d: out.append("\\r")
                case 0x08: out.append("\\b")
                case 0x0c: out.append("\\f")
                default: appendUnicodeEscape(UInt32(byte), to: out)
                }
                index += 1
                runStart = index
                continue
            }
            let length = validSequenceLength(bytes, at: index)
            if length == 0 {
                flushRun(index)
                appendUnicodeEscape(0xdc00 | UInt32(byte), to: out)
                index += 1
                runStart = index
                continue
            }
            let scalar = decodeScalar(bytes, at: index, length: length)
            if mustEscape(scalar) {
                flushRun(index)
                appendUnicodeEscape(scalar, to: out)
                index += length
                runStart = index
            } else {
                index += length
            }
        }
        flushRun(count)
    }

    public static func appendQuoted(_ bytes: [UInt8], to out: ByteBuffer) {
        bytes.withUnsafeBytes { appendQuoted($0, to: out) }
    }

    public static func appendQuoted(_ bytes: ArraySlice<UInt8>, to out: ByteBuffer) {
        bytes.withUnsafeBytes { appendQuoted($0, to: out) }
    }

    /// Appends `["arg0","arg1",…]`, or `null` when the arguments are unknown.
    public static func appendArray(_ argv: ArgumentVector?, to out: ByteBuffer) {
        guard let argv else {
            out.append("null")
            return
        }
        out.append(UInt8(ascii: "["))
        var first = true
        argv.forEach { argument in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendQuoted(argument, to: out)
        }
        out.append(UInt8(ascii: "]"))
    }

    public static func appendQuoted(_ string: String, to out: ByteBuffer) {
        var string = string
        string.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0), to: out) }
    }

    /// Length of the well-formed UTF-8 sequence starting at `index` (2...4), or 0.
    @inline(__always)
    static func validSequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let count = bytes.count
        let lead = bytes[index]
        @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xbf) -> Bool {
            index + offset < count && bytes[index + offset] >= low && bytes[index + offset] <= high
        }
        switch lead {
        case 0xc2...0xdf:
            return continuation(1) ? 2 : 0
        case 0xe0:
            return continuation(1, 0xa0) && continuation(2) ? 3 : 0
        case 0xe1...0xec, 0xee...0xef:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xed:
            return continuation(1, 0x80, 0x9f) && continuation(2) ? 3 : 0
        case 0xf0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xf1...0xf3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xf4:
            return continuation(1, 0x80, 0x8f) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }

    @inline(__always)
    static func decodeScalar(_ bytes: UnsafeRawBufferPointer, at index: Int, length: Int) -> UInt32 {
        let lead = UInt32(bytes[index])
        switch length {
        case 2: return (lead & 0x1f) << 6 | UInt32(bytes[index + 1] & 0x3f)
        case 3: return (lead & 0x0f) << 12 | UInt32(bytes[index + 1] & 0x3f) << 6 | UInt32(bytes[index + 2] & 0x3f)
        default:
            return (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3f) << 12
                | UInt32(bytes[index + 2] & 0x3f) << 6 | UInt32(bytes[index + 3] & 0x3f)
        }
    }
}
