/// Makes attacker-controlled bytes safe to print on a terminal, visibly and
/// reversibly: printable UTF-8 stays; `\` becomes `\\`; control characters
/// become `\n`, `\t`, `\r`, `\e` or `\xHH`; C1 controls, line/paragraph
/// separators and bidi controls become `\u{XXXX}`; bytes that are not valid
/// UTF-8 become `\xHH`. Nothing it prints can move the cursor, change
/// colours, or end the line.
public enum TerminalEscaper {
    private static let hex: [Character] = Array("0123456789abcdef")

    public static func escape(_ bytes: UnsafeRawBufferPointer, into out: inout String) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7f {
                if byte == UInt8(ascii: "\\") { out += "\\\\" } else { out.unicodeScalars.append(Unicode.Scalar(byte)) }
                index += 1
                continue
            }
            if byte < 0x80 {
                switch byte {
                case 0x0a: out += "\\n"
                case 0x09: out += "\\t"
                case 0x0d: out += "\\r"
                case 0x1b: out += "\\e"
                default: appendHexByte(byte, to: &out)
                }
                index += 1
                continue
            }
            let length = JSONStringEscaper.validSequenceLength(bytes, at: index)
            if length == 0 {
                appendHexByte(byte, to: &out)
                index += 1
                continue
            }
            let scalar = JSONStringEscaper.decodeScalar(bytes, at: index, length: length)
            if JSONStringEscaper.mustEscape(scalar) {
                out += "\\u{" + String(scalar, radix: 16) + "}"
            } else if let value = Unicode.Scalar(scalar) {
                out.unicodeScalars.append(value)
            }
            index += length
        }
    }

    private static func appendHexByte(_ byte: UInt8, to out: inout String) {
        out += "\\x"
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0xf)])
    }

    public static func escape<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = ""
        let array = Array(bytes)
        array.withUnsafeBytes { escape($0, into: &out) }
        return out
    }

    /// One argument for a shell-like display: bare when it is plain
    /// (letters, digits, `-_./=:,+@%`), else `'…'`, or `$'…'` with the escapes
    /// above when it holds anything unprintable or a quote.
    public static func shellQuoted<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let array = Array(bytes)
        if array.isEmpty { return "''" }
        let plain = array.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || "-_./=:,+@%".utf8.contains(byte)
        }
        if plain { return String(decoding: array, as: UTF8.self) }
        let escaped = escape(array)
        let needsANSI = escaped != String(decoding: array, as: UTF8.self) || array.contains(UInt8(ascii: "'"))
        if !needsANSI { return "'" + escaped + "'" }
        return "$'" + escaped.replacingQuotes() + "'"
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for character in self {
            if character == "'" { out += "\\'" } else { out.append(character) }
        }
        return out
    }
}
